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
