"""Inline SVG charts computed in Python: geometry here, markup in the templates (no JS, no CDN)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SEVERITY_COLOURS = {"critical": "#b3261e", "major": "#e8710a", "minor": "#f2c94c", "info": "#9aa5b1"}


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]
    axis: list[tuple[float, float, float, float]]
    title: str
    legend: list[tuple[str, str]]


def quality_histogram(
    qualities: Sequence[float], bins: int = 10, width: int = 520, height: int = 240
) -> Chart:
    """Documents per quality band (0-10 … 90-100); bands below the repair threshold drawn warmer."""
    counts = [0] * bins
    for q in qualities:
        counts[min(bins - 1, max(0, int(q // (100 / bins))))] += 1
    left, bottom, top = 34, height - 28, 14
    plot_w, plot_h = width - left - 16, bottom - top
    peak = max(counts) or 1
    step = plot_w / bins
    bars, labels = [], []
    for i, n in enumerate(counts):
        lo, hi = int(i * 100 / bins), int((i + 1) * 100 / bins)
        h = plot_h * n / peak
        fill = "#c0392b" if hi <= 50 else "#e67e22" if hi <= 70 else "#2e7d5b" if lo >= 90 else "#5b8def"
        bars.append(Bar(left + i * step + 2, bottom - h, step - 4, h, fill,
                        f"quality {lo}–{hi}: {n} document{'s' if n != 1 else ''}", str(n) if n else ""))
        if i % 2 == 0:
            labels.append(Label(left + i * step, bottom + 16, f"{lo}"))
    labels.append(Label(left + plot_w, bottom + 16, "100"))
    labels.append(Label(left - 6, top + 4, str(peak), "end"))
    labels.append(Label(left - 6, bottom, "0", "end"))
    axis = [(left, bottom, left + plot_w, bottom), (left, top, left, bottom)]
    return Chart(width, height, bars, labels, axis, "Documents by quality score", [])


def category_severity(counts: Mapping[str, Mapping[str, int]], width: int = 520, bar_h: int = 20) -> Chart:
    """One stacked horizontal bar per category, split by severity, most frequent category first."""
    order = ("critical", "major", "minor", "info")
    cats = sorted(counts, key=lambda c: (-sum(counts[c].values()), c))
    left, right_pad, top = 120, 44, 8
    height = max(60, top + len(cats) * (bar_h + 8) + 34)
    plot_w = width - left - right_pad
    peak = max((sum(counts[c].values()) for c in cats), default=0) or 1
    bars, labels = [], []
    for row, cat in enumerate(cats):
        y = top + row * (bar_h + 8)
        x = float(left)
        labels.append(Label(left - 8, y + bar_h * 0.7, cat.replace("_", " "), "end"))
        for sev in order:
            n = counts[cat].get(sev, 0)
            if not n:
                continue
            w = plot_w * n / peak
            bars.append(Bar(x, y, w, bar_h, SEVERITY_COLOURS[sev], f"{cat}: {n} {sev}",
                            str(n) if w >= 18 else ""))
            x += w
        labels.append(Label(x + 6, y + bar_h * 0.7, str(sum(counts[cat].values())), "start"))
    legend = [(sev, SEVERITY_COLOURS[sev]) for sev in order
              if any(counts[c].get(sev) for c in cats)]
    axis = [(left, top - 2, left, top + len(cats) * (bar_h + 8) - 6)]
    return Chart(width, height, bars, labels, axis, "Findings by category and severity", legend)
