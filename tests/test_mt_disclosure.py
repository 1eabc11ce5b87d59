from __future__ import annotations

import pytest

from tests.conftest import run_detector


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Body text.\nThis article has been automatically translated,\nread the original article here.",
         "This article has been automatically translated,"),
        ("Body.\nThis story was machine translated from Spanish.", "This story was machine translated from Spanish."),
        ("Cuerpo.\nEste artículo fue traducido automáticamente.", "Este artículo fue traducido automáticamente."),
        ("Texte.\nCet article a été traduit automatiquement.", "Cet article a été traduit automatiquement."),
        ("Text.\nDieser Artikel wurde automatisch übersetzt.", "Dieser Artikel wurde automatisch übersetzt."),
    ],
)
def test_disclosures_found(text: str, span: str) -> None:
    assert span in [f.text for f in run_detector("mt_disclosure", text)]


@pytest.mark.parametrize(
    "text",
    [
        "The novel was translated into 40 languages and sold millions of copies.",
        "Machine translation systems have improved rapidly over the past decade, researchers at the "
        "university said in a long report that examined dozens of commercial engines and the ways "
        "newsrooms deploy them to publish stories in languages their reporters do not speak at all.",
    ],
)
def test_prose_about_translation_is_not_a_notice(text: str) -> None:
    assert run_detector("mt_disclosure", text) == []
