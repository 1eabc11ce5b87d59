"""Per-document checkpoints: an interrupted run resumes where it stopped (`mtaudit run --resume`).

Every audited document's rule findings and scores are appended to OUT/.mtaudit/checkpoint.jsonl
as soon as they exist, flushed and fsynced in small batches, so Ctrl-C, kill -9 or a full disk
lose at most the last batch. The first line names what the entries are valid for: the mtaudit
version, the config digest and the digest of the corpus-level evidence the detectors fitted
(entity variants, recurring lines). A resumed run reuses an entry when the document's content
hash is unchanged and that header still matches; otherwise the document is audited again.
Corpus-level passes (corroboration, fidelity statistics) always run over the whole corpus.

Entries of documents that changed or left the corpus are dropped once a run has been through
every document: the file is rewritten (temp file + rename) with the current entry of each
document, so a checkpoint resumed run after run stays the size of the corpus.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import fields
from pathlib import Path
from typing import IO, Any

from audit.records import Document, DocumentResult, Finding, content_hash

log = logging.getLogger(__name__)
FORMAT = "mtaudit-checkpoint/1"


def evidence_digest(detectors: list[Any]) -> str:
    """What the fitted detectors know about the corpus, as one hash."""
    h = hashlib.sha256()
    for det in detectors:
        state = det.state()
        h.update(f"{det.name}:{det.version}:".encode())
        h.update(json.dumps(state, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


class Checkpoint:
    """Append-only store of finished documents, keyed by doc_id and content hash."""

    def __init__(self, out: str | Path, header: dict[str, Any], resume: bool,
                 flush_every: int = 20, flush_seconds: float = 1.0) -> None:
        self.path = Path(out) / ".mtaudit" / "checkpoint.jsonl"
        self.header = {"format": FORMAT, **header}
        self.entries: dict[str, tuple[str, int, int]] = {}
        """doc_id -> (content hash, byte offset, line number) of its latest entry in the file: the
        entry itself is read back when it is reused (all of them as objects grew a resumed run's
        memory with the corpus)."""
        self._reader: IO[bytes] | None = None
        self.reused = 0
        self.audited = 0
        self.dropped = 0
        self._lines = 0
        """Entry lines in the file, current or not (the header not counted)."""
        self._live: dict[str, int] = {}
        """Documents whose entry this run reused or wrote, and its line number."""
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self._pending = 0
        self._last_flush = time.monotonic()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.path.is_file():
            self._load()
        mode = "a" if self.entries else "w"
        self._fh: IO[str] | None = self.path.open(mode, encoding="utf-8")
        if mode == "w":
            self._lines = 0
            self._fh.write(json.dumps(self.header, sort_keys=True) + "\n")
            self._flush(force=True)
        elif self._truncated_tail:
            self._fh.write("\n")  # close a line a killed run left half written
            self._lines += 1

    _truncated_tail = False

    def _load(self) -> None:
        with self.path.open("rb") as fh:
            first = fh.readline()
            try:
                header = json.loads(first.decode("utf-8", errors="replace"))
            except json.JSONDecodeError:
                header = None
            if header != self.header:
                log.warning("checkpoint %s was made with another version, config or corpus evidence: "
                            "auditing every document again", self.path)
                return
            offset = len(first)
            for line in fh:
                if not line.endswith(b"\n"):
                    self._truncated_tail = True
                    break
                self._lines += 1
                try:
                    row = json.loads(line.decode("utf-8", errors="replace"))
                    key = (str(row["doc_hash"]), offset, self._lines - 1)
                    doc_id = row["doc_id"]
                    self.entries[doc_id] = key
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    pass  # a damaged line: that document is audited again (or its earlier entry used)
                offset += len(line)
        self._reader = self.path.open("rb")

    def get(self, doc: Document) -> tuple[list[Finding], DocumentResult] | None:
        hit = self.entries.get(doc.doc_id)
        if hit is None or hit[0] != content_hash(doc.text) or self._reader is None:
            return None
        doc_hash, offset, line_no = hit
        self._reader.seek(offset)
        try:
            row = json.loads(self._reader.readline().decode("utf-8", errors="replace"))
            if row["doc_id"] != doc.doc_id or row["doc_hash"] != doc_hash:
                return None  # the file changed under this run: audit the document again
            findings = [_finding(f) for f in row["findings"]]
            saved = row["result"]
            saved["text"] = ""  # the hash vouches for the text; the document gives it back
            result = DocumentResult(**{f.name: saved.get(f.name) for f in fields(DocumentResult)})
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            return None  # a damaged entry: the document is audited again
        self.reused += 1
        self._live[doc.doc_id] = line_no
        return findings, result

    def add(self, doc: Document, findings: list[Finding], result: DocumentResult) -> None:
        if self._fh is None:
            return
        row = {"doc_id": doc.doc_id, "doc_hash": content_hash(doc.text),
               "findings": [_row(f) for f in findings], "result": {**_row(result), "text": ""}}
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.audited += 1
        self._live[doc.doc_id] = self._lines
        self._lines += 1
        self._pending += 1
        self._flush()

    def _flush(self, force: bool = False) -> None:
        if self._fh is None:
            return
        now = time.monotonic()
        if force or self._pending >= self.flush_every or now - self._last_flush >= self.flush_seconds:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._pending = 0
            self._last_flush = now

    def close(self, complete: bool = False) -> None:
        """`complete`: the run went through every document, so entries it did not use are stale
        (their document changed or left the corpus) and are dropped."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._fh is not None:
            self._flush(force=True)
            self._fh.close()
            self._fh = None
            if complete and self._lines > len(self._live):
                self._compact()

    def _compact(self) -> None:
        keep = set(self._live.values())
        tmp = self.path.with_name(self.path.name + ".tmp")
        with self.path.open(encoding="utf-8", errors="replace") as src, \
                tmp.open("w", encoding="utf-8") as dst:
            dst.write(src.readline())
            for n, line in enumerate(src):
                if n in keep:
                    dst.write(line)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, self.path)  # a crash before this leaves the old, longer checkpoint: still valid
        self.dropped = self._lines - len(keep)
        self._lines = len(keep)

    def info(self) -> dict[str, Any]:
        return {"path": str(self.path), "reused": self.reused, "audited": self.audited,
                "dropped": self.dropped}


def _row(record: Finding | DocumentResult) -> dict[str, Any]:
    """`asdict` without its deep copy (the fields are scalars and a flat evidence dict, written
    out at once): the deep copy was most of a checkpoint write."""
    return {name: getattr(record, name) for name in _FIELD_NAMES[type(record)]}


_FIELD_NAMES = {cls: tuple(f.name for f in fields(cls)) for cls in (Finding, DocumentResult)}


def _finding(row: dict[str, Any]) -> Finding:
    return Finding(**{k.name: row[k.name] for k in fields(Finding) if k.name in row})
