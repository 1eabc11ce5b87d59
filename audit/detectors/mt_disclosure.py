"""Statements that the text was machine translated (any major language).

The notice itself is page furniture for the editor to remove, and it is evidence that the rest
of the document is raw MT output. Patterns are data: `reference/lexicons/mt_disclosure.txt`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import cached_property

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.records import Document, Finding
from audit.resources import load_list
from audit.text import Span, lines


class MTDisclosureDetector(Detector):
    name = "mt_disclosure"
    version = "1"
    categories = ("mt_disclosure",)

    def __init__(self, lang: str = "en", max_line_words: int = 40) -> None:
        super().__init__(lang)
        self.max_line_words = max_line_words

    @cached_property
    def pattern(self) -> regex.Pattern[str]:
        return regex.compile("|".join(f"(?:{p})" for p in load_list("mt_disclosure")),
                             regex.IGNORECASE)

    @cached_property
    def line_safe(self) -> bool:
        """Whether a match in the whole text can only lie inside one line, as in a search per line:
        no anchor, lookaround, flag or class that can match a line break (what the shipped
        patterns use: words, plain spaces, `\\b` and `\\w`). Conservative: others are searched
        line by line."""
        text = self.pattern.pattern
        return not any(mark in text for mark in _LINE_UNSAFE) and not _INLINE_FLAGS_RE.search(text)

    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        if not self.line_safe:
            candidates: Iterable[Span] = lines(doc.text)
        else:  # one search over the whole text, not one per line: nearly every document has none
            candidates = _lines_hit(doc.text, self.pattern.finditer(doc.text))
        for line in candidates:
            m = self.pattern.search(line.text)
            # A long line is article prose that mentions translation, not a notice.
            if m and len(line.text.split()) <= self.max_line_words:
                yield self.finding(
                    doc, line.start, line.end, "mt_disclosure", "info",
                    f"machine-translation notice ('{m.group()}'): remove it and have the "
                    "translation reviewed", suggestion="", confidence=0.95,
                )


_LINE_UNSAFE = ("^", "$", "\\A", "\\Z", "\\z", "\\G", "(?=", "(?!", "(?<", "(?>", "(?#", "(?|",
                "\\s", "\\W", "\\D", "\\S", "\\n", "\\r", "\\p", "\\P",
                "\\X", "\\R", "\\N", "\\x", "\\u", "\\U", "\\0", ".")
"""Pattern text that can anchor a match to the text's edges, look outside it, or match a line break."""
_INLINE_FLAGS_RE = regex.compile(r"\(\?[a-zA-Z^-]")
"""`(?s)`, `(?m:…)` and the like: flags that change what `.`, `^` or `$` match."""


def _lines_hit(text: str, matches: Iterator[regex.Match[str]]) -> Iterator[Span]:
    """The lines that a match of the whole text overlaps, each once, in order (none read when
    there is no match). A line-safe pattern's match in a line's own text is a match in the whole
    text at the same place, so every line with one is among them; each is searched again alone."""
    first = next(matches, None)
    if first is None:
        return
    spans = lines(text)
    starts = [ln.start for ln in spans]
    done = -1
    for m in (first, *matches):
        k = max(bisect_right(starts, m.start()) - 1, done + 1)
        while k < len(spans) and spans[k].start < max(m.end(), m.start() + 1):
            if spans[k].end > m.start():
                yield spans[k]
                done = k
            k += 1
