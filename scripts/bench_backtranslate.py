"""Benchmark back-translation: what the fidelity pipeline costs on top of the bare MT engine.

The engine does the real work; everything around it (sentence selection, the SQLite cache,
deduplication, chrF scoring, outlier statistics) should add little (goal: under 15% over the
engine alone), and a re-run over a warm cache should skip the engine entirely (goal: at least
50x faster than the cold run). This script measures both on one English corpus:

1. raw engine: `make_engine` (with the options the pipeline passes it), then every sentence
   en -> pivot and every pivot -> en in batches of 64 (the pipeline's chunk size), then `close`;
2. pipeline, empty cache: `audit.fidelity.assess` with a fresh cache file, every sentence
   scored (`min_words = 1`, no skipped categories, no rule findings), engine construction
   included; the time spent inside `Engine.translate` is recorded too, so the overhead can be
   read from the same run, free of run-to-run engine noise;
3. pipeline, warm cache: `assess` again over the same cache file;
4. for context, the whole `audit_documents` (rule detectors + fidelity) over the warm cache,
   and the rule detectors alone: the rules are a separate cost, not part of the 15% budget.

The corpus must hold N *distinct* sentences (the cache deduplicates, so repeats would fake the
cold run). The reference text has a few hundred usable sentences, so more are derived with a
seeded RNG: a "splice" joins the part of one real sentence before its first comma with the part
of another after its last comma (no quote marks in either part, so none is left unbalanced); a
"pair" joins two short real sentences (35 words together at most) with "; ". Sentences
keep 6-45 words, are deduplicated, and must split back into exactly themselves next to any
neighbour (`audit.text.sentences`), so the engine and the pipeline see the same sentences. They
are shuffled and grouped into documents of 25 sentences, a paragraph every 5.

    python scripts/bench_backtranslate.py                      # bergamot, 2,000 sentences
    python scripts/bench_backtranslate.py --engine apertium --sentences 3000 --repeat 2 --json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from audit.text import sentences, word_count

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT / "reference" / "clean", ROOT / "reference" / "corpus")
MIN_WORDS, MAX_WORDS = 6, 45
DOC_SENTENCES, PARA_SENTENCES = 25, 5
BATCH = 64
OVERHEAD_GOAL, SPEEDUP_GOAL = 0.15, 50.0
PROBE = "The probe sentence follows here."
# Sentence openers that stay correct in lower case after "; " (anything else may be a name).
_LOWERABLE = frozenset({"the", "a", "an", "it", "he", "she", "they", "we", "this", "that", "these", "those",
                        "there", "its", "their", "his", "her"})
_QUOTE_CHARS = frozenset("\"“”‘’«»")
PAIR_MAX_WORDS = 35


# --- corpus ----------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.split())


def _usable(s: str) -> bool:
    """6-45 words, and splits as exactly one sentence whatever stands before or after it."""
    if not MIN_WORDS <= word_count(s) <= MAX_WORDS:
        return False
    return all([x.text for x in sentences(t)] == want for t, want in (
        (s, [s]), (f"{s} {PROBE}", [s, PROBE]), (f"{PROBE} {s}", [PROBE, s])))


def real_sentences(folders: Sequence[Path] = SOURCES) -> list[str]:
    """Usable sentences of the reference text, in file order, without repeats."""
    out: dict[str, None] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            if path.name == "README.md":
                continue
            for span in sentences(path.read_text(encoding="utf-8")):
                s = _norm(span.text)
                if _usable(s):
                    out.setdefault(s)
    return list(out)


def _splice(a: str, b: str) -> str | None:
    if "," not in a or "," not in b:
        return None
    head, tail = a.split(",", 1)[0], b.rsplit(",", 1)[1].strip()
    if word_count(head) < 3 or word_count(tail) < 3 or _QUOTE_CHARS & set(head + tail):
        return None
    return f"{head}, {tail}"


def _pair(a: str, b: str) -> str | None:
    if a[-1] != "." or word_count(a) + word_count(b) > PAIR_MAX_WORDS:
        return None
    first, _, rest = b.partition(" ")
    if first.lower() in _LOWERABLE:
        first = first.lower()
    return f"{a[:-1]}; {first} {rest}"


def build_sentences(n: int, seed: int = 0, real: Sequence[str] | None = None) -> list[str]:
    """`n` distinct usable sentences: the real ones first, then splices and pairs, shuffled."""
    real = list(real if real is not None else real_sentences())
    rng = random.Random(seed)
    if n <= len(real):
        chosen = rng.sample(real, n)
    else:
        seen = dict.fromkeys(real)
        short = [s for s in real if word_count(s) <= MAX_WORDS // 2]
        attempts = 0
        while len(seen) < n:
            attempts += 1
            if attempts > 200 * n:
                raise SystemExit(f"could derive only {len(seen)} distinct sentences, not {n}")
            if rng.random() < 0.7:
                cand = _splice(rng.choice(real), rng.choice(real))
            else:
                cand = _pair(rng.choice(short), rng.choice(short))
            if cand and cand not in seen and _usable(cand):
                seen.setdefault(cand)
        chosen = list(seen)
        rng.shuffle(chosen)
    return chosen


def build_documents(sents: Sequence[str]) -> list[Any]:
    """Documents of 25 sentences, a paragraph every 5, as the pipeline reads articles."""
    from audit.records import Document

    docs = []
    for i in range(0, len(sents), DOC_SENTENCES):
        group = sents[i : i + DOC_SENTENCES]
        paras = [" ".join(group[j : j + PARA_SENTENCES]) for j in range(0, len(group), PARA_SENTENCES)]
        docs.append(Document(doc_id=f"bench_{i // DOC_SENTENCES:04d}", text="\n\n".join(paras)))
    return docs


def document_sentences(docs: Sequence[Any], lang: str = "en") -> list[str]:
    """The sentences the pipeline will select, in its order (what the raw engine must translate)."""
    return [s.text for d in docs for s in sentences(d.text, lang)]


# --- timing ----------------------------------------------------------------------------------

def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (apertium runs as subprocesses)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed_translate(engine: Any, spent: list[float]) -> None:
    """Wrap `engine.translate` so the seconds spent inside it add up in `spent[0]`."""
    inner = engine.translate

    def translate(batch: Sequence[str], src: str, tgt: str) -> list[str]:
        t = time.perf_counter()
        try:
            return inner(batch, src, tgt)
        finally:
            spent[0] += time.perf_counter() - t

    engine.translate = translate


def run_engine(config: Any, sents: Sequence[str], pivot: str) -> dict[str, Any]:
    """The bare engine, built with the options `build_translator` gives it, batches of 64."""
    from audit.translate.base import make_engine

    bt = config.backtranslate
    c0, t0 = _cpu(), time.perf_counter()
    engine = make_engine(bt.engine, model=bt.model, batch_size=bt.batch_size, device=bt.device)
    t1 = time.perf_counter()
    pivots: list[str] = []
    for i in range(0, len(sents), BATCH):
        pivots += engine.translate(sents[i : i + BATCH], "en", pivot)
    t2 = time.perf_counter()
    back: list[str] = []
    for i in range(0, len(pivots), BATCH):
        back += engine.translate(pivots[i : i + BATCH], pivot, "en")
    t3 = time.perf_counter()
    engine.close()
    t4 = time.perf_counter()
    return {"seconds": t4 - t0, "cpu_seconds": _cpu() - c0, "load": t1 - t0,
            "forward": t2 - t1, "backward": t3 - t2, "close": t4 - t3, "sentences": len(sents),
            "distinct_pivots": len(set(pivots)), "sentences_per_s": len(sents) / (t4 - t0)}


def run_pipeline(docs: Sequence[Any], config: Any) -> dict[str, Any]:
    """`assess` as the pipeline calls it, with the translator `assess` would build for itself."""
    from audit.fidelity import assess, build_translator

    spent = [0.0]
    c0, t0 = _cpu(), time.perf_counter()
    translator = build_translator(config.backtranslate)
    _timed_translate(translator.engine, spent)
    outcome = assess(docs, {}, config, translator=translator)
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    if translator.cache is not None:
        translator.cache.close()
    info = outcome.info
    if info.get("skipped"):
        raise SystemExit(f"the fidelity pass was skipped: {info['skipped']}")
    scored = info["scored"]
    return {"seconds": seconds, "cpu_seconds": cpu, "engine_seconds": spent[0], "scored": scored,
            "segments": info["segments"], "cache_hits": info["cache_hits"],
            "cache_misses": info["cache_misses"], "sentences_per_s": scored / seconds}


def run_audit(docs: Sequence[Any], config: Any) -> float:
    import audit

    t = time.perf_counter()
    audit.audit_documents(docs, config)
    return time.perf_counter() - t


# --- report ----------------------------------------------------------------------------------

def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(fig: dict[str, Any]) -> str:
    eng, cold, warm = fig["engine"], fig["pipeline_cold"], fig["pipeline_warm"]
    rows: list[tuple[str, str, str]] = [
        ("raw engine (load + en->{p} + {p}->en)".format(p=fig["pivot"]),
         f"{eng['seconds']:.2f} s", f"{eng['sentences_per_s']:.1f} sent/s, CPU {eng['cpu_seconds']:.1f} s"),
        ("  of which load / forward / backward",
         f"{eng['load']:.2f} / {eng['forward']:.1f} / {eng['backward']:.1f} s", ""),
        ("pipeline fidelity pass, empty cache", f"{cold['seconds']:.2f} s",
         f"{cold['sentences_per_s']:.1f} sent/s, CPU {cold['cpu_seconds']:.1f} s"),
        ("  of which inside Engine.translate", f"{cold['engine_seconds']:.2f} s",
         f"{cold['seconds'] - cold['engine_seconds']:.2f} s around it"),
        ("pipeline fidelity pass, warm cache", f"{warm['seconds']:.3f} s",
         f"{warm['sentences_per_s']:.0f} sent/s"),
        ("audit_documents (rules + fidelity), warm", f"{fig['audit_warm_seconds']:.2f} s", ""),
        ("audit_documents (rules only)", f"{fig['rules_seconds']:.2f} s",
         f"first call in the process: {fig['rules_first_seconds']:.2f} s"),
    ]
    width = max(len(r[0]) for r in rows)
    out = [f"engine {fig['engine_name']} ({fig['model']}), pivot {fig['pivot']}: {fig['sentences']} distinct "
           f"sentences ({fig['real_sentences']} real, the rest derived) in {fig['documents']} documents, "
           f"repeat {fig['repeat']} (medians)", ""]
    out += [f"{a:{width}}  {b:>22}  {c}" for a, b, c in rows]
    ratio, inner, cpu = fig["ratio"], fig["overhead_inside"], fig["ratio_cpu"]
    out += [
        "",
        f"pipeline / engine time:        {ratio:.3f}  (overhead {100 * (ratio - 1):+.1f}%, goal < "
        f"{100 * OVERHEAD_GOAL:.0f}%)  {_verdict(ratio - 1 < OVERHEAD_GOAL)}",
        f"pipeline / engine CPU time:    {cpu:.3f}  (overhead {100 * (cpu - 1):+.1f}%)",
        f"pipeline / its own engine time: {inner:.3f}  (overhead {100 * (inner - 1):+.1f}%, same run, "
        "free of engine run-to-run noise)",
        f"cold / warm cache:             {fig['speedup']:.0f}x  (goal >= {SPEEDUP_GOAL:.0f}x)  "
        f"{_verdict(fig['speedup'] >= SPEEDUP_GOAL)}",
        f"scored {cold['scored']} of {cold['segments']} segments; cold cache misses {cold['cache_misses']}, "
        f"warm cache hits {warm['cache_hits']} / misses {warm['cache_misses']}",
        "(rule detectors are a separate cost: the ratio compares the fidelity pass with the engine)",
        f"load average after the runs: {' '.join(map(str, fig['load_average']))} on {os.cpu_count()} CPUs",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="bergamot", choices=("bergamot", "apertium"))
    ap.add_argument("--pivot", help="pivot language (default: pt for bergamot, es for apertium)")
    ap.add_argument("--sentences", type=int, default=2000, help="distinct sentences in the corpus")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="engine and cold pipeline runs, alternated")
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed 32-sentence engine warm-up")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = ap.parse_args(argv)
    if args.sentences < 1 or args.repeat < 1:
        ap.error("--sentences and --repeat must be at least 1")

    import audit
    from audit.fidelity import DEFAULT_PIVOT
    from audit.translate.base import EngineUnavailable, make_engine

    pivot = args.pivot or DEFAULT_PIVOT[args.engine]

    def config_for(cache: Path | str) -> audit.Config:
        return audit.Config.from_dict({"backtranslate": {
            "engine": args.engine, "pivot": pivot, "cache": str(cache), "min_words": 1,
            "skip_categories": []}})

    real = real_sentences()
    sents = build_sentences(args.sentences, args.seed, real)
    docs = build_documents(sents)
    selected = document_sentences(docs)
    if selected != sents:
        raise SystemExit("the documents do not split back into the corpus sentences")
    print(f"corpus: {len(sents)} distinct sentences ({min(len(real), len(sents))} real), "
          f"{len(docs)} documents, {sum(word_count(s) for s in sents)} words", file=sys.stderr)

    try:
        probe = make_engine(args.engine)
        model = probe.describe().get("model", "")
        if not args.no_warmup:  # untimed: first-use costs (model pages, CPU clocks) hit neither side
            probe.translate(sents[:32], "en", pivot)
        probe.close()
    except EngineUnavailable as exc:
        print(f"engine unavailable: {exc}", file=sys.stderr)
        return 2

    # the rule detectors load word lists and lexicons on first use: keep that out of later figures
    rules_first = run_audit(docs, audit.Config())
    busy = os.getloadavg()[0]
    if busy > 0.5:
        print(f"warning: load average {busy:.2f} before the runs; other processes skew wall times "
              "(compare CPU times, or use --repeat)", file=sys.stderr)

    engine_runs: list[dict[str, Any]] = []
    cold_runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench_bt_") as tmp:
        for r in range(args.repeat):
            print(f"run {r + 1}/{args.repeat}: raw engine ...", file=sys.stderr)
            engine_runs.append(run_engine(config_for("off"), sents, pivot))
            print(f"run {r + 1}/{args.repeat}: pipeline, empty cache ...", file=sys.stderr)
            cache = Path(tmp) / f"cache_{r}.sqlite"
            cold_runs.append(run_pipeline(docs, config_for(cache)))
        print("pipeline, warm cache ...", file=sys.stderr)
        warm_config = config_for(cache)
        warm = run_pipeline(docs, warm_config)
        audit_warm = run_audit(docs, warm_config)
    rules = run_audit(docs, audit.Config())
    load = [round(x, 2) for x in os.getloadavg()]

    med: Callable[[list[dict[str, Any]], str], float] = lambda runs, k: statistics.median(  # noqa: E731
        x[k] for x in runs)
    eng = {k: med(engine_runs, k) for k in ("seconds", "cpu_seconds", "load", "forward", "backward", "close")}
    eng.update(sentences=len(sents), distinct_pivots=engine_runs[-1]["distinct_pivots"],
               sentences_per_s=len(sents) / eng["seconds"])
    cold = {**cold_runs[-1], **{k: med(cold_runs, k) for k in ("seconds", "cpu_seconds", "engine_seconds")}}
    cold["sentences_per_s"] = cold["scored"] / cold["seconds"]
    figures = {
        "engine_name": args.engine, "model": model, "pivot": pivot, "sentences": len(sents),
        "real_sentences": min(len(real), len(sents)), "documents": len(docs), "repeat": args.repeat,
        "engine": eng, "pipeline_cold": cold, "pipeline_warm": warm,
        "ratio": cold["seconds"] / eng["seconds"],
        "ratio_cpu": cold["cpu_seconds"] / eng["cpu_seconds"],
        "overhead_inside": statistics.median(c["seconds"] / c["engine_seconds"] for c in cold_runs),
        "speedup": cold["seconds"] / warm["seconds"],
        "audit_warm_seconds": audit_warm, "rules_seconds": rules,
        "rules_first_seconds": rules_first, "load_average": load,
        "runs": {"engine": engine_runs, "pipeline_cold": cold_runs},
    }
    figures["overhead_ok"] = figures["ratio"] - 1 < OVERHEAD_GOAL
    figures["speedup_ok"] = figures["speedup"] >= SPEEDUP_GOAL
    if cold["scored"] != len(sents):
        print(f"warning: the pipeline scored {cold['scored']} sentences, the engine translated "
              f"{len(sents)}", file=sys.stderr)
    print(report(figures))
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
