from __future__ import annotations

import math

from audit.config import PolicyConfig
from audit.policy import decide, score
from audit.records import Document, Finding

TEXT = " ".join(["word"] * 100)
DOC = Document("d", TEXT)


def f(sev: str, conf: float = 1.0, cat: str = "grammar", start: int = 0) -> Finding:
    return Finding("d", start, start + 4, "word", cat, sev, "t", "m", confidence=conf)  # type: ignore[arg-type]


def test_penalty_is_weighted_points_per_100_words() -> None:
    res = score(DOC, [f("minor"), f("major", start=5), f("info", start=10)], PolicyConfig())
    assert res.words == 100
    assert res.penalty == 6.0
    assert res.quality == round(100 * math.exp(-0.6), 2)
    assert res.needs_repair is True  # 54.88 < 80


def test_clean_document_scores_100() -> None:
    res = score(DOC, [], PolicyConfig())
    assert (res.penalty, res.quality, res.needs_repair) == (0.0, 100.0, False)


def test_one_critical_finding_forces_repair_unless_disabled() -> None:
    crit = [f("critical")]
    long_doc = Document("d", " ".join(["word"] * 10_000))
    assert score(long_doc, crit, PolicyConfig()).needs_repair is True
    assert score(long_doc, crit, PolicyConfig(repair_on_critical=False)).needs_repair is False


def test_decide_drops_low_confidence_and_applies_overrides() -> None:
    out = decide([f("minor", 0.3, start=9), f("minor", cat="caption", start=1)],
                 PolicyConfig(severity={"caption": "info"}))
    assert [(x.category, x.severity) for x in out] == [("caption", "info")]


def test_error_documents_are_not_scored() -> None:
    res = score(Document("bad", "", error="empty document"), [], PolicyConfig())
    assert res.error == "empty document" and res.needs_repair is False
