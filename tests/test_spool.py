"""Output tables gathered in batches: the same rows whether kept in memory or spilled to disk."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from audit.corroborate import ALIGNMENT_ROW_SCHEMA
from audit.spool import FrameSpool, ObjectSpool

ROWS = [(f"doc-{i % 7}.txt", i, i + 40, f"doc-{(i + 1) % 7}.txt", i + 3, i + 50, round(0.3 + i / 1000, 3))
        for i in range(95)]


def test_spool_in_memory_and_on_disk_give_the_same_frame(tmp_path: Path) -> None:
    memory = FrameSpool(ALIGNMENT_ROW_SCHEMA, batch_rows=10)
    disk = FrameSpool(ALIGNMENT_ROW_SCHEMA, tmp_path, name="alignments", batch_rows=10)
    for spool in (memory, disk):
        spool.extend(ROWS[:50])
        spool.add_frame(pl.DataFrame(ROWS[50:60], schema=ALIGNMENT_ROW_SCHEMA, orient="row"))
        spool.extend(ROWS[60:])
        assert len(spool) == len(ROWS)
    expected = pl.DataFrame(ROWS, schema=ALIGNMENT_ROW_SCHEMA, orient="row")
    assert memory.frame().equals(expected) and disk.frame().equals(expected)
    parts = sorted(tmp_path.rglob("*.parquet"))
    assert len(parts) == 10  # 5 + 1 added frame + 4 (the last 5 rows flushed when read): one file a batch
    assert disk.lazy().filter(pl.col("start") >= 90).collect().height == 5
    disk.close()
    assert not list(tmp_path.rglob("*.parquet"))


def test_empty_spool_has_the_schema(tmp_path: Path) -> None:
    frame = FrameSpool(ALIGNMENT_ROW_SCHEMA, tmp_path).frame()
    assert frame.is_empty() and frame.schema == pl.Schema(ALIGNMENT_ROW_SCHEMA)


def test_object_spool_reads_back_in_order_from_disk_and_removes_its_file(tmp_path: Path) -> None:
    from audit.records import Finding

    items = [([Finding(f"d{i}.txt", i, i + 3, "abc", "duplicate", "minor", "duplicate", "why")], i)
             for i in range(23)]
    memory, disk = ObjectSpool(), ObjectSpool(tmp_path, name="outcomes", batch=5)
    for spool in (memory, disk):
        for item in items:
            spool.append(item)
        assert len(spool) == 23
    assert len(disk._held) == 3  # four batches of five went to disk
    assert list(disk) == items and list(disk) == items and list(memory) == items  # read as often as asked
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].stat().st_size > 0
    disk.close()
    assert list(tmp_path.iterdir()) == []
