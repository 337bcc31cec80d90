"""The process's heap, tuned for tables of millions of rows (glibc only;
elsewhere these do nothing).

By default glibc serves an allocation of up to 32 MB from its heap once one
that size has been freed, and keeps the heap's free pages. Reading and
computing a national table make and free hundreds of column arrays of such
sizes, and resident memory grew by their leftovers. While they run, an array
from 128 kB up is mapped on its own, and its pages go back to the system when
it is freed: on the generated national set, computing peaked at 1.47 GB
instead of 1.82 GB. Pages and PDFs are then made with the heap as glibc has it
by default at its largest (from 32 MB up mapped): their many middling
allocations are faster from the heap, fresh pages being zeroed.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
MAPPED_WHILE_COMPUTING = 128 * 1024  # glibc's initial threshold, kept fixed
MAPPED_AFTER = 32 * 1024 * 1024  # the highest glibc's own threshold rises to


def _mmap_threshold(size: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, size)


@contextlib.contextmanager
def large_arrays_mapped() -> Iterator[None]:
    """Within: every allocation from 128 kB up gets pages of its own."""
    _mmap_threshold(MAPPED_WHILE_COMPUTING)
    try:
        yield
    finally:
        _mmap_threshold(MAPPED_AFTER)


def trim_heap() -> None:
    """Hand the memory freed while computing back to the system (glibc keeps it
    in the heap otherwise): the parent then holds only what it uses, and forked
    workers do not start with its free pages counted in theirs."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
