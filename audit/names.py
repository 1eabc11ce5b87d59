"""Proper-name chunks with offsets: runs of capitalised words, stripped of titles and stop words.

Used by the entity detector (corpus-wide spelling variants, place-for-person) and the
untranslated detector (acronym definitions). Titles (`President`, `Dr.`) and sentence-initial
stop words (`The`, `In`) are cut off the front so `Russian President Vladimir Putin` and
`Vladimir Putin` count as the same name.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import regex

from audit.lang import stopwords, zipf
from audit.resources import load_list

COMMON_WORD_ZIPF = 4.0
"""A one-word form this frequent as a word (`The`, `President`) is not indexed as a name."""

# Capitalised words (any script with case) joined by single spaces; inner hyphens and
# apostrophes stay inside a token. A trailing possessive is matched apart so it can be cut.
_TOKEN = r"\p{Lu}[\p{L}\p{M}]*(?:[-'’]\p{L}[\p{L}\p{M}]*)*"
_CHUNK_RE = regex.compile(rf"(?<![\p{{L}}\p{{M}}\p{{N}}'’-]){_TOKEN}(?: {_TOKEN})*")
_POSSESSIVE_RE = regex.compile(r"['’]s$")
_SENTENCE_OPENERS = frozenset(".!?:;\n\"“”«»([–—-")


class NameChunk(NamedTuple):
    """A name candidate (a tuple: the corpus pass and the entity detector make one per
    capitalised word of every document)."""

    start: int
    end: int
    text: str
    tokens: tuple[str, ...]
    title_start: int | None
    """Start of the title words cut off the front (`President`), None when there were none."""


@lru_cache(maxsize=8)
def titles(lang: str) -> frozenset[str]:
    """Capitalised words that precede a name without being part of it (`President`, `Dr`)."""
    return frozenset(t.rstrip(".").lower() for t in load_list("person_titles", lang=lang, missing_ok=True))


def name_chunks(text: str, lang: str = "en") -> list[NameChunk]:
    """Capitalised multi-word (or single-word) name candidates with exact offsets."""
    out: list[NameChunk] = []
    title_words, stops = titles(lang), stopwords(lang)
    for m in _CHUNK_RE.finditer(text):
        chunk = m.group()
        pos = m.start()
        if " " not in chunk and not chunk.endswith("s"):  # one word, no possessive: the common case
            low = chunk.lower()  # what `_add_chunk` does with one token, inline
            if low in title_words or (
                    low in stops and not is_all_caps(chunk) and _at_sentence_start(text, pos)):
                continue
            out.append(NameChunk(pos, pos + len(chunk), chunk, (chunk,), None))
            continue
        toks: list[tuple[int, str]] = []
        for tok in chunk.split(" "):
            toks.append((pos, tok))
            pos += len(tok) + 1
        # `North Korea’s Kim Jong Un` -> `North Korea` and `Kim Jong Un`.
        run: list[tuple[int, str]] = []
        for p, tok in toks:
            if _POSSESSIVE_RE.search(tok) and len(tok) > 2:
                run.append((p, tok[:-2]))
                _add_chunk(out, text, run, title_words, stops)
                run = []
            else:
                run.append((p, tok))
        _add_chunk(out, text, run, title_words, stops)
    return out


def _add_chunk(out: list[NameChunk], text: str, toks: list[tuple[int, str]], title_words: frozenset[str],
               stops: frozenset[str]) -> None:
    if not toks:
        return
    full_start = toks[0][0]
    # Keep what follows the last title: `Deputy Foreign Minister Le Thi Thu Hang`.
    last_title = -1
    for i, (_, t) in enumerate(toks):
        if t.lower() in title_words:  # tokens hold no dots; the list's are stripped of theirs
            last_title = i
    title_start = full_start if last_title >= 0 else None
    toks = toks[last_title + 1 :]
    if last_title < 0 and _at_sentence_start(text, full_start):
        while toks and toks[0][1].lower() in stops and not is_all_caps(toks[0][1]):
            toks = toks[1:]
    if not toks:
        return
    start = toks[0][0]
    end = toks[-1][0] + len(toks[-1][1])
    out.append(NameChunk(start, end, text[start:end], tuple(t for _, t in toks), title_start))


def _at_sentence_start(text: str, pos: int) -> bool:
    """Only blanks between `pos` and the text's start, a line break or sentence punctuation
    (looks back over the blanks only: a regex anchored at `$` would rescan the whole prefix)."""
    i = pos
    while i > 0 and text[i - 1].isspace():
        if text[i - 1] == "\n":
            return True
        i -= 1
    return i == 0 or text[i - 1] in _SENTENCE_OPENERS


def is_all_caps(token: str) -> bool:
    second = token[1:2]
    if second.islower() and second.isalpha():  # `Putin`: settled by its second letter
        return False
    letters = [c for c in token if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def name_key(form: str) -> str:
    """Hyphen-, space- and case-insensitive key: `Kim Jong-un` == `Kim Jong Un`."""
    return " ".join(_HYPHENS_RE.sub(" ", form).casefold().split())


_HYPHENS_RE = regex.compile(r"[-‐‑]")


@dataclass
class NameMentions:
    """The entity index's evidence: mentions per name form and document, and the forms seen after
    a title. Gathered by the corpus pass (which finds every document's name chunks anyway) or by
    the entity index itself; either way through `add`, so the two agree.

    A corpus has about 30 (form, document) pairs a document, so they are held as three integer
    arrays (form id, document position, mentions: 12 bytes a pair) rather than a dict of
    documents per form (31 -> 12 MB traced on 20,000 documents, forms and titles included)."""

    lang: str
    titled: set[str] = field(default_factory=set)
    form_ids: dict[str, int] = field(default_factory=dict)
    """Name form -> its id, numbered as first seen."""
    doc_ids: list[str] = field(default_factory=list)
    """The documents added, in order; pairs refer to them by position."""
    pair_forms: array = field(default_factory=lambda: array("i"))
    pair_docs: array = field(default_factory=lambda: array("i"))
    pair_counts: array = field(default_factory=lambda: array("i"))

    def add(self, doc_id: str, chunks: Iterable[NameChunk]) -> None:
        counts: dict[str, int] = {}
        for ch in chunks:
            if any(is_all_caps(t) for t in ch.tokens):
                continue
            if ch.title_start is not None:
                self.titled.add(ch.text)
            # A common one-word form is dropped from the index whatever its counts: not counting
            # it here keeps `The` or `President` from holding an entry for every document.
            if len(ch.tokens) == 1 and zipf(ch.text.lower(), self.lang) >= COMMON_WORD_ZIPF:
                continue
            counts[ch.text] = counts.get(ch.text, 0) + 1
        position = len(self.doc_ids)
        self.doc_ids.append(doc_id)
        ids = self.form_ids
        self.pair_forms.extend([ids.setdefault(form, len(ids)) for form in counts])
        self.pair_docs.extend([position] * len(counts))
        self.pair_counts.extend(counts.values())

    def merge(self, other: NameMentions) -> None:
        """Add `other`'s documents after this one's (in corpus order, as the chunks come)."""
        ids = self.form_ids
        remap = [ids.setdefault(form, len(ids)) for form in other.form_ids]  # other's ids in order
        offset = len(self.doc_ids)
        self.doc_ids.extend(other.doc_ids)
        self.pair_forms.extend([remap[f] for f in other.pair_forms])
        self.pair_docs.extend([d + offset for d in other.pair_docs])
        self.pair_counts.extend(other.pair_counts)
        self.titled |= other.titled

    def drain(self) -> Iterator[tuple[str, dict[str, int]]]:
        """Each form with {doc_id: mentions}, one form at a time, in the order forms were first
        seen (a document added twice has its mentions summed). Empties this index."""
        forms = list(self.form_ids)
        self.form_ids = {}
        pair_forms = np.frombuffer(self.pair_forms, np.int32)
        order = np.argsort(pair_forms, kind="stable")
        bounds = np.searchsorted(pair_forms[order], np.arange(len(forms) + 1)).tolist()
        pair_docs = np.frombuffer(self.pair_docs, np.int32)[order]
        pair_counts = np.frombuffer(self.pair_counts, np.int32)[order]
        del pair_forms, order
        self.pair_forms, self.pair_docs, self.pair_counts = array("i"), array("i"), array("i")
        doc_ids, self.doc_ids = self.doc_ids, []
        for k, form in enumerate(forms):
            per_doc: dict[str, int] = {}
            lo, hi = bounds[k], bounds[k + 1]
            for d, n in zip(pair_docs[lo:hi].tolist(), pair_counts[lo:hi].tolist(), strict=True):
                per_doc[doc_ids[d]] = per_doc.get(doc_ids[d], 0) + n
            yield form, per_doc
