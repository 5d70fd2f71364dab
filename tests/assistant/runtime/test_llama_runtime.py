"""The llama.cpp self-test: crashing children, the fallback, the cache, the choice (fast: scripted children)."""
import json
import sys

import pytest

from assistant.runtime.llama_runtime import (BUSY_LIMIT, LoadMeter, ProbeResult, Runtime, choose_runtime, decide,
                                     probe_command, run_child, thread_candidates)
from assistant.runtime.model_files import ModelError
from settings import LLMConfig

CRASH = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]


def measured(prefill: float, decode: float, busy: float = 0.0) -> list[str]:
    """A child that survives and prints measurements like the real probe."""
    data = {"ok": True, "prefill": {"1": prefill / 2, "2": prefill}, "decode": {"1": decode, "2": decode / 2},
            "busy": busy}
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
    monkeypatch.setattr("assistant.runtime.llama_runtime.library_fingerprint", lambda: "lib")
    calls, logged = [], []

    def probe(path, extra, threads, variant):
        calls.append(extra)
        return run_child(CRASH if extra else measured(90.0, 8.0))

    rt = choose_runtime(model, LLMConfig(), probe=probe, cache_file=tmp_path / "rt.json", log=logged.append)
    assert calls == [True, False]
    assert rt.extra_buffers is False
    assert "SIGSEGV" in rt.note and "safe configuration" in rt.note
    assert any("SIGSEGV" in line for line in logged)
    assert (rt.n_threads, rt.n_threads_batch) == (1, 2)  # fastest measured decode / prefill thread counts


def test_fallback_is_recorded_and_reused_without_probing(model, tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.runtime.llama_runtime.library_fingerprint", lambda: "lib")
    cache = tmp_path / "rt.json"
    choose_runtime(model, LLMConfig(), probe=lambda p, e, t, v: run_child(CRASH if e else measured(90, 8)),
                   cache_file=cache, log=lambda m: None)

    def no_probe(*args):
        raise AssertionError("probed again")

    rt = choose_runtime(model, LLMConfig(), probe=no_probe, cache_file=cache, log=lambda m: None)
    assert rt.extra_buffers is False and "SIGSEGV" in rt.note


def test_new_library_build_probes_again(model, tmp_path, monkeypatch):
    cache, calls = tmp_path / "rt.json", []

    def probe(path, extra, threads, variant):
        calls.append(extra)
        return run_child(measured(90, 8))

    for lib in ("build-1", "build-2"):
        monkeypatch.setattr("assistant.runtime.llama_runtime.library_fingerprint", lambda lib=lib: lib)
        choose_runtime(model, LLMConfig(), probe=probe, cache_file=cache, log=lambda m: None)
    assert calls == [True, False, True, False]


def test_both_configurations_crashing_is_a_model_error_naming_the_fix(model, tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.runtime.llama_runtime.library_fingerprint", lambda: "lib")
    with pytest.raises(ModelError, match=r"SIGSEGV.*pip install --force-reinstall"):
        choose_runtime(model, LLMConfig(), probe=lambda p, e, t, v: run_child(CRASH), cache_file=tmp_path / "rt.json",
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


def test_a_contended_measurement_serves_this_process_only_and_the_next_start_measures_again(model, tmp_path,
                                                                                           monkeypatch):
    monkeypatch.setattr("assistant.runtime.llama_runtime.library_fingerprint", lambda: "lib")
    monkeypatch.setattr("assistant.runtime.llama_runtime._SESSION", {})
    cache, calls, logged = tmp_path / "rt.json", [], []

    def busy_probe(path, extra, threads, variant):
        calls.append(extra)
        return run_child(measured(60, 5, busy=0.45))

    rt = choose_runtime(model, LLMConfig(), "zen4", probe=busy_probe, cache_file=cache, log=logged.append)
    assert rt.contended and rt.busy == 0.45 and rt.variant == "zen4"
    assert not cache.exists(), "a contended figure must not be cached as the machine's speed"
    assert any("45% of the CPUs" in line and "measures again" in line for line in logged)
    again = choose_runtime(model, LLMConfig(), "zen4", probe=busy_probe, cache_file=cache, log=logged.append)
    assert calls == [True, False] and again.contended  # the same process does not measure twice
    monkeypatch.setattr("assistant.runtime.llama_runtime._SESSION", {})  # a later start
    quiet = choose_runtime(model, LLMConfig(), "zen4", probe=lambda p, e, t, v: run_child(measured(90, 8, busy=0.02)),
                           cache_file=cache, log=logged.append)
    assert not quiet.contended and cache.exists()
    cached = choose_runtime(model, LLMConfig(), "zen4", probe=lambda *a: pytest.fail("probed again"),
                            cache_file=cache, log=logged.append)
    assert cached.rates() == quiet.rates() == (90, 8) and cached.busy == 0.02


def test_each_cpu_variant_is_measured_on_its_own_and_probed_with_it(model, tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.runtime.llama_runtime.library_fingerprint", lambda: "lib")
    seen = []

    def probe(path, extra, threads, variant):
        seen.append(variant)
        return run_child(measured(90, 8))

    for variant in ("haswell", "zen4", "haswell"):
        choose_runtime(model, LLMConfig(), variant, probe=probe, cache_file=tmp_path / "rt.json", log=lambda m: None)
    assert seen == ["haswell", "haswell", "zen4", "zen4"]
    assert probe_command(model, True, [1, 2], "haswell")[-2:] == ["--cpu-variant", "haswell"]


def test_the_rates_of_the_chosen_configuration_at_its_thread_counts():
    rt = decide({False: ProbeResult(True, {1: 50.0, 2: 90.0}, {1: 8.0, 2: 6.0})}, LLMConfig())
    assert rt.rates() == (90.0, 8.0)
    from_json = Runtime(False, 1, 2, measured={"off": {"prefill": {"1": 50.0, "2": 90.0}, "decode": {"1": 8.0}}})
    assert from_json.rates() == (90.0, 8.0)
    assert Runtime(True, 1, 2).rates() is None
    assert "measured 90 tok/s prefill, 8.0 tok/s decode" in rt.summary()
    assert "under load" in Runtime(False, 1, 2, measured=rt.measured, busy=BUSY_LIMIT + 0.01).summary()


def test_the_load_meter_counts_what_other_processes_took(monkeypatch):
    """2 CPUs for 4 s = 8 CPU-seconds; the machine was busy 5 s of them, this process 3 s: others took 2/8."""
    clock = iter([100.0, 104.0])
    busy = iter([(1000.0, 2), (1005.0, 2)])
    own = iter([10.0, 13.0])
    monkeypatch.setattr("assistant.runtime.llama_runtime.machine_busy_seconds", lambda: next(busy))
    monkeypatch.setattr("assistant.runtime.llama_runtime.time.perf_counter", lambda: next(clock))
    monkeypatch.setattr("assistant.runtime.llama_runtime.time.process_time", lambda: next(own))
    with LoadMeter() as meter:
        pass
    assert meter.share == 0.25
