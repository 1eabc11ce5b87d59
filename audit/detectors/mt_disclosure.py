"""Statements that the text was machine translated (any major language).

The notice itself is page furniture for the editor to remove, and it is evidence that the rest
of the document is raw MT output. Patterns are data: `reference/lexicons/mt_disclosure.txt`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from functools import cached_property

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.records import Document, Finding
from audit.resources import load_list
from audit.text import lines


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

    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        # One search over the whole text, not one per line: no pattern crosses a line break (they
        # join words with plain spaces) or starts or ends on a blank, so the first match that
        # starts on a line is that line's own first match.
        matches = self.pattern.finditer(doc.text)
        first = next(matches, None)
        if first is None:  # nearly every document
            return
        spans = lines(doc.text)
        starts = [ln.start for ln in spans]
        reported = -1
        for m in (first, *matches):
            k = bisect_right(starts, m.start()) - 1
            if k <= reported or k < 0 or m.end() > spans[k].end:
                continue
            reported = k
            line = spans[k]
            # A long line is article prose that mentions translation, not a notice.
            if len(line.text.split()) <= self.max_line_words:
                yield self.finding(
                    doc, line.start, line.end, "mt_disclosure", "info",
                    f"machine-translation notice ('{m.group()}'): remove it and have the "
                    "translation reviewed", suggestion="", confidence=0.95,
                )
