"""Language data for any target language: word frequencies, stop words and language ID.

Everything is drawn from offline packages (wordfreq, langdetect) for the language asked for,
so detectors never hard-wire English.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import (
    available_languages,
    cB_to_freq,
    get_frequency_dict,
    lossy_tokenize,
    top_n_list,
    zipf_frequency,
)
from wordfreq.language_info import get_language_info
from wordfreq.numbers import digit_freq, smash_numbers


@lru_cache(maxsize=1)
def wordfreq_languages() -> frozenset[str]:
    return frozenset(available_languages("small"))


@lru_cache(maxsize=64)
def _frequencies(lang: str, wordlist: str = "best") -> dict[str, float]:
    return get_frequency_dict(lang, wordlist)  # wordfreq keeps the same dict for its own lookups


@lru_cache(maxsize=500_000)
def zipf(word: str, lang: str) -> float:
    """Zipf frequency (0 = unseen, 3 = once per million words, 7 = `the`).

    A plain lower-case word is looked up directly in wordfreq's table: wordfreq's tokeniser would
    return it unchanged, and skipping it makes the lookup ~20x faster. Anything else goes through
    `zipf_frequency`.
    """
    if lang not in wordfreq_languages():
        return 0.0
    if _is_plain(word):
        return _table_zipf(_frequencies(lang), word)
    return zipf_frequency(word, lang)


def _is_plain(word: str) -> bool:
    """A word wordfreq's tokeniser returns unchanged: its table answers for it directly."""
    return word.isalpha() and word.casefold() == word and unicodedata.is_normalized("NFKC", word)


def _table_zipf(table: dict[str, float], word: str) -> float:
    freq = table.get(word)
    return round(math.log10(freq) + 9, 2) if freq else 0.0


FREQUENT_ZIPF = 3.0
"""The least Zipf frequency `frequent_zipf` answers exactly (once per million words)."""


def frequent_zipf(word: str, lang: str) -> float:
    """`zipf(word, lang)` if that is at least FREQUENT_ZIPF, else 0.0.

    What votes for a foreign language only asks whether a word is common there, and a table of the
    common words is a fifth of the whole list: the ~27 languages the untranslated detector votes
    with cost each worker ~3.4 s and ~600 MB as whole tables, ~0.5 s and ~110 MB as these.
    """
    table = _frequent_words(lang)
    if _is_plain(word):
        return _table_zipf(table, word)
    if lang not in wordfreq_languages():
        return 0.0
    if get_language_info(lang)["tokenizer"] == "jieba":  # segmentation with its own rules
        z = zipf_frequency(word, lang)
        return z if z >= FREQUENT_ZIPF else 0.0
    # wordfreq's own combination (`wordfreq._word_frequency`) of the tokens it splits the word
    # into: 1/f = sum of 1/f_token, digits smashed to 0 for the lookup and then weighted, so the
    # word is rarer than each token, and a token missing from the table puts it below threshold.
    parts = lossy_tokenize(word, lang)
    if not parts:
        return 0.0
    inverse = 0.0
    for token in parts:
        smashed = smash_numbers(token)
        freq = table.get(smashed)
        if freq is None:
            return 0.0
        if smashed != token:
            freq *= digit_freq(token)
        inverse += 1.0 / freq
    freq = round(1.0 / inverse, math.floor(-math.log(1.0 / inverse, 10)) + 3)
    z = round(math.log(freq, 10) + 9, 2)  # as `zipf_frequency`
    return z if z >= FREQUENT_ZIPF else 0.0


@lru_cache(maxsize=64)
def _frequent_words(lang: str) -> dict[str, float]:
    """The frequency of each word of `lang`'s "best" list whose Zipf is at least FREQUENT_ZIPF,
    as wordfreq's own table has it.

    The list is wordfreq's cBpack (gzipped msgpack: a header, then one list of words per
    centibel of frequency, most frequent first), read as a stream up to the threshold's bucket,
    so the rest is never decompressed.
    """
    if lang not in wordfreq_languages():
        return {}
    import gzip

    import msgpack

    last = round((9 - FREQUENT_ZIPF) * 100)  # bucket i: frequency 10 ** (-i / 100), Zipf 9 - i / 100
    out: dict[str, float] = {}
    with gzip.open(available_languages("best")[lang], "rb") as f:
        unpacker = msgpack.Unpacker(f, raw=False)
        size = unpacker.read_array_header()
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
            raise ValueError(f"unexpected wordfreq list header: {header!r}")
        for i in range(min(size - 1, last + 1)):
            bucket = unpacker.unpack()
            freq = cB_to_freq(-i)
            for w in bucket:
                out[w] = freq
    return out


def in_wordlist(word: str, lang: str, wordlist: str = "best") -> bool:
    """Whether wordfreq has lower-case `word` in `lang` at all (`zipf_frequency(...) > 0`).

    Plain lower-case ASCII words are looked up directly: wordfreq's tokenisers leave them
    unchanged in every language (Turkish casing, Romanian cedillas and Serbian transliteration
    touch only other letters), and a first `zipf_frequency` call per word and language costs
    ~50 µs, which made this test the merged-word detector's main cost.
    """
    if lang not in wordfreq_languages():
        return False
    if word.isascii() and word.isalpha() and word.islower():
        return word in _frequencies(lang, wordlist)  # every listed word has zipf >= 1
    return zipf_frequency(word, lang, wordlist=wordlist) > 0


@lru_cache(maxsize=64)
def stopwords(lang: str, n: int = 150) -> frozenset[str]:
    """The `n` most frequent words: a language-generic stop list in the spirit of jusText."""
    if lang not in wordfreq_languages():
        return frozenset()
    return frozenset(top_n_list(lang, n))


@dataclass(frozen=True, slots=True)
class LangGuess:
    lang: str
    prob: float


_langdetect_ready = False


def detect_language(text: str) -> LangGuess | None:
    """Deterministic langdetect (fixed seed); None when it cannot decide.

    Sentences and lines are cached: the seed makes the answer a function of the text, and
    repeated ones (menus, credits, boilerplate) would otherwise pay ~10 ms each time.
    """
    return _detect_short(text) if len(text) <= 1000 else _detect(text)


@lru_cache(maxsize=8192)
def _detect_short(text: str) -> LangGuess | None:
    return _detect(text)


def _detect(text: str) -> LangGuess | None:
    global _langdetect_ready
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    if not _langdetect_ready:
        DetectorFactory.seed = 0
        _langdetect_ready = True
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return None
    return LangGuess(best.lang.split("-")[0], float(best.prob))


def lexical_vote(
    tokens: list[str], target: str, candidates: tuple[str, ...], foreign_min: float = 3.0,
    target_max: float = 1.5, margin: float | None = None,
) -> dict[str, int]:
    """Per candidate language, how many tokens are common there but (almost) unseen in target.

    Works on text too short for character n-gram identification (`Inici`, `Lire aussi`). With
    `margin`, a token known in the target also votes when a candidate has it `margin` Zipf points
    more often (English function words inside German text).
    """
    table = _vote_table(target, candidates, foreign_min, target_max, margin)
    votes: dict[str, int] = {}
    for tok in tokens:
        low = tok.lower()
        best_lang = table.get(low)
        if best_lang is None:
            best_lang = _remember_vote(table, low, target, candidates, foreign_min, target_max, margin)
        if best_lang:
            votes[best_lang] = votes.get(best_lang, 0) + 1
    return votes


def voting_tokens(
    tokens: set[str], target: str, candidates: tuple[str, ...], foreign_min: float = 3.0,
    target_max: float = 1.5, margin: float | None = None,
) -> set[str]:
    """The tokens (as given) that `lexical_vote` with the same settings counts for some language:
    a document's distinct tokens tell which of its sentences can hold a vote worth having.

    Tokens already known not to vote are taken out by one set difference (most of a document's
    words were met before), so only new ones are looked up."""
    table = _vote_table(target, candidates, foreign_min, target_max, margin)
    silent = _silent_tokens(target, candidates, foreign_min, target_max, margin)
    out = set()
    for tok in tokens - silent:
        low = tok.lower()
        best_lang = table.get(low)
        if best_lang is None:
            best_lang = _remember_vote(table, low, target, candidates, foreign_min, target_max, margin)
        if best_lang:
            out.add(tok)
        else:
            if len(silent) >= _VOTE_TABLE_SIZE:
                silent.clear()
            silent.add(tok)
    return out


@lru_cache(maxsize=32)
def _silent_tokens(target: str, candidates: tuple[str, ...], foreign_min: float, target_max: float,
                   margin: float | None) -> set[str]:
    """Each vote setting's tokens, as written, known to vote for no language."""
    return set()


def _remember_vote(table: dict[str, str], low: str, target: str, candidates: tuple[str, ...],
                   foreign_min: float, target_max: float, margin: float | None) -> str:
    if len(table) >= _VOTE_TABLE_SIZE:
        table.clear()
    best_lang = table[low] = _vote(low, target, candidates, foreign_min, target_max, margin)
    return best_lang


_VOTE_TABLE_SIZE = 200_000


@lru_cache(maxsize=32)
def _vote_table(target: str, candidates: tuple[str, ...], foreign_min: float, target_max: float,
                margin: float | None) -> dict[str, str]:
    """Each vote setting's answers by lower-case token: a plain dict lookup per token, where an
    lru_cache keyed on all six arguments cost more than the vote itself."""
    return {}


def _vote(low: str, target: str, candidates: tuple[str, ...], foreign_min: float, target_max: float,
          margin: float | None) -> str:
    tz = zipf(low, target)
    if tz <= target_max:
        best = foreign_min
    elif margin is not None:
        best = max(foreign_min, tz + margin)
    else:
        return ""
    best_lang = ""
    if foreign_min >= FREQUENT_ZIPF and _is_plain(low):
        # `frequent_zipf` inlined: a new token asks every candidate, and most know it not at all.
        for cand, table in _frequent_tables(candidates):
            if cand == target:
                continue
            if (z := _table_zipf(table, low)) >= best:  # 0.0 when absent: below `best`
                best_lang, best = cand, z
        return best_lang
    lookup = frequent_zipf if foreign_min >= FREQUENT_ZIPF else zipf  # `best` never falls below it
    for cand in candidates:
        if cand == target:
            continue
        z = lookup(low, cand)
        if z >= best:
            best_lang, best = cand, z
    return best_lang


@lru_cache(maxsize=32)
def _frequent_tables(candidates: tuple[str, ...]) -> tuple[tuple[str, dict[str, float]], ...]:
    return tuple((cand, _frequent_words(cand)) for cand in candidates)


LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "ca": "Catalan", "fr": "French", "de": "German",
    "pt": "Portuguese", "it": "Italian", "nl": "Dutch", "ro": "Romanian", "pl": "Polish",
    "ru": "Russian", "uk": "Ukrainian", "tr": "Turkish", "sv": "Swedish", "da": "Danish",
    "nb": "Norwegian", "fi": "Finnish", "cs": "Czech", "sk": "Slovak", "hu": "Hungarian",
    "el": "Greek", "bg": "Bulgarian", "ar": "Arabic", "he": "Hebrew", "fa": "Persian",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "vi": "Vietnamese", "id": "Indonesian",
    "ms": "Malay", "tl": "Tagalog", "hi": "Hindi", "sl": "Slovenian", "hr": "Croatian",
    "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "sq": "Albanian", "eu": "Basque",
    "gl": "Galician",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
