"""Story vectors: TF-IDF rows built a block at a time must be the rows of the whole matrix."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from audit.corroborate.stories import (
    _balanced_ranges,
    _candidates,
    _TopTermIndex,
    group_stories,
    tfidf_vectors,
)
from audit.corroborate.tokens import text_term_counts
from audit.execution.local import LocalExecutor
from audit.loaders import iter_documents
from audit.records import Document
from tests.conftest import REFERENCE_CORPUS, ROOT

STORIES = ROOT / "tests" / "fixtures" / "stories"


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    out = list(iter_documents(sorted(REFERENCE_CORPUS.glob("*"))))
    out.append(Document(doc_id="empty.txt", text="…"))  # no terms at all: an empty row
    return out


def test_rows_are_tfidf_of_terms_in_two_or_more_documents(docs: list[Document]) -> None:
    vectors = tfidf_vectors(docs, "en")
    counts = [Counter(text_term_counts(d.text, "en")) for d in docs]
    df = Counter(t for c in counts for t in c)
    n = len(docs)
    assert len(vectors) == n
    for i, c in enumerate(counts):
        want = {t: (math.log((n + 1) / (df[t] + 1)) + 1) * (1 + math.log(k)) for t, k in c.items() if df[t] > 1}
        norm = math.sqrt(sum(w * w for w in want.values())) or 1.0
        ids, weights = vectors.row(i)
        assert list(ids) == sorted(ids)
        got = {vectors.vocab[t]: w for t, w in zip(ids.tolist(), weights.tolist(), strict=True)}
        assert got.keys() == want.keys()
        for t, w in want.items():
            assert got[t] == pytest.approx(w / norm, rel=1e-12)
    assert len(vectors.row(n - 1)[0]) == 0


@pytest.mark.parametrize("chunk_size, spill", [(1, False), (2, False), (3, False), (2, True)])
def test_blocks_give_the_same_matrix_bit_for_bit(docs: list[Document], chunk_size: int, spill: bool,
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Also when the blocks wait on disk (`spill_dir`), which is left as it was found."""
    whole = tfidf_vectors(docs, "en", chunk_size=200)
    written: list[str] = []
    save = np.savez
    monkeypatch.setattr(np, "savez", lambda path, **arrays: (written.append(str(path)), save(path, **arrays)))
    split = tfidf_vectors(docs, "en", chunk_size=chunk_size, spill_dir=tmp_path if spill else None)
    assert len(written) == (math.ceil(len(docs) / chunk_size) if spill else 0)
    assert all(w.startswith(str(tmp_path)) for w in written)
    assert list(tmp_path.iterdir()) == []
    assert split.vocab == whole.vocab  # numbered in reading order either way
    assert np.array_equal(split.indptr, whole.indptr)
    assert np.array_equal(split.indices, whole.indices)
    assert np.array_equal(split.data, whole.data)  # exactly: same operations in the same order


def test_reference_stories_group_the_outlets_that_cover_one_event(docs: list[Document]) -> None:
    stories = group_stories(docs, "en")
    covered = [d.doc_id for d in docs if d.doc_id != "empty.txt"]
    assert len({stories[d] for d in covered}) == 1
    assert stories["empty.txt"] != stories[covered[0]]


def test_candidates_are_the_pairs_a_plain_loop_finds_strongest_first(docs: list[Document]) -> None:
    """Pairs sharing two or more usable top terms (a term in at most `max_postings` documents' top
    terms) at `threshold` cosine or above, from the arrays as from dicts and a loop over all pairs."""
    docs = docs + list(iter_documents([STORIES]))
    vectors = tfidf_vectors(docs, "en")
    top_terms, max_postings, threshold = 12, 4, 0.1
    rows = [dict(zip(vectors.row(i)[0].tolist(), vectors.row(i)[1].tolist(), strict=True))
            for i in range(len(vectors))]
    tops = [set(sorted(r, key=lambda t: (-r[t], vectors.vocab[t]))[:top_terms]) for r in rows]
    postings = Counter(t for top in tops for t in top)
    want = []
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            if len({t for t in tops[i] & tops[j] if postings[t] <= max_postings}) < 2:
                continue
            sim = sum(w * rows[j][t] for t, w in rows[i].items() if t in rows[j])
            if sim >= threshold:
                want.append((sim, i, j))
    want.sort(key=lambda c: (-c[0], c[1], c[2]))
    sims, first, second = _candidates(vectors, top_terms, max_postings, threshold)
    assert len(want) > 10
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == [(i, j) for _, i, j in want]
    assert sims.tolist() == pytest.approx([s for s, _, _ in want], rel=1e-12)


@pytest.mark.parametrize("tasks", [2, 3, 7])
def test_candidates_scored_in_ranges_on_workers_are_the_same(docs: list[Document], tasks: int) -> None:
    """Ranges of documents scored by two worker processes, then sorted whole: the same arrays."""
    docs = docs + list(iter_documents([STORIES]))
    vectors = tfidf_vectors(docs, "en")
    whole = _candidates(vectors, 12, 4, 0.1)
    executor = LocalExecutor(2)
    try:
        split = _candidates(vectors, 12, 4, 0.1, executor=executor, tasks=tasks)
    finally:
        executor.close()
    assert len(whole[0]) > 10
    for a, b in zip(whole, split, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("n, parts", [(0, 4), (3, 4), (8, 4), (50, 3), (1000, 8)])
def test_balanced_ranges_cover_every_document_once_in_order(n: int, parts: int) -> None:
    rng = np.random.default_rng(n)
    lengths = rng.integers(0, 5, n)
    starts = np.concatenate(([0], np.cumsum(lengths)))
    tops = rng.integers(0, 20, int(starts[-1])).astype(np.int32)
    bounds = np.searchsorted(np.sort(tops), np.arange(21))
    index = _TopTermIndex(np.zeros(n + 1, np.int64), np.zeros(0, np.int32), np.zeros(0), 20, tops, starts,
                          np.zeros(len(tops), np.int32), bounds)
    ranges = _balanced_ranges(index, max_postings=10, parts=parts)
    assert [i for lo, hi in ranges for i in range(lo, hi)] == list(range(n))
    assert all(lo < hi for lo, hi in ranges)
    assert len(ranges) <= max(parts, 1)
