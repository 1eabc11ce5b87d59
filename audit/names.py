"""Proper-name chunks with offsets: runs of capitalised words, stripped of titles and stop words.

Used by the entity detector (corpus-wide spelling variants, place-for-person) and the
untranslated detector (acronym definitions). Titles (`President`, `Dr.`) and sentence-initial
stop words (`The`, `In`) are cut off the front so `Russian President Vladimir Putin` and
`Vladimir Putin` count as the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from audit.lang import stopwords
from audit.resources import load_list

# Capitalised words (any script with case) joined by single spaces; inner hyphens and
# apostrophes stay inside a token. A trailing possessive is matched apart so it can be cut.
_TOKEN = r"\p{Lu}[\p{L}\p{M}]*(?:[-'’]\p{L}[\p{L}\p{M}]*)*"
_CHUNK_RE = regex.compile(rf"(?<![\p{{L}}\p{{M}}\p{{N}}'’-]){_TOKEN}(?: {_TOKEN})*")
_POSSESSIVE_RE = regex.compile(r"['’]s$")
_SENTENCE_OPENERS = frozenset(".!?:;\n\"“”«»([–—-")


@dataclass(frozen=True, slots=True)
class NameChunk:
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
            _add_chunk(out, text, [(pos, chunk)], title_words, stops)
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
        if t.rstrip(".").lower() in title_words:
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
    letters = [c for c in token if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def name_key(form: str) -> str:
    """Hyphen-, space- and case-insensitive key: `Kim Jong-un` == `Kim Jong Un`."""
    return " ".join(_HYPHENS_RE.sub(" ", form).casefold().split())


_HYPHENS_RE = regex.compile(r"[-‐‑]")
