"""The corpus entity index: every name, its spellings, the canonical one, and who uses which.

The variant decisions are the entity detector's own (`EntityDetector.fit`: the same name up to
hyphens and case, or one small slip in one token, with the majority form as the house form), so
the index and the findings never disagree. Kinds come from data: the gazetteer for places,
organisation head words (`Party`, `Council`) and person titles or roles seen before a mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from audit.corpus import CorpusIndex
from audit.detectors.entity import EntityDetector
from audit.docstore import chunks
from audit.names import NameMentions, name_chunks

if TYPE_CHECKING:
    from audit.execution import Executor
from audit.records import Document
from audit.resources import load_list

ENTITY_SCHEMA: dict[str, Any] = {
    "entity": pl.Utf8,
    "form": pl.Utf8,
    "kind": pl.Utf8,
    "canonical": pl.Boolean,
    "variant": pl.Utf8,
    "n_docs": pl.Int64,
    "n_mentions": pl.Int64,
    "doc_ids": pl.List(pl.Utf8),
    "stories": pl.List(pl.Utf8),
}


def entity_index(docs: Sequence[Document], corpus: CorpusIndex | None, lang: str, stories: dict[str, str],
                 detector_options: dict[str, Any] | None = None, min_docs_single: int = 2,
                 detector: EntityDetector | None = None, executor: Executor | None = None,
                 mentions: NameMentions | None = None) -> pl.DataFrame:
    """`detector`: the entity detector already fitted on these documents (its variants decide the
    canonical forms, so findings and index agree); without it one is fitted here, on `corpus`
    (built when None). `mentions`: these documents' name mentions if the corpus pass gathered them
    (`CorpusIndex.build(mentions=True)`), else they are counted here; they are consumed either way."""
    if detector is None:
        detector = EntityDetector(lang=lang, **(detector_options or {}))
        detector.fit(docs, corpus if corpus is not None else CorpusIndex.build(docs))
    if mentions is None or mentions.lang != lang:
        mentions = NameMentions(lang)
        count = partial(_mentions, lang=lang)
        for part in executor.map(count, chunks(docs, 200)) if executor else map(count, chunks(docs, 200)):
            mentions.merge(part)
    titled = mentions.titled
    orgs = {w.lower() for w in load_list("org_words", lang=lang, missing_ok=True)}
    places = detector.gazetteer
    # Rows as tuples (a dict per row cost three times as much), each form's counts dropped as its
    # row is made. Rows, not column lists: polars builds a list column from lists of lists at
    # several times the memory of the same rows.
    rows = []
    for form, per_doc in mentions.drain():
        if " " not in form and len(per_doc) < min_docs_single:
            continue  # one capitalised word: a name only when several documents use it (and it is
            # rare: `NameMentions.add` never counts a one-word form at COMMON_WORD_ZIPF or above)
        canonical, variant = form, None
        seen = set()
        while canonical in detector.variants and canonical not in seen:
            seen.add(canonical)
            major, kind, *_ = detector.variants[canonical]
            variant = variant or kind
            canonical = major
        kind = ("place" if form in places or canonical in places
                else "organisation" if form.split()[-1].lower() in orgs
                else "person" if form in titled or canonical in titled
                else "name")
        ids = sorted(per_doc)
        rows.append((canonical, form, kind, canonical == form, variant, len(ids), sum(per_doc.values()), ids,
                     sorted({stories[d] for d in ids if d in stories})))
    rows.sort(key=lambda r: (r[0], not r[3], -r[5], r[1]))  # entity, canonical form first, n_docs, form
    return pl.DataFrame(rows, schema=ENTITY_SCHEMA, orient="row")


def _mentions(docs: Sequence[Document], lang: str) -> NameMentions:
    """One chunk of the corpus's name mentions."""
    out = NameMentions(lang)
    for doc in docs:
        out.add(doc.doc_id, name_chunks(doc.text, lang))
    return out
