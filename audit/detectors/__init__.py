"""Detector registry: one plain table of name -> "module:Class", imported on first use.

Adding a detector touches its module, this table, its data file and its test: nothing else.
"""

from __future__ import annotations

from importlib import import_module

from audit.detectors.base import Detector

DETECTORS: dict[str, str] = {
    "merged_word": "audit.detectors.merged_word:MergedWordDetector",
    "caption": "audit.detectors.caption:CaptionDetector",
    "boilerplate": "audit.detectors.boilerplate:BoilerplateDetector",
    "duplicate": "audit.detectors.duplicate:DuplicateDetector",
    "untranslated": "audit.detectors.untranslated:UntranslatedDetector",
    "entity": "audit.detectors.entity:EntityDetector",
    "calque": "audit.detectors.calque:CalqueDetector",
    "mt_disclosure": "audit.detectors.mt_disclosure:MTDisclosureDetector",
    "mojibake": "audit.detectors.mojibake:MojibakeDetector",
}


def detector_class(name: str) -> type[Detector]:
    try:
        target = DETECTORS[name]
    except KeyError:
        raise KeyError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}") from None
    module, _, cls = target.partition(":")
    return getattr(import_module(module), cls)


__all__ = ["DETECTORS", "Detector", "detector_class"]
