from __future__ import annotations

import pytest
from wordfreq import zipf_frequency

from audit.lang import (
    FREQUENT_ZIPF,
    _frequencies,
    _frequent_words,
    detect_language,
    frequent_zipf,
    in_wordlist,
    lexical_vote,
    zipf,
)

# Real words: English, Romance and Slavic, with diacritics, Turkish dotted/dotless i, Romanian
# cedilla/comma forms and German sharp s (the cases where wordfreq's tokeniser rewrites a word).
WORDS = ["government", "resultado", "vestit", "també", "président", "straße", "şi", "și", "istanbul",
         "ıslak", "garbledxq", "sentència", "україна", "thành", "ho", "naïve"]


@pytest.mark.parametrize("lang", ["en", "es", "ca", "ro", "tr", "de", "uk", "vi", "sh"])
def test_in_wordlist_agrees_with_zipf_frequency(lang) -> None:
    for word in WORDS:
        assert in_wordlist(word, lang, "small") == (zipf_frequency(word, lang, wordlist="small") > 0), word


# Words wordfreq tokenises (apostrophes, hyphens, digits, capitals) besides plain ones.
TOKENISED = ["l'amic", "d'aquí", "co-operation", "state-run", "2024", "1,500", "año", "Straße", "dell'anno",
             "c'est", "aujourd'hui", "x-ray", "19", "3.5", "g7", "covid-19", "1990s", "2.000", "20th"]


@pytest.mark.parametrize("lang", ["ca", "es", "fr", "it", "de", "tr", "sh", "vi"])
def test_frequent_zipf_is_zipf_above_the_threshold_and_zero_below(lang) -> None:
    for word in WORDS + TOKENISED:
        z = zipf(word, lang)
        assert frequent_zipf(word, lang) == (z if z >= FREQUENT_ZIPF else 0.0), word
    assert frequent_zipf("2024", "xx") == frequent_zipf("casa", "xx") == 0.0  # no wordfreq list


def test_frequent_words_are_the_head_of_wordfreqs_table() -> None:
    """Read as a stream up to the threshold, the table holds exactly the words the whole one rates
    at or above it, with the same rounded Zipf values."""
    full = _frequencies("ca")
    assert _frequent_words("ca") == {w: f for w, f in full.items() if zipf(w, "ca") >= FREQUENT_ZIPF}
    assert 20_000 < len(_frequent_words("ca")) < len(full) / 3


def test_lexical_vote_counts_foreign_words_and_is_stable_across_calls() -> None:
    toks = ["el", "gobierno", "anunció", "este", "jueves", "un", "paquete", "de", "medidas"]
    first = lexical_vote(toks, "en", ("es", "fr", "de"))
    assert first.get("es", 0) >= 4 and "fr" not in first
    assert lexical_vote(toks, "en", ("es", "fr", "de")) == first  # second call answers from its table
    # Another setting has its own answers: with a margin, English-known words can vote too.
    assert sum(lexical_vote(toks, "en", ("es", "fr", "de"), margin=2.0).values()) >= sum(first.values())
    assert zipf("gobierno", "es") > 3 > zipf("gobierno", "en")


def test_detect_language_is_repeatable() -> None:
    text = "El Gobierno anunció este jueves un paquete de medidas para contener la subida de los precios."
    first = detect_language(text)
    assert first is not None and first.lang == "es"
    assert detect_language(text) == first
    long_text = " ".join([text] * 20)  # past the cached length
    assert detect_language(long_text).lang == "es"


def test_vote_is_the_best_candidate_by_frequent_zipf() -> None:
    """The vote's inlined lookup of plain words answers as `frequent_zipf` does, for words unseen
    in the target, words a candidate has far more often, ties
    and words no table has; on a tie the later candidate wins, as in the loop."""
    from audit.detectors.untranslated import LATIN_LANGS
    from audit.lang import _vote

    candidates = tuple(c for c in LATIN_LANGS if c != "en")
    words = (WORDS + TOKENISED + ["el", "de", "la", "und", "les", "que", "também", "però", "der", "het",
                                  "inici", "leer", "más", "monde", "zeitung", "the", "and", "pour", "a",
                                  "en", "die", "van", "og", "och", "ja", "i", "o", "și", "qxzv",
                                  "significa", "finalmente", "contexto"])  # tied at the top between two candidates
    for margin in (None, 2.0):
        for word in words:
            tz = zipf(word, "en")
            if tz <= 1.5:
                best = 3.0
            elif margin is not None:
                best = max(3.0, tz + margin)
            else:
                assert _vote(word, "en", candidates, 3.0, 1.5, margin) == ""
                continue
            want = ""
            for cand in candidates:
                z = frequent_zipf(word, cand)
                if z >= best:
                    want, best = cand, z
            assert _vote(word, "en", candidates, 3.0, 1.5, margin) == want, (word, margin)

