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


_POLARS_CHURN = """
import os, sys
import audit  # noqa: F401
import polars as pl

def rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

base = rss()
frames = [pl.DataFrame({"doc": [f"doc-{i}-{j}.txt" for j in range(20_000)], "n": range(20_000)})
          for i in range(60)]
merged = pl.concat(frames).sort("doc")
peak = rss()
del frames, merged
print(base, peak, rss(), os.environ["_RJEM_MALLOC_CONF"])
"""


def _churn(env: dict[str, str] | None = None) -> tuple[int, int, int, str]:
    import os
    import subprocess

    environ = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"} | (env or {})
    out = subprocess.run([sys.executable, "-c", _POLARS_CHURN], capture_output=True, text=True,
                         check=True, env=environ).stdout.split()
    return int(out[0]), int(out[1]), int(out[2]), out[3]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="polars' jemalloc build")
def test_polars_frames_freed_leave_the_process_when_audit_is_imported_first() -> None:
    base, peak, after, conf = _churn()
    assert conf.endswith("dirty_decay_ms:0,muzzy_decay_ms:0")
    # (polars' own setting kept them: 45 -> 190 -> 191 MiB when this was written)
    assert peak - base > 50_000 and after - base < (peak - base) / 3
    *_, conf = _churn({"_RJEM_MALLOC_CONF": "dirty_decay_ms:2000"})
    assert conf.endswith(",dirty_decay_ms:2000")  # a setting of the user's own is left alone


def _frozen(_: object) -> int:
    import gc

    return gc.get_freeze_count()


def test_passes_run_with_the_heap_frozen_and_the_run_thaws_it() -> None:
    """A pass (in this process or in workers forked from it) runs with the objects alive before it
    frozen, so full collections skip the run's long-lived tables; a run leaves the collector as
    it found it, whether it made its executor or was given one."""
    import gc

    import audit
    from audit.execution.local import LocalExecutor
    from audit.records import Document

    assert gc.get_freeze_count() == 0
    for jobs in (1, 2):
        executor = LocalExecutor(jobs)
        assert all(n > 1000 for n in executor.map(_frozen, range(3)))
        executor.close()
        assert gc.get_freeze_count() == 0
    audit.audit_documents([Document(doc_id="a", text="Putin met Kim in Pyongyang on Wednesday.")], jobs=1)
    assert gc.get_freeze_count() == 0
    docs = [Document(doc_id=f"d{i}", text=f"Story {i}: Putin met Kim in Pyongyang.") for i in range(3)]
    executor = LocalExecutor(1)
    audit.audit_documents(docs, executor=executor)
    assert gc.get_freeze_count() > 0  # the caller's executor: the caller closes it
    executor.close()
    assert gc.get_freeze_count() == 0


_SEEN: list[str] = []


class _Recorder:
    """A detector that notes, in the process that runs it, every document it is shown."""

    name = "recorder"

    def detect(self, doc: object, corpus: object) -> list[object]:
        _SEEN.append(doc.doc_id)  # type: ignore[attr-defined]
        return []


def test_workers_are_forked_after_the_detectors_loaded_their_tables_here() -> None:
    """With workers, each detector first runs here on the warm-up sample (so what it loads lazily
    is loaded once and shared by the forked workers), and the corpus's documents run there only.
    In one process there is nothing to share: no warm-up."""
    from audit.config import Config
    from audit.corpus import CorpusIndex
    from audit.execution.local import LocalExecutor, warmup_document
    from audit.records import Document

    docs = [Document(doc_id=f"d{i}", text=f"Story {i}: Putin met Kim in Pyongyang.") for i in range(5)]
    for jobs, here in ((2, ["warmup_sample.txt"]), (1, [d.doc_id for d in docs])):
        _SEEN.clear()
        executor = LocalExecutor(jobs)
        outcomes = list(executor.audit(docs, [_Recorder()], CorpusIndex(), Config()))  # type: ignore[list-item]
        executor.close()
        assert len(outcomes) == len(docs)
        assert here == _SEEN, jobs
    sample = warmup_document().text
    assert "European Central Bank (ECB)" in sample and "El Govern ha anunciat" in sample


class _Unpicklable:
    """A mapped function that holds a table and refuses to be pickled."""

    def __init__(self) -> None:
        self.table = list(range(100))

    def __call__(self, i: int) -> int:
        return self.table[i] * 2

    def __reduce__(self) -> tuple:  # type: ignore[type-arg]
        raise AssertionError("pickled")


@pytest.mark.skipif(sys.platform != "linux", reason="workers forked")
def test_a_mapped_function_reaches_forked_workers_without_being_pickled() -> None:
    """Forked workers inherit the function (and the tables a partial carries) instead of receiving
    a pickled copy with every item; results still come back in input order."""
    from audit.execution.local import LocalExecutor

    executor = LocalExecutor(2)
    try:
        assert list(executor.map(_Unpicklable(), range(0, 100, 7))) == [2 * i for i in range(0, 100, 7)]
    finally:
        executor.close()
