"""A Ray cluster: per-document audits and per-story corroboration as Ray tasks, MT as a pool of actors.

The driver still reads the corpus, builds the corpus index, fits the detectors, groups stories and
writes the outputs; what it farms out is the work that is independent per document or per story.
Plain tasks (not Ray Data) carry it: the unit of work is a list of `Document` dataclasses and the
result a list of Python objects, so Arrow blocks would only add a conversion each way, and tasks
make the input-order guarantee and the backpressure window explicit here.

The fitted detectors, the corpus index and the config go into the object store once per run; each
worker process fetches and unpickles them once (`_shared`) and keeps them for every later batch.
"""

from __future__ import annotations

import logging
import math
import os
import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from audit.execution import ExecutorUnavailable
from audit.translate.base import Engine, EngineUnavailable

if TYPE_CHECKING:
    from audit.config import BacktranslateConfig, Config
    from audit.corpus import CorpusIndex
    from audit.detectors import Detector
    from audit.execution import DocOutcome
    from audit.records import Document
    from audit.translate.cache import CachedTranslator

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

INSTALL_HINT = "pip install 'mtaudit[cluster]'"
_END = object()

# --- worker side -----------------------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _shared(box: list[Any]) -> Any:
    """The run's (detectors, corpus, config), unpickled once per worker process, not once per batch.

    The ObjectRef arrives inside a list so that Ray does not resolve it for every task; only the
    latest run's state is kept.
    """
    import ray

    key = box[0].hex()
    if key not in _STATE:
        _STATE.clear()
        _STATE[key] = ray.get(box[0])
    return _STATE[key]


def _audit_batch(box: list[Any], docs: list[Document]) -> list[DocOutcome]:
    from audit.pipeline import audit_document

    detectors, corpus, config = _shared(box)
    return [audit_document(d, detectors, corpus, config) for d in docs]


def _call(fn: Callable[[T], R], item: T) -> R:
    return fn(item)


class _MTActor:
    """Holds one MT engine (model loaded once, on this actor's GPU when it has one)."""

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        from audit.translate.base import make_engine

        self.engine: Engine | None = None
        self.error: str | None = None
        try:
            self.engine = make_engine(name, **options)
        except EngineUnavailable as exc:  # reported through info(), not as a dead actor
            self.error = str(exc)

    def info(self) -> dict[str, Any]:
        if self.engine is None:
            return {"error": self.error, "node": socket.gethostname()}
        return {"name": self.engine.name, "model": self.engine.model, "describe": self.engine.describe(),
                "node": socket.gethostname()}

    def supports(self, src: str, tgt: str) -> bool:
        return self.engine is not None and self.engine.supports(src, tgt)

    def translate(self, sentences: list[str], src: str, tgt: str) -> list[str]:
        assert self.engine is not None
        return self.engine.translate(sentences, src, tgt)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()


# --- driver side -----------------------------------------------------------------------------


class RayExecutor:
    """Runs the independent parts of an audit on a Ray cluster, with the same outputs as `local`."""

    name = "ray"
    batch_size = 32
    """Documents per task: large enough to amortise the task overhead, small enough to balance."""

    def __init__(self, address: str | None = None, jobs: int = 1) -> None:
        try:
            import ray
        except ImportError:
            raise ExecutorUnavailable(f"--engine ray needs the Ray package: {INSTALL_HINT}") from None
        self._ray = ray
        self.jobs = max(1, int(jobs))
        self._owned = False
        self._pools: list[_ActorPoolEngine] = []
        address = address or os.environ.get("RAY_ADDRESS") or None
        self.address = address
        if ray.is_initialized():  # embedded in a program that already joined a cluster: share it
            return
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
        if address is None:
            try:
                ray.init(address="local", num_cpus=self.jobs if self.jobs > 1 else None,
                         include_dashboard=False, runtime_env=_runtime_env(), **quiet)
            except Exception as exc:
                raise ExecutorUnavailable(f"could not start a local Ray instance: {exc}") from exc
        else:
            _probe(address)
            try:
                ray.init(address=address, runtime_env=_runtime_env(), **quiet)
            except Exception as exc:
                raise ExecutorUnavailable(f"could not join the Ray cluster at {address}: {exc}"
                                          f"{_auth_hint()}") from exc
        self._owned = True

    # -- the Executor protocol ------------------------------------------------------------------

    def audit(self, docs: Iterable[Document], detectors: Sequence[Detector], corpus: CorpusIndex,
              config: Config) -> Iterator[DocOutcome]:
        ray = self._ray
        box = [ray.put((list(detectors), corpus, config))]
        task = ray.remote(_audit_batch)
        cpus = self._cpus()
        batches = _batches(docs, self.batch_size)
        for outcomes in self._ordered(lambda b: task.remote(box, b), batches, inflight=2 * cpus,
                                      buffered=4 * cpus):
            yield from outcomes

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        ray = self._ray
        fn_ref = ray.put(fn)
        task = ray.remote(_call)
        cpus = self._cpus()
        return self._ordered(lambda x: task.remote(fn_ref, x), items, inflight=4 * cpus, buffered=16 * cpus)

    def translator(self, config: Config) -> CachedTranslator | None:
        """The configured engine in a pool of Ray actors behind the driver's local cache, or None
        (with a warning) when the workers cannot build it, so the fidelity pass reports it as the
        local engine would."""
        bt = config.backtranslate
        if bt.engine == "none":
            return None
        from audit.translate.cache import CachedTranslator, TranslationCache, default_cache_path

        try:
            engine = _ActorPoolEngine(self._ray, bt, self.jobs)
        except EngineUnavailable as exc:
            log.warning("MT on the Ray workers is unavailable (%s); the driver will try it locally", exc)
            return None
        self._pools.append(engine)
        cache = None
        if (bt.cache or "").lower() != "off":
            cache = TranslationCache(bt.cache or default_cache_path())
        chunk = max(bt.batch_size, 64) * engine.size * 4  # every actor busy on each chunk
        return CachedTranslator(engine, cache, chunk_size=chunk)

    def describe(self) -> dict[str, Any]:
        ray = self._ray
        res = ray.cluster_resources()
        try:
            address = ray.get_runtime_context().gcs_address
        except Exception:
            address = self.address
        return {"engine": self.name, "address": address,
                "nodes": sum(1 for n in ray.nodes() if n.get("Alive")),
                "cpus": res.get("CPU", 0.0), "gpus": res.get("GPU", 0.0)}

    def close(self) -> None:
        for pool in self._pools:
            pool.close()
        self._pools.clear()
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()
        self._owned = False

    # -- helpers --------------------------------------------------------------------------------

    def _cpus(self) -> int:
        return max(1, int(self._ray.cluster_resources().get("CPU", 1)))

    def _ordered(self, submit: Callable[[Any], Any], items: Iterable[Any], inflight: int,
                 buffered: int) -> Iterator[Any]:
        """Results of `submit(item)` tasks in input order, with at most `inflight` tasks running and
        at most `buffered` finished-or-running results held, so a corpus never sits in the object
        store at once; a slot is refilled as soon as any task ends (`ray.wait`)."""
        ray = self._ray
        it = iter(items)
        queue: deque[Any] = deque()
        running: set[Any] = set()
        more = True
        try:
            while True:
                while more and len(running) < inflight and len(queue) < buffered:
                    item = next(it, _END)
                    if item is _END:
                        more = False
                        break
                    ref = submit(item)
                    queue.append(ref)
                    running.add(ref)
                if not queue:
                    return
                if queue[0] in running:
                    ready, _ = ray.wait(list(running), num_returns=1)
                    running.difference_update(ready)
                    continue
                yield _get(ray, queue.popleft())
        finally:
            for ref in running:  # abandoned (an error or an early stop): do not leave work behind
                ray.cancel(ref)


class _ActorPoolEngine(Engine):
    """An MT `Engine` whose sentences are split across a pool of actors that each hold the model:
    one actor per GPU of the cluster, else a small CPU pool spread over the nodes."""

    def __init__(self, ray: Any, bt: BacktranslateConfig, jobs: int) -> None:
        self._ray = ray
        res = ray.cluster_resources()
        gpus = int(res.get("GPU", 0))
        nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
        if gpus and bt.device != "cpu":
            size, device, opts = gpus, "cuda", {"num_gpus": 1, "num_cpus": 1}
        else:
            cpus = max(1, int(res.get("CPU", 1)))
            size, device, opts = max(1, min(cpus, max(jobs, nodes))), "cpu", {"num_cpus": 1}
        options = {"model": bt.model, "batch_size": bt.batch_size, "device": device}
        # Translation is idempotent: an actor lost with its node is rebuilt and its call retried.
        actor = ray.remote(_MTActor).options(scheduling_strategy="SPREAD", max_restarts=2,
                                             max_task_retries=2, **opts)
        self.actors = [actor.remote(bt.engine, options) for _ in range(size)]
        self.size = size
        self.device = device
        try:
            infos = ray.get([a.info.remote() for a in self.actors])
        except Exception:
            self.close()
            raise
        errors = [i["error"] for i in infos if i.get("error")]
        if errors:
            self.close()
            raise EngineUnavailable(f"{errors[0]} (on a Ray worker node: install it on every node)")
        self.name = infos[0]["name"]
        self.model = infos[0]["model"]
        self._describe = infos[0]["describe"]
        self._nodes = sorted({i["node"] for i in infos})
        self._supports: dict[tuple[str, str], bool] = {}

    def supports(self, src: str, tgt: str) -> bool:
        if (src, tgt) not in self._supports:
            self._supports[(src, tgt)] = bool(self._ray.get(self.actors[0].supports.remote(src, tgt)))
        return self._supports[(src, tgt)]

    def translate(self, sentences: Sequence[str], src: str, tgt: str) -> list[str]:
        out = [""] * len(sentences)
        idx = [i for i, s in enumerate(sentences) if s.strip()]
        if not idx:
            return out
        texts = [sentences[i] for i in idx]
        step = math.ceil(len(texts) / self.size)
        refs = [a.translate.remote(texts[k : k + step], src, tgt)
                for a, k in zip(self.actors, range(0, len(texts), step), strict=False)]
        done = [t for part in self._ray.get(refs) for t in part]
        if len(done) != len(texts):
            raise RuntimeError(f"MT actors returned {len(done)} translations for {len(texts)} sentences")
        for i, t in zip(idx, done, strict=True):
            out[i] = t
        return out

    def describe(self) -> dict[str, Any]:
        return {**self._describe, "actors": self.size, "actor_device": self.device,
                "actor_nodes": self._nodes}

    def close(self) -> None:
        ray, actors, self.actors = self._ray, self.actors, []
        if not actors or not ray.is_initialized():
            return
        try:
            ray.get([a.close.remote() for a in actors], timeout=30)
        except Exception as exc:  # the actor is killed below anyway
            log.debug("MT actor close failed: %s", exc)
        for a in actors:
            ray.kill(a)


def _get(ray: Any, ref: Any) -> Any:
    """`ray.get`, with a worker that cannot import the package turned into an actionable error."""
    try:
        return ray.get(ref)
    except Exception as exc:
        if "No module named 'audit'" in str(exc):
            raise ExecutorUnavailable(f"the Ray workers cannot import mtaudit: install it on every node "
                                      f"(pip install mtaudit, plus {INSTALL_HINT})") from exc
        raise


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for x in items:
        batch.append(x)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _auth_hint() -> str:
    """Why a join may fail although the head answers: Ray logs an authentication refusal and raises
    only "failed to connect". `ray start` turns token authentication on when ~/.ray/auth_token
    exists, and a local instance started by `ray.init` (`--engine ray` without an address) writes
    that file, so a head started later on the same machine wants the token from its clients."""
    if os.environ.get("RAY_AUTH_MODE", "").strip().lower() == "token":
        return ""
    return ("; if the cluster uses Ray's token authentication (`ray start` turns it on when "
            "~/.ray/auth_token exists), set RAY_AUTH_MODE=token here and give this machine the "
            "cluster's token (~/.ray/auth_token, RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH)")


def _probe(address: str) -> None:
    """Fail in seconds, with the address in the message, rather than wait out Ray's own retries."""
    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rsplit("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ExecutorUnavailable(f"bad Ray address {address!r}: expected HOST:PORT (e.g. head-node:6379)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=5):
            pass
    except OSError as exc:
        raise ExecutorUnavailable(
            f"no Ray cluster at {address} ({exc.strerror or exc}); start one with `ray start --head "
            f"--port={port}` on the head node, or leave --ray-address out for a local one") from None


def _runtime_env() -> dict[str, Any] | None:
    """Workers on this machine import `audit` from the driver's source tree when the package is not
    installed; on other nodes it must be installed (a path here means nothing there)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution("mtaudit")
        return None
    except PackageNotFoundError:
        root = str(Path(__file__).resolve().parents[2])
        return {"env_vars": {"PYTHONPATH": root + os.pathsep + "${PYTHONPATH}"}}
