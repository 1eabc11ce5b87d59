"""A persistent translation cache: a sentence is translated once per engine, model and direction.

SQLite in WAL mode with a busy timeout, so several `mtaudit` processes (or `--jobs` workers) can
read and write one file at once; writes are batched in one transaction per call.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from audit.translate.base import Engine

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    engine TEXT NOT NULL, model TEXT NOT NULL, src TEXT NOT NULL, tgt TEXT NOT NULL,
    source TEXT NOT NULL, target TEXT NOT NULL,
    PRIMARY KEY (engine, model, src, tgt, source)
) WITHOUT ROWID
"""


def default_cache_path() -> Path:
    """$MTAUDIT_CACHE, else $XDG_CACHE_HOME/mtaudit/translations.sqlite (~/.cache by default)."""
    if os.environ.get("MTAUDIT_CACHE"):
        return Path(os.environ["MTAUDIT_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mtaudit" / "translations.sqlite"


class TranslationCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def get_many(self, key: tuple[str, str, str, str], sources: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(sources))
        found: dict[str, str] = {}
        conn = self._connect()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT source, target FROM translations WHERE engine=? AND model=? AND src=? AND tgt=? "
                f"AND source IN ({marks})", (*key, *chunk)
            )
            found.update(rows)
        return found

    def put_many(self, key: tuple[str, str, str, str], pairs: dict[str, str]) -> None:
        if not pairs:
            return
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)",
                [(*key, s, t) for s, t in pairs.items()],
            )

    def __len__(self) -> int:
        return self._connect().execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class CachedTranslator:
    """An engine behind the cache: duplicates and known sentences never reach the model.

    `translate` sends misses to the engine in chunks of `chunk_size` and stores each chunk as
    soon as it is done, so an interrupted run keeps what it paid for.
    """

    def __init__(self, engine: Engine, cache: TranslationCache | None, chunk_size: int = 64) -> None:
        self.engine = engine
        self.cache = cache
        self.chunk_size = chunk_size
        self.hits = 0
        self.misses = 0

    def supports(self, src: str, tgt: str) -> bool:
        return src == tgt or self.engine.supports(src, tgt)

    def translate(
        self, sentences: Sequence[str], src: str, tgt: str,
        on_progress: Callable[[int], None] | None = None,
    ) -> list[str]:
        if src == tgt:
            return list(sentences)
        key = (self.engine.name, self.engine.model, src, tgt)
        unique = [s for s in dict.fromkeys(sentences) if s.strip()]
        known = self.cache.get_many(key, unique) if self.cache is not None else {}
        todo = [s for s in unique if s not in known]
        self.hits += len(unique) - len(todo)
        self.misses += len(todo)
        if on_progress and len(unique) > len(todo):
            on_progress(len(unique) - len(todo))
        for i in range(0, len(todo), self.chunk_size):
            chunk = todo[i : i + self.chunk_size]
            done = dict(zip(chunk, self.engine.translate(chunk, src, tgt), strict=True))
            if self.cache is not None:
                self.cache.put_many(key, done)
            known.update(done)
            if on_progress:
                on_progress(len(chunk))
        return [known.get(s, "") if s.strip() else "" for s in sentences]
