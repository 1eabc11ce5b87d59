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
    """
    none = AlignedPairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    n = len(sents)
    term_id: dict[str, int] = {}
    terms: list[int] = []  # each sentence's terms as ids, sentence after sentence
    # Sentences that repeat share one `terms` set (`story_sentences`): its ids and its norm are
    # taken once (keyed by identity, the set's hash being a pass over it).
    ids_of: dict[int, list[int]] = {}
    for s in sents:
        ids = ids_of.get(id(s.terms))
        if ids is None:
            ids = ids_of[id(s.terms)] = [term_id.setdefault(t, len(term_id)) for t in s.terms]
        terms.extend(ids)
    if not terms:
        return none
    tid = np.array(terms, dtype=np.int64)
    df = np.bincount(tid)
    weight = [math.log((n + 1) / (k + 0.5)) ** 2 for k in df.tolist()]  # idf squared
    norm_of = {key: math.sqrt(sum(weight[k] for k in ids)) or 1.0 for key, ids in ids_of.items()}
    norms = np.array([norm_of[id(s.terms)] for s in sents])
    sizes = np.array([len(s.terms) for s in sents], dtype=np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
    # Postings: the sentences of each term, in order. A term in too many sentences says nothing
    # about which ones correspond: only the others are summed.
    postings = owner[np.argsort(tid, kind="stable")]
    starts = np.cumsum(df) - df
    usable = df[tid] <= max_postings
    owner, tid = owner[usable], tid[usable]
    if not len(tid):
        return none
    counts = df[tid]
    names = sorted({s.doc_id for s in sents})
    rank = {d: r for r, d in enumerate(names)}
    doc = np.array([rank[s.doc_id] for s in sents], dtype=np.int64)
    weights = np.array(weight)
    parts = [none]
    # Sentences in runs of at most ~`pairs` postings summed: memory stays bounded in a huge story.
    load = np.cumsum(np.bincount(owner, weights=counts, minlength=n))
    lo = 0
    while lo < n:
        base = load[lo - 1] if lo else 0.0
        hi = max(lo + 1, int(np.searchsorted(load, base + pairs, side="right")))
        a, b = np.searchsorted(owner, [lo, hi])
        if a < b:
            parts.append(_best(owner[a:b], tid[a:b], counts[a:b], postings, starts, weights, norms, doc, n,
                               min_score, per_doc))
        lo = hi
    return AlignedPairs(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def _best(owner: np.ndarray, tid: np.ndarray, counts: np.ndarray, postings: np.ndarray, starts: np.ndarray,
          weights: np.ndarray, norms: np.ndarray, doc: np.ndarray, n: int, min_score: float, per_doc: int
          ) -> AlignedPairs:
    """Each sentence i of `owner`'s best counterparts j, in the output's order."""
    ends = np.cumsum(counts)
    # Every posting of every (sentence, term): i, j and the term's weight, in loop order.
    at = np.repeat(starts[tid] - (ends - counts), counts) + np.arange(ends[-1], dtype=np.int64)
    pair = np.repeat(owner, counts) * n + postings[at]
    keys, inverse = np.unique(pair, return_inverse=True)
    dots = np.bincount(inverse.ravel(), weights=np.repeat(weights[tid], counts))
    pi, pj = keys // n, keys % n
    scores = dots / (norms[pi] * norms[pj])
    keep = (doc[pi] != doc[pj]) & (scores >= min_score)
    pi, pj, scores = pi[keep], pj[keep], scores[keep]
    # Per sentence, other documents in name order, each one's best `per_doc` (score, then index).
    order = np.lexsort((pj, -scores, doc[pj], pi))
    pi, pj, scores = pi[order], pj[order], scores[order]
    group = np.flatnonzero(np.r_[True, (pi[1:] != pi[:-1]) | (doc[pj][1:] != doc[pj][:-1])])
    place = np.arange(len(pi)) - np.repeat(group, np.diff(np.r_[group, len(pi)]))
    chosen = place < per_doc
    return AlignedPairs(pi[chosen], pj[chosen], round_like_python(scores[chosen], 4))


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
