from __future__ import annotations

import pytest

from tests.conftest import run_detector

CLEAN = (
    "HANOI (Reuters) — Vietnamese President To Lam received Russian President Vladimir Putin at "
    "the Presidential Palace on Thursday. North Korean leader Kim Jong Un had hosted Putin a day "
    "earlier in Pyongyang.\n\n"
    "Putin later flew to Ho Chi Minh City, the country’s commercial hub, where he met business "
    "leaders. Washington said it was watching the visit closely.\n\n"
    "The commercial capital, Ho Chi Minh City, accounts for a quarter of output. A speech by "
    "President Lincoln was quoted at the dinner, and Mexico City, the Mexican capital, sent a "
    "delegation.\n\n"
    "The manager of the club, Manchester City, declined to comment. South Korea and North Korea "
    "remain technically at war; South Korean officials said the North Korean regime was isolated."
)

HO_CHI_MINH = "Ho Chi Minh City"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Putin laid a wreath at the mausoleum of the father of Vietnamese independence, "
         "Ho Chi Minh City, as well as attending a banquet.", "father"),
        ("Ho Chi Minh City, the founder of the Viet Minh, declared independence in 1945.", "founder"),
        ("Ho Chi Minh City, who led the revolution, died in 1969.", "person cue"),
        ("Portraits of Uncle Ho Chi Minh City hung in every classroom.", "Uncle"),
    ],
)
def test_place_name_for_person(text: str, cue: str) -> None:
    found = run_detector("entity", text)
    assert [(f.text, f.category, f.severity, f.suggestion) for f in found] == [
        (HO_CHI_MINH, "entity", "critical", "Ho Chi Minh")
    ]
    assert cue in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        CLEAN,
        "Putin flew on to Ho Chi Minh City on Friday.",
        "The largest city, Ho Chi Minh City, has nine million inhabitants.",
        "Ho Chi Minh City, the former capital of South Vietnam, is booming.",
        "Washington said the talks would continue. President Lincoln freed the slaves.",
        "The coach of the team, Kansas City, praised the fans.",
        "The hero of the match, Garden City, scored twice.",
    ],
)
def test_place_name_negatives(text: str) -> None:
    assert run_detector("entity", text) == []


def _corpus(majority: str, minority: str, n_major: int, n_minor: int) -> list[str]:
    docs = [f"Putin met {majority} in Hanoi on Thursday. Talks with {majority} went well."
            for _ in range(n_major)]
    docs += [f"Putin met the country’s leader {minority} in Hanoi." for _ in range(n_minor)]
    return docs


@pytest.mark.parametrize(
    ("majority", "minority", "n_major"),
    [
        ("To Lam", "Tho Lam", 3),
        ("Volodymyr Zelensky", "Volodymyr Zelenskyy", 2),
        ("Nguyen Phu Trong", "Nguyen Phu Truong", 4),
    ],
)
def test_minority_spelling(majority: str, minority: str, n_major: int) -> None:
    found = run_detector("entity", _corpus(majority, minority, n_major, 1))
    assert [(f.doc_id, f.text, f.category, f.severity, f.suggestion) for f in found] == [
        (f"d{n_major}", minority, "entity", "major", majority)
    ]
    assert f"{n_major} documents" in found[0].message


@pytest.mark.parametrize(
    ("a", "b", "n_a", "n_b"),
    [
        ("Jon Smith", "John Smith", 2, 2),  # two people, used equally often
        ("To Lam", "Tho Lam", 1, 1),  # no majority at all
        ("To Lam", "Tho Lam", 3, 2),  # majority not clear enough
        ("North Korea", "North Korean", 3, 1),  # morphology
        ("North Korea", "South Korea", 3, 1),  # distinct places
        ("Kim Jong Un", "Kim Jong Il", 3, 1),  # distinct people
        ("Vietnam Tuesday", "Vietnam Thursday", 3, 1),  # common words
    ],
)
def test_minority_spelling_negatives(a: str, b: str, n_a: int, n_b: int) -> None:
    assert run_detector("entity", _corpus(a, b, n_a, n_b)) == []


def test_reference_like_corpus() -> None:
    docs = [
        "President Vladimir Putin met the country’s leader Tho Lam in Hanoi.",
        "Putin met Vietnamese President To Lam, center right, in Hanoi.",
        "Putin will meet newly installed President To Lam on Thursday.",
        "At the start of his talks, Putin met Vietnamese President To Lam.",
    ]
    found = run_detector("entity", docs)
    assert [(f.doc_id, f.text, f.suggestion) for f in found] == [("d0", "Tho Lam", "To Lam")]


def test_hyphen_variant_is_inconsistency() -> None:
    docs = [f"Putin hugged Kim Jong Un in Pyongyang. Kim Jong Un’s guards watched. Doc {i}."
            for i in range(3)]
    docs.append("During their visit, Putin and Kim Jong-un signed a defense pact.")
    found = run_detector("entity", docs)
    assert [(f.doc_id, f.text, f.category, f.severity, f.suggestion) for f in found] == [
        ("d3", "Kim Jong-un", "inconsistency", "minor", "Kim Jong Un")
    ]


def test_clean_corpus_has_no_findings() -> None:
    docs = [CLEAN, CLEAN.replace("Thursday", "Friday"), "Kim Jong Un met To Lam in Hanoi."]
    assert run_detector("entity", docs) == []


def test_fitted_detector_pickles_for_workers() -> None:
    import pickle

    from audit.corpus import CorpusIndex
    from audit.detectors.entity import EntityDetector
    from audit.records import Document

    docs = [Document(f"d{i}", t) for i, t in enumerate(_corpus("To Lam", "Tho Lam", 3, 1))]
    det = EntityDetector()
    det.fit(docs, CorpusIndex.build(docs))
    clone = pickle.loads(pickle.dumps(det))
    assert clone.variants == det.variants and "Tho Lam" in clone.variants


def test_reference_corpus_gold_items() -> None:
    import audit
    from tests.conftest import REFERENCE_CORPUS

    result = audit.run(REFERENCE_CORPUS, detectors=["entity"])
    found = {(f["doc_id"][:3], f["text"], f["category"], f["suggestion"]) for f in result.findings.to_dicts()
             if f["detector"] == "entity"}
    assert found == {
        ("000", "Tho Lam", "entity", "To Lam"),
        ("001", "Ho Chi Minh City", "entity", "Ho Chi Minh"),
        ("002", "Kim Jong-un", "inconsistency", "Kim Jong Un"),
    }
