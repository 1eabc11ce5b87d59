"""Text left in the source language: foreign sentences, breadcrumb crumbs, source-order acronyms.

Character n-gram identification (langdetect) is unreliable on short or name-heavy text, and
word frequencies alone confuse loanwords with foreign text, so a sentence is flagged only when
both agree. Short navigation crumbs (`Inici »`) are judged by word frequencies alone, and
acronyms by the document's own definitions: `Communist Party of Vietnam (CPV)` then `PCV`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.lang import (
    detect_language,
    language_name,
    lexical_vote,
    voting_tokens,
    wordfreq_languages,
    zipf,
)
from audit.records import Document, Finding
from audit.resources import lexicon_path, load_table
from audit.text import Span, distinct_words, lines, sentences, word_matches, word_texts

LATIN_LANGS = (
    "ca", "cs", "da", "de", "en", "es", "fi", "fil", "fr", "hu", "id", "is", "it", "lt", "lv", "ms",
    "nb", "nl", "pl", "pt", "ro", "sh", "sk", "sl", "sv", "tr", "vi",
)
_OTHER_SCRIPT = (
    r"\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}"
    r"\p{Script=Hangul}\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Thai}\p{Script=Devanagari}"
    r"\p{Script=Bengali}\p{Script=Tamil}\p{Script=Georgian}\p{Script=Armenian}"
)
_SCRIPT_RUN_RE = regex.compile(
    rf"[{_OTHER_SCRIPT}][{_OTHER_SCRIPT}\p{{M}}]*(?:[\s\p{{P}}\p{{N}}]+[{_OTHER_SCRIPT}][{_OTHER_SCRIPT}\p{{M}}]*)*"
)
_OTHER_SCRIPT_CHAR_RE = regex.compile(rf"[{_OTHER_SCRIPT}]")
_TRAIL_RE = regex.compile(r"[\s\p{P}\p{N}]+$")
_CJK_RE = regex.compile(r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]")
# Breadcrumb / menu separators between short items.
_NAV_SEP_RE = regex.compile(r"\s*(?:»|›|>|\||/|·|•|→)\s*")
_ACRONYM_DEF_RE = regex.compile(
    r"((?:\p{Lu}[\p{L}'’-]*|of|the|and|for|on|in|de|del|la|des|du|der|für|und)"
    r"(?:\s+(?:\p{Lu}[\p{L}'’-]*|of|the|and|for|on|in|de|del|la|des|du|der|für|und)){1,9})"
    r"\s+\((\p{Lu}{2,6})\)"
)
_BRACKETED_ACRONYM_RE = regex.compile(r"\s\(\p{Lu}{2,6}\)")  # a part of every _ACRONYM_DEF_RE match
# The last character before a position that no _ACRONYM_DEF_RE match holds before its bracket
# (searched backwards): a definition lies after it.
_BEFORE_DEFINITION_RE = regex.compile(r"(?r)[^\p{L}'’\-\s]")
_CAPS_TOKEN_RE = regex.compile(r"(?<![\p{L}\p{N}.])(\p{Lu}{2,6})(?![\p{L}\p{N}]|\.\p{L})")


@dataclass(frozen=True, slots=True)
class _Evidence:
    span: Span
    strict: str | None
    """Language when language ID and word votes agree."""
    lex: str | None
    """Language the word votes alone point to."""
    prob: float
    votes: dict[str, int]
    n_tokens: int


class UntranslatedDetector(Detector):
    name = "untranslated"
    version = "1"
    categories = ("untranslated",)

    def __init__(
        self,
        lang: str = "en",
        candidates: tuple[str, ...] = LATIN_LANGS,
        min_sentence_tokens: int = 4,
        min_lang_prob: float = 0.8,
        min_vote_share: float = 0.3,
        continue_share: float = 0.5,
        vote_margin: float = 2.0,
        max_crumb_words: int = 4,
        crumb_target_max: float = 3.0,
        edge_word_min: float = 4.0,
        edge_lines: int = 2,
        min_script_words: int = 2,
    ) -> None:
        super().__init__(lang)
        self.candidates = tuple(c for c in candidates if c != lang and c in wordfreq_languages())
        self.min_sentence_tokens = min_sentence_tokens
        self.min_lang_prob = min_lang_prob
        self.min_vote_share = min_vote_share
        self.continue_share = continue_share
        self.vote_margin = vote_margin
        self.max_crumb_words = max_crumb_words
        self.crumb_target_max = crumb_target_max
        self.edge_word_min = edge_word_min
        self.edge_lines = edge_lines
        self.min_script_words = min_script_words

    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        found: list[Finding] = list(self._sentences(doc))
        if self.lang in LATIN_LANGS:
            found += self._scripts(doc, found)
        found += self._crumbs(doc, found)
        found += self._acronyms(doc)
        return found

    # ---- whole sentences and passages ---------------------------------------------------
    def _votes(self, toks: list[str]) -> dict[str, int]:
        """Tokens common in a candidate language but unseen, or far rarer, in the target."""
        return lexical_vote(toks, self.lang, self.candidates, margin=self.vote_margin)

    def _sentence_evidence(self, sent: Span) -> _Evidence | None:
        """Language ID and word-frequency votes for one sentence (names left out of the vote)."""
        toks = [w for i, w in enumerate(word_texts(sent.text))
                if (i == 0 or not w[:1].isupper()) and not w.isupper()]
        if len(toks) < self.min_sentence_tokens:
            return None
        votes = self._votes(toks)
        if not votes:
            return None
        top = max(votes, key=lambda c: votes[c])
        lex = top if votes[top] >= max(2, self.continue_share * len(toks)) else None
        strict, prob = None, 0.0
        # Language ID can only confirm a language with enough votes: skip it (the costly part) otherwise.
        confirmable = votes[top] >= max(2, self.min_vote_share * len(toks))
        guess = detect_language(sent.text) if confirmable else None
        if guess is not None and guess.lang != self.lang and guess.prob >= self.min_lang_prob:
            n = votes.get(guess.lang, 0)
            if n >= 2 and n >= self.min_vote_share * len(toks) and n >= votes[top]:
                strict, prob = guess.lang, guess.prob
        return _Evidence(sent, strict, lex, prob, votes, len(toks))

    def _voted_sentences(self, text: str, sents: list[Span]) -> set[int]:
        """Indices of the sentences that can give evidence, read off the document's tokens at once,
        so the many sentences without are neither tokenised nor voted on. Evidence needs two votes
        (`lex` and `strict` both do) among tokens that are not capitalised, bar the first: so one
        vote at least from a token that is not capitalised."""
        toks = word_texts(text)
        lower = {t for t in distinct_words(text) if not t[:1].isupper()}
        voting = voting_tokens(lower, self.lang, self.candidates, margin=self.vote_margin)
        if not voting:
            return set()
        matches = word_matches(text)
        ends = [s.end for s in sents]  # a token lies inside the first sentence that ends after it
        return {bisect_left(ends, matches[i].end()) for i, t in enumerate(toks) if t in voting}

    def _sentences(self, doc: Document) -> Iterator[Finding]:
        """Sentences where both signals agree, extended over neighbours the words alone assign
        to the same language (language ID is unreliable on a short `Ha dicho que...`)."""
        sents = sentences(doc.text, self.lang)
        voted = self._voted_sentences(doc.text, sents)
        evid = [self._sentence_evidence(s) if k in voted else None for k, s in enumerate(sents)]
        labels: list[str | None] = [e.strict if e else None for e in evid]
        for i, e in enumerate(evid):
            if not (e and e.strict):
                continue
            for step in (-1, 1):
                j = i + step
                while 0 <= j < len(evid) and labels[j] is None and (ej := evid[j]) and ej.lex == e.strict:
                    labels[j] = e.strict
                    j += step
        i = 0
        while i < len(evid):
            if labels[i] is None:
                i += 1
                continue
            j = i
            while j + 1 < len(evid) and labels[j + 1] == labels[i]:
                j += 1
            yield self._passage(doc, [e for e in evid[i : j + 1] if e], labels[i] or "")
            i = j + 1

    def _passage(self, doc: Document, run: list[_Evidence], code: str) -> Finding:
        start, end = run[0].span.start, run[-1].span.end
        votes, toks = sum(e.votes.get(code, 0) for e in run), sum(e.n_tokens for e in run)
        what = "sentence" if len(run) == 1 else f"passage of {len(run)} sentences"
        return self.finding(
            doc, start, end, "untranslated", "critical",
            f"{what} left in {language_name(code)} (language ID and {votes}/{toks} words agree); "
            "translate it or remove it", confidence=min(0.95, 0.6 + 0.5 * votes / toks),
            language=code, lang_prob=round(max(e.prob for e in run), 3),
        )

    # ---- other scripts in a Latin-script text -------------------------------------------
    def _scripts(self, doc: Document, found: list[Finding]) -> Iterator[Finding]:
        # Test the document's distinct characters first: scanning every position with the script
        # classes is slow, and most documents have none of these scripts.
        if not any(_OTHER_SCRIPT_CHAR_RE.match(c) for c in set(doc.text) if not c.isascii()):
            return
        for m in _SCRIPT_RUN_RE.finditer(doc.text):
            text = _TRAIL_RE.sub("", m.group())
            end = m.start() + len(text)
            n_words = len(text.split()) + len(_CJK_RE.findall(text)) // 2
            if n_words < self.min_script_words or _overlaps(found, m.start(), end):
                continue
            # A short gloss in brackets or quotes after a name (`Kyiv (Київ)`) is deliberate.
            opener = doc.text[m.start() - 1] if m.start() else ""
            if opener and opener in "(“\"«'" and n_words <= 3:
                continue
            guess = detect_language(text)
            name = language_name(guess.lang) if guess else "a non-Latin script"
            line = next(ln for ln in lines(doc.text) if ln.start <= m.start() < ln.end)
            whole = n_words >= 4 or len(text) >= 0.8 * len(line.text)
            yield self.finding(
                doc, m.start(), end, "untranslated", "critical" if whole else "major",
                f"text in {name} left in a Latin-script {language_name(self.lang)} text",
                confidence=0.9 if whole else 0.7, language=guess.lang if guess else "",
            )

    # ---- breadcrumb crumbs and menu words ------------------------------------------------
    def _crumbs(self, doc: Document, found: list[Finding]) -> Iterator[Finding]:
        all_lines = lines(doc.text)
        edge = {*range(self.edge_lines), *range(len(all_lines) - self.edge_lines, len(all_lines))}
        for li, line in enumerate(all_lines):
            if _overlaps(found, line.start, line.end):
                continue
            seps = [s for s in _NAV_SEP_RE.finditer(line.text) if s.group().strip() and s.start() > 0]
            if not seps:
                code = self._edge_line_language(line.text) if li in edge else None
                if code:
                    yield self._crumb_finding(doc, line.start, line.end, code)
                continue
            # Segments between separators; a run of foreign ones is one finding, its separators kept.
            cuts = [0, *(x for s in seps for x in (s.start(), _sep_end(s))), len(line.text)]
            segs = []
            for k in range(0, len(cuts), 2):
                a, b = cuts[k], cuts[k + 1]
                tail = cuts[k + 2] if k + 2 < len(cuts) else b
                segs.append((a, tail, *self._crumb_vote(line.text[a:b])))
            for run in _foreign_runs(segs):
                yield self._crumb_finding(doc, line.start + run[0], line.start + run[1], run[2])

    def _edge_line_language(self, text: str) -> str | None:
        """A short first/last line in another language; a lone word must be a common one there."""
        code, strong = self._crumb_vote(text)
        if not strong:
            return None
        toks = list(word_texts(text))
        if len(toks) == 1 and not lexical_vote(toks, self.lang, (code,), foreign_min=self.edge_word_min):
            return None
        return code

    def _crumb_vote(self, text: str) -> tuple[str, bool]:
        """Language of a short menu item whose words all belong there rather than to the target.

        Strong: one word unseen in the target, or several words confirmed by language ID.
        Weak: one word merely far more frequent there (`Monde`); it counts next to a strong one.
        """
        toks = list(word_texts(text))
        if not 1 <= len(toks) <= self.max_crumb_words:
            return "", False
        votes = self._votes(toks)
        code = max(votes, key=lambda c: votes[c], default="")
        if not code or votes[code] < len(toks):
            return "", False
        if len(toks) > 1:
            # Language ID, or every word rare in the target (`Leer más`, which langdetect misreads).
            rare = all(zipf(t.lower(), self.lang) < self.crumb_target_max for t in toks)
            guess = detect_language(text)
            agrees = guess is not None and guess.lang == code
            return (code, True) if agrees or rare else ("", False)
        return code, bool(lexical_vote(toks, self.lang, (code,)))

    def _crumb_finding(self, doc: Document, start: int, end: int, code: str) -> Finding:
        return self.finding(
            doc, start, end, "untranslated", "minor",
            f"navigation text left in {language_name(code)}; translate or remove it",
            confidence=0.75, language=code,
        )

    # ---- acronyms in source-language order -----------------------------------------------
    @cached_property
    def foreign_acronyms(self) -> dict[str, tuple[str, str]]:
        """Well-known source-language acronyms -> (target equivalent, source languages)."""
        if not lexicon_path("acronyms_foreign", self.lang, "tsv").exists():
            return {}
        return {row[0]: (row[1], row[2]) for row in load_table("acronyms_foreign", self.lang)}

    def _acronyms(self, doc: Document) -> Iterator[Finding]:
        text = doc.text
        defined: dict[str, str] = {}
        in_brackets: set[str] = set()
        for m in acronym_definitions(text):
            acro = m.group(2)
            in_brackets.add(acro)
            long_words = m.group(1).split()
            for i in range(len(long_words)):
                if not long_words[i][:1].isupper():
                    continue
                caps = [w for w in long_words[i:] if w[:1].isupper()]
                if "".join(w[0] for w in caps) == acro:
                    defined.setdefault(acro, " ".join(long_words[i:]))
                    break
        by_letters = {"".join(sorted(a)): a for a in defined}
        for m in _CAPS_TOKEN_RE.finditer(text):
            tok = m.group(1)
            if tok in in_brackets or tok in defined:
                continue
            twin = by_letters.get("".join(sorted(tok)))
            if twin and zipf(tok.lower(), self.lang) < 3.5:
                yield self.finding(
                    doc, m.start(1), m.end(1), "untranslated", "major",
                    f"'{tok}' is '{defined[twin]}' ({twin}) with its letters in source-language "
                    "(e.g. Romance noun-adjective) order", suggestion=twin, confidence=0.85,
                    defined_as=twin,
                )
            elif tok in self.foreign_acronyms and not _caps_line(text, m.start(1)):
                eq, langs = self.foreign_acronyms[tok]
                if self.lang in langs.split(","):
                    continue
                names = "/".join(language_name(c) for c in langs.split(","))
                yield self.finding(
                    doc, m.start(1), m.end(1), "untranslated", "major",
                    f"'{tok}' is the {names} acronym; in {language_name(self.lang)} it is '{eq}'",
                    suggestion=eq, confidence=0.8, language=langs,
                )


def acronym_definitions(text: str) -> Iterator[regex.Match[str]]:
    """The matches of `_ACRONYM_DEF_RE.finditer(text)`, searched only just before each bracketed
    acronym: a match is words, spaces and its bracket, so it starts after the last other character
    before that bracket. Scanning every position of a long text cost more than the rest of the
    detector."""
    for bracket in _BRACKETED_ACRONYM_RE.finditer(text):
        other = _BEFORE_DEFINITION_RE.search(text, 0, bracket.start())
        m = _ACRONYM_DEF_RE.search(text, other.end() if other else 0, bracket.end())
        if m is not None:
            yield m


def _sep_end(sep: regex.Match[str]) -> int:
    """End of a separator match without the spaces after it."""
    return sep.start() + len(sep.group().rstrip())


def _foreign_runs(segs: list[tuple[int, int, str, bool]]) -> Iterator[tuple[int, int, str]]:
    """Maximal runs of segments in one language that contain at least one strong vote."""
    i = 0
    while i < len(segs):
        code = segs[i][2]
        j = i
        while j + 1 < len(segs) and code and segs[j + 1][2] == code:
            j += 1
        if code and any(seg[3] for seg in segs[i : j + 1]):
            yield segs[i][0], segs[j][1], code
        i = j + 1


def _caps_line(text: str, pos: int) -> bool:
    """The line around `pos` is mostly upper case (a headline or credit), so acronyms are moot."""
    a, b = text.rfind("\n", 0, pos) + 1, text.find("\n", pos)
    letters = [c for c in text[a : b if b >= 0 else len(text)] if c.isalpha()]
    return sum(c.isupper() for c in letters) > 0.5 * len(letters)


def _overlaps(found: list[Finding], start: int, end: int) -> bool:
    return any(f.start < end and start < f.end for f in found)
