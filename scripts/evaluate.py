"""Score an audit against gold annotations: per-category recall and unmatched findings.

A gold item is found when a finding on the same document, with a category in the item's
`accept` list, overlaps its span. Findings that match no gold item are listed for review.

    python scripts/evaluate.py --corpus reference/corpus --gold reference/gold/seeds.jsonl
    python scripts/evaluate.py --findings reports/reference/findings.jsonl --gold ...
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl


@dataclass
class Evaluation:
    gold: list[dict[str, Any]]
    found: list[bool]
    findings: list[dict[str, Any]]
    matched_finding: list[bool]

    def recall(self, required_only: bool = True, category: str | None = None) -> float:
        pairs = [
            (g, hit) for g, hit in zip(self.gold, self.found, strict=True)
            if (g["required"] or not required_only) and (category is None or g["category"] == category)
        ]
        return sum(hit for _, hit in pairs) / len(pairs) if pairs else float("nan")

    @property
    def unmatched(self) -> list[dict[str, Any]]:
        return [f for f, m in zip(self.findings, self.matched_finding, strict=True) if not m]

    def precision(self) -> float:
        """Share of findings that match a gold item (a floor: the gold is not exhaustive)."""
        return sum(self.matched_finding) / len(self.findings) if self.findings else float("nan")


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(findings: list[dict[str, Any]], gold: list[dict[str, Any]]) -> Evaluation:
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        by_doc[f["doc_id"]].append(i)
    found = []
    matched = [False] * len(findings)
    for g in gold:
        hit = False
        for i in by_doc.get(g["doc"], []):
            f = findings[i]
            if f["category"] in g["accept"] and f["start"] < g["end"] and g["start"] < f["end"]:
                hit = True
                matched[i] = True
        found.append(hit)
    return Evaluation(gold, found, findings, matched)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--corpus", help="audit this corpus first (rules only)")
    src.add_argument("--findings", help="read findings.jsonl or findings.parquet")
    ap.add_argument("--gold", default="reference/gold/seeds.jsonl")
    ap.add_argument("--config", help="TOML config for the audit")
    args = ap.parse_args(argv)

    if args.corpus:
        import audit

        result = audit.run(args.corpus, audit.Config.load(args.config))
        findings = result.findings.to_dicts()
    elif args.findings.endswith(".parquet"):
        findings = pl.read_parquet(args.findings).to_dicts()
    else:
        findings = pl.read_ndjson(args.findings).to_dicts() if Path(args.findings).stat().st_size else []
    ev = evaluate(findings, load_gold(args.gold))

    cats = sorted({g["category"] for g in ev.gold})
    print(f"{'category':16} {'required':>12} {'all':>12}")
    for c in cats:
        req = [(g, h) for g, h in zip(ev.gold, ev.found, strict=True) if g["category"] == c and g["required"]]
        al = [(g, h) for g, h in zip(ev.gold, ev.found, strict=True) if g["category"] == c]
        fmt = lambda xs: f"{sum(h for _, h in xs)}/{len(xs)}" if xs else "-"  # noqa: E731
        print(f"{c:16} {fmt(req):>12} {fmt(al):>12}")
    print(f"\nrecall (required): {ev.recall(True):.3f}   recall (all): {ev.recall(False):.3f}")
    print(f"findings: {len(findings)}, matching gold: {sum(ev.matched_finding)} "
          f"(precision floor {ev.precision():.3f})")
    missed = [g for g, h in zip(ev.gold, ev.found, strict=True) if not h]
    if missed:
        print("\nmissed gold items:")
        for g in missed:
            tag = "REQUIRED" if g["required"] else "optional"
            print(f"  [{tag}] {g['doc']} {g['start']}-{g['end']} {g['category']}: {g['text'][:70]!r}")
    if ev.unmatched:
        print("\nfindings matching no gold item (review as possible false positives):")
        for f in ev.unmatched:
            print(f"  {f['doc_id']} {f['start']}-{f['end']} {f['category']}/{f['detector']}: "
                  f"{f['text'][:60]!r} - {f['message'][:80]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
