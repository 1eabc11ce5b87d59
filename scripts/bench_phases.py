"""Where a run's time and memory go: wall time, main-process CPU and RSS of each phase of `audit.run`.

`bench_audit.py` says how long the whole audit takes against the floor; this says which phase
that time and the memory peak belong to, and how each grows with the corpus. It runs the audit as
`mtaudit run CORPUS --out DIR --jobs J --no-report` does, in this process, with each phase's
function wrapped: its wall time, the CPU this (main) process spent in it (the rest of a parallel
phase is on the workers), the RSS before and after it and the peak RSS reached by its end
(getrusage's maxrss: the peak of a phase is the first peak that exceeds the previous ones). Phases
nest: `corroborate` holds story grouping and the entity index; what is left of it is the
per-story alignment and diffs.

    python scripts/bench_phases.py /tmp/big20k --out /tmp/o20k --jobs 2 [--no-corroborate] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench_audit import _maxrss_mib, _rss_now_mib  # this folder is on the path when run as a script

PHASES = (
    ("audit.pipeline:CorpusIndex.build", "corpus pass"),
    ("audit.pipeline:_rule_pass", "rule pass"),
    ("audit.corroborate:group_stories", "story grouping"),
    ("audit.corroborate:entity_index", "entity index"),
    ("audit.corroborate:corroborate", "corroborate (all)"),
    ("audit.output:build_result", "build tables"),
    ("audit.output:write_outputs", "write outputs"),
)


def _instrument(rows: list[dict[str, Any]]) -> None:
    """Wrap each phase's function where the pipeline looks it up (a module attribute, or a class's)."""
    import importlib

    for target, label in PHASES:
        module_name, attr = target.split(":")
        owner: Any = importlib.import_module(module_name)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        on_class = isinstance(owner, type)  # a classmethod: wrap the bound function, keep it a classmethod
        setattr(owner, name, _timed(original.__func__ if on_class else original, label, rows, on_class))


def _timed(fn: Callable[..., Any], label: str, rows: list[dict[str, Any]], classmethod_: bool) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        before, wall, cpu = _rss_now_mib(), time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            rows.append({"phase": label, "wall_s": round(time.perf_counter() - wall, 3),
                         "main_cpu_s": round(time.process_time() - cpu, 3),
                         "rss_before_mib": round(before, 1), "rss_after_mib": round(_rss_now_mib(), 1),
                         "peak_mib": round(_maxrss_mib()[0], 1)})

    return classmethod(wrapper) if classmethod_ else wrapper


def measure(corpus: str, out: str, jobs: int, corroborate: bool) -> dict[str, Any]:
    import audit

    rows: list[dict[str, Any]] = []
    _instrument(rows)
    config = audit.Config.from_dict({"corroborate": {"enabled": corroborate}})
    start_rss, wall, cpu = _rss_now_mib(), time.perf_counter(), time.process_time()
    result = audit.run(corpus, config, out=out, jobs=jobs)
    peak, children_peak = _maxrss_mib()
    return {"corpus": corpus, "jobs": jobs, "corroborate": corroborate,
            "documents": result.run_info["documents"], "phases": rows,
            "total": {"wall_s": round(time.perf_counter() - wall, 3),
                      "main_cpu_s": round(time.process_time() - cpu, 3), "rss_start_mib": round(start_rss, 1),
                      "peak_mib": round(peak, 1), "children_peak_mib": round(children_peak, 1)}}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", help="folder of documents (e.g. from scripts/make_big_corpus.py)")
    ap.add_argument("--out", required=True, help="output folder of the run")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-corroborate", action="store_true",
                    help="rules only ([corroborate] enabled = false)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = ap.parse_args(argv)
    if not Path(args.corpus).exists():
        ap.error(f"corpus not found: {args.corpus}")
    report = measure(args.corpus, args.out, args.jobs, not args.no_corroborate)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{report['documents']} documents, --jobs {args.jobs}, corroboration "
          f"{'on' if report['corroborate'] else 'off'}; RSS of the main process in MiB")
    print(f"{'phase':20s} {'wall s':>8s} {'main cpu s':>10s} {'rss before':>10s} {'rss after':>9s} "
          f"{'peak':>7s}")
    for r in report["phases"]:
        print(f"{r['phase']:20s} {r['wall_s']:8.2f} {r['main_cpu_s']:10.2f} {r['rss_before_mib']:10.0f} "
              f"{r['rss_after_mib']:9.0f} {r['peak_mib']:7.0f}")
    t = report["total"]
    print(f"{'total':20s} {t['wall_s']:8.2f} {t['main_cpu_s']:10.2f} {t['rss_start_mib']:10.0f} "
          f"{'':9s} {t['peak_mib']:7.0f}   (largest worker's peak: {t['children_peak_mib']:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
