"""What is up to date, who is building, and the publish step.

Beside the output folder (``site/``) a build keeps:

- ``.site-cache/``: the manifest of the last good build (what it read, and
  every file it published with its hash and how the file stood on disk), the
  records of its tasks (``workers.TaskRecords``), rendered PDFs, search copies;
- ``.site-cache/lock``: held (``flock``) by the one build writing ``site/``;
  the kernel lets go of it however the build ends, so a killed build leaves
  no stale lock;
- ``.site.building-*``: the build in progress, swapped into place whole.

Everything kept from the last build is checked before it is trusted: a live
file that is missing, or was changed since it was published (its size, time or
inode are not as recorded), is made again, not carried forward.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError


def beside(out: Path, suffix: str) -> Path:
    """A hidden name beside the output folder (``site`` → ``.site-cache``;
    the preview's ``.site-preview`` → ``.site-preview-cache``)."""
    return out.parent / f".{out.name.lstrip('.')}{suffix}"


def cache_dir(out: Path) -> Path:
    return beside(out, "-cache")


def lock_path(out: Path) -> Path:
    return cache_dir(out) / "lock"


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """One build per output folder at a time. A second build says who holds
    the folder and stops, without touching it."""
    import fcntl

    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another build"
            raise InputError(
                f"{out}: {holder} is building this site now; wait for it to finish "
                "(or stop it), then build again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"build {os.getpid()} (started {time.strftime('%H:%M:%S')})".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # lets go of the lock


def read_manifest(out: Path) -> dict:
    path = cache_dir(out) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) and out.is_dir() else {}


def write_manifest(out: Path, manifest: dict) -> None:
    folder = cache_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / "manifest.json")


def file_stat(path: Path) -> list[int] | None:
    """A file's size, modification time and inode: any change to it since shows."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino] if stat.S_ISREG(st.st_mode) else None


def stats_of(out: Path, paths: list[str]) -> dict[str, list[int]]:
    """How each published file stands on disk, to tell later whether it changed."""
    found = {}
    for path in paths:
        st = file_stat(out / path)
        if st is not None:
            found[path] = st
    return found


def tree_stats(folder: Path) -> dict[str, list[int]]:
    """``stats_of`` every file below ``folder`` (the search index: Pagefind's files)."""
    paths = [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*")) if p.is_file()]
    return stats_of(folder, paths) if folder.is_dir() else {}


def as_published(out: Path, manifest: dict) -> dict[str, str]:
    """{path: hash} of the live files that are still as the last build
    published them; any other is left out, so it is made again."""
    hashes, stats = manifest.get("files") or {}, manifest.get("stats") or {}
    return {
        path: digest
        for path, digest in hashes.items()
        if stats.get(path) is not None and file_stat(out / path) == stats[path]
    }


def open_modes(folder: Path) -> None:
    """The usual modes (by the umask): ``mkdtemp`` makes a folder only its
    owner can read, and a web server running as another user could not."""
    mask = os.umask(0)
    os.umask(mask)
    folder.chmod(0o777 & ~mask)


# renameat2(2) with RENAME_EXCHANGE swaps two paths in one step (Linux 3.15+).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def libc() -> ctypes.CDLL:
    """The C library, for the calls Python has no name for (renameat2, prctl)."""
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically; False where the system cannot."""
    renameat2 = getattr(libc(), "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # this kernel or file system has no exchange
    raise OSError(code, os.strerror(code), str(b))


def publish(tmp: Path, out: Path) -> None:
    """Put the finished build in place of the live site in one step, so there
    is always a whole site at ``out``: the two folders are exchanged, then the
    old one (now at ``tmp``) is removed."""
    if out.is_symlink() or not out.exists():
        os.replace(tmp, out)  # nothing there, or a link: one rename
        return
    if _exchange(tmp, out):
        shutil.rmtree(tmp)
        return
    # Without an exchange (not Linux): two renames, with a moment between.
    old = beside(out, ".old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old)
