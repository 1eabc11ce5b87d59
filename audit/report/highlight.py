"""Cut a document into pieces for highlighting, and mark the words a round trip lost.

Offsets are Python code points, so the cutting happens here and the browser never needs to
index into the text (JavaScript strings count UTF-16 units, which differ outside the BMP).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

SEVERITY_RANK = {"info": 0, "minor": 1, "major": 2, "critical": 3}


@dataclass(frozen=True, slots=True)
class Span:
    finding_id: str
    start: int
    end: int
    category: str
    severity: str


@dataclass(slots=True)
class Piece:
    """A run of text covered by the same set of findings (none for plain text)."""

    text: str
    spans: list[Span] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    """Findings whose first piece this is: the first becomes the mark's id, the rest empty anchors."""
    insertion: bool = False
    """A zero-width finding (something missing at this point): rendered as a caret, no text."""

    @property
    def ids(self) -> str:
        return " ".join(s.finding_id for s in self.spans)

    @property
    def lead(self) -> Span:
        """The span that decides the colour: the most severe, then the narrowest."""
        return max(self.spans, key=lambda s: (SEVERITY_RANK.get(s.severity, 0), -(s.end - s.start)))

    @property
    def classes(self) -> str:
        lead = self.lead
        cls = ["finding", f"cat-{lead.category}", f"sev-{lead.severity}"]
        if len(self.spans) > 1:
            cls.append("overlap")
        if self.insertion:
            cls.append("insertion")
        return " ".join(cls)


def pieces(text: str, spans: Sequence[Span]) -> list[Piece]:
    """Non-overlapping pieces that concatenate (insertions aside) to exactly `text`."""
    valid = [s for s in spans if 0 <= s.start <= s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    starts: dict[int, list[Span]] = {}
    for s in sorted(valid, key=lambda s: (s.start, -(s.end - s.start))):
        starts.setdefault(s.start, []).append(s)
    out: list[Piece] = []
    anchored: set[str] = set()
    for a, b in zip(cuts, [*cuts[1:], None], strict=False):
        for s in starts.get(a, []):  # zero-width findings at this cut
            if s.start == s.end and s.finding_id not in anchored:
                anchored.add(s.finding_id)
                out.append(Piece("", [s], [s.finding_id], insertion=True))
        if b is None:
            break
        covering = [s for s in valid if s.start <= a and b <= s.end and s.start < s.end]
        fresh = [s.finding_id for s in covering if s.start == a and s.finding_id not in anchored]
        anchored.update(fresh)
        piece = Piece(text[a:b], covering, fresh)
        if out and not out[-1].insertion and not piece.anchors and _same(out[-1].spans, covering):
            out[-1].text += piece.text  # no new boundary worth a tag
        else:
            out.append(piece)
    return out


def _same(a: list[Span], b: list[Span]) -> bool:
    return {s.finding_id for s in a} == {s.finding_id for s in b}


_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}'’-]*")


def lost_words(sentence: str, backtranslation: str) -> list[tuple[str, bool]]:
    """The sentence as (chunk, lost) pairs: a word is lost when the round trip does not bring it back.

    Case-insensitive, and a word counts as kept when the back-translation has it or a form that
    shares its first five letters (inflection changes are not losses worth showing).
    """
    kept = {w.lower() for w in _WORD.findall(backtranslation)}
    stems = {w[:5] for w in kept if len(w) >= 5}
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _WORD.finditer(sentence):
        if m.start() > pos:
            out.append((sentence[pos : m.start()], False))
        word = m.group().lower()
        lost = word not in kept and not (len(word) >= 5 and word[:5] in stems)
        out.append((m.group(), lost))
        pos = m.end()
    if pos < len(sentence):
        out.append((sentence[pos:], False))
    return out
