from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.records import Document
from tests.conftest import run_detector

BODY = (
    "The president arrived in the capital on Thursday for talks on trade, energy and security, "
    "officials said.\n\n"
    "Both sides signed several agreements, including one on nuclear research and another on "
    "education, according to the foreign ministry.\n\n"
)

# A realistic, clean news article: headings, dateline, byline, quotes, rare names, dates.
CLEAN_ARTICLE = """Drought forces Andalusian farmers to rethink olive harvest

By Marta Ibáñez and Tomasz Wróblewski

SEVILLE, Spain (AP) — Olive growers across southern Spain are bracing for a third consecutive poor harvest as reservoirs in Andalusia fall below 20 percent of capacity, regional officials said Tuesday.

“We have never seen the trees this stressed,” said Rafael Quintanilla, who farms 40 hectares near Jaén. “Next year will decide whether my son stays on the land.”

Regional water authority

The Guadalquivir Hydrographic Confederation cut irrigation allocations by half in March. Its president, Joaquín Páez, said the U.S. Department of Agriculture had forecast a similar shortfall.

Next steps for the cooperatives

Cooperatives in Úbeda and Baeza plan to pool resources — sharing mills, storage and transport — to survive the season. Popular support for the scheme is strong, according to a survey published on Monday.

Share prices of the largest producer, Deoleo, fell 4 percent in Madrid. Related concerns about supply have pushed wholesale prices to a record €9 per kilogram.

Photo opportunities aside, the minister’s visit to Jaén on June 20, 2024, produced few concrete promises. She said the government would “follow the situation closely.”

A decade of decline

Production fell from 1.8 million tonnes in 2021 to 680,000 tonnes in 2023. Farmers in Portugal’s Alentejo region report similar losses, Reuters reported.

International reactions

The European Commission said it was monitoring prices. Italy’s agriculture ministry declined to comment.

Follow the money

Analysts at Madrid-based Afi said the drought would cost the sector about €1.2 billion this year.

AFP and AP Agencies
"""


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # fused CamelCase breadcrumb: the last part starts the title
        ('HomeWorldAsiaRussia has "right to supply arms", Putin says\n\n' + BODY,
         "HomeWorldAsia"),
        ("AccueilMondeEuropeLa France vote\n\n" + BODY, "AccueilMondeEurope"),
        ("Inici » Putin strengthens ties with North Korea and Vietnam\n\n" + BODY, "Inici »"),
        ("Home › World › Asia\n\n" + BODY, "Home › World › Asia"),
        ("Startseite > Politik > Ausland > Putin reist nach Vietnam weiter\n\n" + BODY,
         "Startseite > Politik > Ausland >"),
        ("Friday, November 22, 2024\n" + BODY, "Friday, November 22, 2024"),
        ("Issued on:\n\n3 minutes\n\n" + BODY, "Issued on:"),
        ("Issued on:\n\n3 minutes\n\n" + BODY, "3 minutes"),
        ("Published: 20/06/2024 10:32\n\n" + BODY, "Published: 20/06/2024 10:32"),
        ("5 min read\n\n" + BODY, "5 min read"),
        ("Lesezeit: 4 Minuten\n\n" + BODY, "Lesezeit: 4 Minuten"),
        (BODY + "RELATED ARTICLES\n\nMost Popular", "RELATED ARTICLES"),
        (BODY + "RELATED ARTICLES\n\nMost Popular", "Most Popular"),
        (BODY + "Related Posts", "Related Posts"),
        (BODY + "You may also like\n\nUpdate Required Flash plugin", "You may also like"),
        (BODY + "You may also like\n\nUpdate Required Flash plugin", "Update Required Flash plugin"),
        (BODY + "For Latest Updates Follow us on Google News", "For Latest Updates Follow us on Google News"),
        (BODY + "Te puede interesar", "Te puede interesar"),
        (BODY + "Lesen Sie auch", "Lesen Sie auch"),
        (BODY + "Lire aussi : Poutine au Vietnam", "Lire aussi : Poutine au Vietnam"),
        (BODY + "READ MORE: Kim hails alliance with Russia after talks",
         "READ MORE: Kim hails alliance with Russia after talks"),
        (BODY + "Tags: Russia, Vietnam, Putin", "Tags: Russia, Vietnam, Putin"),
        (BODY + "Share this article", "Share this article"),
        (BODY + "Advertisement", "Advertisement"),
        (BODY + "PREV Pope Francis arrived at the G7 and will speak about AI\n"
         "NEXT Ukraine reacted to Putin’s claims", "PREV Pope Francis arrived at the G7 and will speak about AI"),
        (BODY + "PREV Pope Francis arrived at the G7\nNEXT Ukraine reacted to Putin’s claims",
         "NEXT Ukraine reacted to Putin’s claims"),
        # a short line in the same furniture block as a clear widget line
        (BODY + "Get to know The Trust Project\nFor Latest Updates Follow us on Google News",
         "Get to know The Trust Project"),
    ],
)
def test_furniture_found(text: str, span: str) -> None:
    findings = run_detector("boilerplate", text)
    hit = [f for f in findings if f.text == span]
    assert hit, [f.text for f in findings]
    assert hit[0].category == "boilerplate" and hit[0].suggestion == ""
    assert hit[0].confidence >= 0.5


@pytest.mark.parametrize(
    "line",
    [
        "Middle East implications",
        "Trade and weapons",
        "Content of the pact",
        "International reactions",
        "Vietnam solemnly received Putin",
        "Second stop in Asia",
        "AFP and AP Agencies",
        "By Marta Ibáñez",
        "Follow the money",
        "Next steps",
        "Popular anger",
        "Share prices rose 3% on the news.",
        "Next Tuesday, ministers will meet in Brussels to discuss the plan.",
        "Published reports said the deal was close to being signed.",
        "Human Rights Watch report",
        "“We will not be intimidated,” he said.",
        "Il a dit « non » et « jamais » à Moscou",
    ],
)
def test_headings_and_prose_left_alone(line: str) -> None:
    text = BODY + line + "\n\n" + BODY.replace("Thursday", "Friday")
    assert run_detector("boilerplate", text) == []


def test_date_line_in_the_middle_is_a_heading() -> None:
    text = BODY + "June 19, 2024\n\n" + BODY.replace("Thursday", "Friday")
    assert run_detector("boilerplate", text) == []


def _article(topic: str) -> str:
    return (f"Officials discussed {topic} at length during a meeting in the capital on Monday, "
            f"and said further talks on {topic} would follow next month.\n\n")


def test_line_recurring_in_distinct_articles_is_furniture() -> None:
    texts = [_article(t) + "The Morning Brief" for t in ("fisheries", "railways", "tariffs")]
    findings = run_detector("boilerplate", texts)
    assert [f.text for f in findings] == ["The Morning Brief"] * 3


def test_syndicated_copies_do_not_make_headings_furniture() -> None:
    text = _article("fisheries") + "Quota dispute\n\n" + _article("quotas")
    assert run_detector("boilerplate", [text, text, text]) == []


@pytest.mark.parametrize("name", ["boilerplate", "duplicate", "caption"])
def test_clean_article_yields_nothing(name: str) -> None:
    assert run_detector(name, CLEAN_ARTICLE) == []


_LINE_PIECES = ["Home", "World", " ", "  ", "\t", ".", "!", "?", "…", '"', "'", "”", "’", "»", "›", "→", ">", "|",
                "/", "·", "•", ":", "::", ")", "]", "(", "\n", "\r", "a", "É", "\u0301", ""]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=30).map("".join))
def test_line_tests_read_from_the_end_or_by_mark_are_the_regexes(text: str) -> None:
    """The sentence-end test read from the line's end, and the separator marks looked for before
    the separator regex runs, answer as the regexes do (a `$` before a final newline included)."""
    from audit.detectors.boilerplate import _CRUMB_SEP, _CRUMB_SEP_MARKS, _SENTENCE_END, _ends_sentence

    assert _ends_sentence(text) == bool(_SENTENCE_END.search(text))
    if _CRUMB_SEP.search(text):
        assert any(mark in text for mark in _CRUMB_SEP_MARKS)


def _furniture_corpus() -> list[Document]:
    """Three sites' furniture over nine articles, one syndicated twice, and a failed document."""
    docs = []
    for i, topic in enumerate(["fisheries", "railways", "tariffs", "quotas", "ports", "grain", "wages", "rates"]):
        site = ("The Morning Brief\nShare this article", "Most read today", "Sign up for alerts")[i % 3]
        docs.append(Document(doc_id=f"a{i}", text=f"Home » {topic.title()}\n" + _article(topic) + site))
    docs.append(Document(doc_id="copy", text=docs[0].text.replace("Home » Fisheries", "Fisheries")))
    docs.insert(4, Document(doc_id="bad", text="", error="unreadable"))
    return docs


def test_the_fit_from_the_corpus_pass_is_the_fit_from_the_documents() -> None:
    """The lines the corpus pass kept (in parallel, in chunks) group the articles as reading every
    line of every document does: same recurring lines, same counts of distinct articles."""
    from audit.corpus import CorpusIndex
    from audit.detectors.boilerplate import BoilerplateDetector
    from audit.docstore import loaded
    from audit.execution.local import LocalExecutor

    docs = _furniture_corpus()
    good = loaded(docs)
    executor = LocalExecutor(2)
    try:
        index = CorpusIndex.build(good, executor=executor, chunk_size=3)
    finally:
        executor.close()
    assert index.line_records is not None and index.n_seen == len(good)
    from_index, from_docs = BoilerplateDetector(), BoilerplateDetector()
    from_index.fit(good, index)
    from_docs.fit(docs, CorpusIndex())  # no index of these documents: every line is read
    assert from_index.state() == from_docs.state() != []
    recurring = dict(from_index.state())  # type: ignore[arg-type]
    # `The Morning Brief` and `Share this article` are in four documents but three articles (the
    # copy shares a0's long line), `Most read today` in three, `Sign up for alerts` in two only.
    assert sorted(recurring.values()) == [3, 3, 3]
    index.drop_fit_evidence()
    again = BoilerplateDetector()
    again.fit(good, index)
    assert again.state() == from_index.state()
