from sacrebleu.metrics import CHRF

from audit.translate.align import align

_CHRF = CHRF()


def sim(a: str, b: str) -> float:
    return _CHRF.sentence_score(a, [b]).score


SOURCE_MT = [
    "The council approved the 2025 budget on Tuesday.",
    "The vote was sixteen to five.",
    "The mayor said the plan protects schools and clinics.",
    "The opposition criticised the cut in culture spending.",
    "The budget takes effect in January.",
]


def kinds(beads):
    return [b.kind for b in beads]


def test_one_to_one_when_sentences_match():
    beads = align(SOURCE_MT, list(SOURCE_MT), sim)
    assert kinds(beads) == ["1-1"] * 5
    assert all(b.similarity == 100.0 for b in beads)


def test_omission_and_addition_are_skips():
    target = [SOURCE_MT[0], SOURCE_MT[2], "Follow our live coverage on the website.", *SOURCE_MT[3:]]
    beads = align(SOURCE_MT, target, sim)
    assert [(b.source, b.target) for b in beads] == [
        ((0,), (0,)), ((1,), ()), ((2,), (1,)), ((), (2,)), ((3,), (3,)), ((4,), (4,))]


def test_split_sentence_is_a_one_to_two_bead():
    target = [SOURCE_MT[0], "The vote was sixteen", "to five.", *SOURCE_MT[2:]]
    target[1:3] = ["The vote was sixteen to five in favour,", "with two abstentions."]
    src = [SOURCE_MT[0], "The vote was sixteen to five in favour, with two abstentions.", *SOURCE_MT[2:]]
    beads = align(src, target, sim)
    assert ((1,), (1, 2)) in [(b.source, b.target) for b in beads]
    merged = align(target, src, sim)
    assert ((1, 2), (1,)) in [(b.source, b.target) for b in merged]


def test_every_index_covered_once_in_order():
    target = [SOURCE_MT[4], *SOURCE_MT[:3]]
    beads = align(SOURCE_MT, target, sim)
    assert [i for b in beads for i in b.source] == list(range(5))
    assert [j for b in beads for j in b.target] == list(range(4))


def test_empty_sides():
    assert align([], [], sim) == []
    assert kinds(align(SOURCE_MT[:2], [], sim)) == ["1-0", "1-0"]
    assert kinds(align([], SOURCE_MT[:2], sim)) == ["0-1", "0-1"]
