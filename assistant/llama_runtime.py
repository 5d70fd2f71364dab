"""How llama.cpp runs on this CPU: a self-test in a child process, measured once, then cached.

A native build can kill the process on some CPUs (llama.cpp's AMX kernels crash in
``ggml_backend_amx_mul_mat`` on Sapphire Rapids; the shipped build never loads them, see
assistant/llama_backend.py, but a build made otherwise might). So before the model is first used in a
process, a *child* process loads it, prefills a prompt of more than 64 tokens and decodes a
few tokens, once with llama.cpp's extra buffer types (repacked weights) and once without,
timing prefill and decode for each thread count. A child that dies never takes the caller
down: that configuration is ruled out and the fallback is said once. The fastest configuration
that survives is cached per (library build, model file, CPU), so later starts cost nothing.

Run as ``python -m assistant.llama_runtime MODEL.gguf --extra-buffers on|off --threads 1,2``
to execute one probe (prints one JSON line); ``python -m assistant.llama_runtime --report``
prints the cached choice for this machine.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.model_files import ModelError
from settings import DEFAULT_CACHE, LLMConfig

RUNTIME_CACHE = DEFAULT_CACHE / "llama-runtime.json"
PROBE_TIMEOUT_S = 600
# a typical answer (measured on the dev set): ~550 prompt tokens to prefill (the evidence check and the answer
# prompt), ~40 tokens to decode
TYPICAL_PROMPT_TOKENS, TYPICAL_ANSWER_TOKENS = 550, 40
PROBE_TEXT = ("2021年天津口岸出口整体通关时间仅0.74小时，比上一年压缩48.6%，位于全国各主要沿海省市第一；"
              "进口整体通关时间34.93小时，比上一年压缩17.3%。北京和天津两市服务京津冀协同发展战略，推动两地海关"
              "对标国际先进标准，加强对接协作，探索建设业务协同、平台共享、模式共用的跨区域多元化口岸通关服务体系。")
PROBE_DECODE_TOKENS = 12
FIX_HINT = ("reinstall llama-cpp-python with the project's build settings: "
            "pip install --force-reinstall --no-cache-dir --no-deps -r requirements.txt "
            "(see README, 'The local model on any x86-64 CPU')")

_PARAMS_LOCK = threading.Lock()


@dataclass(frozen=True)
class ProbeResult:
    """What one child run measured (tok/s by thread count), or how it died."""

    ok: bool
    prefill: dict[int, float] = field(default_factory=dict)
    decode: dict[int, float] = field(default_factory=dict)
    error: str = ""


@dataclass(frozen=True)
class Runtime:
    """The chosen llama.cpp configuration for this machine."""

    extra_buffers: bool
    n_threads: int  # decode
    n_threads_batch: int  # prefill
    note: str = ""  # said to the user once when a fallback was taken
    measured: dict = field(default_factory=dict)  # "on"/"off" -> ProbeResult as a dict

    def summary(self) -> str:
        """One line for logs and benchmarks."""
        return (f"extra buffer types {'on' if self.extra_buffers else 'off'}, "
                f"{self.n_threads} decode / {self.n_threads_batch} prefill threads")


# ---------------------------------------------------------------- child side
@contextlib.contextmanager
def model_params(extra_buffers: bool) -> Iterator[None]:
    """Make llama-cpp-python create the model with ``use_extra_bufts`` as given (no keyword exists for it)."""
    import llama_cpp.llama_cpp as ll

    original = ll.llama_model_default_params

    def patched():
        params = original()
        params.use_extra_bufts = extra_buffers
        return params

    with _PARAMS_LOCK:
        ll.llama_model_default_params = patched
        try:
            yield
        finally:
            ll.llama_model_default_params = original


def _probe(model: str, extra_buffers: bool, threads: list[int]) -> dict:
    """Load, then time a ≥64-token prefill and a short decode for each thread count (in this process)."""
    import llama_cpp
    from llama_cpp import Llama

    from assistant.llama_backend import ensure_cpu_backend

    ensure_cpu_backend()
    with model_params(extra_buffers):
        llm = Llama(model_path=model, n_ctx=512, n_threads=threads[0], n_threads_batch=threads[0],
                    seed=0, verbose=False)
    tokens = llm.tokenize(PROBE_TEXT.encode("utf-8"), add_bos=False)
    assert len(tokens) >= 64, len(tokens)
    prefill, decode = {}, {}
    for n in threads:
        llama_cpp.llama_set_n_threads(llm.ctx, n, n)
        llm.n_tokens = 0
        t = time.perf_counter()
        llm.eval(tokens)
        prefill[n] = len(tokens) / (time.perf_counter() - t)
        t = time.perf_counter()
        for tok in tokens[:PROBE_DECODE_TOKENS]:  # one token per step, as in generation
            llm.eval([tok])
        decode[n] = PROBE_DECODE_TOKENS / (time.perf_counter() - t)
    return {"ok": True, "prefill": prefill, "decode": decode, "tokens": len(tokens)}


def thread_candidates(n_cpu: int) -> list[int]:
    """Thread counts worth measuring: 1, half the CPUs and all of them."""
    return sorted({1, max(1, n_cpu // 2), n_cpu})


def usable_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# ---------------------------------------------------------------- parent side
def run_child(command: list[str], timeout: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Run a probe command; a signal, an exit code or no JSON line means the configuration failed."""
    env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return ProbeResult(False, error=f"no answer within {timeout:.0f} s")
    if proc.returncode < 0:
        import signal

        name = signal.Signals(-proc.returncode).name if -proc.returncode in signal.Signals._value2member_map_ \
            else str(-proc.returncode)
        return ProbeResult(False, error=f"killed by {name}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return ProbeResult(False, error=f"exit code {proc.returncode}: {tail}")
    data = json.loads(lines[-1])
    return ProbeResult(True, {int(k): v for k, v in data["prefill"].items()},
                       {int(k): v for k, v in data["decode"].items()})


def probe_command(model: Path, extra_buffers: bool, threads: list[int]) -> list[str]:
    """The child command that probes one configuration."""
    return [sys.executable, "-m", "assistant.llama_runtime", str(model),
            "--extra-buffers", "on" if extra_buffers else "off", "--threads", ",".join(map(str, threads))]


def run_probe(model: Path, extra_buffers: bool, threads: list[int]) -> ProbeResult:
    """Probe one configuration in a child process."""
    return run_child(probe_command(model, extra_buffers, threads))


def _expected_seconds(r: ProbeResult) -> float:
    return TYPICAL_PROMPT_TOKENS / max(r.prefill.values()) + TYPICAL_ANSWER_TOKENS / max(r.decode.values())


def decide(results: dict[bool, ProbeResult], cfg: LLMConfig) -> Runtime:
    """The fastest configuration that survived; configured thread counts win over measured ones."""
    alive = {extra: r for extra, r in results.items() if r.ok}
    measured = {("on" if extra else "off"): asdict(r) for extra, r in results.items()}
    if not alive:
        details = "; ".join(f"extra buffer types {'on' if e else 'off'}: {r.error}" for e, r in results.items())
        raise ModelError(f"llama.cpp cannot run the model on this CPU ({details}); {FIX_HINT}")
    extra = min(alive, key=lambda e: _expected_seconds(alive[e]))
    best = alive[extra]
    note = ""
    if True in results and not results[True].ok:
        note = (f"llama.cpp crashed in its self-test with extra buffer types on ({results[True].error}); "
                "using the safe configuration (extra buffer types off)")
    return Runtime(extra, cfg.n_threads or max(best.decode, key=best.decode.get),
                   cfg.n_threads_batch or max(best.prefill, key=best.prefill.get), note, measured)


def library_fingerprint() -> str:
    """sha256 over llama-cpp-python's version and its native libraries (a rebuild changes it)."""
    import llama_cpp

    from assistant.llama_backend import variant_libraries

    h = hashlib.sha256(llama_cpp.__version__.encode())
    lib = Path(llama_cpp.__file__).parent / "lib"
    paths = sorted(lib.glob("*.so*")) + sorted(lib.glob("*.dll")) + sorted(lib.glob("*.dylib"))
    for path in paths + sorted(set(variant_libraries().values()) - set(paths)):
        if path.is_file() and not path.is_symlink():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cpu_fingerprint() -> str:
    """CPU model, flags and usable CPU count."""
    return hashlib.sha256(f"{cpu_description()}|{usable_cpus()}".encode()).hexdigest()[:16]


def cpu_description() -> str:
    """'model name' and 'flags' of /proc/cpuinfo (or the platform's processor string)."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        import platform

        return platform.processor() or platform.machine()
    fields = {}
    for line in info.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return f"{fields.get('model name', '?')} | flags: {fields.get('flags', '?')}"


def cache_key(model: Path, extra_buffers: str) -> str:
    """Runtime choices are valid per library build, model file, CPU and configured mode."""
    st = model.stat()
    return f"{library_fingerprint()}|{model.name}:{st.st_size}:{st.st_mtime_ns}|{cpu_fingerprint()}|{extra_buffers}"


def _read_cache(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_cache(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def choose_runtime(model: Path, cfg: LLMConfig, probe: Callable[[Path, bool, list[int]], ProbeResult] = run_probe,
                   cache_file: Path = RUNTIME_CACHE, log: Callable[[str], None] | None = None) -> Runtime:
    """The cached runtime for this machine, or probe (child processes) and cache it."""
    if cfg.extra_buffers not in ("auto", "on", "off"):
        raise ModelError(f"[llm] extra_buffers must be auto, on or off, not {cfg.extra_buffers!r}")
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    key = cache_key(model, cfg.extra_buffers)
    cache = _read_cache(cache_file)
    if key in cache:
        c = cache[key]
        return Runtime(c["extra_buffers"], cfg.n_threads or c["n_threads"], cfg.n_threads_batch or c["n_threads_batch"],
                       c.get("note", ""), c.get("measured", {}))
    threads = thread_candidates(usable_cpus())
    log(f"llama.cpp self-test on this CPU (once per library build and machine; threads {threads})…")
    results: dict[bool, ProbeResult] = {}
    order = {"auto": (True, False), "on": (True, False), "off": (False,)}[cfg.extra_buffers]
    for extra in order:
        results[extra] = probe(model, extra, threads)
        if extra and not results[extra].ok:
            log(f"llama.cpp self-test: extra buffer types on failed ({results[extra].error})")
        if cfg.extra_buffers == "on" and results[extra].ok:
            break
    runtime = decide(results, cfg)
    if runtime.note:
        log(runtime.note)
    log(f"llama.cpp: {runtime.summary()}")
    cache[key] = {**asdict(runtime), "cpu": cpu_description()[:200], "date": time.strftime("%Y-%m-%d %H:%M")}
    _write_cache(cache_file, cache)
    return runtime


def main(argv: list[str] | None = None) -> int:
    """Child entry point: probe one configuration and print one JSON line; or report the cached choices."""
    p = argparse.ArgumentParser(prog="python -m assistant.llama_runtime", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?", help="GGUF file to probe")
    p.add_argument("--extra-buffers", choices=("on", "off"), default="on")
    p.add_argument("--threads", default="1", help="comma-separated thread counts to time")
    p.add_argument("--report", action="store_true", help="print the cached runtime choices and exit")
    args = p.parse_args(argv)
    if args.report or not args.model:
        print(json.dumps(_read_cache(RUNTIME_CACHE), indent=1, ensure_ascii=False))
        return 0
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    print(json.dumps(_probe(args.model, args.extra_buffers == "on", threads)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
