"""Words fused at a markup boundary: `Putinsigned`, `Vietnambut`, breadcrumbs `HomeWorldAsia`.

Scraping drops the space between an inline element and the text after it, so a name or word
runs into the next word. Such a token is unseen in the target language's word frequencies
(wordfreq) and in the rest of the corpus, while it splits into a known left part (a frequent
word, or a name the corpus uses standalone) and a frequent right part (a function word or a
common verb). Rare names (`Kormilitsyna`), closed compounds and stem+suffix splits
(`Parameswar|an`) are kept out by data lists (suffixes, compound heads, prefixes, surname
particles, closed-compound languages) and by asking compound languages for stronger evidence;
words common in another language (untranslated captions) and foreign-language lines are skipped.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.lang import in_wordlist, stopwords, zipf
from audit.records import Document, Finding
from audit.resources import load_list, load_table
from audit.text import Span, distinct_words, lines, word_matches, word_texts

# The whitespace-delimited chunk holds a URL, e-mail, handle, hashtag, path or domain.
_CODE_RE = regex.compile(r"[@#/\\_=]|://|www\.|\p{L}\.\p{Ll}{2,}")
_HUMP_RE = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})")
_TITLE_RE = regex.compile(r"\p{Lu}\p{Ll}+")
_VOWELS = frozenset("aeiouAEIOU")


@dataclass(frozen=True, slots=True)
class Split:
    left: str
    right: str
    score: float
    confidence: float
    evidence: str


class MergedWordDetector(Detector):
    """Flags unseen tokens that split into attested words; suggests the split, casing kept."""

    name = "merged_word"
    version = "1"
    categories = ("merged_word",)

    def __init__(
        self,
        lang: str = "en",
        min_len: int = 6,
        whole_max: float = 1.0,
        max_token_docs: int = 1,
        max_token_count: int = 2,
        min_left: int = 2,
        min_right: int = 2,
        left_min: float = 3.0,
        right_min: float = 4.0,
        name_right_min: float = 5.0,
        suffix_left_min: float = 1.0,
        compound_right_min: float = 2.5,
        function_n: int = 150,
        camel_part_min: float = 3.0,
        min_stop_ratio: float = 0.12,
        stop_ratio_min_words: int = 8,
        min_confidence: float = 0.4,
    ) -> None:
        super().__init__(lang)
        self.min_len = min_len
        self.whole_max = whole_max
        self.max_token_docs = max_token_docs
        self.max_token_count = max_token_count
        self.min_left = min_left
        self.min_right = min_right
        self.left_min = left_min
        self.right_min = right_min
        self.name_right_min = name_right_min
        self.suffix_left_min = suffix_left_min
        self.compound_right_min = compound_right_min
        self.function_n = function_n
        self.camel_part_min = camel_part_min
        self.min_stop_ratio = min_stop_ratio
        self.stop_ratio_min_words = stop_ratio_min_words
        self.min_confidence = min_confidence

    # -- data ---------------------------------------------------------------------------------
    @cached_property
    def compounding(self) -> bool:
        return self.lang in set(load_list("merged_word_compounding"))

    @cached_property
    def suffixes(self) -> dict[str, str]:
        rows = load_table("merged_word_suffixes")
        return {r[1]: (r[2] if len(r) > 2 else "-") for r in rows if r[0] == self.lang}

    @cached_property
    def heads(self) -> frozenset[str]:
        return frozenset(load_list("merged_word_heads", lang=self.lang, missing_ok=True))

    @cached_property
    def prefixes(self) -> frozenset[str]:
        return frozenset(load_list("merged_word_prefixes", lang=self.lang, missing_ok=True))

    @cached_property
    def particles(self) -> frozenset[str]:
        return frozenset(load_list("merged_word_particles"))

    @cached_property
    def foreign_langs(self) -> tuple[str, ...]:
        return tuple(code for code in load_list("merged_word_foreign") if code != self.lang)

    def _foreign(self, token: str) -> bool:
        """Common in another language (`vestit`, `resultado`): untranslated, not fused."""
        low = token.lower()
        return any(in_wordlist(low, code, "small") for code in self.foreign_langs)

    @cached_property
    def function_words(self) -> frozenset[str]:
        return stopwords(self.lang, self.function_n) - self.heads

    # -- detection ----------------------------------------------------------------------------
    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        text = doc.text
        # Most tokens fail the cheap tests on their text alone: the document's distinct words are
        # sorted first, and offsets (and Spans) are read only for the tokens of the few that pass.
        # A word the corpus uses elsewhere is a word: a fused one is (nearly) unique.
        rare = {t for t in self._rare_words(distinct_words(text))
                if corpus.lower_docs.get(t.lower(), 0) <= self.max_token_docs
                and corpus.forms.get(t, 0) <= self.max_token_count}
        if not rare:
            return
        toks = word_texts(text)
        matches = word_matches(text)
        line_spans = lines(text)
        li = 0
        for k in [k for k, t in enumerate(toks) if t in rare]:
            m = matches[k]
            t = toks[k]
            tok = Span(m.start(), m.end(), t)
            if self._is_code(text, tok):
                continue
            if self._foreign(t):
                continue
            while li < len(line_spans) and line_spans[li].end <= tok.start:
                li += 1
            line = line_spans[li] if li < len(line_spans) else tok
            nxt = matches[k + 1].group() if k + 1 < len(matches) else ""
            if _HUMP_RE.search(t):
                yield from self._camel(doc, tok, line, matches, k, corpus)
            elif t[1:].islower() and self._target_prose(line, matches):
                split = self._best_split(t, nxt, corpus)
                if split and split.confidence >= self.min_confidence:
                    yield self.finding(
                        doc, tok.start, tok.end, "merged_word", "major",
                        f"'{t}' looks like two words run together (a space lost at a markup "
                        f"boundary): '{split.left} {split.right}'",
                        suggestion=f"{split.left} {split.right}", confidence=split.confidence,
                        left=split.left, right=split.right, signal=split.evidence,
                        score=round(split.score, 2),
                    )

    def _rare_words(self, words: frozenset[str]) -> set[str]:
        """The words long enough, not hyphenated, not all capitals and unseen (or nearly) in the
        target: the only ones that can be fused. What each word is, is remembered per process (most
        of a document's words were met before), so only new words are tested."""
        plain, rare = _word_classes(self.lang, self.min_len, self.whole_max)
        new = words - plain
        out = rare & new  # a set: the type of the left operand
        for t in new - rare:
            if (len(t) < self.min_len or "-" in t or "'" in t or "’" in t or t.isupper()
                    or zipf(t.lower(), self.lang) >= self.whole_max):
                if len(plain) >= _WORD_CLASSES_SIZE:
                    plain.clear()
                plain.add(t)
            else:
                if len(rare) >= _WORD_CLASSES_SIZE:
                    rare.clear()
                rare.add(t)
                out.add(t)
        return out

    def _is_code(self, text: str, tok: Span) -> bool:
        s, e = tok.start, tok.end
        if (s > 0 and text[s - 1].isdigit()) or (e < len(text) and text[e].isdigit()):
            return True
        while s > 0 and not text[s - 1].isspace():
            s -= 1
        while e < len(text) and not text[e].isspace():
            e += 1
        return bool(_CODE_RE.search(text[s:e]))

    def _target_prose(self, line: Span, matches: Sequence[regex.Match[str]]) -> bool:
        """A long line must read as the target language (not untranslated or foreign text)."""
        lo = bisect_left(matches, line.start, key=_start)
        hi = bisect_right(matches, line.end, lo=lo, key=_end)
        inside = [w.group().lower() for w in matches[lo:hi]
                  if line.start <= w.start() and w.end() <= line.end]
        if len(inside) < self.stop_ratio_min_words:
            return True
        hits = sum(1 for w in inside if w in self.function_words)
        return hits / len(inside) >= self.min_stop_ratio

    def _left_count(self, left: str, corpus: CorpusIndex) -> int:
        low = left.lower()
        forms = {left, low, low.capitalize()}
        return sum(corpus.forms.get(f, 0) for f in forms)

    def _licensed(self, licence: str, next_word: str) -> bool:
        """`an` + a singular content word starting with a vowel (`an expert`, not `an officials`)."""
        if licence != "vowel" or next_word[:1] not in _VOWELS or not next_word.islower():
            return False
        if next_word in self.function_words or next_word.endswith(("s", "ed")):
            return False
        return zipf(next_word, self.lang) >= self.left_min

    def _best_split(self, t: str, next_word: str, corpus: CorpusIndex) -> Split | None:
        best: Split | None = None
        for i in range(self.min_left, len(t) - self.min_right + 1):
            cand = self._score(t[:i], t[i:], next_word, corpus)
            if cand and (best is None or cand.score > best.score):
                best = cand
        return best

    def _score(self, left: str, right: str, next_word: str, corpus: CorpusIndex) -> Split | None:
        low, r = left.lower(), right.lower()
        if low in self.prefixes or low in self.function_words:
            return None
        is_name = left[0].isupper() and corpus.forms.get(left, 0) > 0
        if len(left) <= 2 and not is_name:  # a tiny fragment must at least be a known name (Xi)
            return None
        zl, zr = zipf(low, self.lang), zipf(r, self.lang)
        left_seen = self._left_count(left, corpus)
        function = r in self.function_words
        signal = "function word" if function else "frequent word"
        licensed = False
        suffix = self.suffixes.get(r)
        if suffix is not None:
            # Stem+suffix (Parameswar|an, crew|less, noodle|like) unless the context licenses a
            # word here: `an` before a vowel-initial word (stem attested, a rare name is enough),
            # or a `name` licence and a name the corpus uses standalone (Jinping|like).
            if suffix == "name" and is_name:
                signal = "name before a word that is also a suffix"
            elif self._licensed(suffix, next_word) and (zl >= self.suffix_left_min or left_seen):
                licensed, signal = True, "article before vowel"
            else:
                return None
        elif left[0].isupper() or len(right) <= 2:
            # A capitalised token is usually a rare name: its left part must stand alone in the
            # corpus (name evidence); so must the left of a two-letter right part.
            if not left_seen:
                return None
        elif not (left_seen or (zl >= self.left_min and len(left) >= 3)):
            return None
        if self.compounding:
            # Closed compounds are normal: the right part must occur lower-case standalone
            # (not a capitalised noun) and be a function word or follow a corpus name.
            if corpus.forms.get(right, 0) == 0 or not right.islower():
                return None
            if not (function or (is_name and zr >= self.compound_right_min)):
                return None
        elif not (function or licensed):
            if r in self.heads and not is_name:
                return None
            if zr < self.right_min or len(right) < 3 or (len(right) == 3 and not is_name):
                return None
            # After a name, a content word must be one the corpus uses, or a very common one.
            if left[0].isupper() and corpus.forms.get(right, 0) == 0 and zr < self.name_right_min:
                return None
        right_seen = corpus.forms.get(right, 0) > 0
        conf = 0.3 + 0.25 * bool(left_seen) + 0.05 * is_name + 0.1 * (zl >= self.left_min)
        conf += 0.3 if function else 0.2 if zr >= 5.0 else 0.05
        conf += 0.05 * right_seen - 0.15 * (len(left) <= 3 and not left_seen)
        if licensed:
            conf = min(conf, 0.65)
        if left_seen:
            signal += f"; left part standalone x{left_seen} in corpus"
        score = zr + min(zl, 5.0) + 1.5 * bool(left_seen) + function - 1.5 * licensed
        return Split(left, right, score, min(conf, 0.95), signal)

    def _camel(
        self, doc: Document, tok: Span, line: Span, matches: Sequence[regex.Match[str]], k: int,
        corpus: CorpusIndex,
    ) -> Iterable[Finding]:
        """`HomeWorldAsiaRussia`: Title-case words glued together (breadcrumbs, menus)."""
        t = tok.text
        humps = _HUMP_RE.split(t)
        if not t[0].isupper() or not all(_TITLE_RE.fullmatch(h) for h in humps):
            return
        if humps[0] in self.particles or len(humps[0]) < 3:
            return
        seen = [corpus.forms.get(h, 0) > 0 for h in humps]
        if not all(s or zipf(h.lower(), self.lang) >= self.camel_part_min
                   for h, s in zip(humps, seen, strict=True)):
            return
        at_line_start = tok.start == line.start
        if len(humps) == 2 and not (at_line_start and all(seen)):
            return
        more_text = k + 1 < len(matches) and matches[k + 1].start() < line.end
        parts = humps[:-1] if at_line_start and more_text and len(humps) >= 3 else humps
        end = tok.start + sum(len(h) for h in parts)
        suggestion = " ".join(parts) + (" " if len(parts) < len(humps) else "")
        conf = min(0.9, 0.65 + 0.05 * len(humps) + 0.1 * all(seen))
        what = ("a navigation trail run into the title" if len(parts) < len(humps)
                else "capitalised words run together")
        yield self.finding(
            doc, tok.start, end, "merged_word", "major",
            f"'{t}' looks like {what}: '{' '.join(humps)}'", suggestion=suggestion,
            confidence=conf, parts=" ".join(humps), signal="CamelCase of known words",
        )


_WORD_CLASSES_SIZE = 500_000


@lru_cache(maxsize=16)
def _word_classes(lang: str, min_len: int, whole_max: float) -> tuple[set[str], set[str]]:
    """Per setting, the words known to fail the cheap tests (plain) and those known to pass (rare)."""
    return set(), set()


def _start(m: regex.Match[str]) -> int:
    return m.start()


def _end(m: regex.Match[str]) -> int:
    return m.end()
