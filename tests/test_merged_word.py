from __future__ import annotations

import pytest

from tests.conftest import run_detector

# A second document that mentions the names and words standalone, as a real corpus would.
BACKGROUND = (
    "Putin arrived in Hanoi on Thursday. To Lam welcomed him, and Vietnam signed deals with its "
    "partners. Xi Jinping and Joe Biden both visited the country last year, courting the two "
    "superpowers' rival camps."
)


@pytest.mark.parametrize(
    ("text", "span", "suggestion"),
    [
        ("HANOI.- The president of Russia, Vladimir Putinsigned several agreements on Thursday.",
         "Putinsigned", "Putin signed"),
        ("He met his Vietnamese counterpart, To Lamduring an official visit to the capital.",
         "Lamduring", "Lam during"),
        ("Putin began a state visit to Vietnam on Thursdayto which Russia has been supplying weapons.",
         "Thursdayto", "Thursday to"),
        ("Moscow remains the main supplier of weapons to Vietnambut volumes have declined in recent years.",
         "Vietnambut", "Vietnam but"),
        ("The visit could irritate its Western partnersstarting with the United States, officials said.",
         "partnersstarting", "partners starting"),
        ("Last year, both the Chinese president, Xi Jinpinglike the North American leader, came to Hanoi.",
         "Jinpinglike", "Jinping like"),
        ("Last year the North American, Joe Bidenvisited Hanoi for talks on chips and trade.",
         "Bidenvisited", "Biden visited"),
        ("The country keeps the same distance between the two rival superpowersin accordance with its doctrine.",
         "superpowersin", "superpowers in"),
        ("“Vietnam reinforces key relationships,” said Prashanth Parameswaranan expert with the Wilson Center.",
         "Parameswaranan", "Parameswaran an"),
        ("Friday, November 22, 2024\nHomeWorldAsiaRussia has \"right to supply arms\", Putin says\n\nBody.",
         "HomeWorldAsia", "Home World Asia "),
    ],
)
def test_fused_words_are_split(text: str, span: str, suggestion: str) -> None:
    found = [f for f in run_detector("merged_word", [text, BACKGROUND]) if f.doc_id == "d0"]
    assert [(f.text, f.suggestion, f.category, f.severity) for f in found] == [
        (span, suggestion, "merged_word", "major")
    ]
    assert found[0].confidence >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "Putin arrived in Pyongyang on Wednesday and was greeted by Kim Jong Un.",
        "Mykhailo Podolyak, an adviser to the presidential office, dismissed the offer.",
        "Hezbollah fired rockets at northern Israel, the army said.",
        "Vietnam is strategic for the manufacturing of semiconductors, among others.",
        "(Kristina Kormilitsyna, Sputnik, Kremlin Pool Photo via AP)",
        "The McDonald family posted the video on YouTube and LinkedIn, filmed on an iPhone.",
        "Florida Governor Ron DeSantis signed the bill on Tuesday.",
        "A reliable security architecture in the Asia-Pacific region, said the ISEAS-Yusof Ishak Institute.",
        "NATO and ASEAN officials met in Jakarta; the 120km pipeline costs $2.4bn.",
        "Read more at www.example.com/worldnews or write to newsdesk@example.org.",
        "Supporters used the hashtag #StandWithUkraine and tagged @KyivIndependent.",
        "Talks focused on counterterrorism, peacekeeping and crewless boats.",
        "The fungus left a noodlelike residue with a lettucelike smell, the inspectors wrote.",
        "GlaxoSmithKline and ExxonMobil shares rose; BlackRock and SoftBank cut their stakes.",
        "“Today we fight together against the hegemonism of the United States,” Putin said.",
        "Nikol Pashinyan angered Moscow by freezing the country's membership.",
        "The photo by Boris Vladimirski shows socialist realism.",
        "dos homes amb vestit donant-se la mà en una habitació amb altres homes amb vestit i corbata al fons",
    ],
)
def test_rare_real_words_are_not_flagged(text: str) -> None:
    assert run_detector("merged_word", [text, BACKGROUND]) == []


def test_corpus_evidence_for_a_rare_name() -> None:
    """`Matviichuk` is unknown to wordfreq: only its standalone use elsewhere proves the split."""
    fused = "The Nobel laureate Oleksandra Matviichuksaid the strikes targeted civilians."
    assert run_detector("merged_word", [fused]) == []
    other = "Matviichuk, who heads the Center for Civil Liberties, spoke in Lviv."
    found = run_detector("merged_word", [fused, other])
    assert [(f.doc_id, f.text, f.suggestion) for f in found] == [("d0", "Matviichuksaid", "Matviichuk said")]


def test_token_repeated_across_documents_is_a_word() -> None:
    text = "Officials said Putinsigned the decree."
    assert run_detector("merged_word", [text, BACKGROUND]) != []
    assert run_detector("merged_word", [text, text, BACKGROUND]) == []
    assert run_detector("merged_word", [text, text, BACKGROUND], max_token_docs=2) != []


def test_what_a_word_is_is_remembered_per_setting() -> None:
    """Each process remembers which words pass the cheap tests, per setting: a run that deems
    `Putinsigned` too short must not make the next run, with the default length, skip it."""
    text = "Officials said Putinsigned the decree."
    assert run_detector("merged_word", [text, BACKGROUND], min_len=12) == []
    assert [f.text for f in run_detector("merged_word", [text, BACKGROUND])] == ["Putinsigned"]
    assert run_detector("merged_word", [text, BACKGROUND], whole_max=-1.0) == []
    assert [f.text for f in run_detector("merged_word", [text, BACKGROUND])] == ["Putinsigned"]


GERMAN = """Putin in Vietnam: Moskau sucht neue Partner in Asien

HANOI. Der russische Präsident Wladimir Putinunterzeichnete am Donnerstag mehrere Abkommen mit \
seinem vietnamesischen Amtskollegen To Lamwährend eines offiziellen Staatsbesuchs in Hanoiund \
betonte die strategische Partnerschaft.

Putin war zuvor in Pjöngjang, wo er mit Kim Jong Un ein Verteidigungsabkommen unterzeichnete. Die \
Bundesregierung in Berlin reagierte zurückhaltend, während die Staatssekretärin im Auswärtigen Amt \
von einem beunruhigenden Signal sprach.

Der Staatsbesuch in Hanoi dauerte nur einen Tag. Lam empfing den Gast mit militärischen Ehren, und \
beide Seiten vereinbarten eine engere Zusammenarbeit bei Energie, Bildung und Wissenschaft. \
Beobachter sprechen von einer Charmeoffensive Moskaus in Südostasien; die Verteidigungsministerin \
sieht darin eine Herausforderung für die Sicherheitsarchitektur der Region. Den Moskaubesuch im \
Frühjahr hatte Lam abgesagt; die Putinregierung nennt die Vietnamreise dennoch einen Erfolg.
"""


def test_german_compounds_kept_fusions_flagged() -> None:
    found = run_detector("merged_word", GERMAN, lang="de")
    assert sorted((f.text, f.suggestion) for f in found) == [
        ("Hanoiund", "Hanoi und"),
        ("Lamwährend", "Lam während"),
        ("Putinunterzeichnete", "Putin unterzeichnete"),
    ]


def test_german_compound_with_common_parts_not_split_as_english() -> None:
    """The same closed compounds audited as German give nothing; a fusion needs lower-case evidence."""
    text = "Die Bundesregierung plant einen Staatsbesuch und ein Verteidigungsabkommen mit Hanoi."
    assert run_detector("merged_word", text, lang="de") == []


CLEAN_PROSE = """Kyiv braces for winter as drone strikes hit power grid

KYIV, Nov 21 (Reuters) - Ukrainian engineers worked overnight to restore electricity in \
Zaporizhzhia and Kharkiv after a barrage of Shahed drones struck substations, officials said on Thursday.

Mykhailo Podolyak, an adviser to the presidential office, said Moscow was trying to "freeze \
Ukrainians into submission" and urged partners to speed up deliveries of air-defence systems. \
Hezbollah and Houthi commanders have praised the campaign, according to intercepts published by \
Ukraine's SBU security service.

In Pyongyang, state media showed Kim Jong Un inspecting a semiconductor plant, while in Hanoi the \
Politburo member Nguyen Phu Trong met Kormilitsyna, a Kremlin photographer, for a rare interview. \
Analysts at the ISEAS-Yusof Ishak Institute said the visit underscored Vietnam's "bamboo diplomacy".

"We are not afraid," said Oleksandra Matviichuk, the Nobel laureate, speaking in Lviv. "Our \
grandparents survived worse winters." The 5G upgrade, costing $2.4bn, will cover 120km of motorway \
between Dnipro and Kryvyi Rih.

Sheinbaum, Pezeshkian and Tinubu are expected at the summit, alongside Kallas and Sitharaman. \
Erdogan's spokesman declined to comment. The talks, hosted in Baku, focus on counterterrorism, \
peacekeeping and cybersecurity; a communique is due on Saturday.
"""


def test_clean_news_prose_has_no_findings() -> None:
    assert run_detector("merged_word", [CLEAN_PROSE, BACKGROUND]) == []
