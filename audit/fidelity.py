"""Back-translation fidelity: how much of each sentence's meaning survives machine translation.

Two modes, chosen per document:
- round trip (no source text): target -> pivot -> target, chrF between the sentence and its
  round trip. A sentence the MT engine cannot carry across and back (fused words, garbled names,
  broken syntax) comes back changed.
- source-aware (`source` + `source_lang` known): source and target sentences are aligned with
  MT help (`audit.translate.align`); each aligned pair gets the back-translation chrF (target
  translated into the source language, against the source) and the forward chrF (source
  translated into the target language, against the target). Source sentences left without a
  counterpart are omissions, target sentences without one are additions.

Findings come from the corpus distribution, not a fixed bar: a segment is `low_fidelity` when
its score is a robust outlier (median/MAD z-score, or a low quantile) among the corpus's
segments of the same mode. Sentences other detectors already explain (boilerplate, captions,
untranslated text...) are not scored, so the signal is about the translation itself.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit.config import BacktranslateConfig, Config
from audit.records import Document, Finding
from audit.text import Span, sentences, word_count, words
from audit.translate.align import align
from audit.translate.base import EngineUnavailable, make_engine, normalise_lang
from audit.translate.cache import CachedTranslator, TranslationCache, default_cache_path

log = logging.getLogger(__name__)

DETECTOR = "fidelity"
DEFAULT_PIVOT = {"bergamot": "pt", "apertium": "es"}
# MT drops unpaired quotes and normalises typography; neither is a loss of meaning.
_QUOTES = str.maketrans({"“": "", "”": "", "„": "", "«": "", "»": "", '"': "", "‘": "'", "’": "'",
                         "–": "-", "—": "-", "\u00a0": " "})

SEGMENT_COLUMNS = (
    "doc_id", "start", "end", "text", "pivot_text", "backtranslation", "chrf", "mode",
    "source_text", "source_mt", "forward_chrf", "fidelity", "bleu", "ter", "z", "skipped",
)


@dataclass
class DocFidelity:
    mode: str
    """"roundtrip", "source", or "none" (nothing scored)."""
    roundtrip_chrf: float | None = None
    fidelity_chrf: float | None = None
    note: str | None = None


@dataclass
class FidelityOutcome:
    segments: list[dict[str, Any]] = field(default_factory=list)
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    documents: dict[str, DocFidelity] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


# --- metrics ---------------------------------------------------------------------------------

class Scorer:
    """Sentence-level sacrebleu metrics on text without quote marks and with plain dashes."""

    def __init__(self, metrics: Sequence[str] = ("chrf",)) -> None:
        from sacrebleu.metrics import BLEU, CHRF, TER

        self._chrf = CHRF()
        self._bleu = BLEU(effective_order=True) if "bleu" in metrics else None
        self._ter = TER() if "ter" in metrics else None

    @staticmethod
    def _norm(text: str) -> str:
        return " ".join(text.translate(_QUOTES).split())

    def chrf(self, hypothesis: str, reference: str) -> float:
        if not hypothesis.strip() or not reference.strip():
            return 0.0
        return round(self._chrf.sentence_score(self._norm(hypothesis), [self._norm(reference)]).score, 2)

    def extra(self, hypothesis: str, reference: str) -> dict[str, float | None]:
        hyp, ref = self._norm(hypothesis), [self._norm(reference)]
        return {
            "bleu": round(self._bleu.sentence_score(hyp, ref).score, 2) if self._bleu else None,
            "ter": round(self._ter.sentence_score(hyp, ref).score, 2) if self._ter else None,
        }


# --- engine ----------------------------------------------------------------------------------

def build_translator(bt: BacktranslateConfig) -> CachedTranslator:
    """The configured engine behind the persistent cache; raises EngineUnavailable."""
    engine = make_engine(bt.engine, model=bt.model, batch_size=bt.batch_size, device=bt.device)
    cache = None
    if (bt.cache or "").lower() != "off":
        cache = TranslationCache(bt.cache or default_cache_path())
    return CachedTranslator(engine, cache, chunk_size=max(bt.batch_size, 64))


def default_pivot(bt: BacktranslateConfig, target_lang: str) -> str | None:
    if bt.pivot:
        return normalise_lang(bt.pivot)
    if bt.engine in DEFAULT_PIVOT:
        return DEFAULT_PIVOT[bt.engine]
    if bt.model:  # a Marian name such as opus-mt-en-es: the other side is the pivot
        import re

        m = re.search(r"-([a-z]{2,3})-([a-z]{2,3})$", bt.model.split(",")[0].rstrip("/"))
        if m:
            a, b = normalise_lang(m.group(1)), normalise_lang(m.group(2))
            return b if a == target_lang else a if b == target_lang else None
    return None


# --- segment selection -----------------------------------------------------------------------

def _explained(span: Span, findings: Sequence[Finding], categories: set[str]) -> str | None:
    for f in findings:
        if f.category in categories and f.start < span.end and span.start < f.end:
            return f"explained:{f.category}"
    return None


def _suspicious(span: Span, findings: Sequence[Finding], lang: str) -> bool:
    from audit.lang import zipf

    if any(f.start < span.end and span.start < f.end for f in findings):
        return True
    return any(w.text.islower() and len(w.text) > 3 and zipf(w.text, lang) == 0.0 for w in words(span.text))


def _select(
    doc: Document, text_lang: str, findings: Sequence[Finding], bt: BacktranslateConfig
) -> list[tuple[Span, str | None]]:
    """Every sentence of the document with the reason it is not scored (None: scored)."""
    skip = set(bt.skip_categories)
    out: list[tuple[Span, str | None]] = []
    for span in sentences(doc.text, text_lang):
        reason = _explained(span, findings, skip)
        if reason is None and word_count(span.text) < bt.min_words:
            reason = "short"
        out.append((span, reason))
    if bt.sample == "suspicious":
        rest = [f for f in findings if f.category not in skip]
        out = [(s, r if r or _suspicious(s, rest, text_lang) else "sample") for s, r in out]
    elif isinstance(bt.sample, int) and bt.sample > 0:
        scored = [i for i, (_, r) in enumerate(out) if r is None]
        if len(scored) > bt.sample:
            step = len(scored) / bt.sample
            keep = {scored[int(k * step)] for k in range(bt.sample)}
            out = [(s, r if r or i in keep else "sample") for i, (s, r) in enumerate(out)]
    return out


# --- the assessment --------------------------------------------------------------------------

def assess(
    docs: Sequence[Document],
    findings_by_doc: dict[str, list[Finding]],
    config: Config,
    translator: CachedTranslator | None = None,
    progress: bool = False,
) -> FidelityOutcome:
    """Translate, score and flag; never raises for an engine problem (it is reported instead)."""
    bt = config.backtranslate
    outcome = FidelityOutcome(info={"engine": bt.engine})
    if bt.engine == "none" and translator is None:
        return outcome
    owned = translator is None
    try:
        translator = translator or build_translator(bt)
    except EngineUnavailable as exc:
        return _skipped(outcome, docs, str(exc))
    try:
        return _assess(docs, findings_by_doc, config, translator, progress, outcome)
    finally:
        if owned:
            translator.engine.close()


def _assess(
    docs: Sequence[Document], findings_by_doc: dict[str, list[Finding]], config: Config,
    translator: CachedTranslator, progress: bool, outcome: FidelityOutcome,
) -> FidelityOutcome:
    bt = config.backtranslate
    hits, misses = translator.hits, translator.misses
    tl = normalise_lang(config.lang)
    pivot = default_pivot(bt, tl) if bt.engine != "none" else bt.pivot
    outcome.info.update(translator.engine.describe(), pivot=pivot, target_lang=tl)
    scorer = Scorer(bt.metrics)

    roundtrip_docs: list[Document] = []
    source_docs: list[tuple[Document, str]] = []
    for doc in docs:
        if doc.error:
            continue
        src_lang = normalise_lang(doc.source_lang) if doc.source_lang else None
        if doc.source and doc.source.strip() and src_lang:
            if src_lang == tl or (translator.supports(src_lang, tl) and translator.supports(tl, src_lang)):
                source_docs.append((doc, src_lang))
                continue
            note = f"no {translator.engine.name} engine for {src_lang}<->{tl}; round trip instead"
            outcome.documents[doc.doc_id] = DocFidelity("roundtrip", note=note)
        roundtrip_docs.append(doc)

    try:
        if roundtrip_docs:
            _roundtrip(roundtrip_docs, findings_by_doc, bt, tl, pivot, translator, scorer, outcome, progress)
        if source_docs:
            _source_aware(source_docs, findings_by_doc, bt, tl, translator, scorer, outcome, progress)
    except EngineUnavailable as exc:
        return _skipped(FidelityOutcome(info=outcome.info), docs, str(exc))
    _flag_outliers(outcome, docs, bt)
    outcome.info.update(cache_hits=translator.hits - hits, cache_misses=translator.misses - misses,
                        segments=len(outcome.segments),
                        scored=sum(1 for s in outcome.segments if s["fidelity"] is not None))
    return outcome


def _skipped(outcome: FidelityOutcome, docs: Sequence[Document], reason: str) -> FidelityOutcome:
    log.warning("back-translation skipped: %s", reason)
    outcome.info["skipped"] = reason
    for doc in docs:
        outcome.documents[doc.doc_id] = DocFidelity("none", note=f"back-translation skipped: {reason}")
    return outcome


def _translate_all(
    translator: CachedTranslator, texts: Sequence[str], src: str, tgt: str, label: str, progress: bool
) -> list[str]:
    from audit.progress import progress_bar

    unique = len({t for t in texts if t.strip()})
    with progress_bar(unique, label, progress and unique > 0) as tick:
        return translator.translate(texts, src, tgt, on_progress=tick)


def _row(doc_id: str, mode: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SEGMENT_COLUMNS)
    row.update(doc_id=doc_id, mode=mode, **values)
    return row


def _roundtrip(
    docs: Sequence[Document], findings_by_doc: dict[str, list[Finding]], bt: BacktranslateConfig,
    tl: str, pivot: str | None, translator: CachedTranslator, scorer: Scorer,
    outcome: FidelityOutcome, progress: bool,
) -> None:
    if not pivot or pivot == tl:
        raise EngineUnavailable(f"no pivot language for a round trip from {tl}; set --pivot")
    if not (translator.supports(tl, pivot) and translator.supports(pivot, tl)):
        raise EngineUnavailable(f"{translator.engine.name} cannot translate {tl}<->{pivot}; "
                                "choose another --pivot or engine")
    selected = {d.doc_id: _select(d, tl, findings_by_doc.get(d.doc_id, []), bt) for d in docs}
    texts = [s.text for d in docs for s, r in selected[d.doc_id] if r is None]
    there = dict(zip(texts, _translate_all(translator, texts, tl, pivot, f"MT {tl}->{pivot}", progress),
                     strict=True))
    pivots = list(dict.fromkeys(there.values()))
    back = dict(zip(pivots, _translate_all(translator, pivots, pivot, tl, f"MT {pivot}->{tl}", progress),
                    strict=True))
    for doc in docs:
        scores = []
        for span, reason in selected[doc.doc_id]:
            row = _row(doc.doc_id, "roundtrip", start=span.start, end=span.end, text=span.text,
                       skipped=reason)
            if reason is None:
                mid = there[span.text]
                bt_text = back.get(mid, "")
                chrf = scorer.chrf(bt_text, span.text)
                row.update(pivot_text=mid, backtranslation=bt_text, chrf=chrf, fidelity=chrf,
                           **scorer.extra(bt_text, span.text))
                scores.append(chrf)
            outcome.segments.append(row)
        prior = outcome.documents.get(doc.doc_id)
        outcome.documents[doc.doc_id] = DocFidelity(
            "roundtrip",
            roundtrip_chrf=round(statistics.fmean(scores), 2) if scores else None,
            note=(prior.note if prior else None) or (None if scores else "no sentence scored"),
        )


def _source_aware(
    items: Sequence[tuple[Document, str]], findings_by_doc: dict[str, list[Finding]],
    bt: BacktranslateConfig, tl: str, translator: CachedTranslator, scorer: Scorer,
    outcome: FidelityOutcome, progress: bool,
) -> None:
    prepared = []
    for doc, src_lang in items:
        src_spans = sentences(doc.source or "", src_lang)
        chosen = _select_all(doc, tl, findings_by_doc.get(doc.doc_id, []), bt)
        prepared.append((doc, src_lang, src_spans, chosen))
    by_lang: dict[str, tuple[list[str], list[str]]] = {}
    for _doc, src_lang, src_spans, chosen in prepared:
        srcs, tgts = by_lang.setdefault(src_lang, ([], []))
        srcs.extend(s.text for s in src_spans)
        tgts.extend(s.text for s, r in chosen if r is None)
    forward: dict[tuple[str, str], str] = {}
    backward: dict[tuple[str, str], str] = {}
    for lang, (srcs, tgts) in by_lang.items():
        for s, t in zip(srcs, _translate_all(translator, srcs, lang, tl, f"MT {lang}->{tl}", progress),
                        strict=True):
            forward[(lang, s)] = t
        for s, t in zip(tgts, _translate_all(translator, tgts, tl, lang, f"MT {tl}->{lang}", progress),
                        strict=True):
            backward[(lang, s)] = t
    for doc, src_lang, src_spans, chosen in prepared:
        _score_source_doc(doc, src_lang, src_spans, chosen, forward, backward, bt, scorer, outcome)


def _select_all(
    doc: Document, tl: str, findings: Sequence[Finding], bt: BacktranslateConfig
) -> list[tuple[Span, str | None]]:
    """Source-aware alignment needs every sentence: only explained ones stay out (no sampling)."""
    skip = set(bt.skip_categories)
    return [(s, _explained(s, findings, skip)) for s in sentences(doc.text, tl)]


def _score_source_doc(
    doc: Document, src_lang: str, src_spans: list[Span], chosen: list[tuple[Span, str | None]],
    forward: dict[tuple[str, str], str], backward: dict[tuple[str, str], str],
    bt: BacktranslateConfig, scorer: Scorer, outcome: FidelityOutcome,
) -> None:
    tgt_spans = [s for s, r in chosen if r is None]
    for span, reason in chosen:
        if reason is not None:
            outcome.segments.append(_row(doc.doc_id, "source", start=span.start, end=span.end,
                                         text=span.text, skipped=reason))
    src_mt = [forward[(src_lang, s.text)] for s in src_spans]
    beads = align(src_mt, [s.text for s in tgt_spans], scorer.chrf, min_similarity=bt.align_min_chrf)
    findings = outcome.findings.setdefault(doc.doc_id, [])
    weighted, total = 0.0, 0
    last_target: Span | None = None
    pending_omissions: list[int] = []
    for bead in beads:
        src_text = " ".join(src_spans[i].text for i in bead.source)
        if bead.target:
            group = [tgt_spans[j] for j in bead.target]
            start, end = group[0].start, group[-1].end
            text = doc.text[start:end]
        if bead.source and bead.target:
            back_text = " ".join(backward[(src_lang, s.text)] for s in group)
            mt_text = " ".join(src_mt[i] for i in bead.source)
            chrf = scorer.chrf(back_text, src_text)
            fwd = scorer.chrf(mt_text, text)
            fid = round((chrf + fwd) / 2, 2)
            outcome.segments.append(_row(
                doc.doc_id, "source", start=start, end=end, text=text, backtranslation=back_text,
                chrf=chrf, source_text=src_text, source_mt=mt_text, forward_chrf=fwd, fidelity=fid,
                **scorer.extra(back_text, src_text)))
            size = len(src_text) + len(text)
            weighted, total = weighted + fid * size, total + size
            last_target = Span(start, end, text)
            for i in pending_omissions:
                findings.extend(_omission(doc, src_spans[i], src_mt[i], last_target, bt))
            pending_omissions = []
        elif bead.source:
            i = bead.source[0]
            outcome.segments.append(_row(doc.doc_id, "source", text=None, source_text=src_text,
                                         source_mt=src_mt[i], fidelity=None, skipped="omission"))
            total += len(src_text) if word_count(src_text) >= bt.min_words else 0
            if last_target is not None:
                findings.extend(_omission(doc, src_spans[i], src_mt[i], last_target, bt))
            else:
                pending_omissions.append(i)
        else:
            outcome.segments.append(_row(doc.doc_id, "source", start=start, end=end, text=text,
                                         skipped="addition"))
            if word_count(text) >= bt.min_words:
                total += len(text)
                findings.append(_finding(
                    doc, start, end, "minor" if word_count(text) < 15 else "major",
                    "addition: this sentence has no counterpart in the source text",
                    0.6, mqm="Accuracy/Addition"))
    fidelity = round(weighted / total, 2) if total else None
    outcome.documents[doc.doc_id] = DocFidelity("source", fidelity_chrf=fidelity,
                                                note=None if total else "no sentence aligned")


def _omission(doc: Document, source: Span, source_mt: str, anchor: Span,
              bt: BacktranslateConfig) -> list[Finding]:
    n = word_count(source.text)
    if n < bt.min_words:
        return []
    quote = source.text if len(source.text) <= 160 else source.text[:157] + "..."
    return [_finding(
        doc, anchor.start, anchor.end, "minor" if n < 15 else "major",
        f"omission: the source sentence «{quote}» (MT: «{source_mt[:160]}») has no counterpart "
        "near here", 0.6, mqm="Accuracy/Omission", suggestion=source_mt or None)]


def _finding(doc: Document, start: int, end: int, severity: Any, message: str, confidence: float,
             mqm: str = "Accuracy/Mistranslation", suggestion: str | None = None,
             **evidence: float | str) -> Finding:
    return Finding(doc_id=doc.doc_id, start=start, end=end, text=doc.text[start:end],
                   category="low_fidelity", severity=severity, detector=DETECTOR, message=message,
                   suggestion=suggestion, confidence=round(confidence, 3), mqm_category=mqm,
                   evidence=dict(evidence))


# --- outliers --------------------------------------------------------------------------------

def robust_z(values: Sequence[float]) -> Callable[[float], float]:
    """z = (x - median) / (1.4826 * MAD), with a floor on the spread so a tight corpus stays calm."""
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values)
    spread = max(1.4826 * mad, 2.0)
    return lambda x: (x - med) / spread


def _flag_outliers(outcome: FidelityOutcome, docs: Iterable[Document], bt: BacktranslateConfig) -> None:
    by_id = {d.doc_id: d for d in docs}
    for mode in ("roundtrip", "source"):
        rows = [r for r in outcome.segments if r["mode"] == mode and r["fidelity"] is not None]
        if len(rows) < bt.min_segments:
            continue
        values = [r["fidelity"] for r in rows]
        z_of = robust_z(values)
        med = statistics.median(values)
        cut = None
        if bt.outlier == "quantile":
            ordered = sorted(values)
            cut = ordered[max(0, math.ceil(bt.quantile * len(ordered)) - 1)]
        threshold = bt.z_threshold if mode == "source" else bt.roundtrip_z_threshold
        for r in rows:
            z = round(z_of(r["fidelity"]), 2)
            r["z"] = z
            flagged = r["fidelity"] <= cut if cut is not None else z <= -threshold
            if not flagged or med - r["fidelity"] < bt.min_drop:
                continue
            if mode == "roundtrip" and r["fidelity"] > bt.max_flag_chrf:
                continue
            excess = -z - threshold
            severity = "major" if excess >= 2.0 else "minor"
            doc = by_id[r["doc_id"]]
            what = ("round trip through " + (outcome.info.get("pivot") or "?") if mode == "roundtrip"
                    else "translation against its source")
            back = r["backtranslation"] or ""
            outcome.findings.setdefault(doc.doc_id, []).append(_finding(
                doc, r["start"], r["end"], severity,
                f"low fidelity: {what} scores chrF {r['fidelity']:.1f} (corpus median {med:.1f}, "
                f"z {z:.1f}); back-translation: «{back[:200]}»",
                0.55 + min(0.4, 0.1 * max(0.0, excess + 1)),
                mqm="Accuracy/Mistranslation", chrf=r["fidelity"], z=z))
