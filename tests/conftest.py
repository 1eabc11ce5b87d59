from __future__ import annotations

from pathlib import Path

import pytest

from audit.corpus import CorpusIndex
from audit.detectors import detector_class
from audit.records import Document, Finding

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_CORPUS = ROOT / "reference" / "corpus"
GOLD = ROOT / "reference" / "gold" / "seeds.jsonl"


def run_detector(name: str, texts: list[str] | str, lang: str = "en", **options) -> list[Finding]:
    """Fit and run one detector over documents built from `texts` (ids d0, d1, ...)."""
    if isinstance(texts, str):
        texts = [texts]
    docs = [Document(doc_id=f"d{i}", text=t) for i, t in enumerate(texts)]
    corpus = CorpusIndex.build(docs)
    det = detector_class(name)(lang=lang, **options)
    det.fit(docs, corpus)
    out = [f for d in docs for f in det.detect(d, corpus)]
    for f in out:
        doc = next(d for d in docs if d.doc_id == f.doc_id)
        assert doc.text[f.start : f.end] == f.text
    return out


@pytest.fixture
def reference_corpus() -> Path:
    return REFERENCE_CORPUS
