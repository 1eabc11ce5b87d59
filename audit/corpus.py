"""Corpus-level evidence shared by detectors: what the other documents say.

Built once before per-document detection so that `--jobs N` gives the same answer as
`--jobs 1`: every worker sees the same, complete index.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from audit.records import Document
from audit.text import WORD_RE, lines, normalise_for_match

if TYPE_CHECKING:
    from pathlib import Path

    from audit.corroborate.stories import TermCounter
    from audit.execution import Executor
    from audit.names import NameMentions


@dataclass
class CorpusIndex:
    n_docs: int = 0
    forms: Counter[str] = field(default_factory=Counter)
    """Exact token forms (case kept) over the corpus."""
    lower_docs: Counter[str] = field(default_factory=Counter)
    """Lower-cased token -> number of documents that contain it."""
    line_docs: dict[int, int] = field(default_factory=dict)
    """`line_key` of a normalised line -> number of documents that contain it, for lines in two or
    more (read it with `line_count`). Lines are counted as 64-bit hashes, not strings: most lines of
    a corpus are unique, and as strings they were most of the index's memory while it was built."""
    line_hashes: array = field(default_factory=lambda: array("Q"))
    """While building: each document's distinct line keys, one after the other (8 bytes a line);
    `build` turns them into `line_docs`."""
    line_positions: array = field(default_factory=lambda: array("i"))
    line_words: array = field(default_factory=lambda: array("i"))
    """While building, beside `line_hashes`: the document's position and the line's words."""
    line_records: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    """The lines in two or more documents, each time a document has one: the document's position
    among those indexed, the line's key and its number of words (normalised, split at spaces), in
    corpus order. What groups documents by their shared lines (the boilerplate detector's fit),
    counted here in parallel; `None` once `drop_fit_evidence` has run."""
    n_seen: int = 0
    """Documents indexed, failed ones included: the positions of `line_records` count them all."""

    name_forms: Counter[str] | None = None
    """Multi-word name candidate (`audit.names.name_chunks`, no all-caps token) -> number of documents
    that contain it; built when the index is built for a language (the entity detector's evidence)."""
    lang: str | None = None
    mentions: NameMentions | None = None
    """Every name mention per form and document, for the corroboration's entity index; gathered
    only when asked for (`build(mentions=True)`), and handed over with `take_mentions` before the
    index is shipped to workers, which have no use for it."""
    chunk_terms: tuple[dict[str, int], list[tuple[np.ndarray, np.ndarray]]] | None = None
    """While building a chunk, when asked for (`build(story_terms=True)`): the story-grouping term
    counts of its documents that have text (`audit.corroborate.stories.add_term_row`)."""
    story_terms: TermCounter | None = None
    """The chunks' `chunk_terms`, merged in corpus order; handed over with `take_story_terms`."""

    @classmethod
    def build(cls, docs: Iterable[Document], lang: str | None = None, executor: Executor | None = None,
              chunk_size: int = 200, mentions: bool = False, story_terms: bool = False,
              spill_dir: str | Path | None = None) -> CorpusIndex:
        """With `executor`, chunks of documents are indexed in parallel and the partial indexes merged
        in corpus order (the same index as one pass, insertion order included). `mentions` (with
        `lang`): also gather the name mentions (`take_mentions`), from the name chunks found here.
        `story_terms` (with `lang`): also count the terms that group stories (`take_story_terms`),
        from the tokens found here, for the documents that have text; they wait in `spill_dir`."""
        from audit.corroborate.stories import TermCounter

        story_terms = story_terms and bool(lang)
        index_chunk = partial(_index_chunk, lang=lang, mentions=mentions, story_terms=story_terms)
        if executor is None:
            index = index_chunk(docs)
        else:
            from audit.docstore import chunks, loaded

            index = cls(lang=lang, name_forms=Counter() if lang else None)
            index.story_terms = TermCounter(spill_dir) if story_terms else None
            for part in executor.map(index_chunk, chunks(loaded(docs), chunk_size)):
                index.merge(part)
        if index.chunk_terms is not None:  # one chunk: the whole corpus
            index.story_terms = TermCounter(spill_dir)
            index.story_terms.add(index.chunk_terms)
            index.chunk_terms = None
        return index._count_lines()

    def take_mentions(self) -> NameMentions | None:
        mentions, self.mentions = self.mentions, None
        return mentions

    def take_story_terms(self) -> TermCounter | None:
        terms, self.story_terms = self.story_terms, None
        return terms

    def _count_lines(self) -> CorpusIndex:
        hashes = np.frombuffer(self.line_hashes, np.uint64)
        keys, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
        repeated = counts > 1
        self.line_docs = dict(zip(keys[repeated].tolist(), counts[repeated].tolist(), strict=True))
        shared = repeated[inverse.ravel()]
        self.line_records = (np.frombuffer(self.line_positions, np.int32)[shared], hashes[shared],
                             np.frombuffer(self.line_words, np.int32)[shared])
        self.line_hashes, self.line_positions, self.line_words = array("Q"), array("i"), array("i")
        return self

    def drop_fit_evidence(self) -> None:
        """Forget what only fitting reads (`line_records`), before the index goes to the workers."""
        self.line_records = None

    def line_count(self, line: str) -> int:
        """Documents that contain `line` (normalised with `normalise_for_match`), if two or more."""
        return self.line_docs.get(line_key(line), 0)

    def add(self, doc: Document) -> None:
        position = self.n_seen
        self.n_seen += 1
        if doc.error:
            return
        self.n_docs += 1
        if self.chunk_terms is None:
            toks = WORD_RE.findall(doc.text)  # the tokens of `words`, without building spans
            self.forms.update(toks)
            self.lower_docs.update({t.lower() for t in set(toks)})  # distinct first: a third fewer to lower
        else:  # the words are `TOKEN_RE`'s matches less its numbers: one tokenisation serves both
            from audit.corroborate.stories import add_term_row
            from audit.corroborate.tokens import TOKEN_RE, token_term_counts

            words: dict[str, int] = {}
            lowers: set[str] = set()
            terms = token_term_counts(Counter(TOKEN_RE.findall(doc.text)), self.lang or "en", words, lowers)
            self.forms.update(words)
            self.lower_docs.update(lowers)
            if doc.text.strip():
                vocab, rows = self.chunk_terms
                add_term_row(vocab, rows, terms)
        keys, words = distinct_lines(doc.text)
        self.line_hashes.extend(keys)
        self.line_positions.extend([position] * len(keys))
        self.line_words.extend(words)
        if self.name_forms is not None and self.lang:
            from audit.names import is_all_caps, name_chunks

            chunks = name_chunks(doc.text, self.lang)
            self.name_forms.update({ch.text for ch in chunks
                                    if len(ch.tokens) >= 2 and not any(is_all_caps(t) for t in ch.tokens)})
            if self.mentions is not None:
                self.mentions.add(doc.doc_id, chunks)

    def merge(self, other: CorpusIndex) -> None:
        """Add `other`, built over the documents that follow this index's."""
        self.line_positions.frombytes((np.frombuffer(other.line_positions, np.int32) + self.n_seen).tobytes())
        self.n_seen += other.n_seen
        self.n_docs += other.n_docs
        self.forms.update(other.forms)
        self.lower_docs.update(other.lower_docs)
        self.line_hashes.extend(other.line_hashes)
        self.line_words.extend(other.line_words)
        if self.name_forms is not None and other.name_forms is not None:
            self.name_forms.update(other.name_forms)
        if self.story_terms is not None and other.chunk_terms is not None:
            self.story_terms.add(other.chunk_terms)
        if other.mentions is not None:
            if self.mentions is None:
                self.mentions = other.mentions
            else:
                self.mentions.merge(other.mentions)

    def form_count(self, form: str) -> int:
        return self.forms.get(form, 0)


def distinct_lines(text: str) -> tuple[list[int], list[int]]:
    """The `line_key` and the number of words of each distinct normalised line of `text`, in order."""
    normalised = dict.fromkeys(normalise_for_match(ln.text) for ln in lines(text))
    return [line_key(key) for key in normalised], [key.count(" ") + 1 for key in normalised]  # single spaces


def line_key(line: str) -> int:
    """A stable 64-bit key for a line (the same in every process, unlike `hash`): two distinct lines
    share one with odds of about 1 in 10^7 in a corpus of ten million distinct lines."""
    data = line.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def _index_chunk(docs: Iterable[Document], lang: str | None, mentions: bool = False,
                 story_terms: bool = False) -> CorpusIndex:
    """One chunk's index, its unique lines kept: they may recur in another chunk."""
    index = CorpusIndex(lang=lang, name_forms=Counter() if lang else None)
    if story_terms:
        index.chunk_terms = ({}, [])
    if mentions and lang:
        from audit.names import NameMentions

        index.mentions = NameMentions(lang)
    for doc in docs:
        index.add(doc)
    return index
