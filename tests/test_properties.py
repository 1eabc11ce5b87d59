"""Property-based tests on hostile text: loaders, segmenter, detectors, pipeline, corroboration,
report highlighting and repair must not crash, and every offset they give must slice the document.

Texts mix real news lines and words (so the detectors actually fire) with combining marks, RTL
scripts and controls, zero-width characters, NUL, odd newlines and arbitrary Unicode.
"""

from __future__ import annotations

import codecs
import gc
import json
import os
import random
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest
import regex
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from audit import Config, audit_documents
from audit.corpus import CorpusIndex
from audit.corroborate import corroborate
from audit.detectors import DETECTORS
from audit.loaders import decode_bytes, iter_documents
from audit.records import Document
from audit.repair import Edit, plan_edits, repaired_text
from audit.report.highlight import Span as HSpan
from audit.report.highlight import lost_words, pieces
from audit.text import WORD_RE, Span, lines, paragraphs, sentences, words
from tests.conftest import REFERENCE_CORPUS, run_detector

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FEW = settings(SETTINGS, max_examples=25)

ARTICLES = [p.read_text(encoding="utf-8") for p in sorted(REFERENCE_CORPUS.glob("*.txt"))]
NEWS_LINES = sorted({ln.strip() for a in ARTICLES for ln in a.split("\n") if ln.strip()})
NEWS_WORDS = sorted({w for a in ARTICLES for w in a.split()})

# Characters that break naive text handling; each is a separate sample so they also land mid-word.
HOSTILE = [
    "\u0301", "e\u0301", "a\u0308\u0323", "\u0336", "\u20dd",  # combining marks, alone and stacked
    "مرحبا بالعالم", "שָׁלוֹם", "\u200e", "\u200f", "\u202e", "\u2066", "\u2069", "\u061c",  # RTL, bidi
    "\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad",  # zero-width / invisible
    "\x00", "\x07", "\x1b", "\x1c", "\x7f", "\x85",  # NUL and controls
    "\r\n", "\r", "\n", "\n\n", "\u2028", "\u2029", "\x0b", "\x0c", "\t",  # newline variants
    "\xa0", "\u3000", "\u2009", "\u202f",  # other spaces
    "👍🏽", "🇵🇹", "👨‍👩‍👧", "𝔘𝔫𝔦", "ﬁ", "İ", "ß", "Ⅻ", "ǅ", "\U000e0041",
    ".", ". ", "! ", "? ", "…", "“", "”", "„", "«", "»", "‘", "’", "'", "\"", "(", ")", "[", "]",
    "-", "–", "—", "/", "|", ":", ";", ",",
    "Mr.", "U.S.", "A.", "Dr. ", "e.g.", ".-", "(AP Photo/Minh Hoang)", "Photo: AFP", "REUTERS/John Smith",
    "Â€™", "Ã©", "â€œ", "\ufffd", "http://example.com/a?b=c", "@user", "#tag", "1,000", "2024", "3.5%",
    "HomeWorldAsia", "Putinsigned", "Translated by Google", "Read more", "Share this article",
]
SEPARATORS = [" ", " ", " ", "", "\n", "\n\n", "\r\n", "\u2028", "\u200b", ". ", ", "]

hostile_piece = st.sampled_from(HOSTILE)
news_word = st.sampled_from(NEWS_WORDS)


@st.composite
def salad(draw: st.DrawFn) -> str:
    """Real news words glued with hostile pieces and arbitrary Unicode."""
    piece = st.one_of(news_word, news_word, hostile_piece, st.sampled_from(NEWS_LINES), st.text(max_size=12))
    items = draw(st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), max_size=50))
    return "".join(a + b for a, b in items)


@st.composite
def mutated_article(draw: st.DrawFn) -> str:
    """A run of lines of a reference article with hostile pieces inserted at random points."""
    base = draw(st.sampled_from(ARTICLES)).split("\n")
    i = draw(st.integers(0, len(base) - 1))
    text = "\n".join(base[i : i + draw(st.integers(1, 14))])
    for _ in range(draw(st.integers(0, 10))):
        pos = draw(st.integers(0, len(text)))
        text = text[:pos] + draw(st.one_of(hostile_piece, st.text(max_size=4))) + text[pos:]
    return text


hostile_text = st.one_of(mutated_article(), salad(), st.text(max_size=300))
# The segmenter takes any Python string, lone surrogates included.
any_string = st.one_of(hostile_text, st.text(st.characters(codec=None), max_size=200),
                       st.lists(st.sampled_from([*HOSTILE, "\ud800", "\udfff", "A", "b", " "]), max_size=60)
                       .map("".join))


def newline_normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_spans(text: str, spans: list[Span] | tuple[Span, ...]) -> None:
    """Valid slices, in order, not overlapping, trimmed."""
    prev_end = 0
    for s in spans:
        assert 0 <= prev_end <= s.start < s.end <= len(text), (s, prev_end, len(text))
        assert text[s.start : s.end] == s.text
        prev_end = s.end


def uncovered(text: str, spans: list[Span]) -> str:
    covered = bytearray(len(text))
    for s in spans:
        covered[s.start : s.end] = b"\x01" * (s.end - s.start)
    return "".join(c for c, k in zip(text, covered, strict=True) if not k)


# ------------------------------------------------------------------------------------- segmenter


@SETTINGS
@given(any_string)
def test_words_are_valid_ordered_word_tokens(text: str) -> None:
    toks = words(text)
    check_spans(text, toks)
    for t in toks:
        assert WORD_RE.fullmatch(t.text)
    assert [(t.start, t.end) for t in toks] == [m.span() for m in WORD_RE.finditer(text)]
    # the cached (short) and uncached (long) paths agree
    padded = text + " " * 2001
    assert words(padded) == toks


@SETTINGS
@given(any_string)
def test_lines_cover_all_non_space_text_and_hold_no_newline(text: str) -> None:
    spans = lines(text)
    check_spans(text, spans)
    for s in spans:
        assert "\n" not in s.text and s.text == s.text.strip()
    assert not uncovered(text, spans).strip()


@SETTINGS
@given(any_string)
def test_paragraphs_split_exactly_at_blank_lines(text: str) -> None:
    spans = paragraphs(text)
    check_spans(text, spans)
    assert not uncovered(text, spans).strip()
    blank_line = regex.compile(r"\n[^\S\n]*\n")
    for s in spans:
        assert s.text == s.text.strip() and not blank_line.search(s.text)
    for a, b in pairwise(spans):
        gap = text[a.end : b.start]
        assert not gap.strip() and gap.count("\n") >= 2, repr(gap)


@SETTINGS
@given(any_string, st.sampled_from(["en", "de", "es"]))
def test_sentences_are_trimmed_slices_covering_the_text(text: str, lang: str) -> None:
    spans = sentences(text, lang)
    check_spans(text, spans)
    assert not uncovered(text, spans).strip()
    for s in spans:
        assert s.text == s.text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "A. " * 40_000,  # initials: the abbreviation check re-split the whole run each time
        "Mr. " * 40_000,
        " \n" * 200_000,  # space-only lines: the blank-line lookahead ran to the end of the run
        "word\n\t\n" * 100_000,
        "x." + "\u200b" * 100_000 + " Y",
        "“" * 100_000 + ". " + "»" * 100_000 + " A",
    ],
    ids=["initials", "abbreviations", "space-lines", "tab-lines", "zero-width", "quote-runs"],
)
def test_segmenter_is_linear_on_pathological_runs(text: str) -> None:
    clock = time.perf_counter()
    for fn in (words, lines, paragraphs, sentences):
        check_spans(text, fn(text))
    assert time.perf_counter() - clock < 10, "segmentation took quadratic time"


# --------------------------------------------------------------------------------------- loaders


def _read_one(path: Path, max_bytes: int = 5_000_000) -> Document:
    docs = list(iter_documents([path.parent], max_bytes))
    assert [d.doc_id for d in docs] == [path.name]
    return docs[0]


def check_document(doc: Document) -> None:
    if doc.error:
        assert doc.text == "" and doc.error.strip()
    else:
        assert doc.text.strip() and "\r" not in doc.text


@SETTINGS
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".md", ".html"]),
       bom=st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                            codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE]))
def test_arbitrary_bytes_give_one_document_or_an_error(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                                                        suffix: str, bom: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"doc{suffix}"
    path.write_bytes(bom + data)
    check_document(_read_one(path))


@SETTINGS
@given(text=hostile_text.filter(lambda t: "\x00" not in t),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]))
def test_unicode_files_round_trip(tmp_path_factory: pytest.TempPathFactory, text: str, encoding: str) -> None:
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # without a BOM only UTF-8 is decodable by rule
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    path = tmp_path_factory.mktemp("uni") / "doc.txt"
    path.write_bytes(data)
    doc = _read_one(path)
    check_document(doc)
    expected = newline_normalised(text)
    if encoding == "utf-8" and expected.startswith("\ufeff"):
        expected = expected[1:]  # a leading U+FEFF in UTF-8 *is* the BOM
    controls = sum(1 for c in text.encode("utf-8") if c < 32 and c not in (9, 10, 12, 13))
    if encoding == "utf-8" and controls / max(1, len(text.encode("utf-8"))) > 0.05:
        assert doc.error and "binary" in doc.error
    elif not expected.strip():
        assert doc.error == "empty document"
    elif encoding == "utf-16" and text.startswith("\x00"):
        pass  # FF FE 00 00 is the UTF-32 BOM: ambiguous by nature, an error row is fine
    else:
        assert doc.error is None and doc.text == expected


@SETTINGS
@given(before=st.text(max_size=50), after=st.text(max_size=50),
       lone=st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"]), endian=st.sampled_from(["le", "be"]))
def test_utf16_with_lone_surrogate_is_an_error_row(tmp_path_factory: pytest.TempPathFactory, before: str,
                                                   after: str, lone: str, endian: str) -> None:
    raw = (before + lone + after).encode(f"utf-16-{endian}", "surrogatepass")
    bom = codecs.BOM_UTF16_LE if endian == "le" else codecs.BOM_UTF16_BE
    assume(not (endian == "le" and raw.startswith(b"\x00\x00")))  # would read as a UTF-32 BOM
    path = tmp_path_factory.mktemp("sur") / "doc.txt"
    path.write_bytes(bom + raw)
    doc = _read_one(path)
    # a lone high surrogate right before a low one pairs up: only truly lone ones must fail
    try:
        (before + lone + after).encode("utf-16", "strict")
    except UnicodeEncodeError:
        assert doc.error and "invalid utf-16" in doc.error, doc


@SETTINGS
@given(st.binary(max_size=3000))
def test_decode_bytes_returns_text_or_value_error(data: bytes) -> None:
    try:
        text, encoding = decode_bytes(data)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(text, str) and encoding and "\r" not in text


@SETTINGS
@given(st.text(st.characters(codec="utf-8"), max_size=3000))
def test_html_of_arbitrary_text_never_crashes(tmp_path_factory: pytest.TempPathFactory, body: str) -> None:
    path = tmp_path_factory.mktemp("html") / "page.html"
    path.write_text(f"<html><body><article><p>{body}</p><div>{body[::-1]}</div></article></body></html>",
                    encoding="utf-8")
    check_document(_read_one(path))


table_rows = st.lists(st.tuples(st.text(min_size=1, max_size=10).filter(str.strip), hostile_text),
                      min_size=1, max_size=6, unique_by=lambda r: r[0])


@SETTINGS
@given(rows=table_rows, fmt=st.sampled_from(["jsonl", "csv", "parquet", "md"]))
def test_tables_keep_every_row_and_its_text(tmp_path_factory: pytest.TempPathFactory,
                                             rows: list[tuple[str, str]], fmt: str) -> None:
    folder = tmp_path_factory.mktemp("tab")
    if fmt == "md":  # a markdown file per row, in a folder
        for i, (_, text) in enumerate(rows):
            (folder / f"{i:02d}.md").write_bytes(text.encode("utf-8"))
        docs = list(iter_documents([folder]))
        ids = [f"{i:02d}.md" for i in range(len(rows))]
    else:
        path = folder / f"corpus.{fmt}"
        frame = pl.DataFrame({"id": [r[0] for r in rows], "text": [r[1] for r in rows]})
        if fmt == "jsonl":
            path.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in rows) + "\n", encoding="utf-8")
        elif fmt == "csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
        docs = list(iter_documents([path]))
        ids = [r[0] for r in rows]
    assert [d.doc_id for d in docs] == ids
    for doc, (_, text) in zip(docs, rows, strict=True):
        check_document(doc)
        if fmt == "md":
            continue  # decoded by the binary/encoding rules, covered above
        if newline_normalised(text).strip():
            assert doc.error is None and doc.text == newline_normalised(text)
        else:
            assert doc.error == "empty document"


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["a.txt", "b.md", "A.txt", "a.TXT", "sub/a.txt"]), hostile_text),
                max_size=5))
def test_repeated_corpus_paths_get_unique_ids(tmp_path_factory: pytest.TempPathFactory,
                                              files: list[tuple[str, str]]) -> None:
    folder = tmp_path_factory.mktemp("ids")
    for name, text in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8", newline="")
    docs = list(iter_documents([folder, folder, folder / "sub" if (folder / "sub").exists() else folder]))
    ids = [d.doc_id for d in docs]
    assert len(ids) == len(set(ids))
    for d in docs:
        check_document(d)


file_name = st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\x00" not in b)


@SETTINGS
@given(st.lists(file_name, min_size=1, max_size=5, unique=True))
def test_file_names_of_any_bytes_give_unique_encodable_ids(tmp_path_factory: pytest.TempPathFactory,
                                                           names: list[bytes]) -> None:
    folder = tmp_path_factory.mktemp("names")
    for name in names:
        with open(os.path.join(os.fsencode(folder), name + b".txt"), "wb") as fh:
            fh.write(b"Putin arrived in Hanoi on Thursday.")
    docs = list(iter_documents([folder]))
    ids = [d.doc_id for d in docs]
    assert len(ids) == len(names) == len(set(ids))
    for d in docs:
        d.doc_id.encode("utf-8")  # no lone surrogates: every output format must be able to hold it
        assert d.error is None


# ------------------------------------------------------------------------------------- detectors


corpus_texts = st.lists(hostile_text, min_size=1, max_size=4)


@FEW
@pytest.mark.parametrize("name", list(DETECTORS))
@given(texts=corpus_texts, lang=st.sampled_from(["en", "en", "de", "es"]))
def test_detectors_give_valid_spans_on_hostile_text(name: str, texts: list[str], lang: str) -> None:
    # duplicate the first text so corpus-level evidence (repeated lines, majority spellings) exists
    findings = run_detector(name, [*texts, texts[0]], lang=lang)  # asserts text == doc[start:end]
    by_id = {f"d{i}": t for i, t in enumerate([*texts, texts[0]])}
    for f in findings:
        assert 0 <= f.start < f.end <= len(by_id[f.doc_id])


def test_detectors_fire_on_the_mixed_news_text() -> None:
    """The strategies are worth something only if detectors actually find things in them."""
    rng = random.Random(7)
    texts = []
    for art in ARTICLES:
        parts = art.split(" ")
        for _ in range(30):
            k = rng.randrange(len(parts))
            parts[k] = parts[k] + rng.choice(["\u200b", "\u0301", "", "Â€™"]) + rng.choice(NEWS_WORDS)
        texts.append(" ".join(parts))
    fired = {name for name in DETECTORS if run_detector(name, texts)}
    assert {"merged_word", "boilerplate", "duplicate", "entity"} <= fired, fired


# -------------------------------------------------------------------- pipeline and corroboration


@FEW
@given(texts=st.lists(hostile_text, min_size=1, max_size=5), error_at=st.integers(-1, 4))
def test_audit_documents_keeps_every_document_and_valid_offsets(texts: list[str], error_at: int) -> None:
    docs = [Document(f"d{i}", t, error="unreadable" if i == error_at else None) for i, t in enumerate(texts)]
    docs = [Document(d.doc_id, "", error=d.error) if d.error else d for d in docs]
    result = audit_documents(docs, Config())
    assert result.documents["doc_id"].to_list() == [d.doc_id for d in docs]
    errors = dict(zip(result.documents["doc_id"], result.documents["error"], strict=True))
    for d in docs:
        if d.error:
            assert errors[d.doc_id] == d.error
        else:  # a detector that crashed leaves "partial audit; detector X failed"
            assert errors[d.doc_id] is None, errors[d.doc_id]
    by_id = {d.doc_id: d.text for d in docs}
    for row in result.findings.iter_rows(named=True):
        assert by_id[row["doc_id"]][row["start"] : row["end"]] == row["text"]


@FEW
@given(texts=st.lists(mutated_article(), min_size=2, max_size=5))
def test_corroborate_offsets_slice_their_documents(texts: list[str]) -> None:
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    by_id = {d.doc_id: d.text for d in docs}
    out = corroborate(docs, Config(), CorpusIndex.build(docs))
    assert set(out.stories) == {d.doc_id for d in docs if d.text.strip()}
    for f in out.findings:
        assert by_id[f.doc_id][f.start : f.end] == f.text
    for row in out.alignment_frame().iter_rows(named=True):
        for doc, a, b in ((row["doc_id"], row["start"], row["end"]),
                          (row["other_doc_id"], row["other_start"], row["other_end"])):
            assert 0 <= a < b <= len(by_id[doc]) and by_id[doc][a:b].strip() == by_id[doc][a:b]


# ------------------------------------------------------------------------------ report and repair


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[HSpan]]:
    text = draw(any_string)
    n = len(text)
    cats = st.sampled_from(["merged_word", "caption", "entity"])
    sevs = st.sampled_from(["info", "minor", "major", "critical"])
    spans = []
    for i in range(draw(st.integers(0, 8))):
        a = draw(st.integers(-2, n + 2))
        b = draw(st.integers(-2, n + 2))
        spans.append(HSpan(f"f{i}", a, b, draw(cats), draw(sevs)))
    return text, spans


@SETTINGS
@given(text_and_spans())
def test_highlight_pieces_concatenate_to_the_text(case: tuple[str, list[HSpan]]) -> None:
    text, spans = case
    out = pieces(text, spans)
    assert "".join(p.text for p in out) == text
    valid = {s.finding_id for s in spans if 0 <= s.start <= s.end <= len(text)}
    anchored = [a for p in out for a in p.anchors]
    assert sorted(anchored) == sorted(valid)  # every valid finding gets exactly one anchor
    pos = 0
    for p in out:
        if p.insertion:
            assert p.text == ""
        for s in p.spans:  # a piece lies inside every span it claims
            assert s.start <= pos and pos + len(p.text) <= s.end
        pos += len(p.text)


@SETTINGS
@given(any_string, any_string)
def test_lost_words_concatenate_to_the_sentence(sentence: str, back: str) -> None:
    assert "".join(chunk for chunk, _ in lost_words(sentence, back)) == sentence


@st.composite
def text_and_edits(draw: st.DrawFn, deletions: bool = True) -> tuple[str, list[tuple[int, int, str]]]:
    text = draw(hostile_text)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        rep = draw(st.one_of(st.just(""), st.sampled_from(["", " ", "X", "\n", "said"]), st.text(max_size=5)))
        if not deletions and not rep:
            rep = "Z"
        if a == b and edits and edits[-1][:2] == (a, a):
            continue  # two insertions at one point have no order: repair skips the second
        edits.append((a, b, rep))
    return text, edits


@SETTINGS
@given(text_and_edits())
def test_repair_plans_valid_edits_without_crashing(case: tuple[str, list[tuple[int, int, str]]]) -> None:
    text, edits = case
    plan = plan_edits(text, edits)
    prev = 0
    for s, e, _ in plan:
        assert prev <= s <= e <= len(text)
        prev = e
    out = repaired_text(text, [Edit(f"f{i}", s, e, text[s:e], r) for i, (s, e, r) in enumerate(edits)])
    assert isinstance(out, str)
    if not [x for x in edits if x[0] != x[1] or x[2]]:
        assert out == text


@SETTINGS
@given(text_and_edits(deletions=False))
def test_repair_replacements_are_applied_verbatim(case: tuple[str, list[tuple[int, int, str]]]) -> None:
    text, edits = case
    expected, pos = [], 0
    for s, e, rep in edits:
        expected += [text[pos:s], rep]
        pos = e
    expected.append(text[pos:])
    out = repaired_text(text, [Edit(f"f{i}", s, e, text[s:e], r) for i, (s, e, r) in enumerate(edits)])
    assert out == "".join(expected)


# ------------------------------------------------------------------------------ huge single line


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: quadratic code on a long line runs for hours, not seconds."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    # An alarm that lands in a gc callback is swallowed there: no collections meanwhile, and the
    # alarm re-fires every second anyway.
    gc.disable()
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        gc.enable()


def _one_line(n_bytes: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    out, size = [], 0
    while size < n_bytes:
        w = rng.choice(NEWS_WORDS)
        out.append(w)
        size += len(w.encode("utf-8")) + 1
    return " ".join(out)


def test_ten_megabyte_single_line_is_loaded_and_audited(tmp_path: Path) -> None:
    text = _one_line(10_000_000)
    assert "\n" not in text
    path = tmp_path / "line.txt"
    path.write_text(text, encoding="utf-8")
    [too_big] = iter_documents([path])
    assert too_big.error and "max_bytes" in too_big.error  # the default limit is 5 MB
    [doc] = iter_documents([path], max_bytes=20_000_000)
    assert doc.error is None and doc.text == text
    with time_limit(600):
        result = audit_documents([doc], Config(max_bytes=20_000_000),
                                 detectors=list(DETECTORS))
    [row] = result.documents.iter_rows(named=True)
    assert row["error"] is None and row["words"] > 1_000_000
    for f in result.findings.iter_rows(named=True):
        assert text[f["start"] : f["end"]] == f["text"]


def test_caption_is_not_quadratic_in_fusion_points() -> None:
    text = "Word.Next " * 20_000  # 200 KB, 20,000 fusion points, no credit
    with time_limit(10):
        assert run_detector("caption", text) == []


def test_calque_is_not_quadratic_in_misused_quotes() -> None:
    text = "He said “yes“ and left " * 20_000  # 460 KB, one paragraph, 20,000 misused openers
    with time_limit(10):
        found = run_detector("calque", text)
    assert len(found) == 20_000
