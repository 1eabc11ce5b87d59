"""Repair: a reviewer's decisions (`apply`) and the safe automatic fixes (`fix --safe`) on real text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

import audit
from audit.cli import main
from audit.records import content_hash
from audit.repair import Edit, RepairError, _diff_name, apply_decisions, repaired_text, safe_fix
from tests.conftest import REFERENCE_CORPUS

FUSED_DOC = "001_dc8a611bddc792d5.txt"
SAFE = {"merged_word", "boilerplate", "caption", "duplicate"}


@pytest.fixture(scope="module")
def audited() -> audit.AuditResult:
    return audit.run(REFERENCE_CORPUS)


@pytest.fixture(scope="module")
def fused_text() -> str:
    return (REFERENCE_CORPUS / FUSED_DOC).read_text(encoding="utf-8")


def finding(result: audit.AuditResult, doc_id: str, text: str, category: str | None = None) -> dict:
    rows = result.findings.filter((pl.col("doc_id") == doc_id) & (pl.col("text") == text))
    if category:
        rows = rows.filter(pl.col("category") == category)
    assert rows.height, f"no finding {text!r} in {doc_id}"
    return rows.to_dicts()[0]


def decision(row: dict, action: str = "accept", replacement: str | None = None) -> dict:
    return {"finding_id": row["finding_id"], "start": row["start"], "end": row["end"], "text": row["text"],
            "category": row["category"], "action": action,
            "replacement": row["suggestion"] if replacement is None else replacement,
            "edited": replacement is not None}


def payload(docs: dict[str, tuple[str, list[dict]]], reviewed: bool = True) -> dict:
    return {"format": "mtaudit-decisions/1", "exported": "2026-11-23T10:00:00Z",
            "run": {"mtaudit_version": audit.__version__, "config_hash": "x"},
            "documents": {d: {"doc_hash": h, "reviewed": reviewed, "decisions": ds}
                          for d, (h, ds) in docs.items()}}


def decisions_file(path: Path, docs: dict[str, tuple[str, list[dict]]], reviewed: bool = True) -> Path:
    path.write_text(json.dumps(payload(docs, reviewed)), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def apply_patch(old: str, diff: str) -> str:
    """A strict reader of unified diffs: context and removed lines must match the old text exactly."""
    lines, body = old.splitlines(keepends=True), diff.splitlines(keepends=True)
    assert body[0].startswith("--- a/") and body[1].startswith("+++ b/")
    out, pos, i = [], 0, 2
    while i < len(body):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n", body[i])
        assert m, f"bad hunk header {body[i]!r}"
        start = int(m[1]) - (0 if m[2] == "0" else 1)
        out += lines[pos:start]
        pos, i = start, i + 1
        while i < len(body) and not body[i].startswith("@@"):
            tag, text = body[i][0], body[i][1:]
            if i + 1 < len(body) and body[i + 1] == "\\ No newline at end of file\n":
                text, i = text[:-1], i + 1
            if tag in " -":
                assert lines[pos] == text, f"context mismatch at line {pos + 1}"
                pos += 1
            if tag in " +":
                out.append(text)
            i += 1
    return "".join(out + lines[pos:])


def test_apply_accepts_rejects_and_edits(audited, fused_text: str, tmp_path: Path) -> None:
    putin = finding(audited, FUSED_DOC, "Putinsigned")
    lam = finding(audited, FUSED_DOC, "Lamduring")
    biden = finding(audited, FUSED_DOC, "Bidenvisited")
    before = snapshot(REFERENCE_CORPUS)
    path = decisions_file(tmp_path / "decisions.json", {FUSED_DOC: (content_hash(fused_text), [
        decision(putin), decision(lam, replacement="Lam, during"), decision(biden, action="reject")])})
    out = tmp_path / "repaired"
    summary = apply_decisions(path, REFERENCE_CORPUS, out)
    repaired = (out / FUSED_DOC).read_text(encoding="utf-8")
    assert "Vladimir Putin signed several" in repaired and "To Lam, during an official" in repaired
    assert "Bidenvisited" in repaired  # rejected: unchanged
    assert repaired == fused_text.replace("Putinsigned", "Putin signed").replace("Lamduring", "Lam, during")
    assert snapshot(REFERENCE_CORPUS) == before  # the input is never touched (bytes and mtimes)
    for other in REFERENCE_CORPUS.glob("*.txt"):  # the rest of the corpus is copied byte for byte
        if other.name != FUSED_DOC:
            assert (out / other.name).read_bytes() == other.read_bytes()
    info = json.loads((out / "repair.json").read_text(encoding="utf-8"))
    assert info["format"] == "mtaudit-repair/1" and info["mode"] == "apply"
    assert info["decisions"] == str(path) and "min_confidence" not in info
    assert info["totals"] == {"documents": 5, "changed": 1, "applied": 2, "skipped": 0, "rejected": 1}
    entry = next(d for d in info["documents"] if d["doc_id"] == FUSED_DOC)
    assert entry["reviewed"] is True and entry["rejected"] == [biden["finding_id"]]
    assert entry["output"] == FUSED_DOC and entry["diff"] == f"diffs/{_diff_name(FUSED_DOC)}"
    assert [a["replacement"] for a in entry["applied"]] == ["Putin signed", "Lam, during"]
    untouched = next(d for d in info["documents"] if d["doc_id"] != FUSED_DOC)
    assert untouched["diff"] is None and untouched["reviewed"] is None
    assert summary.to_dict()["totals"]["applied"] == 2 and len(summary.changed) == 1
    assert sorted(p.name for p in (out / "diffs").iterdir()) == [_diff_name(FUSED_DOC)]


def test_reject_only_changes_nothing(audited, fused_text: str, tmp_path: Path) -> None:
    rows = [finding(audited, FUSED_DOC, t) for t in ("Putinsigned", "Lamduring")]
    path = decisions_file(tmp_path / "d.json", {FUSED_DOC: (content_hash(fused_text),
                                                            [decision(r, action="reject") for r in rows])})
    summary = apply_decisions(path, REFERENCE_CORPUS, tmp_path / "out")
    assert summary.changed == [] and not (tmp_path / "out" / "diffs").exists()
    for src in REFERENCE_CORPUS.glob("*.txt"):
        assert (tmp_path / "out" / src.name).read_bytes() == src.read_bytes()


def test_diff_is_a_patch_that_reproduces_the_repair(audited, fused_text: str, tmp_path: Path) -> None:
    rows = [finding(audited, FUSED_DOC, t) for t in ("Putinsigned", "Vietnambut")]
    rows += audited.findings.filter((pl.col("doc_id") == FUSED_DOC)
                                    & pl.col("text").str.starts_with("NEXT ")).to_dicts()  # the last line
    assert len(rows) == 3 and not fused_text.endswith("\n")
    path = decisions_file(tmp_path / "d.json", {FUSED_DOC: (content_hash(fused_text), [decision(r) for r in rows])})
    out = tmp_path / "out"
    apply_decisions(path, REFERENCE_CORPUS, out)
    repaired = (out / FUSED_DOC).read_text(encoding="utf-8")
    assert "NEXT Ukraine" not in repaired and repaired.endswith("the challenges of AI")  # no dangling newline
    diff = out / "diffs" / _diff_name(FUSED_DOC)
    body = diff.read_text(encoding="utf-8")
    assert body.startswith(f"--- a/{FUSED_DOC}\n+++ b/{FUSED_DOC}\n@@ ")
    assert "-HANOI.- The president of Russia, Vladimir Putinsigned" in body
    assert "+HANOI.- The president of Russia, Vladimir Putin signed" in body
    assert "\\ No newline at end of file\n" in body
    assert apply_patch(fused_text, body) == repaired
    if shutil.which("patch"):  # and the real tool agrees
        work = tmp_path / "work"
        work.mkdir()
        shutil.copy(REFERENCE_CORPUS / FUSED_DOC, work / FUSED_DOC)
        subprocess.run(["patch", "-p1", "-s", "-d", str(work), "-i", str(diff)], check=True)
        assert (work / FUSED_DOC).read_bytes() == (out / FUSED_DOC).read_bytes()


def test_changed_document_is_refused_and_nothing_written(audited, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REFERENCE_CORPUS, corpus)
    old = (corpus / FUSED_DOC).read_text(encoding="utf-8")
    row = finding(audited, FUSED_DOC, "Putinsigned")
    path = decisions_file(tmp_path / "d.json", {FUSED_DOC: (content_hash(old), [decision(row)])})
    (corpus / FUSED_DOC).write_text(old.replace("Thursday", "Friday"), encoding="utf-8")  # edited since
    out = tmp_path / "out"
    with pytest.raises(RepairError, match=f"{FUSED_DOC} changed since the audit .*re-run `mtaudit run`"):
        apply_decisions(path, corpus, out)
    assert not out.exists()
    assert main(["apply", str(path), "--corpus", str(corpus), "--out", str(out)]) == 2
    assert not out.exists()


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda p: p.update(format="something/2"), "not a decisions file"),
    (lambda p: p.pop("documents"), r"decisions\.documents is missing"),
    (lambda p: p["documents"].update({"../../etc/x": {"doc_hash": "0", "decisions": []}}), "not in the corpus"),
    (lambda p: p["documents"].update({"nope.txt": {"doc_hash": "0", "decisions": []}}), "'nope.txt'"),
    (lambda p: p["documents"][FUSED_DOC]["decisions"][0].update(start=3), "expects 'Putinsigned'"),
    (lambda p: p["documents"][FUSED_DOC]["decisions"][0].update(end=10**9), "outside"),
    (lambda p: p["documents"][FUSED_DOC]["decisions"][0].update(start=True), "start must be int"),
    (lambda p: p["documents"][FUSED_DOC]["decisions"][0].pop("text"), r"decisions\[0\]\.text is missing"),
    (lambda p: p["documents"][FUSED_DOC]["decisions"][0].update(action="maybe"), "'accept' or 'reject'"),
    (lambda p: p["documents"][FUSED_DOC]["decisions"][0].update(replacement=None), "must be a string"),
    (lambda p: p["documents"][FUSED_DOC].update(doc_hash="f" * 64), "changed since the audit"),
])
def test_bad_decisions_are_refused_with_a_reason(audited, fused_text: str, tmp_path: Path, mutate,
                                                 message: str) -> None:
    data = payload({FUSED_DOC: (content_hash(fused_text), [decision(finding(audited, FUSED_DOC, "Putinsigned"))])})
    apply_decisions(json.loads(json.dumps(data)), REFERENCE_CORPUS, tmp_path / "ok")  # unmutated: accepted
    mutate(data)
    with pytest.raises(RepairError, match=message):
        apply_decisions(data, REFERENCE_CORPUS, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_out_must_be_outside_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REFERENCE_CORPUS, corpus)
    empty = {"format": "mtaudit-decisions/1", "documents": {}}
    for out in (corpus, corpus / "repaired"):
        with pytest.raises(RepairError, match="inside the corpus"):
            apply_decisions(empty, corpus, out)
    with pytest.raises(RepairError, match="inside --out"):
        apply_decisions(empty, corpus, tmp_path)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(RepairError, match="not a JSON decisions file"):
        apply_decisions(tmp_path / "bad.json", corpus, tmp_path / "out")
    with pytest.raises(RepairError, match="does not exist"):
        apply_decisions(empty, tmp_path / "missing", tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "corpus"]
    assert snapshot(corpus) == snapshot(corpus) and len(snapshot(corpus)) == 5


def test_overlaps_keep_the_first_edit_and_say_why(audited, fused_text: str, tmp_path: Path) -> None:
    row = finding(audited, FUSED_DOC, "Putinsigned")
    wider = {**decision(row), "finding_id": "manual0000000001", "start": row["start"] - 9,
             "text": fused_text[row["start"] - 9 : row["end"]], "replacement": "Vladimir Putin signed"}
    same = {**decision(row), "finding_id": "manual0000000002"}
    path = decisions_file(tmp_path / "d.json", {FUSED_DOC: (content_hash(fused_text),
                                                            [decision(row), wider, same])})
    summary = apply_decisions(path, REFERENCE_CORPUS, tmp_path / "out")
    doc = next(d for d in summary.documents if d.doc_id == FUSED_DOC)
    assert [e.finding_id for e in doc.applied] == ["manual0000000001"]
    assert doc.skipped == [{"finding_id": row["finding_id"], "reason": "overlaps manual0000000001"},
                           {"finding_id": "manual0000000002", "reason": "overlaps manual0000000001"}]
    assert "Russia, Vladimir Putin signed several" in (tmp_path / "out" / FUSED_DOC).read_text(encoding="utf-8")


def test_identical_edits_count_once(audited, fused_text: str, tmp_path: Path) -> None:
    row = finding(audited, FUSED_DOC, "Putinsigned")
    twin = {**decision(row), "finding_id": "manual0000000002"}
    path = decisions_file(tmp_path / "d.json", {FUSED_DOC: (content_hash(fused_text), [decision(row), twin])})
    summary = apply_decisions(path, REFERENCE_CORPUS, tmp_path / "out")
    doc = next(d for d in summary.documents if d.doc_id == FUSED_DOC)
    assert [e.finding_id for e in doc.applied] == [row["finding_id"]]
    assert doc.skipped == [{"finding_id": "manual0000000002", "reason": f"same edit as {row['finding_id']}"}]
    assert (tmp_path / "out" / FUSED_DOC).read_text(encoding="utf-8").count("Putin signed") == 1


def edit(text: str, piece: str, replacement: str = "", nth: int = 0) -> Edit:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    return Edit(f"id{start}", start, start + len(piece), piece, replacement, "boilerplate")


def test_deletions_leave_no_holes() -> None:
    text = "Inici » Putin visits Hanoi\n\nRELATED ARTICLES\n\nThe visit lasted two days.\nRead more"
    out = repaired_text(text, [edit(text, "Inici »"), edit(text, "RELATED ARTICLES"), edit(text, "Read more")])
    assert out == "Putin visits Hanoi\n\nThe visit lasted two days."
    caption = "Putin in Hanoi, June 20, 2024.MANAN VATSYAYANA – POOL\nNext paragraph."
    assert repaired_text(caption, [edit(caption, "MANAN VATSYAYANA – POOL")]) == \
        "Putin in Hanoi, June 20, 2024.\nNext paragraph."
    dangling = "Hanoi, June 20, 2024 (AP Photo/Minh Hoang)\n\nPutin also met"
    assert repaired_text(dangling, [edit(dangling, "(AP Photo/Minh Hoang)")]) == "Hanoi, June 20, 2024\n\nPutin also met"
    middle = "The deal , They closed , was signed."
    assert repaired_text(middle, [edit(middle, ", They closed")]) == "The deal, was signed."
    spaced = "Putin and Kim HomeWorld signed it."
    assert repaired_text(spaced, [edit(spaced, "HomeWorld")]) == "Putin and Kim signed it."
    two = "HomeWorldAsia Russia says\nBody"  # two deletions that together empty a line
    assert repaired_text(two, [edit(two, "HomeWorldAsia"), edit(two, "Russia says")]) == "Body"


@pytest.mark.parametrize(("text", "junk", "expected"), [
    ("Para one.\n\nJunk line\n\nPara two.", "Junk line", "Para one.\n\nPara two."),
    ("Line one.\nJunk line\nLine two.", "Junk line", "Line one.\nLine two."),
    ("Para one.\n\n  Junk line \n\n\nPara two.", "Junk line", "Para one.\n\n\nPara two."),
    ("Para one.\nJunk line\n", "Junk line", "Para one.\n"),
    ("Junk line\n\nPara one.", "Junk line", "Para one."),
    ("Title\n\nJunk line\nJunk line\n\nBody.", "Junk line", "Title\n\nJunk line\n\nBody."),
])
def test_whole_line_deletion_drops_its_newline(text: str, junk: str, expected: str) -> None:
    assert repaired_text(text, [edit(text, junk)]) == expected


def test_consecutive_deleted_lines_keep_paragraphs_apart() -> None:
    text = "Title\n\nJunk one\nJunk two\n\n\nBody starts.\nJunk three"
    out = repaired_text(text, [edit(text, "Junk one"), edit(text, "Junk two"), edit(text, "Junk three")])
    assert out == "Title\n\n\nBody starts."
    kept = "Alpha\nFoo bar\nBeta"  # a line that also gets a replacement is never dropped
    assert repaired_text(kept, [edit(kept, "Foo"), edit(kept, "bar", "baz")]) == "Alpha\nbaz\nBeta"


def test_whole_line_deletion_in_a_real_document(audited, fused_text: str, tmp_path: Path) -> None:
    row = finding(audited, FUSED_DOC, "For Latest Updates Follow us on Google\xa0News")
    path = decisions_file(tmp_path / "d.json", {FUSED_DOC: (content_hash(fused_text), [decision(row)])})
    apply_decisions(path, REFERENCE_CORPUS, tmp_path / "out")
    repaired = (tmp_path / "out" / FUSED_DOC).read_text(encoding="utf-8")
    assert repaired == fused_text.replace("\nFor Latest Updates Follow us on Google\xa0News", "")
    assert "Get to know The Trust Project\n\n\nPREV Pope" in repaired


def test_table_corpus_keeps_its_other_columns(fused_text: str, tmp_path: Path) -> None:
    table = tmp_path / "news.jsonl"
    pl.DataFrame({"id": ["a1", "a2"], "text": [fused_text, "A short clean note about the weather today."],
                  "url": ["https://example.org/a1", "https://example.org/a2"], "outlet": ["X", "Y"],
                  "n": [1, 2]}).write_ndjson(table)
    result = audit.run(table)
    row = finding(result, "a1", "Putinsigned")
    path = decisions_file(tmp_path / "d.json", {"a1": (content_hash(fused_text), [decision(row)])})
    out = tmp_path / "out"
    before = table.read_bytes()
    summary = apply_decisions(path, [table], out)
    copy = pl.read_ndjson(out / "news.jsonl")
    assert copy.columns == ["id", "text", "url", "outlet", "n"] and copy["outlet"].to_list() == ["X", "Y"]
    assert copy["n"].to_list() == [1, 2] and copy["url"][1] == "https://example.org/a2"
    assert copy["text"][0] == fused_text.replace("Putinsigned", "Putin signed")
    assert copy["text"][1] == "A short clean note about the weather today."
    assert table.read_bytes() == before
    assert [d.output for d in summary.documents] == ["news.jsonl", "news.jsonl"]
    assert sorted(p.name for p in (out / "diffs").iterdir()) == [_diff_name("a1")]
    # an untouched table is copied byte for byte
    apply_decisions({"format": "mtaudit-decisions/1", "documents": {}}, [table], tmp_path / "same")
    assert (tmp_path / "same" / "news.jsonl").read_bytes() == before


def test_csv_table_round_trip(tmp_path: Path) -> None:
    text = "Putinsigned the deal.\nIt was late."
    table = tmp_path / "news.csv"
    pl.DataFrame({"id": ["r1", "r2"], "text": [text, "Other text here."], "source": ["x", "y"]}).write_csv(table)
    d = {"finding_id": "f1", "start": 0, "end": 11, "text": "Putinsigned", "action": "accept",
         "replacement": "Putin signed"}
    apply_decisions(payload({"r1": (content_hash(text), [d])}), table, tmp_path / "out")
    copy = pl.read_csv(tmp_path / "out" / "news.csv")
    assert copy.to_dicts() == [{"id": "r1", "text": "Putin signed the deal.\nIt was late.", "source": "x"},
                               {"id": "r2", "text": "Other text here.", "source": "y"}]


def test_html_document_becomes_repaired_text(fused_text: str, tmp_path: Path) -> None:
    corpus = tmp_path / "site"
    corpus.mkdir()
    html = "<html><body><article>" + "".join(
        f"<p>{p}</p>" for p in fused_text.split("\n\n") if p.strip()) + "</article></body></html>"
    (corpus / "story.html").write_text(html, encoding="utf-8")
    (corpus / "other.html").write_text(html.replace("Putin", "Medvedev"), encoding="utf-8")
    result = audit.run(corpus)
    row = result.findings.filter((pl.col("doc_id") == "story.html") & (pl.col("text") == "Putinsigned")
                                 & (pl.col("detector") == "merged_word")).to_dicts()[0]
    doc = result.documents.filter(pl.col("doc_id") == "story.html").to_dicts()[0]
    path = decisions_file(tmp_path / "d.json", {"story.html": (doc["doc_hash"], [decision(row)])})
    out = tmp_path / "out"
    apply_decisions(path, corpus, out)
    assert sorted(p.name for p in out.iterdir()) == ["diffs", "other.html", "repair.json", "story.txt"]
    assert (out / "story.txt").read_text(encoding="utf-8") == doc["text"].replace("Putinsigned", "Putin signed")
    assert (out / "other.html").read_bytes() == (corpus / "other.html").read_bytes()


def test_same_names_in_two_corpora_do_not_collide(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.txt").write_text("First corpus text.\n", encoding="utf-8")
    (b / "x.txt").write_text("Putinsigned a deal.\n", encoding="utf-8")
    text = "Putinsigned a deal.\n"
    d = {"finding_id": "f1", "start": 0, "end": 11, "text": "Putinsigned", "action": "accept",
         "replacement": "Putin signed"}
    summary = apply_decisions(payload({"x.txt#2": (content_hash(text), [d])}), [a, b], tmp_path / "out")
    assert [(r.doc_id, r.output) for r in summary.documents] == [("x.txt", "x.txt"), ("x.txt#2", "2/x.txt")]
    assert (tmp_path / "out" / "x.txt").read_text(encoding="utf-8") == "First corpus text.\n"
    assert (tmp_path / "out" / "2" / "x.txt").read_text(encoding="utf-8") == "Putin signed a deal.\n"


def test_windows_line_ends_are_kept(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "w.txt").write_bytes(b"Putinsigned it.\r\nSecond line.\r\n")
    text = "Putinsigned it.\nSecond line.\n"  # as the audit saw it
    d = {"finding_id": "f1", "start": 0, "end": 11, "text": "Putinsigned", "action": "accept",
         "replacement": "Putin signed"}
    apply_decisions(payload({"w.txt": (content_hash(text), [d])}), corpus, tmp_path / "out")
    assert (tmp_path / "out" / "w.txt").read_bytes() == b"Putin signed it.\r\nSecond line.\r\n"


def test_rerun_into_the_same_out_removes_stale_diffs(audited, fused_text: str, tmp_path: Path) -> None:
    row = finding(audited, FUSED_DOC, "Putinsigned")
    out = tmp_path / "out"
    apply_decisions(payload({FUSED_DOC: (content_hash(fused_text), [decision(row)])}), REFERENCE_CORPUS, out)
    assert (out / "diffs" / _diff_name(FUSED_DOC)).is_file()
    apply_decisions(payload({FUSED_DOC: (content_hash(fused_text), [decision(row, "reject")])}),
                    REFERENCE_CORPUS, out)
    assert not (out / "diffs" / _diff_name(FUSED_DOC)).exists()
    assert (out / FUSED_DOC).read_bytes() == (REFERENCE_CORPUS / FUSED_DOC).read_bytes()


def test_diff_names_match_the_report_pages() -> None:
    report = pytest.importorskip("audit.report")
    for doc_id in (FUSED_DOC, "../../etc/x", "Ünïcode story#2", "a" * 200):
        name = _diff_name(doc_id)
        assert name == report.safe_name(doc_id).removesuffix(".html") + ".diff"
        assert "/" not in name and not name.startswith(".")


def test_safe_fix_applies_only_confident_mechanical_fixes(audited, tmp_path: Path) -> None:
    out = tmp_path / "fixed"
    before = snapshot(REFERENCE_CORPUS)
    summary = safe_fix(REFERENCE_CORPUS, out)
    assert snapshot(REFERENCE_CORPUS) == before
    info = json.loads((out / "repair.json").read_text(encoding="utf-8"))
    assert info["mode"] == "fix" and info["min_confidence"] == 0.8 and info["decisions"] is None
    confidence = dict(audited.findings.select("finding_id", "confidence").iter_rows())
    applied = [e for d in summary.documents for e in d.applied]
    assert applied and {e.category for e in applied} <= SAFE
    assert all(confidence[e.finding_id] >= 0.8 for e in applied)
    fixed = (out / FUSED_DOC).read_text(encoding="utf-8")
    for fused, split in (("Vietnambut", "Vietnam but"), ("Xi Jinpinglike", "Xi Jinping like"),
                         ("superpowersin", "superpowers in"), ("Putinsigned", "Putin signed")):
        assert fused not in fixed and split in fixed
    assert "Parameswaranan" in fixed  # 0.65: left to a human
    assert "MANAN VATSYAYANA" not in fixed and "Hanoi Opera House, June 20, 2024.\n\n“Russia" in fixed
    assert fixed.count("After his controversial visit to North Korea") == 1  # repeated title gone
    assert "\n\n\n\n" not in fixed
    assert "PCV" in fixed and "Ho Chi Minh City" in fixed  # other categories are not touched
    assert len(list((out / "diffs").glob("*.diff"))) == len(summary.changed) >= 3
    after = audit.run(out).findings
    for cat in sorted(SAFE):
        assert after.filter(pl.col("category") == cat).height < audited.findings.filter(
            pl.col("category") == cat).height, cat
    assert after.filter(pl.col("category") == "entity").height >= 1


def test_safe_fix_threshold_is_a_real_knob(tmp_path: Path) -> None:
    high = safe_fix(REFERENCE_CORPUS / FUSED_DOC, tmp_path / "high", min_confidence=0.9,
                    categories=["merged_word"])
    fixed = (tmp_path / "high" / FUSED_DOC).read_text(encoding="utf-8")
    assert "Putinsigned" in fixed and "Vietnam but" in fixed  # 0.8 < 0.9 <= 0.95
    assert {e.category for d in high.documents for e in d.applied} == {"merged_word"}
    crumb = safe_fix(REFERENCE_CORPUS / "000_3cf5f558fb389e56.txt", tmp_path / "crumb", min_confidence=0.85)
    fixed = (tmp_path / "crumb" / "000_3cf5f558fb389e56.txt").read_text(encoding="utf-8")
    assert "Home World Asia" not in fixed and "HomeWorldAsia" not in fixed  # the breadcrumb goes, not split
    assert fixed.startswith("Friday, November 22, 2024\n\nRussia has “right")
    assert [s["reason"] for s in crumb.documents[0].skipped] == [
        f"overlaps {crumb.documents[0].applied[0].finding_id}"]
    with pytest.raises(RepairError, match="unknown categories"):
        safe_fix(REFERENCE_CORPUS, tmp_path / "x", categories=["merged_words"])


def test_fix_cli_needs_safe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["fix", str(REFERENCE_CORPUS), "--out", str(tmp_path / "x")])
    assert exc.value.code == 2 and "--safe" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["fix", str(REFERENCE_CORPUS / FUSED_DOC), "--out", str(tmp_path / "y"), "--safe"]) == 0
    assert "Vietnam but" in (tmp_path / "y" / FUSED_DOC).read_text(encoding="utf-8")
    assert "repair.json" in capsys.readouterr().err
    assert main(["fix", str(REFERENCE_CORPUS), "--out", str(REFERENCE_CORPUS / "x"), "--safe"]) == 2
    assert not (REFERENCE_CORPUS / "x").exists()


def test_apply_cli_writes_repair_json(audited, fused_text: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    row = finding(audited, FUSED_DOC, "Putinsigned")
    path = decisions_file(tmp_path / "decisions.json", {FUSED_DOC: (content_hash(fused_text), [decision(row)])})
    out = tmp_path / "repaired"
    assert main(["apply", str(path), "--corpus", str(REFERENCE_CORPUS), "--out", str(out)]) == 0
    assert "Putin signed" in (out / FUSED_DOC).read_text(encoding="utf-8")
    info = json.loads((out / "repair.json").read_text(encoding="utf-8"))
    assert info["totals"]["changed"] == 1 and "repair.json" in capsys.readouterr().err
    hostile = decisions_file(tmp_path / "evil.json", {"../../etc/x": ("0" * 64, [])})
    assert main(["apply", str(hostile), "--corpus", str(REFERENCE_CORPUS), "--out", str(tmp_path / "e")]) == 2
    assert "not in the corpus" in capsys.readouterr().err and not (tmp_path / "e").exists()
