"""The corpus index: what the other documents say, counted the same however the corpus is split."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from audit.corpus import CorpusIndex, line_key
from audit.execution.local import LocalExecutor
from audit.loaders import iter_documents
from audit.records import Document
from audit.text import normalise_for_match
from tests.conftest import REFERENCE_CORPUS

FOOTER = "Share this article on Facebook"
NAV = "Inici » Internacional"


def _docs() -> list[Document]:
    bodies = [
        "Putin arrives in Hanoi for a state visit.\nVietnam welcomed the Russian leader on Thursday.",
        "Kim Jong Un hosted Putin in Pyongyang.\nThe two leaders signed a partnership treaty.",
        "To Lam met Putin at the Presidential Palace.\nThey discussed energy and education.",
    ]
    return [Document(doc_id=f"d{i}", text=f"{NAV}\n{body}\n{FOOTER}\n{FOOTER}") for i, body in enumerate(bodies)] + [
        Document(doc_id="d3", text=f"A different story about football.\n{FOOTER}")
    ]


def test_line_count_is_documents_containing_the_line_not_occurrences() -> None:
    index = CorpusIndex.build(_docs())
    assert index.line_count(normalise_for_match(FOOTER)) == 4  # twice in three documents: counted once each
    assert index.line_count(normalise_for_match(NAV)) == 3
    assert index.line_count(normalise_for_match("They discussed energy and education.")) == 0  # one document
    assert index.line_count(normalise_for_match("A line no document has")) == 0
    assert len(index.line_docs) == 2  # lines in one document are not kept


def test_parallel_build_counts_what_one_pass_counts() -> None:
    docs = list(iter_documents(sorted(REFERENCE_CORPUS.glob("*"))))
    docs += _docs()
    one = CorpusIndex.build(docs, lang="en")
    split = CorpusIndex.build(docs, lang="en", executor=LocalExecutor(2), chunk_size=2)
    assert split.line_docs == one.line_docs
    assert split.forms == one.forms and list(split.forms) == list(one.forms)
    assert split.lower_docs == one.lower_docs
    assert split.name_forms == one.name_forms
    assert split.n_docs == one.n_docs == len(docs)
    assert one.line_records is not None and split.line_records is not None
    for a, b in zip(one.line_records, split.line_records, strict=True):
        assert a.tolist() == b.tolist()  # positions, keys and words, in corpus order
    assert one.line_count(normalise_for_match(FOOTER)) == 4


def test_line_key_is_the_same_in_another_process() -> None:
    """Ray workers do not share this process's `hash` seed: the key must not depend on it."""
    line = "Lea también: Putin llega a Hanói \ud800"  # a lone surrogate must not raise
    code = f"from audit.corpus import line_key; print(line_key({line!r}))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "123"})
    assert int(other.stdout) == line_key(line)
    assert line_key(line) != line_key(line[:-1])


def test_name_mentions_are_gathered_only_when_asked_and_are_the_entity_pass_own() -> None:
    import copy

    from polars.testing import assert_frame_equal

    from audit.corroborate.entities import _mentions, entity_index

    docs = list(iter_documents(sorted(REFERENCE_CORPUS.glob("*"))))
    assert CorpusIndex.build(docs, lang="en").take_mentions() is None
    corpus = CorpusIndex.build(docs, lang="en", executor=LocalExecutor(2), chunk_size=2, mentions=True)
    gathered = corpus.take_mentions()
    assert gathered is not None and corpus.mentions is None  # handed over, not shipped to workers
    own = _mentions(docs, "en")
    forms = dict(copy.deepcopy(gathered).drain())  # merged from chunks of two documents
    assert forms == dict(own.drain()) and gathered.titled == own.titled
    assert len(forms["To Lam"]) >= 3 and "The" not in forms
    assert sum(forms["To Lam"].values()) > len(forms["To Lam"])  # mentions counted per document
    stories = {d.doc_id: "story-0001" for d in docs}
    assert_frame_equal(entity_index(docs, corpus, "en", stories, mentions=gathered),
                       entity_index(docs, corpus, "en", stories))


def test_story_terms_from_the_corpus_pass_are_the_grouping_pass_own(tmp_path: Path) -> None:
    """The corpus pass counts the story terms from its own tokens, for the documents with text
    (not failed or blank ones), chunk by chunk: the vectors are those of story grouping's own
    pass over those documents, bit for bit, and the word counts are those of counting words."""
    import numpy as np

    from audit.corroborate.stories import tfidf_vectors

    docs = list(iter_documents(sorted(REFERENCE_CORPUS.glob("*")))) + _docs()
    docs.insert(2, Document(doc_id="blank.txt", text=" \n\t"))
    docs.insert(4, Document(doc_id="failed.txt", text="", error="unreadable"))
    docs.append(Document(doc_id="numbers.txt", text="1,500 ½ ²3 Ⅻ 2024 y 9's"))
    good = [d for d in docs if not d.error and d.text.strip()]
    want = tfidf_vectors(good, "en")
    plain = CorpusIndex.build(docs, lang="en")
    assert plain.take_story_terms() is None
    for index in (CorpusIndex.build(docs, lang="en", story_terms=True),
                  CorpusIndex.build(docs, lang="en", executor=LocalExecutor(2), chunk_size=3, story_terms=True,
                                    spill_dir=tmp_path)):
        terms = index.take_story_terms()
        assert terms is not None and index.story_terms is None and terms.rows == len(good)
        got = terms.vectors()
        assert got.vocab == want.vocab
        for a, b in ((got.indptr, want.indptr), (got.indices, want.indices), (got.data, want.data)):
            assert np.array_equal(a, b)
        assert index.forms == plain.forms and list(index.forms) == list(plain.forms)
        assert index.lower_docs == plain.lower_docs and index.n_docs == plain.n_docs
    assert list(tmp_path.iterdir()) == []  # the spilled counts are gone once weighed


def test_grouping_refuses_term_counts_of_other_documents() -> None:
    import pytest

    from audit.corroborate.stories import group_stories

    docs = _docs()
    terms = CorpusIndex.build(docs[:3], lang="en", story_terms=True).take_story_terms()
    with pytest.raises(ValueError, match="term counts for 3 documents"):
        group_stories(docs, "en", terms=terms)
