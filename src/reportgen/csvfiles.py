"""Reading CSV files as users save them: encodings, BOMs, and DfE's cell codes."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from .errors import InputError
from .model import CODES

MAX_FILE_BYTES = 2 * 1024**3  # refuse absurd files before reading them into memory


def read_header(path: Path) -> list[str]:
    with path.open("rb") as fh:  # the first line only: the file may be huge
        head = fh.read(65536)
    first = _decode(head.split(b"\n", 1)[0], path).rstrip("\r")
    return [h.strip() for h in next(csv.reader([first]), [])]


def _decode(data: bytes, path: Path) -> str:
    return data.decode(_encoding(lambda: _blocks(data), path))


BLOCK = 1 << 24  # text is decoded 16 MB at a time


def _blocks(data: bytes, size: int = BLOCK) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _file_blocks(path: Path, size: int = BLOCK) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while block := fh.read(size):
            yield block


def _encoding(blocks: Callable[[], Iterable[bytes]], path: Path) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Excel saves it: found
    block by block, without holding the whole text (a national file decoded at
    once would take several times its size). A file of both (rows pasted from
    one into the other) is refused: read either way, some of its names would
    come out garbled."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for block in blocks():
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "cp1252":
            _refuse_mixed(blocks, path)
        return encoding
    raise InputError(f"{path}: cannot read the text (not UTF-8 or Windows-1252)")


# Two to four bytes that UTF-8 writes for one letter (é is C3 A9): in a
# Windows-1252 file they would be two or more odd letters side by side (Ã©).
_UTF8_LETTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _refuse_mixed(blocks: Callable[[], Iterable[bytes]], path: Path) -> None:
    """Name a row in UTF-8 and one that is not, when a file not in UTF-8 has both."""
    if not any(_UTF8_LETTER.search(block) for block in blocks()):
        return
    utf8 = other = None
    data = b"".join(blocks())  # only a file that is both: rare, and named below
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other = other or number
            continue
        if utf8 is None and _UTF8_LETTER.search(line):
            utf8 = number
        if utf8 and other:
            raise InputError(
                f"{path}, row {other}: not saved as UTF-8, while row {utf8} is: the file "
                "mixes two encodings (rows pasted from another file?); save it again as "
                "'CSV UTF-8' and check the names in those rows"
            )


def read_table(path: Path, fold_extra: bool = False) -> pd.DataFrame:
    """A CSV as strings, exactly as written (no NA guessing: 'NA' is a DfE code).

    ``fold_extra`` joins cells beyond the header's last column into it: GIAS
    writes several linked establishments as unquoted, comma-separated cells.
    Files of figures are read by ``read_table_parts``.
    """
    _check_size(path)
    data = path.read_bytes()
    if fold_extra:
        rows = list(csv.reader(io.StringIO(_decode(data, path))))
        width = len(rows[0]) if rows else 0
        body = [
            r[: width - 1] + [", ".join(r[width - 1 :])] if len(r) > width else r for r in rows[1:]
        ]
        frame = pd.DataFrame(body, columns=[c.strip() for c in rows[0]] if rows else [], dtype=str)
        return frame.fillna("")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                io.BytesIO(data),
                encoding=_encoding(lambda: _blocks(data), path),
                dtype=str,
                keep_default_na=False,
                index_col=False,
            )
        except pd.errors.ParserError as exc:
            _check_widths(io.StringIO(_decode(data, path)), path)  # names the row
            raise InputError(f"{path}: not a readable CSV file ({exc})") from None
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        _check_widths(io.StringIO(_decode(data, path)), path)
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def refuse_short_rows(path: Path) -> None:
    """Name the first row with fewer cells than the header has columns: pandas
    fills it out with empty cells, so a cell left out in the middle would put
    each after it under the wrong column, silently. For the project's own
    files: DfE's leave out a row's empty cells at its end, as they define.
    Counted in the bytes, a block at a time (a national file has millions of
    rows); a row with quotes, which may hold a comma or a line break, is left
    to the CSV reader."""
    _check_size(path)  # an absurd file is refused before it is read
    width = len(read_header(path))
    row, carry, header = 1, b"", True
    for block in (*_file_blocks(path, 1 << 22), b"\n"):
        data = carry + block
        cut = data.rfind(b"\n") + 1
        body, carry = data[:cut], data[cut:]
        if header and body:
            body, header = body[body.index(b"\n") + 1 :], False
        found, lines = _short_in(body, width)
        if found is not None:
            number, cells = found
            raise InputError(
                f"{path}, row {row + number}: {cells} cells, but the header names {width} "
                "columns; give every row a cell for every column, empty if need be"
            )
        row += lines


def _short_in(body: bytes, width: int) -> tuple[tuple[int, int] | None, int]:
    """((line within ``body``, cells) of its first short row, or None; its lines)."""
    arr = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(arr == ord("\n"))
    if not len(ends):
        return None, 0
    starts = np.concatenate([[0], ends[:-1] + 1])
    commas = np.concatenate([[0], np.cumsum(arr == ord(","), dtype=np.int64)])
    quotes = np.concatenate([[0], np.cumsum(arr == ord('"'), dtype=np.int64)])
    cells = commas[ends] - commas[starts] + 1
    text = (ends - starts) > (arr[np.maximum(ends - 1, 0)] == ord("\r"))  # not a blank line
    short = (cells < width) & text & (quotes[ends] == quotes[starts])
    if not short.any():
        return None, len(ends)
    first = int(np.argmax(short))
    return (first + 1, int(cells[first])), len(ends)


def _check_size(path: Path) -> None:
    """Refuse an absurd file before reading it into memory."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{path}: the file is larger than {MAX_FILE_BYTES // 1024**3} GB")


CHUNK_ROWS = 1_000_000


def read_table_parts(path: Path, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """A file of figures as ``read_table`` reads it, in parts of ``rows`` rows
    (``CHUNK_ROWS`` unless told), each indexed by its rows' places in the whole
    file, and each column as categories: a long file repeats few values, and
    a text object a cell would take gigabytes. A national file is read from
    disk a part at a time: neither its bytes nor its cells are ever held whole.

    Cells are read as text and then made categories: pandas' own
    ``dtype="category"`` turns a column of digits into numbers (URN "080001"
    would become 80001, and "1.0" the same as "1")."""
    _check_size(path)
    encoding = _encoding(lambda: _file_blocks(path), path)
    reader = pd.read_csv(
        path,
        encoding=encoding,
        dtype=str,
        keep_default_na=False,
        index_col=False,
        chunksize=rows or CHUNK_ROWS,
    )
    with reader:
        while True:
            frame, failed = None, None
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                try:
                    frame = next(reader, None)
                except pd.errors.ParserError as exc:
                    failed = exc
            if failed or any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
                with path.open(encoding=encoding, newline="") as text:
                    _check_widths(text, path)  # names the row
            if failed:
                raise InputError(f"{path}: not a readable CSV file ({failed})") from None
            if frame is None:
                return
            frame.columns = [c.strip() for c in frame.columns]
            yield as_categories(frame)


def as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Each text column as categories, as ``astype("category")`` makes them (the
    same sorted categories), in half its time: pandas' string columns are
    factorized as the plain objects they hold."""
    columns = {}
    for i, (_, column) in enumerate(frame.items()):  # by place: two names may be the same
        codes, values = pd.factorize(column.to_numpy(dtype=object), sort=True)
        dtype = pd.CategoricalDtype(pd.Index(values, dtype=column.dtype))
        columns[i] = pd.Categorical.from_codes(codes, dtype=dtype)
    out = pd.DataFrame(columns, index=frame.index)
    out.columns = frame.columns
    return out


def _check_widths(text: TextIO, path: Path) -> None:
    """Name the first row with more cells than the header has columns."""
    rows = csv.reader(text)
    width = len(next(rows, []))
    for number, row in enumerate(rows, start=2):
        if len(row) > width:
            raise InputError(
                f"{path}, row {number}: {len(row)} cells, but the header names {width} "
                "columns (a comma inside a value needs quotes)"
            )


def per_distinct(
    column: pd.Series, work, category: bool = False
) -> pd.Series | tuple[pd.Series, ...]:
    """``work`` (a function of a Series) done once per distinct value of ``column``
    and spread back to every row. A national file has millions of cells and few
    distinct values in each column, and string work is what costs. With
    ``category``, text comes back as categories: a byte or two a row, not eight."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    done = work(pd.Series(uniques, dtype=column.dtype))
    parts = done if isinstance(done, tuple) else (done,)
    spread = tuple(_spread(part, codes, column.index, category) for part in parts)
    return spread if isinstance(done, tuple) else spread[0]


def _spread(part: pd.Series, codes: np.ndarray, index: pd.Index, category: bool) -> pd.Series:
    if category and not pd.api.types.is_numeric_dtype(part.dtype):
        inner, values = pd.factorize(part)  # distinct cells may give the same text
        return pd.Series(pd.Categorical.from_codes(inner[codes], values), index=index)
    return pd.Series(part.to_numpy()[codes], index=index, dtype=part.dtype)


def parse_figures(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised cell parsing: (value, status, bad) for a column of strings.

    Numbers may carry "%", thousands commas and spaces; codes keep their
    status (SUPP, NA, c, x, ...), as categories. ``bad`` marks cells that are
    neither.
    """
    return per_distinct(
        raw, lambda cells: _parse_figures(cells.astype(str).fillna("")), category=True
    )


def _parse_figures(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    # Most cells are plain numbers or empty: only the others go through the
    # slower string handling (national files hold millions of cells).
    number = pd.to_numeric(raw, errors="coerce")
    number = number.where(np.isfinite(number))
    status = pd.Series(np.where(number.notna(), "ok", None), index=raw.index, dtype=object)
    status[raw == ""] = CODES[""]
    rest = status.isna()
    if rest.any():
        text = raw[rest].str.strip()
        codes = text.map(CODES).fillna(
            text.str.upper().map({k: v for k, v in CODES.items() if len(k) > 1})
        )
        cleaned = text.str.removesuffix("%").str.replace(",", "", regex=False).str.strip()
        parsed = pd.to_numeric(cleaned.where(codes.isna()), errors="coerce")
        parsed = parsed.where(np.isfinite(parsed))
        number[rest] = parsed
        status[rest] = codes.where(codes.notna(), np.where(parsed.notna(), "ok", None))
    bad = status.isna()
    status = status.where(~bad, "missing")
    return number.astype(float), status.astype(object), bad
