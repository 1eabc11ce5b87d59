"""Offset-preserving segmentation: lines, paragraphs, sentences and word tokens.

Every unit is a `Span` whose `text == doc[start:end]`, so detectors never recompute offsets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import regex

from audit.resources import load_list


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


# Letters (any script) with inner apostrophes/hyphens; digits kept apart.
WORD_RE = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:['’\-]\p{L}[\p{L}\p{M}]*)*")
_LINE_RE = regex.compile(r"[^\n]+")
# The blank-line test stops at the first newline: `\s*\n` ran to the end of every whitespace run,
# quadratic on runs of space-only lines.
_PARA_RE = regex.compile(r"(?:[^\n]+(?:\n(?![^\S\n]*\n)[^\n]*)*)")
# A sentence ends at . ! ? … (plus closing quotes/brackets) followed by space and an upper-case
# letter, digit or opening quote, or at a line break. The break is the space (group 1) or the line
# breaks (group 2). The mark is matched, not looked behind for: a lookbehind was tried at every
# space of the text, the mark is tried at the few punctuation marks (2.3x faster).
_SENT_END_RE = regex.compile(
    r"[.!?…][\"'”’»)\]]*(\s+)(?=[\"'“‘«(\[]?[\p{Lu}\p{N}])|(\n+)"
)

_INITIAL_RE = regex.compile(r"\p{L}\.")


def words(text: str) -> tuple[Span, ...]:
    """Word tokens with offsets. Short texts (lines, sentences) are cached: several detectors
    tokenise the same sentence, and re-scanning it dominated the audit's time."""
    if len(text) <= 2000:
        return _short_words(text)
    return tuple(Span(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text))


@lru_cache(maxsize=8192)
def _short_words(text: str) -> tuple[Span, ...]:
    return tuple(Span(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text))


def word_texts(text: str) -> tuple[str, ...]:
    """The texts of `words(text)`, for callers that need no offsets: building a Span per token
    costs ~5x what the regex does."""
    if len(text) <= 2000:
        return _short_word_texts(text)
    if len(text) <= 1_000_000:
        return _long_word_texts(text)
    return tuple(WORD_RE.findall(text))  # the pattern has no groups: findall gives the matches


@lru_cache(maxsize=8192)
def _short_word_texts(text: str) -> tuple[str, ...]:
    return tuple(WORD_RE.findall(text))


# The document-level caches hold 4 texts: the document and a long line or two of it (a paragraph
# over 2,000 characters is tokenised through them too) without evicting the document.
@lru_cache(maxsize=4)
def _long_word_texts(text: str) -> tuple[str, ...]:
    """A document's token texts, read off its cached matches (a third of the regex's cost)."""
    return tuple([m.group() for m in _word_matches(text)])


def distinct_words(text: str) -> frozenset[str]:
    """The distinct texts of `words(text)`; a document's are cached, as several detectors first
    sort its distinct words (a set operation in C) and then read the few that matter."""
    if len(text) <= 1_000_000:
        return _distinct_words(text)
    return frozenset(word_texts(text))


@lru_cache(maxsize=4)
def _distinct_words(text: str) -> frozenset[str]:
    return frozenset(word_texts(text))


def word_matches(text: str) -> tuple[regex.Match[str], ...]:
    """The regex matches behind `words(text)`, for a scan that needs offsets of a few tokens only.
    A document's are cached (up to 1M characters): scoring counts the words the detectors read."""
    if len(text) <= 1_000_000:
        return _word_matches(text)
    return tuple(WORD_RE.finditer(text))


@lru_cache(maxsize=4)
def _word_matches(text: str) -> tuple[regex.Match[str], ...]:
    return tuple(WORD_RE.finditer(text))


def word_count(text: str) -> int:
    return len(word_texts(text)) if len(text) <= 2000 else len(word_matches(text))


def lines(text: str) -> list[Span]:
    """Non-empty lines, whitespace-trimmed at both ends (offsets follow the trim)."""
    return list(_lines(text))


# The whole-text segmentations are cached for the last few texts: every detector segments the
# same document again, and a worker audits one document at a time.
@lru_cache(maxsize=4)
def _lines(text: str) -> tuple[Span, ...]:
    out = []
    for m in _LINE_RE.finditer(text):
        raw = m.group()
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = m.start() + lead
            out.append(Span(start, start + len(stripped), stripped))
    return tuple(out)


def paragraphs(text: str) -> list[Span]:
    """Blocks separated by blank lines (a single newline stays inside a paragraph)."""
    return list(_paragraphs(text))


@lru_cache(maxsize=4)
def _paragraphs(text: str) -> tuple[Span, ...]:
    out = []
    for m in _PARA_RE.finditer(text):
        raw = m.group()
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = m.start() + lead
            out.append(Span(start, start + len(stripped), stripped))
    return tuple(out)


@lru_cache(maxsize=8)
def _abbreviations(lang: str) -> frozenset[str]:
    return frozenset(w.lower() for w in load_list("abbreviations", lang=lang, missing_ok=True))


def sentences(text: str, lang: str = "en") -> list[Span]:
    """Rule-based sentence split that does not break after known abbreviations or initials."""
    return list(_sentences(text, lang))


@lru_cache(maxsize=4)
def _sentences(text: str, lang: str) -> tuple[Span, ...]:
    abbrevs = _abbreviations(lang)
    out: list[Span] = []
    start = 0
    for m in _SENT_END_RE.finditer(text):
        brk = 1 if m.group(1) is not None else 2
        if brk == 1 and "\n" not in m.group(1):
            token = _last_token(text, start, m.start(1)).rstrip("\"'”’»)]").lower()
            if token in abbrevs or _INITIAL_RE.fullmatch(token):
                continue
        _append_trimmed(out, text, start, m.start(brk))
        start = m.end(brk)
    _append_trimmed(out, text, start, len(text))
    return tuple(out)


def _last_token(text: str, start: int, end: int) -> str:
    """The last whitespace-separated token of `text[start:end]`, read backwards: splitting the whole
    run since the last break made a line of initials or abbreviations ("A. B. C. ...") quadratic."""
    i = end
    while i > start and text[i - 1].isspace():
        i -= 1
    j = i
    while j > start and not text[j - 1].isspace():
        j -= 1
    return text[j:i]


def _append_trimmed(out: list[Span], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        s = start + len(chunk) - len(chunk.lstrip())
        out.append(Span(s, s + len(stripped), stripped))


def iter_spans_in(span: Span, units: list[Span]) -> Iterator[Span]:
    """Units (e.g. words) that lie inside `span`."""
    for unit in units:
        if unit.start >= span.end:
            break
        if unit.start >= span.start and unit.end <= span.end:
            yield unit


def is_capitalised(token: str) -> bool:
    return token[:1].isupper()


def normalise_for_match(text: str) -> str:
    """Case-, quote- and space-insensitive key for comparing repeated text."""
    if not text.isascii():  # str.translate with a dict costs ~100 ns a character; replace is C
        for quote, plain in _QUOTES:
            text = text.replace(quote, plain)
    return " ".join(text.casefold().split())


_QUOTES = (("“", '"'), ("”", '"'), ("„", '"'), ("«", '"'), ("»", '"'), ("‘", "'"), ("’", "'"))
