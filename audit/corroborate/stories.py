"""Group the documents of a corpus into stories: TF-IDF cosine, with an inverted index for blocking.

Each document is compared only with documents that share some of its most distinctive terms
(its top `top_terms` by TF-IDF), never with all others, so grouping stays near-linear in the
corpus size. Pairs at `threshold` cosine or above are merged strongest first, and two groups
join only when their centroids are that similar too, so stories do not chain together.

The vectors are one sparse matrix (CSR arrays: term ids and weights per document), not a dict
per document: ~12 bytes per term instead of ~150, and a document's cosine with all of its
candidates is one vectorised gather.
"""

from __future__ import annotations

import math
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audit.corroborate.tokens import text_term_counts
from audit.docstore import chunks, doc_ids
from audit.records import Document

if TYPE_CHECKING:
    from audit.execution import Executor

SparseRow = tuple[np.ndarray, np.ndarray]
"""Ascending term ids and their weights."""
ChunkCounts = tuple[list[str], list[tuple[np.ndarray, np.ndarray]]]
"""A chunk's own vocabulary, and per document the (vocabulary index, count) arrays of its terms."""


def term_counts(docs: Sequence[Document], lang: str) -> ChunkCounts:
    vocab: dict[str, int] = {}
    rows: list[tuple[np.ndarray, np.ndarray]] = []
    for d in docs:
        add_term_row(vocab, rows, text_term_counts(d.text, lang))
    return list(vocab), rows


def add_term_row(vocab: dict[str, int], rows: list[tuple[np.ndarray, np.ndarray]],
                 counts: dict[str, int]) -> None:
    """One document's `text_term_counts` as a row of a chunk's counts (ids in the chunk's `vocab`)."""
    ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in counts), np.int32, len(counts))
    rows.append((ids, np.fromiter(counts.values(), np.int32, len(counts))))


@dataclass
class Vectors:
    """Unit-length TF-IDF vectors of a corpus as CSR arrays; row i's term ids ascend."""

    vocab: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def row(self, i: int) -> SparseRow:
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.data[lo:hi]


def tfidf_vectors(docs: Sequence[Document], lang: str, executor: Executor | None = None,
                  chunk_size: int = 200, spill_dir: str | Path | None = None) -> Vectors:
    """`spill_dir`: where the raw counts wait on disk, a chunk to a file, until the corpus's
    document frequencies are known (None: in memory). They are as large again as the vectors."""
    count = partial(term_counts, lang=lang)
    parts = executor.map(count, chunks(docs, chunk_size)) if executor is not None \
        else map(count, chunks(docs, chunk_size))
    counter = TermCounter(spill_dir)
    for part in parts:
        counter.add(part)
    return counter.vectors()


class TermCounter:
    """The documents' term counts, added a chunk at a time in corpus order, until `vectors` weighs
    them. Fed by `tfidf_vectors`' own pass, or by the corpus pass (`CorpusIndex.build(story_terms=
    True)`), which tokenises every document anyway: then grouping reads no document again."""

    def __init__(self, spill_dir: str | Path | None = None) -> None:
        self._vocab: dict[str, int] = {}  # the corpus vocabulary, held once; rows hold term ids
        self._blocks = _Blocks(spill_dir)

    @property
    def rows(self) -> int:
        return self._blocks.rows

    def add(self, part: tuple[Iterable[str], list[tuple[np.ndarray, np.ndarray]]]) -> None:
        """A chunk's vocabulary (in its id order) and rows, the chunk after those added before."""
        local_vocab, rows = part
        vocab = self._vocab
        remap = np.fromiter((vocab.setdefault(t, len(vocab)) for t in local_vocab), np.int32)
        if rows:
            self._blocks.append(_sorted_rows(remap, rows))

    def vectors(self) -> Vectors:
        """The unit TF-IDF vectors (once: the counts are dropped)."""
        with self._blocks as blocks:
            return _weigh(list(self._vocab), blocks)


RowBlock = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Consecutive rows: their term ids and counts one row after the other, and each row's length."""


class _Blocks:
    """Row blocks in corpus order, read back as often as asked; with a folder, each is written to
    a file as it comes and only its document frequencies stay in memory."""

    def __init__(self, spill_dir: str | Path | None) -> None:
        self._held: list[RowBlock] = []
        self._files: list[Path] = []
        self._dir = None
        if spill_dir is not None:
            Path(spill_dir).mkdir(parents=True, exist_ok=True)
            self._dir = tempfile.TemporaryDirectory(prefix="tfidf-", dir=spill_dir)
        self.df = np.zeros(0, np.int64)
        self.rows = 0
        self.top = 0
        """The highest count of a term in a document."""

    def append(self, block: RowBlock) -> None:
        ids, counts, lengths = block
        found = np.bincount(ids, minlength=len(self.df))
        found[: len(self.df)] += self.df
        self.df = found
        self.rows += len(lengths)
        self.top = max(self.top, int(counts.max()) if len(counts) else 0)
        if self._dir is None:
            self._held.append(block)
            return
        path = Path(self._dir.name) / f"{len(self._files):06d}.npz"
        np.savez(path, ids=ids, counts=counts, lengths=lengths)
        self._files.append(path)

    def __iter__(self) -> Iterator[RowBlock]:
        if self._dir is None:
            yield from self._held
            return
        for path in self._files:
            with np.load(path) as block:
                yield block["ids"], block["counts"], block["lengths"]

    def __enter__(self) -> _Blocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self._held = []
        if self._dir is not None:
            self._dir.cleanup()


def _weigh(vocab: list[str], blocks: _Blocks) -> Vectors:
    """Unit-length TF-IDF rows from raw counts, a block of rows at a time.

    One entry per (document, term) is the peak of a large corpus's memory, so nothing the size of
    the whole matrix is built but the result: each block is weighed into it in turn (read back
    from disk when `blocks` spilled them).
    Every value comes from the same operations in the same order as on the whole matrix at once.
    """
    n = blocks.rows
    df = np.zeros(len(vocab), np.int64)
    df[: len(blocks.df)] = blocks.df
    linked = df > 1 if n > 2 else np.ones(len(df), bool)  # a term in one document links nothing
    idf = np.log((n + 1) / (df + 1.0)) + 1.0
    tf = np.ones(blocks.top + 1)
    tf[1:] += np.log(np.arange(1, blocks.top + 1, dtype=np.float64))
    kept = np.concatenate([np.bincount(np.repeat(np.arange(len(lengths)), lengths)[linked[ids]],
                                       minlength=len(lengths)) for ids, _, lengths in blocks]) \
        if n else np.zeros(0, np.int64)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(kept, out=indptr[1:])
    out_ids = np.empty(int(indptr[-1]), np.int32)
    weights = np.empty(int(indptr[-1]), np.float64)
    r0 = 0
    for ids, counts, lengths in blocks:
        r1 = r0 + len(lengths)
        keep = linked[ids]
        ids, counts = ids[keep], counts[keep]
        w = idf[ids]
        w *= tf[counts]
        rows = np.repeat(np.arange(r1 - r0), kept[r0:r1])
        norms = np.sqrt(np.bincount(rows, weights=np.square(w), minlength=r1 - r0))
        norms[norms == 0] = 1.0
        w /= np.repeat(norms, kept[r0:r1])
        out_ids[indptr[r0] : indptr[r1]] = ids
        weights[indptr[r0] : indptr[r1]] = w
        r0 = r1
    return Vectors(vocab, indptr, out_ids, weights)


def _sorted_rows(remap: np.ndarray, rows: list[tuple[np.ndarray, np.ndarray]]) -> RowBlock:
    """A chunk's rows in corpus vocabulary ids, each row's ids ascending, concatenated: sorted a
    chunk at a time, so the whole matrix never needs a sort (its temporaries were the peak)."""
    lengths = np.fromiter((len(ids) for ids, _ in rows), np.int64, len(rows))
    if not lengths.sum():
        return np.zeros(0, np.int32), np.zeros(0, np.int32), lengths
    ids = remap[np.concatenate([ids for ids, _ in rows])]
    counts = np.concatenate([c for _, c in rows])
    order = np.lexsort((ids, np.repeat(np.arange(len(rows)), lengths)))
    return ids[order], counts[order], lengths


def _sparse_dot(a: SparseRow, b: SparseRow) -> float:
    _, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return float(np.dot(a[1][ia], b[1][ib]))


def _centroid_cosine(a: SparseRow, b: SparseRow) -> float:
    """Cosine of two sums of unit vectors."""
    na = math.sqrt(float(np.dot(a[1], a[1]))) or 1.0
    nb = math.sqrt(float(np.dot(b[1], b[1]))) or 1.0
    return _sparse_dot(a, b) / (na * nb)


def _sparse_sum(a: SparseRow, b: SparseRow) -> SparseRow:
    ids = np.concatenate((a[0], b[0]))
    weights = np.concatenate((a[1], b[1]))
    order = np.argsort(ids, kind="stable")
    ids, weights = ids[order], weights[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    return ids[starts], np.add.reduceat(weights, starts)


def _top_terms(vectors: Vectors, top_terms: int) -> tuple[np.ndarray, np.ndarray]:
    """Each document's `top_terms` heaviest term ids (ties by the term's spelling), one document
    after the other, and where each document's begin (n + 1 offsets): one array, not an array per
    document (~100 bytes of overhead each)."""
    rank = np.empty(len(vectors.vocab), np.int64)
    rank[np.array(sorted(range(len(vectors.vocab)), key=vectors.vocab.__getitem__), np.int64)] = \
        np.arange(len(vectors.vocab))
    starts = np.zeros(len(vectors) + 1, np.int64)
    np.cumsum(np.minimum(np.diff(vectors.indptr), top_terms), out=starts[1:])
    tops = np.empty(int(starts[-1]), np.int32)
    for i in range(len(vectors)):
        ids, weights = vectors.row(i)
        tops[starts[i] : starts[i + 1]] = ids[np.lexsort((rank[ids], -weights))[:top_terms]]
    return tops, starts


Candidates = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Cosines, and the pairs' first and second documents (i < j), strongest first (ties by i, then j)."""


def _candidates(vectors: Vectors, top_terms: int, max_postings: int, threshold: float,
                executor: Executor | None = None, tasks: int = 4) -> Candidates:
    """Pairs (i < j) sharing two or more top terms whose cosine reaches `threshold`.

    As three arrays, not a tuple per pair: a large corpus has hundreds of thousands of pairs, and
    their tuples (~150 bytes each) were most of this step's memory, next to the vectors. With
    `executor`, `tasks` ranges of documents (of about equal work) are scored in parallel: the
    cosines are most of story grouping's time, and the result, sorted whole, is the same.
    """
    tops, starts = _top_terms(vectors, top_terms)
    owner = np.repeat(np.arange(len(vectors), dtype=np.int32), np.diff(starts))
    order = np.argsort(tops, kind="stable")  # postings: for each term, its documents ascending
    post_terms, post_docs = tops[order], owner[order]
    del order, owner
    bounds = np.searchsorted(post_terms, np.arange(len(vectors.vocab) + 1))
    del post_terms
    index = _TopTermIndex(vectors.indptr, vectors.indices, vectors.data, len(vectors.vocab), tops, starts,
                          post_docs, bounds)
    ranges = _balanced_ranges(index, max_postings, tasks if executor is not None else 1)
    find = partial(_range_candidates, index, max_postings=max_postings, threshold=threshold)
    if executor is not None and len(ranges) > 1:
        parts = list(executor.map(find, ranges))
    else:
        parts = [find(span) for span in ranges]
    sims = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
    first = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int32)
    second = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int32)
    strongest = np.lexsort((second, first, -sims))
    return sims[strongest], first[strongest], second[strongest]


@dataclass
class _TopTermIndex:
    """What scoring a range of documents' candidates reads: the vectors' CSR arrays, each
    document's top terms (`_top_terms`) and, per term, the documents that have it among theirs."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_terms: int
    tops: np.ndarray
    starts: np.ndarray
    post_docs: np.ndarray
    bounds: np.ndarray


def _balanced_ranges(index: _TopTermIndex, max_postings: int, parts: int) -> list[tuple[int, int]]:
    """`parts` consecutive ranges of documents with about equal work: a document's is the postings
    of its usable top terms, of which it scores the later documents' share."""
    n = len(index.starts) - 1
    if parts <= 1 or n < 2 * parts:
        return [(0, n)] if n else []
    plen = np.diff(index.bounds)[index.tops]
    cum = np.concatenate(([0], np.cumsum(np.where(plen <= max_postings, plen, 0))))
    work = (cum[index.starts[1:]] - cum[index.starts[:-1]]) * (n - np.arange(n)) / n
    total = np.cumsum(work)
    cuts = np.searchsorted(total, total[-1] * np.arange(1, parts) / parts).tolist()
    edges = sorted({0, *[min(max(c, 1), n - 1) for c in cuts], n})
    return list(pairwise(edges))


def _range_candidates(index: _TopTermIndex, span: tuple[int, int], max_postings: int, threshold: float
                      ) -> Candidates:
    """`_candidates` of the documents i in `span` (unsorted)."""
    tops, starts, post_docs, bounds = index.tops, index.starts, index.post_docs, index.bounds
    indptr, indices, data = index.indptr, index.indices, index.data
    plen = np.diff(bounds)
    dense = np.zeros(index.n_terms)
    found_sims, found_i, found_j = array("d"), array("i"), array("i")
    for i in range(*span):
        top = tops[starts[i] : starts[i + 1]]
        usable = top[plen[top] <= max_postings]  # a term too common says nothing about the story
        if not len(usable):
            continue
        js = np.concatenate([post_docs[bounds[t] : bounds[t + 1]] for t in usable.tolist()])
        js = js[js > i]
        if not len(js):
            continue
        js, shared = np.unique(js, return_counts=True)
        js = js[shared >= 2]
        if not len(js):
            continue
        ids, weights = indices[indptr[i] : indptr[i + 1]], data[indptr[i] : indptr[i + 1]]
        dense[ids] = weights
        lo, hi = indptr[js], indptr[js + 1]
        sizes = hi - lo
        nonempty = sizes > 0
        js, lo, sizes = js[nonempty], lo[nonempty], sizes[nonempty]
        if len(js):
            offsets = np.zeros(len(js), np.int64)
            np.cumsum(sizes[:-1], out=offsets[1:])
            gather = np.repeat(lo - offsets, sizes) + np.arange(int(sizes.sum()))
            sims = np.add.reduceat(dense[indices[gather]] * data[gather], offsets)
            close = sims >= threshold
            found_sims.extend(sims[close].tolist())
            found_j.extend(js[close].tolist())
            found_i.extend([i] * int(close.sum()))
        dense[ids] = 0.0
    return (np.frombuffer(found_sims, np.float64), np.frombuffer(found_i, np.int32),
            np.frombuffer(found_j, np.int32))


def group_stories(
    docs: Sequence[Document], lang: str, threshold: float = 0.2, top_terms: int = 40,
    max_postings: int = 200, executor: Executor | None = None, spill_dir: str | Path | None = None,
    terms: TermCounter | None = None,
) -> dict[str, str]:
    """doc_id -> story id (`story-0001`…, numbered in corpus order). `spill_dir`: see `tfidf_vectors`.
    `terms`: the documents' term counts, already gathered (one row per document of `docs`, in
    order); consumed. Without it they are counted here, in a pass over `docs`."""
    if terms is None:
        vectors = tfidf_vectors(docs, lang, executor, spill_dir=spill_dir)
    elif terms.rows != len(docs):
        raise ValueError(f"term counts for {terms.rows} documents, not the {len(docs)} to group")
    else:
        vectors = terms.vectors()
    ids = doc_ids(docs)
    _, first, second = _candidates(vectors, top_terms, max_postings, threshold, executor)
    # Strongest links first; two groups merge only when their centroids are similar too, so one
    # borderline pair cannot chain two stories together (average linkage, not single linkage).
    parent = list(range(len(docs)))
    centroid: dict[int, SparseRow] = {}  # groups of two or more documents
    size = [1] * len(docs)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _pairs(first, second):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        ci = centroid.get(ri) or vectors.row(ri)
        cj = centroid.get(rj) or vectors.row(rj)
        if size[ri] + size[rj] > 2 and _centroid_cosine(ci, cj) < threshold:
            continue
        if size[ri] < size[rj]:
            ri, rj = rj, ri
        centroid[ri] = _sparse_sum(ci, cj)
        parent[rj] = ri
        size[ri] += size[rj]
        centroid.pop(rj, None)
    names: dict[int, str] = {}
    out = {}
    for i, doc_id in enumerate(ids):
        root = find(i)
        if root not in names:
            names[root] = f"story-{len(names) + 1:04d}"
        out[doc_id] = names[root]
    return out


def _pairs(first: np.ndarray, second: np.ndarray, batch: int = 65_536) -> Iterator[tuple[int, int]]:
    """The pairs as Python ints, a batch at a time (all at once, they cost more than the arrays)."""
    for lo in range(0, len(first), batch):
        yield from zip(first[lo : lo + batch].tolist(), second[lo : lo + batch].tolist(), strict=True)
