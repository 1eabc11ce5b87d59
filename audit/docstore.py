"""Documents spilled to disk as they are read, so the corpus is never held in memory whole.

`run()` streams the loaders into a `DocumentStore` (one SQLite file in a temporary folder); every
pass (corpus index, rule pass, story grouping, corroboration, output) then reads the documents
back in order, a batch at a time, or fetches the few it needs by position. Memory holds the
documents in flight and a few bytes per document (its id and whether it loaded), not the texts.

The passes accept any `Sequence[Document]`: a plain list (the library API, tests) works the same.
The helpers below keep them from materialising a store by accident.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import overload

from audit.records import Document

_FETCH = 256


class DocumentStore(Sequence[Document]):
    """An append-then-read sequence of documents in a temporary SQLite file (deleted on `close`)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="mtaudit-docs-", dir=directory)
        self._db = sqlite3.connect(Path(self._dir.name) / "documents.sqlite", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE docs (pos INTEGER PRIMARY KEY, doc BLOB NOT NULL)")
        self.doc_ids: list[str] = []
        self.errors = bytearray()
        """1 where the document did not load (`Document.error`)."""

    @classmethod
    def from_documents(cls, docs: Iterable[Document], directory: str | Path | None = None) -> DocumentStore:
        store = cls(directory)
        store.extend(docs)
        return store

    def extend(self, docs: Iterable[Document]) -> None:
        it = iter(docs)
        while batch := list(islice(it, _FETCH)):
            first = len(self.doc_ids)
            self._db.executemany("INSERT INTO docs VALUES (?, ?)", (
                (first + k, pickle.dumps(d, pickle.HIGHEST_PROTOCOL)) for k, d in enumerate(batch)))
            self.doc_ids.extend(d.doc_id for d in batch)
            self.errors.extend(1 if d.error else 0 for d in batch)
        self._db.commit()

    def __len__(self) -> int:
        return len(self.doc_ids)

    @overload
    def __getitem__(self, i: int) -> Document: ...
    @overload
    def __getitem__(self, i: slice) -> list[Document]: ...
    def __getitem__(self, i: int | slice) -> Document | list[Document]:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                return [self[k] for k in range(start, stop, step)]
            return list(self._range(start, stop))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        row = self._db.execute("SELECT doc FROM docs WHERE pos = ?", (i,)).fetchone()
        return pickle.loads(row[0])

    def __iter__(self) -> Iterator[Document]:
        return self._range(0, len(self))

    def _range(self, start: int, stop: int) -> Iterator[Document]:
        cur = self._db.execute("SELECT doc FROM docs WHERE pos >= ? AND pos < ? ORDER BY pos", (start, stop))
        while rows := cur.fetchmany(_FETCH):
            for (blob,) in rows:
                yield pickle.loads(blob)

    def take(self, positions: Sequence[int]) -> list[Document]:
        """The documents at `positions`, in that order."""
        return [self[p] for p in positions]

    def subset(self, positions: Iterable[int]) -> DocumentView:
        return DocumentView(self, positions)

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> DocumentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a DocumentStore stays in the process that owns it; send slices of it instead")


class DocumentView(Sequence[Document]):
    """Some of a store's documents (ascending positions), read back in order without loading the rest."""

    def __init__(self, store: DocumentStore, positions: Iterable[int]) -> None:
        self.store = store
        self.positions = array("q", positions)
        self.doc_ids = [store.doc_ids[p] for p in self.positions]

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, i: int) -> Document: ...
    @overload
    def __getitem__(self, i: slice) -> list[Document]: ...
    def __getitem__(self, i: int | slice) -> Document | list[Document]:
        if isinstance(i, slice):
            return self.store.take(self.positions[i])
        return self.store[self.positions[i]]

    def __iter__(self) -> Iterator[Document]:
        if not self.positions:
            return
        wanted = iter(self.positions)
        nxt = next(wanted)
        for pos, doc in enumerate(self.store._range(self.positions[0], self.positions[-1] + 1),
                                  start=self.positions[0]):
            if pos == nxt:
                yield doc
                nxt = next(wanted, -1)

    def take(self, positions: Sequence[int]) -> list[Document]:
        return self.store.take([self.positions[p] for p in positions])


def select(docs: Sequence[Document], keep: Callable[[Document], bool]) -> Sequence[Document]:
    """The documents for which `keep` is true: a view when `docs` is on disk, else a list."""
    if isinstance(docs, DocumentStore):
        return docs.subset(i for i, d in enumerate(docs) if keep(d))
    if isinstance(docs, DocumentView):
        return docs.store.subset(p for p, d in zip(docs.positions, docs, strict=True) if keep(d))
    return [d for d in docs if keep(d)]


def loaded(docs: Sequence[Document]) -> Sequence[Document]:
    """The documents that loaded (no `error`), without reading a stored corpus back."""
    if isinstance(docs, DocumentStore):
        return docs.subset(i for i, bad in enumerate(docs.errors) if not bad)
    return select(docs, lambda d: not d.error)


def doc_ids(docs: Sequence[Document]) -> list[str]:
    ids = getattr(docs, "doc_ids", None)
    return list(ids) if ids is not None else [d.doc_id for d in docs]


def take(docs: Sequence[Document], positions: Sequence[int]) -> list[Document]:
    """`[docs[p] for p in positions]`, one query per document when `docs` is on disk."""
    if isinstance(docs, (DocumentStore, DocumentView)):
        return docs.take(positions)
    return [docs[p] for p in positions]


def chunks(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    """Consecutive lists of `size` documents, read lazily (a store is streamed, never loaded whole)."""
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch
