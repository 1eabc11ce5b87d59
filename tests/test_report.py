"""The HTML report as files: names, escaping, highlighting geometry, atomic replacement.

Behaviour in a browser (sorting, clicks, decisions, XSS) is pinned in test_report_browser.py.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import polars as pl
import pytest

import audit
from audit.cli import main
from audit.output import SEGMENT_SCHEMA
from audit.report import CSP, render, render_report, safe_name
from audit.report.highlight import Span, lost_words, pieces
from audit.report.render import _page_json
from tests.conftest import REFERENCE_CORPUS

FUSED_DOC = "001_dc8a611bddc792d5.txt"


@pytest.fixture(scope="module")
def reference_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    audit.run(REFERENCE_CORPUS, out=out, report=True)
    return out


def test_safe_names_are_plain_unique_and_stay_in_the_folder() -> None:
    ids = ["a/b.txt", "a-b.txt", "A/B.txt", "../../etc/passwd", "..", "", "x" * 500, "новости.txt",
           "hostile<script>.txt", "a/b.txt#2", "con", "𝔘nicode.md"]
    names = [safe_name(i) for i in ids]
    assert len(set(names)) == len(ids)
    for name in names:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*-[0-9a-f]{10}\.html", name), name
        assert "/" not in name and ".." not in name.split("-")[0][:2] and len(name) <= 60 + 16
    assert safe_name("a/b.txt") == safe_name("a/b.txt")  # stable across runs
    assert safe_name("001_dc8a611bddc792d5.txt").startswith("001_dc8a611bddc792d5.txt-")


def test_pieces_cover_the_text_exactly_with_overlaps() -> None:
    text = "Vladimir Putinsigned several agreements with To Lamduring the visit."
    lam = text.index("Lamduring")
    spans = [
        Span("a", 9, 20, "merged_word", "major"),  # Putinsigned
        Span("b", 0, 20, "entity", "minor"),  # Vladimir Putinsigned, overlaps a
        Span("c", lam, lam + 9, "merged_word", "major"),
        Span("d", len(text) - 1, len(text) - 1, "low_fidelity", "minor"),  # zero-width, before the full stop
    ]
    out = pieces(text, spans)
    assert "".join(p.text for p in out) == text
    by_text = {p.text: p for p in out if p.spans}
    assert by_text["Vladimir "].ids == "b" and by_text["Vladimir "].anchors == ["b"]
    overlap = by_text["Putinsigned"]
    assert set(overlap.ids.split()) == {"a", "b"} and overlap.anchors == ["a"]
    assert "cat-merged_word" in overlap.classes and "overlap" in overlap.classes  # most severe leads
    assert by_text["Lamduring"].anchors == ["c"]
    insertion = [p for p in out if p.insertion]
    assert len(insertion) == 1 and insertion[0].anchors == ["d"] and insertion[0].text == ""
    # every finding is anchored exactly once
    assert sorted(a for p in out for a in p.anchors) == ["a", "b", "c", "d"]


def test_same_start_findings_get_one_anchor_each() -> None:
    out = pieces("Inici » Vladimir", [Span("x", 0, 7, "untranslated", "minor"),
                                     Span("y", 0, 5, "boilerplate", "minor")])
    assert out[0].text == "Inici" and sorted(out[0].anchors) == ["x", "y"]
    assert out[1].text == " »" and out[1].anchors == [] and out[1].ids == "x"


def test_lost_words_marks_what_the_round_trip_dropped() -> None:
    chunks = lost_words("Kim offered his full support to Russia.",
                        "Kim offered his support to Russia.")
    assert "".join(c for c, _ in chunks) == "Kim offered his full support to Russia."
    assert [c for c, lost in chunks if lost] == ["full"]
    # inflection is not a loss
    assert not any(lost for _, lost in lost_words("The agreements were signed", "The agreement were signed"))


def test_page_json_cannot_close_its_script_tag() -> None:
    payload = {"text": "</script><script>alert(1)</script> & <!-- \u2028"}
    out = str(_page_json(payload))
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out
    assert json.loads(out) == payload


def test_report_files_and_safety_headers(reference_out: Path) -> None:
    report = reference_out / "report"
    pages = [report / "index.html", *sorted((report / "docs").glob("*.html"))]
    assert len(pages) == 6
    assert (report / "assets" / "report.css").is_file() and (report / "assets" / "report.js").is_file()
    docs = pl.read_parquet(reference_out / "documents.parquet")
    assert {p.name for p in pages[1:]} == {safe_name(d) for d in docs["doc_id"]}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
        assert meta and html_lib.unescape(meta.group(1)) == CSP
        # nothing remote: every src/href is relative (the SVG namespace is an identifier, not a load)
        refs = re.findall(r'(?:src|href)="([^"]*)"', html)
        assert refs and all(not re.match(r"[a-z]+:", r) and not r.startswith("//") for r in refs), refs
        assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
        assert len(re.findall(r"<script\b", html)) == 2  # the shared asset and the inert JSON
    assert not list(reference_out.glob(".report*"))  # temporary folders are gone


def test_document_page_text_and_marks(reference_out: Path) -> None:
    html = (reference_out / "report" / "docs" / safe_name(FUSED_DOC)).read_text(encoding="utf-8")
    findings = pl.read_parquet(reference_out / "findings.parquet").filter(pl.col("doc_id") == FUSED_DOC)
    article = re.search(r'<article id="text"[^>]*>(.*?)</article>', html, re.S).group(1)
    plain = html_lib.unescape(re.sub(r"<[^>]+>", "", article))
    text = pl.read_parquet(reference_out / "documents.parquet").filter(pl.col("doc_id") == FUSED_DOC)["text"][0]
    assert plain == text  # the page shows exactly the audited text, nothing added or lost
    for fid in findings["finding_id"]:
        assert html.count(f'id="f-{fid}"') == 1
        assert html.count(f'data-finding-id="{fid}"') == 1
    assert re.search(r'<mark class="finding cat-merged_word sev-\w+[^"]*" data-finding-ids="[0-9a-f ]+"'
                     r'[^>]*>Putinsigned</mark>', html)
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', html, re.S).group(1))
    assert data["doc_id"] == FUSED_DOC and len(data["findings"]) == findings.height
    assert data["doc_hash"] == findings["doc_hash"][0]


def test_roundtrip_section_marks_lost_words(reference_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    for name in ("documents.parquet", "findings.parquet", "run.json"):
        (out / name).write_bytes((reference_out / name).read_bytes())
    text = pl.read_parquet(out / "documents.parquet").filter(pl.col("doc_id") == FUSED_DOC)["text"][0]
    sentence = "They also agreed to work on a plan to open a nuclear science and technology center in Vietnam."
    start = text.index(sentence)
    rows = [{"doc_id": FUSED_DOC, "start": start, "end": start + len(sentence), "text": sentence,
             "pivot_text": "...", "backtranslation": "They also agreed to work on a plan to open a science "
             "and technology center in Vietnam.", "chrf": 88.0, "mode": "roundtrip", "z": -0.5},
            {"doc_id": FUSED_DOC, "start": 0, "end": 5, "text": "After", "skipped": "short"}]
    pl.DataFrame([{k: r.get(k) for k in SEGMENT_SCHEMA} for r in rows], schema=SEGMENT_SCHEMA,
                 orient="row").write_ndjson(out / "segments.jsonl")
    render_report(out)
    html = (out / "report" / "docs" / safe_name(FUSED_DOC)).read_text(encoding="utf-8")
    section = re.search(r'<section id="roundtrip">(.*?)</section>', html, re.S).group(1)
    assert section.count('<div class="segment') == 1  # the skipped one is not shown
    assert re.findall(r'<del class="lost">(\w+)</del>', section) == ["nuclear"]
    assert "88" in section
    other = (out / "report" / "docs" / safe_name("004_05a299c7077f15d7.txt")).read_text(encoding="utf-8")
    assert 'id="roundtrip"' not in other


def test_index_lists_documents_with_counts(reference_out: Path) -> None:
    html = (reference_out / "report" / "index.html").read_text(encoding="utf-8")
    docs = pl.read_parquet(reference_out / "documents.parquet")
    for doc_id, quality in docs.select("doc_id", "quality").iter_rows():
        assert f'data-doc-id="{doc_id}"' in html
        assert f'href="docs/{safe_name(doc_id)}"' in html
        assert f">{quality:.1f}</td>" in html
    n_findings = pl.read_parquet(reference_out / "findings.parquet").height
    summary = re.search(r'<section id="summary".*?</section>', html, re.S).group(0)
    assert f'<span class="big">{n_findings}</span><span class="lbl">findings</span>' in summary
    assert '<svg id="chart-quality"' in html and '<svg id="chart-categories"' in html
    assert "+ca" in html  # the Catalan image description shows up as a language hint


def test_rerender_replaces_the_report_atomically(reference_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    for name in ("documents.parquet", "findings.parquet", "run.json"):
        (out / name).write_bytes((reference_out / name).read_bytes())
    render_report(out)
    stale = out / "report" / "docs" / "stale.html"
    stale.write_text("old", encoding="utf-8")
    (out / "findings.parquet").write_bytes(b"not parquet")  # a render that fails midway
    with pytest.raises(Exception):  # noqa: B017 - polars' error type is not the point
        render_report(out)
    assert stale.is_file() and (out / "report" / "index.html").is_file()  # the good report is kept
    assert not list(out.glob(".report*"))
    (out / "findings.parquet").write_bytes((reference_out / "findings.parquet").read_bytes())
    render_report(out)
    assert not stale.exists()  # a fresh render does not keep pages of documents that are gone


def test_cli_report_and_no_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(REFERENCE_CORPUS / FUSED_DOC), "--out", str(out), "--quiet", "--no-report"]) == 0
    assert not (out / "report").exists()
    assert main(["report", str(out)]) == 0
    assert (out / "report" / "index.html").is_file()
    assert capsys.readouterr().out.strip().endswith("index.html")
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "no finished run" in capsys.readouterr().err


def test_story_view_and_other_sources_panels(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    out = tmp_path / "run"
    audit.run(ROOT / "tests" / "fixtures" / "stories", out=out, report=True)
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    stories = re.search(r'<section id="stories".*?</section>', index, re.S).group(0)
    assert stories.count("<tr data-story=") == 3  # the two unrelated articles are not stories of several
    assert 'href="docs/' + safe_name("a3.txt") + '"' in stories
    page = (out / "report" / "docs" / safe_name("a3.txt")).read_text(encoding="utf-8")
    panels = re.findall(r'<details class="source-panel( diverges)?"[^>]*>(.*?)</details>', page, re.S)
    assert panels and sum(1 for d, _ in panels if d) == 1  # exactly the sentence with the planted number
    body = next(b for d, b in panels if d)
    assert "At least 41 workers" in body and "At least 14 workers" in body
    assert 'href="' + safe_name("a1.txt") + '"' in body


def test_main_language_of_plain_target_prose_needs_no_ngram_identification(
        monkeypatch: pytest.MonkeyPatch) -> None:
    english = ("The minister said on Monday that the talks with the unions would resume in the spring, "
               "and that the government had no plans to change the pension age before the election.")
    catalan = ("El president rus va arribar dijous a Hanoi per a una visita d'Estat de dos dies, en la qual "
               "va signar una desena d'acords amb les autoritats vietnamites.")
    passage = [{"category": "untranslated", "text": catalan}]
    assert render._language_hints(english + "\n\n" + catalan, passage, "en") == "en +ca"
    assert render._language_hints(catalan, [], "en") == "ca"  # not the target: identified

    def unused(text: str) -> None:
        raise AssertionError("langdetect called on plain target-language prose")

    monkeypatch.setattr(render, "detect_language", unused)
    assert render._language_hints(english, [], "en") == "en"
    assert not render._reads_as(catalan, "en")
    assert not render._reads_as("The talks resume.", "en")  # too short to tell by function words


def test_aligned_rows_come_per_document_in_file_order_across_batches(tmp_path: Path) -> None:
    rows = [("b", 0, 10, "a", 5, 15, 0.5, "s1"), ("a", 0, 12, "b", 0, 10, 0.9, "s1"),
            ("b", 20, 30, "a", 40, 50, 0.7, "s1"), ("a", 0, 12, "x", 3, 9, 0.4, "s2"),
            ("b", 20, 30, "c", 1, 2, 0.6, "s1")]
    path = tmp_path / "alignments.parquet"
    pl.DataFrame(rows, orient="row", schema=["doc_id", "start", "end", "other_doc_id", "other_start",
                                             "other_end", "score", "story"]).write_parquet(path)
    aligned = render._Aligned(path, ["a", "b", "c"], batch=2)
    assert aligned.names == ["a", "b", "c", "x"]  # an id the documents table lacks comes last
    assert aligned.rows(0) == [(0, 12, 1, 0, 10, 0.9), (0, 12, 3, 3, 9, 0.4)]
    assert aligned.rows(1) == [(0, 10, 0, 5, 15, 0.5), (20, 30, 0, 40, 50, 0.7), (20, 30, 2, 1, 2, 0.6)]
    assert aligned.rows(2) == []
    texts = pl.Series(["A" * 60, "Sentence one. " + "x" * 6 + "Sentence two.", "cc"])
    sources = render._sources(1, aligned, texts, [])
    assert [(s["start"], [o["doc_id"] for o in s["others"]]) for s in sources] == [(0, ["a"]), (20, ["a", "c"])]
    assert sources[1]["others"][1]["text"] == "c"
