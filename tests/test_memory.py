"""Freed memory handed back to the system between passes."""

from __future__ import annotations

import sys

import pytest

from audit.memory import release_freed_memory


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_blocks_between_survivors_are_given_back_to_the_system() -> None:
    release_freed_memory()
    # Long articles' bytes (heap blocks below the mmap threshold), one in ten still alive, as
    # after a pass: the freed ones are holes that the heap cannot shrink past by itself.
    text = b"Kim Jong Un offered his full support to Russia in the war in Ukraine. "
    blocks = [text * 850 + str(i).encode() for i in range(2_000)]  # ~60 KB each, ~115 MB
    survivors = blocks[::10]
    del blocks
    before = _rss_kib()
    assert release_freed_memory()
    assert before - _rss_kib() > 50_000  # most of the ~100 MB freed
    assert len(survivors) == 200
