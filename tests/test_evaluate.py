"""Pins the recall of the required gold items on the reference corpus (acceptance: >= 0.9)."""

from __future__ import annotations

import sys

import pytest

import audit
from tests.conftest import GOLD, REFERENCE_CORPUS, ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from evaluate import evaluate, load_gold


@pytest.fixture(scope="module")
def evaluation():
    result = audit.run(REFERENCE_CORPUS)
    return evaluate(result.findings.to_dicts(), load_gold(GOLD))


def test_required_recall_on_reference_corpus(evaluation) -> None:
    missed = [g["text"] for g, hit in zip(evaluation.gold, evaluation.found, strict=True)
              if g["required"] and not hit]
    assert evaluation.recall(required_only=True) >= 0.9, missed


def test_findings_mostly_match_gold(evaluation) -> None:
    # The gold is not exhaustive, so this is a floor that catches a flood of noise.
    assert evaluation.precision() >= 0.85, [f["text"] for f in evaluation.unmatched]


def test_evaluate_matching_rule() -> None:
    gold = [{"doc": "d", "start": 10, "end": 20, "category": "caption", "accept": ["caption", "boilerplate"],
             "required": True}]
    hit = {"doc_id": "d", "start": 18, "end": 30, "category": "boilerplate"}
    wrong_cat = {"doc_id": "d", "start": 10, "end": 20, "category": "grammar"}
    other_doc = {"doc_id": "e", "start": 10, "end": 20, "category": "caption"}
    touching = {"doc_id": "d", "start": 20, "end": 25, "category": "caption"}
    assert evaluate([hit], gold).found == [True]
    for miss in (wrong_cat, other_doc, touching):
        assert evaluate([miss], gold).found == [False]
