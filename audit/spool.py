"""Output rows gathered a batch at a time: compact columnar chunks, spilled to Parquet parts on disk.

A corpus-sized table (findings, documents, sentence alignments) is never a list of Python rows:
rows become a polars chunk every `batch_rows`, and with a `directory` each chunk is written out
as a part file at once, so memory holds one batch whatever the corpus size. The parts are then
streamed into the final file (`sink`) or read back (`frame`).
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl


class FrameSpool:
    def __init__(self, schema: dict[str, Any], directory: str | Path | None = None, name: str = "part",
                 batch_rows: int = 20_000) -> None:
        self.schema = schema
        self.batch_rows = batch_rows
        self.rows = 0
        self._pending: list[Sequence[Any]] = []
        self._chunks: list[pl.DataFrame] = []
        self._parts: list[Path] = []
        self._dir = None
        if directory is not None:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self._dir = tempfile.TemporaryDirectory(prefix=f"{name}-", dir=directory)

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows as tuples in schema order."""
        for row in rows:
            self._pending.append(row)
            if len(self._pending) >= self.batch_rows:
                self._flush()

    def add_frame(self, frame: pl.DataFrame) -> None:
        self._flush()
        self._store(frame)

    def _flush(self) -> None:
        if self._pending:
            frame = pl.DataFrame(self._pending, schema=self.schema, orient="row")
            self._pending = []
            self._store(frame)

    def _store(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if self._dir is None:
            self._chunks.append(frame)
            return
        path = Path(self._dir.name) / f"{len(self._parts):06d}.parquet"
        frame.write_parquet(path)
        self._parts.append(path)

    def __len__(self) -> int:
        return self.rows + len(self._pending)

    def lazy(self) -> pl.LazyFrame:
        self._flush()
        if self._parts:
            return pl.scan_parquet(self._parts, schema=self.schema)
        if self._chunks:
            return pl.concat(self._chunks, rechunk=False).lazy()
        return pl.DataFrame(schema=self.schema).lazy()

    def frame(self) -> pl.DataFrame:
        return self.lazy().collect()

    def close(self) -> None:
        self._chunks = []
        self._parts = []
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


class ObjectSpool:
    """Python objects kept in the order appended, pickled to a temporary file a batch at a time
    when a folder is given (held in a list otherwise), and read back in that order, as often as
    asked. For per-document outcomes that later passes read in corpus order: memory holds one
    batch, not one outcome per document of the corpus."""

    def __init__(self, directory: str | Path | None = None, name: str = "objects", batch: int = 500) -> None:
        self.batch = batch
        self._held: list[Any] = []
        self._count = 0
        self._file: Any = None
        if directory is not None:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self._file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (held open until close())
                prefix=f"{name}-", suffix=".pickle", dir=directory)

    def append(self, item: Any) -> None:
        self._held.append(item)
        self._count += 1
        if self._file is not None and len(self._held) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if self._file is not None and self._held:
            pickle.dump(self._held, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._held = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        if self._file is None:
            yield from self._held
            return
        self._flush()
        self._file.flush()
        with open(self._file.name, "rb") as f:
            while True:
                try:
                    yield from pickle.load(f)
                except EOFError:
                    return

    def close(self) -> None:
        self._held = []
        if self._file is not None:
            self._file.close()  # a NamedTemporaryFile is deleted as it closes
            self._file = None
