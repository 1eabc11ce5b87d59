"""End to end: the real `mtaudit` command on the reference corpus, and its error handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from audit.cli import main
from tests.conftest import REFERENCE_CORPUS, ROOT

FINDING_COLUMNS = ["doc_id", "start", "end", "text", "category", "severity", "detector", "message",
                   "suggestion", "confidence", "mqm_category", "finding_id", "doc_hash"]
DOCUMENT_COLUMNS = ["doc_id", "text", "encoding", "words", "n_findings", "penalty", "quality",
                    "needs_repair", "roundtrip_chrf", "fidelity_chrf", "error", "rule_quality",
                    "fidelity_mode", "fidelity_note", "doc_hash", "story"]


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
    assert not (reference_run / "segments.jsonl").exists()  # no back-translation asked for
    assert (reference_run / "report" / "index.html").is_file()  # the HTML report comes by default
    assert set(docs["story"]) == {"story-0001"}  # the five articles tell one story
    assert (reference_run / "entities.parquet").is_file() and (reference_run / "alignments.parquet").is_file()
    assert len(list((reference_run / "report" / "docs").glob("*.html"))) == 5
    assert findings["finding_id"].n_unique() == findings.height
    import hashlib

    hashes = {r["doc_id"]: hashlib.sha256(r["text"].encode()).hexdigest() for r in docs.iter_rows(named=True)}
    assert hashes == dict(zip(docs["doc_id"], docs["doc_hash"], strict=True))
    assert all(hashes[d] == h for d, h in findings.select("doc_id", "doc_hash").iter_rows())
    assert docs["roundtrip_chrf"].null_count() == 5 and docs["fidelity_mode"].null_count() == 5


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


# --- back-translation from the command line ---------------------------------------------------

SEGMENT_COLUMNS = ["doc_id", "start", "end", "text", "pivot_text", "backtranslation", "chrf"]


@pytest.fixture(scope="module")
def mt_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("mtcache") / "translations.sqlite")


def test_backtranslate_bergamot_fills_segments_and_roundtrip_chrf(tmp_path: Path, mt_cache: str) -> None:
    out = tmp_path / "reference"
    proc = subprocess.run(
        [sys.executable, "-m", "audit", "run", str(REFERENCE_CORPUS), "--out", str(out),
         "--backtranslate", "bergamot", "--mt-cache", mt_cache],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "MT en->pt" in proc.stderr  # progress of the translation step
    segments = pl.read_ndjson(out / "segments.jsonl")
    assert segments.columns[: len(SEGMENT_COLUMNS)] == SEGMENT_COLUMNS
    scored = segments.filter(pl.col("chrf").is_not_null())
    assert scored.height > 50 and scored["backtranslation"].null_count() == 0
    docs = pl.read_parquet(out / "documents.parquet")
    assert docs["roundtrip_chrf"].null_count() == 0
    assert set(docs["fidelity_mode"]) == {"roundtrip"}
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["backtranslate"]["engine"] == "bergamot" and info["backtranslate"]["pivot"] == "pt"
    texts = dict(zip(docs["doc_id"], docs["text"], strict=True))
    for row in segments.iter_rows(named=True):
        assert texts[row["doc_id"]][row["start"] : row["end"]] == row["text"]


def test_source_dir_gives_source_aware_fidelity(tmp_path: Path, mt_cache: str) -> None:
    from audit.text import sentences
    from audit.translate.base import make_engine
    sys.path.insert(0, str(ROOT / "scripts"))
    from eval_fidelity import load_articles

    engine = make_engine("bergamot")
    (tmp_path / "en").mkdir()
    (tmp_path / "pt").mkdir()
    for art in load_articles()[:2]:
        (tmp_path / "pt" / f"{art['id']}.txt").write_text(art["text"], encoding="utf-8")
        paras = [" ".join(engine.translate([s.text for s in sentences(p, "pt")], "pt", "en"))
                 for p in art["text"].split("\n\n")]
        (tmp_path / "en" / f"{art['id']}.txt").write_text("\n\n".join(paras), encoding="utf-8")
    (tmp_path / "en" / "unmatched.txt").write_text(
        sorted((REFERENCE_CORPUS.parent / "clean").glob("*.txt"))[0].read_text("utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(tmp_path / "en"), "--out", str(out), "--source-dir", str(tmp_path / "pt"),
                 "--mt-cache", mt_cache, "--quiet"])
    assert code == 0
    docs = pl.read_parquet(out / "documents.parquet").sort("doc_id")
    assert docs["fidelity_mode"].to_list() == ["source", "source", "roundtrip"]
    assert docs["fidelity_chrf"].to_list()[:2] == [pytest.approx(x, abs=15) for x in (90, 90)]
    segments = pl.read_ndjson(out / "segments.jsonl")
    assert set(segments["mode"]) == {"source", "roundtrip"}


def test_table_input_with_source_columns_is_source_aware(tmp_path: Path, mt_cache: str) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from eval_fidelity import load_articles

    from audit.text import sentences
    from audit.translate.base import make_engine

    art = load_articles()[2]
    engine = make_engine("bergamot")
    text = " ".join(engine.translate([s.text for s in sentences(art["text"], "pt")], "pt", "en"))
    table = tmp_path / "corpus.jsonl"
    rows = [{"id": "with-source", "text": text, "source": art["text"], "source_lang": "pt"},
            {"id": "no-source", "text": text}]
    table.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(table), "--out", str(out), "--backtranslate", "bergamot",
                 "--mt-cache", mt_cache, "--quiet"]) == 0
    docs = pl.read_parquet(out / "documents.parquet").sort("doc_id")
    assert docs["fidelity_mode"].to_list() == ["roundtrip", "source"]
    assert docs["fidelity_chrf"][1] > 80 and docs["roundtrip_chrf"][0] > 60


def test_missing_engine_is_reported_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code = main(["run", str(REFERENCE_CORPUS), "--out", str(tmp_path / "o"), "--backtranslate", "apertium",
                 "--quiet"])
    assert code == 0
    assert "back-translation skipped: apertium is not installed" in capsys.readouterr().err
    assert pl.read_parquet(tmp_path / "o" / "documents.parquet")["fidelity_mode"].to_list() == ["none"] * 5


@pytest.mark.parametrize("args, message", [
    (["--sample", "some"], "--sample some"),
    (["--mt-batch-size", "0"], "--mt-batch-size must be at least 1"),
    (["--backtranslate", "deepl"], "invalid choice"),
])
def test_bad_mt_options_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", str(REFERENCE_CORPUS), "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_backtranslate_config_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[backtranslate]\nengine = "bergamot"\noutlier = "iqr"\n', encoding="utf-8")
    code = main(["run", str(REFERENCE_CORPUS), "--out", str(tmp_path / "o"), "--config", str(cfg)])
    assert code == 2
    assert "outlier = 'iqr'" in capsys.readouterr().err
