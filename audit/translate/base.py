"""The one interface every MT backend implements: translate a batch of sentences from A to B.

Engines are plain objects built by name from a small registry (`make_engine`), like sacrebleu's
metrics: the fidelity scorer never knows which engine it talks to. Language codes are ISO 639-1
("en", "pt", "es"); `normalise_lang` maps regional and three-letter variants onto them.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any


class EngineUnavailable(RuntimeError):
    """The engine cannot run here (package, command or model missing); the message says what to do."""


class Engine(ABC):
    """A machine-translation backend.

    `model` identifies the weights (part of the cache key, so two models never share entries).
    """

    name: str = ""
    model: str = ""

    @abstractmethod
    def supports(self, src: str, tgt: str) -> bool:
        """Whether this engine can translate from `src` to `tgt` (normalised codes)."""

    @abstractmethod
    def translate(self, sentences: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translate each sentence; the result has the same length and order.

        Empty or whitespace-only sentences translate to "" without reaching the model.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release models, threads or processes."""

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "model": self.model}


ENGINES: dict[str, str] = {
    "bergamot": "audit.translate.bergamot:BergamotEngine",
    "transformers": "audit.translate.hf:TransformersEngine",
    "apertium": "audit.translate.apertium:ApertiumEngine",
}

_ALIASES = {
    "eng": "en", "spa": "es", "cat": "ca", "por": "pt", "fra": "fr", "fre": "fr", "deu": "de",
    "ger": "de", "ita": "it", "zho": "zh", "chi": "zh", "rus": "ru", "vie": "vi", "jpn": "ja",
    "kor": "ko", "ara": "ar", "nld": "nl", "dut": "nl", "pol": "pl", "ukr": "uk", "tur": "tr",
}


def normalise_lang(code: str) -> str:
    """'pt-BR' -> 'pt', 'spa' -> 'es', 'EN' -> 'en'."""
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return _ALIASES.get(base, base)


def engine_class(name: str) -> type[Engine]:
    try:
        target = ENGINES[name]
    except KeyError:
        raise EngineUnavailable(f"unknown MT engine {name!r}; known: {', '.join(ENGINES)}") from None
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)


def make_engine(name: str, **options: Any) -> Engine:
    """Build an engine by registry name; options the engine does not take are ignored."""
    import inspect

    cls = engine_class(name)
    params = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in options.items() if k in params and v is not None})
