"""Typed records whose field names are the output contract's columns.

Detectors yield `Finding`s; only `audit.output` turns records into tables and files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Literal

CATEGORIES: tuple[str, ...] = (
    "merged_word",
    "entity",
    "untranslated",
    "boilerplate",
    "duplicate",
    "caption",
    "mt_disclosure",
    "grammar",
    "punctuation",
    "mistranslation",
    "inconsistency",
    "low_fidelity",
    "encoding",
)

# MQM (Multidimensional Quality Metrics) core typology: dimension/issue type.
MQM_CATEGORIES: dict[str, str] = {
    "merged_word": "Fluency/Spelling",
    "entity": "Accuracy/Mistranslation/Entity",
    "untranslated": "Accuracy/Untranslated text",
    "boilerplate": "Accuracy/Addition",
    "duplicate": "Accuracy/Addition",
    "caption": "Style/Awkward",
    "mt_disclosure": "Other/Disclosure",
    "grammar": "Fluency/Grammar",
    "punctuation": "Fluency/Punctuation",
    "mistranslation": "Accuracy/Mistranslation",
    "inconsistency": "Terminology/Inconsistent use",
    "low_fidelity": "Accuracy/Mistranslation",
    "encoding": "Fluency/Character encoding",
}

Severity = Literal["info", "minor", "major", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "minor", "major", "critical")


@dataclass(frozen=True, slots=True)
class Document:
    """One article as audited: `text` is exactly what finding offsets index."""

    doc_id: str
    text: str
    encoding: str = "utf-8"
    title: str | None = None
    url: str | None = None
    source: str | None = None
    source_lang: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of a document that a detector considers a problem, with its evidence."""

    doc_id: str
    start: int
    end: int
    text: str
    category: str
    severity: Severity
    detector: str
    message: str
    suggestion: str | None = None
    confidence: float = 1.0
    mqm_category: str = ""
    evidence: dict[str, float | str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.category not in MQM_CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}; known: {', '.join(CATEGORIES)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}; known: {', '.join(SEVERITIES)}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span {self.start}:{self.end}")
        if not self.mqm_category:
            object.__setattr__(self, "mqm_category", MQM_CATEGORIES[self.category])

    @property
    def finding_id(self) -> str:
        """Stable across runs of the same text: a reviewer's decision keeps pointing at it."""
        key = f"{self.doc_id}\0{self.start}\0{self.end}\0{self.category}\0{self.detector}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

    def with_(self, **changes: object) -> Finding:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """Per-document scores; `roundtrip_chrf`/`fidelity_chrf` stay null without back-translation."""

    doc_id: str
    text: str
    encoding: str
    words: int
    n_findings: int
    penalty: float
    quality: float
    needs_repair: bool
    roundtrip_chrf: float | None = None
    fidelity_chrf: float | None = None
    error: str | None = None
    rule_quality: float | None = None
    """Quality from rule findings alone; `quality` also folds in fidelity when it was measured."""
    fidelity_mode: str | None = None
    """"roundtrip", "source" or "none" when back-translation ran; null when it was not asked for."""
    fidelity_note: str | None = None
    story: str | None = None
    """Story id from cross-source corroboration (`story-0001`…); documents of one story cover one event."""


def content_hash(text: str) -> str:
    """sha256 of the audited text: `mtaudit apply` refuses a document that changed since."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
