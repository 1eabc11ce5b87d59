"""Read a corpus into `Document`s: folders, single files and JSONL/CSV/Parquet tables.

A bad document never stops the run: it becomes a `Document` with `error` set. Only a path that
does not exist is an error of the arguments (`InputError`).
"""

from __future__ import annotations

import codecs
import logging
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from audit.records import Document

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
TABLE_SUFFIXES = {".jsonl", ".ndjson", ".csv", ".parquet"}
TABLE_COLUMNS = ("id", "text", "title", "url", "source", "source_lang")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class InputError(ValueError):
    """A corpus argument cannot be used at all (e.g. it does not exist)."""


def iter_documents(paths: list[str | Path], max_bytes: int = 5_000_000) -> Iterator[Document]:
    """Documents of every corpus path in a stable order; doc ids are unique."""
    for p in paths:
        if not Path(p).exists():
            raise InputError(f"corpus path does not exist: {p}")
    seen: set[str] = set()
    for p in paths:
        for doc in _iter_path(Path(p), max_bytes):
            doc_id, n = doc.doc_id, 2
            while doc_id in seen:  # two corpora with the same file names
                doc_id, n = f"{doc.doc_id}#{n}", n + 1
            seen.add(doc_id)
            yield doc if doc_id == doc.doc_id else _renamed(doc, doc_id)


def _renamed(doc: Document, doc_id: str) -> Document:
    from dataclasses import replace

    return replace(doc, doc_id=doc_id)


def _iter_path(path: Path, max_bytes: int) -> Iterator[Document]:
    if path.is_dir():
        entries = sorted(path.rglob("*"))
        for link in (f for f in entries if f.is_symlink() and f.is_dir()):  # rglob does not descend
            log.warning("not following folder symlink %s (a loop, or a folder elsewhere: give its target "
                        "as a corpus path to audit it)", link)
        files = [f for f in entries if f.suffix.lower() in TEXT_SUFFIXES and not f.is_dir()]
        for f in files:
            rel = _file_id(f.relative_to(path).as_posix())
            if _special(f):
                yield _error(rel, "not a regular file (a FIFO, socket or device in the folder): not read")
            else:
                yield read_text_file(f, rel, max_bytes)
    elif path.suffix.lower() in TABLE_SUFFIXES:
        yield from read_table(path, max_bytes)
    else:
        yield read_text_file(path, _file_id(path.name), max_bytes)


def _file_id(name: str) -> str:
    """A file name that is not UTF-8 (`caf\\xe9.txt` on Linux) reaches Python with lone surrogates,
    which no output file can encode: its raw bytes are spelt out instead."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file system produced
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _special(path: Path) -> bool:
    """A FIFO, socket or device met in a folder: reading a FIFO without a writer blocks forever and
    /dev/zero never ends. (Named on the command line, a pipe such as `<(zcat ...)` is read.)"""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False  # unreadable: read_text_file says why


def read_text_file(path: Path, doc_id: str, max_bytes: int) -> Document:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _error(doc_id, f"document is {size} bytes, above max_bytes={max_bytes}; "
                                  "raise max_bytes in the config to audit it")
        data = path.read_bytes()
    except OSError as exc:
        return _error(doc_id, f"cannot read file: {exc.strerror or exc}")
    try:
        text, encoding = decode_bytes(data)
    except ValueError as exc:
        return _error(doc_id, str(exc))
    if path.suffix.lower() in {".html", ".htm"}:
        extracted = extract_html(text)
        if extracted is None:
            return _error(doc_id, "no article text could be extracted from the HTML", encoding)
        text = extracted
    return _checked(Document(doc_id=doc_id, text=text, encoding=encoding))


def decode_bytes(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not), UTF-16/32 with BOM, else a detected legacy encoding."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _normalise_newlines(data.decode(enc)), enc
            except UnicodeDecodeError as exc:
                raise ValueError(f"invalid {enc} despite its byte-order mark: {exc}") from None
    if _looks_binary(data):
        raise ValueError("binary file, not text (NUL or control bytes)")
    try:
        return _normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ValueError("undecodable text: not UTF-8 and no legacy encoding fits")
    text = str(best)
    # Single-byte code pages often decode Western text identically; prefer the web's default.
    try:
        if data.decode("cp1252") == text:
            return _normalise_newlines(text), "cp1252"
    except UnicodeDecodeError:
        pass
    return _normalise_newlines(text), best.encoding


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # C speed, not a loop per byte
    return bool(sample) and controls / len(sample) > 0.05


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def extract_html(html: str) -> str | None:
    """Main article text by trafilatura (furniture removed, paragraphs kept)."""
    import trafilatura

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_recall=True
    )
    return _normalise_newlines(text) if text else None


def read_table(path: Path, max_bytes: int) -> Iterator[Document]:
    import polars as pl

    name = _file_id(path.name)
    try:
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif suffix == ".csv":
            frame = pl.read_csv(path, infer_schema=False)
        else:
            frame = pl.read_ndjson(path, infer_schema_length=None)
    except Exception as exc:  # polars raises many error types for malformed tables
        yield _error(name, f"cannot read table: {exc}")
        return
    missing = [c for c in ("id", "text") if c not in frame.columns]
    if missing:
        yield _error(name, f"table lacks column(s) {', '.join(missing)}; a table needs "
                           f"'id' and 'text' (optional: {', '.join(TABLE_COLUMNS[2:])})")
        return
    cols = [c for c in TABLE_COLUMNS if c in frame.columns]
    for row in frame.select(cols).iter_rows(named=True):
        doc_id = str(row["id"]) if row["id"] is not None else ""
        if not doc_id:
            yield _error(f"{name}:row-without-id", "row has an empty id")
            continue
        text = row["text"]
        if not isinstance(text, str):
            yield _error(doc_id, "text is missing or not a string")
            continue
        if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            yield _error(doc_id, f"text is above max_bytes={max_bytes}; raise max_bytes to audit it")
            continue
        meta = {k: (str(row[k]) if row.get(k) is not None else None) for k in cols[2:]}
        yield _checked(Document(doc_id=doc_id, text=_normalise_newlines(text), **meta))


def _checked(doc: Document) -> Document:
    if not doc.text.strip():
        return _error(doc.doc_id, "empty document", doc.encoding)
    return doc


def _error(doc_id: str, message: str, encoding: str = "") -> Document:
    return Document(doc_id=doc_id, text="", encoding=encoding, error=message)


def attach_sources(
    docs: Iterable[Document], source_dir: str | Path, source_lang: str | None = None,
    max_bytes: int = 5_000_000,
) -> Iterator[Document]:
    """Give each document the original it was translated from, found in a parallel folder.

    A document `a/b.txt` is matched with `SOURCE_DIR/a/b.txt`, else any file `SOURCE_DIR/a/b.*`
    with a text suffix. The source language is `source_lang`, else detected from the source text.
    Documents without a match keep no source (they get a round trip instead). Lazy: documents
    are read one at a time, as the caller asks for them.
    """
    root = Path(source_dir)
    if not root.is_dir():
        raise InputError(f"--source-dir is not a folder: {source_dir}")
    return _with_sources(docs, root, source_lang, max_bytes)


def _with_sources(docs: Iterable[Document], root: Path, source_lang: str | None, max_bytes: int
                  ) -> Iterator[Document]:
    from dataclasses import replace

    from audit.lang import detect_language

    for doc in docs:
        match = _source_file(root, doc.doc_id)
        if doc.error or match is None:
            yield doc
            continue
        src = read_text_file(match, doc.doc_id, max_bytes)
        if src.error:
            yield doc
            continue
        lang = source_lang
        if not lang:
            guess = detect_language(src.text[:5000])
            lang = guess.lang if guess else None
        yield replace(doc, source=src.text, source_lang=lang)


def _source_file(root: Path, doc_id: str) -> Path | None:
    rel = Path(doc_id.split("#", 1)[0])
    exact = root / rel
    if exact.is_file():
        return exact
    folder = (root / rel).parent
    if folder.is_dir():
        for candidate in sorted(folder.glob(f"{rel.stem}.*")):
            if candidate.suffix.lower() in TEXT_SUFFIXES and candidate.is_file():
                return candidate
    return None
