"""The HTML report in a real browser: Debian's headless Chromium driven by Playwright.

Skipped where no Chromium is installed (CI installs it: see .ci/run). Screenshots of the index
and of a document page are saved under reports/screenshots/ for a human to look at.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import audit
from audit.cli import main
from audit.report import safe_name
from tests.conftest import REFERENCE_CORPUS, ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")
SCREENSHOTS = ROOT / "reports" / "screenshots"
FUSED_DOC = "001_dc8a611bddc792d5.txt"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, tmp_path: Path):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    pg = context.new_page()
    pg.problems = []  # console errors, CSP violations, uncaught exceptions, dialogs
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"pageerror: {e}"))
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield pg
    context.close()


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    audit.run(REFERENCE_CORPUS, out=out, report=True)
    return out


def doc_page(out: Path, doc_id: str) -> str:
    return (out / "report" / "docs" / safe_name(doc_id)).as_uri()


def test_index_lists_every_document_and_sorts_by_quality(page, reference_report: Path) -> None:
    page.goto((reference_report / "report" / "index.html").as_uri())
    rows = page.locator("table#documents tbody tr")
    assert rows.count() == 5
    assert page.locator("svg#chart-quality").count() == 1 and page.locator("svg#chart-categories").count() == 1
    page.click('th[data-sort="quality"]')
    first = [float(t) for t in page.locator("table#documents tbody tr td.quality").all_inner_texts()]
    assert first == sorted(first) or first == sorted(first, reverse=True)
    page.click('th[data-sort="quality"]')
    second = [float(t) for t in page.locator("table#documents tbody tr td.quality").all_inner_texts()]
    assert second == list(reversed(first)) and second != first
    page.fill("input#filter", "003_")
    visible = [r for r in page.locator("table#documents tbody tr").all() if r.is_visible()]
    assert [r.get_attribute("data-doc-id") for r in visible] == ["003_019a319f6763018d.txt"]
    page.fill("input#filter", "")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=False)
    page.locator(f'tr[data-doc-id="{FUSED_DOC}"] a.doc-link').click()
    page.wait_for_load_state()
    assert page.url.endswith(safe_name(FUSED_DOC))
    assert page.problems == []


def test_index_lays_out_one_page_of_documents_but_sorts_and_filters_them_all(
        page, reference_report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.report import render

    out = tmp_path / "run"
    shutil.copytree(reference_report, out, ignore=shutil.ignore_patterns("report"))
    monkeypatch.setattr(render, "INDEX_PAGE_ROWS", 2)  # 5 documents: pages of 2, 2 and 1
    render.render_report(out)
    page.goto((out / "report" / "index.html").as_uri())
    ids = sorted(pl.read_parquet(out / "documents.parquet")["doc_id"].to_list())

    def shown() -> list[str]:
        return [r.get_attribute("data-doc-id") for r in page.locator("table#documents tbody tr").all()
                if r.is_visible()]

    assert page.locator("table#documents tbody tr").count() == 5
    assert len(shown()) == 2 and page.inner_text("#documents-at") == "page 1 of 3 (1–2)"
    assert page.locator("#documents-prev").is_disabled()
    page.click('th[data-sort="doc_id"]')
    assert shown() == ids[:2]
    page.click('th[data-sort="doc_id"]')  # descending: the last documents come first, from all pages
    assert shown() == ids[::-1][:2]
    page.click("#documents-next")
    page.click("#documents-next")
    assert shown() == [ids[0]] and page.inner_text("#documents-at") == "page 3 of 3 (5–5)"
    assert page.locator("#documents-next").is_disabled()
    page.fill("input#filter", ids[0][:4])  # a filter starts again at its first page
    assert shown() == [ids[0]] and not page.locator("#documents-pages").is_visible()
    assert page.inner_text("#shown") == "1 of 5"
    page.fill("input#filter", "")
    assert shown() == ids[::-1][:2] and page.inner_text("#documents-at") == "page 1 of 3 (1–2)"
    assert page.problems == []


def test_document_page_highlights_and_jumps_to_a_finding(page, reference_report: Path) -> None:
    page.goto(doc_page(reference_report, FUSED_DOC))
    mark = page.locator("#text mark.finding", has_text="Putinsigned").first
    assert mark.is_visible()
    assert "cat-merged_word" in mark.get_attribute("class")
    text = page.locator("#text").inner_text()
    assert "Putinsigned" in text
    finding_id = mark.get_attribute("data-finding-ids").split()[0]
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    item = page.locator(f'li.finding-item[data-finding-id="{finding_id}"]')
    item.click()
    target = page.locator(f"#f-{finding_id}")
    page.wait_for_function(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }",
        arg=target.element_handle(), timeout=5000)
    assert "active" in (target.get_attribute("class") or "")
    assert "active" in (item.get_attribute("class") or "")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "document.png"), full_page=False)
    page.locator("body").press("n")
    page.locator("body").press("n")
    active = page.locator("li.finding-item.active")
    assert active.count() == 1 and active.get_attribute("data-finding-id") != finding_id
    page.locator("body").press("p")
    page.locator("body").press("p")
    assert page.locator("li.finding-item.active").get_attribute("data-finding-id") == finding_id
    # the other direction: clicking a highlighted span activates its entry in the side list
    lam = page.locator("#text mark.finding", has_text="Lamduring").first
    lam.click()
    lam_id = lam.get_attribute("data-finding-ids").split()[0]
    lam_item = page.locator(f'li.finding-item[data-finding-id="{lam_id}"]')
    assert "active" in lam_item.get_attribute("class")
    page.wait_for_function(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }",
        arg=lam_item.element_handle(), timeout=5000)
    assert page.problems == []


def test_accept_export_apply_round_trip(page, reference_report: Path, tmp_path: Path) -> None:
    page.goto(doc_page(reference_report, FUSED_DOC))
    finding_id = page.locator("#text mark.finding", has_text="Putinsigned").first.get_attribute(
        "data-finding-ids").split()[0]
    item = page.locator(f'li.finding-item[data-finding-id="{finding_id}"]')
    assert item.locator("input.edit").input_value() == "Putin signed"
    item.locator("button.accept").click()
    assert "accepted" in item.get_attribute("class")
    page.click("button#mark-reviewed")
    page.reload()  # decisions persist in localStorage
    item = page.locator(f'li.finding-item[data-finding-id="{finding_id}"]')
    assert "accepted" in item.get_attribute("class")
    with page.expect_download() as download:
        page.click("button#export")
    path = tmp_path / "decisions.json"
    download.value.save_as(path)
    decisions = json.loads(path.read_text(encoding="utf-8"))
    entry = decisions["documents"][FUSED_DOC]
    assert entry["reviewed"] is True
    assert any(d["finding_id"] == finding_id and d["action"] == "accept" for d in entry["decisions"])
    assert decisions["format"] == "mtaudit-decisions/1" and entry["doc_hash"]
    out = tmp_path / "repaired"
    assert main(["apply", str(path), "--corpus", str(REFERENCE_CORPUS), "--out", str(out)]) == 0
    repaired = (out / FUSED_DOC).read_text(encoding="utf-8")
    assert "Putin signed" in repaired and "Putinsigned" not in repaired
    assert "Putinsigned" in (REFERENCE_CORPUS / FUSED_DOC).read_text(encoding="utf-8")  # input untouched
    assert page.problems == []


HOSTILE = """Hostile page for the report

The council met on Tuesday.<script>window.__pwned = 1</script> Officials approved the plan.
A photo <img src=x onerror="window.__pwned = 2"> was attached to the release.
Read more at <a href="javascript:window.__pwned=3">this link</a> or javascript:alert(1) today.
The form ended here </textarea><textarea> and the article continued with the vote count.
"""


def test_hostile_text_renders_as_text_and_runs_nothing(page, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hostile<script>.txt").write_text(HOSTILE, encoding="utf-8")
    (corpus / "plain.txt").write_text((REFERENCE_CORPUS / FUSED_DOC).read_text("utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    audit.run(corpus, out=out, report=True)
    docs = pl.read_parquet(out / "documents.parquet")
    hostile_id = next(d for d in docs["doc_id"] if d.startswith("hostile"))
    for url in ((out / "report" / "index.html").as_uri(), doc_page(out, hostile_id)):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator('a[href^="javascript:"]').count() == 0
        assert page.locator("#text img, #text script, #text textarea, td img").count() == 0
        # the module's own script tags only: the asset and the inert JSON data
        scripts = page.evaluate("[...document.scripts].map(s => s.type || 'js')")
        assert scripts.count("application/json") <= 1 and len(scripts) <= 2
    text = page.locator("#text").inner_text()
    assert "<script>window.__pwned = 1</script>" in text
    assert '<img src=x onerror="window.__pwned = 2">' in text
    assert "</textarea><textarea>" in text
    assert [p for p in page.problems if "dialog" in p] == []


def test_edited_and_rejected_decisions_are_exported_as_made(page, reference_report: Path, tmp_path: Path) -> None:
    page.goto(doc_page(reference_report, FUSED_DOC))
    page.evaluate("localStorage.clear()")
    page.reload()
    lam = page.locator("#text mark.finding", has_text="Lamduring").first.get_attribute(
        "data-finding-ids").split()[0]
    item = page.locator(f'li.finding-item[data-finding-id="{lam}"]')
    item.locator("input.edit").fill("Lam, during")
    item.locator("button.accept").click()
    other = page.locator("li.finding-item").nth(0)
    other_id = other.get_attribute("data-finding-id")
    other.locator("button.reject").click()
    assert "rejected" in other.get_attribute("class")
    with page.expect_download() as download:
        page.click("button#export")
    path = tmp_path / "decisions.json"
    download.value.save_as(path)
    made = {d["finding_id"]: d for d in json.loads(path.read_text("utf-8"))["documents"][FUSED_DOC]["decisions"]}
    assert made[lam]["replacement"] == "Lam, during" and made[lam]["edited"] is True
    assert made[other_id]["action"] == "reject"
    assert json.loads(path.read_text("utf-8"))["documents"][FUSED_DOC]["reviewed"] is False
    # the index shows which documents have decisions
    page.goto((reference_report / "report" / "index.html").as_uri())
    cell = page.locator(f'tr[data-doc-id="{FUSED_DOC}"] td.reviewed')
    assert "2 decisions" in cell.inner_text()
    assert page.problems == []


def test_other_sources_panels_open_and_link(page, tmp_path: Path) -> None:
    out = tmp_path / "stories"
    audit.run(ROOT / "tests" / "fixtures" / "stories", out=out, report=True)
    page.goto((out / "report" / "index.html").as_uri())
    assert page.locator("#stories tr[data-story]").count() == 3
    page.goto(doc_page(out, "a3.txt"))
    diverging = page.locator("details.source-panel.diverges")
    assert diverging.count() == 1 and diverging.get_attribute("open") is not None
    assert diverging.locator("li", has_text="At least 14 workers").first.is_visible()
    closed = page.locator("details.source-panel:not(.diverges)").first
    assert not closed.locator("li").first.is_visible()
    closed.locator("summary").click()
    assert closed.locator("li").first.is_visible()
    closed.locator("li a").first.click()
    page.wait_for_load_state()
    assert "a3" not in page.url.rsplit("/", 1)[-1] and page.url.endswith(".html")
    assert page.problems == []
