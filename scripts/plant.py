"""Plant known artifacts into clean prose and measure what the detectors find.

The seed gold has a few dozen items from five articles; this check asks whether the detectors
generalise. Each clean article (reference/clean) gets every artifact kind planted at a known span
in varied surface forms, drawn with a seeded RNG from words and names of the clean text itself.
The planted documents are audited as one corpus (so cross-document evidence exists), scored with
the gold rule (same document, category in the item's accept set, overlapping span), and the
unmodified clean prose is audited too, to count false alarms per 1,000 words.

    python scripts/plant.py                       # all registered detectors
    python scripts/plant.py --detectors mt_disclosure,merged_word --rounds 5 --details
    python scripts/plant.py --json /tmp/plant.json --dump /tmp/planted
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import regex

from audit.lang import stopwords, zipf
from audit.text import Span, paragraphs, sentences, word_count, words

ROOT = Path(__file__).resolve().parents[1]
CLEAN_DIR = ROOT / "reference" / "clean"


@dataclass(frozen=True)
class Planted:
    """One planted artifact; `text == doc[start:end]`, like a gold item."""

    doc: str
    start: int
    end: int
    text: str
    kind: str
    variant: str
    category: str
    accept: tuple[str, ...]
    severity: str
    suggestion: str | None = None


@dataclass
class Pool:
    """Names drawn from the clean prose (never from the reference corpus)."""

    persons: dict[str, list[str]]
    cities: dict[str, str]
    forms: Counter[str]
    names: dict[str, list[str]]
    """doc -> words of person names and cities that other documents spell the same way."""

    @classmethod
    def build(cls, texts: dict[str, str], lang: str = "en") -> Pool:
        forms: Counter[str] = Counter()
        docs_with: Counter[str] = Counter()
        for text in texts.values():
            toks = [w.text for w in words(text)]
            forms.update(toks)
            docs_with.update(set(toks))
        lowered = {f for f in forms if f.islower()}
        persons = {doc: _persons(text, lowered, lang) for doc, text in texts.items()}
        cities = {}
        for doc, text in texts.items():
            m = DATELINE_RE.search(text)
            cities[doc] = m.group("city").title() if m else ""
        name_like = {t for ps in persons.values() for p in ps for t in p.split()} | set(cities.values())
        names = {}
        for doc, text in texts.items():
            in_doc = Counter(w.text for w in words(text))
            # after respelling one occurrence, the house form must still be in 2+ documents
            names[doc] = sorted(t for t, n in in_doc.items() if t in name_like and len(t) >= 4
                                and docs_with[t] - (n == 1) >= 2)
        return cls(persons, cities, forms, names)

    def any_person(self, rng: random.Random) -> str:
        return rng.choice(sorted({p for ps in self.persons.values() for p in ps}))


def _persons(text: str, lowered: set[str], lang: str) -> list[str]:
    """People: runs of 2-4 capitalised words (titles dropped) that 'said'/'told' or have an age."""
    ws = words(text)
    runs: list[list[Span]] = []
    for w in ws:
        cap = w.text[0].isupper() and w.text.replace("-", "").isalpha() and not w.text.isupper()
        if cap and runs and runs[-1] and text[runs[-1][-1].end:w.start] == " ":
            runs[-1].append(w)
        else:
            runs.append([w] if cap else [])
    out = set()
    for run in runs:
        toks = [w.text for w in run]
        while toks and (toks[0].lower() in lowered or zipf(toks[0].lower(), lang) >= 4.0):
            toks = toks[1:]
        said = r"(?:,[^.“”]{1,70}?,)?(?: later)? (?:said|told)\b|, \d+,"
        not_after = r"(?<!\p{Lu}\p{L}* |\b(?:in|at|of|from|near) )"
        if 2 <= len(toks) <= 4 and max(zipf(t.lower(), lang) for t in toks) < 5.0 and any(
            regex.search(rf"{not_after}{regex.escape(t)}(?:{said})", text)
            for t in [" ".join(toks), *toks]
        ):
            out.add(" ".join(toks))
    return sorted(out)


class Canvas:
    """One document being planted: each edit shifts the spans planted before it."""

    def __init__(self, doc: str, text: str, pool: Pool, source: str, lang: str = "en") -> None:
        self.doc, self.text, self.pool, self.source, self.lang = doc, text, pool, source, lang
        self.items: list[Planted] = []
        self.protected: list[tuple[int, int]] = []

    def free(self, start: int, end: int, margin: int = 1) -> bool:
        """No planted or protected span within `margin` characters of [start, end)."""
        spans = [(p.start, p.end) for p in self.items] + self.protected
        return not any(start - margin < e and s < end + margin for s, e in spans)

    def protect(self, start: int, end: int) -> None:
        self.protected.append((start, end))

    def replace(self, start: int, end: int, new: str, span: tuple[int, int] | None = None,
                **item: Any) -> Planted:
        """Replace text[start:end] with `new`; `span` locates the artifact inside `new`."""
        delta = len(new) - (end - start)
        self.text = self.text[:start] + new + self.text[end:]
        self.items = [replace(p, start=p.start + delta, end=p.end + delta) if p.start >= end else p
                      for p in self.items]
        self.protected = [(s + delta, e + delta) if s >= end else (s, e) for s, e in self.protected]
        a, b = span or (0, len(new))
        planted = Planted(self.doc, start + a, start + b, new[a:b], **item)
        self.items.append(planted)
        return planted

    def add_paragraph(self, after: Span | None, line: str, span: tuple[int, int] | None = None,
                      **item: Any) -> Planted | None:
        """Insert `line` as its own paragraph after `after` (None: at the very top)."""
        a, b = span or (0, len(line))
        if after is None:
            return self.replace(0, 0, line + "\n\n", (a, b), **item) if self.free(0, 0, 0) else None
        if not self.free(after.end, after.end, 0):
            return None
        return self.replace(after.end, after.end, "\n\n" + line, (a + 2, b + 2), **item)

    def paras(self) -> list[Span]:
        return paragraphs(self.text)

    def body(self) -> list[Span]:
        """Paragraphs of running prose: not the headline, not section headings."""
        return [p for p in self.paras()[1:] if p.text.endswith((".", "”", '"')) and len(p.text) > 60]


Generator = Callable[[Canvas, random.Random], Planted | None]

# --- merged_word -----------------------------------------------------------------------------
PREPOSITIONS = frozenset({"in", "on", "at", "for", "with", "during", "from", "to", "by", "of", "after",
                          "before", "into", "near", "about", "against", "between", "since", "until"})


def plant_merged_word(c: Canvas, rng: random.Random) -> Planted | None:
    """Delete the space between two alphabetic words (the tag-boundary fusion of scraped MT)."""
    stop = stopwords(c.lang)
    ws = words(c.text)
    by_variant: dict[str, list[tuple[Span, Span]]] = defaultdict(list)
    for w1, w2 in pairwise(ws):
        fused = w1.text + w2.text
        if (c.text[w1.end:w2.start] != " " or not (w1.text.isalpha() and w2.text.isalpha())
                or min(len(w1.text), len(w2.text)) < 2 or not w2.text.islower()
                or not c.free(w1.start, w2.end) or zipf(fused.lower(), c.lang) > 1.0
                or not _bounded(c.text, w1.start, w2.end)):
            continue
        mid_sentence = regex.search(r"[\p{L}\p{N},] $", c.text[max(0, w1.start - 2):w1.start])
        if w1.text[0].isupper() and w2.text not in stop and mid_sentence:
            by_variant["name+word"].append((w1, w2))
        elif w2.text in PREPOSITIONS:
            by_variant["word+preposition"].append((w1, w2))
        elif w2.text in stop:
            by_variant["word+function"].append((w1, w2))
        elif w1.text.islower():
            by_variant["word+word"].append((w1, w2))
    if not by_variant:
        return None
    variant = rng.choice(sorted(by_variant))
    w1, w2 = rng.choice(by_variant[variant])
    return c.replace(w1.start, w2.end, w1.text + w2.text, kind="merged_word", variant=variant,
                     category="merged_word", accept=("merged_word",), severity="major",
                     suggestion=f"{w1.text} {w2.text}")


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "-’'/" or after.isalnum() or after in "-’'/")


# --- caption ---------------------------------------------------------------------------------
CAPTIONS = (
    "{person} speaks during a news conference in {place} on {date}.",
    "{person} (left) and {other} (right) attend a meeting in {place}, {date}.",
    "{person} arrives for talks in {place}, {date}.",
    "Residents walk past damaged buildings in {place} on {date}.",
    "Supporters gather outside a government building in {place} on {date}.",
    "A general view of {place}, taken on {date}.",
)
CREDITS = {
    "UPPER – AFP": "{PH} – AFP", "Name – Reuters": "{Ph} – Reuters", "UPPER – POOL": "{PH} – POOL",
    "Name – Pool agency": "{Ph} – Pool {agency}", "STR – agency": "STR – {agency}",
    "via Getty": "{Ph} – {agency} via Getty Images", "Name/agency": "{Ph}/{agency}",
    "(Reuters/Name)": "{Ph} – Reuters",
}
AGENCIES = ("AFP", "AP", "Reuters", "EFE", "EPA", "Anadolu", "Xinhua", "ANSA", "dpa")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def _date(rng: random.Random, style: str | None = None) -> dt.date | str:
    day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
    style = style or rng.choice(["us", "uk"])
    if style == "date":
        return day
    if style == "us":
        return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def plant_caption(c: Canvas, rng: random.Random) -> Planted | None:
    """A photo caption ending in a date, with the photo credit fused onto it."""
    people = c.pool.persons.get(c.source) or [c.pool.any_person(rng)]
    desc = rng.choice(CAPTIONS).format(
        person=rng.choice(people), other=c.pool.any_person(rng), date=_date(rng),
        place=c.pool.cities.get(c.source) or "the capital")
    a, b = c.pool.any_person(rng).split(), c.pool.any_person(rng).split()
    ph = f"{a[0]} {b[-1]}"
    variant = rng.choice(sorted(CREDITS))
    credit = CREDITS[variant].format(PH=ph.upper(), Ph=ph, agency=rng.choice(AGENCIES))
    if variant == "(Reuters/Name)":
        desc = f"{desc[:-1]} (Reuters/{ph})"
    body = c.body()
    if not body:
        return None
    return c.add_paragraph(rng.choice(body), desc + credit, (len(desc), len(desc + credit)),
                           kind="caption", variant=variant, category="caption",
                           accept=("caption", "boilerplate", "merged_word"), severity="minor")


# --- boilerplate -----------------------------------------------------------------------------
SECTIONS = ("World", "Politics", "Business", "Economy", "Sport", "Health", "Science", "Technology")
REGIONS = ("Europe", "Africa", "Americas", "Asia", "Middle East", "Latin America")


def _weekday_date(rng: random.Random) -> str:
    day = _date(rng, "date")
    assert isinstance(day, dt.date)
    return f"{day:%A}, {MONTHS[day.month - 1]} {day.day}, {day.year}"


BOILERPLATE: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "share": ("bottom", lambda r: r.choice(["Share this article", "Share this story", "Share on Facebook"])),
    "read_more": ("bottom", lambda r: r.choice(["Read more", "Read more:", "READ MORE"])),
    "most_read": ("bottom", lambda r: r.choice(["Most read", "Most Popular", "Related articles"])),
    "follow": ("bottom", lambda r: r.choice(["Follow us on X", "Follow us on Google News"])),
    "newsletter": ("bottom", lambda r: r.choice(["Subscribe to our newsletter",
                                                 "Sign up for our daily briefing"])),
    "read_time": ("top", lambda r: f"{r.randint(2, 9)} min read"),
    "published": ("top", lambda r: f"Published: {_date(r)} {r.randint(6, 22):02d}:{r.randint(0, 59):02d}"),
    "date_only": ("top", _weekday_date),
    "breadcrumb": ("top", lambda r: f"Home › {r.choice(SECTIONS)} › {r.choice(REGIONS)}"),
    "fused_breadcrumb": ("headline", lambda r: f"Home{r.choice(SECTIONS)}{r.choice(REGIONS[:4])}"),
    "lire_aussi": ("middle", lambda r: r.choice(["Lire aussi", "À lire aussi"])),
    "lesen_sie_auch": ("middle", lambda r: "Lesen Sie auch"),
    "te_puede_interesar": ("middle", lambda r: r.choice(["Te puede interesar", "Lee también"])),
}


def plant_boilerplate(c: Canvas, rng: random.Random) -> Planted | None:
    """A line of page furniture at the top, bottom or between paragraphs."""
    variant = rng.choice(sorted(BOILERPLATE))
    where, make = BOILERPLATE[variant]
    line = make(rng)
    accept = ("boilerplate", "untranslated") if where == "middle" else ("boilerplate",)
    if variant == "fused_breadcrumb":
        accept = ("boilerplate", "merged_word")
    item = {"kind": "boilerplate", "variant": variant, "category": "boilerplate", "accept": accept,
            "severity": "minor", "suggestion": ""}
    paras, body = c.paras(), c.body()
    if where == "headline":
        return c.replace(0, 0, line, **item) if c.free(0, 0) else None
    if where == "top":
        return c.add_paragraph(rng.choice([None, paras[0]]), line, **item)
    if where == "middle" and body:
        return c.add_paragraph(rng.choice(body), line, **item)
    return c.add_paragraph(paras[-1], line, **item)


# --- duplicate -------------------------------------------------------------------------------
def plant_duplicate(c: Canvas, rng: random.Random) -> Planted | None:
    """The headline repeated (whole or truncated with '...'), or a paragraph printed twice."""
    head = c.paras()[0]
    variant = rng.choice(["headline_repeat", "headline_truncated", "paragraph_repeat"])
    item = {"kind": "duplicate", "variant": variant, "category": "duplicate", "severity": "minor",
            "accept": ("duplicate",), "suggestion": ""}
    if variant == "paragraph_repeat":
        long = [p for p in c.body() if len(p.text.split()) >= 15 and c.free(p.start, p.end)]
        if not long:
            return None
        src = rng.choice(long)
        c.protect(src.start, src.end)
        return c.add_paragraph(src, src.text, **item)
    if not c.free(head.start, head.end):
        return None
    c.protect(head.start, head.end)
    if variant == "headline_repeat":
        return c.add_paragraph(head, head.text, **item)
    toks = head.text.split()
    short = " ".join(toks[: rng.randint(4, max(4, len(toks) - 2))]) + rng.choice(["...", "…"])
    return c.add_paragraph(None, short, **{**item, "accept": ("duplicate", "boilerplate")})


# --- untranslated ----------------------------------------------------------------------------
FOREIGN_SENTENCES = (
    "El Gobierno anunció este jueves un paquete de medidas para contener la subida de los precios.",
    "Según fuentes del ministerio, la reunión se prolongó hasta bien entrada la madrugada.",
    "La oposición exigió la dimisión inmediata del ministro tras conocerse los datos.",
    "Le gouvernement a annoncé jeudi une série de mesures pour soutenir les ménages modestes.",
    "Selon plusieurs sources diplomatiques, les négociations devraient reprendre la semaine prochaine.",
    "Les autorités locales ont ordonné l’évacuation de plusieurs quartiers proches du fleuve.",
    "Die Regierung kündigte am Donnerstag ein neues Hilfspaket für die betroffenen Regionen an.",
    "Nach Angaben der Polizei wurden bei den Zusammenstößen mehrere Menschen leicht verletzt.",
    "Der Minister wollte sich zu den Vorwürfen zunächst nicht äußern.",
    "El Govern ha anunciat aquest dijous un nou paquet d’ajudes per a les famílies afectades.",
    "Segons fonts properes a la negociació, l’acord podria tancar-se abans de final de mes.",
    "O governo anunciou nesta quinta-feira um pacote de medidas para conter a alta dos preços.",
    "De acordo com a polícia, pelo menos três pessoas foram detidas durante os protestos.",
    "O ministro não quis comentar as acusações feitas pela oposição.",
)
FOREIGN_ALT_TEXT = (
    "una dona amb jaqueta vermella parla davant d’un grup de periodistes",
    "un hombre con traje habla ante los micrófonos durante una rueda de prensa",
    "des habitants marchent dans une rue inondée après le passage de la tempête",
    "pessoas caminham entre casas destruídas após a passagem do ciclone",
    "zwei Männer in Anzügen geben sich in einem Saal die Hand",
)


def plant_untranslated(c: Canvas, rng: random.Random) -> Planted | None:
    """A source-language sentence left in the text, inline or as a stray alt-text line."""
    body = c.body()
    if not body:
        return None
    if rng.random() < 0.3:
        return c.add_paragraph(rng.choice(body), rng.choice(FOREIGN_ALT_TEXT), kind="untranslated",
                               variant="alt_text", category="untranslated", severity="critical",
                               accept=("untranslated", "caption"))
    ends = [p.start + s.end for p in body for s in sentences(p.text, c.lang)
            if s.text.endswith((".", "”")) and c.free(p.start + s.end, p.start + s.end, 0)
            and p.text[:s.end].count("“") == p.text[:s.end].count("”")]
    if not ends:
        return None
    sent = rng.choice(FOREIGN_SENTENCES)
    pos = rng.choice(ends)
    return c.replace(pos, pos, " " + sent, (1, 1 + len(sent)), kind="untranslated", variant="sentence",
                     category="untranslated", accept=("untranslated",), severity="critical",
                     suggestion=None)


ACRONYM_DEF_RE = regex.compile(r"((?:[\p{L}’'-]+[ –-]){1,7})\((\p{Lu}{2,4})\)")
SKIP_INITIALS = frozenset({"of", "for", "the", "and", "on", "de", "du"})


def plant_acronym(c: Canvas, rng: random.Random) -> Planted | None:
    """After 'European Central Bank (ECB)', a later ECB in source-language order (BCE)."""
    cands = []
    for m in ACRONYM_DEF_RE.finditer(c.text):
        acr = m.group(2)
        initials = "".join(w[0].upper() for w in regex.split(r"[ –-]+", m.group(1).strip())
                           if w and w.lower() not in SKIP_INITIALS)
        if not initials.endswith(acr) or acr == acr[::-1]:
            continue
        for later in regex.finditer(rf"(?<![\p{{L}}(]){acr}(?![\p{{L}})])", c.text, pos=m.end()):
            if c.free(later.start(), later.end()):
                cands.append((m, later))
    if not cands:
        return None
    m, later = rng.choice(cands)
    c.protect(m.start(), m.end())
    acr = m.group(2)
    return c.replace(later.start(), later.end(), acr[::-1], kind="acronym", variant="reversed",
                     category="untranslated", accept=("untranslated", "inconsistency", "entity"),
                     severity="major", suggestion=acr)


# --- entity ----------------------------------------------------------------------------------
def _variants(name: str) -> list[str]:
    """One-letter misspellings of a name: h after the initial, vowel swap, doubling, diacritics."""
    out = []
    if name[1] in "aeiou" and name[0] not in "AEIOUH":
        out.append(name[0] + "h" + name[1:])
    for i, ch in enumerate(name[1:-1], 1):
        if ch in "aeiou":
            out += [name[:i] + v + name[i + 1:] for v in "aeiou" if v != ch]
        elif ch.isalpha() and ch == name[i + 1]:
            out.append(name[:i] + name[i + 1:])
    plain = "".join(ch for ch in unicodedata.normalize("NFD", name) if not unicodedata.combining(ch))
    if plain != name:
        out.append(plain)
    return out


def plant_entity(c: Canvas, rng: random.Random) -> Planted | None:
    """One occurrence of a recurring name respelt by one letter (To Lam -> Tho Lam)."""
    names = [n for n in c.pool.names.get(c.source, []) if n in c.text]
    rng.shuffle(names)
    for name in names:
        spots = [w for w in words(c.text) if w.text == name and c.free(w.start, w.end)]
        variants = [v for v in _variants(name) if c.pool.forms[v] == 0 and zipf(v.lower(), c.lang) < 1.5]
        if spots and variants:
            w, v = rng.choice(spots), rng.choice(variants)
            return c.replace(w.start, w.end, v, kind="entity", variant="one_letter", category="entity",
                             accept=("entity", "inconsistency"), severity="major", suggestion=name)
    return None


# --- grammar and punctuation -----------------------------------------------------------------
PAST_IRREGULAR = frozenset({"said", "told", "made", "took", "won", "met", "left", "set", "ran", "fell",
                            "rose", "held", "gave", "began", "struck", "broke", "sent", "led", "kept"})


def _past(word: str) -> bool:
    return word.islower() and (word in PAST_IRREGULAR or (word.endswith("ed") and len(word) > 4))


def plant_grammar(c: Canvas, rng: random.Random) -> Planted | None:
    """The pronoun calque 'The two countries, They closed ...' after a subject."""
    stop = stopwords(c.lang)
    cands = []
    for s in sentences(c.text, c.lang):
        m = regex.match(r"([^,“”()\d\n]{3,60}), ([^,“”\n]{3,80}), (\p{Ll}+)\b", s.text)
        if m and _past(m.group(3)):
            cands.append(("apposition", s.start + m.start(3), s.start + m.end(3), m.group(3), ""))
        ws = words(s.text)
        verb = next((i for i, w in enumerate(ws[:6]) if _past(w.text)), None)
        if verb and any(w.text.lower() not in stop for w in ws[:verb]):
            subj_end = ws[verb - 1].end
            if not regex.search(r"[,“”()\d]", s.text[:subj_end]):
                cands.append(("subject", s.start + subj_end, s.start + ws[verb].end, ws[verb].text, ","))
    cands = [x for x in cands if c.free(x[1], x[2])]
    if not cands:
        return None
    chosen = rng.choice(sorted({x[0] for x in cands}))
    cands = [x for x in cands if x[0] == chosen]
    cands = [x for x in cands if x[3] != "said"] or cands  # 'said' would dominate otherwise
    variant, start, end, verb, comma = rng.choice(cands)
    new = f"{comma} They {verb}" if comma else f"They {verb}"
    return c.replace(start, end, new, (len(new) - len(verb) - 5, len(new)), kind="grammar",
                     variant=variant, category="grammar", accept=("grammar",), severity="minor",
                     suggestion=verb)


def plant_punctuation(c: Canvas, rng: random.Random) -> Planted | None:
    """An opening quote mark used to close a quotation: 'blocs“, he claimed'."""
    cands = [m for m in regex.finditer(r"[\p{L}\p{N}’'-]+[,.!?]?”", c.text) if c.free(m.start(), m.end())]
    if not cands:
        return None
    m = rng.choice(cands)
    return c.replace(m.start(), m.end(), m.group()[:-1] + "“", kind="punctuation", variant="closing_quote",
                     category="punctuation", accept=("punctuation", "grammar"), severity="minor",
                     suggestion=m.group())


DATELINE_RE = regex.compile(r"(?m)^(?P<city>\p{Lu}[\p{Lu} .’'-]*\p{Lu})(?:, [\p{L} ]+)?(?: \([^)]+\))? [-—–]")


def plant_dateline(c: Canvas, rng: random.Random) -> Planted | None:
    """A Spanish-style dateline 'CITY.-' where English uses 'CITY —'."""
    m = DATELINE_RE.search(c.text)
    if not m or not c.free(m.start(), m.end()):
        return None
    city = m.group("city")
    variant = rng.choice(["city", "city_agency"])
    new = f"{city}.-" if variant == "city" else f"{city} ({rng.choice(['EFE', 'AFP', 'ANSA'])}).-"
    return c.replace(m.start(), m.end(), new, kind="dateline", variant=variant, category="punctuation",
                     accept=("punctuation", "grammar"), severity="minor", suggestion=f"{city} —")


# --- mt_disclosure ---------------------------------------------------------------------------
DISCLOSURES = (
    "This article was automatically translated.",
    "Translated by machine",
    "This article has been machine-translated from Spanish.",
    "This text was translated automatically; read the original article here.",
)
DISCLOSURES_FOREIGN = (  # also untranslated text
    "Traducido automáticamente",
    "Cet article a été traduit automatiquement.",
    "Dieser Artikel wurde maschinell übersetzt.",
)


def plant_mt_disclosure(c: Canvas, rng: random.Random) -> Planted | None:
    """A notice that the text is machine translation, at the top or the bottom."""
    paras = c.paras()
    line = rng.choice(DISCLOSURES + DISCLOSURES_FOREIGN)
    foreign = line in DISCLOSURES_FOREIGN
    return c.add_paragraph(rng.choice([None, paras[0], paras[-1]]), line, kind="mt_disclosure",
                           variant="foreign" if foreign else "english", category="mt_disclosure",
                           accept=("mt_disclosure", "boilerplate", "untranslated")[: 3 if foreign else 2],
                           severity="info", suggestion="")


# Planting order matters: kinds that copy or read text (duplicate, acronym) go before kinds that
# damage it. Value: (generator, items per document).
GENERATORS: dict[str, tuple[Generator, int]] = {
    "duplicate": (plant_duplicate, 1),
    "acronym": (plant_acronym, 1),
    "entity": (plant_entity, 1),
    "grammar": (plant_grammar, 1),
    "punctuation": (plant_punctuation, 1),
    "dateline": (plant_dateline, 1),
    "merged_word": (plant_merged_word, 3),
    "untranslated": (plant_untranslated, 1),
    "caption": (plant_caption, 1),
    "boilerplate": (plant_boilerplate, 2),
    "mt_disclosure": (plant_mt_disclosure, 1),
}


def load_clean(directory: str | Path = CLEAN_DIR) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(Path(directory).glob("*.txt"))}


def plant_document(source: str, text: str, pool: Pool, rng: random.Random, doc: str | None = None,
                   kinds: Sequence[str] | None = None, attempts: int = 20) -> tuple[str, list[Planted]]:
    """Plant every kind (or `kinds`) into one clean text; returns the new text and its items."""
    c = Canvas(doc or source, text, pool, source)
    for kind, (gen, n) in GENERATORS.items():
        if kinds and kind not in kinds:
            continue
        for _ in range(n):
            for _ in range(attempts):
                if gen(c, rng):
                    break
    return c.text, sorted(c.items, key=lambda p: p.start)


def plant_corpus(clean: dict[str, str], seed: int = 0, rounds: int = 1,
                 kinds: Sequence[str] | None = None) -> list[tuple[list[tuple[str, str]], list[Planted]]]:
    """One planted corpus per round: ([(doc_id, text)], items). Same seed, same corpus."""
    pool = Pool.build(clean)
    out = []
    for r in range(rounds):
        docs, items = [], []
        for source, text in clean.items():
            rng = random.Random(f"{seed}/{r}/{source}")
            new, planted = plant_document(source, text, pool, rng, f"r{r}_{source}", kinds)
            docs.append((f"r{r}_{source}", new))
            items += planted
        out.append((docs, items))
    return out


def _overlaps(f: dict[str, Any], p: Planted) -> bool:
    return f["doc_id"] == p.doc and f["category"] in p.accept and f["start"] < p.end and p.start < f["end"]


def score(items: Sequence[Planted], findings: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Recall per planted category; precision per finding category (gold matching rule)."""
    by_doc: dict[str, list[Planted]] = defaultdict(list)
    for p in items:
        by_doc[p.doc].append(p)
    found = {id(p): False for p in items}
    true_findings: Counter[str] = Counter()
    for f in findings:
        hits = [p for p in by_doc.get(f["doc_id"], []) if _overlaps(f, p)]
        for p in hits:
            found[id(p)] = True
        true_findings[f["category"]] += bool(hits)
    n_findings = Counter(f["category"] for f in findings)
    planted = Counter(p.category for p in items)
    hit = Counter(p.category for p in items if found[id(p)])
    cats = sorted(set(planted) | set(n_findings))
    rows = {
        cat: {
            "planted": planted[cat], "found": hit[cat],
            "recall": hit[cat] / planted[cat] if planted[cat] else None,
            "findings": n_findings[cat], "true_findings": true_findings[cat],
            "precision": true_findings[cat] / n_findings[cat] if n_findings[cat] else None,
        }
        for cat in cats
    }
    variants: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in items:
        variants[f"{p.kind}/{p.variant}"][0] += 1
        variants[f"{p.kind}/{p.variant}"][1] += found[id(p)]
    missed = [asdict(p) for p in items if not found[id(p)]]
    stray = [f for f in findings if not any(_overlaps(f, p) for p in by_doc.get(f["doc_id"], []))]
    return {"categories": rows, "variants": {k: {"planted": v[0], "found": v[1]} for k, v in
                                              sorted(variants.items())},
            "missed": missed, "unmatched_findings": stray}


def run_audit(docs: Sequence[tuple[str, str]], detectors: Sequence[str] | None, config: Any = None,
              jobs: int = 1) -> list[dict[str, Any]]:
    import audit

    documents = [audit.Document(doc_id=d, text=t) for d, t in docs]
    result = audit.audit_documents(documents, config or audit.Config(), jobs=jobs, detectors=detectors)
    return result.findings.to_dicts()


def check_importable(names: Sequence[str] | None) -> list[str]:
    """Registered detectors (or `names`) whose module fails to import, with the reason."""
    from audit.detectors import DETECTORS, detector_class

    bad = []
    for name in names or DETECTORS:
        try:
            detector_class(name)
        except (ImportError, AttributeError, KeyError) as exc:
            bad.append(f"{name} ({exc})")
    return bad


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def report(figures: dict[str, Any], details: bool = False) -> str:
    out = [f"{'category':15} {'planted':>7} {'found':>6} {'recall':>7} {'findings':>9} {'precision':>9}"]
    for cat, r in figures["planted"]["categories"].items():
        out.append(f"{cat:15} {r['planted']:>7} {r['found']:>6} {_fmt(r['recall']):>7} "
                   f"{r['findings']:>9} {_fmt(r['precision']):>9}")
    tot_p = sum(r["planted"] for r in figures["planted"]["categories"].values())
    tot_f = sum(r["found"] for r in figures["planted"]["categories"].values())
    out.append(f"{'all':15} {tot_p:>7} {tot_f:>6} {_fmt(tot_f / tot_p if tot_p else None):>7}")
    clean = figures["clean"]
    out.append(f"\nclean prose: {clean['findings']} findings in {clean['words']} words = "
               f"{clean['per_1000_words']:.2f} per 1,000 words")
    for f in clean["items"]:
        out.append(f"  {f['doc_id']} {f['start']}-{f['end']} {f['category']}/{f['detector']}: "
                   f"{f['text'][:60]!r} - {f['message'][:70]}")
    if details:
        out.append("\nrecall by kind/variant:")
        for k, v in figures["planted"]["variants"].items():
            out.append(f"  {k:40} {v['found']}/{v['planted']}")
        out.append("\nmissed planted items:")
        for p in figures["planted"]["missed"]:
            out.append(f"  {p['doc']} {p['start']}-{p['end']} {p['kind']}/{p['variant']}: {p['text'][:60]!r}")
        out.append("\nfindings on planted docs matching no planted item:")
        for f in figures["planted"]["unmatched_findings"]:
            out.append(f"  {f['doc_id']} {f['start']}-{f['end']} {f['category']}/{f['detector']}: "
                       f"{f['text'][:60]!r}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clean", default=str(CLEAN_DIR), help="folder of clean .txt articles")
    ap.add_argument("--detectors", help="comma-separated detector names (default: all registered)")
    ap.add_argument("--kinds", help=f"comma-separated artifact kinds (default: {','.join(GENERATORS)})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3, help="independent planted corpora to audit")
    ap.add_argument("--config", help="TOML config for the audit")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--dump", help="write planted documents and plants.jsonl (gold format) here")
    ap.add_argument("--details", action="store_true", help="list misses and unmatched findings")
    args = ap.parse_args(argv)

    import audit

    names = [n.strip() for n in args.detectors.split(",")] if args.detectors else None
    bad = check_importable(names)
    if bad:
        print("detector(s) that do not import: " + "; ".join(bad) + "\nrun with --detectors naming the "
              "ones that do", file=sys.stderr)
        return 2
    kinds = [k.strip() for k in args.kinds.split(",")] if args.kinds else None
    unknown = sorted(set(kinds or []) - set(GENERATORS))
    if unknown:
        ap.error(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(GENERATORS)}")
    config = audit.Config.load(args.config)
    clean = load_clean(args.clean)

    all_items: list[Planted] = []
    all_findings: list[dict[str, Any]] = []
    for docs, items in plant_corpus(clean, args.seed, args.rounds, kinds):
        all_items += items
        all_findings += run_audit(docs, names, config, args.jobs)
        if args.dump:
            dump(Path(args.dump), docs, items)
    clean_findings = run_audit(list(clean.items()), names, config, args.jobs)
    n_words = sum(word_count(t) for t in clean.values())
    figures = {
        "seed": args.seed, "rounds": args.rounds, "detectors": names or "all",
        "planted": score(all_items, all_findings),
        "clean": {"findings": len(clean_findings), "words": n_words,
                  "per_1000_words": 1000 * len(clean_findings) / n_words if n_words else 0.0,
                  "items": clean_findings},
    }
    print(report(figures, args.details))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str),
                                   encoding="utf-8")
    return 0


def dump(folder: Path, docs: Sequence[tuple[str, str]], items: Sequence[Planted]) -> None:
    """Planted documents as .txt and their items as gold JSONL (usable by scripts/evaluate.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc, text in docs:
        (folder / f"{doc}.txt").write_text(text, encoding="utf-8")
    with open(folder / "plants.jsonl", "a", encoding="utf-8") as fh:
        for p in items:
            gold = {"doc": f"{p.doc}.txt", "start": p.start, "end": p.end, "text": p.text,
                    "category": p.category, "accept": list(p.accept), "severity": p.severity,
                    "required": True, "suggestion": p.suggestion, "note": f"{p.kind}/{p.variant}"}
            fh.write(json.dumps(gold, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
