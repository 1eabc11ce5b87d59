"""The big-corpus generator and the audit throughput benchmark, on a tiny corpus (no timings asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from audit.text import word_count
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import make_big_corpus
import plant


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_corpus_is_deterministic_and_planted_spans_index_the_files(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert make_big_corpus.main(["--docs", "30", "--out", str(a), "--seed", "3", "--jobs", "1"]) == 0
    # same seed, other process count: byte-identical (every story has its own RNG)
    assert make_big_corpus.main(["--docs", "30", "--out", str(b), "--seed", "3", "--jobs", "2"]) == 0
    assert make_big_corpus.main(["--docs", "30", "--out", str(c), "--seed", "4", "--jobs", "1"]) == 0
    files = _files(a)
    assert files == _files(b)
    assert files != _files(c)

    docs = {name: data.decode("utf-8") for name, data in files.items() if name.startswith("doc_")}
    assert sorted(docs) == [f"doc_{i:05d}.txt" for i in range(30)]
    manifest = json.loads(files["manifest.json"])
    n_words = sum(word_count(t) for t in docs.values())
    assert manifest["docs"] == 30 and manifest["words"] == n_words
    assert 300 * 30 < n_words < 700 * 30  # ~500 words a document
    truth = json.loads(files["truth.json"])
    assert set(truth) == set(docs) and 2 <= len(set(truth.values())) <= 15

    items = [json.loads(line) for line in files["planted.jsonl"].decode("utf-8").splitlines()]
    assert len(items) == manifest["planted"] >= 10
    for item in items:
        assert docs[item["doc"]][item["start"] : item["end"]] == item["text"], item
        assert item["kind"] in plant.GENERATORS and item["category"] in item["accept"]
    per_doc = Counter(item["doc"] for item in items)
    assert max(per_doc.values()) <= 3
    assert sum(manifest["artifacts_per_doc"]["planted_histogram"].values()) == 30
    assert {k: v["planted"] for k, v in manifest["kinds"].items() if v["planted"]} == dict(
        Counter(item["kind"] for item in items))


def test_bench_audit_json_has_the_figures(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    assert make_big_corpus.main(["--docs", "30", "--out", str(corpus), "--seed", "1", "--jobs", "1",
                                 "--words-per-doc", "200"]) == 0
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_audit.py"), str(corpus), "--jobs", "1", "--limit", "12",
         "--repeat", "2", "--json"], capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["corpus"] == str(corpus) and report["scaling"] == [] and report["repeat"] == 2
    (row,) = report["rows"]
    first = sorted(corpus.glob("doc_*.txt"))[:12]
    words = sum(word_count(p.read_text(encoding="utf-8")) for p in first)
    assert row["jobs"] == 1 and row["documents"] == 12 and row["words"] == words
    for variant in ("floor", "floor_lru", "audit_nocorr", "audit"):
        m = row[variant]
        assert m["variant"] == variant and m["jobs"] == 1
        assert m["documents"] == 12 and m["words"] == words  # the audit saw what the floor read
        assert m["wall_s"] > 0 and m["words_per_s"] > 0 and m["ms_per_doc"] > 0
        assert len(m["wall_s_runs"]) == 2 and m["wall_s"] == min(m["wall_s_runs"])  # the fastest kept
        for key in ("rss_self_mib", "rss_warm_mib", "rss_tree_sampled_mib"):
            assert m[key] > 10, (variant, key, m[key])
        assert m["rss_self_mib"] >= m["rss_warm_mib"]
        assert "rss_children_mib" in m and "warmup_s" in m
    assert row["audit"]["findings"] > 0  # planted artifacts are found
    for variant in ("audit_nocorr", "audit"):
        assert row[f"{variant}_x_floor"] == round(row[variant]["wall_s"] / row["floor"]["wall_s"], 2)
        assert row[f"{variant}_x_floor_lru"] == round(row[variant]["wall_s"] / row["floor_lru"]["wall_s"], 2)
    assert "corroborate_s" in row


def test_bench_phases_reports_every_phase(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    assert make_big_corpus.main(["--docs", "12", "--out", str(corpus), "--seed", "2", "--jobs", "1",
                                 "--words-per-doc", "200"]) == 0
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_phases.py"), str(corpus), "--out", str(tmp_path / "out"),
         "--jobs", "1", "--json"], capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["documents"] == 12 and report["corroborate"] is True
    phases = [r["phase"] for r in report["phases"]]
    # each wrapped phase ran once, nested ones (grouping, entity index) before the corroboration holding them
    assert sorted(phases) == sorted(["corpus pass", "rule pass", "story grouping", "entity index",
                                     "corroborate (all)", "build tables", "write outputs"])
    assert phases.index("story grouping") < phases.index("corroborate (all)")
    assert phases.index("corpus pass") < phases.index("rule pass") < phases.index("write outputs")
    total = report["total"]
    for r in report["phases"]:
        assert 0 <= r["wall_s"] <= total["wall_s"] and r["rss_before_mib"] > 10
        assert r["peak_mib"] <= total["peak_mib"]
    assert (tmp_path / "out" / "findings.parquet").is_file()  # the run wrote its outputs as mtaudit run does
