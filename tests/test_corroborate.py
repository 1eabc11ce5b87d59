"""Cross-source corroboration on real-style text: stories, alignment, divergences, entity index."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import audit
from audit.config import Config, ConfigError
from audit.corpus import CorpusIndex
from audit.corroborate import corroborate
from audit.corroborate.align import Alignment, Sentence, align_story, round_like_python, story_sentences
from audit.corroborate.divergence import diff_divergences
from audit.corroborate.entities import entity_index
from audit.loaders import iter_documents
from audit.records import Document
from tests.conftest import REFERENCE_CORPUS, ROOT

STORIES = ROOT / "tests" / "fixtures" / "stories"
PLANTED = json.loads((STORIES / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fixture_result():
    return corroborate(list(iter_documents([STORIES])))


@pytest.fixture(scope="module")
def reference_result():
    return corroborate(list(iter_documents([REFERENCE_CORPUS])))


def test_unrelated_stories_are_grouped_apart(fixture_result) -> None:
    groups: dict[str, set[str]] = {}
    for doc, story in fixture_result.stories.items():
        groups.setdefault(story, set()).add(doc)
    assert sorted(map(sorted, groups.values())) == sorted(sorted(v) for v in PLANTED["stories"].values())


def test_each_planted_disagreement_is_found_and_nothing_else(fixture_result) -> None:
    found = [f for f in fixture_result.findings]
    for planted in PLANTED["disagreements"]:
        text = (STORIES / planted["doc"]).read_text(encoding="utf-8")
        start = text.index(planted["text"])
        hits = [f for f in found if f.doc_id == planted["doc"] and f.start < start + len(planted["text"])
                and start < f.end]
        assert len(hits) == 1, planted
        hit = hits[0]
        assert hit.category == "mistranslation" and hit.severity in ("major", "critical")
        assert hit.suggestion is not None and planted["expected"] in hit.suggestion
        assert any(d in hit.message for d in planted["agreeing_docs"])  # names the other source, quotes it
        assert "“" in hit.message
    assert len(found) == len(PLANTED["disagreements"])  # sentences that agree raise nothing


def test_reference_is_one_story_and_the_kim_sentence_diverges(reference_result) -> None:
    assert set(reference_result.stories.values()) == {"story-0001"} and len(reference_result.stories) == 5
    kim = [f for f in reference_result.findings if f.doc_id == "003_019a319f6763018d.txt"]
    assert len(kim) == 1
    f = kim[0]
    text = (REFERENCE_CORPUS / f.doc_id).read_text(encoding="utf-8")
    gold_start = text.index("who offered his “full support” to Ukraine")
    assert gold_start <= f.start < f.end <= gold_start + len("who offered his “full support” to Ukraine")
    assert f.category == "mistranslation" and f.evidence["kind"] == "beneficiary"
    other = f.evidence["other_doc"]
    assert other != f.doc_id and other in f.message and "war in Ukraine" in f.message
    assert len(reference_result.findings) == 1  # precision: nothing else in the reference corpus


def test_reference_alignment_pairs_sentences_across_outlets(reference_result) -> None:
    texts = {d.doc_id: d.text for d in iter_documents([REFERENCE_CORPUS])}
    assert len(reference_result.alignments)
    pairs = []
    for doc_id, start, end, other, o_start, o_end, score, _ in reference_result.alignments.frame().iter_rows():
        assert doc_id != other and score >= 0.25
        pairs.append((texts[doc_id][start:end], texts[other][o_start:o_end]))
    # two outlets' accounts of the first meeting in Hanoi
    assert any(a.startswith("At the start of his talks in Hanoi, Putin met")
               and b.startswith("President Vladimir Putin arrived on a state visit to Vietnam") for a, b in pairs)
    frame = reference_result.alignment_frame()
    assert frame.height == len(pairs) and frame["story"].to_list() == ["story-0001"] * len(pairs)


def test_entity_index_variants_and_canonical_forms(reference_result) -> None:
    ents = reference_result.entities
    tho = ents.filter(pl.col("form") == "Tho Lam").to_dicts()[0]
    assert tho["entity"] == "To Lam" and tho["variant"] == "entity" and not tho["canonical"]
    to = ents.filter(pl.col("form") == "To Lam").to_dicts()[0]
    assert to["canonical"] and to["n_docs"] >= 3 and to["kind"] == "person"
    kim = ents.filter(pl.col("form") == "Kim Jong-un").to_dicts()[0]
    assert kim["entity"] == "Kim Jong Un" and kim["variant"] == "inconsistency"
    assert ents.filter(pl.col("form") == "Communist Party")["kind"].to_list() in ([], ["organisation"])
    assert ents.filter(pl.col("form") == "Hanoi")["kind"].to_list() == ["place"]


def test_entity_index_rows_come_in_entity_order_canonical_form_first() -> None:
    # One name in four spellings: the house form in six documents, the others in two, one and one.
    spellings = ["Kim Jong Un"] * 6 + ["Kim Jong-un"] * 2 + ["Kim Jong-Un", "Kim-Jong Un"]
    docs = [Document(f"k{i}.txt", f"State media said that leader {name} inspected a factory in "
                                  f"Pyongyang on Monday, the {i + 1}th visit this year.")
            for i, name in enumerate(spellings)]
    docs += list(iter_documents([STORIES])) + list(iter_documents([REFERENCE_CORPUS]))
    config = Config()
    whole = corroborate(docs, config).entities
    assert whole is not None and whole.height > 50
    corpus = CorpusIndex.build(docs, lang="en")
    stories = {d.doc_id: "story-0001" for d in docs}
    one_frame = entity_index(docs, corpus, "en", stories)
    assert whole.drop("stories").equals(one_frame.drop("stories"))
    kim = one_frame.filter(pl.col("entity") == "Kim Jong Un")
    assert kim["form"].to_list() == ["Kim Jong Un", "Kim Jong-un", "Kim Jong-Un", "Kim-Jong Un"]
    n_docs = kim["n_docs"].to_list()  # the fixtures use the name too
    assert n_docs[0] > n_docs[1] > n_docs[2] == n_docs[3] == 1
    rows = one_frame.rows()
    assert rows == sorted(rows, key=lambda r: (r[0], not r[3], -r[5], r[1]))


def _aligned(a: str, b: str) -> Alignment:
    sa = story_sentences(Document("x", a), "en")[0]
    sb = story_sentences(Document("y", b), "en")[0]
    return Alignment(sa, sb, 0.9)


@pytest.mark.parametrize(("a", "b", "kind"), [
    ("The ministry said 120 people were evacuated from the flooded district on Monday.",
     "The ministry said 210 people were evacuated from the flooded district on Monday.", "number"),
    ("The ministry said 120 people were evacuated from the flooded district on Monday.",
     "The ministry said 120 people were evacuated from the flooded district on Tuesday.", "date"),
    ("The plan was presented by Finance Minister Ana Costa at a news conference in Lisbon.",
     "The plan was presented by Finance Minister Rui Almeida at a news conference in Lisbon.", "name"),
    ("The council approved a budget of 412 million euros for next year after a long debate.",
     "The council approved a budget of 412 million dollars for next year after a long debate.", "unit"),
    ("The court said the former mayor was guilty of taking bribes from the contractor.",
     "The court said the former mayor was not guilty of taking bribes from the contractor.", "polarity"),
])
def test_diff_finds_the_one_fact_that_differs(a: str, b: str, kind: str) -> None:
    found = diff_divergences(_aligned(a, b), "en")
    assert [d.kind for d in found] == [kind]


def test_diff_counts_repeated_words_before_giving_up_on_a_pair() -> None:
    """Four distinct words in common fall short of the 5.4 the matcher needs here, but with their
    repeats eight words match: the pair must still be diffed."""
    a = "Rescuers found rescuers found rescuers found 12 miners trapped."
    b = "Rescuers found rescuers found rescuers found 15 miners trapped."
    assert len(_aligned(a, b).a.vocabulary & _aligned(a, b).b.vocabulary) == 4
    found = diff_divergences(_aligned(a, b), "en")
    assert [(d.kind, d.value, d.other_value) for d in found] == [("number", "12", "15")]


def test_repeated_sentences_share_one_tokenisation() -> None:
    """A story's copies of a wire text give the same sentences as tokenising each copy, and a
    sentence that repeats is tokenised once (its token tuples are the same objects)."""
    wire = ("The ministry said 120 people were evacuated from the flooded district on Monday. "
            "Officials said. Rescue teams from three provinces joined the effort overnight.")
    docs = [Document("a", wire), Document("b", "Heavy rain fell on the northern provinces for a third day. "
                                   + wire.replace("three", "four")),
            Document("c", wire + " Schools stayed closed in the capital on Tuesday.")]
    shapes: dict = {}
    shared = [story_sentences(d, "en", 4, shapes) for d in docs]
    alone = [story_sentences(d, "en", 4) for d in docs]
    assert shared == alone
    for got, want in zip(shared, alone, strict=True):
        assert [(s.lows, s.terms, s.texts) for s in got] == [(s.lows, s.terms, s.texts) for s in want]
    assert [len(s) for s in shared] == [2, 3, 3]  # `Officials said.` has too few terms
    assert shared[0][0].lows is shared[1][1].lows is shared[2][0].lows
    assert shared[0][1].lows is not shared[1][2].lows  # `four`, not `three`
    assert shared[0][1].lows is shared[2][1].lows
    assert shapes["Officials said."] is None and len(shapes) == 6


def test_a_pair_diffed_again_takes_its_changes_from_the_memo() -> None:
    """The memo is keyed by both sides: `a` against `b` and `a` against `c` differ in different
    facts, and each pair's repeat gives what diffing it afresh gives."""
    a = "The ministry said 120 people were evacuated from the flooded district on Monday."
    b = "The ministry said 210 people were evacuated from the flooded district on Monday."
    c = "The ministry said 120 people were evacuated from the flooded district on Tuesday."
    pairs = [_aligned(a, b), _aligned(a, c), _aligned(a, b), _aligned(b, a), _aligned(a, c), _aligned(a, a)]
    memo: dict = {}
    with_memo = [diff_divergences(al, "en", memo=memo) for al in pairs]
    assert with_memo == [diff_divergences(al, "en") for al in pairs]
    assert [[(d.kind, d.value, d.other_value) for d in found] for found in with_memo] == [
        [("number", "120", "210")], [("date", "Monday", "Tuesday")], [("number", "120", "210")],
        [("number", "210", "120")], [("date", "Monday", "Tuesday")], []]
    assert len(memo) == 3  # a|b, a|c, b|a: identical sides never reach it


def test_sentences_are_compared_on_the_lowered_texts_of_their_tokens() -> None:
    s = story_sentences(Document("x", "Putin’s visit to Hanoi: Vietnam's leaders signed 11 deals."), "en")[0]
    assert s.lows == tuple(t.low for t in s.toks) == (
        "putin", "visit", "to", "hanoi", "vietnam", "leaders", "signed", "11", "deals")
    assert s.toks[0].end - s.toks[0].start == len("Putin")  # offsets exclude the possessive
    # what a change is classified on: the tokens but their offsets
    assert [t[2:] for t in s.words(0, len(s.lows))] == [t[2:] for t in s.toks]
    assert [(t.text, t.is_number) for t in s.words(3, 5)] == [("Hanoi", False), ("Vietnam", False)]
    assert s.terms == {"putin", "visit", "hanoi", "vietnam", "leaders", "signed", "11", "deals"}


@pytest.mark.parametrize(("a", "b"), [
    # the same number written two ways
    ("Fourteen workers were injured in the fire at the plant on Tuesday night.",
     "14 workers were injured in the fire at the plant on Tuesday night."),
    # a spelling variant is the entity detector's business, not a different person
    ("The plan was presented by Finance Minister Ana Costa at a news conference in Lisbon.",
     "The plan was presented by Finance Minister Anna Costa at a news conference in Lisbon."),
    # `euros` and `euro` are one currency; `hours` and `days` after no number are not an amount
    ("The council approved a budget of 412 million euros for next year after a long debate.",
     "The council approved a budget of 412 million euro for next year after a long debate."),
    ("Talks went on for hours before the council approved the budget for next year.",
     "Talks went on for days before the council approved the budget for next year."),
    # a capital standing for its country is the same actor
    ("Moscow said on Friday that the new sanctions would not change its position on the talks.",
     "Russia said on Friday that the new sanctions would not change its position on the talks."),
    # a paraphrase that changes many words: nothing is singled out
    ("The ministry said 120 people were evacuated from the flooded district on Monday.",
     "Officials moved about 210 residents out of the district on Monday as the river rose."),
])
def test_diff_leaves_agreement_and_paraphrase_alone(a: str, b: str) -> None:
    assert diff_divergences(_aligned(a, b), "en") == []


def test_pipeline_writes_story_entities_and_alignments(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = audit.run(STORIES, out=out)
    docs = pl.read_parquet(out / "documents.parquet")
    assert docs.filter(pl.col("doc_id").str.starts_with("a"))["story"].n_unique() == 1
    assert docs["story"].n_unique() == 5
    assert (out / "entities.parquet").is_file()
    al = pl.read_parquet(out / "alignments.parquet")
    assert al.columns == ["doc_id", "start", "end", "other_doc_id", "other_start", "other_end", "score", "story"]
    texts = dict(zip(docs["doc_id"], docs["text"], strict=True))
    for row in al.head(20).iter_rows(named=True):
        assert texts[row["other_doc_id"]][row["other_start"]:row["other_end"]].strip()
    corro = result.findings.filter(pl.col("detector") == "corroborate")
    assert corro.height == 3
    a3 = docs.filter(pl.col("doc_id") == "a3.txt").to_dicts()[0]
    a1 = docs.filter(pl.col("doc_id") == "a1.txt").to_dicts()[0]
    assert a3["quality"] < a1["quality"] or a3["n_findings"] > a1["n_findings"]
    off = audit.run(STORIES, Config.from_dict({"corroborate": {"enabled": False}}), out=tmp_path / "off")
    assert off.findings.filter(pl.col("detector") == "corroborate").is_empty()
    assert not (tmp_path / "off" / "entities.parquet").exists()
    assert pl.read_parquet(tmp_path / "off" / "documents.parquet")["story"].null_count() == 13


def test_entity_index_without_the_entity_detector_is_the_same_table(tmp_path: Path) -> None:
    """With the detector off, the index fits its own (on the corpus index the run kept for it)."""
    on = audit.run(STORIES, out=tmp_path / "on")
    off = audit.run(STORIES, Config.from_dict({"detectors": {"entity": {"enabled": False}}}), out=tmp_path / "off")
    assert off.findings.filter(pl.col("detector") == "entity").is_empty()
    assert on.entities.height > 20 and off.entities.equals(on.entities)


def test_corroborate_config_is_checked() -> None:
    with pytest.raises(ConfigError, match="corroborate"):
        Config.from_dict({"corroborate": {"threshold": 0.5}})
    with pytest.raises(ConfigError, match="story_threshold"):
        Config.from_dict({"corroborate": {"story_threshold": 0}})


def _align_by_loop(sents: list[Sentence], min_score: float, per_doc: int, max_postings: int = 500
                   ) -> list[tuple[str, int, str, int, float]]:
    """The alignment as a plain loop over each sentence's terms and their postings."""
    n = len(sents)
    df = Counter(t for s in sents for t in s.terms)
    weight = {t: math.log((n + 1) / (k + 0.5)) ** 2 for t, k in df.items()}
    norms = [math.sqrt(sum(weight[t] for t in s.terms)) or 1.0 for s in sents]
    postings = defaultdict(list)
    for i, s in enumerate(sents):
        for t in s.terms:
            postings[t].append(i)
    out = []
    for i, s in enumerate(sents):
        dots: dict[int, float] = defaultdict(float)
        for t in s.terms:
            if len(postings[t]) <= max_postings:
                for j in postings[t]:
                    dots[j] += weight[t]
        best = defaultdict(list)
        for j, dot in dots.items():
            score = dot / (norms[i] * norms[j])
            if sents[j].doc_id != s.doc_id and score >= min_score:
                best[sents[j].doc_id].append((score, j))
        for doc_id in sorted(best):
            for score, j in sorted(best[doc_id], key=lambda x: (-x[0], x[1]))[:per_doc]:
                out.append((s.doc_id, s.index, doc_id, sents[j].index, round(score, 4)))
    return out


@pytest.mark.parametrize(("per_doc", "pairs", "max_postings", "shared"), [
    (1, 2_000_000, 500, False), (2, 2_000_000, 500, False), (1, 40, 500, False), (2, 1, 3, False),
    (1, 2_000_000, 500, True), (2, 40, 3, True)])
def test_alignment_scores_are_those_of_a_plain_loop(per_doc: int, pairs: int, max_postings: int,
                                                    shared: bool) -> None:
    """Same pairs, same order, same float scores, whether the story is summed at once or in runs
    of a few sentences (`pairs`), with common terms left out (`max_postings`), and whether
    repeated sentences share their term sets (`shared`, as a story pass gives them)."""
    docs = list(iter_documents([REFERENCE_CORPUS])) + list(iter_documents([STORIES]))
    if shared:  # wire copies: one word for word, one with its first sentence dropped
        docs += [Document("copy-" + docs[0].doc_id, docs[0].text),
                 Document("copy-" + docs[-1].doc_id, docs[-1].text.split(". ", 1)[-1])]
    shapes: dict | None = {} if shared else None
    sents = [s for d in docs for s in story_sentences(d, "en", 4, shapes)]
    if shared:  # copies across documents share their sets, beyond a document's own repeats
        own = [s for d in docs for s in story_sentences(d, "en")]
        assert len({id(s.terms) for s in sents}) < len({id(s.terms) for s in own}) - 20
    got = [(a.a.doc_id, a.a.index, a.b.doc_id, a.b.index, a.score)
           for a in align_story(sents, min_score=0.2, per_doc=per_doc, max_postings=max_postings, pairs=pairs)]
    assert got == _align_by_loop(sents, 0.2, per_doc, max_postings)
    assert len(got) > 40


@given(st.lists(st.one_of(st.floats(0, 2), st.floats(allow_nan=False), st.integers(0, 20_000).map(
    lambda k: (k + 0.5) / 10_000)), max_size=50))
def test_scores_are_rounded_as_round_does(values: list[float]) -> None:
    """Halves included (`0.30005` is a little under its decimal, and rounds down)."""
    got = round_like_python(np.array(values, dtype=float), 4).tolist()
    assert got == [round(v, 4) for v in values]


def test_alignment_of_nothing_to_align() -> None:
    one = story_sentences(Document("x", "The ministry said 120 people were evacuated from the district."), "en")
    assert align_story([]) == [] == align_story(one)  # no other document
    assert align_story(one + one) == []  # the same document twice over
