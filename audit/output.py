"""Records -> polars frames -> the output contract's files. The only module that writes tables.

DIR/findings.jsonl|parquet, DIR/documents.jsonl|parquet, DIR/repair_queue.csv, DIR/run.json, and
DIR/segments.jsonl when back-translation ran.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import polars as pl

from audit.records import Document, DocumentResult, Finding, content_hash
from audit.spool import FrameSpool

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


def repair_rows(results: Sequence[DocumentResult], findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """The repair queue's rows (unranked) for some documents and all of their findings: documents
    needing repair with their most costly problems (`repair_frame` ranks them)."""
    by_doc: dict[str, list[Finding]] = {}
    for f in findings:
        by_doc.setdefault(f.doc_id, []).append(f)
    order = {"critical": 3, "major": 2, "minor": 1, "info": 0}
    rows = []
    for r in results:
        if not r.needs_repair:
            continue
        fs = by_doc.get(r.doc_id, [])
        sev = Counter(f.severity for f in fs)
        cats: Counter[str] = Counter()
        worst: dict[str, int] = {}
        for f in fs:
            cats[f.category] += 1
            worst[f.category] = max(worst.get(f.category, 0), order[f.severity])
        top = sorted(cats, key=lambda c: (-worst[c], -cats[c], c))[:4]
        rows.append({
            "rank": 0,
            "doc_id": r.doc_id,
            "quality": r.quality,
            "penalty": r.penalty,
            "n_findings": r.n_findings,
            "n_critical": sev["critical"],
            "n_major": sev["major"],
            "n_minor": sev["minor"],
            "top_problems": "; ".join(f"{c} x{cats[c]}" for c in top),
        })
    return rows


def repair_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Worst quality first (then highest penalty; ties keep corpus order), ranked from 1."""
    rows = sorted(rows, key=lambda r: (r["quality"], -r["penalty"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return pl.DataFrame(rows, schema=REPAIR_SCHEMA, orient="row")


def build_result(
    per_doc: Iterable[tuple[list[Finding], DocumentResult]], info: dict[str, Any],
    segments: Sequence[dict[str, Any]] | None = None, corroboration: Any = None,
    docs: Iterable[Document] | None = None, spool_dir: str | Path | None = None, batch: int = 1000,
) -> Any:
    """The result's tables, built a batch of documents at a time. `docs` (same order as `per_doc`)
    gives back the texts when the results were kept without them; with `spool_dir` every batch is
    written to disk at once and the result holds lazy scans (see `audit.spool`)."""
    from audit.pipeline import AuditResult

    findings_out = FrameSpool(FINDING_SCHEMA, spool_dir, "findings")
    documents_out = FrameSpool(DOCUMENT_SCHEMA, spool_dir, "documents")
    queue: list[dict[str, Any]] = []
    n_findings = n_errors = 0
    texts = iter(docs) if docs is not None else None
    it = iter(per_doc)
    while chunk := list(islice(it, batch)):
        results = [r if texts is None else replace(r, text=next(texts).text) for _, r in chunk]
        findings = [f for fs, _ in chunk for f in fs]
        findings_out.add_frame(findings_frame(findings, {r.doc_id: content_hash(r.text) for r in results}))
        documents_out.add_frame(documents_frame(results))
        queue += repair_rows(results, findings)
        n_findings += len(findings)
        n_errors += sum(1 for r in results if r.error)
    info = dict(info)
    info["findings"] = n_findings
    info["documents_with_errors"] = n_errors
    lazy = spool_dir is not None
    result = AuditResult(
        findings=findings_out.lazy() if lazy else findings_out.frame(),
        documents=documents_out.lazy() if lazy else documents_out.frame(),
        repair_queue=repair_frame(queue),
        run_info=info,
        segments=segments_frame(segments) if segments is not None else None,
        entities=corroboration.entities if corroboration is not None else None,
        alignments=(None if corroboration is None else corroboration.alignments.lazy() if lazy
                    else corroboration.alignments.frame()),
    )
    result.spools = [findings_out, documents_out] + ([corroboration.alignments] if corroboration else [])
    return result


def write_outputs(result: Any, out: Path) -> None:
    """Write every file atomically (temp file + rename): a failed write never leaves half a file.

    Tables still on disk in a spool are streamed into their files (never loaded whole); the
    result then reads them from the files written, and the spool is removed."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("findings", "documents"):
        _write_table(result, name, out / f"{name}.parquet", also_jsonl=out / f"{name}.jsonl")
    _atomic(out / "repair_queue.csv", lambda p: result.repair_queue.write_csv(p))
    if result.lazy("segments") is not None:
        _atomic(out / "segments.jsonl", lambda p: result.segments.write_ndjson(p))
    else:  # a segments file left by an earlier run would not describe this one
        (out / "segments.jsonl").unlink(missing_ok=True)
    for name in ("entities", "alignments"):
        if result.lazy(name) is not None:
            _write_table(result, name, out / f"{name}.parquet")
        else:
            (out / f"{name}.parquet").unlink(missing_ok=True)
    for spool in result.spools:
        spool.close()
    result.spools = []
    _atomic(out / "run.json", lambda p: Path(p).write_text(
        json.dumps(result.run_info, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    ))


# Rows per Parquet row group: the writer buffers a whole group, so a table that carries texts
# (documents) is written in small groups, and a table of short rows (alignments) in large ones.
ROW_GROUP_ROWS = {"documents": 1_000, "findings": 10_000, "entities": 10_000, "alignments": 100_000}


def _write_table(result: Any, name: str, parquet: Path, also_jsonl: Path | None = None) -> None:
    table = result.stored(name)
    rows = ROW_GROUP_ROWS.get(name)
    if isinstance(table, pl.LazyFrame):
        _atomic(parquet, lambda p: table.sink_parquet(p, row_group_size=rows))
        if also_jsonl is not None:
            _atomic(also_jsonl, lambda p: _ndjson_from_parquet(parquet, p, rows or 10_000))
        result.rebind(name, pl.scan_parquet(parquet))
        return
    _atomic(parquet, lambda p: table.write_parquet(p, row_group_size=rows))
    if also_jsonl is not None:
        _atomic(also_jsonl, lambda p: table.write_ndjson(p))


def _ndjson_from_parquet(parquet: Path, target: str, rows: int) -> None:
    """The JSON lines of a Parquet file, `rows` (a row group) at a time. Polars' streaming
    `sink_ndjson` keeps many batches in flight: writing 20,000 documents' lines that way cost
    +66 MB, against +24 MB for 2,000; a slice at a time costs the same for both."""
    n = pl.scan_parquet(parquet).select(pl.len()).collect().item()
    with open(target, "wb") as f:
        for offset in range(0, n, rows):
            pl.scan_parquet(parquet).slice(offset, rows).collect().write_ndjson(f)


def _atomic(target: Path, write: Any, shared: bool = True) -> None:
    """Temp file beside the target + rename. `shared`: the file gets the permissions of a plain new
    file (0666 less the umask), not the 0600 of a temp file: outputs are read by other tools and
    users. Off for a copy that keeps its source's mode."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        if shared:
            os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    mask = os.umask(0)  # the only way to read it; set straight back
    os.umask(mask)
    return mask


def render_summary(result: Any, out: Path | None = None) -> None:
    """A short table on stderr: findings by category, documents needing repair."""
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    table = Table(title="mtaudit summary", show_edge=False)
    table.add_column("category")
    for sev in ("critical", "major", "minor", "info"):
        table.add_column(sev, justify="right")
    counts: dict[str, Counter[str]] = {}
    by_kind = result.lazy("findings").group_by("category", "severity", maintain_order=True).len("n").collect()
    for cat, sev, n in by_kind.iter_rows():  # aggregated where the table is, not loaded whole
        counts.setdefault(cat, Counter())[sev] += n
    for cat in sorted(counts, key=lambda c: -sum(counts[c].values())):
        table.add_row(cat, *(str(counts[cat][s] or "") for s in ("critical", "major", "minor", "info")))
    console.print(table)
    n_docs, n_err, n_fix = result.lazy("documents").select(
        pl.len(), pl.col("error").is_not_null().sum(), pl.col("needs_repair").sum()).collect().row(0)
    console.print(
        f"{n_docs} documents, {by_kind['n'].sum()} findings, {n_fix} need repair"
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
