"""Write a deterministic synthetic multi-outlet news corpus for the corroboration scale benchmark.

Cross-source corroboration groups documents that report the same story, aligns their sentences
and flags facts that one outlet reports differently. Measuring that at scale needs thousands of
documents whose story membership is known and whose text is real prose, so grouping and
alignment do realistic work. The repository ships only a few dozen real articles, so the corpus
is assembled from their sentences:

1. the sentence pool: every sentence of reference/clean, reference/corpus and
   tests/fixtures/stories (6-45 words, splitting back as exactly itself), plus "splices" that join
   the part of one sentence before its first comma with the part of another after its last comma,
   so stories are not all built from the same few hundred sentences (no installed package ships
   English prose, so there is no other source);
2. about N/5 stories, each a seed pool of 15-30 sentences drawn from that pool, with every
   capitalised name and every number replaced through a mapping of its own: within a story a
   name or number is always rendered the same way (the outlets agree), across stories differently;
3. each document of a story samples 8-20 of its sentences in story order (an outlet sometimes
   swaps two neighbours) with light paraphrase noise: one sentence in seven loses a short word,
   and about one document in 50 reports one number differently -- a planted factual
   disagreement, listed with its character offsets in planted.json; it is planted only in a
   sentence that at least two other documents of the story also carry, so there is a majority.

Story sizes are skewed like real news (many stories told by two or three outlets, a few by many,
some by one). File names are shuffled so they say nothing about the story.

    python scripts/make_story_corpus.py --docs 5000 --out /tmp/stories5k [--seed 0]

writes OUT/doc_00000.txt ..., OUT/truth.json ({doc_id: story_id}) and OUT/planted.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from audit.text import paragraphs, sentences, word_count

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT / "reference" / "clean", ROOT / "reference" / "corpus",
           ROOT / "tests" / "fixtures" / "stories")
LEXICONS = ROOT / "reference" / "lexicons"
MIN_WORDS, MAX_WORDS = 6, 45
POOL_MIN, POOL_MAX = 15, 30
DOC_MIN, DOC_MAX = 8, 20
SPLICE_SHARE = 0.5  # of a story's seed sentences
DROP_RATE = 1 / 7  # sentences that lose a short word
SWAP_NEIGHBOURS_RATE = 0.3  # documents that swap two neighbouring sentences
NUMBER_SWAP_RATE = 1 / 50  # documents with one number reported differently
PROBE = "The probe sentence follows here."
_QUOTE_CHARS = frozenset("\"“”‘’«»")
# A name: capitalised word with inner apostrophes/hyphens, an optional possessive kept apart.
_NAME_RE = re.compile(r"\b([A-Z][a-zA-Z]+(?:[-'’][A-Za-z]+)*?)((?:['’]s)?)\b")
_NUMBER_RE = re.compile(r"(?<![\w.])\d+(?![\w])")
_DROPPABLE_RE = re.compile(r"(?<=[a-z,]) ([a-z]{2,5})(?= [a-z])")
# Dropping these would change a fact (a count, a negation, a comparison), not just the wording.
_FACT_WORDS = "not no nor never than none all both each half one two three four five six seven eight nine ten"
_NEVER_DROP = frozenset(_FACT_WORDS.split())
_CALENDAR = ("January February March April May June July August September October November December "
             "Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
_SYLLABLES = ("ka", "lo", "ren", "mar", "ti", "vel", "dor", "an", "se", "bru", "ko", "na", "ral", "mi",
              "tan", "go", "ve", "lis", "har", "ou", "den", "sa", "pri", "mon", "zu", "el", "ber", "qui")


def _lexicon_words(*names: str) -> frozenset[str]:
    out: set[str] = set()
    for name in names:
        for line in (LEXICONS / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.add(line.rstrip(".").lower())
    return frozenset(out)


# Capitalised words that are not names: calendar words, titles, place nouns and the words that
# open or sit inside news sentences in title case. Replacing them would garble the prose.
KEEP = _lexicon_words("person_titles.en.txt", "place_nouns.en.txt") | frozenset(
    w.lower() for w in (_CALENDAR + " I A An The He She It They We You This That These Those His Her Its "
                        "Their Our In On At For But And Or If As After Before When While With By From "
                        "According Reuters AP AFP").split())


# --- sentence pool ---------------------------------------------------------------------------

def _usable(s: str) -> bool:
    """6-45 words, and splits as exactly one sentence whatever stands before or after it."""
    if not MIN_WORDS <= word_count(s) <= MAX_WORDS or s[-1] not in ".!?\"”":
        return False
    return all([x.text for x in sentences(t)] == want for t, want in (
        (s, [s]), (f"{s} {PROBE}", [s, PROBE]), (f"{PROBE} {s}", [PROBE, s])))


def real_sentences(folders: Sequence[Path] = SOURCES) -> list[str]:
    """Usable sentences of the shipped text, in file order, without repeats."""
    out: dict[str, None] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            for para in paragraphs(text):
                for sent in sentences(para.text):
                    s = " ".join(sent.text.split())
                    if s not in out and _usable(s):
                        out[s] = None
    return list(out)


def known_names(pool: Sequence[str]) -> frozenset[str]:
    """Words the pool only ever writes capitalised, and at least once inside a sentence: names.

    A word also seen in lower case ("Last", "Fire") is an ordinary word capitalised at a
    sentence start or in a title, and renaming it would garble the prose.
    """
    lower = {w for s in pool for w in re.findall(r"\b[a-z][a-z'’-]*", s)}
    return frozenset(m.group(1) for s in pool for m in _NAME_RE.finditer(s)
                     if not _opens(s, m.start()) and m.group(1).lower() not in KEEP
                     and m.group(1).lower() not in lower)


def _opens(sentence: str, pos: int) -> bool:
    """Whether only opening quotes or brackets stand before `pos`: the word starts the sentence."""
    return not sentence[:pos].strip("\"'“‘«([ ")


def _clause_parts(pool: Sequence[str]) -> tuple[list[str], list[str]]:
    """Heads (before the first comma) and tails (after the last comma) free of quote marks."""
    heads, tails = [], []
    for s in pool:
        if "," not in s or _QUOTE_CHARS & set(s):
            continue
        head, tail = s.split(",", 1)[0], s.rsplit(",", 1)[1].strip()
        if word_count(head) >= 3:
            heads.append(head)
        if word_count(tail) >= 3 and tail[:1].islower() and tail[-1] in ".!?":
            tails.append(tail)
    return heads, tails


def _clauses(sentence: str) -> set[str]:
    """The first and last comma-separated parts: what splices share with their sources."""
    if "," not in sentence:
        return set()
    return {sentence.split(",", 1)[0], sentence.rsplit(",", 1)[1].strip()}


def _splice(rng: random.Random, heads: Sequence[str], tails: Sequence[str]) -> str | None:
    for _ in range(20):
        s = f"{rng.choice(heads)}, {rng.choice(tails)}"
        if MIN_WORDS <= word_count(s) <= MAX_WORDS:
            return s
    return None


# --- stories ---------------------------------------------------------------------------------

class Renderer:
    """One story's consistent rendering of names and numbers: the outlets agree with each other."""

    def __init__(self, rng: random.Random, known_names: frozenset[str]) -> None:
        self.rng = rng
        self.known_names = known_names
        self.names: dict[str, str] = {}
        self.numbers: dict[str, str] = {}

    def _name(self, name: str) -> str:
        if name not in self.names:
            parts = [self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(2, 3))]
            new = "".join(parts).capitalize()
            self.names[name] = new.upper() if name.isupper() and len(name) > 1 else new
        return self.names[name]

    def _number(self, num: str) -> str:
        if num not in self.numbers:
            self.numbers[num] = other_number(self.rng, num)
        return self.numbers[num]

    def render(self, sentence: str) -> str:
        def name(m: re.Match[str]) -> str:
            word, poss = m.group(1), m.group(2)
            if word not in self.known_names:
                return m.group(0)
            return self._name(word) + poss

        return _NUMBER_RE.sub(lambda m: self._number(m.group()), _NAME_RE.sub(name, sentence))


def other_number(rng: random.Random, num: str) -> str:
    """A different number that looks like the same kind of quantity (a year stays a year)."""
    value = int(num)
    if len(num) == 4 and 1900 <= value <= 2099:
        choices = [y for y in range(1950, 2031) if y != value]
    elif len(num) == 1:
        choices = [d for d in range(2, 10) if d != value]
    else:
        lo, hi = 10 ** (len(num) - 1), 10 ** len(num) - 1
        choices = [v for v in (rng.randint(lo, hi) for _ in range(8)) if v != value]
        choices = choices or [lo if value != lo else hi]
    return str(rng.choice(choices))


def story_sizes(rng: random.Random, n_docs: int) -> list[int]:
    """~n_docs/5 stories: every story gets one document, the rest go by skewed weights."""
    n_stories = max(1, n_docs // 5)
    sizes = [1] * n_stories
    weights = [rng.lognormvariate(0.0, 0.8) for _ in range(n_stories)]
    for i in rng.choices(range(n_stories), weights=weights, k=n_docs - n_stories):
        sizes[i] += 1
    return sizes


def _drop_word(rng: random.Random, sentence: str) -> str:
    spots = [m for m in _DROPPABLE_RE.finditer(sentence) if m.group(1) not in _NEVER_DROP]
    if not spots:
        return sentence
    m = rng.choice(spots)
    return sentence[: m.start()] + sentence[m.end():]


def _layout(sents: Sequence[str], rng: random.Random) -> tuple[str, list[int]]:
    """Paragraphs of 1-3 sentences; also the character offset where each sentence starts."""
    text, starts, i = "", [], 0
    while i < len(sents):
        k = rng.randint(1, 3)
        for j, s in enumerate(sents[i : i + k]):
            text += " " if j else ("\n\n" if text else "")
            starts.append(len(text))
            text += s
        i += k
    return text + "\n", starts


def build(n_docs: int, seed: int = 0) -> tuple[dict[str, str], dict[str, str], list[dict[str, object]]]:
    """Documents {doc_id: text}, truth {doc_id: story_id} and the planted number disagreements."""
    rng = random.Random(seed)
    pool = real_sentences()
    heads, tails = _clause_parts(pool)
    names = known_names(pool)
    sizes = story_sizes(rng, n_docs)
    order = list(range(n_docs))
    rng.shuffle(order)  # file names carry no story information
    docs: dict[str, str] = {}
    truth: dict[str, str] = {}
    planted: list[dict[str, object]] = []
    slot = 0
    for si, size in enumerate(sizes):
        story_id = f"story_{si:05d}"
        srng = random.Random(f"{seed}:{si}")
        n_seed = srng.randint(POOL_MIN, POOL_MAX)
        seeds: list[str] = []
        used: set[str] = set()
        for _ in range(50 * POOL_MAX):
            if len(seeds) == n_seed:
                break
            s = _splice(srng, heads, tails) if srng.random() < SPLICE_SHARE else srng.choice(pool)
            # Two sentences of one story sharing a clause would align and differ in the rest:
            # an accidental disagreement inside the story.
            if s and not _clauses(s) & used and s not in seeds:
                seeds.append(s)
                used |= _clauses(s)
        renderer = Renderer(srng, names)
        story = [renderer.render(s) for s in seeds]
        picks = []
        for _ in range(size):
            k = srng.randint(DOC_MIN, min(DOC_MAX, len(story)))
            picked = sorted(srng.sample(range(len(story)), k))
            if len(picked) > 1 and srng.random() < SWAP_NEIGHBOURS_RATE:
                j = srng.randrange(len(picked) - 1)
                picked[j], picked[j + 1] = picked[j + 1], picked[j]
            picks.append(picked)
        told_by = Counter(i for picked in picks for i in picked)
        for picked in picks:
            doc_id = f"doc_{order[slot]:05d}.txt"
            slot += 1
            sents = [_drop_word(srng, story[i]) if srng.random() < DROP_RATE else story[i] for i in picked]
            swap = None
            if srng.random() < NUMBER_SWAP_RATE:
                # Only where two other outlets report the same sentence: a majority to disagree with.
                candidates = [j for j, i in enumerate(picked)
                              if told_by[i] >= 3 and _NUMBER_RE.search(sents[j])]
                if candidates:
                    j = srng.choice(candidates)
                    m = srng.choice(list(_NUMBER_RE.finditer(sents[j])))
                    new = other_number(srng, m.group())
                    sents[j] = sents[j][: m.start()] + new + sents[j][m.end():]
                    swap = (j, m.start(), new, m.group(), told_by[picked[j]] - 1)
            text, starts = _layout(sents, srng)
            if swap:
                j, off, new, old, agreeing = swap
                start = starts[j] + off
                assert text[start : start + len(new)] == new
                planted.append({"doc": doc_id, "story": story_id, "start": start, "end": start + len(new),
                                "text": new, "expected": old, "kind": "number", "agreeing_docs": agreeing})
            docs[doc_id] = text
            truth[doc_id] = story_id
    return docs, truth, planted


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=5000, help="number of documents (default 5000)")
    ap.add_argument("--out", required=True, help="output folder (created; existing doc_*.txt replaced)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.docs < 1:
        ap.error("--docs must be at least 1")
    t0 = time.perf_counter()
    docs, truth, planted = build(args.docs, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("doc_*.txt"):
        old.unlink()
    for doc_id, text in docs.items():
        (out / doc_id).write_text(text, encoding="utf-8")
    (out / "truth.json").write_text(json.dumps(truth, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    (out / "planted.json").write_text(json.dumps(planted, indent=1) + "\n", encoding="utf-8")
    n_stories = len(set(truth.values()))
    print(f"{len(docs)} documents, {n_stories} stories, {len(planted)} planted number disagreements "
          f"-> {out} ({time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
