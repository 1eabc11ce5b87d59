"""Hugging Face seq2seq models (Marian opus-mt, NLLB-200, M2M100) as an MT engine.

The model spec names the weights per direction, so one engine can cover a whole audit:

- ``Helsinki-NLP/opus-mt-en-es``: that direction, and the reverse by swapping the codes in the name;
- ``/models/opus-mt-{src}-{tgt}``: a template, any direction;
- ``en-pt=/path/a,pt-en=/path/b``: an explicit mapping;
- ``facebook/nllb-200-distilled-600M`` (or M2M100): one multilingual model for every pair it knows.

Nothing is downloaded unless ``MTAUDIT_ALLOW_DOWNLOAD=1``: a hub id must already be in the local
cache. torch and transformers are imported only when an engine is built, so importing this module
stays cheap for runs that never use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.translate.base import Engine, EngineUnavailable, normalise_lang

# ISO 639-1 -> NLLB-200 (FLORES) code; M2M100 uses the ISO codes themselves.
NLLB_CODES: dict[str, str] = {
    "ar": "arb_Arab", "bg": "bul_Cyrl", "bn": "ben_Beng", "ca": "cat_Latn", "cs": "ces_Latn",
    "da": "dan_Latn", "de": "deu_Latn", "el": "ell_Grek", "en": "eng_Latn", "es": "spa_Latn",
    "et": "est_Latn", "eu": "eus_Latn", "fa": "pes_Arab", "fi": "fin_Latn", "fr": "fra_Latn",
    "gl": "glg_Latn", "he": "heb_Hebr", "hi": "hin_Deva", "hr": "hrv_Latn", "hu": "hun_Latn",
    "id": "ind_Latn", "it": "ita_Latn", "ja": "jpn_Jpan", "ko": "kor_Hang", "lt": "lit_Latn",
    "lv": "lvs_Latn", "ms": "zsm_Latn", "nb": "nob_Latn", "nl": "nld_Latn", "no": "nob_Latn",
    "pl": "pol_Latn", "pt": "por_Latn", "ro": "ron_Latn", "ru": "rus_Cyrl", "sk": "slk_Latn",
    "sl": "slv_Latn", "sr": "srp_Cyrl", "sv": "swe_Latn", "sw": "swh_Latn", "th": "tha_Thai",
    "tr": "tur_Latn", "uk": "ukr_Cyrl", "ur": "urd_Arab", "vi": "vie_Latn", "zh": "zho_Hans",
}

# A Marian-style name ends in its direction: opus-mt-en-es, opus-mt-tc-big-en-pt.
_DIRECTION_SUFFIX = re.compile(r"-([A-Za-z]{2,3})-([A-Za-z]{2,3})$")


@dataclass
class _Loaded:
    tokenizer: Any
    model: Any
    multilingual: bool


def _parse_mapping(spec: str) -> dict[tuple[str, str], str]:
    paths: dict[tuple[str, str], str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, path = item.partition("=")
        langs = key.strip().split("-")
        if not sep or len(langs) != 2 or not all(langs) or not path.strip():
            raise EngineUnavailable(
                f"bad --mt-model entry {item!r}: expected src-tgt=model, e.g. en-pt=/models/opus-mt-en-pt"
            )
        paths[(normalise_lang(langs[0]), normalise_lang(langs[1]))] = path.strip()
    return paths


def _is_multilingual(tokenizer: Any, config: Any) -> bool:
    cls = type(tokenizer).__name__
    return getattr(config, "model_type", None) == "m2m_100" or "Nllb" in cls or "M2M100" in cls


def _lang_token(tokenizer: Any, lang: str) -> tuple[str, int] | None:
    """The code and token id a multilingual tokenizer uses for `lang`, or None when it lacks it."""
    table = getattr(tokenizer, "lang_code_to_token", None)
    if isinstance(table, dict):  # M2M100: plain ISO codes, tokens like __en__
        if lang not in table:
            return None
        return lang, int(tokenizer.get_lang_id(lang))
    code = NLLB_CODES.get(lang)
    if code is None:
        return None
    token_id = tokenizer.convert_tokens_to_ids(code)
    if token_id is None or token_id == tokenizer.unk_token_id:
        return None
    return code, int(token_id)


class TransformersEngine(Engine):
    name = "transformers"

    def __init__(
        self, model: str | None = None, batch_size: int = 16, device: str = "auto", max_length: int = 256
    ) -> None:
        if not model or not model.strip():
            raise EngineUnavailable(
                "--mt-model is required for the transformers engine: a Marian model id or local path "
                "(…/opus-mt-en-pt), a template (/models/opus-mt-{src}-{tgt}), a mapping "
                "(en-pt=/path/a,pt-en=/path/b) or a multilingual NLLB/M2M100 model"
            )
        try:
            import torch
            import transformers  # noqa: F401 - fail here, not at the first batch
        except ImportError as exc:
            raise EngineUnavailable(
                "the transformers engine needs transformers and torch: pip install transformers torch"
            ) from exc

        self.model = model.strip()
        self.batch_size = max(1, int(batch_size))
        self.max_length = max(1, int(max_length))
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise EngineUnavailable(
                f"device {device!r} asked for, but torch sees no CUDA GPU: use --device cpu"
            )
        self.device = device
        self.dtype = "float16" if device.startswith("cuda") else "float32"

        # How the spec names the weights: fixed paths per direction, a template, or one multilingual model.
        self._paths: dict[tuple[str, str], str] = {}
        self._template: str | None = None
        self._multilingual_path: str | None = None
        if "=" in self.model:
            self._paths = _parse_mapping(self.model)
        elif "{src}" in self.model and "{tgt}" in self.model:
            self._template = self.model
        elif match := _DIRECTION_SUFFIX.search(self.model.rstrip("/\\")):
            spec = self.model.rstrip("/\\")
            a, b = match.groups()
            stem = spec[: match.start()]
            self._paths[(normalise_lang(a), normalise_lang(b))] = spec
            self._paths.setdefault((normalise_lang(b), normalise_lang(a)), f"{stem}-{b}-{a}")
        else:
            self._multilingual_path = self.model

        self._tokenizers: dict[str, Any] = {}
        self._configs: dict[str, Any] = {}
        self._loaded: dict[str, _Loaded] = {}

    # -- which weights serve a direction -------------------------------------------------------------

    def _path_for(self, src: str, tgt: str) -> str | None:
        if self._template is not None:
            return self._template.replace("{src}", src).replace("{tgt}", tgt)
        return self._paths.get((src, tgt), self._multilingual_path)

    def supports(self, src: str, tgt: str) -> bool:
        src, tgt = normalise_lang(src), normalise_lang(tgt)
        if src == tgt:
            return False
        if self._template is not None:
            return True
        if (src, tgt) in self._paths:
            return True
        if self._multilingual_path is None:
            return False
        try:
            tokenizer = self._tokenizer(self._multilingual_path)
            if not _is_multilingual(tokenizer, self._config(self._multilingual_path)):
                return False
        except Exception:  # unloadable: translate() raises the actionable message
            return False
        return _lang_token(tokenizer, src) is not None and _lang_token(tokenizer, tgt) is not None

    # -- loading ---------------------------------------------------------------------------------------

    def _from_pretrained(self, loader: Any, path: str) -> Any:
        """`loader.from_pretrained`, offline unless allowed, with an actionable error."""
        local = Path(path).expanduser()
        kwargs: dict[str, Any] = {}
        if not local.is_dir() and os.environ.get("MTAUDIT_ALLOW_DOWNLOAD") != "1":
            kwargs["local_files_only"] = True
        try:
            return loader.from_pretrained(str(local) if local.is_dir() else path, **kwargs)
        except Exception as exc:
            raise self._unavailable(path, exc) from exc

    def _unavailable(self, path: str, exc: Exception) -> EngineUnavailable:
        if Path(path).expanduser().is_dir():
            hint = f"the directory holds no loadable seq2seq model and tokenizer: {exc}"
        elif Path(path).is_absolute() or path.startswith((".", "~")):
            hint = f"no model directory at {path!r}; pass an existing local path with --mt-model"
        else:
            hint = (
                f"{path!r} is not a local directory and is not in the Hugging Face cache; nothing can be "
                f"downloaded here. On a machine with network run `huggingface-cli download {path}` (and copy "
                "the cache over), pass a local path with --mt-model, or set MTAUDIT_ALLOW_DOWNLOAD=1"
            )
        return EngineUnavailable(f"cannot load MT model {path!r} ({type(exc).__name__}): {hint}")

    def _tokenizer(self, path: str) -> Any:
        if path not in self._tokenizers:
            from transformers import AutoTokenizer

            self._tokenizers[path] = self._from_pretrained(AutoTokenizer, path)
        return self._tokenizers[path]

    def _config(self, path: str) -> Any:
        if path not in self._configs:
            from transformers import AutoConfig

            self._configs[path] = self._from_pretrained(AutoConfig, path)
        return self._configs[path]

    def _load(self, path: str) -> _Loaded:
        if path not in self._loaded:
            from transformers import AutoModelForSeq2SeqLM

            tokenizer = self._tokenizer(path)
            model = self._from_pretrained(AutoModelForSeq2SeqLM, path)
            model.eval().to(self.device)
            if self.dtype == "float16":
                model.half()
            self._loaded[path] = _Loaded(tokenizer, model, _is_multilingual(tokenizer, model.config))
        return self._loaded[path]

    # -- translation -----------------------------------------------------------------------------------

    def translate(self, sentences: Sequence[str], src: str, tgt: str) -> list[str]:
        src, tgt = normalise_lang(src), normalise_lang(tgt)
        out = [""] * len(sentences)
        todo = [i for i, s in enumerate(sentences) if s.strip()]
        if not todo:
            return out
        path = self._path_for(src, tgt)
        if path is None or src == tgt:
            raise EngineUnavailable(
                f"--mt-model {self.model!r} has no model for {src}->{tgt}; add one, e.g. "
                f"--mt-model '{src}-{tgt}=/path/to/opus-mt-{src}-{tgt}'"
            )
        loaded = self._load(path)
        generate_kwargs: dict[str, Any] = {"num_beams": 1, "do_sample": False}
        if loaded.multilingual:
            src_code, tgt_code = _lang_token(loaded.tokenizer, src), _lang_token(loaded.tokenizer, tgt)
            if src_code is None or tgt_code is None:
                raise EngineUnavailable(f"multilingual model {path!r} does not know {src}->{tgt}")
            loaded.tokenizer.src_lang = src_code[0]
            generate_kwargs["forced_bos_token_id"] = tgt_code[1]
        elif path == self._multilingual_path:
            raise EngineUnavailable(
                f"cannot tell which direction {path!r} translates: name it …-{src}-{tgt}, or map it "
                f"explicitly with --mt-model '{src}-{tgt}={path}'"
            )

        # Longest first, so each batch pads to similar lengths; results go back to their slots.
        todo.sort(key=lambda i: len(sentences[i]), reverse=True)
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            for i, text in zip(batch, self._generate(loaded, [sentences[i] for i in batch], generate_kwargs),
                               strict=True):
                out[i] = text
        return out

    def _generate(self, loaded: _Loaded, texts: list[str], generate_kwargs: dict[str, Any]) -> list[str]:
        import torch

        # Sinusoidal/learned positions stop at max_position_embeddings: never ask past them.
        positions = getattr(loaded.model.config, "max_position_embeddings", None) or 4 * self.max_length
        enc = loaded.tokenizer(
            texts, return_tensors="pt", padding=True, truncation=True,
            max_length=min(self.max_length, positions),
        ).to(self.device)
        # A fixed output cap, not one scaled to the padded batch: a sentence translates the same in any batch.
        max_new = min(self.max_length, positions - 2)
        with torch.inference_mode():
            generated = loaded.model.generate(**enc, max_new_tokens=max_new, **generate_kwargs)
        return [t.strip() for t in loaded.tokenizer.batch_decode(generated, skip_special_tokens=True)]

    def close(self) -> None:
        on_gpu = bool(self._loaded) and self.device.startswith("cuda")
        self._loaded.clear()
        self._tokenizers.clear()
        self._configs.clear()
        if on_gpu:
            import torch

            torch.cuda.empty_cache()

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.name, "model": self.model, "device": self.device, "dtype": self.dtype,
            "batch_size": self.batch_size,
        }
