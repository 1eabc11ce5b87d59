"""Language data for any target language: word frequencies, stop words and language ID.

Everything is drawn from offline packages (wordfreq, langdetect) for the language asked for,
so detectors never hard-wire English.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import available_languages, get_frequency_dict, top_n_list, zipf_frequency


@lru_cache(maxsize=1)
def wordfreq_languages() -> frozenset[str]:
    return frozenset(available_languages("small"))


@lru_cache(maxsize=64)
def _frequencies(lang: str) -> dict[str, float]:
    return get_frequency_dict(lang)  # wordfreq keeps the same dict for its own lookups


@lru_cache(maxsize=500_000)
def zipf(word: str, lang: str) -> float:
    """Zipf frequency (0 = unseen, 3 = once per million words, 7 = `the`).

    A plain lower-case word is looked up directly in wordfreq's table: wordfreq's tokeniser would
    return it unchanged, and skipping it makes the lookup ~20x faster. Anything else goes through
    `zipf_frequency`.
    """
    if lang not in wordfreq_languages():
        return 0.0
    if word.isalpha() and word.casefold() == word and unicodedata.is_normalized("NFKC", word):
        freq = _frequencies(lang).get(word)
        return round(math.log10(freq) + 9, 2) if freq else 0.0
    return zipf_frequency(word, lang)


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
    """Deterministic langdetect (fixed seed); None when it cannot decide."""
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
    votes: dict[str, int] = {}
    for tok in tokens:
        best_lang = _vote(tok.lower(), target, candidates, foreign_min, target_max, margin)
        if best_lang:
            votes[best_lang] = votes.get(best_lang, 0) + 1
    return votes


@lru_cache(maxsize=200_000)
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
    for cand in candidates:
        if cand == target:
            continue
        z = zipf(low, cand)
        if z >= best:
            best_lang, best = cand, z
    return best_lang


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
