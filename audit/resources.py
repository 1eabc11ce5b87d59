"""Access to the data files under `reference/lexicons/` (lexicons, gazetteers, phrase lists).

Data is not code: every list is a plain UTF-8 file, one entry per line, `#` starts a comment,
and the first comment line says where the entries came from. Per-language lists are named
`NAME.LANG.txt`; language-independent (multilingual) ones `NAME.txt`; tables are `NAME.tsv`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


class ResourceError(RuntimeError):
    """A data file the detectors need is missing."""


def reference_dir() -> Path:
    """`$MTAUDIT_REFERENCE`, else the `reference/` folder of the source checkout."""
    env = os.environ.get("MTAUDIT_REFERENCE")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent.parent / "reference")
    for path in candidates:
        if (path / "lexicons").is_dir():
            return path
    raise ResourceError(
        "cannot find the reference data folder (reference/lexicons); install mtaudit from its "
        "source checkout with `pip install -e .` or set MTAUDIT_REFERENCE to the reference folder"
    )


def lexicon_path(name: str, lang: str | None = None, ext: str = "txt") -> Path:
    base = reference_dir() / "lexicons"
    return base / (f"{name}.{lang}.{ext}" if lang else f"{name}.{ext}")


def _read_lines(path: Path) -> list[str]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.startswith("#") else ""
        if line.strip():
            out.append(line.strip())
    return out


@lru_cache(maxsize=128)
def load_list(name: str, lang: str | None = None, missing_ok: bool = False) -> tuple[str, ...]:
    path = lexicon_path(name, lang)
    if not path.exists():
        if missing_ok:
            return ()
        raise ResourceError(f"missing lexicon {path}")
    return tuple(_read_lines(path))


@lru_cache(maxsize=64)
def load_table(name: str, lang: str | None = None) -> tuple[tuple[str, ...], ...]:
    """Tab-separated rows (comments and blank lines skipped)."""
    path = lexicon_path(name, lang, ext="tsv")
    if not path.exists():
        raise ResourceError(f"missing lexicon {path}")
    return tuple(tuple(c.strip() for c in line.split("\t")) for line in _read_lines(path))
