"""Records -> polars frames -> the output contract's files. The only module that writes tables.

DIR/findings.jsonl|parquet, DIR/documents.jsonl|parquet, DIR/repair_queue.csv, DIR/run.json, and
DIR/segments.jsonl when back-translation ran.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from audit.records import DocumentResult, Finding, content_hash

FINDING_SCHEMA: dict[str, Any] = {
    "doc_id": pl.Utf8,
    "start": pl.Int64,
    "end": pl.Int64,
    "text": pl.Utf8,
    "category": pl.Utf8,
    "severity": pl.Utf8,
    "detector": pl.Utf8,
    "message": pl.Utf8,
    "suggestion": pl.Utf8,
    "confidence": pl.Float64,
    "mqm_category": pl.Utf8,
    "finding_id": pl.Utf8,
    "doc_hash": pl.Utf8,
}
DOCUMENT_SCHEMA: dict[str, Any] = {
    "doc_id": pl.Utf8,
    "text": pl.Utf8,
    "encoding": pl.Utf8,
    "words": pl.Int64,
    "n_findings": pl.Int64,
    "penalty": pl.Float64,
    "quality": pl.Float64,
    "needs_repair": pl.Boolean,
    "roundtrip_chrf": pl.Float64,
    "fidelity_chrf": pl.Float64,
    "error": pl.Utf8,
    "rule_quality": pl.Float64,
    "fidelity_mode": pl.Utf8,
    "fidelity_note": pl.Utf8,
    "doc_hash": pl.Utf8,
    "story": pl.Utf8,
}
SEGMENT_SCHEMA: dict[str, Any] = {
    "doc_id": pl.Utf8,
    "start": pl.Int64,
    "end": pl.Int64,
    "text": pl.Utf8,
    "pivot_text": pl.Utf8,
    "backtranslation": pl.Utf8,
    "chrf": pl.Float64,
    "mode": pl.Utf8,
    "source_text": pl.Utf8,
    "source_mt": pl.Utf8,
    "forward_chrf": pl.Float64,
    "fidelity": pl.Float64,
    "bleu": pl.Float64,
    "ter": pl.Float64,
    "z": pl.Float64,
    "skipped": pl.Utf8,
}
REPAIR_SCHEMA: dict[str, Any] = {
    "rank": pl.Int64,
    "doc_id": pl.Utf8,
    "quality": pl.Float64,
    "penalty": pl.Float64,
    "n_findings": pl.Int64,
    "n_critical": pl.Int64,
    "n_major": pl.Int64,
    "n_minor": pl.Int64,
    "top_problems": pl.Utf8,
}


def findings_frame(findings: Sequence[Finding], hashes: dict[str, str] | None = None) -> pl.DataFrame:
    hashes = hashes or {}
    rows = [{**{k: getattr(f, k) for k in FINDING_SCHEMA if k != "doc_hash"},
             "doc_hash": hashes.get(f.doc_id)} for f in findings]
    return pl.DataFrame(rows, schema=FINDING_SCHEMA, orient="row")


def documents_frame(results: Sequence[DocumentResult]) -> pl.DataFrame:
    rows = [{**{k: getattr(r, k) for k in DOCUMENT_SCHEMA if k != "doc_hash"},
             "doc_hash": content_hash(r.text)} for r in results]
    return pl.DataFrame(rows, schema=DOCUMENT_SCHEMA, orient="row")


def segments_frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in SEGMENT_SCHEMA} for r in rows], schema=SEGMENT_SCHEMA,
                        orient="row")


def repair_queue(results: Sequence[DocumentResult], findings: Sequence[Finding]) -> pl.DataFrame:
    """Documents needing repair, worst quality first, with their most costly problems."""
    by_doc: dict[str, list[Finding]] = {}
    for f in findings:
        by_doc.setdefault(f.doc_id, []).append(f)
    order = {"critical": 3, "major": 2, "minor": 1, "info": 0}
    rows = []
    for r in sorted((r for r in results if r.needs_repair), key=lambda r: (r.quality, -r.penalty)):
        fs = by_doc.get(r.doc_id, [])
        sev = Counter(f.severity for f in fs)
        cats: Counter[str] = Counter()
        worst: dict[str, int] = {}
        for f in fs:
            cats[f.category] += 1
            worst[f.category] = max(worst.get(f.category, 0), order[f.severity])
        top = sorted(cats, key=lambda c: (-worst[c], -cats[c], c))[:4]
        rows.append({
            "rank": len(rows) + 1,
            "doc_id": r.doc_id,
            "quality": r.quality,
            "penalty": r.penalty,
            "n_findings": r.n_findings,
            "n_critical": sev["critical"],
            "n_major": sev["major"],
            "n_minor": sev["minor"],
            "top_problems": "; ".join(f"{c} x{cats[c]}" for c in top),
        })
    return pl.DataFrame(rows, schema=REPAIR_SCHEMA, orient="row")


def build_result(
    per_doc: Sequence[tuple[list[Finding], DocumentResult]], info: dict[str, Any],
    segments: Sequence[dict[str, Any]] | None = None, corroboration: Any = None,
) -> Any:
    from audit.pipeline import AuditResult

    findings = [f for fs, _ in per_doc for f in fs]
    results = [r for _, r in per_doc]
    info = dict(info)
    info["findings"] = len(findings)
    info["documents_with_errors"] = sum(1 for r in results if r.error)
    hashes = {r.doc_id: content_hash(r.text) for r in results}
    return AuditResult(
        findings=findings_frame(findings, hashes),
        documents=documents_frame(results),
        repair_queue=repair_queue(results, findings),
        run_info=info,
        segments=segments_frame(segments) if segments is not None else None,
        entities=corroboration.entities if corroboration is not None else None,
        alignments=corroboration.alignment_frame() if corroboration is not None else None,
    )


def write_outputs(result: Any, out: Path) -> None:
    """Write every file atomically (temp file + rename): a failed write never leaves half a file."""
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / "findings.jsonl", lambda p: result.findings.write_ndjson(p))
    _atomic(out / "findings.parquet", lambda p: result.findings.write_parquet(p))
    _atomic(out / "documents.jsonl", lambda p: result.documents.write_ndjson(p))
    _atomic(out / "documents.parquet", lambda p: result.documents.write_parquet(p))
    _atomic(out / "repair_queue.csv", lambda p: result.repair_queue.write_csv(p))
    if result.segments is not None:
        _atomic(out / "segments.jsonl", lambda p: result.segments.write_ndjson(p))
    else:  # a segments file left by an earlier run would not describe this one
        (out / "segments.jsonl").unlink(missing_ok=True)
    for name, frame in (("entities.parquet", result.entities), ("alignments.parquet", result.alignments)):
        if frame is not None:
            _atomic(out / name, lambda p, f=frame: f.write_parquet(p))
        else:
            (out / name).unlink(missing_ok=True)
    _atomic(out / "run.json", lambda p: Path(p).write_text(
        json.dumps(result.run_info, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    ))


def _atomic(target: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_summary(result: Any, out: Path | None = None) -> None:
    """A short table on stderr: findings by category, documents needing repair."""
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    docs = result.documents
    table = Table(title="mtaudit summary", show_edge=False)
    table.add_column("category")
    for sev in ("critical", "major", "minor", "info"):
        table.add_column(sev, justify="right")
    counts: dict[str, Counter[str]] = {}
    for cat, sev in result.findings.select("category", "severity").iter_rows():
        counts.setdefault(cat, Counter())[sev] += 1
    for cat in sorted(counts, key=lambda c: -sum(counts[c].values())):
        table.add_row(cat, *(str(counts[cat][s] or "") for s in ("critical", "major", "minor", "info")))
    console.print(table)
    n_err = docs.filter(pl.col("error").is_not_null()).height
    n_fix = docs.filter(pl.col("needs_repair")).height
    console.print(
        f"{docs.height} documents, {result.findings.height} findings, {n_fix} need repair"
        + (f", {n_err} with errors" if n_err else "")
        + (f" -> {out}" if out else "")
    )


def diagnostics(result: Any, dump: str | None = None, limit: int = 20) -> str:
    """Per-detector hit counts (and, with `dump`, what that detector flagged): how to find noise."""
    lines_out = [f"{'detector':14} {'category':14} {'findings':>8} {'documents':>9}"]
    frame = result.findings
    if not frame.is_empty():
        stats = (frame.group_by("detector", "category")
                 .agg(pl.len().alias("n"), pl.col("doc_id").n_unique().alias("docs"))
                 .sort(["detector", "category"]))
        for det, cat, n, docs in stats.iter_rows():
            lines_out.append(f"{det:14} {cat:14} {n:>8} {docs:>9}")
    if dump:
        rows = frame.filter(pl.col("detector") == dump).head(limit)
        lines_out.append(f"\nfirst {rows.height} findings of {dump}:")
        for r in rows.iter_rows(named=True):
            lines_out.append(f"  {r['doc_id']} {r['start']}-{r['end']} [{r['severity']}, "
                             f"{r['confidence']:.2f}] {r['text'][:60]!r} -> {r['suggestion']!r}")
    return "\n".join(lines_out)
