from __future__ import annotations

from pathlib import Path

import pytest
from ftfy.badness import is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.detectors.mojibake import _signature_width, looks_bad
from tests.conftest import run_detector


def test_mojibake_found_with_fix() -> None:
    found = run_detector("mojibake", "The countryâ€™s leader met cafÃ© owners.")
    assert [(f.text, f.suggestion, f.category) for f in found] == [
        ("countryâ€™s", "country’s", "encoding"), ("cafÃ©", "café", "encoding")]


@pytest.mark.parametrize("text", [
    "The country’s leader met café owners in Köln and São Paulo.",
    "Putin arrived in Hanoi — a day after visiting Pyongyang — on “Thursday”.",
    "Inici » Vladimir Putin; Ho Chi Minh; naïve; coup d'état; 3½ hours; 20 °C",
])
def test_clean_unicode_is_not_mojibake(text: str) -> None:
    assert run_detector("mojibake", text) == []


def test_windowed_badness_search_agrees_with_ftfy() -> None:
    """`looks_bad` searches only around non-ASCII characters; it must answer as ftfy's full
    search does, on the reference articles and on mojibake at the edges of a text."""
    assert _signature_width() is not None  # the fast path is the one exercised here
    corpus = Path(__file__).resolve().parents[1] / "reference" / "corpus"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.txt"))]
    assert texts
    broken = ["CafÃ©", "donâ€™t stop", "x Ã©tÃ©", "â€œquotedâ€\x9d", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "naÃ¯ve rÃ©sumÃ©"]
    clean = ["plain ascii only", "“clean” text — fine’s", "Köln, São Paulo, Ho Chi Minh", ""]
    for text in texts + broken + clean + [t + " " + b for t in texts[:2] for b in broken]:
        assert looks_bad(text) == is_bad(text), text[:80]
    assert all(looks_bad(b) for b in broken) and not any(looks_bad(c) for c in clean)


_MOJIBAKE_ALPHABET = "abcXYZ \n.,'\"ÃâÂ€™œ©®±µ¶ºÐÑ¿¡¢£¤¥¦§¨ª«¬¯°²³´·¸¹»¼½¾×÷ƒˆ˜–—‘’‚“”„†‡•…‰‹›ßàáéíóúñçüöäαβγабв│┌▀░�"


@pytest.mark.parametrize("seed_text", ["", "Ã©", "â€", " Ð¿"])
def test_windowed_badness_search_agrees_on_arbitrary_text(seed_text: str) -> None:
    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(st.text(alphabet=_MOJIBAKE_ALPHABET, max_size=60), st.text(max_size=20))
    def check(text: str, noise: str) -> None:
        for t in (text, seed_text + text, text + seed_text, noise + seed_text + text):
            assert looks_bad(t) == is_bad(t)

    check()


def test_windowed_badness_search_finds_every_signature_amid_ascii() -> None:
    """One string per alternative of ftfy's pattern, its characters ASCII wherever the pattern
    allows, padded with ASCII on both sides: the window must reach from the non-ASCII character
    to both ends of every signature."""
    import re._compiler as sre_compile
    import re._constants as sre
    import re._parser as sre_parse

    from ftfy.badness import BADNESS_RE

    state = sre_parse.State()
    state.flags = BADNESS_RE.flags
    candidates = [chr(c) for c in range(32, 127)] + [chr(c) for c in range(128, 0x2600)]

    def pick(item) -> str:
        """The first character (ASCII first) this one-character item matches."""
        one = sre_compile.compile(sre_parse.SubPattern(state, [item]), BADNESS_RE.flags)
        return next(c for c in candidates if one.fullmatch(c))

    (_, alternatives), = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags).data
    for branch in alternatives[1]:
        at_start = any(o is sre.AT for o, _ in branch.data)
        for with_optional in (True, False):
            sample = "".join(
                (pick(a[2][0]) if with_optional else "") if o is sre.MAX_REPEAT else pick((o, a))
                for o, a in branch.data if o is not sre.AT)
            for text in ([sample + " tail"] if at_start else
                         [sample, "lead text " + sample, sample + " tail text", "x" + sample + "y"]):
                assert is_bad(text), (branch, text)
                assert looks_bad(text), (branch, text)
