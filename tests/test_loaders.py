from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from audit.loaders import InputError, decode_bytes, iter_documents

ARTICLE = "Putin arrived in Hanoi on Thursday for a state visit.\n\nHe met To Lam."


def docs_of(*paths: Path, max_bytes: int = 5_000_000):
    return {d.doc_id: d for d in iter_documents(list(paths), max_bytes)}


def test_folder_is_read_recursively_with_relative_ids(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text("# Title\n\nBody text here.", encoding="utf-8")
    (tmp_path / "ignored.json").write_text("{}", encoding="utf-8")
    docs = docs_of(tmp_path)
    assert sorted(docs) == ["a.txt", "sub/b.md"]
    assert docs["a.txt"].text == ARTICLE and docs["a.txt"].encoding == "utf-8"


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        ("Café “quoted”".encode("utf-8-sig"), "utf-8-sig", "Café “quoted”"),
        ("Café “quoted”".encode("utf-16"), "utf-16", "Café “quoted”"),
        ("Café crème, naïve".encode(), "utf-8", "Café crème, naïve"),
        (b"Line one\r\nLine two", "utf-8", "Line one\nLine two"),
    ],
)
def test_decoding(data: bytes, encoding: str, expected: str) -> None:
    assert decode_bytes(data) == (expected, encoding)


def test_legacy_encoding_is_detected_and_recorded(tmp_path: Path) -> None:
    text = ("Le président français a déclaré jeudi que la coopération économique était "
            "essentielle pour l'été prochain, selon l'Élysée. ") * 3
    (tmp_path / "legacy.txt").write_bytes(text.encode("cp1252"))
    doc = docs_of(tmp_path)["legacy.txt"]
    assert doc.error is None
    assert doc.text == text
    assert doc.encoding.lower().replace("_", "") in {"cp1252", "latin1", "iso88591", "windows1252"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n  \t", "empty"),
        ("big.txt", b"word " * 100, "max_bytes"),
    ],
)
def test_bad_documents_get_an_error_row(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text(ARTICLE, encoding="utf-8")
    docs = docs_of(tmp_path, max_bytes=200)
    assert docs["good.txt"].error is None
    assert message in (docs[name].error or "")


def test_unreadable_file_gets_an_error_row(tmp_path: Path) -> None:
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing-target.txt")
    (tmp_path / "good.txt").write_text(ARTICLE, encoding="utf-8")
    docs = docs_of(tmp_path)
    assert "cannot read" in (docs["dangling.txt"].error or "")
    assert docs["good.txt"].error is None


def test_missing_path_is_an_argument_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        list(iter_documents([tmp_path / "nope"]))


def test_html_is_reduced_to_article_text(tmp_path: Path) -> None:
    html = (
        "<html><head><title>t</title></head><body><nav><a href='/'>Home</a> <a>World</a></nav>"
        "<article><h1>Putin arrives in Vietnam</h1>"
        + "".join(f"<p>Paragraph {i}: Russian President Vladimir Putin met Vietnamese leaders in "
                  f"Hanoi on Thursday to discuss trade, energy and education.</p>" for i in range(4))
        + "</article><footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"
    )
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    doc = docs_of(tmp_path)["page.html"]
    assert doc.error is None
    assert "Paragraph 3: Russian President" in doc.text
    assert "<p>" not in doc.text


def _rows() -> list[dict]:
    return [
        {"id": "a1", "text": ARTICLE, "title": "Visit", "source_lang": "es"},
        {"id": "a2", "text": "", "title": None, "source_lang": None},
        {"id": 3, "text": "Second article text.", "title": None, "source_lang": None},
    ]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_tables(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"corpus.{fmt}"
    rows = [{**r, "id": str(r["id"])} for r in _rows()] if fmt != "jsonl" else _rows()
    if fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    elif fmt == "csv":
        pl.DataFrame(rows).write_csv(path)
    else:
        pl.DataFrame(rows).write_parquet(path)
    docs = docs_of(path)
    assert docs["a1"].text == ARTICLE and docs["a1"].source_lang == "es"
    assert docs["a2"].error is not None
    assert docs["3"].text == "Second article text."


def test_table_without_text_column_is_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "x", "body": "no text column"}), encoding="utf-8")
    (tmp_path / "ok.txt").write_text(ARTICLE, encoding="utf-8")
    docs = docs_of(path, tmp_path / "ok.txt")
    assert "lacks column" in (docs["bad.jsonl"].error or "")
    assert docs["ok.txt"].error is None


def test_colliding_ids_from_two_corpora_stay_unique(tmp_path: Path) -> None:
    for sub in ("one", "two"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert sorted(docs_of(tmp_path / "one", tmp_path / "two")) == ["a.txt", "a.txt#2"]
