"""Where the work runs: in this process, in local worker processes, or on a Ray cluster.

The pipeline is written against the small `Executor` interface below, so the same detectors, the
same corpus-level passes and the same output contract serve every engine; an engine only decides
where the per-document audits, the per-story corroboration work and the MT calls happen. Every
method returns results in input order, so outputs do not depend on the engine (tests compare them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from audit.config import Config
    from audit.corpus import CorpusIndex
    from audit.detectors import Detector
    from audit.records import Document, DocumentResult, Finding
    from audit.translate.cache import CachedTranslator

T = TypeVar("T")
R = TypeVar("R")
DocOutcome = tuple["list[Finding]", "DocumentResult"]

ENGINES = ("local", "ray")


class ExecutorUnavailable(RuntimeError):
    """The engine cannot run here (package missing, cluster unreachable); the message says what to do."""


class Executor(Protocol):
    name: str

    def audit(self, docs: Iterable[Document], detectors: Sequence[Detector], corpus: CorpusIndex,
              config: Config) -> Iterator[DocOutcome]:
        """Audit each document with the fitted detectors; yields outcomes in input order, lazily."""
        ...

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """`fn(x) for x in items`, in order, possibly elsewhere (`fn` must be picklable: a module-level
        function or a functools.partial of one). Lazy both ways: items are read, and results
        yielded, as a bounded window moves, so a streamed corpus is never held whole."""
        ...

    def translator(self, config: Config) -> CachedTranslator | None:
        """The translator the fidelity pass should use, or None for the configured local one."""
        ...

    def describe(self) -> dict[str, Any]:
        ...

    def close(self) -> None:
        ...


def make_executor(engine: str = "local", jobs: int = 1, address: str | None = None) -> Executor:
    """The executor for `--engine`; `address` is the Ray cluster to join (None: `RAY_ADDRESS` or a
    local one started for the run)."""
    if engine == "local":
        from audit.execution.local import LocalExecutor

        return LocalExecutor(jobs)
    if engine == "ray":
        from audit.execution.ray_engine import RayExecutor

        return RayExecutor(address=address, jobs=jobs)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
