"""Mojibake: text decoded with the wrong encoding somewhere upstream (`â€™`, `Ã©`).

ftfy (already required by wordfreq) knows the byte-level signatures of these accidents and how
to undo them, so its repair is both the evidence and the suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from audit.corpus import CorpusIndex
from audit.detectors.base import Detector
from audit.records import Document, Finding

# A run of non-space characters that contains something outside plain ASCII.
_CANDIDATE = regex.compile(r"\S*[^\x00-\x7f]\S*")


class MojibakeDetector(Detector):
    name = "mojibake"
    version = "1"
    categories = ("encoding",)

    def detect(self, doc: Document, corpus: CorpusIndex) -> Iterable[Finding]:
        from ftfy import fix_text
        from ftfy.badness import is_bad

        if not is_bad(doc.text):
            return
        for m in _CANDIDATE.finditer(doc.text):
            token = m.group()
            if not is_bad(token):
                continue
            fixed = fix_text(token, uncurl_quotes=False)
            if fixed != token:
                yield self.finding(
                    doc, m.start(), m.end(), "encoding", "major",
                    f"mojibake (text decoded with the wrong encoding); reads as '{fixed}'",
                    suggestion=fixed, confidence=0.9,
                )
