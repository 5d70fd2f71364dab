"""The llama.cpp self-test: crashing children, the fallback, the cache, the choice (fast: scripted children)."""
import json
import sys

import pytest

from assistant.llama_runtime import ProbeResult, choose_runtime, decide, run_child, thread_candidates
from assistant.model_files import ModelError
from settings import LLMConfig

CRASH = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]


def measured(prefill: float, decode: float) -> list[str]:
    """A child that survives and prints measurements like the real probe."""
    data = {"ok": True, "prefill": {"1": prefill / 2, "2": prefill}, "decode": {"1": decode, "2": decode / 2}}
    return [sys.executable, "-c", f"print({json.dumps(json.dumps(data))})"]


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF")
    return path


def test_crashing_child_is_reported_not_fatal():
    result = run_child(CRASH)
    assert not result.ok and "SIGSEGV" in result.error


def test_crash_with_extra_buffers_falls_back_to_safe_configuration(model, tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.llama_runtime.library_fingerprint", lambda: "lib")
    calls, logged = [], []

    def probe(path, extra, threads):
        calls.append(extra)
        return run_child(CRASH if extra else measured(90.0, 8.0))

    rt = choose_runtime(model, LLMConfig(), probe=probe, cache_file=tmp_path / "rt.json", log=logged.append)
    assert calls == [True, False]
    assert rt.extra_buffers is False
    assert "SIGSEGV" in rt.note and "safe configuration" in rt.note
    assert any("SIGSEGV" in line for line in logged)
    assert (rt.n_threads, rt.n_threads_batch) == (1, 2)  # fastest measured decode / prefill thread counts


def test_fallback_is_recorded_and_reused_without_probing(model, tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.llama_runtime.library_fingerprint", lambda: "lib")
    cache = tmp_path / "rt.json"
    choose_runtime(model, LLMConfig(), probe=lambda p, e, t: run_child(CRASH if e else measured(90, 8)),
                   cache_file=cache, log=lambda m: None)

    def no_probe(*args):
        raise AssertionError("probed again")

    rt = choose_runtime(model, LLMConfig(), probe=no_probe, cache_file=cache, log=lambda m: None)
    assert rt.extra_buffers is False and "SIGSEGV" in rt.note


def test_new_library_build_probes_again(model, tmp_path, monkeypatch):
    cache, calls = tmp_path / "rt.json", []

    def probe(path, extra, threads):
        calls.append(extra)
        return run_child(measured(90, 8))

    for lib in ("build-1", "build-2"):
        monkeypatch.setattr("assistant.llama_runtime.library_fingerprint", lambda lib=lib: lib)
        choose_runtime(model, LLMConfig(), probe=probe, cache_file=cache, log=lambda m: None)
    assert calls == [True, False, True, False]


def test_both_configurations_crashing_is_a_model_error_naming_the_fix(model, tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.llama_runtime.library_fingerprint", lambda: "lib")
    with pytest.raises(ModelError, match=r"SIGSEGV.*pip install --force-reinstall"):
        choose_runtime(model, LLMConfig(), probe=lambda p, e, t: run_child(CRASH), cache_file=tmp_path / "rt.json",
                       log=lambda m: None)


def test_decide_prefers_the_faster_configuration():
    fast_decode = ProbeResult(True, {2: 70.0}, {2: 9.0})
    fast_prefill = ProbeResult(True, {2: 95.0}, {2: 7.0})
    # typical answer: 550 prompt tokens, 40 answer tokens → 550/70+40/9 = 12.3 s vs 550/95+40/7 = 11.5 s
    assert decide({True: fast_decode, False: fast_prefill}, LLMConfig()).extra_buffers is False
    assert decide({True: fast_prefill, False: fast_decode}, LLMConfig()).extra_buffers is True


def test_configured_threads_override_measured_ones():
    rt = decide({False: ProbeResult(True, {1: 50.0, 2: 90.0}, {1: 8.0, 2: 6.0})},
                LLMConfig(n_threads=3, n_threads_batch=4))
    assert (rt.n_threads, rt.n_threads_batch) == (3, 4)


def test_thread_candidates():
    assert thread_candidates(1) == [1]
    assert thread_candidates(2) == [1, 2]
    assert thread_candidates(16) == [1, 8, 16]


def test_unknown_extra_buffers_setting_is_refused(model, tmp_path):
    with pytest.raises(ModelError, match="extra_buffers"):
        choose_runtime(model, LLMConfig(extra_buffers="maybe"), cache_file=tmp_path / "rt.json")
