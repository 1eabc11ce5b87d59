"""`--engine ray` gives the local engine's outputs, on a real (single-node, loopback) Ray cluster.

The module starts its own cluster with `ray start --head` in a new process session and ends it by
killing exactly that session's processes (not `ray stop`, which would stop every Ray on the host).
Token authentication is on, with a token made for the run, so the cluster is not an open door.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

ray = pytest.importorskip("ray")

import audit  # noqa: E402
from audit.config import Config  # noqa: E402
from audit.execution import ExecutorUnavailable, make_executor  # noqa: E402
from tests.conftest import REFERENCE_CORPUS, ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))

import make_story_corpus  # noqa: E402

FRAMES = ("findings", "documents", "repair_queue", "entities", "alignments")
TIMINGS = Path(os.environ.get("MTAUDIT_RAY_TIMINGS", "")) if os.environ.get("MTAUDIT_RAY_TIMINGS") else None

needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_cli() -> str:
    exe = Path(sys.executable).parent / "ray"
    found = str(exe) if exe.exists() else shutil.which("ray")
    if not found:
        pytest.skip("the `ray` command is not installed next to this Python")
    return found


def _session_pids(leader: int) -> set[int]:
    """Processes of the cluster: its process group plus their descendants (workers set their own group)."""
    parent: dict[int, int] = {}
    group: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry.name)], group[int(entry.name)] = int(fields[1]), int(fields[2])
    mine = {pid for pid, pg in group.items() if pg == leader}
    grew = True
    while grew:
        more = {pid for pid, pp in parent.items() if pp in mine and pid not in mine}
        mine |= more
        grew = bool(more)
    return mine


def _stop_cluster(leader: int) -> None:
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        pids = _session_pids(leader)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.2)
        if not any(_alive(p) for p in pids):
            return


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _refresh_ray_config() -> bool:
    """Make this process's already-imported Ray read RAY_AUTH_* again (what `ray.init` does when it
    turns token auth on); False where that private hook is gone, and the cluster then runs without."""
    try:
        from ray._raylet import Config as RayConfig

        RayConfig.initialize("")
    except Exception:
        return False
    return True


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """`HOST:PORT` of a Ray head on loopback with two CPUs and one GPU, for this module only.

    The GPU is a declared resource, not a device: Ray places the one-actor-per-GPU MT pool by it, and
    apertium ignores the device, so the GPU placement path runs on a host without one.
    """
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's unix socket paths are length-limited
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    cmd = [_ray_cli(), "start", "--head", f"--port={port}", "--num-cpus=2", "--num-gpus=1",
           "--node-ip-address=127.0.0.1", "--include-dashboard=false", "--disable-usage-stats",
           f"--temp-dir={temp}", f"--dashboard-port={_free_port()}",
           f"--dashboard-agent-listen-port={_free_port()}"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAY_USAGE_STATS_ENABLED", "0")
        mp.delenv("RAY_ADDRESS", raising=False)
        for key, value in auth.items():
            mp.setenv(key, value)
        if not _refresh_ray_config():
            mp.setenv("RAY_AUTH_MODE", "disabled")
            mp.delenv("RAY_AUTH_TOKEN")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True, env=dict(os.environ), cwd=ROOT)
        try:
            out, _ = proc.communicate(timeout=120)
            if proc.returncode != 0:
                pytest.fail(f"ray start failed ({proc.returncode}):\n{out[-3000:]}")
            yield f"127.0.0.1:{port}"
        finally:
            if ray.is_initialized():
                ray.shutdown()
            _stop_cluster(proc.pid)
            shutil.rmtree(temp, ignore_errors=True)
    _refresh_ray_config()


def _assert_same(local: audit.AuditResult, remote: audit.AuditResult) -> None:
    for name in FRAMES:
        a, b = getattr(local, name), getattr(remote, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.equals(b), f"{name} differs between the local and the ray engine"


def _timed(**kwargs) -> tuple[audit.AuditResult, float]:
    clock = time.perf_counter()
    result = audit.run(**kwargs)
    return result, time.perf_counter() - clock


def _record(name: str, **values: float) -> None:
    if TIMINGS is not None:
        with TIMINGS.open("a") as f:
            f.write(json.dumps({"test": name, **values}) + "\n")


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stories")
    assert make_story_corpus.main(["--docs", "300", "--out", str(folder), "--seed", "11"]) == 0
    for extra in ("truth.json", "planted.json"):
        (folder / extra).unlink()
    return folder


# -- same outputs as the local engine ---------------------------------------------------------------


def test_reference_corpus_matches_local_engine(cluster: str, tmp_path: Path) -> None:
    local, t_local = _timed(paths=REFERENCE_CORPUS, out=tmp_path / "local", engine="local")
    remote, t_ray = _timed(paths=REFERENCE_CORPUS, out=tmp_path / "ray", engine="ray", address=cluster)
    _record("reference", local_s=t_local, ray_s=t_ray)
    assert local.findings.height > 0 and local.alignments is not None and local.alignments.height > 0
    _assert_same(local, remote)
    info = remote.run_info["engine"]
    assert info["engine"] == "ray" and info["nodes"] == 1 and info["cpus"] == 2.0 and info["gpus"] == 1.0
    assert info["address"].endswith(f":{cluster.rsplit(':', 1)[1]}")
    for name in ("findings.parquet", "documents.parquet"):  # the written contract too, not only the frames
        assert pl.read_parquet(tmp_path / "local" / name).equals(pl.read_parquet(tmp_path / "ray" / name))
    assert not ray.is_initialized(), "the executor must disconnect from a cluster it joined"


def test_synthetic_stories_match_local_engine(cluster: str, stories: Path, tmp_path: Path) -> None:
    local, t_local = _timed(paths=stories, out=tmp_path / "local", engine="local", jobs=2)
    remote, t_ray = _timed(paths=stories, out=tmp_path / "ray", engine="ray", address=cluster, jobs=2)
    _record("stories300", local_s=t_local, ray_s=t_ray)
    assert local.documents.height == 300
    assert local.run_info["corroborate"]["stories"] > 20 and local.alignments.height > 100
    _assert_same(local, remote)
    assert remote.run_info["corroborate"] == local.run_info["corroborate"]


def test_executor_keeps_input_order_under_uneven_work(cluster: str) -> None:
    executor = make_executor("ray", address=cluster)
    try:
        # Later items finish first: a result list in completion order would come back shuffled.
        slow_first = lambda x: (time.sleep(0.002 * (60 - x)), x * x)[1]  # noqa: E731 - pickled by value
        assert list(executor.map(slow_first, range(60))) == [x * x for x in range(60)]
        assert list(executor.map(slow_first, [])) == []
    finally:
        executor.close()
    assert not ray.is_initialized()


# -- MT as a pool of actors -------------------------------------------------------------------------


@needs_apertium
def test_actor_pool_translates_like_the_local_engine(cluster: str) -> None:
    from audit.translate.apertium import ApertiumEngine

    executor = make_executor("ray", address=cluster, jobs=2)
    try:
        # device cpu: the GPU is not used, a CPU pool of min(jobs, cluster CPUs) actors is
        config = Config.from_dict({"backtranslate": {"engine": "apertium", "cache": "off", "device": "cpu"}})
        translator = executor.translator(config)
        assert translator is not None and translator.cache is None
        engine = translator.engine
        assert engine.size == 2 and len(engine.actors) == 2 and engine.device == "cpu"
        assert engine.name == "apertium" and engine.model == ApertiumEngine().model  # same cache key
        assert engine.supports("en", "es") and not engine.supports("en", "xx")
        sentences = ["The committee approved the new budget on Tuesday.", "", "   ",
                     "Prices rose sharply in the north.", "She did not attend the meeting.",
                     "The river flooded three villages."]
        got = translator.translate(sentences, "en", "es")
        assert got == ApertiumEngine().translate(sentences, "en", "es")
        assert got[1] == got[2] == "" and all(got[i] for i in (0, 3, 4, 5))
        assert got[0] != sentences[0]
    finally:
        executor.close()
    assert not ray.is_initialized()


@needs_apertium
def test_back_translation_on_ray_matches_local_engine(cluster: str, tmp_path: Path) -> None:
    def config(cache: str) -> Config:
        return Config.from_dict({"backtranslate": {"engine": "apertium", "cache": str(tmp_path / cache)}})

    # Separate caches, so the ray run really translates (a shared one would answer from the first run).
    local, t_local = _timed(paths=REFERENCE_CORPUS, config=config("local.sqlite"), engine="local", jobs=2)
    remote, t_ray = _timed(paths=REFERENCE_CORPUS, config=config("ray.sqlite"), engine="ray",
                           address=cluster, jobs=2)
    _record("apertium", local_s=t_local, ray_s=t_ray)
    info = remote.run_info["backtranslate"]
    assert "skipped" not in info and info["actors"] == 1 and info["actor_device"] == "cuda"  # one per GPU
    assert info["cache_misses"] > 0 and info["cache_misses"] == local.run_info["backtranslate"]["cache_misses"]
    assert local.segments is not None and local.segments.height > 20
    assert local.segments.equals(remote.segments)
    chrf = local.documents.select("doc_id", "roundtrip_chrf")
    assert chrf["roundtrip_chrf"].is_not_null().all()
    assert chrf.equals(remote.documents.select("doc_id", "roundtrip_chrf"))
    _assert_same(local, remote)


def test_engine_missing_on_the_workers_falls_back_to_the_driver(cluster: str,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """The fidelity pass then reports the engine problem exactly as with the local engine."""
    executor = make_executor("ray", address=cluster, jobs=2)
    try:
        config = Config.from_dict({"backtranslate": {"engine": "transformers", "device": "cpu"}})
        with caplog.at_level(logging.WARNING, logger="audit.execution.ray_engine"):
            assert executor.translator(config) is None
        assert "--mt-model is required" in caplog.text and "Ray worker" in caplog.text
        deadline = time.monotonic() + 20  # the failed pool's actors are gone: their CPUs are free again
        while ray.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ray.available_resources().get("CPU", 0) == 2
    finally:
        executor.close()


# -- clear errors -----------------------------------------------------------------------------------


def test_unreachable_cluster_fails_fast_with_the_address() -> None:
    clock = time.perf_counter()
    with pytest.raises(ExecutorUnavailable, match=r"127\.0\.0\.1:1\b"):
        make_executor("ray", address="127.0.0.1:1")
    assert time.perf_counter() - clock < 10
    assert not ray.is_initialized()


def test_cli_reports_an_unreachable_cluster(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "audit", "run", str(REFERENCE_CORPUS), "--out", str(tmp_path / "out"),
         "--engine", "ray", "--ray-address", "127.0.0.1:1", "--quiet"],
        capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert "mtaudit: error:" in proc.stderr and "127.0.0.1:1" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_join_refused_for_want_of_the_token_says_what_to_set(cluster: str, tmp_path: Path) -> None:
    """The module's cluster wants a token; a client with token authentication off is refused, and
    Ray itself only says it failed to connect."""
    if os.environ.get("RAY_AUTH_MODE") != "token":
        pytest.skip("this Ray could not turn token authentication on for the test cluster")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    env["RAY_AUTH_MODE"] = "disabled"
    proc = subprocess.run(
        [sys.executable, "-m", "audit", "run", str(REFERENCE_CORPUS), "--out", str(tmp_path / "out"),
         "--engine", "ray", "--ray-address", cluster, "--quiet", "--no-report"],
        capture_output=True, text=True, timeout=240, cwd=ROOT, env=env)
    assert proc.returncode == 2, proc.stderr[-2000:]
    error = next(line for line in proc.stderr.splitlines() if line.startswith("mtaudit: error:"))
    assert cluster in error and "RAY_AUTH_MODE=token" in error
    assert not (tmp_path / "out" / "findings.parquet").exists()


def test_missing_ray_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(ExecutorUnavailable, match=r"pip install 'mtaudit\[cluster\]'"):
        make_executor("ray")
