"""This machine: one process, or `jobs` worker processes holding the fitted detectors."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from audit.memory import freeze_heap, thaw_heap
from audit.records import Document
from audit.resources import load_list

if TYPE_CHECKING:
    from audit.config import Config
    from audit.corpus import CorpusIndex
    from audit.detectors import Detector
    from audit.execution import DocOutcome
    from audit.translate.cache import CachedTranslator

T = TypeVar("T")
R = TypeVar("R")

_WORKER: dict[str, Any] = {}
_END = object()


def _init_worker(detectors: Sequence[Detector], corpus: CorpusIndex, config: Config) -> None:
    _WORKER.update(detectors=detectors, corpus=corpus, config=config)


def _init_map(fn: Callable[[Any], Any]) -> None:
    _WORKER["map"] = fn


def _mapped(item: Any) -> Any:
    return _WORKER["map"](item)


def _audit_batch(docs: list[Document]) -> list[DocOutcome]:
    from audit.pipeline import audit_document

    out = []
    for d in docs:
        findings, result = audit_document(d, _WORKER["detectors"], _WORKER["corpus"], _WORKER["config"])
        out.append((findings, replace(result, text="")))  # the parent has the text: do not ship a copy back
    return out


class LocalExecutor:
    """Documents go to the workers in small batches with a bounded number in flight, so memory
    holds a few batches, not the corpus's results, whatever its size."""

    name = "local"
    batch_size = 16

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, int(jobs))

    def audit(self, docs: Iterable[Document], detectors: Sequence[Detector], corpus: CorpusIndex,
              config: Config) -> Iterator[DocOutcome]:
        from audit.pipeline import audit_document

        if self.jobs == 1:
            freeze_heap()  # the detectors' tables and the corpus index
            for doc in docs:
                yield audit_document(doc, detectors, corpus, config)
            return
        load_lazy_tables(detectors, corpus)
        freeze_heap()  # the same, here and in the forked workers
        batches = _batches(docs, self.batch_size)
        with ProcessPoolExecutor(self.jobs, initializer=_init_worker,
                                 initargs=(detectors, corpus, config)) as pool:
            window = self.jobs * 3
            inflight = [(b, pool.submit(_audit_batch, b)) for b in islice(batches, window)]
            while inflight:
                batch, future = inflight.pop(0)
                done = future.result()
                nxt = next(batches, None)
                if nxt is not None:
                    inflight.append((nxt, pool.submit(_audit_batch, nxt)))
                for doc, (findings, result) in zip(batch, done, strict=True):
                    yield findings, replace(result, text=doc.text)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """`fn` over `items` in forked workers. `fn` must not run polars' multithreaded operations
        (gather, concat, joins): the workers inherit a started polars thread pool without its
        threads, and such an operation waits on them for ever. Building a frame from whole columns
        is safe; so is anything the main process does with what `fn` returns."""
        freeze_heap()
        if self.jobs == 1:
            yield from map(fn, items)
            return
        it = iter(items)
        # `fn` reaches each worker once, as the pool's initializer argument (inherited by the fork,
        # not pickled), not with every item: a partial may carry a large table every task reads.
        with ProcessPoolExecutor(self.jobs, initializer=_init_map, initargs=(fn,)) as pool:
            inflight = deque(pool.submit(_mapped, x) for x in islice(it, self.jobs * 4))  # a window
            while inflight:
                result = inflight.popleft().result()
                nxt = next(it, _END)
                if nxt is not _END:
                    inflight.append(pool.submit(_mapped, nxt))
                yield result

    def translator(self, config: Config) -> CachedTranslator | None:
        return None

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "jobs": self.jobs}

    def close(self) -> None:
        thaw_heap()


def warmup_document() -> Document:
    """A short multilingual news sample (`reference/lexicons/warmup_sample.txt`) that touches what
    the detectors load lazily."""
    return Document(doc_id="warmup_sample.txt", text="\n\n".join(load_list("warmup_sample")) + "\n")


def load_lazy_tables(detectors: Sequence[Detector], corpus: CorpusIndex) -> None:
    """Run each detector once, in this process, on `warmup_document()`, so that the word tables,
    language profiles and lexicons it reads lazily are loaded before the workers are forked: they
    share this one copy instead of each loading its own (~320 MiB and a second or two a worker).
    Its findings are dropped; a detector that fails on it fails, and is reported, on the corpus."""
    sample = warmup_document()
    for det in detectors:
        try:
            for _ in det.detect(sample, corpus):
                pass
        except Exception:  # only a warm-up: the real documents report failures
            pass


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch
