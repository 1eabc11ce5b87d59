"""High-precision calque rules: source-language grammar and punctuation carried into the target.

- a capitalised subject pronoun repeated mid-sentence after a comma (`..., They closed`), from
  languages that restate or capitalise the subject after a parenthetical;
- an opening quotation mark used as a closing one (`blocs“,`), from a source whose closing mark
  looks like the target's opening one (German „…“) or from a sloppy MT/CMS round trip;
- a source-language dateline (`HANOI.-`, `MADRID, 3 jun (EFE).-`), the Spanish agency convention.
The pronouns and quotation pairs are per-language data files.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.records import Document, Finding
from audit.resources import load_list, load_table
from audit.text import lines, paragraphs

# An all-caps place (letters, spaces, hyphens), optional ", <date or agency>", then ".-" / ". -".
_DATELINE = regex.compile(
    r"^(?P<place>\p{Lu}[\p{Lu}\p{M}'’\- ]{2,40}?)"
    r"(?P<extra>(?:,[^\n.()]{1,40}?)?(?:\s*\([^\n()]{1,30}\))?)\s?\.\s?[-–](?![-–])"
)


# The word a misused quote closes, searched backwards from the quote (`(?r)`) within 200 characters.
_WORD_BEFORE_RE = regex.compile(r"(?r)[\p{L}\p{N}.,!?'’]+$")


class CalqueDetector(Detector):
    name = "calque"
    version = "1"
    categories = ("grammar", "punctuation")

    def __init__(self, lang: str = "en", check_pronouns: bool = True, check_quotes: bool = True,
                 check_datelines: bool = True) -> None:
        super().__init__(lang)
        self.check_pronouns = check_pronouns
        self.check_quotes = check_quotes
        self.check_datelines = check_datelines

    @cached_property
    def _pronoun_re(self) -> regex.Pattern[str] | None:
        pronouns = load_list("subject_pronouns", lang=self.lang, missing_ok=True)
        if not pronouns:
            return None
        alt = "|".join(regex.escape(p) for p in pronouns)
        # ", They closed": comma, one space, the pronoun, then a lower-case word (a verb).
        return regex.compile(rf"(?<=\p{{L}}, )(?P<pro>{alt}) (?P<next>\p{{Ll}}[\p{{L}}'’]*)")

    @cached_property
    def _quotes(self) -> tuple[str, str] | None:
        for row in load_table("quotes"):
            if row[0] == self.lang and len(row) >= 3:
                return row[1], row[2]
        return None

    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        if self.check_pronouns:
            yield from self._pronouns(doc)
        if self.check_quotes:
            yield from self._misused_openers(doc)
        if self.check_datelines:
            yield from self._datelines(doc)

    def _pronouns(self, doc: Document) -> Iterable[Finding]:
        pattern = self._pronoun_re
        if pattern is None:
            return
        for m in pattern.finditer(doc.text):
            yield self.finding(
                doc, m.start(), m.end(), "grammar", "minor",
                f"capitalised subject pronoun '{m['pro']}' repeated mid-sentence (source-language "
                "calque): drop it, or start a new sentence",
                suggestion=m["next"], confidence=0.8,
            )

    def _misused_openers(self, doc: Document) -> Iterable[Finding]:
        pair = self._quotes
        if pair is None or pair[0] == pair[1]:
            return
        opener, closer = pair
        if opener == "“" and "„" in doc.text:  # a German-style „…“ quotation left in the text
            return
        for para in paragraphs(doc.text):
            is_open = False
            for m in regex.finditer(rf"[{regex.escape(opener + closer)}]", para.text):
                mark, i = m.group(), m.start()
                if mark == closer:
                    is_open = False
                    continue
                after = para.text[i + 1 : i + 2]
                before = para.text[i - 1 : i] if i else ""
                closing_position = bool(before) and not before.isspace() and (
                    not after or after.isspace() or after in ",.;:!?)")
                if is_open and closing_position:
                    word = _WORD_BEFORE_RE.search(para.text, max(0, i - 200), i)  # backwards, bounded
                    start = para.start + (word.start() if word else i)
                    end = para.start + i + 1
                    yield self.finding(
                        doc, start, end, "punctuation", "minor",
                        f"opening quotation mark {opener} used to close a quotation",
                        suggestion=doc.text[start : end - 1] + closer, confidence=0.85,
                    )
                    is_open = False
                else:
                    is_open = True

    def _datelines(self, doc: Document) -> Iterable[Finding]:
        for line in lines(doc.text):
            m = _DATELINE.match(line.text)
            if not m:
                continue
            place = m["place"].strip()
            if len(place.replace(" ", "")) < 3:
                continue
            suggestion = (m["place"] + (m["extra"] or "")).rstrip() + " —"
            yield self.finding(
                doc, line.start, line.start + m.end(), "punctuation", "minor",
                "source-language dateline punctuation ('.-'); English uses a dash after the place",
                suggestion=suggestion, confidence=0.8,
            )
