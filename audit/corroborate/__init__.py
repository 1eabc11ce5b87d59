"""Cross-source corroboration: the other outlets covering a story are the auditor's witnesses.

`corroborate(docs, config)` groups documents into stories (`stories.py`), aligns their sentences
(`align.py`), reports facts that disagree as findings (`divergence.py`), and indexes the corpus's
named entities (`entities.py`). It runs after the rule detectors, over the whole corpus.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from audit.config import Config
from audit.corpus import CorpusIndex
from audit.corroborate.align import Alignment, Sentence, align_pairs, story_sentences
from audit.corroborate.divergence import Divergence, beneficiary_flips, diff_divergences
from audit.corroborate.entities import entity_index
from audit.corroborate.stories import TermCounter, group_stories
from audit.docstore import doc_ids, select, take
from audit.memory import release_freed_memory
from audit.records import Document, Finding
from audit.spool import FrameSpool

if TYPE_CHECKING:
    from audit.detectors.entity import EntityDetector
    from audit.execution import Executor
    from audit.names import NameMentions

__all__ = ["Corroboration", "corroborate"]

KIND_LABEL = {
    "number": "a different number",
    "date": "a different date",
    "name": "a different name in the same role",
    "unit": "a different unit or currency",
    "polarity": "the opposite polarity (a negation the other lacks)",
    "beneficiary": "a different beneficiary",
}


@dataclass
class Corroboration:
    stories: dict[str, str] = field(default_factory=dict)
    alignments: FrameSpool = field(default_factory=lambda: FrameSpool(ALIGNMENT_SCHEMA))
    """Aligned sentence pairs (`ALIGNMENT_SCHEMA` rows: the pair and its story), spilled to disk
    in batches when a spool folder is given."""
    findings: list[Finding] = field(default_factory=list)
    entities: pl.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    n_sentences: int = 0

    def alignment_frame(self) -> pl.DataFrame:
        return self.alignments.frame()


ALIGNMENT_ROW_SCHEMA = {"doc_id": pl.Utf8, "start": pl.Int64, "end": pl.Int64, "other_doc_id": pl.Utf8,
                        "other_start": pl.Int64, "other_end": pl.Int64, "score": pl.Float64}
ALIGNMENT_SCHEMA = {**ALIGNMENT_ROW_SCHEMA, "story": pl.Utf8}


def corroborate(docs: Sequence[Document], config: Config | None = None,
                corpus: CorpusIndex | None = None, executor: Executor | None = None,
                entity_detector: EntityDetector | None = None, spool_dir: str | Path | None = None,
                mentions: NameMentions | None = None, story_terms: TermCounter | None = None,
                ) -> Corroboration:
    """Stories are grouped here; each story's alignment and divergence checks are independent
    (a shuffle by story key), so `executor` may run them elsewhere. `entity_detector`: the rule
    pass's fitted one (same options), reused for the entity index instead of fitting it again.
    `spool_dir`: where alignment rows are spilled as they come (None: kept as in-memory chunks).
    `mentions` and `story_terms`: the documents' name mentions and story-grouping term counts,
    when the corpus pass gathered them (consumed). `corpus`: read
    only to fit an entity detector when none is given (built here if needed then)."""
    config = config or Config()
    opts = config.corroborate
    lang = config.lang
    good = select(docs, lambda d: not d.error and bool(d.text.strip()))
    out = Corroboration(alignments=FrameSpool(ALIGNMENT_SCHEMA, spool_dir, name="alignments"))
    clock = time.perf_counter()
    out.stories = group_stories(good, lang, threshold=opts.story_threshold, top_terms=opts.top_terms,
                                executor=executor, spill_dir=spool_dir, terms=story_terms)
    del story_terms
    out.timings["stories"] = time.perf_counter() - clock
    release_freed_memory()  # the story vectors

    clock = time.perf_counter()
    members: dict[str, list[int]] = defaultdict(list)
    for i, doc_id in enumerate(doc_ids(good)):
        members[out.stories[doc_id]].append(i)
    # Stories are read back story by story, and sent in tasks of several stories (~100 documents)
    # so that small stories do not cost a round trip each. A task answers with its rows as one
    # columnar frame: millions of row tuples unpickled and rebuilt here cost this process more
    # than the workers spent finding them.
    tasks = _story_batches(((story, g) for story, g in members.items() if len(g) >= 2), good)
    work = partial(_story_batch, lang=lang, min_terms=opts.min_terms, align_min_score=opts.align_min_score,
                   diff_min_matched=opts.diff_min_matched)
    for frame, findings, n_sentences in (executor.map(work, tasks) if executor else map(work, tasks)):
        if frame.height:
            out.alignments.add_frame(frame)
        out.findings.extend(findings)
        out.n_sentences += n_sentences
    out.findings.sort(key=lambda f: (f.doc_id, f.start))
    out.timings["align"] = time.perf_counter() - clock

    clock = time.perf_counter()
    out.entities = entity_index(good, corpus, lang, out.stories, config.detector_kwargs("entity"),
                                detector=entity_detector, executor=executor, mentions=mentions)
    out.timings["entities"] = time.perf_counter() - clock
    return out


def _story_batches(groups: Iterable[tuple[str, list[int]]], docs: Sequence[Document], min_docs: int = 100
                   ) -> Iterator[list[tuple[str, list[Document]]]]:
    batch: list[tuple[str, list[Document]]] = []
    size = 0
    for story, positions in groups:
        batch.append((story, take(docs, positions)))
        size += len(positions)
        if size >= min_docs:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _story_batch(stories: list[tuple[str, list[Document]]], **options: Any
                 ) -> tuple[pl.DataFrame, list[Finding], int]:
    """The stories' alignment rows (story by story, as `story_pass` gives them) as one frame of
    `ALIGNMENT_SCHEMA`, their findings, and how many sentences they compared."""
    parts: list[dict[str, np.ndarray]] = []
    findings: list[Finding] = []
    n_sentences = 0
    for story, story_docs in stories:
        rows, found, n = story_pass(story_docs, **options)
        if len(rows["score"]):
            parts.append({**rows, "story": np.full(len(rows["score"]), story, dtype=object)})
        findings.extend(found)
        n_sentences += n
    if not parts:
        return pl.DataFrame(schema=ALIGNMENT_SCHEMA), findings, n_sentences
    # One frame built from whole columns: polars' own multithreaded operations (gather, concat)
    # must not run here, in a worker forked from a process whose polars thread pool is started.
    columns = {name: np.concatenate([p[name] for p in parts]) for name in ALIGNMENT_SCHEMA}
    strings = {name: columns[name].tolist() for name in ("doc_id", "other_doc_id", "story")}
    return pl.DataFrame({**columns, **strings}, schema=ALIGNMENT_SCHEMA), findings, n_sentences


def story_pass(story_docs: Sequence[Document], lang: str, min_terms: int, align_min_score: float,
               diff_min_matched: float) -> tuple[dict[str, np.ndarray], list[Finding], int]:
    """One story's sentence alignments (the columns of `ALIGNMENT_ROW_SCHEMA`) and divergence
    findings, independent of every other story (so stories can run anywhere)."""
    shapes: dict = {}  # sentence text -> its tokens, for the story's repeated sentences
    sents = [s for d in story_docs for s in story_sentences(d, lang, min_terms, shapes)]
    found = align_pairs(sents, min_score=align_min_score, per_doc=1)
    # Only pairs whose token lists differ can diverge, and repeated texts share one token tuple:
    # the pairs of one tuple (most, between a story's copies) need no `Alignment` built.
    tuple_id = np.array([id(s.lows) for s in sents], dtype=np.int64)
    differ = np.flatnonzero(tuple_id[found.i] != tuple_id[found.j])
    new = tuple.__new__  # what Alignment(...) calls, without its Python-level __new__
    edits: dict = {}  # pairs of sentence texts -> their facts, for the pairs that repeat
    divergences = [dv for i, j, score in zip(found.i[differ].tolist(), found.j[differ].tolist(),
                                             found.score[differ].tolist(), strict=True)
                   for dv in diff_divergences(new(Alignment, (sents[i], sents[j], score)), lang,
                                              min_matched=diff_min_matched, memo=edits)]
    divergences += beneficiary_flips(sents, lang)
    # The aligned counterparts of the sentences that diverge (most stories have none).
    neighbours: dict[Sentence, set[Sentence]] = defaultdict(set)
    if divergences:
        position = {id(s): k for k, s in enumerate(sents)}
        involved = np.zeros(len(sents), dtype=bool)
        involved[[position[id(s)] for dv in divergences for s in (dv.a, dv.b)]] = True
        near = np.flatnonzero(involved[found.i] | involved[found.j])
        for i, j in zip(found.i[near].tolist(), found.j[near].tolist(), strict=True):
            if involved[i]:
                neighbours[sents[i]].add(sents[j])
            if involved[j]:
                neighbours[sents[j]].add(sents[i])
    ids = np.array([s.doc_id for s in sents], dtype=object)
    starts = np.array([s.start for s in sents], dtype=np.int64)
    ends = np.array([s.end for s in sents], dtype=np.int64)
    rows = {"doc_id": ids[found.i], "start": starts[found.i], "end": ends[found.i],
            "other_doc_id": ids[found.j], "other_start": starts[found.j], "other_end": ends[found.j],
            "score": found.score}
    return rows, _findings(divergences, neighbours), len(sents)


def _support(value: str, sents: set[Sentence]) -> set[str]:
    """Documents among `sents` whose sentence contains `value` as whole words."""
    want = tuple(value.lower().split())
    docs = set()
    for s in sents:
        low = s.lows
        n = len(want)
        if any(low[i : i + n] == want for i in range(len(low) - n + 1)):
            docs.add(s.doc_id)
    return docs


def _findings(divergences: Sequence[Divergence], neighbours: dict[Sentence, set[Sentence]]) -> list[Finding]:
    """One story's divergences as findings; `neighbours`: each sentence's aligned counterparts."""
    best: dict[tuple[str, int, int], Finding] = {}
    for dv in divergences:
        if dv.kind == "beneficiary":
            category, severity, confidence = "mistranslation", "critical", 0.7
            where = "the same article" if dv.b.doc_id == dv.a.doc_id else dv.b.doc_id
            message = (f"says the support went to {dv.value.split()[-1]}, but {where} puts "
                       f"{dv.value.split()[-1]} on the receiving end of the conflict: “{_quote(dv.b.text)}”")
            suggestion = None
        else:
            circle = {dv.a, dv.b} | neighbours.get(dv.a, set()) | neighbours.get(dv.b, set())
            mine = _support(dv.value, circle) if dv.value else set()
            theirs = _support(dv.other_value, circle) if dv.other_value else {dv.b.doc_id}
            mine.add(dv.a.doc_id)
            if len(theirs) < len(mine):
                continue  # the other side is the minority: reported there
            minority = len(theirs) > len(mine)
            category = "mistranslation" if minority else "inconsistency"
            severity = ("critical" if dv.kind == "polarity" else "major") if minority else "minor"
            confidence = min(0.95, 0.7 + 0.08 * (len(theirs) - len(mine))) if minority else 0.6
            others = sorted(theirs - {dv.a.doc_id})
            said = f"“{dv.other_value}”" if dv.other_value else "the sentence without it"
            message = (f"{KIND_LABEL[dv.kind]}: this source says “{dv.value}”, {len(theirs)} other "
                       f"source(s) ({', '.join(others[:3])}{'…' if len(others) > 3 else ''}) say {said}; "
                       f"{dv.b.doc_id}: “{_quote(dv.b.text)}”")
            factual = dv.kind in ("number", "date", "name", "unit")
            suggestion = dv.other_value if minority and factual else None
        text = dv.a.text[dv.start - dv.a.start : dv.end - dv.a.start]
        f = Finding(dv.a.doc_id, dv.start, dv.end, text, category, severity, "corroborate", message,
                    suggestion=suggestion, confidence=round(confidence, 3),
                    evidence={"kind": dv.kind, "other_doc": dv.b.doc_id, "other_start": dv.b.start,
                              "other_end": dv.b.end})
        key = (f.doc_id, f.start, f.end)
        if key not in best or f.confidence > best[key].confidence:
            best[key] = f
    return sorted(best.values(), key=lambda f: (f.doc_id, f.start))


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
