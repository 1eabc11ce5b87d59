from __future__ import annotations

import pytest

from tests.conftest import run_detector

PARA = ("Russia attaches great importance to strengthening relations with Vietnam, the president "
        "said after the meeting.\n\n")


@pytest.mark.parametrize(
    ("line", "span"),
    [
        ("Putin and To Lam attend an event in Hanoi Opera House, June 20, 2024.MANAN VATSYAYANA – POOL",
         "MANAN VATSYAYANA – POOL"),
        ("Leaders wave as they pose for photos in Hanoi, Vietnam Thursday, June 20, 2024.Nhac Nguyen – Pool AFP",
         "Nhac Nguyen – Pool AFP"),
        ("The leaders shake hands before their meeting in Hanoi.STR – Vietnam News Agency",
         "STR – Vietnam News Agency"),
        ("Officials review the honor guard in Hanoi, June 20, 2024 (AP Photo/Minh Hoang)Minh Hoang – AP",
         "(AP Photo/Minh Hoang)Minh Hoang – AP"),
        ("Putin and Kim exchange documents in Pyongyang. (Kristina Kormilitsyna, Sputnik, Kremlin "
         "Pool Photo via AP)Kristina Kormilitsyna – Pool Sputnik Kremlin",
         "(Kristina Kormilitsyna, Sputnik, Kremlin Pool Photo via AP)Kristina Kormilitsyna – Pool "
         "Sputnik Kremlin"),
        ("Rescuers search the rubble in Antakya on Monday.Getty Images", "Getty Images"),
        ("Demonstrators gather in front of parliament in Nairobi.REUTERS/Thomas Mukoya",
         "REUTERS/Thomas Mukoya"),
        ("Photo: AFP", "Photo: AFP"),
        ("Foto: dpa", "Foto: dpa"),
        ("Photo by John Smith/Getty Images", "Photo by John Smith/Getty Images"),
        ("REUTERS/John Smith", "REUTERS/John Smith"),
        ("Minh Hoang – AP", "Minh Hoang – AP"),
        ("Crowds line the streets of Hanoi (Photo: Reuters) as the motorcade passes.",
         "(Photo: Reuters)"),
    ],
)
def test_credits_found(line: str, span: str) -> None:
    findings = run_detector("caption", PARA + line + "\n\n" + PARA)
    assert [f.text for f in findings] == [span]
    assert findings[0].category == "caption" and findings[0].suggestion == ""
    assert findings[0].confidence >= 0.5


@pytest.mark.parametrize(
    "line",
    [
        "The U.S. and South Korean officials expressed concern about the pact.",
        "The U.S.Army declined to comment on the report.",
        "He arrived at 10 a.m.Officials later confirmed the visit.",
        "The talks ended in 2023.Since then, nothing has moved at all.",
        "Smith said the plan was flawed.Jones – who chairs the panel – disagreed.",
        "The meeting ended. John Smith – the committee chair – left early.",
        "Minister of Foreign Affairs – Sergei Lavrov",
        "Kim Jong Un – Vladimir Putin summit",
        "Putin – AP Interview",
        "Photos: Inside the summit",
        "AFP and AP Agencies",
        "WASHINGTON (AP) — The Senate passed the bill on Tuesday.",
        "Putin (left) and Kim (right) met in Pyongyang, Reuters reported.",
        "The photo was taken by Reuters on Monday, the agency said.",
        "The EU/US trade dispute deepened over the summer.",
        "Mykhailo Podolyak, a senior aide to President Volodymyr Zelensky, told AFP on Monday.",
    ],
)
def test_prose_left_alone(line: str) -> None:
    assert run_detector("caption", PARA + line + "\n\n" + PARA) == []
