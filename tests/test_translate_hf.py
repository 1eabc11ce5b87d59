"""The transformers engine against tiny MarianMT models built here, so nothing is downloaded."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from audit.translate.base import EngineUnavailable, make_engine

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from audit.translate.hf import TransformersEngine  # noqa: E402

ENGLISH = [
    "The government announced new measures on Tuesday.",
    "The minister said the budget would be approved next week.",
    "Thousands of people gathered in the city centre.",
    "The company reported higher profits this year.",
    "Heavy rain caused flooding in several towns.",
    "The president will travel to Brazil in March.",
    "Police arrested two men after the robbery.",
    "The match ended in a draw.",
    "Prices rose sharply in the last quarter.",
    "The school will reopen on Monday.",
    "Scientists discovered a new species of frog.",
    "The bridge was closed for repairs.",
]
PORTUGUESE = [
    "O governo anunciou novas medidas na terça-feira.",
    "O ministro disse que o orçamento seria aprovado na próxima semana.",
    "Milhares de pessoas reuniram-se no centro da cidade.",
    "A empresa registou lucros mais altos este ano.",
    "A chuva forte causou inundações em várias cidades.",
    "O presidente vai viajar para o Brasil em março.",
    "A polícia prendeu dois homens depois do assalto.",
    "O jogo terminou empatado.",
    "Os preços subiram fortemente no último trimestre.",
    "A escola vai reabrir na segunda-feira.",
    "Os cientistas descobriram uma nova espécie de rã.",
    "A ponte foi fechada para obras.",
]


def _tiny_marian(directory: Path, seed: int) -> None:
    """A BPE tokenizer trained on the sentences above plus a 1-layer Marian model with random weights.

    init_std is large on purpose: with the default 0.02 every input decodes to the same string,
    which would make the order checks below unable to fail.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import MarianConfig, MarianMTModel, PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Metaspace()
    raw.decoder = decoders.Metaspace()
    raw.train_from_iterator(
        ENGLISH + PORTUGUESE, trainers.BpeTrainer(vocab_size=300, special_tokens=["<pad>", "</s>", "<unk>"])
    )
    raw.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", raw.token_to_id("</s>"))]
    )
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    config = MarianConfig(
        vocab_size=len(tok), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id,
        forced_eos_token_id=tok.eos_token_id, init_std=1.0,
    )
    torch.manual_seed(seed)
    MarianMTModel(config).save_pretrained(directory)
    tok.save_pretrained(directory)


def _tiny_nllb(directory: Path) -> None:
    """A real NllbTokenizer (its 200 language-code tokens included) over a BPE vocabulary trained here."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Metaspace()
    raw.train_from_iterator(
        ENGLISH + PORTUGUESE, trainers.BpeTrainer(vocab_size=300, special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    )
    bpe = json.loads(raw.to_str())["model"]
    tok = NllbTokenizer(vocab=bpe["vocab"], merges=[tuple(m) for m in bpe["merges"]])
    config = M2M100Config(
        vocab_size=len(tok), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id,
        decoder_start_token_id=tok.eos_token_id, init_std=1.0,
    )
    torch.manual_seed(2)
    M2M100ForConditionalGeneration(config).save_pretrained(directory)
    tok.save_pretrained(directory)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hf-models")
    _tiny_marian(root / "tiny-opus-mt-en-pt", seed=0)
    _tiny_marian(root / "tiny-opus-mt-pt-en", seed=1)
    _tiny_nllb(root / "tiny-nllb")
    return root


@pytest.fixture(scope="module")
def engine(models_dir: Path) -> TransformersEngine:
    eng = TransformersEngine(str(models_dir / "tiny-opus-mt-en-pt"), batch_size=3, device="cpu", max_length=24)
    yield eng
    eng.close()


def test_name_derived_direction_and_lazy_reverse(engine: TransformersEngine, models_dir: Path) -> None:
    assert engine.supports("en", "pt")
    assert engine.supports("pt-BR", "eng")  # the reverse, named by swapping the codes
    assert not engine.supports("en", "es")
    assert not engine.supports("en", "en")
    assert engine._loaded == {}  # supports() never loads anything for a named model

    forward = engine.translate(ENGLISH[:2], "en", "pt")
    assert list(engine._loaded) == [str(models_dir / "tiny-opus-mt-en-pt")]
    backward = engine.translate(PORTUGUESE[:2], "pt", "en")
    assert set(engine._loaded) == {str(models_dir / f"tiny-opus-mt-{d}") for d in ("en-pt", "pt-en")}
    assert all(isinstance(t, str) and t for t in forward + backward)
    # Different weights per direction: the reverse model really is another model.
    assert engine.translate(ENGLISH[:4], "en", "pt") != engine.translate(ENGLISH[:4], "pt", "en")

    with pytest.raises(EngineUnavailable, match="no model for en->es"):
        engine.translate(["Hello."], "en", "es")


def test_batches_keep_length_and_order(engine: TransformersEngine) -> None:
    sentences = [*ENGLISH, "", "   ", *ENGLISH[:3][::-1]]
    batched = engine.translate(sentences, "en", "pt")  # batch_size=3: several batches, reordered by length
    one_by_one = [engine.translate([s], "en", "pt")[0] for s in sentences]
    assert len(batched) == len(sentences)
    assert batched == one_by_one
    assert len(set(batched[: len(ENGLISH)])) > len(ENGLISH) // 2  # outputs depend on the input
    assert batched[len(ENGLISH)] == "" and batched[len(ENGLISH) + 1] == ""
    assert batched[-3:] == batched[:3][::-1]
    assert engine.translate([], "en", "pt") == []
    assert engine.translate(["", " \n"], "en", "pt") == ["", ""]


def test_explicit_mapping(models_dir: Path) -> None:
    spec = f"en-pt={models_dir / 'tiny-opus-mt-en-pt'},pt-en={models_dir / 'tiny-opus-mt-pt-en'}"
    eng = TransformersEngine(spec, batch_size=4, device="cpu", max_length=24)
    assert eng.model == spec
    assert eng.supports("en", "pt") and eng.supports("pt", "en")
    assert not eng.supports("en", "ca")
    named = TransformersEngine(str(models_dir / "tiny-opus-mt-pt-en"), device="cpu", max_length=24)
    assert eng.translate(PORTUGUESE[:5], "pt", "en") == named.translate(PORTUGUESE[:5], "pt", "en")
    assert eng.describe() == {
        "engine": "transformers", "model": spec, "device": "cpu", "dtype": "float32", "batch_size": 4,
    }


def test_template(models_dir: Path) -> None:
    eng = TransformersEngine(str(models_dir / "tiny-opus-mt-{src}-{tgt}"), device="cpu", max_length=24)
    assert eng.supports("en", "pt") and eng.supports("es", "ca")
    assert len(eng.translate(ENGLISH[:2], "en", "pt")) == 2
    with pytest.raises(EngineUnavailable, match="tiny-opus-mt-en-es"):
        eng.translate(["Hello."], "en", "es")


def test_multilingual_nllb(models_dir: Path) -> None:
    eng = TransformersEngine(str(models_dir / "tiny-nllb"), batch_size=2, device="cpu", max_length=24)
    assert eng.supports("en", "pt") and eng.supports("ca", "zh") and eng.supports("pt-BR", "vi")
    assert not eng.supports("en", "xx")
    assert eng._loaded == {}  # the answer needed the tokenizer only

    loaded = eng._load(str(models_dir / "tiny-nllb"))
    assert loaded.multilingual
    seen: list[tuple[int, int]] = []
    generate = loaded.model.generate

    def spy(**kwargs):
        seen.append((int(kwargs["input_ids"][0, 0]), kwargs["forced_bos_token_id"]))
        return generate(**kwargs)

    loaded.model.generate = spy
    to_pt = eng.translate(ENGLISH[:4], "en", "pt")
    to_es = eng.translate(ENGLISH[:4], "en", "es")
    eng.translate(PORTUGUESE[:1], "pt", "en")
    ids = loaded.tokenizer.convert_tokens_to_ids
    assert seen == [(ids("eng_Latn"), ids("por_Latn"))] * 2 + [(ids("eng_Latn"), ids("spa_Latn"))] * 2 + [
        (ids("por_Latn"), ids("eng_Latn"))
    ]
    assert len(to_pt) == 4 and to_pt != to_es  # the forced target token steers the output
    with pytest.raises(EngineUnavailable, match="does not know en->xx"):
        eng.translate(["Hello."], "en", "xx")


def test_direction_unknown_for_plain_marian_name(models_dir: Path, tmp_path: Path) -> None:
    plain = tmp_path / "tiny-marian"
    shutil.copytree(models_dir / "tiny-opus-mt-en-pt", plain)
    eng = TransformersEngine(str(plain), device="cpu", max_length=24)
    assert not eng.supports("en", "pt")
    with pytest.raises(EngineUnavailable, match="en-pt="):
        eng.translate(["Hello."], "en", "pt")


def test_missing_local_directory(tmp_path: Path) -> None:
    eng = TransformersEngine(str(tmp_path / "opus-mt-en-pt"), device="cpu")
    with pytest.raises(EngineUnavailable, match="no model directory at"):
        eng.translate(["Hello."], "en", "pt")
    (tmp_path / "opus-mt-en-pt").mkdir()
    with pytest.raises(EngineUnavailable, match="no loadable seq2seq model"):
        eng.translate(["Hello."], "en", "pt")


def test_bad_mapping_entry() -> None:
    with pytest.raises(EngineUnavailable, match="src-tgt=model"):
        TransformersEngine("en=/models/x", device="cpu")


def test_unknown_model_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("MTAUDIT_ALLOW_DOWNLOAD", raising=False)
    eng = TransformersEngine("nonexistent-org/opus-mt-xx-yy", device="cpu")
    assert eng.supports("xx", "yy") and eng.supports("yy", "xx")
    started = time.monotonic()
    with pytest.raises(EngineUnavailable) as info:
        eng.translate(["Hello."], "xx", "yy")
    assert time.monotonic() - started < 30
    message = str(info.value)
    assert "nonexistent-org/opus-mt-xx-yy" in message
    assert "huggingface-cli download nonexistent-org/opus-mt-xx-yy" in message
    assert "local path" in message


def test_unknown_multilingual_model_is_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("MTAUDIT_ALLOW_DOWNLOAD", raising=False)
    eng = TransformersEngine("nonexistent-org/nllb-200-tiny", device="cpu")
    assert not eng.supports("en", "pt")  # cannot load the tokenizer: no, rather than an exception
    with pytest.raises(EngineUnavailable, match="huggingface-cli download"):
        eng.translate(["Hello."], "en", "pt")


def test_model_required() -> None:
    with pytest.raises(EngineUnavailable, match="--mt-model"):
        TransformersEngine()
    with pytest.raises(EngineUnavailable, match="--mt-model"):
        make_engine("transformers", device="cpu")


def test_make_engine_ignores_unknown_options(models_dir: Path) -> None:
    eng = make_engine(
        "transformers", model=str(models_dir / "tiny-opus-mt-en-pt"), batch_size=2, device="cpu", max_length=24,
        unknown_option=1,
    )
    assert isinstance(eng, TransformersEngine)
    assert eng.batch_size == 2 and eng.device == "cpu"
    assert len(eng.translate(ENGLISH[:3], "en", "pt")) == 3
