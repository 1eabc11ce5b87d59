"""The corpus entity index: every name, its spellings, the canonical one, and who uses which.

The variant decisions are the entity detector's own (`EntityDetector.fit`: the same name up to
hyphens and case, or one small slip in one token, with the majority form as the house form), so
the index and the findings never disagree. Kinds come from data: the gazetteer for places,
organisation head words (`Party`, `Council`) and person titles or roles seen before a mention.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from audit.corpus import CorpusIndex
from audit.detectors.entity import EntityDetector
from audit.docstore import chunks
from audit.lang import zipf
from audit.names import is_all_caps, name_chunks

if TYPE_CHECKING:
    from audit.execution import Executor
from audit.records import Document
from audit.resources import load_list

COMMON_WORD_ZIPF = 4.0
"""A one-word form this frequent as a word (`The`, `President`) is not indexed as a name."""

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


def entity_index(docs: Sequence[Document], corpus: CorpusIndex, lang: str, stories: dict[str, str],
                 detector_options: dict[str, Any] | None = None, min_docs_single: int = 2,
                 detector: EntityDetector | None = None, executor: Executor | None = None) -> pl.DataFrame:
    """`detector`: the entity detector already fitted on these documents (its variants decide the
    canonical forms, so findings and index agree); without it one is fitted here."""
    if detector is None:
        detector = EntityDetector(lang=lang, **(detector_options or {}))
        detector.fit(docs, corpus)
    mentions: dict[str, dict[str, int]] = defaultdict(dict)
    titled: set[str] = set()
    count = partial(_mentions, lang=lang)
    parts = executor.map(count, chunks(docs, 200)) if executor else map(count, chunks(docs, 200))
    for part_mentions, part_titled in parts:
        for form, per_doc in part_mentions.items():
            mentions[form].update(per_doc)
        titled |= part_titled
    orgs = {w.lower() for w in load_list("org_words", lang=lang, missing_ok=True)}
    places = detector.gazetteer
    # Rows as tuples (a dict per row cost three times as much), each form's counts dropped as its
    # row is made. Rows, not column lists: polars builds a list column from lists of lists at
    # several times the memory of the same rows.
    rows = []
    while mentions:
        form, per_doc = mentions.popitem()
        single = " " not in form
        if single and (len(per_doc) < min_docs_single or zipf(form.lower(), lang) >= COMMON_WORD_ZIPF):
            continue  # one capitalised word: a name only when several documents use it and it is rare
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


def _mentions(docs: Sequence[Document], lang: str) -> tuple[dict[str, dict[str, int]], set[str]]:
    """Name mentions per form and document, and the forms seen after a title (one chunk of the corpus)."""
    mentions: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    titled: set[str] = set()
    for doc in docs:
        for ch in name_chunks(doc.text, lang):
            if any(is_all_caps(t) for t in ch.tokens):
                continue
            if ch.title_start is not None:
                titled.add(ch.text)
            # A common one-word form is dropped from the index whatever its counts: not counting
            # it here keeps `The` or `President` from holding an entry for every document.
            if len(ch.tokens) == 1 and zipf(ch.text.lower(), lang) >= COMMON_WORD_ZIPF:
                continue
            mentions[ch.text][doc.doc_id] += 1
    return {form: dict(per_doc) for form, per_doc in mentions.items()}, titled
