"""Content tokens: the offset-free helpers must tokenise exactly as `tokens` does."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from audit.corroborate.tokens import (
    TOKEN_RE,
    content_terms,
    text_term_counts,
    token_term_counts,
    token_texts,
    tokens,
)
from audit.lang import stopwords

TEXT = ("Kim Jong-un’s envoy said 1,500 troops weren't sent; Moscow's O'Neill-Smith denied it on "
        "Jan. 3, citing 2.5% growth and the ministers' talks.")


def test_token_texts_are_the_texts_of_tokens() -> None:
    assert token_texts(TEXT) == [t.text for t in tokens(TEXT)]
    assert token_texts(TEXT)[:4] == ["Kim", "Jong-un", "envoy", "said"]
    assert "Moscow" in token_texts(TEXT) and "O'Neill-Smith" in token_texts(TEXT)


def _terms_one_by_one(text: str) -> list[str]:
    """Story grouping's terms as first written: a loop over every token (numbers as written)."""
    stops = stopwords("en", 200)
    out = []
    for t in TOKEN_RE.findall(text):
        if len(t) > 2 and t[-2] in "'’" and t[-1] in "sS":
            t = t[:-2]
        if t[:1].isdigit():
            out.append(t)
        elif len(t) >= 3 and t.lower() not in stops:
            out.append(t.lower())
    return out


def test_content_terms_are_what_story_grouping_counts() -> None:
    texts = token_texts(TEXT)
    terms = content_terms(texts, [t.lower() for t in texts], "en")
    assert terms == [t.lower() for t in _terms_one_by_one(TEXT)]
    assert list(text_term_counts(TEXT, "en").items()) == list(Counter(terms).items())
    assert "1,500" in terms and "the" not in terms and "moscow" in terms


@given(st.lists(st.sampled_from(["Kim", "kim", "Kim’s", "KIM'S", "the", "The", "1,500", "1,500's", "²3", "Moscow",
                                 "moscow's", "ab", "Ab's", "İz", "ǅem", "1Ⅻ", "\u0301", " ", ", ", ".", "'", "’s"]),
                max_size=40).map("".join) | st.text(max_size=60))
def test_term_counts_are_the_terms_counted_one_by_one(text: str) -> None:
    """Counted over the distinct tokens, in the order and with the counts of counting each token's
    term in turn (the vocabulary numbers terms in that order, and the weights sum in it)."""
    assert list(text_term_counts(text, "en").items()) == list(Counter(_terms_one_by_one(text)).items())


@given(st.text(alphabet=st.sampled_from("aZ'’sS-1,. \u0301é"), max_size=60) | st.text(max_size=60))
def test_token_texts_match_tokens_on_any_text(text: str) -> None:
    assert token_texts(text) == [t.text for t in tokens(text)]


def _tokens_by_match_objects(text: str) -> list[tuple[int, int, str]]:
    """The definition `tokens` must keep: each match's own span, the possessive cut off."""
    out = []
    for m in TOKEN_RE.finditer(text):
        t, (start, end) = m.group(), m.span()
        if len(t) > 2 and t[-2] in "'’" and t[-1] in "sS":
            t, end = t[:-2], end - 2
        out.append((start, end, t))
    return out


@given(st.text(alphabet=st.sampled_from("ab'’sS-1,.é \u0301\u200b"), max_size=80) | st.text(max_size=80))
def test_token_offsets_are_the_matches_spans(text: str) -> None:
    toks = tokens(text, 7)
    assert [(t.start - 7, t.end - 7, t.text) for t in toks] == _tokens_by_match_objects(text)
    assert all(text[t.start - 7 : t.end - 7] == t.text for t in toks)


def test_repeated_words_get_their_own_offsets() -> None:
    text = "Putin met Putin's envoy; a a aa 12 1,2 12."
    assert [(t.text, text[t.start : t.end]) for t in tokens(text)] == [
        (w, w) for w in ["Putin", "met", "Putin", "envoy", "a", "a", "aa", "12", "1,2", "12"]]
    assert [t.start for t in tokens(text)] == [0, 6, 10, 18, 25, 27, 29, 32, 35, 39]


@given(st.text(alphabet=st.sampled_from("aZ'’s-1½²Ⅻ٣,. \u0301éİǅ"), max_size=60) | st.text(max_size=60))
def test_word_tokens_are_the_word_pattern_matches(text: str) -> None:
    """The corpus pass takes its words from the story tokens: `TOKEN_RE`'s words, not its numbers,
    counted and lower-cased in the loop that counts the terms, which it leaves unchanged."""
    from audit.text import WORD_RE

    words: dict[str, int] = {}
    lowers: set[str] = set()
    terms = token_term_counts(Counter(TOKEN_RE.findall(text)), "en", words, lowers)
    assert list(words.items()) == list(Counter(WORD_RE.findall(text)).items())
    assert lowers == {w.lower() for w in WORD_RE.findall(text)}
    assert list(terms.items()) == list(text_term_counts(text, "en").items())
