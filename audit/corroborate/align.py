"""Align the sentences of a story's documents: for each sentence, its closest counterparts elsewhere.

Similarity is IDF-weighted cosine over content terms (words that are not stop words, and
numbers), with IDF taken over the story's sentences so that the story's own vocabulary
(`Putin`, `Vietnam`) counts for little and the specific words of a sentence count for much.
Candidates come from an inverted index (terms shared with the sentence), never all pairs.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

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


@dataclass(frozen=True, slots=True)
class Alignment:
    """Sentence `a` of one document and its counterpart `b` in another, with their similarity."""

    a: Sentence
    b: Sentence
    score: float


def story_sentences(doc: Document, lang: str, min_terms: int = 4) -> list[Sentence]:
    out = []
    for i, s in enumerate(sentences(doc.text, lang)):
        texts = token_texts(s.text)
        lows = tuple([t.lower() for t in texts])
        terms = frozenset(content_terms(texts, lows, lang))
        if len(terms) >= min_terms:
            out.append(Sentence(doc.doc_id, i, s.start, s.end, s.text, lows, terms, tuple(texts)))
    return out


def align_story(
    sents: Sequence[Sentence], min_score: float = 0.3, per_doc: int = 1, max_postings: int = 500,
) -> list[Alignment]:
    """Each sentence's best counterpart in every other document (`per_doc` of them), if similar enough."""
    n = len(sents)
    df: Counter[str] = Counter()
    for s in sents:
        df.update(s.terms)
    idf = {t: math.log((n + 1) / (k + 0.5)) for t, k in df.items()}
    weight = {t: v**2 for t, v in idf.items()}
    norms = [math.sqrt(sum(weight[t] for t in s.terms)) or 1.0 for s in sents]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sents):
        for t in s.terms:
            postings[t].append(i)
    # A term in too many sentences says nothing about which ones correspond.
    usable = {t: (weight[t], plist) for t, plist in postings.items() if len(plist) <= max_postings}
    out: list[Alignment] = []
    for i, s in enumerate(sents):
        dots: dict[int, float] = defaultdict(float)
        for t in s.terms:
            entry = usable.get(t)
            if entry is not None:
                w, plist = entry
                for j in plist:  # the document's own sentences too: skipped below, once each
                    dots[j] += w
        best: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for j, dot in dots.items():
            other = sents[j].doc_id
            if other == s.doc_id:
                continue
            score = dot / (norms[i] * norms[j])
            if score >= min_score:
                best[other].append((score, j))
        for doc_id in sorted(best):
            for score, j in sorted(best[doc_id], key=lambda x: (-x[0], x[1]))[:per_doc]:
                out.append(Alignment(s, sents[j], round(score, 4)))
    return out
