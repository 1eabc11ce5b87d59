"""End to end: the real `mtaudit` command on the reference corpus, and its error handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from audit.cli import main
from tests.conftest import REFERENCE_CORPUS

FINDING_COLUMNS = ["doc_id", "start", "end", "text", "category", "severity", "detector", "message",
                   "suggestion", "confidence", "mqm_category"]
DOCUMENT_COLUMNS = ["doc_id", "text", "encoding", "words", "n_findings", "penalty", "quality",
                    "needs_repair", "roundtrip_chrf", "fidelity_chrf", "error"]


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    proc = subprocess.run(
        [sys.executable, "-m", "audit", "run", str(REFERENCE_CORPUS), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "mtaudit summary" in proc.stderr
    return out


def test_output_files_follow_the_contract(reference_run: Path) -> None:
    for name in ("findings.jsonl", "findings.parquet", "documents.jsonl", "documents.parquet",
                 "repair_queue.csv", "run.json"):
        assert (reference_run / name).is_file(), name
    findings = pl.read_parquet(reference_run / "findings.parquet")
    docs = pl.read_parquet(reference_run / "documents.parquet")
    assert findings.columns == FINDING_COLUMNS
    assert docs.columns == DOCUMENT_COLUMNS
    assert pl.read_ndjson(reference_run / "findings.jsonl").height == findings.height
    assert docs.height == 5 and docs["error"].null_count() == 5


def test_offsets_index_the_written_text(reference_run: Path) -> None:
    docs = {r["doc_id"]: r["text"] for r in pl.read_ndjson(reference_run / "documents.jsonl").to_dicts()}
    with open(reference_run / "findings.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert rows
    for row in rows:
        assert docs[row["doc_id"]][row["start"] : row["end"]] == row["text"]
        assert row["severity"] in {"info", "minor", "major", "critical"}
        assert 0 <= row["confidence"] <= 1


def test_repair_queue_is_worst_first(reference_run: Path) -> None:
    queue = pl.read_csv(reference_run / "repair_queue.csv")
    assert queue.height >= 1
    assert queue["quality"].to_list() == sorted(queue["quality"].to_list())
    assert "001_dc8a611bddc792d5.txt" in queue["doc_id"].to_list()
    docs = pl.read_parquet(reference_run / "documents.parquet")
    assert set(queue["doc_id"]) == set(docs.filter(pl.col("needs_repair"))["doc_id"])


def test_run_json_signature(reference_run: Path) -> None:
    info = json.loads((reference_run / "run.json").read_text(encoding="utf-8"))
    assert info["documents"] == 5 and info["mtaudit_version"]
    assert "merged_word" in info["detectors"] and info["config_hash"]


def test_jobs_give_identical_results(tmp_path: Path) -> None:
    import audit

    one = audit.run(REFERENCE_CORPUS, jobs=1)
    two = audit.run(REFERENCE_CORPUS, jobs=2)
    assert one.findings.equals(two.findings)
    assert one.documents.equals(two.documents)


def test_bad_documents_do_not_stop_the_run(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text((REFERENCE_CORPUS / "004_05a299c7077f15d7.txt").read_text())
    (corpus / "empty.txt").write_text("")
    (corpus / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    out = tmp_path / "out"
    assert main(["run", str(corpus), "--out", str(out), "--quiet"]) == 0
    docs = {r["doc_id"]: r for r in pl.read_ndjson(out / "documents.jsonl").to_dicts()}
    assert docs["good.txt"]["error"] is None and docs["good.txt"]["words"] > 100
    assert "empty" in docs["empty.txt"]["error"]
    assert "binary" in docs["bin.txt"]["error"]


def test_unusable_arguments_exit_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", str(REFERENCE_CORPUS), "--out", str(blocker)]) == 2
    assert "not a folder" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[detectors.nope]\n")
    assert main(["run", str(REFERENCE_CORPUS), "--out", str(tmp_path / "o"), "--config", str(bad)]) == 2


def test_detectors_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detectors"]) == 0
    assert "merged_word" in capsys.readouterr().out


def test_diagnose_counts_hits_per_detector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", str(REFERENCE_CORPUS), "--dump", "calque"]) == 0
    out = capsys.readouterr().out
    assert "calque" in out and "punctuation" in out
    assert "'They closed' -> 'closed'" in out
