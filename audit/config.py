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


@dataclass
class Config:
    lang: str = "en"
    max_bytes: int = 5_000_000
    """Documents larger than this are reported with an error instead of audited."""
    detectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    policy: PolicyConfig = field(default_factory=PolicyConfig)

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
        data.update({k: v for k, v in overrides.items() if v is not None})
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
        return cls(
            lang=data.get("lang", "en"),
            max_bytes=int(data.get("max_bytes", 5_000_000)),
            detectors=detectors,
            policy=policy,
        )

    def enabled_detectors(self) -> list[str]:
        return [n for n in DETECTORS if self.detectors.get(n, {}).get("enabled", True)]

    def detector_kwargs(self, name: str) -> dict[str, Any]:
        return {k: v for k, v in self.detectors.get(name, {}).items() if k != "enabled"}

    def digest(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def detector_options(name: str) -> list[str]:
    params = inspect.signature(detector_class(name).__init__).parameters
    return [p for p in params if p not in ("self", "lang")]


def _check_keys(where: str, data: dict[str, Any], known: list[str]) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: "
                          f"{', '.join(known) or '(none)'}")
