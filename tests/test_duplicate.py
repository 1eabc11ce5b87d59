from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_detector

TITLE = "After his controversial visit to North Korea, Putin continues his tour in Asia"
PARA = ("The two countries signed agreements on education, science and technology, oil and gas "
        "exploration and health, officials said on Thursday.")


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        # second and third copies of the title are flagged, the first is kept
        (f"{TITLE}\n\n{TITLE}\n{TITLE}\n\n{PARA}", [TITLE, TITLE]),
        # case, quote and space differences do not hide a repeat
        (f"“Russia  is not isolated,” he said\n\n{PARA}\n\n\"russia is not isolated,\" he said",
         ['"russia is not isolated," he said']),
        # a line that repeats the tail of an earlier line (breadcrumb + title, then title)
        ("Inici » Vladimir Putin strengthens ties with North Korea and Vietnam\n\n"
         "Vladimir Putin strengthens ties with North Korea and Vietnam\n\n" + PARA,
         ["Vladimir Putin strengthens ties with North Korea and Vietnam"]),
        # truncated teaser after a fused breadcrumb; straight vs curly quotes
        ('HomeWorldAsiaRussia has "right to supply arms in other regions of world", Putin...\n\n'
         "Russia has “right to supply arms in other regions of world”, Putin says\n\n" + PARA,
         ['Russia has "right to supply arms in other regions of world", Putin...']),
        ("Vietnam rolls out the red carpet for Putin as talks…\n\n"
         "Vietnam rolls out the red carpet for Putin as talks begin in Hanoi\n\n" + PARA,
         ["Vietnam rolls out the red carpet for Putin as talks…"]),
        # a short teaser that is the whole line
        ("Cyclone leaves thousands homeless...\n\n"
         "Cyclone leaves thousands homeless in central Mozambique\n\n" + PARA,
         ["Cyclone leaves thousands homeless..."]),
        # a long sentence repeated inside a later paragraph
        (f"{PARA} Trade reached $3.5 billion.\n\nOfficials spoke to reporters. {PARA}", [PARA]),
    ],
)
def test_repeats_found(text: str, spans: list[str]) -> None:
    findings = run_detector("duplicate", text)
    assert [f.text for f in findings] == spans
    assert all(f.category == "duplicate" and f.suggestion == "" for f in findings)


@pytest.mark.parametrize(
    "text",
    [
        # short repeated headings are not duplicates
        f"Reactions\n\n{PARA}\n\nReactions\n\nThe vote passed.",
        # an ellipsis that trails off a quote, with a different continuation elsewhere
        f"He paused: “We will see what happens...”\n\n{PARA}\n\nWe will consider it.",
        # a short trailing-off quote inside a longer line is not a teaser
        ("Asked about the talks, the minister only said: “We will see what...”\n\n"
         "We will see what happens in Hanoi next week, he added later.\n\n" + PARA),
        # a heading that echoes the end of the headline
        ("Putin visits Vietnam after signing a pact with North Korea\n\n" + PARA
         + "\n\nPact with North Korea\n\n" + PARA.replace("Thursday", "Friday")),
        # similar but different sentences
        (f"{PARA}\n\nThe two countries signed agreements on education, science and technology, "
         "oil and gas exploration and health, officials said on Friday."),
        # the full title after a truncated copy is the original, not flagged twice
        f"{TITLE}\n\n{PARA}",
    ],
)
def test_non_repeats_left_alone(text: str) -> None:
    assert run_detector("duplicate", text) == []


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", " ", "\t", ".", "..", "...", "…", "\n", "\u00a0", "\x1c", "É"]),
                max_size=20).map("".join))
def test_the_ellipsis_ends_tested_first_are_those_the_regex_finds(text: str) -> None:
    from audit.detectors.duplicate import _ELLIPSIS, _ELLIPSIS_ENDS

    if _ELLIPSIS.search(text):
        assert text.endswith(_ELLIPSIS_ENDS)


def test_a_line_repeated_twice_cites_its_first_occurrence() -> None:
    """Copies match whatever their quotes; each later copy cites the first, as written there."""
    plain = 'Putin says "the pact is historic" to officials'
    curly = "Putin says “the pact is historic” to officials"
    text = f"{plain}\n\nHome » World\n\n{curly}\n\nThe talks lasted two days.\n\n{plain}"
    found = run_detector("duplicate", text)
    assert [(f.start, f.message) for f in found] == [
        (text.index(curly), f"repeats an earlier line verbatim: '{plain}'"),
        (text.rindex(plain), f"repeats an earlier line verbatim: '{plain}'"),
    ]
