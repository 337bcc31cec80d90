"""The live preview's server: the last good site, with a failed build's errors on top."""

from reportgen.serve import PreviewApp


def call(app, path):
    seen = {}

    def start(status, headers):
        seen["status"] = status

    body = b"".join(app({"PATH_INFO": path}, start))
    return seen["status"], body


def test_preview_serves_the_site_and_shows_build_errors(tmp_path):
    (tmp_path / "schools").mkdir()
    (tmp_path / "index.html").write_bytes(b"<html><body><h1>Home</h1></body></html>")
    app = PreviewApp(tmp_path)
    status, body = call(app, "/")
    assert status.startswith("200") and b"<h1>Home</h1>" in body and b"alert" not in body
    app.error = ["data/results.csv, row 4, column value: expected a number, found 'x'"]
    status, body = call(app, "/index.html")
    assert b'role="alert"' in body and b"row 4, column value" in body
    assert (tmp_path / "index.html").read_bytes() == b"<html><body><h1>Home</h1></body></html>"
    assert call(app, "/../etc/passwd")[0].startswith("404")
    assert call(app, "/schools/nothing.html")[0].startswith("404")
