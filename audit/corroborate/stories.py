"""Group the documents of a corpus into stories: TF-IDF cosine, with an inverted index for blocking.

Each document is compared only with documents that share some of its most distinctive terms
(its top `top_terms` by TF-IDF), never with all others, so grouping stays near-linear in the
corpus size. Pairs at `threshold` cosine or above are merged strongest first, and two groups
join only when their centroids are that similar too, so stories do not chain together.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from audit.corroborate.tokens import content_terms, tokens
from audit.records import Document

if TYPE_CHECKING:
    from audit.execution import Executor


def term_counts(docs: Sequence[Document], lang: str) -> list[Counter[str]]:
    return [Counter(content_terms(tokens(d.text), lang)) for d in docs]


def tfidf_vectors(docs: Sequence[Document], lang: str, executor: Executor | None = None,
                  chunk_size: int = 200) -> list[dict[str, float]]:
    if executor is None:
        counts = term_counts(docs, lang)
    else:  # tokenising is the costly part: in parallel, chunk by chunk, in corpus order
        chunks = [docs[i : i + chunk_size] for i in range(0, len(docs), chunk_size)]
        counts = [c for part in executor.map(partial(term_counts, lang=lang), chunks) for c in part]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(docs)
    vectors = []
    for c in counts:
        vec = {t: (1.0 + math.log(k)) * (math.log((n + 1) / (df[t] + 1)) + 1.0) for t, k in c.items()
               if df[t] > 1 or n <= 2}  # a term in one document only links nothing
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    # The shared terms are found in C; fsum is exact, so the set's order does not matter.
    return math.fsum(a[t] * b[t] for t in a.keys() & b.keys())


def _centroid_cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two sums of unit vectors."""
    na = math.sqrt(sum(v * v for v in a.values())) or 1.0
    nb = math.sqrt(sum(v * v for v in b.values())) or 1.0
    return cosine(a, b) / (na * nb)


def group_stories(
    docs: Sequence[Document], lang: str, threshold: float = 0.2, top_terms: int = 40,
    max_postings: int = 200, executor: Executor | None = None,
) -> tuple[dict[str, str], dict[tuple[str, str], float]]:
    """doc_id -> story id (`story-0001`…, numbered in corpus order), and the similarity of each link."""
    vectors = tfidf_vectors(docs, lang, executor)
    postings: dict[str, list[int]] = defaultdict(list)
    tops = []
    for i, vec in enumerate(vectors):
        top = sorted(vec, key=lambda t: (-vec[t], t))[:top_terms]
        tops.append(top)
        for term in top:
            postings[term].append(i)
    candidates: list[tuple[float, int, int]] = []
    for i, top in enumerate(tops):
        shared: Counter[int] = Counter()
        for term in top:
            plist = postings[term]
            if len(plist) > max_postings:  # too common to say which story a document is
                continue
            shared.update(j for j in plist if j > i)
        for j, k in shared.items():
            if k >= 2:
                sim = cosine(vectors[i], vectors[j])
                if sim >= threshold:
                    candidates.append((sim, i, j))
    # Strongest links first; two groups merge only when their centroids are similar too, so one
    # borderline pair cannot chain two stories together (average linkage, not single linkage).
    parent = list(range(len(docs)))
    centroid: dict[int, dict[str, float]] = dict(enumerate(vectors))  # copied on first merge only
    size = [1] * len(docs)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links: dict[tuple[str, str], float] = {}
    for sim, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        ri, rj = find(i), find(j)
        if ri == rj:
            links[(docs[i].doc_id, docs[j].doc_id)] = sim
            continue
        ci, cj = centroid[ri], centroid[rj]
        if size[ri] + size[rj] > 2 and _centroid_cosine(ci, cj) < threshold:
            continue
        links[(docs[i].doc_id, docs[j].doc_id)] = sim
        if size[ri] < size[rj]:
            ri, rj, ci, cj = rj, ri, cj, ci
        if size[ri] == 1:
            ci = centroid[ri] = dict(ci)  # still a document's own vector: copy before summing into it
        for t, v in cj.items():
            ci[t] = ci.get(t, 0.0) + v
        parent[rj] = ri
        size[ri] += size[rj]
        del centroid[rj]
    ids: dict[int, str] = {}
    out = {}
    for i, doc in enumerate(docs):
        root = find(i)
        if root not in ids:
            ids[root] = f"story-{len(ids) + 1:04d}"
        out[doc.doc_id] = ids[root]
    return out, links
