"""Align the sentences of a story's documents: for each sentence, its closest counterparts elsewhere.

Similarity is IDF-weighted cosine over content terms (words that are not stop words, and
numbers), with IDF taken over the story's sentences so that the story's own vocabulary
(`Putin`, `Vietnam`) counts for little and the specific words of a sentence count for much.
Candidates come from an inverted index (terms shared with the sentence), never all pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from audit.corroborate.tokens import Token, content_terms, token_texts, tokens
from audit.records import Document
from audit.text import sentences


@dataclass(frozen=True)
class Sentence:
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    # Derived from text: left out of == and hash, which sets and dicts of sentences call often.
    lows: tuple[str, ...] = field(compare=False)
    """The lower-cased text of each token (`tokens`): what sentences are compared on."""
    terms: frozenset[str] = field(compare=False)
    texts: tuple[str, ...] = field(compare=False)
    """The text of each token, as `lows` keeps them lower-cased."""

    @cached_property
    def toks(self) -> tuple[Token, ...]:
        """The tokens with their offsets, built the first time they are asked for: most sentences
        are only compared, and a token with offsets costs several times its text."""
        return tuple(tokens(self.text, self.start))

    def words(self, i: int, j: int) -> list[Token]:
        """Tokens i:j without their offsets (start and end -1): all that classifying a change
        reads, for a fraction of `toks`."""
        pairs = zip(self.texts[i:j], self.lows[i:j], strict=True)
        return [Token(-1, -1, t, low, t[:1].isdigit()) for t, low in pairs]

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """The distinct `lows`."""
        return frozenset(self.lows)


class Alignment(NamedTuple):
    """Sentence `a` of one document and its counterpart `b` in another, with their similarity
    (a tuple: a story makes hundreds of thousands)."""

    a: Sentence
    b: Sentence
    score: float


Shape = tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]
"""What a sentence's text alone decides: its `lows`, `terms` and `texts`."""


def story_sentences(doc: Document, lang: str, min_terms: int = 4,
                    shapes: dict[str, Shape | None] | None = None) -> list[Sentence]:
    """`shapes`: each sentence text's `Shape` (`None` below `min_terms`), kept across the calls
    that share it: a story's copies of a wire text repeat most of their sentences word for word,
    and sentences that repeat share one tokenisation (and one set of tuples)."""
    out = []
    if shapes is None:
        shapes = {}
    for i, s in enumerate(sentences(doc.text, lang)):
        shape = shapes.get(s.text, _UNSEEN)
        if shape is _UNSEEN:
            shape = shapes[s.text] = _shape(s.text, lang, min_terms)
        if shape is not None:
            out.append(Sentence(doc.doc_id, i, s.start, s.end, s.text, *shape))
    return out


_UNSEEN: Shape = ((), frozenset(), ())


def _shape(text: str, lang: str, min_terms: int) -> Shape | None:
    texts = token_texts(text)
    lows = tuple([t.lower() for t in texts])
    terms = frozenset(content_terms(texts, lows, lang))
    return (lows, terms, tuple(texts)) if len(terms) >= min_terms else None


class AlignedPairs(NamedTuple):
    """Aligned sentence pairs as arrays, in `align_story`'s order: positions `i` and `j` in the
    sentences given, and the score (rounded to 4 places as `round` does). A story with many copies
    aligns millions of pairs, and most go straight to a table: as arrays they need no object each."""

    i: np.ndarray
    j: np.ndarray
    score: np.ndarray


def align_story(
    sents: Sequence[Sentence], min_score: float = 0.3, per_doc: int = 1, max_postings: int = 500,
    pairs: int = 2_000_000,
) -> list[Alignment]:
    """Each sentence's best counterpart in every other document (`per_doc` of them), if similar
    enough (`align_pairs`, as `Alignment`s)."""
    found = align_pairs(sents, min_score, per_doc, max_postings, pairs)
    new = tuple.__new__  # what Alignment(...) calls, without its Python-level __new__
    return [new(Alignment, (sents[i], sents[j], score)) for i, j, score in
            zip(found.i.tolist(), found.j.tolist(), found.score.tolist(), strict=True)]


def align_pairs(
    sents: Sequence[Sentence], min_score: float = 0.3, per_doc: int = 1, max_postings: int = 500,
    pairs: int = 2_000_000,
) -> AlignedPairs:
    """Each sentence's best counterpart in every other document (`per_doc` of them), if similar enough.

    The dot products are summed with numpy over the (sentence, term, posting) triples, in the
    order a loop over each sentence's terms and their postings would add them, so every score is
    the same float such a loop gives (`bincount` adds each bin's weights in input order).
    Sentences that share one term set (`story_sentences` gives a story's repeated sentences one)
    have the same scores with every sentence: they are scored once, as a class, and each
    class's best counterparts per document are then handed to its sentences.
    """
    none = AlignedPairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    n = len(sents)
    term_id: dict[str, int] = {}
    class_of: dict[int, int] = {}  # id of a term set -> its class (keyed by identity: no hashing)
    cls = np.empty(n, np.int64)
    terms: list[int] = []  # each class's terms as ids, class after class
    sizes: list[int] = []
    for k, s in enumerate(sents):
        c = class_of.get(id(s.terms))
        if c is None:
            c = class_of[id(s.terms)] = len(sizes)
            ids = [term_id.setdefault(t, len(term_id)) for t in s.terms]
            terms.extend(ids)
            sizes.append(len(ids))
        cls[k] = c
    if not terms:
        return none
    m = len(sizes)
    members = np.bincount(cls, minlength=m)
    tid = np.array(terms, dtype=np.int64)
    owner = np.repeat(np.arange(m, dtype=np.int64), sizes)
    df = np.bincount(tid, weights=members[owner]).astype(np.int64)  # over sentences, not classes
    weight = [math.log((n + 1) / (k + 0.5)) ** 2 for k in df.tolist()]  # idf squared
    ends = np.cumsum(sizes).tolist()
    norms = np.array([math.sqrt(sum(weight[k] for k in terms[e - size : e])) or 1.0
                      for e, size in zip(ends, sizes, strict=True)])
    # Postings: the classes of each term, in order. A term in too many sentences says nothing
    # about which ones correspond: only the others are summed.
    cdf = np.bincount(tid, minlength=len(df))
    postings = owner[np.argsort(tid, kind="stable")]
    starts = np.cumsum(cdf) - cdf
    usable = df[tid] <= max_postings
    owner, tid = owner[usable], tid[usable]
    if not len(tid):
        return none
    counts = cdf[tid]
    rank = {d: r for r, d in enumerate(sorted({s.doc_id for s in sents}))}
    doc = np.array([rank[s.doc_id] for s in sents], dtype=np.int64)
    by_class = np.argsort(cls, kind="stable")  # each class's sentences, ascending
    first = np.cumsum(members) - members
    weights = np.array(weight)
    parts = [none]
    # Classes in runs of at most ~`pairs` postings summed: memory stays bounded in a huge story.
    load = np.cumsum(np.bincount(owner, weights=counts, minlength=m))
    lo = 0
    while lo < m:
        base = load[lo - 1] if lo else 0.0
        hi = max(lo + 1, int(np.searchsorted(load, base + pairs, side="right")))
        a, b = np.searchsorted(owner, [lo, hi])
        if a < b:
            parts.append(_best(owner[a:b], tid[a:b], counts[a:b], postings, starts, weights, norms, m,
                               min_score, per_doc, members, first, by_class, doc))
        lo = hi
    best_c, best_j, best_score = (np.concatenate(column) for column in zip(*parts, strict=True))
    # Each sentence takes its class's best counterparts, less those in its own document.
    held = np.bincount(best_c, minlength=m)
    offset = np.cumsum(held) - held
    take = held[cls]
    i = np.repeat(np.arange(n, dtype=np.int64), take)
    at = _concatenated_ranges(offset[cls], take)
    j = best_j[at]
    other = doc[j] != doc[i]
    return AlignedPairs(i[other], j[other], round_like_python(best_score[at[other]], 4))


def _best(owner: np.ndarray, tid: np.ndarray, counts: np.ndarray, postings: np.ndarray, starts: np.ndarray,
          weights: np.ndarray, norms: np.ndarray, m: int, min_score: float, per_doc: int,
          members: np.ndarray, first: np.ndarray, by_class: np.ndarray, doc: np.ndarray) -> AlignedPairs:
    """For each class `a` of `owner`, in every document, its best `per_doc` sentences j (score,
    then index): (a, j, unrounded score), by class, then document, then rank."""
    # Every posting of every (class, term): a, b and the term's weight, in loop order.
    at = _concatenated_ranges(starts[tid], counts)
    pair = np.repeat(owner, counts) * m + postings[at]
    keys, inverse = np.unique(pair, return_inverse=True)
    dots = np.bincount(inverse.ravel(), weights=np.repeat(weights[tid], counts))
    pa, pb = keys // m, keys % m
    scores = dots / (norms[pa] * norms[pb])
    keep = scores >= min_score
    pa, pb, scores = pa[keep], pb[keep], scores[keep]
    # Every sentence of each class b counterpart of a.
    size = members[pb]
    pj = by_class[_concatenated_ranges(first[pb], size)]
    pa, scores = np.repeat(pa, size), np.repeat(scores, size)
    # Per class, documents in name order, each one's best `per_doc` (score, then index).
    order = np.lexsort((pj, -scores, doc[pj], pa))
    pa, pj, scores = pa[order], pj[order], scores[order]
    group = np.flatnonzero(np.r_[True, (pa[1:] != pa[:-1]) | (doc[pj][1:] != doc[pj][:-1])])
    place = np.arange(len(pa)) - np.repeat(group, np.diff(np.r_[group, len(pa)]))
    chosen = place < per_doc
    return AlignedPairs(pa[chosen], pj[chosen], scores[chosen])


def _concatenated_ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """`range(starts[k], starts[k] + sizes[k])` for each k, one after the other, as one array."""
    ends = np.cumsum(sizes)
    total = int(ends[-1]) if len(ends) else 0
    return np.repeat(starts - (ends - sizes), sizes) + np.arange(total, dtype=np.int64)


def round_like_python(values: np.ndarray, digits: int) -> np.ndarray:
    """`[round(v, digits) for v in values]`, as an array, without a Python call per value.

    Scaled by 10**digits, a value rounds to the same integer k in numpy (`rint`) as in Python
    (exactly, half to even) unless it lies within the scaling's rounding error of a half: those
    few go to `round` itself. k / 10**digits is then the double nearest to k/10**digits in both
    (IEEE division is correctly rounded, as is the conversion `round` ends with)."""
    scale = 10.0**digits
    with np.errstate(over="ignore", invalid="ignore"):  # huge or not finite: left to `round`
        scaled = values * scale
        out = np.rint(scaled) / scale
        unsure = ~(np.abs(scaled) < 1e9) | (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    if unsure.any():
        out[unsure] = [round(v, digits) for v in values[unsure].tolist()]
    return out
