"""A corpus of hostile files audited end to end by `python -m audit run`: no crash, no hang, and
every problem reported on its own document (or, for what is not a document at all, on stderr).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import REFERENCE_CORPUS, ROOT

MAX_BYTES = 1_000_000
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
SENTENCE = "The talks in Hanoi were useful, the minister said on Thursday. "


def _run(corpus: list[Path], out: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    config.write_text(f"max_bytes = {MAX_BYTES}\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "audit", "run", *map(str, corpus), "--out", str(out), "--config", str(config),
         "--quiet", "--no-report"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )


def _hostile_corpus(root: Path) -> dict[str, str | None]:
    """Write the corpus; returns doc_id -> a word its error must contain (None: audited cleanly)."""
    expect: dict[str, str | None] = {}
    articles = sorted(REFERENCE_CORPUS.glob("*.txt"))[:3]
    for p in articles:
        (root / p.name).write_bytes(p.read_bytes())
        expect[p.name] = None
    (root / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    expect["image.txt"] = "binary"
    # zip-bomb-like: one sentence repeated to just under and just over the size limit
    repeats = MAX_BYTES // len(SENTENCE.encode())
    (root / "bomb_under.txt").write_text(SENTENCE * (repeats - 50), encoding="utf-8")
    expect["bomb_under.txt"] = None
    (root / "bomb_over.txt").write_text(SENTENCE * (repeats + 50), encoding="utf-8")
    expect["bomb_over.txt"] = "max_bytes"
    body = "<p>" + SENTENCE * 8 + "</p>"
    (root / "deep.html").write_text(
        "<html><body>" + "<div>" * 50_000 + body + "</div>" * 50_000 + "</body></html>", encoding="utf-8")
    expect["deep.html"] = "?"  # either extracted or "no article text": checked below
    (root / "unclosed.html").write_text("<html><body>" + "<div><b><i>" * 20_000 + body, encoding="utf-8")
    expect["unclosed.html"] = "?"
    (root / "empty.txt").write_bytes(b"")
    expect["empty.txt"] = "empty"
    (root / "blank.md").write_text(" \n\t\n\u3000\n\n   ", encoding="utf-8")
    expect["blank.md"] = "empty"
    (root / "invalid_utf8.txt").write_bytes(bytes(range(128, 256)) * 4)
    expect["invalid_utf8.txt"] = "undecodable"
    (root / "line_10mb.txt").write_text(SENTENCE.strip() * (10_000_000 // len(SENTENCE)), encoding="utf-8")
    expect["line_10mb.txt"] = "max_bytes"
    (root / "dangling.txt").symlink_to(root / "no-such-file.txt")
    expect["dangling.txt"] = "cannot read"
    (root / "self_loop.txt").symlink_to(root / "self_loop.txt")
    expect["self_loop.txt"] = "cannot read"
    # A FIFO without a writer blocks `read()` forever: the loader must not open it.
    os.mkfifo(root / "pipe.txt")
    expect["pipe.txt"] = "not a regular file"
    # Unreadable permissions: as root chmod 000 still reads, so the file is then a plain document
    # (the dangling symlink and the FIFO above are the unreadable cases that hold for root too).
    locked = root / "locked.txt"
    locked.write_text(SENTENCE * 3, encoding="utf-8")
    locked.chmod(0)
    expect["locked.txt"] = None if IS_ROOT else "cannot read"
    # a folder symlink to its parent: a loop a naive walk follows forever
    sub = root / "sub"
    sub.mkdir()
    (sub / "inner.txt").write_text(SENTENCE * 3, encoding="utf-8")
    expect["sub/inner.txt"] = None
    (sub / "loop").symlink_to("..", target_is_directory=True)
    # a file name that is not UTF-8 reaches Python with lone surrogates
    with open(os.path.join(os.fsencode(root), b"caf\xe9.txt"), "wb") as fh:
        fh.write(SENTENCE.encode() * 3)
    expect["caf\\xe9.txt"] = None
    (root / "new\nline.txt").write_text(SENTENCE * 3, encoding="utf-8")
    expect["new\nline.txt"] = None
    return expect


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path,
                                                                    dict[str, str | None]]:
    tmp = tmp_path_factory.mktemp("hostile")
    corpus = tmp / "corpus"
    corpus.mkdir()
    expect = _hostile_corpus(corpus)
    table = tmp / "broken.jsonl"
    table.write_text('{"id": "t1", "text": "fine row"}\n{not json at all\n', encoding="utf-8")
    out = tmp / "out"
    try:
        proc = _run([corpus, table], out, tmp)
    finally:
        (corpus / "locked.txt").chmod(0o644)  # let pytest clean up
    return proc, out, expect


def test_run_finishes_with_exit_code_zero(hostile_run) -> None:
    proc, out, _ = hostile_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    for name in ("documents.parquet", "findings.parquet", "run.json", "repair_queue.csv"):
        assert (out / name).is_file()


def test_every_file_has_a_row_with_a_clear_error_or_an_audit(hostile_run) -> None:
    _, out, expect = hostile_run
    docs = {r["doc_id"]: r for r in pl.read_parquet(out / "documents.parquet").iter_rows(named=True)}
    assert set(expect) <= set(docs), sorted(set(expect) - set(docs))
    for doc_id, word in expect.items():
        row = docs[doc_id]
        if word is None:
            assert row["error"] is None and row["words"] > 0, (doc_id, row["error"])
        elif word == "?":  # deeply nested HTML: extracted, or reported as having no article text
            assert (row["error"] is None and "Hanoi" in row["text"]) or "HTML" in (row["error"] or ""), row
        else:
            assert word in (row["error"] or ""), (doc_id, row["error"])
            assert row["text"] == "" and row["n_findings"] == 0
    assert docs["bomb_under.txt"]["words"] > 100_000
    assert "raise max_bytes" in docs["bomb_over.txt"]["error"]


def test_an_unreadable_table_is_one_error_row(hostile_run) -> None:
    _, out, _ = hostile_run
    docs = pl.read_parquet(out / "documents.parquet")
    row = docs.filter(pl.col("doc_id") == "broken.jsonl").to_dicts()
    assert len(row) == 1 and "cannot read table" in row[0]["error"]


def test_the_symlink_loop_is_not_followed_and_is_reported_on_stderr(hostile_run) -> None:
    proc, out, _ = hostile_run
    ids = pl.read_parquet(out / "documents.parquet")["doc_id"].to_list()
    assert len(ids) == len(set(ids))
    assert not [i for i in ids if i.startswith("sub/loop")]  # not walked into, so no endless paths
    assert "not following folder symlink" in proc.stderr and "loop" in proc.stderr


def test_run_json_counts_the_problem_documents(hostile_run) -> None:
    import json

    _, out, expect = hostile_run
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    docs = pl.read_parquet(out / "documents.parquet")
    assert info["documents"] == docs.height
    problems = sum(1 for w in expect.values() if w not in (None, "?")) + 1  # + the broken table
    assert info["documents_with_errors"] >= problems


def test_findings_of_hostile_documents_slice_their_text(hostile_run) -> None:
    _, out, _ = hostile_run
    texts = dict(pl.read_parquet(out / "documents.parquet").select("doc_id", "text").iter_rows())
    findings = pl.read_parquet(out / "findings.parquet")
    assert findings.height > 0  # the real articles do have problems
    for f in findings.iter_rows(named=True):
        assert texts[f["doc_id"]][f["start"] : f["end"]] == f["text"]
