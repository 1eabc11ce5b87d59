"""The synthetic story corpus and the corroboration benchmark on a small, fast slice of it."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import bench_corroborate
import make_story_corpus


def test_corpus_is_deterministic_and_has_truth() -> None:
    a = make_story_corpus.build(60, seed=3)
    b = make_story_corpus.build(60, seed=3)
    assert a == b
    docs, truth, planted = a
    assert len(docs) == 60 and set(truth) == set(docs)
    assert 8 <= len(set(truth.values())) <= 20
    for item in planted:
        assert item["text"] in docs[item["doc"]]


def test_grouping_and_planted_disagreements_on_300_documents(tmp_path: Path) -> None:
    assert make_story_corpus.main(["--docs", "300", "--out", str(tmp_path), "--seed", "1"]) == 0
    report = bench_corroborate.run(tmp_path)
    assert report["documents"] == 300
    assert report["grouping"]["f1"] >= 0.95
    planted = report["planted"]
    assert planted["planted"] >= 1 and planted["recall"] >= 0.8
    assert planted["other_findings"] <= max(2, planted["planted"] // 2)
