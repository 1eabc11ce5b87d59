from __future__ import annotations

import pytest

from tests.conftest import run_detector

CLEAN = (
    "LIMA — Peru's central bank held its benchmark rate on Thursday, saying inflation had eased.\n\n"
    "“We are not done yet,” the bank's president, Julio Velarde, told reporters. “Prices remain high.”\n\n"
    "The ministers met in Brussels, and they agreed to meet again in May, officials said.\n\n"
    "NATO allies, he added, would decide later. It was, she said, “a long night”."
)


@pytest.mark.parametrize(
    ("text", "span", "category", "suggestion"),
    [
        ("The two countries, subject to Western sanctions, They closed a deal.", "They closed",
         "grammar", "closed"),
        ("The minister, speaking in Paris, He said the plan would work.", "He said", "grammar", "said"),
        ("“No space for closed blocs“, he claimed.", "blocs“", "punctuation", "blocs”"),
        ("He said “we are ready“.", "ready“", "punctuation", "ready”"),
        ("HANOI.- The president signed several agreements.", "HANOI.-", "punctuation", "HANOI —"),
        ("BUENOS AIRES, 3 jun (EFE).- The peso fell.", "BUENOS AIRES, 3 jun (EFE).-", "punctuation",
         "BUENOS AIRES, 3 jun (EFE) —"),
        ("BRUSSELS (ANSA).- Ministers met.", "BRUSSELS (ANSA).-", "punctuation", "BRUSSELS (ANSA) —"),
    ],
)
def test_calque_positives(text: str, span: str, category: str, suggestion: str) -> None:
    found = run_detector("calque", text)
    assert [(f.text, f.category, f.suggestion) for f in found] == [(span, category, suggestion)]


@pytest.mark.parametrize(
    "text",
    [
        CLEAN,
        "“Hello,” she said. “Goodbye.”",
        "I went home, I slept.",  # "I" is always capitalised
        "He was born in Lyon, France, in 1950.",
        "LONDON (Reuters) - Shares rose on Monday.",
        "U.S.-led talks resumed.",
        "The film, It Follows, was a hit.",  # title: capitalised pronoun followed by capital
    ],
)
def test_calque_negatives(text: str) -> None:
    assert run_detector("calque", text) == []


def test_german_low_high_quotes_are_not_misused_openers() -> None:
    text = "Er sagte: „Wir sind bereit“, und ging."
    assert run_detector("calque", text, lang="de") == []


def test_german_pronoun_rule_keeps_polite_sie() -> None:
    assert run_detector("calque", "Der Minister sagte, Sie seien willkommen.", lang="de") == []
    found = run_detector("calque", "Die beiden Länder, trotz der Sanktionen, Wir schlossen ab.",
                         lang="de")
    assert [f.text for f in found] == ["Wir schlossen"]
