"""Mojibake: text decoded with the wrong encoding somewhere upstream (`â€™`, `Ã©`).

ftfy (already required by wordfreq) knows the byte-level signatures of these accidents and how
to undo them, so its repair is both the evidence and the suggestion.
"""

from __future__ import annotations

import re
import re._constants as _sre  # the stdlib regex parser, to read ftfy's pattern's shape
import re._parser as _sre_parse
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.records import Document, Finding

# A run of non-space characters that contains something outside plain ASCII.
_CANDIDATE = regex.compile(r"\S*[^\x00-\x7f]\S*")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


class MojibakeDetector(Detector):
    name = "mojibake"
    version = "1"
    categories = ("encoding",)

    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        from ftfy import fix_text
        from ftfy.badness import is_bad

        if not looks_bad(doc.text):
            return
        for m in _CANDIDATE.finditer(doc.text):
            token = m.group()
            if not is_bad(token):
                continue
            fixed = fix_text(token, uncurl_quotes=False)
            if fixed != token:
                yield self.finding(
                    doc, m.start(), m.end(), "encoding", "major",
                    f"mojibake (text decoded with the wrong encoding); reads as '{fixed}'",
                    suggestion=fixed, confidence=0.9,
                )


def looks_bad(text: str) -> bool:
    """`ftfy.badness.is_bad(text)`, searching only near non-ASCII characters.

    Every mojibake signature ftfy knows holds a non-ASCII character and spans a few characters,
    so its pattern can only match in a window around one; searching those windows instead of
    the whole text is ~10x faster on news, where most characters are ASCII. The pattern is
    checked for that shape once; any other shape falls back to the full search.
    """
    from ftfy.badness import BADNESS_RE, is_bad

    width = _signature_width()
    if width is None:
        return is_bad(text)
    search = BADNESS_RE.search
    lo = hi = -1  # the window being grown: [lo, hi)
    for m in _NON_ASCII.finditer(text):
        start, end = max(0, m.start() - width + 1), m.end() + width - 1
        if start <= hi:
            hi = end
            continue
        if hi >= 0 and search(text, lo, hi):
            return True
        lo, hi = start, end
    return hi >= 0 and search(text, lo, hi) is not None


@lru_cache(maxsize=1)
def _signature_width() -> int | None:
    """The longest match of ftfy's BADNESS_RE if each of its alternatives is a fixed run of single
    characters (optional ones allowed) with at least one that must be non-ASCII; else None."""
    from ftfy.badness import BADNESS_RE

    try:
        (op, av), = _sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags).data
    except (ValueError, re.error):
        return None
    if op is not _sre.BRANCH or BADNESS_RE.flags & re.MULTILINE:
        return None
    single = (_sre.IN, _sre.LITERAL, _sre.ANY)
    longest = 0
    for branch in av[1]:
        width, non_ascii = 0, False
        for o, a in branch.data:
            if o is _sre.AT and a is _sre.AT_BEGINNING:
                continue
            if o is _sre.MAX_REPEAT and a[1] <= 1 and all(so in single for so, _ in a[2]):
                width += 1
                continue
            if o not in single:
                return None
            width += 1
            chars = _charset(o, a)
            non_ascii = non_ascii or (chars is not None and min(chars) > 127)
        if not non_ascii:
            return None
        longest = max(longest, width)
    return longest


def _charset(op: Any, av: Any) -> set[int] | None:
    """Code points a single-character item matches; None for categories and negations."""
    if op is _sre.LITERAL:
        return {av}
    if op is not _sre.IN:
        return None
    out: set[int] = set()
    for o, a in av:
        if o is _sre.LITERAL:
            out.add(a)
        elif o is _sre.RANGE:
            out.update(range(a[0], a[1] + 1))
        else:
            return None
    return out
