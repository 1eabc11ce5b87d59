"""The planting harness itself: spans, determinism, and that each generator plants what it says.

Not a test of detector quality: only mt_disclosure (finished) is run, once, to smoke-test scoring.
"""

from __future__ import annotations

import random
import sys
import unicodedata
from itertools import pairwise

import pytest

from audit.text import word_count
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import plant

CLEAN = plant.load_clean()
POOL = plant.Pool.build(CLEAN)


def _plant_one(kind: str, seed: int = 0) -> list[tuple[str, plant.Planted]]:
    """Plant only `kind` into every clean article; (planted text, item) pairs."""
    out = []
    for source, text in CLEAN.items():
        new, items = plant.plant_document(source, text, POOL, random.Random(f"{seed}/{source}"), kinds=[kind])
        out += [(new, p) for p in items]
    return out


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_clean_prose_is_large_and_varied() -> None:
    assert len(CLEAN) >= 10
    assert sum(word_count(t) for t in CLEAN.values()) >= 3500
    for name, text in CLEAN.items():
        assert plant.DATELINE_RE.search(text), name
        assert "\r" not in text and '"' not in text, name  # curly quotes only


def test_pool_draws_people_and_cross_document_names_from_the_clean_text() -> None:
    everyone = {p for ps in POOL.persons.values() for p in ps}
    assert {"Milena Novaković", "Adebayo Ogunleye", "Nguyen Thi Lan"} <= everyone
    assert "Amnesty International" not in everyone and "Bac Ninh" not in everyone
    assert "Novaković" in POOL.names["07_vietnam_chip_packaging"]  # recurs in 01 and 07
    for doc, names in POOL.names.items():
        assert all(n in CLEAN[doc] for n in names)


@pytest.mark.parametrize("kind", list(plant.GENERATORS))
def test_spans_index_the_planted_text(kind: str) -> None:
    pairs = _plant_one(kind)
    assert len(pairs) >= 4, f"{kind} planted too little"
    for text, p in pairs:
        assert text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text
        assert p.category in p.accept


def test_all_kinds_together_keep_every_span_right() -> None:
    for docs, items in plant.plant_corpus(CLEAN, seed=3, rounds=2):
        texts = dict(docs)
        assert {p.kind for p in items} == set(plant.GENERATORS)
        for p in items:
            assert texts[p.doc][p.start : p.end] == p.text, p
        by_doc: dict[str, list[plant.Planted]] = {}
        for p in items:
            by_doc.setdefault(p.doc, []).append(p)
        for ps in by_doc.values():  # planted items never overlap
            ps.sort(key=lambda p: p.start)
            assert all(a.end <= b.start for a, b in pairwise(ps))


def test_same_seed_same_corpus_other_seed_other_corpus() -> None:
    a = plant.plant_corpus(CLEAN, seed=7, rounds=2)
    b = plant.plant_corpus(CLEAN, seed=7, rounds=2)
    c = plant.plant_corpus(CLEAN, seed=8, rounds=2)
    assert a == b
    assert a != c
    assert a[0][0] != a[1][0]  # rounds differ


def test_merged_word_fuses_two_words_and_suggests_the_split() -> None:
    variants = set()
    for text, p in _plant_one("merged_word"):
        variants.add(p.variant)
        left, right = p.suggestion.split(" ")
        assert p.text == left + right and left.isalpha() and right.isalpha()
        assert len(left) >= 2 and len(right) >= 2 and right.islower()
        assert not text[p.end : p.end + 1].isalpha() and not text[p.start - 1 : p.start].isalpha()
    assert {"name+word", "word+preposition", "word+function"} <= variants


def test_caption_credit_is_fused_onto_a_dated_caption_line() -> None:
    for text, p in _plant_one("caption"):
        line_start = text.rfind("\n", 0, p.start) + 1
        line_end = text.find("\n", p.end)
        assert text[p.end : line_end if line_end >= 0 else None] == ""  # credit ends the line
        before = text[line_start : p.start]
        assert before.endswith((".", ")")) and not before.endswith(" ")
        assert any(m in before for m in plant.MONTHS)
        assert any(a in p.text for a in (*plant.AGENCIES, "POOL"))


def test_boilerplate_is_a_whole_line_or_a_fused_breadcrumb() -> None:
    for text, p in _plant_one("boilerplate"):
        if p.variant == "fused_breadcrumb":
            assert p.start == 0 and p.text.startswith("Home") and " " not in p.text
            assert text[p.end].isupper()
        else:
            assert text[p.start - 1 : p.start] in ("", "\n") and text[p.end : p.end + 1] in ("", "\n")
            assert len(p.text.split()) <= 6
        assert p.suggestion == ""


def test_duplicate_repeats_the_headline_or_a_paragraph() -> None:
    for text, p in _plant_one("duplicate"):
        rest = text[: p.start] + text[p.end :]
        if p.variant == "headline_truncated":
            assert p.text.endswith(("...", "…"))
            assert CLEAN[p.doc].startswith(p.text.rstrip(".…"))
        else:
            assert p.text in rest and len(p.text.split()) >= 5


def test_untranslated_sentences_and_source_order_acronyms() -> None:
    for _, p in _plant_one("untranslated"):
        assert p.text in plant.FOREIGN_SENTENCES + plant.FOREIGN_ALT_TEXT
        assert p.text not in CLEAN[p.doc]
    acronyms = [pair for seed in range(12) for pair in _plant_one("acronym", seed)]
    assert any(p.text == "BCE" and p.suggestion == "ECB" for _, p in acronyms)
    assert any(p.text == "CENI" and p.suggestion == "INEC" for _, p in acronyms)
    for text, p in acronyms:
        assert p.text == p.suggestion[::-1]
        assert f"({p.suggestion})" in text[: p.start]  # defined before the permuted use


def test_entity_is_a_one_letter_variant_of_a_recurring_name() -> None:
    for text, p in _plant_one("entity"):
        assert p.suggestion in POOL.names[p.doc]
        plain = "".join(c for c in unicodedata.normalize("NFD", p.suggestion) if not unicodedata.combining(c))
        assert _edits(p.text, p.suggestion) == 1 or p.text == plain
        assert POOL.forms[p.text] == 0
        # the right spelling stays the house form: still used in at least two documents
        others = [t for d, t in CLEAN.items() if d != p.doc and p.suggestion in t]
        assert len(others) + (p.suggestion in text) >= 2


@pytest.mark.parametrize("kind, pattern", [
    ("grammar", r"They \p{Ll}+"),
    ("punctuation", r"[\p{L}\p{N}’'-]+[,.!?]?“"),
    ("dateline", r"\p{Lu}+(?: \([A-Z]+\))?\.-"),
])
def test_grammar_and_punctuation_surface_forms(kind: str, pattern: str) -> None:
    import regex

    for _, p in _plant_one(kind):
        assert regex.fullmatch(pattern, p.text), p.text
    if kind == "grammar":
        for text, p in _plant_one(kind):
            assert text[: p.start].endswith(", ") and p.text == f"They {p.suggestion}"


def test_mt_disclosure_lines_are_recognised_by_the_disclosure_lexicon() -> None:
    from audit.detectors.mt_disclosure import MTDisclosureDetector

    pattern = MTDisclosureDetector().pattern
    for line in plant.DISCLOSURES + plant.DISCLOSURES_FOREIGN:
        assert pattern.search(line), line


@pytest.mark.parametrize("finding, expected_found, expected_precision", [
    ({"doc_id": "d", "start": 5, "end": 9, "category": "merged_word"}, 1, 1.0),    # overlap, accepted
    ({"doc_id": "d", "start": 5, "end": 9, "category": "boilerplate"}, 0, 0.0),    # overlap, not accepted
    ({"doc_id": "e", "start": 5, "end": 9, "category": "merged_word"}, 0, 0.0),    # other document
    ({"doc_id": "d", "start": 10, "end": 12, "category": "merged_word"}, 0, 0.0),  # touching, no overlap
])
def test_score_uses_the_gold_matching_rule(finding, expected_found, expected_precision) -> None:
    item = plant.Planted("d", 4, 10, "xxxxxx", "merged_word", "v", "merged_word", ("merged_word",), "major")
    rows = plant.score([item], [finding])["categories"]
    assert rows["merged_word"]["found"] == expected_found
    assert rows[finding["category"]]["precision"] == expected_precision


def test_scoring_path_with_the_disclosure_detector() -> None:
    (docs, items), = plant.plant_corpus(CLEAN, seed=1, rounds=1, kinds=["mt_disclosure", "merged_word"])
    findings = plant.run_audit(docs, ["mt_disclosure"])
    rows = plant.score(items, findings)["categories"]
    n = len(CLEAN)
    assert rows["mt_disclosure"] == {"planted": n, "found": n, "recall": 1.0, "findings": n,
                                     "true_findings": n, "precision": 1.0}
    assert rows["merged_word"]["found"] == 0 and rows["merged_word"]["planted"] == 3 * n
    assert plant.run_audit(list(CLEAN.items()), ["mt_disclosure"]) == []


def test_cli_refuses_a_detector_that_does_not_import(capsys) -> None:
    assert plant.check_importable(["mt_disclosure"]) == []
    assert plant.check_importable(["no_such_detector"])
    assert plant.main(["--detectors", "no_such_detector", "--rounds", "1"]) == 2
    assert "--detectors" in capsys.readouterr().err
