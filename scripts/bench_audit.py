"""Benchmark the rules-only audit: words/s per --jobs, peak memory, and a floor to compare with.

Words/s alone says little: it depends on the machine. So each run also measures a FLOOR, the
least any audit must do: read every file, tokenise it (audit.text.words) and look every token up
in wordfreq. The audit's cost is reported as a multiple of that floor (same documents, same
number of processes), which travels between machines. Two floors, which differ in the lookup:

- floor: wordfreq's `zipf_frequency` of the lower-cased token (the definition since issue 7 was
  filed; wordfreq empties its 100,000-entry cache whenever it fills, which a corpus with more
  distinct words than that would feel);
- floor -lru: `audit.lang.zipf`, the lookup the detectors use (a direct table lookup behind a
  500,000-word LRU cache), about a third cheaper: the stricter yardstick.

For every corpus size and --jobs value it measures, each in a fresh subprocess (this script
re-invoking itself with --measure, answering one JSON line) so import costs, caches and peak RSS
belong to that one measurement alone:

- floor and floor -lru: the bare pass above, split over J processes;
- audit: `audit.run(paths, config, jobs=J, out=TMP)` with back-translation off and cross-source
  corroboration on (the default config): what `mtaudit run CORPUS --out DIR --jobs J --no-report`
  does, writing the output files included (`bench_report.py` measures the HTML report);
- audit -corr: the same with `[corroborate] enabled = false`, so corroboration's share shows.

Times are of the measured call only; the one-off start-up (imports; wordfreq, lexicons and
detectors loaded by a first tiny audit) is reported apart as warmup_s. Peak RSS is
getrusage's maxrss of the measuring process (self) and of its largest reaped child (children),
plus the process tree's summed RSS sampled every 50 ms from outside (tree; shared pages of
forked workers are counted once per process, so it overstates what the machine lost). The RSS
after warm-up (warm) is the fixed part: what grows with the corpus is the peak above it.

With --sizes the measurements run on the first N documents (sorted file names) for each N, and
ms/doc per size shows how the cost grows: near-constant ms/doc means linear growth.

    python scripts/make_big_corpus.py --docs 2000 --out /tmp/big2k
    python scripts/bench_audit.py /tmp/big2k --jobs 1 2
    python scripts/bench_audit.py /tmp/big20k --jobs 2 --sizes 2000,20000 [--no-corroborate] [--json]
    python scripts/bench_audit.py /tmp/big2k --jobs 2 --repeat 3   # fastest of 3: less drift
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

VARIANTS = ("floor", "floor_lru", "audit_nocorr", "audit")
FLOORS = ("floor", "floor_lru")
LABELS = {"floor": "floor", "floor_lru": "floor -lru", "audit_nocorr": "audit -corr", "audit": "audit"}
def corpus_files(corpus: Path, limit: int | None = None) -> list[Path]:
    """The documents the auditor would read from `corpus`, in its order; the first `limit`."""
    from audit.loaders import TEXT_SUFFIXES

    if corpus.is_file():
        files = [corpus]
    elif corpus.is_dir():
        files = sorted(f for f in corpus.rglob("*") if f.suffix.lower() in TEXT_SUFFIXES and f.is_file())
    else:
        raise SystemExit(f"corpus not found: {corpus}")
    return files[:limit] if limit else files


def _rss_now_mib() -> float:
    """Current RSS of this process: after warm-up, the fixed cost the corpus adds to."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _maxrss_mib() -> tuple[float, float]:
    """Peak RSS of this process and of its largest reaped child, in MiB (Linux reports KiB)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


# --- the measurements (run in the child process) ---------------------------------------------

def _floor_chunk(files: Sequence[Path], lru: bool = False) -> tuple[int, int]:
    from wordfreq import zipf_frequency

    from audit.lang import zipf
    from audit.text import words

    lookup = zipf if lru else zipf_frequency
    n_words = 0
    for f in files:
        for w in words(f.read_text(encoding="utf-8", errors="replace")):
            lookup(w.text.lower(), "en")
            n_words += 1
    return len(files), n_words


def measure_floor(files: list[Path], jobs: int, lru: bool = False) -> dict[str, Any]:
    from wordfreq import zipf_frequency

    from audit.lang import zipf

    t0 = time.perf_counter()
    (zipf if lru else zipf_frequency)("the", "en")  # loads the word list: start-up, not throughput
    warmup = time.perf_counter() - t0
    rss_warm = _rss_now_mib()
    t0 = time.perf_counter()
    if jobs > 1:
        from multiprocessing import get_context

        with get_context("fork").Pool(jobs) as pool:
            parts = pool.map(partial(_floor_chunk, lru=lru), [files[i::jobs] for i in range(jobs)])
            pool.close()
            pool.join()
    else:
        parts = [_floor_chunk(files, lru)]
    wall = time.perf_counter() - t0
    return {"documents": sum(p[0] for p in parts), "words": sum(p[1] for p in parts), "wall_s": wall,
            "warmup_s": warmup, "rss_warm_mib": round(rss_warm, 1), "findings": None}


def measure_audit(files: list[Path], jobs: int, corroborate: bool) -> dict[str, Any]:
    import audit  # noqa: I001 (first, as in `mtaudit`: it sets polars' allocator)

    import polars as pl

    config = audit.Config.from_dict({"corroborate": {"enabled": corroborate}})
    assert config.backtranslate.engine == "none"
    t0 = time.perf_counter()
    from audit.execution.local import warmup_document  # what detectors load lazily: start-up

    audit.audit_documents([warmup_document()], config)
    warmup = time.perf_counter() - t0
    rss_warm = _rss_now_mib()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-audit-") as out:
        t0 = time.perf_counter()
        result = audit.run(files, config, jobs=jobs, out=out)
        wall = time.perf_counter() - t0
        n_docs, n_words = result.lazy("documents").select(pl.len(), pl.col("words").sum()).collect().row(0)
        n_findings = result.lazy("findings").select(pl.len()).collect().item()
    return {"documents": n_docs, "words": int(n_words or 0), "wall_s": wall,
            "warmup_s": warmup, "rss_warm_mib": round(rss_warm, 1), "findings": n_findings}


def measure(corpus: Path, variant: str, jobs: int, limit: int | None) -> dict[str, Any]:
    files = corpus_files(corpus, limit)
    if variant in FLOORS:
        out = measure_floor(files, jobs, lru=variant == "floor_lru")
    else:
        out = measure_audit(files, jobs, corroborate=variant == "audit")
    rss_self, rss_children = _maxrss_mib()
    out.update(variant=variant, jobs=jobs, rss_self_mib=round(rss_self, 1),
               rss_children_mib=round(rss_children, 1))
    return out


# --- the orchestration (parent process) ------------------------------------------------------

def _tree_rss_kib(pid: int) -> int:
    """Summed VmRSS of `pid` and its descendants now (0 for processes already gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next((int(line.split()[1]) for line in status.splitlines()
                           if line.startswith("VmRSS:")), 0)
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def run_child(corpus: Path, variant: str, jobs: int, limit: int | None) -> dict[str, Any]:
    """One measurement in a fresh interpreter, with the process tree's RSS sampled meanwhile."""
    cmd = [sys.executable, str(Path(__file__).resolve()), str(corpus), "--measure", variant,
           "--jobs", str(jobs)] + (["--limit", str(limit)] if limit else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"measurement {variant} --jobs {jobs} failed ({proc.returncode}):\n{err[-4000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["rss_tree_sampled_mib"] = round(peak[0] / 1024, 1)
    w, s = result["words"], result["wall_s"]
    result["words_per_s"] = round(w / s) if s > 0 else None
    result["ms_per_doc"] = round(1000 * s / result["documents"], 3) if result["documents"] else None
    result["wall_s"] = round(s, 3)
    result["warmup_s"] = round(result["warmup_s"], 3)
    return result


RSS_KEYS = ("rss_self_mib", "rss_children_mib", "rss_tree_sampled_mib", "rss_warm_mib")


def run_best(corpus: Path, variant: str, jobs: int, limit: int | None, repeat: int) -> dict[str, Any]:
    """The fastest of `repeat` measurements (this machine's speed drifts from run to run; the
    minimum is the least disturbed), with the highest peak RSS seen in any of them."""
    runs = [run_child(corpus, variant, jobs, limit) for _ in range(repeat)]
    best = dict(min(runs, key=lambda r: r["wall_s"]))
    for key in RSS_KEYS:
        best[key] = max(r[key] for r in runs)
    best["wall_s_runs"] = [r["wall_s"] for r in runs]
    return best


def bench(corpus: Path, jobs_list: Sequence[int], sizes: Sequence[int | None], corroborate: bool = True,
          log: Any = None, repeat: int = 1) -> dict[str, Any]:
    """Every (size, jobs) row: the floor and the audit variants, each measured in its own process
    (`repeat` times, keeping the fastest)."""
    variants = [v for v in VARIANTS if corroborate or v != "audit"]
    rows = []
    for size in sizes:
        for jobs in jobs_list:
            row: dict[str, Any] = {"limit": size, "jobs": jobs}
            for v in variants:
                if log:
                    print(f"  measuring {LABELS[v]} on {size or 'all'} documents, --jobs {jobs} ...",
                          file=log, flush=True)
                row[v] = run_best(corpus, v, jobs, size, repeat)
            row["documents"], row["words"] = row["floor"]["documents"], row["floor"]["words"]
            for v in variants[1:]:
                if row[v]["documents"] != row["documents"]:
                    raise SystemExit(f"{v} audited {row[v]['documents']} documents, "
                                     f"the floor read {row['documents']}")
                if v not in FLOORS:
                    row[f"{v}_x_floor"] = round(row[v]["wall_s"] / row["floor"]["wall_s"], 2)
                    row[f"{v}_x_floor_lru"] = round(row[v]["wall_s"] / row["floor_lru"]["wall_s"], 2)
            if corroborate:
                row["corroborate_s"] = round(row["audit"]["wall_s"] - row["audit_nocorr"]["wall_s"], 3)
            rows.append(row)
    return {"corpus": str(corpus), "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "repeat": repeat, "rows": rows, "scaling": scaling(rows, variants)}


def scaling(rows: Sequence[dict[str, Any]], variants: Sequence[str]) -> list[dict[str, Any]]:
    """Per jobs value and variant: ms/doc at the smallest and largest size, and their ratio."""
    out = []
    for jobs in sorted({r["jobs"] for r in rows}):
        mine = sorted((r for r in rows if r["jobs"] == jobs), key=lambda r: r["documents"])
        if len(mine) < 2 or mine[0]["documents"] == mine[-1]["documents"]:
            continue
        small, big = mine[0], mine[-1]
        for v in variants:
            a, b = small[v]["ms_per_doc"], big[v]["ms_per_doc"]
            out.append({"jobs": jobs, "variant": v, "docs": [small["documents"], big["documents"]],
                        "ms_per_doc": [a, b], "growth": round(b / a, 2) if a else None,
                        "rss_tree_mib": [small[v]["rss_tree_sampled_mib"], big[v]["rss_tree_sampled_mib"]],
                        "rss_self_mib": [small[v]["rss_self_mib"], big[v]["rss_self_mib"]]})
    return out


def table(report: dict[str, Any]) -> str:
    rows = report["rows"]
    variants = [v for v in VARIANTS if rows and v in rows[0]]
    head = f"{'docs':>6} {'words':>10} {'jobs':>4}  {'measure':<12} {'wall s':>8} {'words/s':>9} " \
           f"{'ms/doc':>7} {'x floor':>7} {'x -lru':>7} {'warm':>6} {'self':>6} {'child':>6} {'tree':>6} " \
           f"{'findings':>8}"
    fastest = f"; wall = fastest of {report['repeat']} runs" if report.get("repeat", 1) > 1 else ""
    out = [f"corpus {report['corpus']} ({report['cpus']} CPUs, Python {report['python']}{fastest}); "
           "RSS in MiB: "
           "warm = after start-up, self/child = peak of the process / its largest worker, "
           "tree = peak summed over the process tree",
           head, "-" * len(head)]
    for r in rows:
        for v in variants:
            m = r[v]
            x = "-" if v in FLOORS else f"{r[f'{v}_x_floor']:.2f}"
            x_lru = "-" if v in FLOORS else f"{r[f'{v}_x_floor_lru']:.2f}"
            found = "-" if m["findings"] is None else m["findings"]
            out.append(f"{r['documents']:>6} {r['words']:>10,} {r['jobs']:>4}  {LABELS[v]:<12} "
                       f"{m['wall_s']:>8.2f} {m['words_per_s']:>9,} {m['ms_per_doc']:>7.2f} {x:>7} "
                       f"{x_lru:>7} {m['rss_warm_mib']:>6.0f} {m['rss_self_mib']:>6.0f} "
                       f"{m['rss_children_mib']:>6.0f} {m['rss_tree_sampled_mib']:>6.0f} {found:>8}")
        if "corroborate_s" in r:
            out.append(f"{'':>23}  corroboration's share: {r['corroborate_s']:.2f} s "
                       f"({100 * r['corroborate_s'] / r['audit']['wall_s']:.0f}% of the audit)")
    if report["scaling"]:
        out.append("\nscaling (ms/doc at the smallest -> largest size; 1.0 = linear):")
        for s in report["scaling"]:
            out.append(f"  --jobs {s['jobs']} {LABELS[s['variant']]:<12} "
                       f"{s['docs'][0]:>6} -> {s['docs'][1]:>6} docs: "
                       f"{s['ms_per_doc'][0]:.2f} -> {s['ms_per_doc'][1]:.2f} ms/doc (x{s['growth']}), "
                       f"main RSS {s['rss_self_mib'][0]:.0f} -> {s['rss_self_mib'][1]:.0f} MiB, "
                       f"tree RSS {s['rss_tree_mib'][0]:.0f} -> {s['rss_tree_mib'][1]:.0f} MiB")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", help="folder of documents (e.g. from scripts/make_big_corpus.py)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="process counts (default: 1 2)")
    ap.add_argument("--limit", type=int, help="only the first N documents (sorted file names)")
    ap.add_argument("--sizes", help="comma-separated document counts, e.g. 2000,20000 (first N documents)")
    ap.add_argument("--no-corroborate", action="store_true",
                    help="skip the measurement with corroboration on (the floor and audit -corr remain)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure each variant N times and keep the fastest (default: 1)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    ap.add_argument("--measure", choices=VARIANTS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if any(j < 1 for j in args.jobs):
        ap.error("--jobs values must be at least 1")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.measure:
        print(json.dumps(measure(corpus, args.measure, args.jobs[0], args.limit)))
        return 0
    n_files = len(corpus_files(corpus))
    if not n_files:
        ap.error(f"no documents in {corpus}")
    if args.sizes:
        try:
            cap = min(args.limit or n_files, n_files)
            sizes: list[int | None] = sorted({min(int(x), cap) for x in args.sizes.split(",") if x.strip()})
        except ValueError:
            ap.error(f"--sizes takes comma-separated integers, not {args.sizes!r}")
    else:
        sizes = [min(args.limit, n_files) if args.limit else n_files]
    if any((s or 0) < 1 for s in sizes):
        ap.error("sizes and --limit must be at least 1")
    report = bench(corpus, args.jobs, sizes, corroborate=not args.no_corroborate,
                   log=None if args.json else sys.stderr, repeat=args.repeat)
    print(json.dumps(report, indent=1) if args.json else table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
