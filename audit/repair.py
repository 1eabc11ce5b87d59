"""Repaired copies of a corpus: a reviewer's decisions (`mtaudit apply`) or safe fixes (`mtaudit fix --safe`).

Both go through one code path: validate everything first (decisions, content hashes, spans, where
OUT is), then write OUT as a full, usable copy of the corpus with only the accepted edits applied, a
unified diff per changed document under OUT/diffs/, and OUT/repair.json last. The input is never
opened for writing, and nothing is written outside OUT.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from audit.config import Config
from audit.loaders import TABLE_SUFFIXES, TEXT_SUFFIXES, iter_documents
from audit.output import _atomic
from audit.records import CATEGORIES, Document, content_hash

DECISIONS_FORMAT = "mtaudit-decisions/1"
REPAIR_FORMAT = "mtaudit-repair/1"
SAFE_CATEGORIES: tuple[str, ...] = ("merged_word", "boilerplate", "caption", "duplicate")
"""Categories whose suggestion is mechanical: split a fused word, delete a navigation/boilerplate
line, a fused caption credit or a repeated title."""

_SLUG = re.compile(r"[^a-z0-9._-]+")
_CLOSERS = frozenset(".,;:!?)]}»”’\n")
_HTML = {".html", ".htm"}


class RepairError(ValueError):
    """Repair refused; the message names the document or key, why, and what to do."""


@dataclass(frozen=True, slots=True)
class Edit:
    """An accepted change: `replacement` goes in place of `text` at start:end ("" deletes it)."""

    finding_id: str
    start: int
    end: int
    text: str
    replacement: str
    category: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"finding_id": self.finding_id, "start": self.start, "end": self.end, "text": self.text,
                "replacement": self.replacement, "category": self.category}


@dataclass
class DocumentRepair:
    """What happened to one document: where its copy is, which edits went in, which did not and why."""

    doc_id: str
    output: str | None = None
    """Path of the copy relative to OUT (rows of a table share their table's)."""
    diff: str | None = None
    applied: list[Edit] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    """Finding ids the reviewer rejected: recorded, never applied."""
    reviewed: bool | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "doc_id": self.doc_id, "output": self.output, "diff": self.diff,
            "applied": [e.to_dict() for e in self.applied], "skipped": self.skipped,
            "rejected": self.rejected, "reviewed": self.reviewed,
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class RepairSummary:
    """The contents of OUT/repair.json."""

    mode: Literal["apply", "fix"]
    out: Path
    corpus: list[str]
    documents: list[DocumentRepair] = field(default_factory=list)
    decisions: str | None = None
    min_confidence: float | None = None
    categories: list[str] | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def changed(self) -> list[DocumentRepair]:
        return [d for d in self.documents if d.diff is not None]

    def to_dict(self) -> dict[str, Any]:
        info: dict[str, Any] = {"format": REPAIR_FORMAT, "mode": self.mode, "created": self.created,
                                "corpus": self.corpus, "decisions": self.decisions}
        if self.mode == "fix":
            info["min_confidence"] = self.min_confidence
            info["categories"] = self.categories
        info["documents"] = [d.to_dict() for d in self.documents]
        info["totals"] = {
            "documents": len(self.documents),
            "changed": len(self.changed),
            "applied": sum(len(d.applied) for d in self.documents),
            "skipped": sum(len(d.skipped) for d in self.documents),
            "rejected": sum(len(d.rejected) for d in self.documents),
        }
        return info


# ---------------------------------------------------------------------------------------------- API


def apply_decisions(
    decisions: str | Path | dict[str, Any],
    corpus: Sequence[str | Path] | str | Path,
    out: str | Path,
    *,
    max_bytes: int = Config().max_bytes,
) -> RepairSummary:
    """Apply a reviewer's decisions.json to a copy of the corpus in OUT (see the module docstring)."""
    source = None
    if not isinstance(decisions, dict):
        source = str(decisions)
        decisions = _load_json(Path(decisions))
    plan = _parse_decisions(decisions)
    paths = _paths(corpus)
    summary = RepairSummary(mode="apply", out=Path(out), corpus=[str(p) for p in paths], decisions=source)
    return _repair(plan, paths, Path(out), max_bytes, summary)


def safe_fix(
    corpus: Sequence[str | Path] | str | Path,
    out: str | Path,
    config: Config | None = None,
    *,
    min_confidence: float = 0.8,
    categories: Sequence[str] = SAFE_CATEGORIES,
    jobs: int = 1,
    progress: bool = False,
) -> RepairSummary:
    """Audit the corpus and accept, without a human, only confident suggestions of safe categories."""
    import polars as pl

    from audit.pipeline import run

    config = config or Config()
    if not 0.0 <= min_confidence <= 1.0:
        raise RepairError(f"min_confidence = {min_confidence}; give a value between 0 and 1")
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        raise RepairError(f"unknown categories {', '.join(unknown)}; known: {', '.join(CATEGORIES)}")
    if jobs < 1:
        raise RepairError("jobs must be at least 1")
    paths = _paths(corpus)
    _check_out(paths, Path(out))  # refuse before the (slow) audit
    findings = run(paths, config, jobs=jobs, progress=progress).findings.filter(
        pl.col("category").is_in(list(categories))
        & pl.col("suggestion").is_not_null()
        & (pl.col("confidence") >= min_confidence)
    )
    docs: dict[str, Any] = {}
    # on one span, the most confident suggestion goes first and wins (e.g. deleting the breadcrumb
    # "HomeWorldAsia" rather than splitting it into words)
    order = findings.sort(["doc_id", "start", "end", "confidence"], descending=[False, False, False, True])
    for row in order.iter_rows(named=True):
        entry = docs.setdefault(row["doc_id"], {"doc_hash": row["doc_hash"], "decisions": []})
        entry["decisions"].append({
            "finding_id": row["finding_id"], "start": row["start"], "end": row["end"], "text": row["text"],
            "category": row["category"], "action": "accept", "replacement": row["suggestion"],
        })
    plan = _parse_decisions({"format": DECISIONS_FORMAT, "documents": docs})
    summary = RepairSummary(mode="fix", out=Path(out), corpus=[str(p) for p in paths],
                            min_confidence=min_confidence, categories=list(categories))
    return _repair(plan, paths, Path(out), config.max_bytes, summary)


def repaired_text(text: str, edits: Sequence[Edit]) -> str:
    """`text` with non-overlapping edits applied and tidied (see `plan_edits`)."""
    pieces, pos = [], 0
    for s, e, rep in plan_edits(text, [(x.start, x.end, x.replacement) for x in edits]):
        pieces += [text[pos:s], rep]
        pos = e
    pieces.append(text[pos:])
    return "".join(pieces)


def plan_edits(text: str, edits: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The (start, end, replacement) changes that actually go in, sorted and non-overlapping.

    A deletion also takes the spaces it would leave doubled, dangling at a line's end or before
    punctuation. Lines that deletions empty go with their newline: a run of emptied lines (and the
    blank lines between them) becomes the wider of the two separators around it, so paragraphs stay
    paragraphs, lines stay lines, and two of them are never joined into one.
    """
    edits = sorted((s, e, r) for s, e, r in edits if not (s == e and r == ""))
    for (_, e1, _), (s2, _, _) in pairwise(edits):
        if s2 < e1:
            raise ValueError(f"edits overlap at {s2}")
    tidy: list[tuple[int, int, str]] = []
    for i, (s, e, rep) in enumerate(edits):
        if rep == "":
            lo = tidy[-1][1] if tidy else 0
            hi = edits[i + 1][0] if i + 1 < len(edits) else len(text)
            s, e = _absorb_spaces(text, s, e, lo, hi)
        tidy.append((s, e, rep))

    parts = text.split("\n")
    starts = [0]
    for part in parts[:-1]:
        starts.append(starts[-1] + len(part) + 1)
    lines = [(ls, ls + len(part)) for ls, part in zip(starts, parts, strict=True)]
    covered = bytearray(len(text))
    kept = bytearray(len(lines))  # a line that a non-deletion edit touches stays, whatever it holds
    for s, e, rep in tidy:
        if rep == "":
            covered[s:e] = b"\x01" * (e - s)
        else:
            first, last = bisect_right(starts, s) - 1, bisect_right(starts, e) - 1
            kept[first : last + 1] = b"\x01" * (last + 1 - first)
    keep, blank, drop = 0, 1, 2
    kinds = []
    for k, (ls, le) in enumerate(lines):
        if kept[k]:
            kinds.append(keep)
        elif not text[ls:le].strip():
            kinds.append(blank)
        elif all(covered[j] or text[j].isspace() for j in range(ls, le)):
            kinds.append(drop)
        else:
            kinds.append(keep)

    regions: list[list[Any]] = []
    i, n = 0, len(lines)
    while i < n:
        if kinds[i] == keep:
            i += 1
            continue
        j = i
        while j < n and kinds[j] != keep:
            j += 1
        dropped = [k for k in range(i, j) if kinds[k] == drop]
        if dropped:
            start = lines[i - 1][1] if i > 0 else 0
            end = lines[j][0] if j < n else len(text)
            before, after = text[start : lines[dropped[0]][0]], text[lines[dropped[-1]][1] : end]
            if i == 0 and j == n:
                gap = ""
            elif i == 0:
                gap = before
            elif j == n:
                gap = after
            else:
                gap = before if before.count("\n") >= after.count("\n") else after
            regions.append([start, end, gap])
        i = j

    final: list[tuple[int, int, str]] = []
    for s, e, rep in tidy:
        region = next((r for r in regions if s < r[1] and r[0] < e), None)
        if region is None:
            final.append((s, e, rep))
        else:  # only deletions reach into a region (other edits keep their lines): it absorbs them
            region[0], region[1] = min(region[0], s), max(region[1], e)
    final += [(s, e, gap) for s, e, gap in regions]
    final.sort(key=lambda x: (x[0], x[1]))
    for (_, e1, _), (s2, _, _) in pairwise(final):
        if s2 < e1:  # never silently corrupt a document
            raise AssertionError(f"planned edits overlap at {s2}")
    return final


def unified_diff(old: str, new: str, doc_id: str) -> str:
    """A unified diff that `patch -p1` applies, with the marker for a last line without newline."""
    import difflib

    out = []
    for line in difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     fromfile=f"a/{doc_id}", tofile=f"b/{doc_id}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


# ------------------------------------------------------------------------------------------ parsing


@dataclass
class _DocPlan:
    doc_hash: str
    reviewed: bool | None
    accepted: list[Edit]
    rejected: list[str]


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RepairError(f"decisions file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise RepairError(f"{path} is not a JSON decisions file (not UTF-8: {exc})") from None
    except json.JSONDecodeError as exc:
        raise RepairError(f"{path} is not a JSON decisions file: {exc.msg} at line {exc.lineno} column "
                          f"{exc.colno}; export decisions.json again from the report") from None
    if not isinstance(data, dict):
        raise RepairError(f"{path} is not a JSON decisions file (expected an object with format "
                          f"{DECISIONS_FORMAT!r})")
    return data


def _parse_decisions(data: dict[str, Any]) -> dict[str, _DocPlan]:
    fmt = data.get("format")
    if fmt != DECISIONS_FORMAT:
        raise RepairError(f"not a decisions file: format is {fmt!r}, expected {DECISIONS_FORMAT!r}; export "
                          "decisions.json from an mtaudit report")
    docs = _field(data, "documents", dict, "decisions")
    plan: dict[str, _DocPlan] = {}
    for doc_id, entry in docs.items():
        where = f"documents[{doc_id!r}]"
        if not isinstance(entry, dict):
            raise RepairError(f"decisions: {where} must be an object")
        doc_hash = _field(entry, "doc_hash", str, where)
        reviewed = entry.get("reviewed")
        accepted, rejected = [], []
        for k, item in enumerate(_field(entry, "decisions", list, where)):
            w = f"{where}.decisions[{k}]"
            if not isinstance(item, dict):
                raise RepairError(f"decisions: {w} must be an object")
            finding_id = _field(item, "finding_id", str, w)
            action = _field(item, "action", str, w)
            if action == "reject":
                rejected.append(finding_id)
                continue
            if action != "accept":
                raise RepairError(f"decisions: {w}.action is {action!r}; use 'accept' or 'reject'")
            replacement = _field(item, "replacement", object, w)
            if not isinstance(replacement, str):
                raise RepairError(f"decisions: {w}.replacement must be a string for an accepted decision, "
                                  f"not {type(replacement).__name__} (\"\" deletes the span)")
            category = item.get("category")
            accepted.append(Edit(finding_id, _field(item, "start", int, w), _field(item, "end", int, w),
                                 _field(item, "text", str, w), replacement,
                                 category if isinstance(category, str) else None))
        reviewed = reviewed if isinstance(reviewed, bool) else None
        plan[doc_id] = _DocPlan(doc_hash, reviewed, accepted, rejected)
    return plan


def _field(obj: dict[str, Any], key: str, typ: type, where: str) -> Any:
    if key not in obj:
        raise RepairError(f"decisions: {where}.{key} is missing; export decisions.json again from the report")
    value = obj[key]
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise RepairError(f"decisions: {where}.{key} must be {typ.__name__}, not {type(value).__name__}")
    return value


# ------------------------------------------------------------------------------------------- corpus


def _paths(corpus: Sequence[str | Path] | str | Path) -> list[Path]:
    paths = [Path(corpus)] if isinstance(corpus, str | Path) else [Path(p) for p in corpus]
    if not paths:
        raise RepairError("no corpus given; pass the folder(s) or file(s) the audit read")
    for p in paths:
        if not p.exists():
            raise RepairError(f"corpus path does not exist: {p}")
    return paths


def _check_out(paths: list[Path], out: Path) -> None:
    """Never write into the input, nor where the next audit of the corpus would read the copy again."""
    target = out.resolve()
    if target.exists() and not target.is_dir():
        raise RepairError(f"output {out} exists and is not a folder; choose another --out")
    for p in paths:
        src = p.resolve()
        if src.is_dir() and target.is_relative_to(src):
            raise RepairError(f"output {out} is inside the corpus folder {p}; choose an --out outside it "
                              "(the input is never modified, and a copy there would be audited again)")
        if src.is_relative_to(target):
            raise RepairError(f"corpus path {p} is inside --out {out}; choose an empty folder elsewhere")


@dataclass(frozen=True, slots=True)
class _Source:
    """Where a document came from: a text file, or row `row` of a table (None: the table is unreadable)."""

    arg: int
    path: Path
    rel: str
    table: bool = False
    row: int | None = None


def _sources(paths: list[Path]) -> list[_Source]:
    """One entry per document that `iter_documents` yields, in the same order."""
    out: list[_Source] = []
    for a, p in enumerate(paths):
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.suffix.lower() in TEXT_SUFFIXES and not f.is_dir())
            out += [_Source(a, f, f.relative_to(p).as_posix()) for f in files]
        elif p.suffix.lower() in TABLE_SUFFIXES:
            frame = _read_table(p)
            if frame is None or not {"id", "text"} <= set(frame.columns):
                out.append(_Source(a, p, p.name, table=True))
            else:
                out += [_Source(a, p, p.name, table=True, row=r) for r in range(frame.height)]
        else:
            out.append(_Source(a, p, p.name))
    return out


def _read_table(path: Path) -> Any:
    """The table exactly as `audit.loaders.read_table` reads it (None when unreadable)."""
    import polars as pl

    try:
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            return pl.read_parquet(path)
        if suffix == ".csv":
            return pl.read_csv(path, infer_schema=False)
        return pl.read_ndjson(path, infer_schema_length=None)
    except Exception:  # polars raises many error types for malformed tables
        return None


def _write_table(frame: Any, like: Path, target: Path) -> None:
    """In the input table's format (the temp file's name does not carry the suffix)."""
    suffix = like.suffix.lower()
    if suffix == ".parquet":
        frame.write_parquet(target)
    elif suffix == ".csv":
        frame.write_csv(target)
    else:
        frame.write_ndjson(target)


# ------------------------------------------------------------------------------------------- repair


@dataclass
class _Planned:
    doc: Document
    source: _Source
    repaired: str
    record: DocumentRepair


def _repair(plan: dict[str, _DocPlan], paths: list[Path], out: Path, max_bytes: int,
            summary: RepairSummary) -> RepairSummary:
    _check_out(paths, out)
    docs = list(iter_documents(list(paths), max_bytes))
    sources = _sources(paths)
    if len(sources) != len(docs):
        raise RepairError("the corpus changed while it was being read; run the command again")
    by_id = {d.doc_id: d for d in docs}
    for doc_id, dp in plan.items():  # every refusal happens before anything is written
        _validate(by_id.get(doc_id), doc_id, dp, paths)

    planned = []
    for doc, src in zip(docs, sources, strict=True):
        dp = plan.get(doc.doc_id)
        record = DocumentRepair(doc_id=doc.doc_id, reviewed=dp.reviewed if dp else None, error=doc.error)
        repaired = doc.text
        if dp:
            record.rejected = list(dp.rejected)
            repaired = repaired_text(doc.text, _select(dp.accepted, record))
        planned.append(_Planned(doc, src, repaired, record))
    targets = _assign_outputs(planned, out)
    try:
        _write(planned, targets, out)
        summary.documents = [p.record for p in planned]
        report = json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n"
        _atomic(out / "repair.json", lambda t: Path(t).write_text(report, encoding="utf-8"))
    except OSError as exc:
        raise RepairError(f"cannot write the repaired copy to {out}: {exc}") from exc
    return summary


def _validate(doc: Document | None, doc_id: str, dp: _DocPlan, paths: list[Path]) -> None:
    if doc is None:
        raise RepairError(f"document {doc_id!r} of the decisions is not in the corpus "
                          f"({', '.join(map(str, paths))}); pass the corpus the audit read with --corpus")
    if content_hash(doc.text) != dp.doc_hash:
        raise RepairError(f"{doc_id} changed since the audit (content hash differs); re-run `mtaudit run` "
                          "and review again")
    if doc.error and dp.accepted:
        raise RepairError(f"{doc_id} could not be read ({doc.error}); it cannot be repaired")
    for e in dp.accepted:
        if not 0 <= e.start <= e.end <= len(doc.text):
            raise RepairError(f"{doc_id}: decision {e.finding_id} has span {e.start}:{e.end}, outside the "
                              f"text (length {len(doc.text)}); export decisions.json again")
        if doc.text[e.start : e.end] != e.text:
            raise RepairError(f"{doc_id}: decision {e.finding_id} expects {e.text!r} at {e.start}:{e.end} "
                              f"but the text there is {doc.text[e.start:e.end]!r}; re-run `mtaudit run` and "
                              "review again")


def _select(accepted: list[Edit], record: DocumentRepair) -> list[Edit]:
    """In text order; a repeated edit counts once, and one overlapping an edit already taken is skipped."""
    taken: list[Edit] = []
    for e in sorted(accepted, key=lambda e: (e.start, e.end)):
        same = next((t for t in taken if (t.start, t.end, t.replacement) == (e.start, e.end, e.replacement)),
                    None)
        clash = next((t for t in taken if _overlaps(t, e)), None)
        if same is not None:
            record.skipped.append({"finding_id": e.finding_id, "reason": f"same edit as {same.finding_id}"})
        elif clash is not None:
            record.skipped.append({"finding_id": e.finding_id, "reason": f"overlaps {clash.finding_id}"})
        else:
            taken.append(e)
    record.applied = taken
    return taken


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start < b.end and b.start < a.end:
        return True
    return a.start == a.end == b.start == b.end  # two insertions at one point: no order to choose


def _absorb_spaces(text: str, s: int, e: int, lo: int, hi: int) -> tuple[int, int]:
    """Widen a deletion over the spaces it would leave doubled, dangling at a line's end or before
    punctuation; never into the neighbouring edits (`lo`, `hi`)."""
    before, after = s, e
    while before > lo and text[before - 1] in " \t":
        before -= 1
    while after < hi and text[after] in " \t":
        after += 1
    if after == len(text) or text[after] in _CLOSERS:
        return before, after
    if before == 0 or text[before - 1] == "\n" or (before < s and after > e):
        return s, after
    return s, e


def _assign_outputs(planned: list[_Planned], out: Path) -> dict[int, str]:
    """Relative output path of every document, without collisions and never outside OUT."""
    used: dict[str, tuple[int, Path]] = {}  # casefolded: no clash on case-insensitive disks either
    targets: dict[int, str] = {}

    def claim(rel: str, key: tuple[int, Path]) -> str:
        candidate, n = rel, 2
        while used.get(candidate.casefold(), key) != key:
            candidate, n = f"{n}/{rel}", n + 1
        used[candidate.casefold()] = key
        return candidate

    for k, p in enumerate(planned):  # everything under its own name first
        src, rel = p.source, p.source.rel
        tail = p.doc.doc_id[len(rel) + 1 :] if p.doc.doc_id.startswith(rel + "#") else ""
        if tail.isdigit() and not src.table:  # same name in two corpus arguments: "a.txt#2" -> 2/a.txt
            rel = f"{tail}/{rel}"
        targets[k] = claim(rel, (src.arg, src.path))
    for k, p in enumerate(planned):  # then changed HTML, which becomes the text the audit saw
        src = p.source
        if src.table or p.repaired == p.doc.text or src.path.suffix.lower() not in _HTML:
            continue
        rel = targets[k]
        del used[rel.casefold()]
        as_text = rel[: -len(src.path.suffix)] + ".txt"
        targets[k] = claim(as_text if as_text.casefold() not in used else rel + ".txt", (src.arg, src.path))
    root = out.resolve()
    for k, rel in targets.items():
        target = (out / rel).resolve()
        if target == root or not target.is_relative_to(root):
            raise RepairError(f"document {planned[k].doc.doc_id!r} would be written outside {out} ({rel}); "
                              "refused")
    return targets


def _write(planned: list[_Planned], targets: dict[int, str], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale(out, set(targets.values()))
    tables: dict[tuple[int, Path], list[int]] = {}
    for k, p in enumerate(planned):
        p.record.output = targets[k]
        src = p.source
        if src.table:
            tables.setdefault((src.arg, src.path), []).append(k)
            continue
        target = out / targets[k]
        target.parent.mkdir(parents=True, exist_ok=True)
        if p.repaired != p.doc.text:
            data = p.repaired.replace("\n", _newline(src.path)).encode("utf-8")
            _atomic(target, lambda t, data=data: Path(t).write_bytes(data))
            continue
        try:
            _atomic(target, lambda t, src=src: shutil.copy2(src.path, t), shared=False)  # keeps its mode
        except OSError:
            if not p.doc.error:
                raise
            p.record.output = None  # unreadable input: listed with its error, nothing to copy
    for (_, path), rows in tables.items():
        target = out / targets[rows[0]]
        target.parent.mkdir(parents=True, exist_ok=True)
        changed = {planned[k].source.row: planned[k].repaired for k in rows
                   if planned[k].repaired != planned[k].doc.text}
        if not changed:
            _atomic(target, lambda t, path=path: shutil.copy2(path, t), shared=False)
            continue
        import polars as pl

        frame = _read_table(path)
        if frame is None:
            raise RepairError(f"table {path} can no longer be read; run the command again")
        texts = frame.get_column("text").to_list()
        for row, text in changed.items():
            texts[row] = text
        frame = frame.with_columns(pl.Series("text", texts, dtype=pl.Utf8))
        _atomic(target, lambda t, frame=frame, path=path: _write_table(frame, path, Path(t)))
    for p in planned:
        if p.repaired == p.doc.text:
            continue
        rel = f"diffs/{_diff_name(p.doc.doc_id)}"
        (out / "diffs").mkdir(exist_ok=True)
        patch = unified_diff(p.doc.text, p.repaired, p.doc.doc_id)
        _atomic(out / rel, lambda t, patch=patch: Path(t).write_text(patch, encoding="utf-8"))
        p.record.diff = rel


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Remove what an earlier repair wrote to OUT and this one will not: a stale diff misleads a reviewer."""
    try:
        info = json.loads((out / "repair.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(info, dict) or info.get("format") != REPAIR_FORMAT:
        return
    root = out.resolve()
    for doc in info.get("documents") or []:
        for key in ("output", "diff"):
            rel = doc.get(key) if isinstance(doc, dict) else None
            if not isinstance(rel, str) or rel in keep:
                continue
            path = out / rel
            if (path.resolve().is_relative_to(root) and path.resolve() != root and path.is_file()
                    and not path.is_symlink()):
                path.unlink()


def _newline(path: Path) -> str:
    """Keep a file's Windows line ends: the loader normalised them for the audit, not for the reader."""
    try:
        data = path.read_bytes()
    except OSError:
        return "\n"
    crlf = data.count(b"\r\n")
    return "\r\n" if crlf and crlf == data.count(b"\n") else "\n"


def _diff_name(doc_id: str) -> str:
    """Same rule as `audit.report.safe_name` (slug + sha1): a document's diff and page share a name."""
    slug = _SLUG.sub("-", doc_id.lower()).strip("-.")[:60].strip("-.") or "doc"
    return f"{slug}-{hashlib.sha1(doc_id.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}.diff"

