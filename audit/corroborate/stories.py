"""Group the documents of a corpus into stories: TF-IDF cosine, with an inverted index for blocking.

Each document is compared only with documents that share some of its most distinctive terms
(its top `top_terms` by TF-IDF), never with all others, so grouping stays near-linear in the
corpus size. Documents linked at `threshold` cosine or above join one story (union-find).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from audit.corroborate.tokens import content_terms, tokens
from audit.records import Document


def tfidf_vectors(docs: Sequence[Document], lang: str) -> list[dict[str, float]]:
    counts = [Counter(content_terms(tokens(d.text), lang)) for d in docs]
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
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def group_stories(
    docs: Sequence[Document], lang: str, threshold: float = 0.2, top_terms: int = 40,
    max_postings: int = 200,
) -> tuple[dict[str, str], dict[tuple[str, str], float]]:
    """doc_id -> story id (`story-0001`…, numbered in corpus order), and the similarity of each link."""
    vectors = tfidf_vectors(docs, lang)
    postings: dict[str, list[int]] = defaultdict(list)
    tops = []
    for i, vec in enumerate(vectors):
        top = sorted(vec, key=lambda t: (-vec[t], t))[:top_terms]
        tops.append(top)
        for term in top:
            postings[term].append(i)
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links: dict[tuple[str, str], float] = {}
    for i, top in enumerate(tops):
        shared: Counter[int] = Counter()
        for term in top:
            plist = postings[term]
            if len(plist) > max_postings:  # too common to say which story a document is
                continue
            shared.update(j for j in plist if j > i)
        for j, k in shared.items():
            if k < 2:
                continue
            sim = cosine(vectors[i], vectors[j])
            if sim >= threshold:
                links[(docs[i].doc_id, docs[j].doc_id)] = sim
                parent[find(j)] = find(i)
    ids: dict[int, str] = {}
    out = {}
    for i, doc in enumerate(docs):
        root = find(i)
        if root not in ids:
            ids[root] = f"story-{len(ids) + 1:04d}"
        out[doc.doc_id] = ids[root]
    return out, links
