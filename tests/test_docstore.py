"""The on-disk document store: what every pass reads back must be exactly what was loaded."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import audit
from audit.docstore import DocumentStore, chunks, doc_ids, loaded, select, take
from audit.loaders import iter_documents
from audit.records import Document

REFERENCE_CORPUS = Path(__file__).resolve().parents[1] / "reference" / "corpus"


@pytest.fixture()
def reference_docs() -> list[Document]:
    return list(iter_documents([REFERENCE_CORPUS]))


def test_store_reads_back_every_document_in_order(reference_docs: list[Document], tmp_path: Path) -> None:
    broken = Document("broken.txt", "", error="could not decode")
    docs = [*reference_docs, broken, Document("kim.txt", "Kim Jong Un offered his full support.")]
    with DocumentStore.from_documents(iter(docs), tmp_path) as store:
        assert len(store) == len(docs) and list(store) == docs
        assert store[0] == docs[0] and store[-1] == docs[-1] and store[2:5] == docs[2:5]
        assert store[::2] == docs[::2]
        assert doc_ids(store) == [d.doc_id for d in docs]
        with pytest.raises(IndexError):
            store[len(docs)]
        good = loaded(store)
        assert list(good) == [d for d in docs if not d.error] and len(good) == len(docs) - 1
        assert good[1:3] == [d for d in docs if not d.error][1:3]
        short = select(good, lambda d: len(d.text) < 100)
        assert [d.doc_id for d in short] == ["kim.txt"] and short.doc_ids == ["kim.txt"]
        assert take(store, [3, 0]) == [docs[3], docs[0]]
        assert [c for c in chunks(store, 3)] == [docs[i : i + 3] for i in range(0, len(docs), 3)]
        with pytest.raises(TypeError, match="send slices"):
            pickle.dumps(store)
        folder = Path(store._dir.name)
        assert folder.parent == tmp_path
    assert not folder.exists()  # closing removes the spilled corpus


def test_run_streams_the_corpus_and_writes_the_same_tables(tmp_path: Path) -> None:
    """`run` spills documents and tables to disk; the result must equal the in-memory API's."""
    config = audit.Config()
    streamed = audit.run(REFERENCE_CORPUS, config, out=tmp_path / "out")
    in_memory = audit.audit_documents(list(iter_documents([REFERENCE_CORPUS])), config)
    for name in ("findings", "documents", "repair_queue", "entities", "alignments"):
        assert streamed.lazy(name) is not None
        assert getattr(streamed, name).equals(getattr(in_memory, name)), name
    assert streamed.documents["text"].to_list() == [d.text for d in iter_documents([REFERENCE_CORPUS])]
    work = tmp_path / "out" / ".mtaudit"
    assert sorted(p.name for p in work.iterdir()) == ["checkpoint.jsonl"]  # no spool left behind
