"""The output files: written whole or not at all, and readable by whoever the umask lets read."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import audit
from audit import output

TEXTS = {
    "a.txt": "Putin arrived in Hanoi on Thursday. To Lam welcomed him, and Vietnam signed deals with its "
             "partners in the capital.\n",
    "b.txt": "HANOI.- The president of Russia, Vladimir Putinsigned several agreements on Thursday.\n",
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_outputs_get_the_umask_permissions_not_a_temp_files(corpus: Path, tmp_path: Path,
                                                            umask_027: None) -> None:
    out = tmp_path / "out"
    audit.run(corpus, out=out)
    written = [p for p in out.iterdir() if p.is_file()]
    assert {p.name for p in written} >= {"findings.parquet", "documents.parquet", "repair_queue.csv", "run.json"}
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == 0o640, p.name


def test_a_failed_write_keeps_the_good_file_and_leaves_no_temp(corpus: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    audit.run(corpus, out=out)
    good = (out / "findings.parquet").read_bytes()
    assert pl.read_parquet(out / "findings.parquet").height > 0

    def disk_full(self: pl.DataFrame, path: str, **kwargs: object) -> None:
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", disk_full)
    monkeypatch.setattr(pl.LazyFrame, "sink_parquet", disk_full)
    with pytest.raises(OSError, match="No space"):
        audit.run(corpus, out=out)
    assert (out / "findings.parquet").read_bytes() == good
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_atomic_copy_keeps_its_sources_mode(tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_text("kept\n", encoding="utf-8")
    src.chmod(0o600)
    target = tmp_path / "copy.txt"
    output._atomic(target, lambda t: shutil.copy2(src, t), shared=False)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_json_lines_written_a_row_group_at_a_time_are_those_of_the_whole_table(tmp_path: Path) -> None:
    table = pl.DataFrame({"doc_id": [f"d{i}.txt" for i in range(7)],
                          "text": ["Vietnam’s To Lam\nmet Putin “at noon”", "", "é\u200b\u0301", "a\tb",
                                   "שלום", "x" * 300, '{"json": true}'],
                          "spans": [[1, 2], [], [3], [4, 5, 6], [], [7], [8]]})
    table.write_parquet(tmp_path / "t.parquet", row_group_size=2)
    table.write_ndjson(tmp_path / "whole.jsonl")
    for rows in (1, 2, 3, 100):
        output._ndjson_from_parquet(tmp_path / "t.parquet", str(tmp_path / "sliced.jsonl"), rows)
        assert (tmp_path / "sliced.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    table.clear().write_parquet(tmp_path / "empty.parquet")
    output._ndjson_from_parquet(tmp_path / "empty.parquet", str(tmp_path / "empty.jsonl"), 2)
    assert (tmp_path / "empty.jsonl").read_bytes() == b""
