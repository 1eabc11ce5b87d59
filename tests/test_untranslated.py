from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.detectors.untranslated import _ACRONYM_DEF_RE, acronym_definitions
from tests.conftest import run_detector

CLEAN = (
    "Home » World » Asia\n"
    "Vietnam’s economy grows faster than expected\n\n"
    "HANOI (Reuters) — Vietnam’s economy grew 6.9% in the third quarter, the General Statistics "
    "Office said on Saturday, as exports of electronics from factories around Ho Chi Minh City "
    "recovered.\n\n"
    "Prime Minister Pham Minh Chinh told a cabinet meeting that the government would keep rates "
    "low. “We must not be complacent,” he said.\n\n"
    "Analysts said the rebound was not a fiesta per se, but a return to the status quo after a "
    "weak 2023. Some investors had feared a coup d'état in neighbouring Myanmar.\n\n"
    "Nguyen Phu Trong, general secretary of the Communist Party of Vietnam (CPV), chaired a "
    "meeting of the CPV Politburo. The Armed Forces of Ukraine (AFU) and the International "
    "Criminal Court (ICC) were not mentioned. Drone maker UAV Dynamics declined to comment.\n\n"
    "Olexander Haman, Ukraine’s ambassador, said the word “khorosho” was heard often in Moscow. "
    "The novel Cien años de soledad was reissued this year.\n\n"
    "Markets\n\n"
    "Read more: Asian markets rally"
)

CATALAN = (
    "dos homes amb vestit donant-se la mà en una habitació amb altres homes amb vestit i corbata "
    "al fons, Boris Vladimirski, trets facials simètrics, una foto d'estoc, realisme socialista"
)


@pytest.mark.parametrize(
    ("text", "span", "severity", "language"),
    [
        (f"Putin strengthens ties with Vietnam\n\n{CATALAN}\n\nThe visit ended on Friday.",
         CATALAN, "critical", "Catalan"),
        ("Putin met Kim in Pyongyang.\n\nLe président russe a signé un accord avec son homologue "
         "nord-coréen mercredi soir.\n\nThe deal worries Seoul.",
         "Le président russe a signé un accord avec son homologue nord-coréen mercredi soir.",
         "critical", "French"),
        ("The talks went well. El presidente ruso llegó a Hanói el jueves por la mañana. "
         "Ha dicho que volverá pronto. Officials were pleased.",
         "El presidente ruso llegó a Hanói el jueves por la mañana. Ha dicho que volverá pronto.",
         "critical", "Spanish"),
        ("Inici » Vladimir Putin strengthens ties with North Korea\n\nThe visit was brief.",
         "Inici »", "minor", "Catalan"),
        ("Accueil › Monde › Asie\nPutin met Kim in Pyongyang on Wednesday and signed a treaty.",
         "Accueil › Monde › Asie", "minor", "French"),
        ("Putin met Kim in Pyongyang on Wednesday and signed a treaty.\n\nLeer más",
         "Leer más", "minor", "Spanish"),
        ("Inicio\nPutin met Kim in Pyongyang on Wednesday.", "Inicio", "minor", "Spanish"),
        ("Putin met Kim in Pyongyang.\n\nLesen Sie auch", "Lesen Sie auch", "minor", "German"),
        ("Слава Україні\nThe crowd cheered as the convoy passed.", "Слава Україні", "critical",
         "Ukrainian"),
        ("The crowd chanted Слава Україні героям слава for several minutes.",
         "Слава Україні героям слава", "critical", "Ukrainian"),
    ],
)
def test_foreign_text(text: str, span: str, severity: str, language: str) -> None:
    found = run_detector("untranslated", text)
    assert [(f.text, f.severity, f.suggestion) for f in found] == [(span, severity, None)]
    assert language in found[0].message


@pytest.mark.parametrize(
    ("text", "span", "suggestion"),
    [
        ("Relations date back to the wars of the Communist Party of Vietnam (CPV), which won in "
         "1975.\n\nPutin also met the general secretary of the PCV, Nguyen Phu Trong.", "PCV", "CPV"),
        ("The North Atlantic Treaty Organization (NATO) met in Brussels. Later the OTNA said it "
         "would respond.", "OTNA", "NATO"),
        ("The ONU condemned the strikes on Monday.", "ONU", "UN"),
        ("Officials in Madrid said the UE would announce sanctions.", "UE", "EU"),
        ("Funding from the FMI was approved on Friday.", "FMI", "IMF"),
    ],
)
def test_source_language_acronyms(text: str, span: str, suggestion: str) -> None:
    found = run_detector("untranslated", text)
    assert [(f.text, f.severity, f.suggestion) for f in found] == [(span, "major", suggestion)]


def test_permuted_acronym_message_names_long_form() -> None:
    text = "The Communist Party of Vietnam (CPV) rules. The PCV has 5 million members."
    (f,) = run_detector("untranslated", text)
    assert "Communist Party of Vietnam" in f.message and "order" in f.message


@pytest.mark.parametrize(
    "text",
    [
        CLEAN,
        "Putin met Nguyen Phu Trong and Pham Minh Chinh in Hanoi, said Olexander Haman.",
        "The weather was ideal for a fiesta, and the mood was one of joie de vivre.",
        "The crowd shouted “¡Viva!” as he arrived.",
        "He read from Neruda’s Veinte poemas de amor at the ceremony.",
        "Read more | Share | Print",
        "Middle East implications",
        "As a response to the West’s weapons for the Ukrainian Armed Forces (AFU), Russia may act. "
        "South Korea supplied shells to the AFU.",
        "The International Criminal Court (ICC) issued a warrant. The ICC has no police. Houthis "
        "hit US UAVs.",
        "Shelling hit the city of Kyiv (Київ) overnight.",
        "The ceremony, held at the Hanoi Opera House, lasted two hours.\n\nAFP and AP Agencies",
        "THE UE SUMMIT: LEADERS MEET IN BRUSSELS",
        "Putin met Kim in Pyongyang.\n\nGiang",  # a name alone on the last line
        "Sport > Football > La Liga\nReal Madrid beat Barcelona 3-1 on Saturday.",
        "“Es tiempo de mujeres,” she said, which translates as “It is time for women.”",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert run_detector("untranslated", text) == []


def test_german_target_flags_english_sentence_only() -> None:
    text = (
        "Der russische Präsident ist am Donnerstag in Hanoi eingetroffen. The two leaders signed "
        "several agreements on energy and education. Die Gespräche sollen am Freitag fortgesetzt "
        "werden. Putin traf sich mit dem vietnamesischen Präsidenten To Lam."
    )
    found = run_detector("untranslated", text, lang="de")
    assert [(f.text, f.severity) for f in found] == [
        ("The two leaders signed several agreements on energy and education.", "critical")
    ]
    assert "English" in found[0].message


def test_acronym_table_skips_target_language() -> None:
    # `ONU` is the French acronym, so it is correct in a French text (no French table anyway).
    assert run_detector("untranslated", "L'ONU a condamné les frappes lundi soir.", lang="fr") == []


def test_reference_corpus_gold_items() -> None:
    import audit
    from tests.conftest import REFERENCE_CORPUS

    result = audit.run(REFERENCE_CORPUS, detectors=["untranslated"])
    found = {(f["doc_id"][:3], f["text"], f["suggestion"]) for f in result.findings.to_dicts()
             if f["detector"] == "untranslated"}
    assert found == {
        ("001", "PCV", "CPV"),
        ("002", "Inici »", None),
        ("002", CATALAN, None),  # the image alt text, gold 132-314
    }


_PIECES = ["Communist", "Party", "of", "Vietnam", "the", "für", "de", "la", "National", "Assembly",
           "(CPV)", "(PCV)", "(NA)", "(EU)", "(see)", "(", ")", " ", "  ", "\n", ",", ".", "-", "’", "'",
           "2024", "\u0301", "É", "x", "Über", "\t"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map(lambda parts: " ".join(parts)) |
       st.lists(st.sampled_from(_PIECES), max_size=60).map("".join))
def test_acronym_definitions_are_the_whole_text_scans(text: str) -> None:
    """Searched only before each bracket, as the regex finds them scanning every position."""
    whole = [(m.span(), m.groups()) for m in _ACRONYM_DEF_RE.finditer(text)]
    assert [(m.span(), m.groups()) for m in acronym_definitions(text)] == whole


def test_acronym_definitions_on_a_real_sentence() -> None:
    text = ("Delegates of the Communist Party of Vietnam (CPV) met in Hanoi; the PCV said so, and "
            "the European Union (EU) and the Ho Chi Minh Communist Youth Union (HCYU) agreed.")
    found = [(m.group(1), m.group(2)) for m in acronym_definitions(text)]
    assert found == [("Delegates of the Communist Party of Vietnam", "CPV"), ("and the European Union", "EU"),
                     ("and the Ho Chi Minh Communist Youth Union", "HCYU")]


_SENTENCE_PIECES = ["El", "presidente", "ruso", "llegó", "a", "Hanói", "el", "jueves", "Ha", "dicho", "que",
                    "Le", "président", "a", "signé", "un", "accord", "Die", "Regierung", "kündigte", "an",
                    "The", "talks", "went", "well", "Officials", "were", "pleased", "de", "la", "Cruz", "UN",
                    "Inici", "Novaković", "NIÑO", "un", "Un", "die", "Dijo", "end", "«", "»", ".", ". ", "! ", "\n", "\n\n",
                    " ", "-", "’", "\u0301", "2024"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SENTENCE_PIECES), max_size=80).map(" ".join) |
       st.lists(st.sampled_from(_SENTENCE_PIECES), max_size=80).map("".join))
def test_sentences_read_off_the_document_votes_are_those_of_every_sentence(text: str) -> None:
    """Only sentences with a vote from a word that is not capitalised are weighed: the passages
    found are those found weighing every sentence."""
    from audit.detectors.untranslated import UntranslatedDetector
    from audit.records import Document
    from audit.text import sentences

    det = UntranslatedDetector()
    doc = Document(doc_id="d", text=text)
    every = UntranslatedDetector()
    every._voted_sentences = lambda text, sents: set(range(len(sents)))  # type: ignore[method-assign]
    assert [(f, f.evidence) for f in det._sentences(doc)] == [(f, f.evidence) for f in every._sentences(doc)]
    assert det._voted_sentences(text, sentences(text)) <= set(range(len(sentences(text))))


def test_a_sentence_with_one_vote_besides_its_first_word_is_weighed() -> None:
    """`Dijo que the end.`: `Dijo` votes Spanish as the sentence's first word and `que` as a word
    that is not capitalised; two votes of four words extend the Spanish passage over it."""
    from audit.detectors.untranslated import UntranslatedDetector
    from audit.text import sentences

    text = ("El presidente ruso llegó a Hanói el jueves por la mañana. Dijo que the end. Officials were "
            "pleased. The talks went well.")
    assert UntranslatedDetector()._voted_sentences(text, sentences(text)) == {0, 1}
    found = run_detector("untranslated", text)
    assert [(f.text, f.evidence["language"]) for f in found] == [
        ("El presidente ruso llegó a Hanói el jueves por la mañana. Dijo que the end.", "es")]
