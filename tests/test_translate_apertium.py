"""The apertium engine: discovery, the batch protocol (against a fake command) and real translations."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from audit.translate.apertium import ApertiumEngine
from audit.translate.base import EngineUnavailable, make_engine

needs_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None,
    reason="apertium not installed (apt-get install apertium apertium-eng-spa apertium-eng-cat)",
)

# -- without apertium -------------------------------------------------------------------------------


def test_missing_command_raises_with_install_hint(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(EngineUnavailable, match=r"apertium is not installed: apt-get install apertium"):
        ApertiumEngine()
    with pytest.raises(EngineUnavailable, match="apt-get install"):
        make_engine("apertium")


# -- a fake `apertium` on PATH: checks the protocol, runs everywhere -------------------------------

FAKE = """\
import json, os, sys
args = sys.argv[1:]
data = sys.stdin.read()
with open(os.environ["FAKE_APERTIUM_LOG"], "a") as f:
    f.write(json.dumps({"args": args, "stdin": data}) + "\\n")
if "BOOM" in data:
    sys.stderr.write("fake failure\\n")
    sys.exit(3)
if "SILENT" in data:
    sys.exit(0)
out = data.upper()
# A sentence containing SPLIT comes back on two lines, which breaks the alignment of a batch.
out = out.replace("SPLIT", "SP\\nLIT")
sys.stdout.write(out)
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "apertium"
    exe.write_text(f"#!{sys.executable}\n{FAKE}")
    exe.chmod(0o755)
    modes = tmp_path / "data" / "modes"
    modes.mkdir(parents=True)
    for mode in ["eng-spa", "spa-eng", "eng-cat", "cat-eng_US", "eng-cat_valencia", "glg-por", "en-es"]:
        pair = mode.split("_")[0]
        (modes / f"{mode}.mode").write_text(f"lt-proc '/usr/share/apertium/apertium-{pair}/{pair}.automorf.bin'\n")
    (modes / "README").write_text("not a mode\n")
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_APERTIUM_LOG", str(log))
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")

    def calls() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return modes, calls


def test_fake_mode_discovery(fake):
    modes, _ = fake
    engine = ApertiumEngine(modes_dir=str(modes))
    assert engine.pairs == {
        ("en", "es"): "eng-spa",  # the three-letter mode wins over the legacy en-es one
        ("es", "en"): "spa-eng",
        ("en", "ca"): "eng-cat",
        ("gl", "pt"): "glg-por",
    }
    assert engine.supports("en", "ca")
    assert engine.supports("eng", "spa") and engine.supports("en-GB", "es-ES")
    assert not engine.supports("ca", "en")  # only the cat-eng_US variant exists
    assert not engine.supports("en", "pt")
    assert engine.model.startswith("apertium")
    assert "eng-spa" in engine.model and "glg-por" in engine.model
    assert make_engine("apertium", modes_dir=str(modes), device="cpu").pairs == engine.pairs


def test_fake_batch_protocol(fake):
    modes, calls = fake
    engine = ApertiumEngine(modes_dir=str(modes))
    sents = ["one", "", "two\nlines", "   ", "^ $ [ ] \\ @ * # / < >", "three\ttabs  and\r\nbreaks"]
    out = engine.translate(sents, "en", "es")
    assert out == ["ONE", "", "TWO LINES", "", "^ $ [ ] \\ @ * # / < >", "THREE TABS AND BREAKS"]
    (call,) = calls()
    assert call["args"] == ["-d", str(modes.parent), "-u", "-f", "txt", "eng-spa"]
    # Blank lines separate sentences; empty ones never reach the command.
    assert call["stdin"] == "one\n\ntwo lines\n\n^ $ [ ] \\ @ * # / < >\n\nthree tabs and breaks\n"


def test_fake_batches_and_skips_empty_input(fake):
    modes, calls = fake
    engine = ApertiumEngine(modes_dir=str(modes), batch_size=2)
    assert engine.translate(["a", "b", "c", "d", "e"], "es", "en") == ["A", "B", "C", "D", "E"]
    assert len(calls()) == 3
    assert engine.translate(["", "  ", "\n"], "es", "en") == ["", "", ""]
    assert engine.translate([], "es", "en") == []
    assert len(calls()) == 3


def test_fake_misaligned_batch_falls_back_to_one_call_per_sentence(fake):
    modes, calls = fake
    engine = ApertiumEngine(modes_dir=str(modes))
    out = engine.translate(["first", "a SPLIT here", "", "last"], "en", "es")
    assert out == ["FIRST", "A SP LIT HERE", "", "LAST"]
    stdins = [c["stdin"] for c in calls()]
    assert stdins == ["first\n\na SPLIT here\n\nlast\n", "first\n", "a SPLIT here\n", "last\n"]


def test_fake_failures_are_reported(fake):
    modes, _ = fake
    engine = ApertiumEngine(modes_dir=str(modes))
    with pytest.raises(EngineUnavailable, match=r"exit 3.*fake failure"):
        engine.translate(["BOOM"], "en", "es")
    with pytest.raises(EngineUnavailable, match="no output"):
        engine.translate(["SILENT"], "en", "es")
    with pytest.raises(EngineUnavailable, match="no en->pt language pair"):
        engine.translate(["hello"], "en", "pt")


def test_fake_bad_modes_dir(fake, tmp_path):
    with pytest.raises(EngineUnavailable, match="not found"):
        ApertiumEngine(modes_dir=str(tmp_path / "nowhere"))
    other = tmp_path / "elsewhere"
    other.mkdir()
    with pytest.raises(EngineUnavailable, match="must be named 'modes'"):
        ApertiumEngine(modes_dir=str(other))
    empty = tmp_path / "empty" / "modes"
    empty.mkdir(parents=True)
    with pytest.raises(EngineUnavailable, match="no language pairs installed"):
        ApertiumEngine(modes_dir=str(empty))


# -- the real command ------------------------------------------------------------------------------

NEWS_EN = [
    "The president announced new measures to fight inflation on Tuesday.",
    "The government will increase spending on health and education next year.",
    "Thousands of people gathered in the capital to protest against the new law.",
]
NEWS_ES = [
    "El presidente anunció nuevas medidas contra la inflación el martes.",
    "El gobierno aumentará el gasto en sanidad y educación el próximo año.",
]


@pytest.fixture(scope="module")
def real() -> ApertiumEngine:
    if shutil.which("apertium") is None:
        pytest.skip("apertium not installed")
    try:
        return ApertiumEngine()
    except EngineUnavailable as exc:
        pytest.skip(str(exc))


@needs_apertium
def test_real_supports(real):
    for src, tgt in [("en", "es"), ("es", "en"), ("en", "ca"), ("ca", "en")]:
        assert real.supports(src, tgt), (src, tgt)
    assert not real.supports("en", "pt")
    assert real.model.startswith("apertium")
    assert "eng-spa" in real.model


@needs_apertium
def test_real_en_es(real):
    out = real.translate(NEWS_EN, "en", "es")
    assert len(out) == 3
    assert "presidente" in out[0] and "martes" in out[0] and "inflación" in out[0]
    assert "gobierno" in out[1] and "educación" in out[1]
    assert "capital" in out[2] and "ley" in out[2]
    assert all("\n" not in s and s == s.strip() for s in out)


@needs_apertium
def test_real_es_en(real):
    out = real.translate(NEWS_ES, "es", "en")
    assert "president" in out[0] and "Tuesday" in out[0]
    assert "government" in out[1] and "education" in out[1]


@needs_apertium
def test_real_en_ca(real):
    out = real.translate(NEWS_EN[:2], "en", "ca")
    assert "president" in out[0] and "dimarts" in out[0]
    assert "salut" in out[1] and "educació" in out[1]
    back = real.translate(["El president va anunciar noves mesures dimarts."], "ca", "en")
    assert "president" in back[0] and "Tuesday" in back[0]


@needs_apertium
def test_real_sentences_do_not_leak_across_lines(real):
    # On plain lines apertium moved "grande" onto the next line; blank-line separation prevents it.
    out = real.translate(["I saw the big", "house yesterday."], "en", "es")
    assert "casa" not in out[0].lower()
    assert "grande" not in out[1].lower()


@needs_apertium
def test_real_special_characters_keep_alignment(real):
    sents = [
        "The president spoke.",
        "",
        "A ^caret$ and [brackets] \\ back @ at * star # hash / slash <tag> x.",
        "   ",
        "^a/b<n>$",
        "[",
        "\\",
        "Line one\nline two of the same sentence.",
        "Émile visited São Paulo 😀 yesterday.",
        "The minister resigned.",
    ]
    out = real.translate(sents, "en", "es")
    assert len(out) == len(sents)
    assert out[1] == "" and out[3] == ""
    assert "presidente" in out[0]
    assert "^" in out[2] and "[" in out[2] and "<" in out[2]
    assert out[5] == "[" and out[6] == "\\"
    assert "\n" not in out[7] and "ayer" in out[8]
    assert "ministro" in out[9]


@needs_apertium
def test_real_large_batch_keeps_order(real):
    sents = [f"The president spoke on day {i}." for i in range(60)]
    out = ApertiumEngine(batch_size=25).translate(sents, "en", "es")
    assert len(out) == 60
    for i, s in enumerate(out):
        assert "presidente" in s and f" {i}" in s, (i, s)


@needs_apertium
def test_real_unsupported_pair(real):
    with pytest.raises(EngineUnavailable, match="no en->pt"):
        real.translate(["Hello."], "en", "pt")


@needs_apertium
def test_real_make_engine():
    engine = make_engine("apertium", batch_size=100, model="ignored", device="cpu")
    assert isinstance(engine, ApertiumEngine)
    assert engine.batch_size == 100
    assert engine.describe()["engine"] == "apertium"
    assert engine.translate(["The president spoke."], "en", "es")[0].startswith("El presidente")
