"""Benchmark cross-source corroboration: speed, memory and, where the truth is known, quality.

Corroboration is corpus-wide (every document is compared with the others to find its story), so
it is the part of an audit whose cost grows fastest with the corpus. This script loads one corpus
folder as the auditor does, runs `audit.corroborate.corroborate` once with the default config and
prints what it found, the wall time of each phase (`result.timings`) and the peak resident memory.

Where the folder holds the truth it also scores the result:

- truth.json ({doc_id: story_id}, written by scripts/make_story_corpus.py) or planted.json with a
  "stories" map ({story: [doc_id, ...]}, tests/fixtures/stories): pairwise precision, recall and
  F1 of "same story" over all document pairs, counted from the contingency table of true and
  found stories (sum of C(n, 2) over its cells), never by enumerating pairs;
- planted.json disagreements (a list with start/end offsets, or the fixtures' "disagreements"
  with the differing text): how many of them a finding overlaps, and how many findings fall
  elsewhere (on synthetic corpora some of those are honest: the source text has its own).

    python scripts/make_story_corpus.py --docs 5000 --out /tmp/stories5k
    python scripts/bench_corroborate.py /tmp/stories5k [--jobs 1] [--json]
    python scripts/bench_corroborate.py tests/fixtures/stories
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from audit import Config
from audit.loaders import iter_documents
from audit.records import Document, Finding


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pair_scores(truth: Mapping[str, str], found: Mapping[str, str]) -> dict[str, float]:
    """Pairwise precision/recall/F1 of "same story" over the documents in `truth`.

    A document missing from `found` is its own story. Counts come from the contingency table, so
    this is linear in the number of documents.
    """
    found_full = {d: found.get(d, f"\0{d}") for d in truth}
    cells = Counter((truth[d], found_full[d]) for d in truth)
    same_both = sum(_pairs(n) for n in cells.values())
    same_truth = sum(_pairs(n) for n in Counter(truth.values()).values())
    same_found = sum(_pairs(n) for n in Counter(found_full.values()).values())
    precision = same_both / same_found if same_found else 1.0
    recall = same_both / same_truth if same_truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": same_truth,
            "found_pairs": same_found, "correct_pairs": same_both}


def load_truth(folder: Path) -> tuple[dict[str, str] | None, list[dict[str, Any]]]:
    """Story truth ({doc_id: story}) and planted disagreements of a corpus folder, where it has them."""
    truth: dict[str, str] | None = None
    planted: list[dict[str, Any]] = []
    if (folder / "truth.json").exists():
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    if (folder / "planted.json").exists():
        data = json.loads((folder / "planted.json").read_text(encoding="utf-8"))
        if isinstance(data, dict):  # the hand-written fixtures
            if truth is None and "stories" in data:
                truth = {doc: story for story, docs in data["stories"].items() for doc in docs}
            planted = list(data.get("disagreements", []))
        else:
            planted = list(data)
    return truth, planted


def _planted_span(item: Mapping[str, Any], texts: Mapping[str, str]) -> tuple[int, int] | None:
    if "start" in item:
        return int(item["start"]), int(item["end"])
    text = texts.get(item["doc"], "")
    pos = text.find(item["text"])
    return (pos, pos + len(item["text"])) if pos >= 0 else None


def planted_hits(planted: Sequence[Mapping[str, Any]], findings: Iterable[Finding],
                 texts: Mapping[str, str]) -> dict[str, Any]:
    """Which planted disagreements a finding overlaps; findings that overlap none."""
    by_doc: dict[str, list[Finding]] = {}
    for f in findings:
        by_doc.setdefault(f.doc_id, []).append(f)
    found, missed, used = [], [], set()
    for item in planted:
        span = _planted_span(item, texts)
        hits = [f for f in by_doc.get(item["doc"], []) if span and f.start < span[1] and span[0] < f.end]
        (found if hits else missed).append(item)
        used.update(id(f) for f in hits)
    others = [f for fs in by_doc.values() for f in fs if id(f) not in used]
    return {"planted": len(planted), "found": len(found), "missed": missed, "other_findings": others}


def _call(docs: list[Document], config: Config, jobs: int) -> tuple[Any, str | None]:
    from audit.corroborate import corroborate

    note = None if jobs == 1 else f"--jobs {jobs} ignored: corroboration runs in one process"
    return corroborate(docs, config), note


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run(folder: Path, jobs: int = 1) -> dict[str, Any]:
    t0 = time.perf_counter()
    docs = list(iter_documents([folder]))
    load_s = time.perf_counter() - t0
    rss_loaded = _rss_mib()
    config = Config()
    t1 = time.perf_counter()
    result, note = _call(docs, config, jobs)
    wall = time.perf_counter() - t1
    stories = Counter(result.stories.values())
    report: dict[str, Any] = {
        "corpus": str(folder),
        "documents": len(docs),
        "errors": sum(1 for d in docs if d.error),
        "sentences": result.n_sentences,
        "stories": len(stories),
        "multi_doc_stories": sum(1 for n in stories.values() if n > 1),
        "largest_story": max(stories.values(), default=0),
        "aligned_pairs": len(result.alignments),
        "findings": len(result.findings),
        "findings_by": dict(Counter(f"{f.category}/{f.evidence.get('kind', '?')}" for f in result.findings)),
        "load_s": round(load_s, 3),
        "corroborate_s": round(wall, 3),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "rss_after_load_mib": round(rss_loaded, 1),
        "peak_rss_mib": round(_rss_mib(), 1),
        "jobs": jobs,
    }
    if note:
        report["note"] = note
    truth, planted = load_truth(folder)
    if truth is not None:
        missing = [d for d in truth if d not in {x.doc_id for x in docs}]
        report["grouping"] = {k: round(v, 4) if isinstance(v, float) else v
                              for k, v in pair_scores(truth, result.stories).items()}
        report["grouping"]["truth_stories"] = len(set(truth.values()))
        if missing:
            report["grouping"]["truth_docs_missing_from_corpus"] = len(missing)
    if planted:
        hits = planted_hits(planted, result.findings, {d.doc_id: d.text for d in docs})
        others = hits["other_findings"]
        report["planted"] = {
            "planted": hits["planted"], "found": hits["found"],
            "recall": round(hits["found"] / hits["planted"], 4),
            "other_findings": len(others),
            "missed": [f"{m['doc']}: {m['text']!r} (expected {m['expected']!r})"
                       for m in hits["missed"][:10]],
        }
        if truth is not None:
            # Evidence from another true story: a grouping error surfacing as a false divergence.
            report["planted"]["other_findings_cross_story"] = sum(
                1 for f in others if "other_doc" in f.evidence
                and truth.get(str(f.evidence["other_doc"])) != truth.get(f.doc_id))
    return report


def _print(report: dict[str, Any]) -> None:
    print(f"corpus            {report['corpus']}")
    print(f"documents         {report['documents']:,} ({report['errors']} with errors)")
    print(f"sentences         {report['sentences']:,}")
    print(f"stories found     {report['stories']:,} ({report['multi_doc_stories']:,} with 2+ documents, "
          f"largest {report['largest_story']})")
    print(f"aligned pairs     {report['aligned_pairs']:,}")
    by = ", ".join(f"{k} {v}" for k, v in sorted(report["findings_by"].items()))
    print(f"divergences       {report['findings']:,}" + (f" ({by})" if by else ""))
    print(f"load              {report['load_s']:.2f}s")
    print(f"corroborate       {report['corroborate_s']:.2f}s (jobs={report['jobs']})")
    for phase, secs in report["timings_s"].items():
        print(f"  {phase:<15} {secs:.2f}s")
    print(f"peak RSS          {report['peak_rss_mib']:.0f} MiB "
          f"(after loading: {report['rss_after_load_mib']:.0f} MiB)")
    if "note" in report:
        print(f"note              {report['note']}")
    if "grouping" in report:
        g = report["grouping"]
        print(f"grouping          P {g['precision']:.3f}  R {g['recall']:.3f}  F1 {g['f1']:.3f}  "
              f"({g['correct_pairs']:,} of {g['found_pairs']:,} found pairs correct; "
              f"{g['true_pairs']:,} true pairs; {g['truth_stories']:,} true stories)")
    if "planted" in report:
        p = report["planted"]
        cross = p.get("other_findings_cross_story")
        print(f"planted           {p['found']}/{p['planted']} found (recall {p['recall']:.3f}); "
              f"{p['other_findings']} other findings"
              + (f" ({cross} citing a document of another true story)" if cross is not None else ""))
        for m in p["missed"]:
            print(f"  missed          {m}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="corpus folder (*.txt/*.md/*.html, plus optional truth)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes, where corroborate supports them")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        ap.error(f"not a folder: {args.corpus}")
    report = run(args.corpus, args.jobs)
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
