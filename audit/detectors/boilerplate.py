"""Scraped page furniture left in the article: breadcrumbs, widgets, pagers, date stamps.

The scraper keeps whatever text sat next to the article. Such lines have a recognisable shape
(short, no sentence punctuation, few stop words, at the top or bottom of the page), a vocabulary
of their own in every language (`Related Posts`, `Síguenos`, `Lire aussi`; data file
`reference/lexicons/boilerplate.tsv`) and, across a corpus, they recur verbatim in unrelated
articles. Headings share the shape but not the vocabulary, so shape alone never flags a line.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cached_property
from itertools import pairwise

import numpy as np
import regex

from audit.corpus import CorpusIndex, distinct_lines, line_key
from audit.detectors.base import Detector
from audit.lang import stopwords
from audit.records import Document, Finding
from audit.resources import load_table
from audit.text import Span, lines, normalise_for_match, paragraphs, word_texts, words

_CTA_LANGS = ("es", "ca", "fr", "de", "pt", "it")
# A line ends like a sentence: terminal punctuation, maybe followed by closing quotes/brackets.
_SENTENCE_END = regex.compile(r"[.!?…][\"'”’»)\]]*$")
_CLOSERS = "\"'”’»)]"  # the closing quotes and brackets `_SENTENCE_END` allows after the mark
# Breadcrumb separators: guillemets/arrows may touch the words, the rest need spaces around.
_CRUMB_SEP = regex.compile(r"\s*[»›→]\s*|\s+(?:>|\||/|·|•|::)\s+")
_CRUMB_SEP_MARKS = ("»", "›", "→", ">", "|", "/", "·", "•", "::")
"""What every `_CRUMB_SEP` match holds one of: most lines hold none, and `in` finds that at once."""
_CAMEL_PART = regex.compile(r"\p{Lu}\p{Ll}+")
_CRUMB_BREAKER = regex.compile(r"[\d.!?,;:]")
_LOWER = regex.compile(r"\p{Ll}")
_LINK_MARK = regex.compile(r"[:»›<>|]")
_DATE_NUMBER = regex.compile(r"\d{1,4}(?:st|nd|rd|th|º|ª|er|h)?")
_DATE_SPLIT = regex.compile(r"[\s,./\-–|:()]+")
_BYLINE = regex.compile(r"^(?:by|por|per|par|von|di|de)\s+\p{Lu}", regex.IGNORECASE)


Hit = tuple[int, int, float, str] | None


def _terms(kind: str) -> tuple[str, ...]:
    return tuple(row[1] for row in load_table("boilerplate") if row[0] == kind and len(row) > 1)


def _alternation(terms: Iterable[str]) -> str:
    return "|".join(regex.escape(t) for t in sorted(terms, key=len, reverse=True))


def _line_records(docs: Sequence[Document]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`CorpusIndex.line_records` of every line, read from the documents (no index of them)."""
    positions, keys, counts = [], [], []
    for i, doc in enumerate(docs):
        if doc.error:
            continue
        doc_keys, doc_counts = distinct_lines(doc.text)
        positions += [i] * len(doc_keys)
        keys += doc_keys
        counts += doc_counts
    return np.array(positions, np.int32), np.array(keys, np.uint64), np.array(counts, np.int32)


def _ends_sentence(text: str) -> bool:
    """`_SENTENCE_END.search(text)`, read from the end: the regex, anchored at `$`, was tried at
    every position of every line."""
    if text.endswith("\n"):  # where `$` also matches before the newline
        return bool(_SENTENCE_END.search(text))
    body = text.rstrip(_CLOSERS)
    return bool(body) and body[-1] in ".!?…"


class BoilerplateDetector(Detector):
    name = "boilerplate"
    version = "1"
    categories = ("boilerplate",)

    def __init__(
        self,
        lang: str = "en",
        max_line_words: int = 12,
        max_widget_words: int = 6,
        prose_words: int = 8,
        min_line_docs: int = 3,
        group_line_words: int = 12,
        neighbour_confidence: float = 0.6,
    ) -> None:
        super().__init__(lang)
        self.max_line_words = max_line_words
        self.max_widget_words = max_widget_words
        self.prose_words = prose_words
        self.min_line_docs = min_line_docs
        self.group_line_words = group_line_words
        self.neighbour_confidence = neighbour_confidence
        self._recurring: dict[int, int] | None = None
        """`line_key` of a short line that recurs in enough articles -> how many."""

    # ---- vocabulary -------------------------------------------------------------------------
    @cached_property
    def _vocab(self) -> dict[str, frozenset[str]]:
        kinds = ("nav_root", "prev_next", "cta_word", "calendar", "date_filler")
        return {k: frozenset(_terms(k)) for k in kinds}

    @cached_property
    def _stop(self) -> frozenset[str]:
        out = set(stopwords(self.lang))
        for lang in _CTA_LANGS:
            out |= stopwords(lang)
        return frozenset(out)

    @cached_property
    def _cta_phrase(self) -> regex.Pattern[str]:
        return regex.compile(rf"(?<!\w)(?:{_alternation(_terms('cta_phrase'))})(?!\w)",
                             regex.IGNORECASE)

    @cached_property
    def _lead_in(self) -> regex.Pattern[str]:
        terms = _terms("cta_phrase") + _terms("lead_in") + _terms("list_label")
        return regex.compile(rf"^(?:{_alternation(terms)})\s*[:|»›]", regex.IGNORECASE)

    @cached_property
    def _label(self) -> regex.Pattern[str]:
        return regex.compile(rf"^(?:{_alternation(_terms('label'))})(?P<colon>\s*:)?\s*(?P<rest>.*)$",
                             regex.IGNORECASE)

    @cached_property
    def _reading(self) -> regex.Pattern[str]:
        reading, unit = _alternation(_terms("reading")), _alternation(_terms("unit"))
        return regex.compile(
            rf"^(?:(?:{reading})\s*:?\s*)?(?:~|about|approx\.?|ca\.?)?\s*\d{{1,3}}\s*(?:{unit})"
            rf"(?:\s+(?:{reading}))?$", regex.IGNORECASE)

    @cached_property
    def _agencies(self) -> frozenset[str]:
        return frozenset(r[1].lower() for r in load_table("caption_credit") if r[0] == "agency")

    # ---- corpus evidence --------------------------------------------------------------------
    def fit(self, docs: Sequence[Document], corpus: CorpusIndex) -> None:
        """Count, per short line, the distinct *articles* that contain it.

        Syndicated copies of one article share their long lines; they are merged into one group
        so that their headings do not look like site furniture.
        """
        parent = list(range(len(docs)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        # The corpus pass keeps the lines in two or more documents, with their documents and words
        # (a line in one document links nothing, and recurs nowhere); without it, every line.
        records = corpus.line_records if corpus.n_docs == len(docs) == corpus.n_seen else None
        indexed = records is not None
        positions, keys, counts = records if records is not None else _line_records(docs)
        # Long lines are followed by their key (only the first document with one matters), a short
        # line only when the index saw it in enough documents to recur at all.
        long_owner: dict[int, int] = {}
        short_docs: dict[int, set[int]] = defaultdict(set)
        long = counts >= self.group_line_words
        for i, key in zip(positions[long].tolist(), keys[long].tolist(), strict=True):
            j = long_owner.setdefault(key, i)
            parent[root(i)] = root(j)
        short = ~long & (counts <= self.max_line_words)
        for i, key in zip(positions[short].tolist(), keys[short].tolist(), strict=True):
            if not indexed or corpus.line_docs.get(key, 0) >= self.min_line_docs:
                short_docs[key].add(i)
        self._recurring = {}
        for key, ids in short_docs.items():
            groups = len({root(i) for i in ids})
            if groups >= self.min_line_docs:
                self._recurring[key] = groups

    def state(self) -> object:
        return sorted(getattr(self, "_recurring", {}).items())

    # ---- line classifiers -------------------------------------------------------------------
    def _is_prose(self, text: str) -> bool:
        return len(word_texts(text)) >= self.prose_words and _ends_sentence(text)

    def _fused_crumb(self, ln: Span) -> Hit:
        token = ln.text.split(None, 1)[0]
        parts = list(_CAMEL_PART.finditer(token))
        if len(parts) < 3 or parts[0].start() != 0:
            return None
        if parts[0].group().lower() not in self._vocab["nav_root"]:
            return None
        if any(a.end() != b.start() for a, b in pairwise(parts)):
            return None
        rest = ln.text[len(token):].lstrip()
        # `HomeWorldAsiaRussia has ...`, `AccueilMondeLa France ...`: the last part opens the
        # title when a lower-case word or a function word shows it is not a section name.
        opens = (rest[:1].islower() or parts[-1].end() < len(token)
                 or parts[-1].group().lower() in self._stop)
        cut = parts[-1].start() if opens else len(token)
        return ln.start, ln.start + cut, 0.9, "breadcrumb fused onto the title"

    def _crumb(self, ln: Span, top: bool) -> Hit:
        text = ln.text
        if text.lower() in self._vocab["nav_root"]:
            return (ln.start, ln.end, 0.7, "navigation root") if top else None
        if not any(mark in text for mark in _CRUMB_SEP_MARKS):
            return None
        seps = list(_CRUMB_SEP.finditer(text))
        if not seps:
            return None
        bounds = [0] + [m.end() for m in seps]
        ends = [m.start() for m in seps] + [len(text)]
        segs = [text[a:b] for a, b in zip(bounds, ends, strict=True)]
        rooted = segs[0].strip().lower() in self._vocab["nav_root"]
        last = segs[-1].strip()
        title = len(word_texts(last)) >= 4 or _ends_sentence(last)
        crumbs = segs[:-1] if (title or not last) else segs
        if not rooted:
            ok = len(segs) >= 3 and all(
                1 <= len(word_texts(s)) <= 3 and s.strip()[:1].isupper()
                and not _CRUMB_BREAKER.search(s) for s in crumbs
            )
            if not ok:
                return None
        # Span: from the line start through the separator that follows the last crumb.
        end = seps[len(crumbs) - 1].end() if title else len(text)
        end = len(text[:end].rstrip())
        return ln.start, ln.start + end, 0.9 if rooted else 0.75, "breadcrumb navigation"

    def _prev_next(self, ln: Span) -> Hit:
        texts = word_texts(ln.text)
        if not texts or not ln.text.startswith(texts[0]) or texts[0].lower() not in self._vocab["prev_next"]:
            return None
        toks = words(ln.text)
        first = toks[0].text
        if len(toks) == 1 or all(t.text.lower() in self._vocab["prev_next"] for t in toks):
            return ln.start, ln.end, 0.8, "pager link"
        after = ln.text[toks[0].end:toks[1].start]
        second = toks[1].text.lower()
        shouted = len(first) >= 4 and first.isupper() and _LOWER.search(ln.text)
        linked = second in self._vocab["cta_word"] or _LINK_MARK.search(after)
        if (shouted or linked) and len(toks) <= 2 * self.max_line_words:
            return ln.start, ln.end, 0.85, "previous/next article link"
        return None

    def _date_like(self, text: str) -> bool:
        """Only weekday/month names, numbers, ordinals, times and filler words, with a number."""
        toks = [t for t in _DATE_SPLIT.split(text.lower()) if t]
        if not toks or len(toks) > 10:
            return False
        cal, filler = self._vocab["calendar"], self._vocab["date_filler"]
        numeric = [t for t in toks if _DATE_NUMBER.fullmatch(t)]
        if any(t not in cal and t not in filler and t not in numeric for t in toks):
            return False
        named = sum(t in cal for t in toks)
        return bool(numeric) and (named >= 1 or len(numeric) >= 3)

    def _label_line(self, ln: Span) -> Hit:
        m = self._label.match(ln.text)
        if not m:
            return None
        rest = m.group("rest")
        if rest and not self._date_like(rest):
            return None
        conf = 0.85 if (m.group("colon") or rest) else 0.7
        return ln.start, ln.end, conf, "orphan date label"

    def _cta(self, ln: Span, n_words: int, prose: bool) -> Hit:
        lead = self._lead_in.match(ln.text)
        if lead and n_words <= 2 * self.max_line_words:
            return ln.start, ln.end, 0.85, f"link or tag list introduced by '{lead.group()}'"
        if prose or n_words > self.max_line_words:
            return None
        m = self._cta_phrase.search(ln.text)
        if m:
            return ln.start, ln.end, 0.9, f"call-to-action/widget text ('{m.group()}')"
        if n_words > self.max_widget_words or _ends_sentence(ln.text):
            return None
        toks = [t.lower() for t in word_texts(ln.text)]
        v = self._vocab
        known = v["cta_word"] | v["nav_root"] | v["prev_next"] | self._stop
        target_stop = stopwords(self.lang)
        if toks and all(t in known for t in toks) and any(
            t in v["cta_word"] and t not in target_stop for t in toks
        ):
            return ln.start, ln.end, 0.8, "widget title"
        return None

    def _recurs(self, key: str, corpus: CorpusIndex) -> int:
        if self._recurring is not None:
            return self._recurring.get(line_key(key), 0)
        return corpus.line_count(key)

    def _attribution(self, text: str) -> bool:
        """Sign-offs and bylines (`AFP and AP Agencies`, `By Jane Doe`) are content: left alone."""
        toks = {t.lower() for t in word_texts(text)}
        return bool(toks & self._agencies) or bool(_BYLINE.match(text))

    def _line_hit(self, ln: Span, i: int, top: bool, edge: bool, corpus: CorpusIndex, prose: bool) -> Hit:
        n_words = len(word_texts(ln.text))
        hit = self._fused_crumb(ln) or self._crumb(ln, top) or self._prev_next(ln)
        if not hit and self._reading.match(ln.text):
            hit = ln.start, ln.end, 0.85, "reading-time widget"
        hit = hit or self._label_line(ln)
        if not hit and edge and self._date_like(ln.text):
            hit = ln.start, ln.end, 0.8, "page date stamp"
        hit = hit or self._cta(ln, n_words, prose)
        # A line that recurs in several unrelated articles; a long first line is the headline.
        if hit or not 0 < n_words <= self.max_line_words or (i == 0 and n_words >= 5):
            return hit
        groups = self._recurs(normalise_for_match(ln.text), corpus)
        if groups >= self.min_line_docs and not self._attribution(ln.text):
            hit = ln.start, ln.end, 0.75 if edge else 0.6, f"line recurs in {groups} articles"
        return hit

    # ---- detection --------------------------------------------------------------------------
    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        lns = lines(doc.text)
        is_prose = [self._is_prose(ln.text) for ln in lns]
        prose = [i for i, flag in enumerate(is_prose) if flag]
        first, last = (prose[0], prose[-1]) if prose else (len(lns), -1)
        hits: dict[int, tuple[int, int, float, str]] = {}
        for i, ln in enumerate(lns):
            top = i < first or i == 0
            hit = self._line_hit(ln, i, top, top or i > last or i == len(lns) - 1, corpus, is_prose[i])
            if hit:
                hits[i] = hit
        self._spread(doc, lns, hits, last, is_prose)
        for start, end, conf, why in sorted(hits.values()):
            yield self.finding(doc, start, end, "boilerplate", "minor",
                               f"scraped page furniture: {why}", suggestion="", confidence=conf)

    def _spread(self, doc: Document, lns: list[Span], hits: dict[int, tuple[int, int, float, str]],
                last: int, is_prose: list[bool]) -> None:
        """Furniture comes in blocks: a short line that shares a paragraph of short lines after
        the article body with a clear hit is furniture too (jusText's context step)."""
        starts = [ln.start for ln in lns]
        for para in paragraphs(doc.text):
            idx = range(bisect_left(starts, para.start), bisect_left(starts, para.end))
            if len(idx) < 2 or idx[0] <= last:
                continue
            if any(len(word_texts(lns[i].text)) > self.max_line_words or is_prose[i] for i in idx):
                continue
            if not any(i in hits and hits[i][2] >= 0.8 for i in idx):
                continue
            for i in idx:
                if i not in hits and not self._attribution(lns[i].text):
                    ln = lns[i]
                    hits[i] = (ln.start, ln.end, self.neighbour_confidence,
                               "short line inside a block of page furniture")
