"""Interrupted runs resume from per-document checkpoints and end exactly where a clean run ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

import audit
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import make_story_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    assert make_story_corpus.main(["--docs", "160", "--out", str(folder), "--seed", "7"]) == 0
    for extra in ("truth.json", "planted.json"):
        (folder / extra).unlink()
    return folder


def frames(out: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    return pl.read_parquet(out / "findings.parquet"), pl.read_parquet(out / "documents.parquet")


def checkpoint_lines(out: Path) -> int:
    path = out / ".mtaudit" / "checkpoint.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_killed_run_resumes_to_identical_output(corpus: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    audit.run(corpus, out=clean)
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "audit", "run", str(corpus), "--out", str(killed), "--quiet", "--no-report"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while checkpoint_lines(killed) < 21 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "findings.parquet").exists()  # nothing was half written in its place
    done = checkpoint_lines(killed) - 1
    assert 20 <= done < 160, done
    subprocess.run([*cmd, "--resume"], check=True, capture_output=True, timeout=300)
    info = json.loads((killed / "run.json").read_text(encoding="utf-8"))
    assert info["checkpoint"]["reused"] >= 19, info["checkpoint"]
    assert info["checkpoint"]["reused"] + info["checkpoint"]["audited"] == 160
    for a, b in zip(frames(clean), frames(killed), strict=True):
        assert a.equals(b)


def test_changed_documents_are_audited_again_and_only_they(corpus: Path, tmp_path: Path) -> None:
    work = tmp_path / "corpus"
    work.mkdir()
    for f in corpus.glob("*.txt"):
        (work / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "out"
    audit.run(work, out=out)
    first = sorted(work.glob("*.txt"))[3]
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace(" the ", " the the ", 1), encoding="utf-8")  # a doubled word, nothing else
    result = audit.run(work, out=out, resume=True)
    assert result.run_info["checkpoint"]["audited"] == 1
    assert result.run_info["checkpoint"]["reused"] == 159
    # the changed document's old entry is dropped: the checkpoint stays one entry per document
    assert result.run_info["checkpoint"]["dropped"] == 1 and checkpoint_lines(out) == 1 + 160
    again = audit.run(work, out=out, resume=True)
    assert again.run_info["checkpoint"]["reused"] == 160 and again.run_info["checkpoint"]["dropped"] == 0
    fresh = audit.run(work, out=tmp_path / "fresh")
    assert result.findings.equals(fresh.findings) and result.documents.equals(fresh.documents)


def test_checkpoint_of_another_config_is_not_reused(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    audit.run(corpus, out=out)
    other = audit.Config.from_dict({"policy": {"min_confidence": 0.9}})
    result = audit.run(corpus, other, out=out, resume=True)
    assert result.run_info["checkpoint"]["reused"] == 0 and result.run_info["checkpoint"]["audited"] == 160


def test_checkpoint_reads_back_each_entry_only_when_reused(tmp_path: Path) -> None:
    """Entries hold a position in the file, not the findings; lines after multi-byte text, a
    document written twice (the later entry counts), a damaged line and a half-written tail."""
    from audit.checkpoint import Checkpoint
    from audit.records import Document, DocumentResult, Finding

    docs = [Document("hanoi.txt", "Tổng Bí thư Tô Lâm đón Putin ở Hà Nội."),
            Document("seoul.txt", "Kim Jong Un offered his full support to Ukraine."),
            Document("kyiv.txt", "Зеленський заявив, що Київ готовий до переговорів.")]

    def outcome(doc: Document, note: str) -> tuple[list[Finding], DocumentResult]:
        finding = Finding(doc.doc_id, 0, 4, doc.text[:4], "untranslated", "major", "untranslated",
                          f"{note}: “{doc.text[:4]}” left untranslated", evidence={"language": "vi"})
        return [finding], DocumentResult(doc.doc_id, "", "utf-8", 9, 1, 5.0, 80.0, True)

    header = {"version": "test", "config": "c", "evidence": "e", "detectors": ["untranslated"]}
    first = Checkpoint(tmp_path, header, resume=False)
    for doc in docs:
        first.add(doc, *outcome(doc, "first"))
    first.add(docs[0], *outcome(docs[0], "again"))
    first.close()
    path = tmp_path / ".mtaudit" / "checkpoint.jsonl"
    from audit.records import content_hash

    with path.open("ab") as fh:
        fh.write(b'{"doc_id": "seoul.txt", "doc_hash": "x", "findings": [\n')  # not JSON: ignored
        bad = {"doc_id": "kyiv.txt", "doc_hash": content_hash(docs[2].text), "findings": [{"start": 0}],
               "result": {}}
        fh.write(json.dumps(bad).encode() + b"\n")  # JSON, but not an entry
        fh.write(b'{"doc_id": "seoul.txt", "doc_ha')  # killed while writing

    resumed = Checkpoint(tmp_path, header, resume=True)
    assert all(isinstance(v, tuple) and len(v) == 3 for v in resumed.entries.values())
    assert resumed.get(docs[0]) == outcome(docs[0], "again")
    assert resumed.get(docs[1]) == outcome(docs[1], "first")
    assert resumed.get(docs[2]) is None  # its latest line is the damaged one: audited again
    assert resumed.get(Document("seoul.txt", "another text")) is None  # changed since
    assert resumed.reused == 2
    resumed.add(docs[2], *outcome(docs[2], "redone"))
    resumed.close(complete=True)
    again = Checkpoint(tmp_path, header, resume=True)
    assert [again.get(d) for d in docs] == [outcome(docs[0], "again"), outcome(docs[1], "first"),
                                           outcome(docs[2], "redone")]
    again.close(complete=True)
    assert path.read_bytes().count(b"\n") == 1 + 3
