"""Text the scraper picked up twice: repeated titles, paragraphs and truncated teasers.

Pages show the headline in several places (breadcrumb trail, `<h1>`, social card, teaser with
`...`), and a scraper that flattens the page keeps every copy. Comparison is on the
case-, quote- and space-normalised text (`normalise_for_match`), so `"` and `“”` copies match.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.records import Document, Finding
from audit.text import Span, lines, normalise_for_match, sentences, word_count

_ELLIPSIS = regex.compile(r"\s*(?:\.{3,}|…)$")
_ELLIPSIS_ENDS = ("...", "…", "...\n", "…\n")
"""How a text that `_ELLIPSIS` matches ends (`$` matches before a final newline too): tested first,
as the regex, anchored at the end, is tried at every position of every line."""
# Where a suffix of a line may start: a word start after a non-letter, or a lower->upper
# CamelCase seam where navigation text was fused onto a title (`AsiaRussia`).
_SUFFIX_START = regex.compile(r"(?<![\p{L}\p{N}])[\p{L}\p{N}\"'“‘«(]|(?<=\p{Ll})\p{Lu}")


def _cite(span: Span, width: int = 50) -> str:
    text = span.text if len(span.text) <= width else span.text[: width - 1] + "…"
    return f"'{text}'"


class DuplicateDetector(Detector):
    name = "duplicate"
    version = "1"
    categories = ("duplicate",)

    def __init__(
        self, lang: str = "en", min_words: int = 4, min_chars: int = 20,
        min_truncated_words: int = 6, min_sentence_words: int = 10,
    ) -> None:
        super().__init__(lang)
        self.min_words = min_words
        self.min_truncated_words = min_truncated_words
        self.min_chars = min_chars
        self.min_sentence_words = min_sentence_words

    def _long_enough(self, text: str) -> bool:
        return word_count(text) >= self.min_words and len(text) >= self.min_chars

    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        lns = lines(doc.text)
        keys = [normalise_for_match(ln.text) for ln in lns]
        flagged: list[tuple[int, int]] = []
        first: dict[str, int] = {}  # each key's first line
        for i in range(len(lns)):
            hit = self._exact_or_tail(i, lns, keys, first.get(keys[i])) or self._truncated(i, lns, keys)
            first.setdefault(keys[i], i)
            if hit:
                start, end, conf, why = hit
                flagged.append((start, end))
                yield self.finding(doc, start, end, "duplicate", "minor", why, suggestion="",
                                   confidence=conf)
        yield from self._sentences(doc, flagged)

    def _exact_or_tail(
        self, i: int, lns: list[Span], keys: list[str], same: int | None
    ) -> tuple[int, int, float, str] | None:
        """`same`: the first line with this line's key (None: none before this one)."""
        ln = lns[i]
        key = keys[i]
        if not self._long_enough(ln.text):
            return None
        if same is not None:
            return ln.start, ln.end, 0.95, f"repeats an earlier line verbatim: {_cite(lns[same])}"
        # The tail of an earlier line (`Inici » <title>`, then `<title>`). A short tail after a
        # long head is more likely a heading that echoes the headline: left alone.
        short = word_count(ln.text) < self.min_truncated_words + 2
        for j in range(i):
            earlier = keys[j]
            if len(earlier) > len(key) and earlier.endswith(key):
                head = earlier[: -len(key)]
                if head[-1:].isalnum() or (short and word_count(head) > 3):
                    continue
                return ln.start, ln.end, 0.9, f"repeats the end of an earlier line: {_cite(lns[j])}"
        return None

    def _truncated(
        self, i: int, lns: list[Span], keys: list[str]
    ) -> tuple[int, int, float, str] | None:
        """A teaser cut with `...` whose longest suffix is the start of another line."""
        ln = lns[i]
        m = _ELLIPSIS.search(ln.text) if ln.text.endswith(_ELLIPSIS_ENDS) else None
        if not m:
            return None
        body = ln.text[: m.start()]
        for s in _SUFFIX_START.finditer(body):
            part = body[s.start():]
            n = word_count(part)
            if n < self.min_words:
                break
            # A short teaser must be (nearly) the whole line: at most a crumb before it.
            if n < self.min_truncated_words and word_count(body[: s.start()]) > 3:
                continue
            key = normalise_for_match(part)
            for j, other in enumerate(keys):
                if j != i and len(other) > len(key) and other.startswith(key):
                    return (ln.start + s.start(), ln.end, 0.9,
                            f"truncated repeat of the line {_cite(lns[j])}")
        return None

    def _sentences(self, doc: Document, flagged: list[tuple[int, int]]) -> Iterable[Finding]:
        """Long sentences repeated inside paragraphs that are not repeats as a whole."""
        seen: dict[str, int] = {}
        for sent in sentences(doc.text, self.lang):
            if word_count(sent.text) < self.min_sentence_words:
                continue
            key = normalise_for_match(sent.text)
            if key in seen and not any(a <= sent.start < b for a, b in flagged):
                yield self.finding(
                    doc, sent.start, sent.end, "duplicate", "minor",
                    "repeats an earlier sentence verbatim", suggestion="", confidence=0.85,
                )
            seen.setdefault(key, sent.start)
