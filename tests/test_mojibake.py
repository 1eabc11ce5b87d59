from __future__ import annotations

import pytest

from tests.conftest import run_detector


def test_mojibake_found_with_fix() -> None:
    found = run_detector("mojibake", "The countryâ€™s leader met cafÃ© owners.")
    assert [(f.text, f.suggestion, f.category) for f in found] == [
        ("countryâ€™s", "country’s", "encoding"), ("cafÃ©", "café", "encoding")]


@pytest.mark.parametrize("text", [
    "The country’s leader met café owners in Köln and São Paulo.",
    "Putin arrived in Hanoi — a day after visiting Pyongyang — on “Thursday”.",
    "Inici » Vladimir Putin; Ho Chi Minh; naïve; coup d'état; 3½ hours; 20 °C",
])
def test_clean_unicode_is_not_mojibake(text: str) -> None:
    assert run_detector("mojibake", text) == []
