"""`edit_script` must answer exactly as `SequenceMatcher` does, with or without its shortcut."""

from __future__ import annotations

from difflib import SequenceMatcher

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.corroborate.divergence import edit_script

WORDS = ["the", "ministry", "said", "120", "people", "were", "evacuated", "from", "flooded", "district",
         "on", "monday"]


def _matcher(la: list[str], lb: list[str]) -> tuple[int, list[tuple[str, int, int, int, int]]]:
    sm = SequenceMatcher(None, la, lb, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()), [op for op in sm.get_opcodes() if op[0] != "equal"]


def test_one_fact_changed_is_one_replace_without_the_matcher() -> None:
    other = [*WORDS[:3], "210", *WORDS[4:]]
    assert edit_script(WORDS, other) == (11, [("replace", 3, 4, 3, 4)]) == _matcher(WORDS, other)
    inserted = [*WORDS[:8], "the", *WORDS[8:]]
    assert edit_script(WORDS, inserted) == _matcher(WORDS, inserted)


def test_a_deletion_whose_suffix_is_longer_than_its_prefix_is_left_to_the_matcher() -> None:
    """`a a a` / `a Q a a`: the matcher pairs the first two `a` with the last two, not the prefix."""
    assert edit_script(["a", "a", "a"], ["a", "Q", "a", "a"]) == _matcher(["a", "a", "a"], ["a", "Q", "a", "a"]) \
        == (2, [("insert", 0, 0, 0, 2), ("delete", 2, 3, 4, 4)])


# A small alphabet makes repeated words, shared middles and cross matches common.
seqs = st.lists(st.sampled_from("abcdQR"), max_size=12)


@settings(max_examples=3000)
@given(seqs, seqs)
def test_same_answer_as_the_matcher_on_any_pair(la: list[str], lb: list[str]) -> None:
    assert edit_script(la, lb) == _matcher(la, lb)


@settings(max_examples=1000)
@given(seqs, st.integers(0, 12), st.integers(0, 12), seqs)
def test_same_answer_on_near_identical_pairs(base: list[str], i: int, j: int, middle: list[str]) -> None:
    """One run of `base` replaced: the shape the shortcut is for."""
    i, j = sorted((min(i, len(base)), min(j, len(base))))
    other = [*base[:i], *middle[:3], *base[j:]]
    assert edit_script(base, other) == _matcher(base, other)
    assert edit_script(other, base) == _matcher(other, base)


def _beneficiaries_from_offset_tokens(s, lang: str, window: int = 4) -> list[tuple[int, int, str, str]]:
    """The definition `beneficiaries` keeps: every support word's window read from offset tokens."""
    from audit.corroborate.divergence import _is_name, _support_at

    out = []
    for i in _support_at(s.lows, lang):
        toks = s.toks
        for k in range(i + 1, min(len(toks) - 1, i + 1 + window)):
            if toks[k].low in ("to", "for") and _is_name(toks[k + 1 : k + 2], lang):
                end = k + 1
                while end + 1 < len(toks) and _is_name(toks[end + 1 : end + 2], lang) and \
                        toks[end + 1].start - toks[end].end == 1:
                    end += 1
                out.append((toks[i].start, toks[end].end, toks[i].low, " ".join(t.text for t in toks[k + 1 : end + 1])))
                break
    return out


_PIECES = ["support", "backing", "aid", "to", "for", "To", "Ukraine", "North", "Korea", "the", "Monday", "1,500",
           "Kim", "full", "his", "offered", "  ", " ", ", ", ". ", "Moscow’s", "pledged"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25).map(" ".join), st.integers(0, 40))
def test_beneficiaries_are_found_without_offset_tokens_first(text: str, offset: int) -> None:
    """Support words without `to/for NAME` after them are passed over from the token texts; the
    others are read as before, from the offset tokens."""
    from audit.corroborate.align import story_sentences
    from audit.corroborate.divergence import beneficiaries
    from audit.records import Document

    for s in story_sentences(Document("d", " " * offset + text), "en", min_terms=0):
        assert beneficiaries(s, "en") == _beneficiaries_from_offset_tokens(s, "en")


def test_a_beneficiary_is_the_name_after_to() -> None:
    from audit.corroborate.align import story_sentences
    from audit.corroborate.divergence import beneficiaries
    from audit.records import Document

    text = "Kim offered his full support to Ukraine on Monday, and aid for North Korea."
    (s,) = story_sentences(Document("d", text), "en", min_terms=0)
    assert [(text[a:b], word, name) for a, b, word, name in beneficiaries(s, "en")] == [
        ("support to Ukraine", "support", "Ukraine"), ("aid for North Korea", "aid", "North Korea")]
