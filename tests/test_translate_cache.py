import multiprocessing as mp
from collections.abc import Sequence

from audit.translate.base import Engine
from audit.translate.cache import CachedTranslator, TranslationCache


class UpperEngine(Engine):
    """A deterministic stand-in that records what reached it."""

    name = "upper"
    model = "v1"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def supports(self, src: str, tgt: str) -> bool:
        return (src, tgt) == ("en", "pt")

    def translate(self, sentences: Sequence[str], src: str, tgt: str) -> list[str]:
        self.calls.append(list(sentences))
        return [s.upper() for s in sentences]


def test_duplicates_and_known_sentences_never_reach_the_engine(tmp_path):
    engine = UpperEngine()
    tr = CachedTranslator(engine, TranslationCache(tmp_path / "c.sqlite"), chunk_size=2)
    out = tr.translate(["a b", "c d", "a b", "", "e f"], "en", "pt")
    assert out == ["A B", "C D", "A B", "", "E F"]
    assert engine.calls == [["a b", "c d"], ["e f"]]
    again = CachedTranslator(UpperEngine(), TranslationCache(tmp_path / "c.sqlite"))
    assert again.translate(["e f", "a b"], "en", "pt") == ["E F", "A B"]
    assert again.engine.calls == [] and again.hits == 2 and again.misses == 0


def test_cache_keys_separate_models_and_directions(tmp_path):
    cache = TranslationCache(tmp_path / "c.sqlite")
    cache.put_many(("upper", "v1", "en", "pt"), {"hello": "OLÁ"})
    assert cache.get_many(("upper", "v2", "en", "pt"), ["hello"]) == {}
    assert cache.get_many(("upper", "v1", "pt", "en"), ["hello"]) == {}
    assert cache.get_many(("upper", "v1", "en", "pt"), ["hello"]) == {"hello": "OLÁ"}


def test_same_language_is_identity_without_engine(tmp_path):
    engine = UpperEngine()
    tr = CachedTranslator(engine, None)
    assert tr.translate(["x"], "en", "en") == ["x"] and engine.calls == []


def _writer(path: str, worker: int) -> None:
    cache = TranslationCache(path)
    for i in range(40):
        cache.put_many(("e", "m", "en", "pt"), {f"w{worker}-s{i}": f"t{i}", "shared": "same"})
        cache.get_many(("e", "m", "en", "pt"), [f"w{1 - worker}-s{i}", "shared"])


def test_concurrent_processes_share_one_cache_file(tmp_path):
    path = str(tmp_path / "c.sqlite")
    TranslationCache(path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(TranslationCache(path)) == 81
