"""Content tokens for comparing documents and sentences: words that carry the story, and numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import regex

from audit.lang import stopwords

TOKEN_RE = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:['’\-]\p{L}[\p{L}\p{M}]*)*|\p{N}+(?:[.,]\p{N}+)*")
_LETTER_RE = regex.compile(r"\p{L}")
"""A `TOKEN_RE` word starts with a letter (`WORD_RE`'s match), a number does not. `str.isalpha`
answers for nearly all tokens; this for the rest, in case the two Unicode versions disagree."""


class Token(NamedTuple):
    """A word or number with offsets; `low` and `is_number` are computed once (read very often)."""

    start: int
    end: int
    text: str
    low: str
    is_number: bool


def tokens(text: str, offset: int = 0) -> list[Token]:
    """Every word and number with its offsets (possessive `’s` kept apart from the name)."""
    out = []
    new = tuple.__new__  # what Token(...) calls, without its Python-level __new__
    find = text.find
    pos = 0
    for t in TOKEN_RE.findall(text):
        # The match is the first place at or after the previous one where its text occurs: an
        # earlier occurrence would have been matched first (every match starts with a letter or
        # a digit, where the pattern matches). Cheaper than a match object per token.
        start = find(t, pos)
        end = pos = start + len(t)
        if len(t) > 2 and t[-2] in "'’" and t[-1] in "sS":
            t, end = t[:-2], end - 2
        out.append(new(Token, (offset + start, offset + end, t, t.lower(), t[:1].isdigit())))
    return out


def content_terms(texts: Sequence[str], lows: Sequence[str], lang: str) -> list[str]:
    """Of tokens given as their texts and lower-cased texts: numbers, and words of 3+ letters that
    are not stop words (lower-cased)."""
    stops = stopwords(lang, 200)
    return [low for t, low in zip(texts, lows, strict=True)
            if t[:1].isdigit() or (len(t) >= 3 and low not in stops)]


def token_texts(text: str) -> list[str]:
    """The `text` of each of `tokens(text)`, without building tokens (offsets are rarely needed)."""
    found = TOKEN_RE.findall(text)
    if "'" not in text and "’" not in text:  # no possessive to cut: most sentences
        return found
    return [t[:-2] if len(t) > 2 and t[-2] in "'’" and t[-1] in "sS" else t for t in found]


def text_term_counts(text: str, lang: str) -> dict[str, int]:
    """How often each of `content_terms` occurs in `text`, in order of first occurrence: what story
    grouping counts, where tokenising the whole corpus is the cost (`token_term_counts`)."""
    return token_term_counts(Counter(TOKEN_RE.findall(text)), lang)


def token_term_counts(token_counts: Mapping[str, int], lang: str, words: dict[str, int] | None = None,
                      lowers: set[str] | None = None) -> dict[str, int]:
    """`text_term_counts` from the text's `TOKEN_RE` matches counted in order of first occurrence
    (a `Counter` of them): the distinct tokens are counted first (in C) and only they are read
    here; the first of the tokens that give a term is its first occurrence, so the order is that
    of counting term by term. `words` and `lowers`, when given, receive the word tokens (not the
    numbers: `WORD_RE`'s matches) with their counts, and their lower-cased forms, in the same
    loop: what the corpus pass counts, from the same tokens."""
    stops = stopwords(lang, 200)
    out: dict[str, int] = {}
    for t, n in token_counts.items():
        if words is not None and (t[:1].isalpha() or _LETTER_RE.match(t) is not None):
            words[t] = n
            lowers.add(t.lower())  # type: ignore[union-attr]
        if len(t) > 2 and t[-2] in "'’" and t[-1] in "sS":
            t = t[:-2]
        if t[:1].isdigit():
            out[t] = out.get(t, 0) + n
        elif len(t) >= 3 and (low := t.lower()) not in stops:
            out[low] = out.get(low, 0) + n
    return out

