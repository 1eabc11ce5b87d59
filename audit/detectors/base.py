"""The detector contract: declare what you emit, report spans with evidence.

A detector never decides final severity or document quality: it proposes a severity and a
confidence, and `audit.policy` applies the configured thresholds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import ClassVar

from audit.corpus import CorpusIndex
from audit.records import Document, Finding, Severity


class Detector(ABC):
    """Subclasses set the class attributes and implement `detect`.

    Constructor keyword arguments are the detector's configuration: the TOML section
    `[detectors.<name>]` is checked against them, so every knob needs a default.
    """

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    categories: ClassVar[tuple[str, ...]]
    needs_source: ClassVar[bool] = False
    extra: ClassVar[str | None] = None  # optional dependency group, e.g. "mt"

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang

    def fit(self, docs: Sequence[Document], corpus: CorpusIndex) -> None:  # noqa: B027
        """Collect corpus-level evidence before `detect` runs (optional)."""

    def state(self) -> object:
        """What `fit` learnt, JSON-able: a resumed run reuses findings only while it is unchanged."""
        return None

    @abstractmethod
    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        """Yield findings whose `text == doc.text[start:end]`."""

    def finding(
        self,
        doc: Document,
        start: int,
        end: int,
        category: str,
        severity: Severity,
        message: str,
        suggestion: str | None = None,
        confidence: float = 1.0,
        **evidence: float | str,
    ) -> Finding:
        return Finding(
            doc_id=doc.doc_id,
            start=start,
            end=end,
            text=doc.text[start:end],
            category=category,
            severity=severity,
            detector=self.name,
            message=message,
            suggestion=suggestion,
            confidence=round(max(0.0, min(1.0, confidence)), 3),
            evidence=dict(evidence),
        )
