"""Photo captions and credits that the scraper pasted into the article body.

The tell-tale sign is the credit fused onto the end of the caption with no space
(`...June 20, 2024.MANAN VATSYAYANA – POOL`, `(AP Photo/Minh Hoang)Minh Hoang – AP`): a fusion
point, then a short name-like run to the end of the line carrying a credit separator, photo-desk
vocabulary (data file `reference/lexicons/caption_credit.tsv`) or an upper-case name. Standalone
credit lines (`Photo: AFP`, `REUTERS/John Smith`) and parenthesised credits are reported too.
Ordinary prose fails the name-like test (lower-case words), and `U.S.`-style abbreviations are
not fusion points.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from itertools import pairwise

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.records import Document, Finding
from audit.resources import load_table
from audit.text import Span, lines, word_texts

# Sentence punctuation after a word of 2+ characters (not `U.S.`), or a closing bracket, then an
# upper-case letter with no space.
_FUSION = regex.compile(r"(?:(?<=[\p{L}\p{N}]{2})\.|[!?)\]])(?=\p{Lu})")
_SEPARATOR = regex.compile(r"\s[–—-]\s|/|\s\|\s")
_SENTENCE_INSIDE = regex.compile(r"[.!?]\s+\p{Lu}")
_PAREN = regex.compile(r"\(([^()\n]{2,120})\)")
_OPEN_END = regex.compile(r"[!?:;,]$")
_PUNCT_END = regex.compile(r"[.!?:;,]$")
_LINKED = regex.compile(r"/|:|\bvia\b|\bby\b")
_ONE_SLASH = regex.compile(r"[^/]+/[^/]+")
_DASH_SPLIT = regex.compile(r"\s[–—|]\s")


def _terms(kind: str) -> frozenset[str]:
    return frozenset(r[1].lower() for r in load_table("caption_credit") if r[0] == kind)


class CaptionDetector(Detector):
    name = "caption"
    version = "1"
    categories = ("caption",)

    def __init__(self, lang: str = "en", max_credit_words: int = 8, max_credit_chars: int = 80,
                 max_paren_words: int = 14) -> None:
        super().__init__(lang)
        self.max_credit_words = max_credit_words
        self.max_credit_chars = max_credit_chars
        self.max_paren_words = max_paren_words

    @cached_property
    def _agency(self) -> frozenset[str]:
        return _terms("agency")

    @cached_property
    def _labels(self) -> frozenset[str]:
        return _terms("label")

    @cached_property
    def _connectors(self) -> frozenset[str]:
        return _terms("connector")

    @cached_property
    def _label_line(self) -> regex.Pattern[str]:
        alt = "|".join(regex.escape(t) for t in sorted(self._labels, key=len, reverse=True))
        return regex.compile(
            rf"^[(\[]?(?:{alt})\s*(?:by|de|von|di|par|:|/|–|—|-)\s*(?P<who>.+?)[)\]]?$",
            regex.IGNORECASE)

    # ---- evidence on a candidate credit -------------------------------------------------------
    def _tokens(self, text: str) -> list[str]:
        return list(word_texts(text))

    def _name_like(self, toks: list[str]) -> bool:
        return bool(toks) and all(
            t[:1].isupper() or t.lower() in self._connectors or t.lower() in self._agency
            for t in toks
        )

    def _agency_hits(self, toks: list[str]) -> int:
        low = [t.lower() for t in toks]
        pairs = {f"{a} {b}" for a, b in pairwise(low)}
        return sum(t in self._agency for t in low) + len(pairs & self._agency)

    @staticmethod
    def _caps(toks: list[str]) -> int:
        return sum(len(t) >= 2 and t.isupper() for t in toks)

    def _fused_tail(self, tail: str) -> tuple[float, str] | None:
        """Score the text after a fusion point as a credit; None when it reads like prose."""
        toks = self._tokens(tail)
        stripped = tail.rstrip()
        if not toks or len(toks) > self.max_credit_words or len(stripped) > self.max_credit_chars:
            return None
        if _SENTENCE_INSIDE.search(stripped) or not self._name_like(toks):
            return None
        agency = self._agency_hits(toks)
        if _OPEN_END.search(stripped) or (stripped.endswith(".") and not agency):
            return None
        sep = bool(_SEPARATOR.search(stripped))
        caps = self._caps(toks)
        if sep and (agency or caps):
            return 0.95, "photo credit fused onto the caption"
        if agency:
            return 0.85, "photo-agency credit fused onto the caption"
        if sep:
            return 0.75, "credit-like name fused onto the caption"
        if caps >= 2:
            return 0.7, "upper-case credit name fused onto the caption"
        return None

    def _paren_credit(self, content: str) -> bool:
        """`(AP Photo/Minh Hoang)`, `(Photo: Reuters)`, `(... Pool Photo via AP)`; not `(AP)`."""
        toks = self._tokens(content)
        if not toks or len(toks) > self.max_paren_words or not self._name_like(toks):
            return False
        low = [t.lower() for t in toks]
        has_label = any(t in self._labels for t in low)
        others = sum(t in self._agency and t not in self._labels for t in low)
        linked = bool(_LINKED.search(content))
        return has_label and (others > 0 or linked)

    def _standalone(self, ln: Span) -> tuple[float, str] | None:
        text = ln.text
        m = self._label_line.match(text)
        if m:
            toks = self._tokens(m.group("who"))
            if 0 < len(toks) <= self.max_credit_words and self._name_like(toks):
                return 0.85, "photo credit line"
            return None
        toks = self._tokens(text)
        if not toks or len(toks) > 6 or not self._name_like(toks):
            return None
        if _PUNCT_END.search(text):
            return None
        if "/" in text and _ONE_SLASH.fullmatch(text):
            left, right = text.split("/")
            if self._agency_hits(self._tokens(left)) or self._agency_hits(self._tokens(right)):
                return 0.85, "photo credit line"
        parts = _DASH_SPLIT.split(text)
        if len(parts) == 2:
            right = self._tokens(parts[1])
            if right and (right[-1].lower() in self._agency or self._agency_hits(right[-2:]) > 1
                          or " ".join(right[-2:]).lower() in self._agency):
                return 0.8, "photo credit line"
        return None

    # ---- detection ----------------------------------------------------------------------------
    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        for ln in lines(doc.text):
            alone = self._standalone(ln)
            if alone:
                yield self._emit(doc, ln.start, ln.end, *alone)
                continue
            parens = [(m.start(), m.end()) for m in _PAREN.finditer(ln.text)
                      if self._paren_credit(m.group(1))]
            used: set[tuple[int, int]] = set()
            for m in _FUSION.finditer(ln.text):
                # Lines are trimmed, so the rest of the line is the credit's length: a long rest is
                # prose, rejected before it is copied and tokenised (linear on a 10 MB line).
                if len(ln.text) - m.end() > self.max_credit_chars:
                    continue
                scored = self._fused_tail(ln.text[m.end():])
                if not scored:
                    continue
                start = m.end()
                # A credit in brackets right before the fusion point goes with it.
                for p in parens:
                    if p[1] == m.end():
                        start = p[0]
                        used.add(p)
                yield self._emit(doc, ln.start + start, ln.end, *scored)
                break
            for p in parens:
                if p not in used:
                    yield self._emit(doc, ln.start + p[0], ln.start + p[1], 0.8,
                                     "photo credit in brackets")

    def _emit(self, doc: Document, start: int, end: int, conf: float, why: str) -> Finding:
        return self.finding(doc, start, end, "caption", "minor",
                            f"{why}: remove it (or move it to the image)", suggestion="",
                            confidence=conf)
