"""Fast, deterministic checks of the benchmark helpers (the benchmarks themselves are not tests)."""
import math

import numpy as np
import pytest

from bench.common import percentile, recall_at, summarize
from eval.retrieval_metrics import recall_at_k
from bench.report import render_markdown
from bench.synthetic import simulated_vectors, synthetic_chunks, vary
from index.chunking import Chunk


def test_percentile_matches_numpy_linear_interpolation():
    xs = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0]
    for p in (0, 10, 50, 90, 95, 100):
        assert percentile(xs, p) == pytest.approx(float(np.percentile(xs, p)))
    assert percentile([4.0], 95) == 4.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(xs, 101)


def test_summarize():
    s = summarize([1.0, 2.0, 3.0, 4.0])
    assert s["n"] == 4 and s["p50"] == 2.5 and s["mean"] == 2.5 and s["p95"] == pytest.approx(3.85)


def test_recall_ignores_whitespace_and_skips_unanswerable():
    assert recall_at_k(["截至目前已有 7 批\n35 项"], ["已有7批35项"], 1) == 1.0
    assert not recall_at_k(["a"], [], 1)
    questions = [{"id": "1", "evidence": ["甲乙"], "type": "fact"},
                 {"id": "2", "evidence": ["丙", "丁"], "type": "fact"},
                 {"id": "3", "evidence": [], "type": "unanswerable"}]
    ranked = {"1": ["x", "甲 乙"], "2": ["丙", "y"], "3": []}
    assert recall_at(ranked, questions, k=5) == (0.5, 2)
    assert recall_at(ranked, questions, k=1) == (0.0, 2)


def _base():
    return [Chunk(f"doc:c{i:04d}", "doc", text, (f"doc:p{i:04d}",), f"L{i}", "案例 › 一、主要做法", "案例")
            for i, text in enumerate(["北京积水潭医院给予研发人员70%的所有权。",
                                      "2018年起，天津海关推动融资租赁创新。",
                                      "加强试点示范创新成果的总结提炼。"])]


def test_synthetic_chunks_are_deterministic_and_varied():
    base = _base()
    a, paras, origin = synthetic_chunks(base, 10, seed=1)
    b, _, _ = synthetic_chunks(base, 10, seed=1)
    assert [c.to_dict() for c in a] == [c.to_dict() for c in b]
    assert len(a) == len(paras) == 10 and origin.tolist() == [0, 1, 2] * 3 + [0]
    assert [c.text for c in a[:3]] == [c.text for c in base]  # copy 0 is the report itself
    assert len({c.id for c in a}) == 10 and all(p.id == c.paragraph_ids[0] for p, c in zip(paras, a))
    assert len({c.text for c in a[3:]}) > 4  # numbers, names and policy words vary between copies
    assert synthetic_chunks(base, 10, seed=2)[0][3].text != a[3].text


def test_vary_renumbers_and_swaps_within_categories():
    import random
    import re

    from bench.synthetic import CITIES, ORGS

    text = "2018年，北京积水潭医院占比70%。"
    out = vary(text, random.Random(0))
    assert out == vary(text, random.Random(0))
    assert [len(d) for d in re.findall(r"\d+", out)] == [4, 2] and out.endswith("%。")
    names = out.split("，")[1].split("占比")[0]
    city = next(c for c in sorted(CITIES, key=len, reverse=True) if names.startswith(c))
    assert names[len(city):] in ORGS  # a city, then an organisation, as in the original
    assert len({vary(text, random.Random(s)) for s in range(20)}) > 15


def test_simulated_vectors_are_unit_and_keep_copy0():
    base = np.eye(4, 8, dtype=np.float32)
    origin = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0])
    v = simulated_vectors(base, origin, seed=3, batch=4)
    assert v.shape == (9, 8) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(v[:4], base) and not np.array_equal(v[4], base[0])
    assert float(v[4] @ base[0]) > 0.8  # noise, not a random direction
    assert np.array_equal(v, simulated_vectors(base, origin, seed=3, batch=4))
    r = simulated_vectors(None, np.zeros(5, dtype=np.int64), dim=16, seed=0)
    assert r.shape == (5, 16) and np.allclose(np.linalg.norm(r, axis=1), 1.0, atol=1e-5)


def test_render_markdown_has_targets_and_tables():
    part = {"part": "retrieval", "title": "1. Retrieval", "command": "python -m bench retrieval --quick",
            "mode": "quick", "started": "now", "elapsed_s": 60.0,
            "machine": {"nproc": 2, "cpu": "AMD EPYC", "ram_gb": 23.0, "python": "3.11", "git": "abc",
                        "loadavg": [1.0, 1.0, 1.0]},
            "versions": {"numpy": "2"},
            "tables": [{"caption": "latency", "headers": ["x", "p50"], "rows": [["a", 1.5]]}],
            "notes": ["a note"], "targets": [{"name": "fast", "status": "met", "text": "1.5 ms"}]}
    md = render_markdown([part])
    assert "| 2 | AMD EPYC |" in md and "| retrieval | fast | ✅ met | 1.5 ms |" in md
    assert "**latency**" in md and "| a | 1.50 |" in md and "`python -m bench retrieval --quick`" in md
