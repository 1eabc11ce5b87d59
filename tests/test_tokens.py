"""Content tokens: the offset-free helpers must tokenise exactly as `tokens` does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audit.corroborate.tokens import content_terms, text_terms, token_texts, tokens

TEXT = ("Kim Jong-un’s envoy said 1,500 troops weren't sent; Moscow's O'Neill-Smith denied it on "
        "Jan. 3, citing 2.5% growth and the ministers' talks.")


def test_token_texts_are_the_texts_of_tokens() -> None:
    assert token_texts(TEXT) == [t.text for t in tokens(TEXT)]
    assert token_texts(TEXT)[:4] == ["Kim", "Jong-un", "envoy", "said"]
    assert "Moscow" in token_texts(TEXT) and "O'Neill-Smith" in token_texts(TEXT)


def test_content_terms_are_what_story_grouping_counts() -> None:
    texts = token_texts(TEXT)
    lows = [t.lower() for t in texts]
    assert content_terms(texts, lows, "en") == [t.lower() for t in text_terms(TEXT, "en")]
    assert "1,500" in content_terms(texts, lows, "en") and "the" not in content_terms(texts, lows, "en")


@given(st.text(alphabet=st.sampled_from("aZ'’sS-1,. \u0301é"), max_size=60) | st.text(max_size=60))
def test_token_texts_match_tokens_on_any_text(text: str) -> None:
    assert token_texts(text) == [t.text for t in tokens(text)]
