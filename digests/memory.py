"""Handing the memory a large step freed back to the operating system."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable


def _find_trim() -> Callable[[int], int] | None:
    # glibc's malloc_trim; other C libraries (musl, macOS) have none, and there is nothing
    # to do.
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _find_trim()


def release_free_memory() -> bool:
    """Give the C heap's free pages back to the operating system; False where the C library
    cannot.

    A refresh allocates tens of megabytes across worker threads (response bodies, signature
    rows) and frees them scattered among live objects: glibc keeps those pages, so without
    this the next step (clustering, a digest) would start from the previous step's peak.
    """
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
