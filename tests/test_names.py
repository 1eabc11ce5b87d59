"""Name chunks: the shortcuts taken on the common case must keep the definitions."""

from hypothesis import given
from hypothesis import strategies as st

from audit.names import is_all_caps, name_chunks


@given(st.text(alphabet=st.sampled_from("AbÉé-’ⅰªǅ1 "), max_size=8) | st.text(max_size=8))
def test_is_all_caps_is_its_definition(token: str) -> None:
    """More than one letter, every letter upper case (`NATO`, `O’NEILL`; not `Putin`, `A`)."""
    letters = [c for c in token if c.isalpha()]
    assert is_all_caps(token) == (len(letters) > 1 and all(c.isupper() for c in letters))


def test_one_word_chunks_lose_titles_and_sentence_initial_stop_words() -> None:
    text = "The talks ended. President Macron left; The Hague and NATO stayed. In Hanoi, Lam said In."
    got = [(c.text, c.tokens, c.title_start) for c in name_chunks(text)]
    assert got == [
        ("Macron", ("Macron",), text.index("President")),
        ("Hague", ("Hague",), None),  # `The` opens the clause after `;`
        ("NATO", ("NATO",), None),
        ("Hanoi", ("Hanoi",), None),
        ("Lam", ("Lam",), None),
        ("In", ("In",), None),  # not at a sentence start: kept
    ]
    assert all(text[c.start : c.end] == c.text for c in name_chunks(text))


def test_mentions_merge_in_corpus_order_and_drain_per_form() -> None:
    from audit.names import NameMentions

    first, second = NameMentions("en"), NameMentions("en")
    first.add("a.txt", name_chunks("Kim Jong Un met Vladimir Putin. Vladimir Putin smiled."))
    second.add("b.txt", name_chunks("President Vladimir Putin left. The talks ended."))
    second.add("a.txt", name_chunks("Kim Jong Un stayed."))  # a document seen again: summed
    first.merge(second)
    assert dict(first.drain()) == {"Kim Jong Un": {"a.txt": 2}, "Vladimir Putin": {"a.txt": 2, "b.txt": 1}}
    assert first.titled == {"Vladimir Putin"}
    assert dict(first.drain()) == {}  # drained: the pairs are let go
