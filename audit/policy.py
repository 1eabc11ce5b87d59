"""Turn detector evidence into decisions: final severity, penalty, quality and needs_repair.

Scoring (MQM-style):
    penalty = 100 * sum(weight[severity] for each finding) / max(words, 1)
    quality = 100 * exp(-penalty / quality_scale)
    needs_repair = quality < repair_threshold or (repair_on_critical and any critical finding)
With the default weights (info 0, minor 1, major 5, critical 25) and scale 10, one major error
per 100 words gives quality 61; one minor error per 100 words gives 90.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from audit.config import PolicyConfig
from audit.records import Document, DocumentResult, Finding
from audit.text import word_count


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


def score(doc: Document, findings: list[Finding], policy: PolicyConfig) -> DocumentResult:
    words = word_count(doc.text) if not doc.error else 0
    if doc.error:
        return DocumentResult(doc.doc_id, doc.text, doc.encoding, 0, 0, 0.0, 0.0, False,
                              error=doc.error)
    points = sum(policy.weights.get(f.severity, 0.0) for f in findings)
    penalty = 100.0 * points / max(words, 1)
    quality = 100.0 * math.exp(-penalty / policy.quality_scale)
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
    )
