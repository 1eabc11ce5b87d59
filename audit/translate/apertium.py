"""Rule-based MT through Debian's `apertium` command: no model download, CPU only, deterministic.

Installed language data is discovered from the `*.mode` files (one per direction, e.g. `eng-spa`).
A batch goes through one `apertium` process with the sentences separated by blank lines: apertium
keeps single line breaks but its transfer rules chunk across them (it was seen moving an adjective
from one line to the next), while a blank line is a paragraph break that no rule crosses. If the
output ever fails to line up with the input, the batch is redone one process per sentence.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.translate.base import Engine, EngineUnavailable, normalise_lang

log = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install apertium apertium-eng-spa apertium-eng-cat"
DEFAULT_DATADIR = "/usr/share/apertium"

# Apertium names languages with ISO 639-3 codes; the auditor speaks ISO 639-1.
_ISO3_TO_1 = {
    "afr": "af", "ara": "ar", "arg": "an", "bel": "be", "bos": "bs", "bre": "br", "bul": "bg",
    "cat": "ca", "ces": "cs", "cym": "cy", "dan": "da", "deu": "de", "ell": "el", "eng": "en",
    "epo": "eo", "est": "et", "eus": "eu", "fao": "fo", "fin": "fi", "fra": "fr", "gle": "ga",
    "glg": "gl", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "ind": "id", "isl": "is",
    "ita": "it", "kaz": "kk", "kir": "ky", "lav": "lv", "lit": "lt", "mkd": "mk", "mlt": "mt",
    "msa": "ms", "nld": "nl", "nno": "nn", "nob": "nb", "oci": "oc", "pol": "pl", "por": "pt",
    "ron": "ro", "rus": "ru", "slk": "sk", "slv": "sl", "sme": "se", "spa": "es", "sqi": "sq",
    "srp": "sr", "swe": "sv", "tat": "tt", "tur": "tr", "ukr": "uk", "urd": "ur", "uzb": "uz",
}

# `eng-spa` or the older `en-es`; variants such as `eng-cat_valencia` or `spa-eng_US` do not match.
_MODE_NAME = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")
_DATA_DIR_IN_MODE = re.compile(r"/(apertium-[A-Za-z0-9_.-]+)/")


def _lang(code: str) -> str:
    base = normalise_lang(code)
    return _ISO3_TO_1.get(base, base)


def _clean(text: str) -> str:
    """One line, single-spaced: a line break inside a sentence would break the line-per-sentence protocol."""
    return " ".join(text.replace("\x00", " ").split())


class ApertiumEngine(Engine):
    name = "apertium"
    model = "apertium"

    def __init__(self, modes_dir: str | None = None, batch_size: int = 500, timeout: float = 60.0) -> None:
        exe = shutil.which("apertium")
        if exe is None:
            raise EngineUnavailable(f"apertium is not installed: {INSTALL_HINT}")
        self._exe = exe
        self.batch_size = max(1, int(batch_size))
        self.timeout = float(timeout)
        self._datadir: str | None = None
        self._mode_files: dict[str, Path] = {}

        names = self._discover(modes_dir)
        self._modes: dict[tuple[str, str], str] = {}
        # Three-letter names sort after two-letter ones, so the current data wins over legacy `en-es`.
        for mode in sorted(names, key=lambda m: (len(m), m)):
            match = _MODE_NAME.match(mode)
            if match:
                self._modes[(_lang(match.group(1)), _lang(match.group(2)))] = mode
        if not self._modes:
            where = modes_dir or self._datadir or "apertium -l"
            raise EngineUnavailable(f"apertium has no language pairs installed ({where}): {INSTALL_HINT}")
        self.model = self._version_string()

    # -- discovery -----------------------------------------------------------------------------

    def _discover(self, modes_dir: str | None) -> list[str]:
        """Mode names from a `modes` folder (cheap, no subprocess), else from `apertium -l`."""
        if modes_dir is not None:
            path = Path(modes_dir).resolve()
            if not path.is_dir():
                raise EngineUnavailable(f"apertium modes directory {modes_dir} not found: {INSTALL_HINT}")
            if path.name != "modes":
                # `apertium -d DIR` looks for DIR/modes/<mode>.mode, so nothing else can be pointed at.
                raise EngineUnavailable(f"apertium modes directory must be named 'modes', got {modes_dir}")
        else:
            path = Path(os.environ.get("APERTIUM_DATADIR") or DEFAULT_DATADIR) / "modes"
        if path.is_dir():
            self._datadir = str(path.parent)
            self._mode_files = {p.stem: p for p in sorted(path.glob("*.mode"))}
            return list(self._mode_files)
        try:
            proc = subprocess.run([self._exe, "-l"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            raise EngineUnavailable(f"cannot list apertium language pairs ({exc}): {INSTALL_HINT}") from exc
        return [line.strip() for line in proc.stdout.splitlines() if line.strip()]

    def _version_string(self) -> str:
        """The apertium and language-data package versions: a data upgrade must not reuse cached output."""
        packages: list[str] = []
        for mode in sorted(set(self._modes.values())):
            mode_file = self._mode_files.get(mode)
            if mode_file is None:
                packages.append(mode)
                continue
            try:
                found = _DATA_DIR_IN_MODE.findall(mode_file.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                found = []
            packages.extend(found or [mode])
        packages = sorted(set(packages))
        versions: dict[str, str] = {}
        if shutil.which("dpkg-query"):
            try:
                proc = subprocess.run(
                    ["dpkg-query", "-W", "-f=${Package}\t${Version}\n", "apertium", *packages],
                    capture_output=True, text=True, timeout=10,
                )
                for line in proc.stdout.splitlines():
                    pkg, _, version = line.partition("\t")
                    if version:
                        versions[pkg] = version
            except (OSError, subprocess.SubprocessError):
                pass
        head = f"apertium-{versions['apertium']}" if "apertium" in versions else "apertium"
        data = [f"{p.removeprefix('apertium-')}-{versions[p]}" if p in versions else p for p in packages]
        return f"{head}/{'+'.join(data)}"

    # -- Engine API ----------------------------------------------------------------------------

    @property
    def pairs(self) -> dict[tuple[str, str], str]:
        """(src, tgt) ISO 639-1 pair -> apertium mode name."""
        return dict(self._modes)

    def supports(self, src: str, tgt: str) -> bool:
        return (_lang(src), _lang(tgt)) in self._modes

    def translate(self, sentences: Sequence[str], src: str, tgt: str) -> list[str]:
        src, tgt = _lang(src), _lang(tgt)
        mode = self._modes.get((src, tgt))
        if mode is None:
            known = ", ".join(f"{a}->{b}" for a, b in sorted(self._modes))
            raise EngineUnavailable(
                f"apertium has no {src}->{tgt} language pair installed (installed: {known}); "
                f"look for one with: apt-cache search apertium"
            )
        out = [""] * len(sentences)
        todo = [(i, _clean(s)) for i, s in enumerate(sentences) if s and s.strip()]
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start : start + self.batch_size]
            translated = self._translate_batch(mode, [text for _, text in chunk])
            for (i, _), text in zip(chunk, translated, strict=True):
                out[i] = text
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "model": self.model,
            "pairs": sorted(f"{a}-{b}" for a, b in self._modes),
            "batch_size": self.batch_size,
        }

    # -- subprocess ----------------------------------------------------------------------------

    def _translate_batch(self, mode: str, texts: list[str]) -> list[str]:
        n = len(texts)
        output = self._run(mode, "\n\n".join(texts) + "\n")
        if not output.strip():
            # A broken stage in apertium's shell pipeline can exit 0 with nothing on stdout.
            raise EngineUnavailable(f"apertium {mode} produced no output for {n} sentences: {INSTALL_HINT}")
        lines = output.split("\n")
        expected = 2 * n - 1
        aligned = (
            len(lines) >= expected
            and all(not line.strip() for line in lines[1:expected:2])
            and all(not line.strip() for line in lines[expected:])
        )
        if aligned:
            return [" ".join(line.split()) for line in lines[0:expected:2]]
        log.warning("apertium %s output did not line up with %d inputs; translating one by one", mode, n)
        return [" ".join(self._run(mode, text + "\n").split()) for text in texts]

    def _run(self, mode: str, payload: str) -> str:
        cmd = [self._exe]
        if self._datadir is not None:
            cmd += ["-d", self._datadir]
        cmd += ["-u", "-f", "txt", mode]
        data = payload.encode("utf-8")
        timeout = self.timeout + len(data) / 1000.0
        try:
            proc = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise EngineUnavailable(
                f"apertium {mode} did not finish within {timeout:.0f} s on {len(data)} bytes; "
                "lower batch_size or raise timeout"
            ) from exc
        except OSError as exc:
            raise EngineUnavailable(f"cannot run apertium ({exc}): {INSTALL_HINT}") from exc
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", errors="replace").strip()[-500:]
            raise EngineUnavailable(f"apertium {mode} failed (exit {proc.returncode}): {err or 'no message'}")
        return proc.stdout.decode("utf-8", errors="replace")
