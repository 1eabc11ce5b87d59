"""MT-assisted sentence alignment in the style of Bleualign (Sennrich & Volk, 2010).

The source sentences are first machine-translated into the target language, so that source and
target can be compared with a monolingual similarity (chrF). A monotone dynamic program then
picks the best chain of beads: 1-1, 1-2 and 2-1 matches, or 1-0 / 0-1 skips (an omission or an
addition). A match earns `similarity - min_similarity`, a skip earns nothing, so two sentences are
aligned only when they are clearly alike; merges pay a small extra cost so that 1-1 wins ties.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bead:
    """Indices into the source and target sentence lists; one side is empty for a skip."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    similarity: float | None = None

    @property
    def kind(self) -> str:
        return f"{len(self.source)}-{len(self.target)}"


_MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))


def align(
    source_mt: Sequence[str],
    target: Sequence[str],
    similarity: Callable[[str, str], float],
    min_similarity: float = 25.0,
    merge_penalty: float = 5.0,
    band: int | None = None,
) -> list[Bead]:
    """Beads covering every source and target index once, in order.

    `band` limits how far from the diagonal a match may lie (default: a fifth of the longer
    side, at least 8), which keeps long documents near-linear.
    """
    n, m = len(source_mt), len(target)
    if band is None:
        band = max(8, max(n, m) // 5)
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, float | None] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    cache: dict[tuple[int, int, int, int], float] = {}

    def sim(i: int, di: int, j: int, dj: int) -> float:
        key = (i, di, j, dj)
        if key not in cache:
            cache[key] = similarity(" ".join(source_mt[i : i + di]), " ".join(target[j : j + dj]))
        return cache[key]

    for i in range(n + 1):
        centre = i * m / n if n else 0
        for j in range(m + 1):
            here = best[i][j]
            if here == neg:
                continue
            for di, dj in _MOVES:
                ni, nj = i + di, j + dj
                if ni > n or nj > m:
                    continue
                score: float | None = None
                if di and dj:
                    if abs(nj - (ni * m / n if n else 0)) > band and abs(j - centre) > band:
                        continue
                    score = sim(i, di, j, dj)
                    gain = score - min_similarity - (merge_penalty if di + dj > 2 else 0.0)
                else:
                    gain = 0.0
                if here + gain > best[ni][nj]:
                    best[ni][nj] = here + gain
                    back[ni][nj] = (di, dj, score)
    beads: list[Bead] = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        di, dj, score = step
        beads.append(Bead(tuple(range(i - di, i)), tuple(range(j - dj, j)), score))
        i, j = i - di, j - dj
    beads.reverse()
    return beads
