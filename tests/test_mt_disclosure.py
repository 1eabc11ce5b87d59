from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_detector


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Body text.\nThis article has been automatically translated,\nread the original article here.",
         "This article has been automatically translated,"),
        ("Body.\nThis story was machine translated from Spanish.", "This story was machine translated from Spanish."),
        ("Cuerpo.\nEste artículo fue traducido automáticamente.", "Este artículo fue traducido automáticamente."),
        ("Texte.\nCet article a été traduit automatiquement.", "Cet article a été traduit automatiquement."),
        ("Text.\nDieser Artikel wurde automatisch übersetzt.", "Dieser Artikel wurde automatisch übersetzt."),
    ],
)
def test_disclosures_found(text: str, span: str) -> None:
    assert span in [f.text for f in run_detector("mt_disclosure", text)]


@pytest.mark.parametrize(
    "text",
    [
        "The novel was translated into 40 languages and sold millions of copies.",
        "Machine translation systems have improved rapidly over the past decade, researchers at the "
        "university said in a long report that examined dozens of commercial engines and the ways "
        "newsrooms deploy them to publish stories in languages their reporters do not speak at all.",
    ],
)
def test_prose_about_translation_is_not_a_notice(text: str) -> None:
    assert run_detector("mt_disclosure", text) == []


_PIECES = ["This article was", "automatically", "machine", "translated", "Translated by DeepL", "traducción automática",
           "Read the original article", " ", "  ", "\n", "\n\n", "\t", "\u2028", "\x85", "-", "x", "über",
           "Maschinell übersetzt", "words " * 45]
_OWN_PATTERNS = [None, r"^translated\b", r"translated\s+by", r" machine translated ", r"(?m)^read", r"[^a]translated",
                 r"machine(?= translated)", r"\btranslated by"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join) | st.text(max_size=80),
       st.sampled_from(_OWN_PATTERNS))
def test_one_search_finds_what_a_search_per_line_finds(text: str, own: str | None) -> None:
    """The definition the whole-text search keeps: each short line's own first match, whatever the
    patterns (anchored, lookaround or line-break ones are searched line by line)."""
    import regex

    from audit.corpus import CorpusIndex
    from audit.detectors.mt_disclosure import MTDisclosureDetector
    from audit.records import Document
    from audit.text import lines

    det = MTDisclosureDetector()
    if own is not None:
        det.__dict__["pattern"] = regex.compile(own, regex.IGNORECASE)
    assert det.line_safe == (own in (None, r" machine translated ", r"\btranslated by"))
    want = []
    for line in lines(text):
        m = det.pattern.search(line.text)
        if m and len(line.text.split()) <= det.max_line_words:
            want.append((line.start, line.end, m.group()))
    got = [(f.start, f.end, f.message.split("'")[1]) for f in det.detect(Document("d", text), CorpusIndex())]
    assert got == want
