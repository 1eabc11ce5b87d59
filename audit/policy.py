"""Turn detector evidence into decisions: final severity, penalty, quality and needs_repair.

Scoring (MQM-style):
    penalty = 100 * sum(weight[severity] for each finding) / max(words, 1)
    quality = 100 * exp(-penalty / quality_scale)
    needs_repair = quality < repair_threshold or (repair_on_critical and any critical finding)
With the default weights (info 0, minor 1, major 5, critical 25) and scale 10, one major error
per 100 words gives quality 61; one minor error per 100 words gives 90.

When back-translation measured the document, fidelity takes a share `w` of the score:
    quality = (1 - w) * rule_quality + w * 100 * min(1, chrF / full_chrf)
with w = fidelity_weight and chrF = fidelity_chrf for source-aware documents, w = roundtrip_weight
and chrF = roundtrip_chrf for round trips; `rule_quality` is the formula above.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from audit.config import PolicyConfig
from audit.records import Document, DocumentResult, Finding
from audit.text import word_count

if TYPE_CHECKING:
    from audit.fidelity import DocFidelity


def decide(findings: Iterable[Finding], policy: PolicyConfig) -> list[Finding]:
    """Drop low-confidence findings, apply severity overrides, sort in reading order."""
    out = []
    for f in findings:
        if f.confidence < policy.min_confidence:
            continue
        override = policy.severity.get(f.category)
        out.append(f.with_(severity=override) if override else f)
    out.sort(key=lambda f: (f.start, f.end, f.category, f.detector))
    return out


def score(
    doc: Document,
    findings: list[Finding],
    policy: PolicyConfig,
    fidelity: DocFidelity | None = None,
    words: int | None = None,
) -> DocumentResult:
    """`words`: the document's word count when already known (rescoring after the corpus passes
    reuses the rule pass's count instead of tokenising every text again)."""
    if doc.error:
        words = 0
    elif words is None:
        words = word_count(doc.text)
    if doc.error:
        return DocumentResult(doc.doc_id, doc.text, doc.encoding, 0, 0, 0.0, 0.0, False,
                              error=doc.error, fidelity_mode=fidelity.mode if fidelity else None)
    points = sum(policy.weights.get(f.severity, 0.0) for f in findings)
    penalty = 100.0 * points / max(words, 1)
    rule_quality = 100.0 * math.exp(-penalty / policy.quality_scale)
    quality = fold_fidelity(rule_quality, fidelity, policy)
    needs_repair = quality < policy.repair_threshold or (
        policy.repair_on_critical and any(f.severity == "critical" for f in findings)
    )
    return DocumentResult(
        doc_id=doc.doc_id,
        text=doc.text,
        encoding=doc.encoding,
        words=words,
        n_findings=len(findings),
        penalty=round(penalty, 3),
        quality=round(quality, 2),
        needs_repair=needs_repair,
        roundtrip_chrf=fidelity.roundtrip_chrf if fidelity else None,
        fidelity_chrf=fidelity.fidelity_chrf if fidelity else None,
        rule_quality=round(rule_quality, 2),
        fidelity_mode=fidelity.mode if fidelity else None,
        fidelity_note=fidelity.note if fidelity else None,
    )


def fold_fidelity(rule_quality: float, fidelity: DocFidelity | None, policy: PolicyConfig) -> float:
    if fidelity is None:
        return rule_quality
    if fidelity.fidelity_chrf is not None:
        weight, part = policy.fidelity_weight, fidelity.fidelity_chrf / policy.fidelity_full_chrf
    elif fidelity.roundtrip_chrf is not None:
        weight, part = policy.roundtrip_weight, fidelity.roundtrip_chrf / policy.roundtrip_full_chrf
    else:
        return rule_quality
    return (1.0 - weight) * rule_quality + weight * 100.0 * max(0.0, min(1.0, part))
