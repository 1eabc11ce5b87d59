from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.text import (
    distinct_words,
    lines,
    normalise_for_match,
    paragraphs,
    sentences,
    word_matches,
    word_texts,
    words,
)

TEXT = ("  Dr. Smith met U.S. officials in Hanoi.  He said “yes.” Then he left!\n\n"
        "Second paragraph, line one\nline two.\n")


@pytest.mark.parametrize("unit", [lines, paragraphs, sentences, words])
def test_every_span_is_an_exact_slice(unit) -> None:
    for span in unit(TEXT):
        assert TEXT[span.start : span.end] == span.text
        assert span.text == span.text.strip()


def test_sentences_respect_abbreviations() -> None:
    got = [s.text for s in sentences(TEXT)]
    assert got[0] == "Dr. Smith met U.S. officials in Hanoi."
    assert got[1] == "He said “yes.”"
    assert got[2] == "Then he left!"


def test_paragraphs_keep_single_newlines() -> None:
    assert [p.text for p in paragraphs(TEXT)][1] == "Second paragraph, line one\nline two."


def test_words_keep_inner_hyphens_and_apostrophes() -> None:
    assert [w.text for w in words("Kim Jong-un's state-run media")] == [
        "Kim", "Jong-un's", "state-run", "media"]


def test_normalise_for_match_ignores_quote_style_and_case() -> None:
    assert normalise_for_match('Russia has "right"') == normalise_for_match("russia  has “right”")


@pytest.mark.parametrize("text", [TEXT, "Kim Jong-un's state-run media", TEXT * 40, "", "١٢٣ Ünïcödé naïve"])
def test_word_texts_and_matches_agree_with_words(text) -> None:
    """The offset-free twins used on hot paths must tokenise exactly as `words` does (long
    texts, past the cache's 2,000 characters, included)."""
    spans = words(text)
    assert word_texts(text) == tuple(w.text for w in spans)
    assert [(m.start(), m.end(), m.group()) for m in word_matches(text)] == [
        (w.start, w.end, w.text) for w in spans]
    assert distinct_words(text) == {w.text for w in spans}


def test_cached_segmentations_hand_out_fresh_lists() -> None:
    """lines/sentences/paragraphs are cached per text; a caller mutating its list must not
    change what the next caller gets."""
    for unit in (lines, paragraphs, sentences):
        first = unit(TEXT)
        first.clear()
        assert unit(TEXT)


# The sentence-break pattern as first written: a lookbehind for the mark at every space.
_LOOKBEHIND_SENT_END = regex.compile(r"(?<=[.!?…][\"'”’»)\]]*)\s+(?=[\"'“‘«(\[]?[\p{Lu}\p{N}])|\n+")
_BREAK_PIECES = [".", "!", "?", "…", '"', "'", "”", "’", "»", ")", "]", "“", "‘", "«", "(", "[", " ", "  ", "\n",
                 "\n\n", "\t", "\u00a0", "\u2028", "A", "b", "É", "7", "Dr", "U.S.", "\u0301"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_BREAK_PIECES), max_size=40).map("".join))
def test_sentence_breaks_are_those_the_lookbehind_pattern_finds(text: str) -> None:
    """Matching the mark instead of looking behind for it breaks at the same spaces."""
    from audit.text import _SENT_END_RE

    found = [m.span(1) if m.group(1) is not None else m.span(2) for m in _SENT_END_RE.finditer(text)]
    assert found == [m.span() for m in _LOOKBEHIND_SENT_END.finditer(text)]
