"""The answering benchmark's helpers: the llama.cpp call profile, the physical floor, the report (no model)."""
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.runtime import decoding
from assistant.runtime.decoding import choose
from bench.answering import _floor_s, _pipeline_decode, report
from bench.decoding import LlamaProfile


def test_the_profile_tells_prefill_batches_from_decode_steps_and_times_the_token_choices(monkeypatch):
    internals = pytest.importorskip("llama_cpp._internals")
    monkeypatch.setattr(internals.LlamaContext, "decode", lambda ctx, batch: 0)
    monkeypatch.setattr(internals.LlamaSampler, "sample", lambda sampler, ctx, idx=-1: 42)
    batch = lambda n: SimpleNamespace(batch=SimpleNamespace(n_tokens=n))  # noqa: E731
    with LlamaProfile() as profile:
        for n in (512, 1, 87):  # a prompt, a cached prompt's last token, a check in the side context
            internals.LlamaContext.decode(None, batch(n))
        for _ in range(3):  # generation: sample, then decode the sampled token
            assert internals.LlamaSampler.sample(None, None) == 42
            internals.LlamaContext.decode(None, batch(1))
        for _ in range(2):  # the pipeline's generation: choose, then decode the chosen token
            assert decoding.choose(np.array([0.0, 1.0]), None) == 1
            internals.LlamaContext.decode(None, batch(1))
        got = profile.snapshot()
        internals.LlamaSampler.sample(None, None)
        profile.reset()  # as bench.decoding does at the first streamed piece
        internals.LlamaContext.decode(None, batch(1))
        assert profile.snapshot()["decode_steps"] == 1
    assert (got["prefill_tokens"], got["decode_steps"], got["sample_calls"]) == (600, 5, 5)
    assert got["decode_span_s"] >= 0 and internals.LlamaContext.decode(None, batch(5)) == 0  # unpatched again
    assert decoding.choose is choose
    assert profile.snapshot()["prefill_tokens"] == 0


def answer(prefill_tokens: int, steps: int, span: float, ttft_ms: float = 3000.0, total_ms: float = 6000.0) -> dict:
    return {"question": "q", "timings": {"ttft_ms": ttft_ms, "total_ms": total_ms, "generate_ms": 4000.0},
            "llama": {"prefill_tokens": prefill_tokens, "decode_steps": steps, "decode_span_s": span}}


def test_the_floor_is_prefilled_tokens_over_prefill_plus_decoded_tokens_over_raw_decode():
    assert _floor_s(answer(500, 40, 5.0), prefill=100.0, decode=10.0) == pytest.approx(5.0 + 4.0)
    assert _pipeline_decode(answer(500, 41, 8.0)) == pytest.approx(5.0)
    assert _pipeline_decode(answer(500, 1, 0.0)) != _pipeline_decode(answer(500, 1, 0.0))  # NaN: nothing decoded


def test_the_report_has_a_row_per_variant_with_floor_and_naive_baseline():
    shipped = {"runtime": "zen4, …", "busy": 0.02, "prompt_tokens": 650, "prefill_tok_s": 100.0, "decode_tok_s": 10.0,
               "answers": [answer(500, 40, 5.0)], "naive": [{"ttft_s": 7.5}],
               "library": {"system_info": "CPU : AVX2 = 1"}}
    results = {"native": {"failed": "not built"}, "shipped:haswell": dict(shipped, prefill_tok_s=50.0),
               "shipped:best": shipped}
    out = report(results, {"failed": "skipped"}, {}, {}, [], 1, 48, True)
    rows = {row[0]: row for row in out["tables"][0]["rows"]}
    assert rows["shipped:best"][9] == pytest.approx(9.0) and rows["shipped:haswell"][9] == pytest.approx(14.0)
    assert rows["shipped:best"][10] == 7.5 and rows["native"][1] == "not built"
    assert out["tables"][1]["headers"] == ["step", "shipped:haswell", "shipped:best"]
    assert any(n.startswith("CPU: ") and "flags: " in n for n in out["notes"])
