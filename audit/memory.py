"""Give freed heap memory back to the operating system between the corpus-level passes.

A pass that builds large temporary structures (story vectors, the entity index's rows, the corpus
index's partial counts) frees them when it ends, but glibc keeps the freed pages in the process
(small blocks in arenas, and blocks up to its raised mmap threshold on the heap), so the resident
size stays at the pass's peak and the next pass stacks on top of it. `malloc_trim(0)` returns
every free page; on 20,000 documents it lowered the run's peak RSS by about 60 MB. Elsewhere than
glibc it is a no-op.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    try:  # the symbols already loaded into this process (not ctypes.util, which runs ldconfig)
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> bool:
    """True when memory was handed back (glibc only)."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
