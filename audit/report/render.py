"""Render a finished run (DIR/*.parquet, segments.jsonl, run.json) into DIR/report/.

The report is static and self-contained: one stylesheet and one script shared by every page,
a Content-Security-Policy that allows nothing else, and corpus text that only ever reaches the
page through Jinja's autoescaping or as JSON inside an inert `application/json` script tag.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from audit.output import current_umask
from audit.progress import progress_bar
from audit.records import CATEGORIES, MQM_CATEGORIES, SEVERITIES
from audit.report.charts import SEVERITY_COLOURS, category_severity, quality_histogram
from audit.report.highlight import SEVERITY_RANK, Span, lost_words, pieces

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'")
ASSETS = ("report.css", "report.js")
_SLUG = re.compile(r"[^a-z0-9._-]+")


def safe_name(doc_id: str) -> str:
    """A file name for a document's page: readable slug + hash, so no traversal and no collisions."""
    slug = _SLUG.sub("-", doc_id.lower()).strip("-.")[:60].strip("-.") or "doc"
    return f"{slug}-{hashlib.sha1(doc_id.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}.html"


def render_report(out: str | Path, progress: bool = False) -> Path:
    """Write DIR/report/ from the files of a finished run; returns the path of index.html.

    The pages are built in a temporary folder beside the old report and swapped in at the end,
    so a failed render never leaves half a report in place of a good one.
    """
    out = Path(out)
    docs = pl.read_parquet(out / "documents.parquet")
    findings = pl.read_parquet(out / "findings.parquet")
    segments = _read_segments(out / "segments.jsonl")
    aligned_file = out / "alignments.parquet"
    alignments = pl.read_parquet(aligned_file) if aligned_file.is_file() else None
    info = json.loads((out / "run.json").read_text(encoding="utf-8")) if (out / "run.json").is_file() else {}
    run_key = _run_key(info, docs)
    env = _environment()

    tmp = Path(tempfile.mkdtemp(dir=out, prefix=".report."))
    try:
        tmp.chmod(0o777 & ~current_umask())  # mkdtemp makes it private; the report is meant to be shared
        (tmp / "assets").mkdir()
        (tmp / "docs").mkdir()
        for name in ASSETS:
            shutil.copyfile(Path(__file__).parent / "assets" / name, tmp / "assets" / name)
        by_doc = {k[0]: g for k, g in findings.partition_by("doc_id", as_dict=True).items()} \
            if findings.height else {}
        seg_by_doc = {k[0]: g for k, g in segments.partition_by("doc_id", as_dict=True).items()} \
            if segments is not None and segments.height else {}
        rows = list(docs.iter_rows(named=True))
        texts = {r["doc_id"]: r["text"] or "" for r in rows}
        al_by_doc = {k[0]: g for k, g in alignments.partition_by("doc_id", as_dict=True).items()} \
            if alignments is not None and alignments.height else {}
        doc_template = env.get_template("document.html")
        index_rows = []
        with progress_bar(len(rows), "report", progress) as tick:
            for i, row in enumerate(rows):
                doc_findings = by_doc.get(row["doc_id"], findings.clear())
                page = _document_context(row, doc_findings, seg_by_doc.get(row["doc_id"]), info, run_key)
                page["sources"] = _sources(row["doc_id"], al_by_doc.get(row["doc_id"]), texts, doc_findings)
                page["prev"] = safe_name(rows[i - 1]["doc_id"]) if i > 0 else None
                page["next"] = safe_name(rows[i + 1]["doc_id"]) if i + 1 < len(rows) else None
                page["position"] = (i + 1, len(rows))
                (tmp / "docs" / page["file"]).write_text(doc_template.render(page), encoding="utf-8")
                index_rows.append(_index_row(row, doc_findings))
                if tick:
                    tick(1)
        index = _index_context(docs, findings, index_rows, info, run_key, segments is not None)
        index["stories"] = _stories(docs, findings, alignments)
        (tmp / "index.html").write_text(env.get_template("index.html").render(index), encoding="utf-8")
        _swap(tmp, out / "report")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "report" / "index.html"


def _swap(new: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=".report.old."))
        os.replace(target, old / "report")
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("audit.report", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["page_json"] = _page_json
    env.filters["num"] = _num
    env.globals.update(CSP=CSP, CATEGORIES=CATEGORIES, SEVERITY_COLOURS=SEVERITY_COLOURS)
    return env


def _page_json(value: Any) -> Markup:
    """JSON for an `application/json` script tag: `<`, `>`, `&` escaped so no text can close the tag."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # safe: escaped above for the only context it is used in


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _run_key(info: dict[str, Any], docs: pl.DataFrame) -> str:
    """Names the browser storage of this run's decisions: config and the exact texts audited."""
    h = hashlib.sha1(str(info.get("config_hash", "")).encode())
    for doc_hash in sorted(d or "" for d in docs["doc_hash"].to_list()):
        h.update(doc_hash.encode())
    return h.hexdigest()[:16]


def _read_segments(path: Path) -> pl.DataFrame | None:
    if not path.is_file():
        return None
    from audit.output import SEGMENT_SCHEMA

    if path.stat().st_size == 0:
        return pl.DataFrame(schema=SEGMENT_SCHEMA)
    return pl.read_ndjson(path, schema=SEGMENT_SCHEMA)


def _document_context(row: dict[str, Any], findings: pl.DataFrame, segments: pl.DataFrame | None,
                      info: dict[str, Any], run_key: str) -> dict[str, Any]:
    text: str = row["text"] or ""
    items = sorted(findings.iter_rows(named=True),
                   key=lambda f: (f["start"], f["end"], -SEVERITY_RANK.get(f["severity"], 0)))
    spans = [Span(f["finding_id"], f["start"], f["end"], f["category"], f["severity"]) for f in items]
    for n, f in enumerate(items, 1):
        f["number"] = n
        f["category_label"] = f["category"].replace("_", " ")
    data = {
        "page": "document",
        "run_key": run_key,
        "run": {"mtaudit_version": info.get("mtaudit_version"), "config_hash": info.get("config_hash")},
        "doc_id": row["doc_id"],
        "doc_hash": row["doc_hash"],
        "findings": [{k: f[k] for k in ("finding_id", "start", "end", "text", "category", "suggestion")}
                     for f in items],
    }
    return {
        "title": row["doc_id"],
        "file": safe_name(row["doc_id"]),
        "doc": row,
        "heading": _heading(text),
        "pieces": pieces(text, spans),
        "findings": items,
        "severity_counts": Counter(f["severity"] for f in items),
        "segments": _segment_rows(segments),
        "data": data,
        "root": "../",
    }


def _sources(doc_id: str, alignments: pl.DataFrame | None, texts: dict[str, str],
             findings: pl.DataFrame) -> list[dict[str, Any]]:
    """Per sentence of the document, what the other outlets of its story say (aligned sentences)."""
    if alignments is None:
        return []
    corro = [(f["start"], f["end"]) for f in findings.iter_rows(named=True) if f["detector"] == "corroborate"]
    out = []
    for (start, end), group in alignments.group_by(["start", "end"], maintain_order=True):
        text = texts[doc_id][start:end]
        others = [{"doc_id": r["other_doc_id"], "file": safe_name(r["other_doc_id"]), "score": r["score"],
                   "text": texts.get(r["other_doc_id"], "")[r["other_start"] : r["other_end"]]}
                  for r in group.sort("score", descending=True).iter_rows(named=True)]
        diverges = any(s < end and start < e for s, e in corro)
        out.append({"start": start, "end": end, "text": text, "others": others, "diverges": diverges})
    return sorted(out, key=lambda s: s["start"])


def _stories(
    docs: pl.DataFrame, findings: pl.DataFrame, alignments: pl.DataFrame | None
) -> list[dict[str, Any]]:
    """Stories of two or more documents: members, how much of them aligns, and how many facts disagree."""
    if "story" not in docs.columns or docs["story"].null_count() == docs.height:
        return []
    corro = findings.filter(pl.col("detector") == "corroborate") if findings.height else findings
    out = []
    told = docs.filter(pl.col("story").is_not_null())
    for (story,), members in told.group_by(["story"], maintain_order=True):
        if members.height < 2:
            continue
        ids = members["doc_id"].to_list()
        aligned = alignments.filter(pl.col("story") == story) if alignments is not None else None
        n_pairs = aligned.height if aligned is not None else 0
        mean = float(aligned["score"].mean()) if n_pairs else None
        n_div = corro.filter(pl.col("doc_id").is_in(ids)).height if corro.height else 0
        out.append({"story": story, "documents": [{"doc_id": d, "file": safe_name(d)} for d in ids],
                    "aligned": n_pairs, "mean_score": mean, "divergences": n_div,
                    "headline": _heading(members["text"][0] or "")})
    return sorted(out, key=lambda s: (-len(s["documents"]), s["story"]))


def _heading(text: str) -> str:
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return first[:140] + ("…" if len(first) > 140 else "")


def _segment_rows(segments: pl.DataFrame | None) -> list[dict[str, Any]]:
    if segments is None:
        return []
    rows = []
    for s in segments.sort("start").iter_rows(named=True):
        if s["skipped"] or s["backtranslation"] is None:
            continue
        rows.append({**s, "chunks": lost_words(s["text"] or "", s["backtranslation"] or ""),
                     "low": s["z"] is not None and s["z"] <= -3})
    return rows


def _index_row(row: dict[str, Any], findings: pl.DataFrame) -> dict[str, Any]:
    cats = Counter(findings["category"].to_list()) if findings.height else Counter()
    sev = Counter(findings["severity"].to_list()) if findings.height else Counter()
    return {**{k: row[k] for k in ("doc_id", "words", "n_findings", "penalty", "quality", "needs_repair",
                                   "roundtrip_chrf", "fidelity_chrf", "error", "doc_hash")},
            "story": row.get("story"),
            "file": safe_name(row["doc_id"]), "heading": _heading(row["text"] or ""),
            "categories": cats, "severities": sev, "languages": _language_hints(row, findings)}


def _language_hints(row: dict[str, Any], findings: pl.DataFrame) -> str:
    """Main language of the text, plus languages of its untranslated passages."""
    from audit.lang import detect_language

    text = row["text"] or ""
    if not text.strip():
        return ""
    main = detect_language(text[:4000])
    langs = [main.lang] if main else []
    if findings.height:
        for passage in findings.filter(pl.col("category") == "untranslated")["text"].to_list():
            if len(passage) < 20:
                continue
            guess = detect_language(passage)
            if guess and guess.prob >= 0.8 and guess.lang not in langs:
                langs.append(guess.lang)
    return " ".join(langs[:1] + [f"+{lang}" for lang in langs[1:]])


def _index_context(docs: pl.DataFrame, findings: pl.DataFrame, rows: list[dict[str, Any]],
                   info: dict[str, Any], run_key: str, has_segments: bool) -> dict[str, Any]:
    matrix: dict[str, Counter[str]] = {}
    for cat, sev in findings.select("category", "severity").iter_rows():
        matrix.setdefault(cat, Counter())[sev] += 1
    ok = docs.filter(pl.col("error").is_null())
    qualities = ok["quality"].drop_nulls().to_list()
    used = [c for c in CATEGORIES if c in matrix] + sorted(c for c in matrix if c not in CATEGORIES)
    sev_totals = Counter(findings["severity"].to_list()) if findings.height else Counter()
    summary = {
        "documents": docs.height,
        "words": int(ok["words"].sum() or 0),
        "findings": findings.height,
        "needs_repair": docs.filter(pl.col("needs_repair")).height,
        "errors": docs.height - ok.height,
        "mean_quality": sum(qualities) / len(qualities) if qualities else None,
        "severities": [(s, sev_totals.get(s, 0)) for s in reversed(SEVERITIES)],
    }
    roundtrip = has_segments and docs["roundtrip_chrf"].drop_nulls().len() > 0
    fidelity = docs["fidelity_chrf"].drop_nulls().len() > 0
    return {
        "title": "mtaudit report",
        "summary": summary,
        "info": info,
        "rows": rows,
        "categories": used,
        "mqm": MQM_CATEGORIES,
        "matrix": {c: dict(matrix[c]) for c in used},
        "chart_quality": quality_histogram(qualities),
        "chart_categories": category_severity({c: matrix[c] for c in used}),
        "show_roundtrip": roundtrip,
        "show_fidelity": fidelity,
        "data": {"page": "index", "run_key": run_key,
                 "run": {"mtaudit_version": info.get("mtaudit_version"),
                         "config_hash": info.get("config_hash")},
                 "documents": {r["doc_id"]: r["file"] for r in rows}},
        "root": "",
    }
