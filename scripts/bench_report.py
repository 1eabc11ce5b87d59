"""Benchmark the HTML report of a finished run: wall time, ms per document page, peak RSS, size.

`mtaudit run` renders DIR/report/ after the audit unless `--no-report` is given, so at corpus
scale the report's cost adds to the audit's; `bench_audit.py` measures the audit alone. Each
measurement runs `audit.report.render_report(DIR)` in a fresh subprocess (this script again,
with --measure), so the peak RSS is the render's alone, imports included (reported apart).

    python -m audit run /tmp/big20k --out /tmp/o20k --jobs 2 --no-report
    python scripts/bench_report.py /tmp/o20k [--repeat 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _rss_now_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _size_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def measure(out: Path) -> dict[str, Any]:
    from audit.report import render_report  # noqa: I001 (first, as in `mtaudit`: it sets polars' allocator)

    import polars as pl

    rss_imports = _rss_now_mib()
    documents = pl.scan_parquet(out / "documents.parquet").select(pl.len()).collect().item()
    t0 = time.perf_counter()
    index = render_report(out)
    wall = time.perf_counter() - t0
    return {"documents": documents, "wall_s": round(wall, 2),
            "ms_per_doc": round(1000 * wall / max(1, documents), 2),
            "rss_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_imports_mib": round(rss_imports, 1), "index_mib": round(index.stat().st_size / 2**20, 1),
            "report_mib": round(_size_mib(index.parent), 1)}


def run_child(out: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, str(out), "--measure"], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"measurement failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder of a finished `mtaudit run`")
    parser.add_argument("--repeat", type=int, default=1, help="keep the fastest of N runs")
    parser.add_argument("--json", action="store_true", help="print the measurement as JSON")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not (args.out / "documents.parquet").is_file():
        parser.error(f"{args.out} is not the output folder of a finished run (no documents.parquet)")
    if args.measure:
        print(json.dumps(measure(args.out)))
        return 0
    best = min((run_child(args.out) for _ in range(max(1, args.repeat))), key=lambda r: r["wall_s"])
    if args.json:
        print(json.dumps(best))
    else:
        print(f"{best['documents']:,} documents: {best['wall_s']:.1f} s "
              f"({best['ms_per_doc']:.2f} ms a page), "
              f"peak RSS {best['rss_peak_mib']:.0f} MiB ({best['rss_imports_mib']:.0f} after imports), "
              f"index.html {best['index_mib']:.1f} MiB, report {best['report_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
