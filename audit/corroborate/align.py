"""Align the sentences of a story's documents: for each sentence, its closest counterparts elsewhere.

Similarity is IDF-weighted cosine over content terms (words that are not stop words, and
numbers), with IDF taken over the story's sentences so that the story's own vocabulary
(`Putin`, `Vietnam`) counts for little and the specific words of a sentence count for much.
Candidates come from an inverted index (terms shared with the sentence), never all pairs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
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


def align_story(
    sents: Sequence[Sentence], min_score: float = 0.3, per_doc: int = 1, max_postings: int = 500,
    pairs: int = 2_000_000,
) -> list[Alignment]:
    """Each sentence's best counterpart in every other document (`per_doc` of them), if similar enough.

    The dot products are summed with numpy over the (sentence, term, posting) triples, in the
    order a loop over each sentence's terms and their postings would add them, so every score is
    the same float such a loop gives (`bincount` adds each bin's weights in input order).
    """
    n = len(sents)
    term_id: dict[str, int] = {}
    terms: list[int] = []  # each sentence's terms as ids, sentence after sentence
    for s in sents:
        terms.extend([term_id.setdefault(t, len(term_id)) for t in s.terms])
    if not terms:
        return []
    tid = np.array(terms, dtype=np.int64)
    df = np.bincount(tid)
    weight = [math.log((n + 1) / (k + 0.5)) ** 2 for k in df.tolist()]  # idf squared
    sizes = np.array([len(s.terms) for s in sents], dtype=np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
    bounds = np.cumsum(sizes).tolist()
    norms = np.array([math.sqrt(sum(weight[k] for k in terms[b - size : b])) or 1.0
                      for b, size in zip(bounds, sizes.tolist(), strict=True)])
    # Postings: the sentences of each term, in order. A term in too many sentences says nothing
    # about which ones correspond: only the others are summed.
    postings = owner[np.argsort(tid, kind="stable")]
    starts = np.cumsum(df) - df
    usable = df[tid] <= max_postings
    owner, tid = owner[usable], tid[usable]
    if not len(tid):
        return []
    counts = df[tid]
    names = sorted({s.doc_id for s in sents})
    rank = {d: r for r, d in enumerate(names)}
    doc = np.array([rank[s.doc_id] for s in sents], dtype=np.int64)
    weights = np.array(weight)
    out: list[Alignment] = []
    # Sentences in runs of at most ~`pairs` postings summed: memory stays bounded in a huge story.
    load = np.cumsum(np.bincount(owner, weights=counts, minlength=n))
    lo = 0
    while lo < n:
        base = load[lo - 1] if lo else 0.0
        hi = max(lo + 1, int(np.searchsorted(load, base + pairs, side="right")))
        a, b = np.searchsorted(owner, [lo, hi])
        if a < b:
            new = tuple.__new__  # what Alignment(...) calls, without its Python-level __new__
            out.extend([new(Alignment, (sents[i], sents[j], round(score, 4))) for i, j, score in
                        _best(owner[a:b], tid[a:b], counts[a:b], postings, starts, weights, norms, doc, n,
                              min_score, per_doc)])
        lo = hi
    return out


def _best(owner: np.ndarray, tid: np.ndarray, counts: np.ndarray, postings: np.ndarray, starts: np.ndarray,
          weights: np.ndarray, norms: np.ndarray, doc: np.ndarray, n: int, min_score: float, per_doc: int
          ) -> Iterator[tuple[int, int, float]]:
    """(i, j, score) of each sentence i of `owner`'s best counterparts, in the output's order."""
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
    return zip(pi[chosen].tolist(), pj[chosen].tolist(), scores[chosen].tolist(), strict=True)
