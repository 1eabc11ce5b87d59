"""Corpus-level evidence shared by detectors: what the other documents say.

Built once before per-document detection so that `--jobs N` gives the same answer as
`--jobs 1`: every worker sees the same, complete index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from audit.records import Document
from audit.text import WORD_RE, lines, normalise_for_match

if TYPE_CHECKING:
    from audit.execution import Executor


@dataclass
class CorpusIndex:
    n_docs: int = 0
    forms: Counter[str] = field(default_factory=Counter)
    """Exact token forms (case kept) over the corpus."""
    lower_docs: Counter[str] = field(default_factory=Counter)
    """Lower-cased token -> number of documents that contain it."""
    line_docs: Counter[str] = field(default_factory=Counter)
    """Normalised line -> number of documents that contain it, for lines in two or more (`build`
    drops the rest: most lines of a corpus are unique, and they would be most of the index)."""

    name_forms: Counter[str] | None = None
    """Multi-word name candidate (`audit.names.name_chunks`, no all-caps token) -> number of documents
    that contain it; built when the index is built for a language (the entity detector's evidence)."""
    lang: str | None = None

    @classmethod
    def build(cls, docs: Iterable[Document], lang: str | None = None, executor: Executor | None = None,
              chunk_size: int = 200) -> CorpusIndex:
        """With `executor`, chunks of documents are indexed in parallel and the partial indexes merged
        in corpus order (the same index as one pass, insertion order included)."""
        if executor is None:
            return _index_chunk(docs, lang)._without_unique_lines()
        from audit.docstore import chunks, loaded

        index = cls(lang=lang, name_forms=Counter() if lang else None)
        for part in executor.map(partial(_index_chunk, lang=lang), chunks(loaded(docs), chunk_size)):
            index.merge(part)
        return index._without_unique_lines()

    def _without_unique_lines(self) -> CorpusIndex:
        self.line_docs = Counter({line: n for line, n in self.line_docs.items() if n > 1})
        return self

    def add(self, doc: Document) -> None:
        self.n_docs += 1
        toks = WORD_RE.findall(doc.text)  # the tokens of `words`, without building spans
        self.forms.update(toks)
        self.lower_docs.update({t.lower() for t in toks})
        self.line_docs.update({normalise_for_match(ln.text) for ln in lines(doc.text)})
        if self.name_forms is not None and self.lang:
            from audit.names import is_all_caps, name_chunks

            self.name_forms.update({ch.text for ch in name_chunks(doc.text, self.lang)
                                    if len(ch.tokens) >= 2 and not any(is_all_caps(t) for t in ch.tokens)})

    def merge(self, other: CorpusIndex) -> None:
        self.n_docs += other.n_docs
        self.forms.update(other.forms)
        self.lower_docs.update(other.lower_docs)
        self.line_docs.update(other.line_docs)
        if self.name_forms is not None and other.name_forms is not None:
            self.name_forms.update(other.name_forms)

    def form_count(self, form: str) -> int:
        return self.forms.get(form, 0)


def _index_chunk(docs: Iterable[Document], lang: str | None) -> CorpusIndex:
    """One chunk's index, its unique lines kept: they may recur in another chunk."""
    index = CorpusIndex(lang=lang, name_forms=Counter() if lang else None)
    for doc in docs:
        if not doc.error:
            index.add(doc)
    return index
