"""Corpus-level evidence shared by detectors: what the other documents say.

Built once before per-document detection so that `--jobs N` gives the same answer as
`--jobs 1`: every worker sees the same, complete index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from audit.records import Document
from audit.text import lines, normalise_for_match, words


@dataclass
class CorpusIndex:
    n_docs: int = 0
    forms: Counter[str] = field(default_factory=Counter)
    """Exact token forms (case kept) over the corpus."""
    lower_docs: Counter[str] = field(default_factory=Counter)
    """Lower-cased token -> number of documents that contain it."""
    line_docs: Counter[str] = field(default_factory=Counter)
    """Normalised line -> number of documents that contain it."""

    @classmethod
    def build(cls, docs: Iterable[Document]) -> CorpusIndex:
        index = cls()
        for doc in docs:
            if doc.error:
                continue
            index.add(doc)
        return index

    def add(self, doc: Document) -> None:
        self.n_docs += 1
        toks = [w.text for w in words(doc.text)]
        self.forms.update(toks)
        self.lower_docs.update({t.lower() for t in toks})
        self.line_docs.update({normalise_for_match(ln.text) for ln in lines(doc.text)})

    def form_count(self, form: str) -> int:
        return self.forms.get(form, 0)
