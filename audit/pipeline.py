"""The library entry point: `audit.run(paths, config) -> AuditResult`.

Two phases: a corpus pass builds shared evidence and fits detectors, then each document is
audited independently (in worker processes with `jobs > 1`, same results as `jobs=1`).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from audit.config import Config
from audit.corpus import CorpusIndex
from audit.detectors import Detector, detector_class
from audit.docstore import loaded
from audit.loaders import iter_documents
from audit.memory import release_freed_memory
from audit.policy import decide, score
from audit.records import Document, DocumentResult, Finding
from audit.spool import ObjectSpool

if TYPE_CHECKING:
    from audit.execution import Executor
    from audit.translate.cache import CachedTranslator

log = logging.getLogger(__name__)


Table = pl.DataFrame | pl.LazyFrame


class AuditResult:
    """A run's tables. Each is a polars DataFrame when read; a streamed run holds them as lazy
    scans of the files it wrote (or of its spool) and reads one only when it is asked for, so
    holding the result costs no memory. `lazy(name)` queries a table without loading it.

    - findings, documents, repair_queue: always present;
    - segments: back-translated sentences (None when back-translation was not asked for);
    - entities, alignments: the corpus entity index and cross-document sentence alignments
      (None when corroboration is off).
    """

    def __init__(self, findings: Table, documents: Table, repair_queue: Table, run_info: dict[str, Any],
                 segments: Table | None = None, entities: Table | None = None,
                 alignments: Table | None = None) -> None:
        self.run_info = run_info
        self.spools: list[Any] = []
        """Spools the lazy tables read from (closed once `write_outputs` has copied them)."""
        self._tables: dict[str, Table | None] = {
            "findings": findings, "documents": documents, "repair_queue": repair_queue,
            "segments": segments, "entities": entities, "alignments": alignments}

    def _get(self, name: str) -> Any:
        table = self._tables[name]
        if isinstance(table, pl.LazyFrame):
            table = self._tables[name] = table.collect()
        return table

    def stored(self, name: str) -> Table | None:
        """The table as held: a DataFrame, or a LazyFrame not read yet."""
        return self._tables[name]

    def lazy(self, name: str) -> pl.LazyFrame | None:
        table = self._tables[name]
        return table.lazy() if table is not None else None

    def rebind(self, name: str, table: Table | None) -> None:
        """Point a table at another source of the same rows (a written file instead of a spool)."""
        self._tables[name] = table

    findings = property(lambda self: self._get("findings"))
    documents = property(lambda self: self._get("documents"))
    repair_queue = property(lambda self: self._get("repair_queue"))
    segments = property(lambda self: self._get("segments"))
    entities = property(lambda self: self._get("entities"))
    alignments = property(lambda self: self._get("alignments"))

    def summary(self) -> pl.DataFrame:
        """Findings per category and severity."""
        return (
            self.lazy("findings").group_by("category", "severity").len("n")  # type: ignore[union-attr]
            .sort(["n", "category"], descending=[True, False]).collect()
        )


def build_detectors(config: Config, names: Sequence[str] | None = None) -> list[Detector]:
    chosen = list(names) if names else config.enabled_detectors()
    return [detector_class(n)(lang=config.lang, **config.detector_kwargs(n)) for n in chosen]


def audit_document(
    doc: Document, detectors: Sequence[Detector], corpus: CorpusIndex, config: Config
) -> tuple[list[Finding], DocumentResult]:
    """Run every detector on one document; a failing detector is reported, not fatal."""
    if doc.error:
        return [], score(doc, [], config.policy)
    raw: list[Finding] = []
    failures = []
    for det in detectors:
        try:
            for f in det.detect(doc, corpus):
                if doc.text[f.start : f.end] != f.text:
                    raise AssertionError(f"finding text does not match span {f.start}:{f.end}")
                raw.append(f)
        except Exception as exc:  # one detector's bug must not lose the document
            log.exception("detector %s failed on %s", det.name, doc.doc_id)
            failures.append(f"detector {det.name} failed: {exc}")
    findings = decide(raw, config.policy)
    result = score(doc, findings, config.policy)
    if failures:
        from dataclasses import replace

        result = replace(result, error="partial audit; " + "; ".join(failures))
    return findings, result


def audit_documents(
    docs: Sequence[Document],
    config: Config | None = None,
    jobs: int = 1,
    detectors: Sequence[str] | None = None,
    on_progress: Callable[[int], None] | None = None,
    translator: CachedTranslator | None = None,
    progress: bool = False,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    executor: Executor | None = None,
    spool_dir: str | Path | None = None,
) -> AuditResult:
    """Audit documents already in memory (the API scripts and tests use).

    With `config.backtranslate.engine` set (or a `translator` given), the rule findings are
    followed by the fidelity pass (`audit.fidelity`), which adds `low_fidelity` findings and
    the documents' chrF, then the documents are scored again with fidelity folded in.

    With `checkpoint_dir`, each document's rule findings are checkpointed there as soon as they
    exist; `resume` reuses the checkpoints of unchanged documents (see `audit.checkpoint`).
    `executor` says where the work runs (`audit.execution`; default: this machine with `jobs`
    processes). `docs` may be a `audit.docstore.DocumentStore` (documents on disk, read back pass
    by pass); with `spool_dir` the tables are written there in batches as they are built and the
    result holds lazy scans of them (`run()` does both, so memory does not grow with the corpus).
    """
    config = config or Config()
    if executor is None:
        from audit.execution.local import LocalExecutor

        own = LocalExecutor(jobs)
        try:
            return audit_documents(docs, config, jobs=jobs, detectors=detectors, on_progress=on_progress,
                                   translator=translator, progress=progress, checkpoint_dir=checkpoint_dir,
                                   resume=resume, executor=own, spool_dir=spool_dir)
        finally:
            own.close()  # an executor made here is closed here (the caller's is the caller's)
    # The corroboration's name mentions and story terms come from the corpus pass, which finds the
    # name chunks and the tokens anyway.
    corroborating = config.corroborate.enabled
    corpus = CorpusIndex.build(docs, lang=config.lang, executor=executor, mentions=corroborating,
                               story_terms=corroborating, spill_dir=spool_dir)
    mentions, story_terms = corpus.take_mentions(), corpus.take_story_terms()
    release_freed_memory()  # the chunks' partial indexes
    dets = build_detectors(config, detectors)
    good = loaded(docs)
    for det in dets:
        det.fit(good, corpus)
    corpus.drop_fit_evidence()
    release_freed_memory()  # what fitting read and dropped (the gazetteer's source table)
    from audit.progress import progress_bar

    checkpoint = None
    if checkpoint_dir is not None:
        from audit import __version__
        from audit.checkpoint import Checkpoint, evidence_digest

        header = {"version": __version__, "config": config.digest(), "evidence": evidence_digest(dets),
                  "detectors": [d.name for d in dets]}
        checkpoint = Checkpoint(checkpoint_dir, header, resume=resume)
    complete = False
    results = ObjectSpool(spool_dir, "outcomes")  # on disk with a spool folder: read back in order
    try:
        with progress_bar(len(docs), "auditing", progress and on_progress is None) as tick:
            _rule_pass(docs, dets, corpus, config, executor, on_progress or tick, checkpoint, results)
        complete = True
    finally:
        if checkpoint is not None:
            checkpoint.close(complete=complete)
        if not complete:
            results.close()
    from audit.output import build_result

    info = run_info(config, dets, len(docs))
    info["engine"] = executor.describe()
    if checkpoint is not None:
        info["checkpoint"] = checkpoint.info()
    extra: dict[str, list[Finding]] = {}
    corroboration = None
    from audit.detectors.entity import EntityDetector

    fitted = next((d for d in dets if isinstance(d, EntityDetector)), None)
    # The corpus index (vocabulary, repeated lines, name forms: tens of MB on a large corpus) has
    # served its detectors; only an entity index without a fitted entity detector reads it again.
    kept = corpus if config.corroborate.enabled and fitted is None else None
    del corpus
    release_freed_memory()
    if config.corroborate.enabled:
        from audit.corroborate import corroborate

        corroboration = corroborate(docs, config, kept, executor=executor, entity_detector=fitted,
                                    spool_dir=spool_dir, mentions=mentions, story_terms=story_terms)
        del story_terms
        del kept
        release_freed_memory()
        for f in corroboration.findings:
            extra.setdefault(f.doc_id, []).append(f)
        info["corroborate"] = {"stories": len(set(corroboration.stories.values())),
                               "alignments": len(corroboration.alignments),
                               "findings": len(corroboration.findings)}
    outcome = None
    if config.backtranslate.engine != "none" or translator is not None:
        from audit.fidelity import assess

        findings_by_doc = {r.doc_id: [*fs, *extra.get(r.doc_id, [])] for fs, r in results}
        outcome = assess(docs, findings_by_doc, config, translator=translator or executor.translator(config),
                         progress=progress)
        info["backtranslate"] = outcome.info
        for doc_id, fs in outcome.findings.items():
            extra.setdefault(doc_id, []).extend(fs)
    per_doc: Iterable[tuple[list[Finding], DocumentResult]] = results
    if extra or outcome is not None or corroboration is not None:
        per_doc = _rescored(docs, results, extra, config, outcome, corroboration)
    try:
        return build_result(per_doc, info, segments=outcome.segments if outcome else None,
                            corroboration=corroboration, docs=docs, spool_dir=spool_dir)
    finally:
        results.close()


def _rescored(docs: Sequence[Document], results: Iterable[tuple[list[Finding], DocumentResult]],
              extra: dict[str, list[Finding]], config: Config, outcome: Any, corroboration: Any
              ) -> Iterator[tuple[list[Finding], DocumentResult]]:
    """Each document's rule outcome with the later passes' findings and scores folded in, one
    document at a time as `build_result` asks for them."""
    for doc, (fs, first) in zip(docs, results, strict=True):
        merged = decide([*fs, *extra.get(doc.doc_id, [])], config.policy)
        result = score(doc, merged, config.policy, outcome.documents.get(doc.doc_id) if outcome else None,
                       words=first.words)
        story = corroboration.stories.get(doc.doc_id) if corroboration is not None else None
        yield merged, replace(result, text="", story=story)


def _rule_pass(
    docs: Sequence[Document], dets: list[Detector], corpus: CorpusIndex, config: Config, executor: Executor,
    on_progress: Callable[[int], None] | None, checkpoint: Any, out: ObjectSpool,
) -> None:
    """Outcomes appended to `out` in corpus order, without texts (the texts stay in `docs`, read
    once here). They come back out of order (checkpoint hits at once, the executor's answers a
    window later): the few that wait for an earlier one are held until it comes."""
    waiting: dict[int, tuple[list[Finding], DocumentResult]] = {}
    sent: deque[tuple[int, Document]] = deque()  # documents the executor has read, not yet answered
    next_out = 0

    def done(i: int, outcome: tuple[list[Finding], DocumentResult]) -> None:
        nonlocal next_out
        waiting[i] = outcome
        while next_out in waiting:
            out.append(waiting.pop(next_out))
            next_out += 1
        if on_progress:
            on_progress(1)

    def todo() -> Iterator[Document]:
        for i, doc in enumerate(docs):
            hit = checkpoint.get(doc) if checkpoint is not None else None
            if hit is None:
                sent.append((i, doc))
                yield doc
            else:
                done(i, hit)

    for findings, result in executor.audit(todo(), dets, corpus, config):
        i, doc = sent.popleft()
        if checkpoint is not None:
            checkpoint.add(doc, findings, result)
        done(i, (findings, replace(result, text="")))
    if waiting or next_out != len(docs):
        raise RuntimeError(f"the rule pass lost documents: {next_out} of {len(docs)} in order")


def run(
    paths: str | Path | Sequence[str | Path],
    config: Config | None = None,
    out: str | Path | None = None,
    jobs: int = 1,
    detectors: Sequence[str] | None = None,
    progress: bool = False,
    source_dir: str | Path | None = None,
    report: bool = False,
    resume: bool = False,
    engine: str = "local",
    address: str | None = None,
) -> AuditResult:
    """Read a corpus, audit it and (with `out`) write the output contract's files.

    `source_dir` is a folder of originals matched to the documents by file name (source-aware
    fidelity when back-translation is on). `report` also writes the HTML report to `out/report/`.
    With `out`, finished documents are checkpointed in `out/.mtaudit/`; `resume` continues an
    interrupted run from there (and re-audits only documents whose text changed). `engine` is
    "local" or "ray" (`address`: the Ray cluster; see `audit.execution`).
    """
    config = config or Config()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    stream: Iterable[Document] = iter_documents(list(paths), config.max_bytes)
    if source_dir is not None:
        from audit.loaders import attach_sources

        stream = attach_sources(stream, source_dir, config.backtranslate.source_lang, config.max_bytes)
    from audit.docstore import DocumentStore
    from audit.execution import make_executor

    work = Path(out) / ".mtaudit" if out is not None else None  # spills next to the outputs
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
    docs = DocumentStore.from_documents(stream, work)  # streamed to disk, read back pass by pass
    executor = make_executor(engine, jobs=jobs, address=address)
    try:
        result = audit_documents(docs, config, jobs=jobs, detectors=detectors, progress=progress,
                                 checkpoint_dir=out, resume=resume, executor=executor,
                                 spool_dir=work)
        result.run_info["inputs"] = [str(p) for p in paths]
        if source_dir is not None:
            result.run_info["source_dir"] = str(source_dir)
        if out is not None:  # the tables go from the spool into their files before it is removed
            from audit.output import write_outputs

            release_freed_memory()  # the rows the tables were built from
            write_outputs(result, Path(out))
    finally:
        executor.close()
        docs.close()
    if out is not None and report:
        from audit.report import render_report

        result.run_info["report"] = str(render_report(Path(out), progress=progress))
    return result


def run_info(config: Config, dets: Sequence[Detector], n_docs: int) -> dict[str, Any]:
    from dataclasses import asdict

    from audit import __version__

    return {
        "mtaudit_version": __version__,
        "lang": config.lang,
        "documents": n_docs,
        "detectors": {d.name: d.version for d in dets},
        "config_hash": config.digest(),
        "policy": asdict(config.policy),
    }
