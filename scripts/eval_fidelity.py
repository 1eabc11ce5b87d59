"""How well fidelity scores separate corrupted translations from intact ones (ROC AUC).

Real Portuguese articles (`tests/fixtures/pt_news.jsonl`) are translated sentence by sentence
with the configured engine; then every other sentence is corrupted the way MT and editing break
meaning: its last clause dropped, its first auxiliary negated, or another person named. Each
scored segment is labelled corrupted when it contains a corrupted sentence; the AUC is the chance
that a corrupted segment scores below an intact one (0.5 = no signal, 1 = perfect ranking).

Printed for source-aware mode (fidelity, and its two halves) and, on the same English text
without the source, for the round trip.

    python scripts/eval_fidelity.py [--engine bergamot] [--cache FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit import Config, Document, audit_documents  # noqa: E402
from audit.fidelity import build_translator  # noqa: E402
from audit.text import sentences  # noqa: E402
from audit.translate.cache import CachedTranslator  # noqa: E402

ARTICLES = ROOT / "tests" / "fixtures" / "pt_news.jsonl"
_AUX = re.compile(r"\b(is|was|are|were|will|would|has|have|had|can|could|should|must)\b")
_NAME = re.compile(r"\b[A-Z][a-zà-ú]+ [A-Z][a-zà-ú]+(?: [A-Z][a-zà-ú]+)?\b")


def load_articles(path: Path = ARTICLES) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def corrupt(sentence: str, kind: int, other_name: str = "Marcelo Tavares Lins") -> str:
    """Drop the last clause (0), negate the first auxiliary (1), or put another person in (2)."""
    if kind == 0 and "," in sentence:
        return sentence[: sentence.rfind(",")] + "."
    if kind == 1 and _AUX.search(sentence):
        return _AUX.sub(lambda m: m.group(1) + " not", sentence, count=1)
    names = _NAME.findall(sentence[1:])
    if kind == 2 and names:
        return sentence.replace(names[0], other_name)
    return sentence


def corrupted_corpus(
    translator: CachedTranslator, articles: Sequence[dict[str, str]], src_lang: str = "pt",
    tgt_lang: str = "en",
) -> tuple[list[Document], set[str]]:
    """Documents with `source` set, and the set of corrupted target sentences."""
    docs, corrupted = [], set()
    for k, art in enumerate(articles):
        paragraphs, n = [], 0
        for para in art["text"].split("\n\n"):
            src = [s.text for s in sentences(para, src_lang)]
            out = []
            for en in translator.translate(src, src_lang, tgt_lang):
                new = corrupt(en, n % 3) if (n + k) % 2 == 0 else en
                n += 1
                if new != en:
                    corrupted.add(new)
                out.append(new)
            paragraphs.append(" ".join(out))
        docs.append(Document(doc_id=art["id"], text="\n\n".join(paragraphs), source=art["text"],
                             source_lang=src_lang))
    return docs, corrupted


def roc_auc(intact: Sequence[float], corrupted: Sequence[float]) -> float:
    """Probability that a corrupted segment scores below an intact one (ties count half)."""
    pairs = [(c < i) + 0.5 * (c == i) for c in corrupted for i in intact]
    return sum(pairs) / len(pairs)


def auc_of(segments: pl.DataFrame, corrupted: set[str], column: str) -> tuple[float, int, int]:
    rows = segments.filter(pl.col(column).is_not_null())
    bad, good = [], []
    for text, value in rows.select("text", column).iter_rows():
        (bad if any(c in text for c in corrupted) else good).append(value)
    return roc_auc(good, bad), len(bad), len(good)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="bergamot")
    parser.add_argument("--cache", help="translation cache file (default: a temporary one)")
    args = parser.parse_args(argv)
    cache = args.cache or str(Path(tempfile.mkdtemp()) / "translations.sqlite")
    config = Config.from_dict({"backtranslate": {"engine": args.engine, "cache": cache}})
    translator = build_translator(config.backtranslate)
    docs, corrupted = corrupted_corpus(translator, load_articles())
    source = audit_documents(docs, config).segments
    roundtrip = audit_documents([replace(d, source=None, source_lang=None) for d in docs], config).segments
    print(f"{len(docs)} articles, {len(corrupted)} corrupted sentences, engine {args.engine}")
    print(f"{'mode':12} {'score':14} {'AUC':>6} {'corrupted':>9} {'intact':>6}")
    for mode, frame, column in (("source", source, "fidelity"), ("source", source, "chrf"),
                                ("source", source, "forward_chrf"), ("roundtrip", roundtrip, "chrf")):
        auc, n_bad, n_good = auc_of(frame, corrupted, column)
        print(f"{mode:12} {column:14} {auc:6.3f} {n_bad:9} {n_good:6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
