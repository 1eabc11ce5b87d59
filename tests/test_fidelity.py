"""Back-translation fidelity on real text through the embedded bergamot engine (EN<->PT)."""

import re
import sys
from collections.abc import Sequence

import polars as pl
import pytest

from audit import Config, Document, audit_documents
from audit.fidelity import DocFidelity, assess, build_translator
from audit.policy import score
from audit.text import sentences
from audit.translate.base import Engine
from audit.translate.cache import CachedTranslator, TranslationCache
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import eval_fidelity

PT_NEWS = eval_fidelity.load_articles()
CLEAN = sorted((ROOT / "reference/clean").glob("*.txt"))


@pytest.fixture(scope="module")
def cache_file(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("mt") / "translations.sqlite")


def bergamot_config(cache_file: str, **extra) -> Config:
    return Config.from_dict({"backtranslate": {"engine": "bergamot", "cache": cache_file, **extra}})


@pytest.fixture(scope="module")
def bergamot(cache_file):
    return build_translator(bergamot_config(cache_file).backtranslate)


# --- round trip ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clean_roundtrip(cache_file):
    docs = [Document(doc_id=p.name, text=p.read_text("utf-8")) for p in CLEAN[:3]]
    return docs, audit_documents(docs, bergamot_config(cache_file))


def test_roundtrip_writes_a_segment_per_sentence_with_exact_offsets(clean_roundtrip):
    docs, result = clean_roundtrip
    seg = result.segments
    texts = {d.doc_id: d.text for d in docs}
    for doc in docs:
        rows = seg.filter(pl.col("doc_id") == doc.doc_id)
        assert rows.height == len(sentences(doc.text))
    for row in seg.iter_rows(named=True):
        assert texts[row["doc_id"]][row["start"] : row["end"]] == row["text"]
        assert row["mode"] == "roundtrip"
        if row["skipped"] is None:
            assert row["pivot_text"] and row["backtranslation"] and 0 <= row["chrf"] <= 100
            assert row["z"] is not None  # enough segments for corpus statistics


def test_roundtrip_is_real_translation_and_fills_document_chrf(clean_roundtrip):
    _docs, result = clean_roundtrip
    scored = result.segments.filter(pl.col("chrf").is_not_null())
    # the pivot really is Portuguese and the round trip comes back close to the original
    pivots = " ".join(scored["pivot_text"].to_list())
    assert re.search(r"\b(não|que|para|com|uma)\b", pivots)
    assert scored["chrf"].median() > 60
    docs_frame = result.documents
    assert docs_frame["fidelity_mode"].to_list() == ["roundtrip"] * 3
    for row in docs_frame.iter_rows(named=True):
        mean = scored.filter(pl.col("doc_id") == row["doc_id"])["chrf"].mean()
        assert row["roundtrip_chrf"] == pytest.approx(mean, abs=0.01)
    assert result.run_info["backtranslate"]["pivot"] == "pt"


def test_short_sentences_are_not_scored(clean_roundtrip):
    _, result = clean_roundtrip
    short = result.segments.filter(pl.col("skipped") == "short")
    assert short.height > 0
    assert all(len(t.split()) < 4 for t in short["text"])
    assert short["chrf"].null_count() == short.height


def test_sentences_explained_by_other_detectors_are_skipped(cache_file):
    text = (ROOT / "reference/corpus/000_3cf5f558fb389e56.txt").read_text("utf-8")
    doc = Document(doc_id="seed", text=text)
    result = audit_documents([doc], bergamot_config(cache_file, min_segments=1000))
    seg = result.segments
    boiler = result.findings.filter(pl.col("category") == "boilerplate")
    assert boiler.height > 0
    explained = seg.filter(pl.col("skipped").str.starts_with("explained:"))
    assert explained.height > 0 and explained["chrf"].null_count() == explained.height
    for f in boiler.iter_rows(named=True):  # no scored segment overlaps a boilerplate finding
        hit = seg.filter((pl.col("start") < f["end"]) & (pl.col("end") > f["start"])
                         & pl.col("chrf").is_not_null())
        assert hit.height == 0


def test_warm_cache_makes_the_rerun_free(cache_file, clean_roundtrip):
    docs, first = clean_roundtrip
    again = audit_documents(docs, bergamot_config(cache_file))
    info = again.run_info["backtranslate"]
    assert info["cache_misses"] == 0 and info["cache_hits"] > 0
    assert again.segments.equals(first.segments)


def test_sample_limits_sentences_per_document(cache_file, clean_roundtrip):
    docs, _ = clean_roundtrip
    result = audit_documents(docs, bergamot_config(cache_file, sample=3))
    counts = result.segments.filter(pl.col("chrf").is_not_null()).group_by("doc_id").len()
    assert counts["len"].to_list() == [3, 3, 3]
    assert result.segments.filter(pl.col("skipped") == "sample").height > 0


def test_sample_suspicious_keeps_sentences_with_findings(cache_file):
    clean = CLEAN[0].read_text("utf-8")
    doc = Document(doc_id="d", text=clean + "\n\nThe minister announced the plan on Mondaybut critics were unconvinced.")
    result = audit_documents([doc], bergamot_config(cache_file, sample="suspicious"))
    scored = result.segments.filter(pl.col("chrf").is_not_null())
    assert scored.height >= 1
    assert any("Mondaybut" in t for t in scored["text"])
    assert scored.height < result.segments.filter(pl.col("skipped") != "short").height


# --- source-aware ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def portuguese_corpus(bergamot):
    """Portuguese articles, their bergamot translations, every other sentence corrupted."""
    return eval_fidelity.corrupted_corpus(bergamot, PT_NEWS)


def test_source_aware_ranks_corrupted_translations_below_intact(portuguese_corpus, cache_file):
    docs, corrupted = portuguese_corpus
    assert len(corrupted) >= 12
    result = audit_documents(docs, bergamot_config(cache_file))
    seg = result.segments.filter(pl.col("fidelity").is_not_null())
    assert set(seg["mode"]) == {"source"}
    auc, n_bad, n_good = eval_fidelity.auc_of(seg, corrupted, "fidelity")
    assert n_bad >= 12 and n_good >= 20
    assert auc >= 0.8, auc
    # both directions are real: the back-translation is Portuguese, compared with the source
    row = seg.row(0, named=True)
    assert row["source_text"] in docs[0].source and row["backtranslation"] != row["text"]
    assert row["chrf"] is not None and row["forward_chrf"] is not None
    frame = result.documents
    assert frame["fidelity_mode"].to_list() == ["source"] * len(docs)
    assert frame["fidelity_chrf"].null_count() == 0 and frame["roundtrip_chrf"].null_count() == len(docs)


def test_omitted_and_added_sentences_become_findings(bergamot, cache_file):
    art = PT_NEWS[1]
    src = [s.text for s in sentences(art["text"], "pt")]
    en = bergamot.translate(src, "pt", "en")
    dropped = en[3]
    added = "Readers can follow every update of this story in our weekly agricultural newsletter."
    target = " ".join([*en[:3], *en[4:6], added, *en[6:]])
    doc = Document(doc_id="d", text=target, source=art["text"], source_lang="pt")
    result = audit_documents([doc], bergamot_config(cache_file))
    fid = result.findings.filter(pl.col("detector") == "fidelity")
    omission = fid.filter(pl.col("mqm_category") == "Accuracy/Omission")
    addition = fid.filter(pl.col("mqm_category") == "Accuracy/Addition")
    assert omission.height == 1 and src[3][:40] in omission["message"][0]
    assert omission["text"][0] in target  # anchored on a neighbouring target sentence
    assert addition["text"].to_list() == [added]
    assert set(fid["category"]) == {"low_fidelity"}
    # the omission is in segments.jsonl too, with no target span
    seg = result.segments.filter(pl.col("skipped") == "omission")
    assert seg.height == 1 and seg["start"][0] is None and seg["source_text"][0] == src[3]
    assert dropped not in target


def test_unsupported_source_language_falls_back_to_round_trip(cache_file):
    text = CLEAN[1].read_text("utf-8")
    doc = Document(doc_id="zh", text=text, source="俄罗斯总统普京周三抵达河内。双方签署了多项协议。",
                   source_lang="zh")
    result = audit_documents([doc], bergamot_config(cache_file))
    row = result.documents.row(0, named=True)
    assert row["fidelity_mode"] == "roundtrip" and row["roundtrip_chrf"] is not None
    assert "no bergamot engine for zh<->en" in row["fidelity_note"]
    assert row["fidelity_chrf"] is None and row["error"] is None


# --- outliers, scoring and failure handling ---------------------------------------------------

class LossyEngine(Engine):
    """EN<->PT stand-in: round trips lose a word or two (a realistic spread of scores), and most
    of the sentence when it mentions 'lossy'."""

    name = "lossy"
    model = "test"

    def supports(self, src: str, tgt: str) -> bool:
        return {src, tgt} == {"en", "pt"}

    def translate(self, sentences: Sequence[str], src: str, tgt: str) -> list[str]:
        if tgt == "pt":
            return list(sentences)
        out = []
        for s in sentences:
            words = s.split()
            if "lossy" in s:
                keep = 2 if "very" in s else 7
                words = [*words[:keep], "something", "else"]
            else:
                drop = {3} if len(words) % 3 == 0 else {3, 6} if len(words) % 3 == 1 else set()
                words = [w for i, w in enumerate(words) if i not in drop]
            out.append(" ".join(words))
        return out


def lossy_corpus() -> list[Document]:
    base = [s.text for p in CLEAN for s in sentences(p.read_text("utf-8")) if len(s.text.split()) > 8][:60]
    base[10] = "A lossy sentence of the report that loses half of its words in the round trip today."
    base[30] = "A very lossy sentence that the round trip mangles almost completely for this test case."
    return [Document(doc_id=f"d{i}", text=" ".join(base[i : i + 10])) for i in range(0, 60, 10)]


def test_low_fidelity_flags_outliers_by_robust_z_with_severity_by_distance(tmp_path):
    docs = lossy_corpus()
    config = Config.from_dict({"backtranslate": {"pivot": "pt"}})
    translator = CachedTranslator(LossyEngine(), TranslationCache(tmp_path / "c.sqlite"))
    result = audit_documents(docs, config, translator=translator, detectors=["merged_word"])
    low = result.findings.filter(pl.col("category") == "low_fidelity").sort("doc_id")
    assert low["doc_id"].to_list() == ["d10", "d30"]
    assert [t.split()[1] for t in low["text"]] == ["lossy", "very"]
    assert low["severity"].to_list() == ["minor", "major"]
    assert "corpus median" in low["message"][0]
    quantile = Config.from_dict({"backtranslate": {"pivot": "pt", "outlier": "quantile", "quantile": 0.01}})
    result = audit_documents(docs, quantile, translator=translator, detectors=["merged_word"])
    assert result.findings.filter(pl.col("category") == "low_fidelity")["doc_id"].to_list() == ["d30"]


def test_too_few_segments_means_no_statistics(tmp_path):
    docs = lossy_corpus()[:1]
    translator = CachedTranslator(LossyEngine(), None)
    result = audit_documents(docs, Config.from_dict({"backtranslate": {"pivot": "pt"}}),
                             translator=translator, detectors=["merged_word"])
    assert result.findings.filter(pl.col("category") == "low_fidelity").height == 0
    assert result.segments["z"].null_count() == result.segments.height


def test_quality_ranks_unfaithful_below_faithful_with_equal_rule_findings():
    doc = Document(doc_id="d", text=CLEAN[0].read_text("utf-8"))
    config = Config()
    faithful = score(doc, [], config.policy, DocFidelity("source", fidelity_chrf=82.0))
    unfaithful = score(doc, [], config.policy, DocFidelity("source", fidelity_chrf=35.0))
    rules_only = score(doc, [], config.policy)
    assert faithful.quality == rules_only.quality == 100.0
    assert unfaithful.quality == pytest.approx(70 + 30 * 35 / 70, abs=0.01)
    assert unfaithful.rule_quality == faithful.rule_quality == 100.0
    heavier = Config.from_dict({"policy": {"fidelity_weight": 0.6}})
    assert score(doc, [], heavier.policy, DocFidelity("source", fidelity_chrf=35.0)).quality == pytest.approx(70.0)
    roundtrip = score(doc, [], config.policy, DocFidelity("roundtrip", roundtrip_chrf=40.0))
    assert roundtrip.quality == pytest.approx(85 + 15 * 40 / 80, abs=0.01)


def test_missing_engine_skips_back_translation_without_failing(monkeypatch, tmp_path, cache_file):
    monkeypatch.setenv("PATH", str(tmp_path))  # no apertium command
    doc = Document(doc_id="d", text=CLEAN[0].read_text("utf-8"))
    config = Config.from_dict({"backtranslate": {"engine": "apertium", "cache": cache_file}})
    result = audit_documents([doc], config)
    info = result.run_info["backtranslate"]
    assert "apertium is not installed" in info["skipped"]
    row = result.documents.row(0, named=True)
    assert row["fidelity_mode"] == "none" and "skipped" in row["fidelity_note"]
    assert row["quality"] == row["rule_quality"] and result.segments.height == 0


def test_assess_without_engine_is_a_no_op():
    doc = Document(doc_id="d", text="One sentence here.")
    outcome = assess([doc], {}, Config())
    assert outcome.segments == [] and outcome.documents == {}


def test_jobs_do_not_change_fidelity_results(tmp_path):
    docs = lossy_corpus()
    config = Config.from_dict({"backtranslate": {"pivot": "pt"}})
    translator = CachedTranslator(LossyEngine(), TranslationCache(tmp_path / "c.sqlite"))
    one = audit_documents(docs, config, translator=translator, jobs=1)
    two = audit_documents(docs, config, translator=translator, jobs=2)
    assert one.segments.equals(two.segments)
    assert one.findings.equals(two.findings) and one.documents.equals(two.documents)
    assert two.run_info["backtranslate"]["cache_misses"] == 0


def test_bleu_and_ter_columns_on_request(tmp_path):
    docs = lossy_corpus()[:2]
    config = Config.from_dict({"backtranslate": {"pivot": "pt", "metrics": ["chrf", "bleu", "ter"]}})
    result = audit_documents(docs, config, translator=CachedTranslator(LossyEngine(), None))
    scored = result.segments.filter(pl.col("chrf").is_not_null())
    assert scored["bleu"].null_count() == 0 and scored["ter"].null_count() == 0
    lossy = scored.filter(pl.col("text").str.contains("lossy"))
    intact = scored.filter(pl.col("chrf") == 100)
    assert lossy["bleu"][0] < 50 < intact["bleu"][0] and lossy["ter"][0] > intact["ter"][0] == 0
    plain = audit_documents(docs, Config.from_dict({"backtranslate": {"pivot": "pt"}}),
                            translator=CachedTranslator(LossyEngine(), None))
    assert plain.segments["bleu"].null_count() == plain.segments.height
