"""Run configuration from TOML, validated strictly: an unknown key is an error naming the known ones.

```toml
lang = "en"
[policy]
repair_threshold = 80
[policy.severity]        # override the severity a category gets
caption = "info"
[detectors.merged_word]
enabled = true
min_part_zipf = 3.0
[backtranslate]          # round trips / source-aware fidelity through an MT engine
engine = "bergamot"
pivot = "pt"
```
"""

from __future__ import annotations

import hashlib
import inspect
import json
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from audit.detectors import DETECTORS, detector_class
from audit.records import CATEGORIES, SEVERITIES


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which key and what is allowed."""


@dataclass
class PolicyConfig:
    weights: dict[str, float] = field(
        default_factory=lambda: {"info": 0.0, "minor": 1.0, "major": 5.0, "critical": 25.0}
    )
    quality_scale: float = 10.0
    """quality = 100 * exp(-penalty / quality_scale)."""
    repair_threshold: float = 80.0
    """A document with quality below this needs repair."""
    repair_on_critical: bool = True
    min_confidence: float = 0.5
    """Findings below this confidence are dropped."""
    severity: dict[str, str] = field(default_factory=dict)
    """Per-category severity overrides."""
    fidelity_weight: float = 0.3
    """Share of `quality` that source-aware fidelity decides (the rest: rule findings)."""
    roundtrip_weight: float = 0.15
    """Share of `quality` that the round trip decides when no source is known."""
    fidelity_full_chrf: float = 70.0
    """Source-aware fidelity chrF at or above which the fidelity part of quality is full."""
    roundtrip_full_chrf: float = 80.0
    """Round-trip chrF at or above which the round-trip part of quality is full."""


ENGINE_CHOICES = ("none", "bergamot", "transformers", "apertium")
OUTLIER_METHODS = ("zscore", "quantile")


@dataclass
class BacktranslateConfig:
    """How sentences are translated and scored for fidelity (`engine = "none"`: not at all)."""

    engine: str = "none"
    pivot: str | None = None
    """Round-trip pivot language; by default the engine's (bergamot: pt, apertium: es)."""
    model: str | None = None
    """Model id, local path, template with {src}/{tgt}, or `en-pt=PATH,pt-en=PATH` (transformers)."""
    batch_size: int = 32
    device: str = "auto"
    sample: int | str = 0
    """0: every sentence; N: N sentences per document; "suspicious": sentences with rule findings
    or words unknown to the language's word list."""
    cache: str | None = None
    """Translation cache file; default $MTAUDIT_CACHE or ~/.cache/mtaudit/translations.sqlite;
    "off" disables it."""
    metrics: list[str] = field(default_factory=lambda: ["chrf"])
    """Per-segment metrics written to segments.jsonl: chrf always, bleu and ter on request."""
    min_words: int = 4
    """Shorter sentences are not scored (chrF on a few words is noise)."""
    skip_categories: list[str] = field(default_factory=lambda: [
        "boilerplate", "caption", "untranslated", "duplicate", "mt_disclosure", "encoding"])
    """Sentences overlapping findings of these categories are already explained: not scored."""
    outlier: str = "zscore"
    z_threshold: float = 3.0
    """zscore, source-aware: flag segments whose robust z-score (median/MAD) is below -z_threshold."""
    roundtrip_z_threshold: float = 4.0
    """zscore, round trips: stricter, because an engine's own paraphrases and slips spread the
    distribution (on 4,821 words of clean prose, bergamot's worst round trip has z -3.7)."""
    quantile: float = 0.05
    """quantile: flag the lowest `quantile` share of segments."""
    min_drop: float = 12.0
    """A flagged segment also scores at least this many chrF points below the corpus median."""
    max_flag_chrf: float = 60.0
    """Round trips: never flag a segment scoring above this (a round trip is a noisy witness)."""
    min_segments: int = 20
    """Fewer scored segments than this in the corpus: no statistics, no low_fidelity findings."""
    align_min_chrf: float = 25.0
    """Source-aware alignment: a pair less similar than this is an omission plus an addition."""
    source_lang: str | None = None
    """Language of `--source-dir` files (default: detected per file)."""


@dataclass
class CorroborateConfig:
    """Cross-source corroboration (`audit.corroborate`): stories, aligned sentences, divergences."""

    enabled: bool = True
    story_threshold: float = 0.3
    """TF-IDF cosine at which two documents tell one story (same story 0.35-0.70, different ≤ 0.27
    on the reference and clean corpora)."""
    top_terms: int = 40
    """Distinctive terms per document used to find candidate documents (blocking)."""
    min_terms: int = 4
    """Sentences with fewer content words are not aligned."""
    align_min_score: float = 0.25
    """IDF-weighted cosine at which a sentence is another document's counterpart."""
    diff_min_matched: float = 0.6
    """Share of the shorter sentence's words two sentences must share, in order, before a differing
    number, date, name or negation is reported."""


@dataclass
class Config:
    lang: str = "en"
    max_bytes: int = 5_000_000
    """Documents larger than this are reported with an error instead of audited."""
    detectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    backtranslate: BacktranslateConfig = field(default_factory=BacktranslateConfig)
    corroborate: CorroborateConfig = field(default_factory=CorroborateConfig)

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: Any) -> Config:
        data: dict[str, Any] = {}
        if path is not None:
            try:
                data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ConfigError(f"config file not found: {path}") from None
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        for key, value in overrides.items():
            if isinstance(value, dict):  # a section: merge over the file's keys
                data[key] = {**data.get(key, {}), **value}
            elif value is not None:
                data[key] = value
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        _check_keys("top level", data, [f.name for f in fields(cls)])
        policy_data = dict(data.get("policy", {}))
        _check_keys("[policy]", policy_data, [f.name for f in fields(PolicyConfig)])
        policy = PolicyConfig(**policy_data)
        for cat, sev in policy.severity.items():
            if cat not in CATEGORIES:
                raise ConfigError(f"[policy.severity] unknown category {cat!r}; known: "
                                  f"{', '.join(CATEGORIES)}")
            if sev not in SEVERITIES:
                raise ConfigError(f"[policy.severity] {cat} = {sev!r}; use one of "
                                  f"{', '.join(SEVERITIES)}")
        detectors = {k: dict(v) for k, v in data.get("detectors", {}).items()}
        for name, opts in detectors.items():
            if name not in DETECTORS:
                raise ConfigError(f"[detectors.{name}] unknown detector; known: "
                                  f"{', '.join(DETECTORS)}")
            _check_keys(f"[detectors.{name}]", opts, ["enabled", *detector_options(name)])
        bt_data = dict(data.get("backtranslate", {}))
        _check_keys("[backtranslate]", bt_data, [f.name for f in fields(BacktranslateConfig)])
        backtranslate = BacktranslateConfig(**bt_data)
        _check_backtranslate(backtranslate)
        co_data = dict(data.get("corroborate", {}))
        _check_keys("[corroborate]", co_data, [f.name for f in fields(CorroborateConfig)])
        corroborate = CorroborateConfig(**co_data)
        if not 0 < corroborate.story_threshold <= 1 or not 0 < corroborate.align_min_score <= 1:
            raise ConfigError("[corroborate] story_threshold and align_min_score must be in (0, 1]")
        return cls(
            lang=data.get("lang", "en"),
            max_bytes=int(data.get("max_bytes", 5_000_000)),
            detectors=detectors,
            policy=policy,
            backtranslate=backtranslate,
            corroborate=corroborate,
        )

    def enabled_detectors(self) -> list[str]:
        return [n for n in DETECTORS if self.detectors.get(n, {}).get("enabled", True)]

    def detector_kwargs(self, name: str) -> dict[str, Any]:
        return {k: v for k, v in self.detectors.get(name, {}).items() if k != "enabled"}

    def digest(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _check_backtranslate(bt: BacktranslateConfig) -> None:
    if bt.engine not in ENGINE_CHOICES:
        raise ConfigError(f"[backtranslate] engine = {bt.engine!r}; use one of {', '.join(ENGINE_CHOICES)}")
    if bt.outlier not in OUTLIER_METHODS:
        raise ConfigError(f"[backtranslate] outlier = {bt.outlier!r}; "
                          f"use one of {', '.join(OUTLIER_METHODS)}")
    unknown = sorted(set(bt.metrics) - {"chrf", "bleu", "ter"})
    if unknown:
        raise ConfigError(f"[backtranslate] metrics: unknown {', '.join(unknown)}; known: chrf, bleu, ter")
    if not (isinstance(bt.sample, int) and bt.sample >= 0) and bt.sample != "suspicious":
        raise ConfigError(f"[backtranslate] sample = {bt.sample!r}; use 0 (all), a number of sentences "
                          "per document, or \"suspicious\"")
    if bt.batch_size < 1:
        raise ConfigError("[backtranslate] batch_size must be at least 1")
    unknown = sorted(set(bt.skip_categories) - set(CATEGORIES))
    if unknown:
        raise ConfigError(f"[backtranslate] skip_categories: unknown {', '.join(unknown)}")


def detector_options(name: str) -> list[str]:
    params = inspect.signature(detector_class(name).__init__).parameters
    return [p for p in params if p not in ("self", "lang")]


def _check_keys(where: str, data: dict[str, Any], known: list[str]) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: "
                          f"{', '.join(known) or '(none)'}")
