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
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from audit.lang import detect_language, stopwords
from audit.output import current_umask
from audit.progress import progress_bar
from audit.records import CATEGORIES, MQM_CATEGORIES, SEVERITIES
from audit.report.charts import SEVERITY_COLOURS, category_severity, quality_histogram
from audit.report.highlight import SEVERITY_RANK, Span, lost_words, pieces
from audit.text import word_texts

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'")
ASSETS = ("report.css", "report.js")
INDEX_PAGE_ROWS = 200
"""Documents the index lays out at a time (sorting and filtering still cover all of them)."""
_SLUG = re.compile(r"[^a-z0-9._-]+")


@lru_cache(maxsize=1 << 16)  # a page links the same few story members many times
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
    ids = docs["doc_id"].to_list()
    texts = docs["text"].fill_null("")  # the pages' texts and their sources' sentences, kept as Arrow
    docs = docs.drop("text")  # strings (a Python list of them took twice the memory)
    findings = pl.read_parquet(out / "findings.parquet")
    segments = _read_segments(out / "segments.jsonl")
    aligned_file = out / "alignments.parquet"
    alignments = _Aligned(aligned_file, ids) if aligned_file.is_file() else None
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
        # Rows are taken per document from tables sorted once by document: a polars operation per
        # document (partition, filter, group) costs around a millisecond, most of a large render.
        by_doc = _ByDoc(findings)
        seg_by_doc = _ByDoc(segments)
        target = info.get("lang") or ""
        doc_template = env.get_template("document.html")
        index_rows = []
        with progress_bar(len(ids), "report", progress) as tick:
            for i, row in enumerate(docs.iter_rows(named=True)):
                doc_id = row["doc_id"]
                row["text"] = texts[i]
                doc_findings = by_doc.rows(doc_id)
                page = _document_context(row, doc_findings, seg_by_doc.frame(doc_id), info, run_key)
                page["sources"] = _sources(i, alignments, texts, doc_findings)
                page["prev"] = safe_name(ids[i - 1]) if i > 0 else None
                page["next"] = safe_name(ids[i + 1]) if i + 1 < len(ids) else None
                page["position"] = (i + 1, len(ids))
                (tmp / "docs" / page["file"]).write_text(doc_template.render(page), encoding="utf-8")
                index_rows.append(_index_row(row, doc_findings, target))
                if tick:
                    tick(1)
        index = _index_context(docs, findings, index_rows, info, run_key, segments is not None)
        index["stories"] = _stories(docs, findings, aligned_file if alignments is not None else None, texts)
        # Written as rendered: at 20,000 documents the index alone is ~30 MB of HTML.
        stream = env.get_template("index.html").stream(index)
        stream.enable_buffering(256)
        stream.dump(str(tmp / "index.html"), encoding="utf-8")
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


def _document_context(row: dict[str, Any], findings: list[dict[str, Any]], segments: pl.DataFrame | None,
                      info: dict[str, Any], run_key: str) -> dict[str, Any]:
    text: str = row["text"] or ""
    items = sorted((dict(f) for f in findings),
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


def _sources(position: int, alignments: _Aligned | None, texts: pl.Series,
             findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per sentence of the document at `position`, what the other outlets of its story say."""
    rows = alignments.rows(position) if alignments is not None else []
    if not rows:
        return []
    corro = [(f["start"], f["end"]) for f in findings if f["detector"] == "corroborate"]
    groups: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
    for r in rows:
        groups.setdefault((r[0], r[1]), []).append(r)
    text = texts[position]
    names = alignments.names
    read: dict[int, str] = {}

    def other_text(other: int) -> str:
        if other not in read:
            read[other] = texts[other] if other < len(texts) else ""
        return read[other]

    out = []
    for (start, end), group in groups.items():
        others = [{"doc_id": names[other], "file": safe_name(names[other]), "score": score,
                   "text": other_text(other)[o_start:o_end]}
                  for _, _, other, o_start, o_end, score in sorted(group, key=lambda r: -r[5])]
        diverges = any(s < end and start < e for s, e in corro)
        out.append({"start": start, "end": end, "text": text[start:end], "others": others,
                    "diverges": diverges})
    return sorted(out, key=lambda s: s["start"])


_ALIGNED = {"doc_id": np.int32, "start": np.int32, "end": np.int32, "other_doc_id": np.int32,
            "other_start": np.int32, "other_end": np.int32, "score": np.float64}
"""The alignment columns a page reads, as held: offsets fit 32 bits (documents are capped far below)."""


class _Aligned:
    """The alignments table as arrays ordered by document, documents as positions in the corpus:
    ~30 bytes a row, where the table's frame of strings, sorted, took several times that (the
    table has a row per aligned sentence pair: 2.5 million for 20,000 documents)."""

    def __init__(self, path: Path, ids: list[str], batch: int = 200_000) -> None:
        self.names = list(ids)
        """Document ids by position; ids the documents table lacks come after the corpus."""
        code = {name: i for i, name in enumerate(self.names)}
        scan = pl.scan_parquet(path).select(*_ALIGNED)
        parts: list[list[np.ndarray]] = []
        total = scan.select(pl.len()).collect().item()
        for offset in range(0, total, batch):  # a slice of the file at a time: its strings never all at once
            rows = scan.slice(offset, batch).collect()
            for column in ("doc_id", "other_doc_id"):
                for name in rows[column].unique(maintain_order=True).to_list():
                    code.setdefault(name, len(code))
            self.names.extend(list(code)[len(self.names):])
            parts.append([rows[c].replace_strict(code, return_dtype=pl.Int32).to_numpy()
                          if c in ("doc_id", "other_doc_id") else rows[c].to_numpy().astype(_ALIGNED[c])
                          for c in _ALIGNED])
        columns = [np.concatenate(part) for part in zip(*parts, strict=True)] if parts else \
            [np.zeros(0, dtype) for dtype in _ALIGNED.values()]
        del parts
        order = np.argsort(columns[0], kind="stable")  # by document, in file order within one
        self.bounds = np.searchsorted(columns[0][order], np.arange(len(self.names) + 1))
        self.columns = []
        for k in range(1, len(columns)):
            self.columns.append(columns[k][order])
            columns[k] = columns[0]  # drops the unsorted copy as soon as the sorted one exists

    def rows(self, position: int) -> list[tuple[Any, ...]]:
        """The document's (start, end, other position, other_start, other_end, score) rows."""
        lo, hi = self.bounds[position], self.bounds[position + 1]
        return list(zip(*(c[lo:hi].tolist() for c in self.columns), strict=True))


class _ByDoc:
    """One table's rows a document at a time, from the table sorted by document once."""

    def __init__(self, frame: pl.DataFrame | None) -> None:
        self.table = frame.sort("doc_id", maintain_order=True) if frame is not None and frame.height else None
        self.where: dict[str, tuple[int, int]] = {}
        offset = 0
        for doc_id, n in self.table.group_by("doc_id", maintain_order=True).len().iter_rows() \
                if self.table is not None else ():
            self.where[doc_id] = (offset, n)
            offset += n

    def frame(self, doc_id: str) -> pl.DataFrame | None:
        """The document's rows (None when the table is absent or empty)."""
        if self.table is None:
            return None
        offset, n = self.where.get(doc_id, (0, 0))
        return self.table.slice(offset, n)

    def rows(self, doc_id: str) -> list[dict[str, Any]]:
        rows = self.frame(doc_id)
        return [] if rows is None else rows.rows(named=True)


def _stories(
    docs: pl.DataFrame, findings: pl.DataFrame, alignments: Path | None, texts: pl.Series
) -> list[dict[str, Any]]:
    """Stories of two or more documents: members, how much of them aligns, and how many facts disagree."""
    if "story" not in docs.columns or docs["story"].null_count() == docs.height:
        return []
    aligned: dict[str, tuple[int, float]] = {}
    if alignments is not None:
        per_story = pl.scan_parquet(alignments).group_by("story").agg(pl.len(), pl.col("score").mean())
        aligned = {story: (n, mean) for story, n, mean in per_story.collect().iter_rows()}
    corro = Counter(findings.filter(pl.col("detector") == "corroborate")["doc_id"].to_list()) \
        if findings.height else Counter()
    members: dict[str, list[int]] = {}
    for i, story in enumerate(docs["story"].to_list()):
        if story is not None:
            members.setdefault(story, []).append(i)
    ids = docs["doc_id"].to_list()
    out = []
    for story, positions in members.items():
        if len(positions) < 2:
            continue
        n_pairs, mean = aligned.get(story, (0, None))
        out.append({"story": story,
                    "documents": [{"doc_id": ids[i], "file": safe_name(ids[i])} for i in positions],
                    "aligned": n_pairs, "mean_score": mean,
                    "divergences": sum(corro[ids[i]] for i in positions),
                    "headline": _heading(texts[positions[0]])})
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


def _index_row(row: dict[str, Any], findings: list[dict[str, Any]], target: str) -> dict[str, Any]:
    cats = Counter(f["category"] for f in findings)
    sev = Counter(f["severity"] for f in findings)
    return {**{k: row[k] for k in ("doc_id", "words", "n_findings", "penalty", "quality", "needs_repair",
                                   "roundtrip_chrf", "fidelity_chrf", "error", "doc_hash")},
            "story": row.get("story"),
            "file": safe_name(row["doc_id"]), "heading": _heading(row["text"] or ""),
            "categories": cats, "severities": sev,
            "languages": _language_hints(row["text"] or "", findings, target)}


def _language_hints(text: str, findings: list[dict[str, Any]], target: str = "") -> str:
    """Main language of the text, plus languages of its untranslated passages."""
    if not text.strip():
        return ""
    main = target if _reads_as(text[:4000], target) else None
    if main is None:
        guess = detect_language(text[:4000])
        main = guess.lang if guess else None
    langs = [main] if main else []
    for f in findings:
        passage = f["text"] or ""
        if f["category"] != "untranslated" or len(passage) < 20:
            continue
        guess = detect_language(passage)
        if guess and guess.prob >= 0.8 and guess.lang not in langs:
            langs.append(guess.lang)
    return " ".join(langs[:1] + [f"+{lang}" for lang in langs[1:]])


def _reads_as(text: str, lang: str, min_words: int = 20, min_share: float = 0.3) -> bool:
    """Whether `text` is plainly in `lang`: at least `min_share` of its words are among that
    language's 200 commonest (prose runs at 40–50%, other languages' text at under 10%). Settles
    the main language of most documents without character n-gram identification, ~10 ms each."""
    common = stopwords(lang, 200) if lang else frozenset()
    words = word_texts(text)
    if not common or len(words) < min_words:
        return False
    return sum(1 for w in words if w.lower() in common) >= min_share * len(words)


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
        "page_size": INDEX_PAGE_ROWS,
    }
