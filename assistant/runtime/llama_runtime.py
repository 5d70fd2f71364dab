"""How llama.cpp runs on this CPU: a self-test in a child process, measured once on a quiet machine, then cached.

A native build can kill the process on some CPUs (llama.cpp's AMX kernels crash in
``ggml_backend_amx_mul_mat`` on Sapphire Rapids; the shipped build never loads them, see
assistant/runtime/llama_backend.py, but a build made otherwise might). So before the model is first used in a
process, a *child* process loads it, prefills a prompt of more than 64 tokens and decodes a
few tokens, once with llama.cpp's extra buffer types (repacked weights) and once without,
timing prefill and decode for each thread count, best of PROBE_REPEATS rounds. A child that dies never takes the
caller down: that configuration is ruled out and the fallback is said once. The child also measures how much CPU
time *other* processes took while it timed (the machine's busy time in /proc/stat minus its own CPU time): when
that is more than BUSY_LIMIT of the machine, the figures are contended, so the choice serves this process only and
a later start measures again. A quiet measurement is cached per (library build, model file, CPU, CPU variant), so
later starts cost nothing.

Run as ``python -m assistant.runtime.llama_runtime MODEL.gguf --extra-buffers on|off --threads 1,2 [--cpu-variant V]``
to execute one probe (prints one JSON line); ``python -m assistant.runtime.llama_runtime --report``
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

from assistant.runtime.llama_backend import BEST, ensure_cpu_backend, variant_libraries
from assistant.runtime.model_files import ModelError
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
PROBE_REPEATS = 3  # rounds per thread count; the best round counts (a busy moment only ever slows one down)
BUSY_LIMIT = 0.10  # other processes' share of the machine's CPU time during the test above which it is contended
FIX_HINT = ("reinstall llama-cpp-python with the project's build settings: "
            "pip install --force-reinstall --no-cache-dir --no-deps -r requirements.txt "
            "(see README, 'The local model on any x86-64 CPU')")

_PARAMS_LOCK = threading.Lock()
_SESSION: dict[tuple[Path, str], "Runtime"] = {}  # contended choices, valid for this process only


@dataclass(frozen=True)
class ProbeResult:
    """What one child run measured (tok/s by thread count, other processes' share of the CPUs), or how it died."""

    ok: bool
    prefill: dict[int, float] = field(default_factory=dict)
    decode: dict[int, float] = field(default_factory=dict)
    error: str = ""
    busy: float = 0.0


@dataclass(frozen=True)
class Runtime:
    """The chosen llama.cpp configuration for this machine."""

    extra_buffers: bool
    n_threads: int  # decode
    n_threads_batch: int  # prefill
    note: str = ""  # said to the user once when a fallback was taken
    measured: dict = field(default_factory=dict)  # "on"/"off" -> ProbeResult as a dict
    variant: str = ""  # the llama.cpp CPU backend variant measured ('' for a linked-in backend)
    busy: float = 0.0  # the largest share of the CPUs other processes took during a probe

    @property
    def contended(self) -> bool:
        """Measured while other processes took more than BUSY_LIMIT of the machine: valid for this process only."""
        return self.busy > BUSY_LIMIT

    def rates(self) -> tuple[float, float] | None:
        """Measured prefill and decode tok/s of the chosen configuration at its thread counts (None if unmeasured)."""
        r = self.measured.get("on" if self.extra_buffers else "off") or {}
        prefill, decode = _at(r.get("prefill") or {}, self.n_threads_batch), _at(r.get("decode") or {}, self.n_threads)
        return (prefill, decode) if prefill and decode else None

    def summary(self) -> str:
        """One line for logs and benchmarks."""
        rates = self.rates()
        speed = (f"; measured {rates[0]:.0f} tok/s prefill, {rates[1]:.1f} tok/s decode"
                 f"{f' under load (others took {self.busy:.0%} of the CPUs)' if self.contended else ''}"
                 if rates else "")
        return (f"{self.variant + ', ' if self.variant else ''}extra buffer types {'on' if self.extra_buffers else 'off'}, "
                f"{self.n_threads} decode / {self.n_threads_batch} prefill threads{speed}")


def _at(rates: dict, threads: int) -> float | None:
    """A rate by thread count, from a fresh measurement (int keys) or the JSON cache (str keys)."""
    return rates.get(threads, rates.get(str(threads)))


# ---------------------------------------------------------------- child side
def machine_busy_seconds() -> tuple[float, int]:
    """CPU seconds the whole machine has spent busy since boot (user, nice, system, irq, softirq and steal of
    /proc/stat: steal is a hypervisor giving the CPU to someone else), and its CPU count; (nan, 0) where unknown."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return float("nan"), 0
    ticks = [int(x) for x in lines[0].split()[1:9]]
    busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
    cpus = sum(1 for line in lines[1:] if line.startswith("cpu") and line[3:4].isdigit())
    return busy / os.sysconf("SC_CLK_TCK"), cpus


class LoadMeter:
    """Other processes' share of the machine's CPU time while the block runs: the machine's busy time minus this
    process's own CPU time (all its threads), over wall time × CPUs. ``share`` is 0.0 where /proc/stat is missing."""

    share = 0.0

    def __enter__(self) -> "LoadMeter":
        self._busy, self._cpus = machine_busy_seconds()
        self._own, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.read()

    def read(self) -> float:
        """The share so far (also kept in ``share``)."""
        busy, _ = machine_busy_seconds()
        capacity = (time.perf_counter() - self._wall) * self._cpus
        others = (busy - self._busy) - (time.process_time() - self._own)
        if capacity > 0 and others == others:
            self.share = min(1.0, max(0.0, others / capacity))
        return self.share


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


def _probe(model: str, extra_buffers: bool, threads: list[int], variant: str) -> dict:
    """Load, then time a ≥64-token prefill and a short decode for each thread count, best of PROBE_REPEATS
    interleaved rounds, metering other processes' CPU use meanwhile (in this process). A round that finds the
    machine busy ends the repeats: a contended figure serves one run only, so more rounds would buy nothing."""
    import llama_cpp
    from llama_cpp import Llama

    loaded = ensure_cpu_backend(variant)
    with model_params(extra_buffers):
        llm = Llama(model_path=model, n_ctx=512, n_threads=threads[0], n_threads_batch=threads[0],
                    seed=0, verbose=False)
    tokens = llm.tokenize(PROBE_TEXT.encode("utf-8"), add_bos=False)
    assert len(tokens) >= 64, len(tokens)
    prefill, decode = dict.fromkeys(threads, 0.0), dict.fromkeys(threads, 0.0)
    with LoadMeter() as load:
        for _ in range(PROBE_REPEATS):
            for n in threads:
                llama_cpp.llama_set_n_threads(llm.ctx, n, n)
                llm.n_tokens = 0
                t = time.perf_counter()
                llm.eval(tokens)
                prefill[n] = max(prefill[n], len(tokens) / (time.perf_counter() - t))
                t = time.perf_counter()
                for tok in tokens[:PROBE_DECODE_TOKENS]:  # one token per step, as in generation
                    llm.eval([tok])
                decode[n] = max(decode[n], PROBE_DECODE_TOKENS / (time.perf_counter() - t))
            if load.read() > BUSY_LIMIT:
                break
    return {"ok": True, "prefill": prefill, "decode": decode, "tokens": len(tokens), "busy": load.share,
            "variant": loaded}


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
                       {int(k): v for k, v in data["decode"].items()}, busy=float(data.get("busy", 0.0)))


def probe_command(model: Path, extra_buffers: bool, threads: list[int], variant: str = BEST) -> list[str]:
    """The child command that probes one configuration."""
    return [sys.executable, "-m", "assistant.runtime.llama_runtime", str(model),
            "--extra-buffers", "on" if extra_buffers else "off", "--threads", ",".join(map(str, threads)),
            "--cpu-variant", variant or BEST]


def run_probe(model: Path, extra_buffers: bool, threads: list[int], variant: str = BEST) -> ProbeResult:
    """Probe one configuration in a child process (on the given CPU variant)."""
    return run_child(probe_command(model, extra_buffers, threads, variant))


def _expected_seconds(r: ProbeResult) -> float:
    return TYPICAL_PROMPT_TOKENS / max(r.prefill.values()) + TYPICAL_ANSWER_TOKENS / max(r.decode.values())


def decide(results: dict[bool, ProbeResult], cfg: LLMConfig, variant: str = "") -> Runtime:
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
                   cfg.n_threads_batch or max(best.prefill, key=best.prefill.get), note, measured, variant,
                   max(r.busy for r in alive.values()))


def library_fingerprint() -> str:
    """sha256 over llama-cpp-python's version and its native libraries (a rebuild changes it)."""
    import llama_cpp

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


def cache_key(model: Path, extra_buffers: str, variant: str = "") -> str:
    """Runtime choices are valid per library build, model file, CPU, configured mode and CPU variant."""
    st = model.stat()
    return (f"{library_fingerprint()}|{model.name}:{st.st_size}:{st.st_mtime_ns}|{cpu_fingerprint()}|{extra_buffers}"
            f"|{variant}")


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


def choose_runtime(model: Path, cfg: LLMConfig, variant: str = "",
                   probe: Callable[[Path, bool, list[int], str], ProbeResult] = run_probe,
                   cache_file: Path = RUNTIME_CACHE, log: Callable[[str], None] | None = None) -> Runtime:
    """The cached runtime for this machine and CPU variant (the loaded one, '' for a linked-in backend), or probe
    it in child processes: a quiet measurement is cached, a contended one serves this process only."""
    if cfg.extra_buffers not in ("auto", "on", "off"):
        raise ModelError(f"[llm] extra_buffers must be auto, on or off, not {cfg.extra_buffers!r}")
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    key = cache_key(model, cfg.extra_buffers, variant)
    cache = _read_cache(cache_file)
    if key in cache or (cache_file, key) in _SESSION:
        c = cache[key] if key in cache else asdict(_SESSION[cache_file, key])
        return Runtime(c["extra_buffers"], cfg.n_threads or c["n_threads"], cfg.n_threads_batch or c["n_threads_batch"],
                       c.get("note", ""), c.get("measured", {}), c.get("variant", variant), c.get("busy", 0.0))
    threads = thread_candidates(usable_cpus())
    log(f"llama.cpp self-test on this CPU (once per library build, machine and CPU variant; threads {threads})…")
    results: dict[bool, ProbeResult] = {}
    order = {"auto": (True, False), "on": (True, False), "off": (False,)}[cfg.extra_buffers]
    for extra in order:
        results[extra] = probe(model, extra, threads, variant or BEST)
        if extra and not results[extra].ok:
            log(f"llama.cpp self-test: extra buffer types on failed ({results[extra].error})")
        if cfg.extra_buffers == "on" and results[extra].ok:
            break
    runtime = decide(results, cfg, variant)
    if runtime.note:
        log(runtime.note)
    log(f"llama.cpp: {runtime.summary()}")
    if runtime.contended:
        log(f"llama.cpp self-test: other processes took {runtime.busy:.0%} of the CPUs meanwhile; "
            "these figures serve this run only, the next start measures again")
        _SESSION[cache_file, key] = runtime
        return runtime
    cache = _read_cache(cache_file)  # another process may have written meanwhile
    cache[key] = {**asdict(runtime), "cpu": cpu_description()[:200], "date": time.strftime("%Y-%m-%d %H:%M")}
    _write_cache(cache_file, cache)
    return runtime


def main(argv: list[str] | None = None) -> int:
    """Child entry point: probe one configuration and print one JSON line; or report the cached choices."""
    p = argparse.ArgumentParser(prog="python -m assistant.runtime.llama_runtime", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?", help="GGUF file to probe")
    p.add_argument("--extra-buffers", choices=("on", "off"), default="on")
    p.add_argument("--threads", default="1", help="comma-separated thread counts to time")
    p.add_argument("--cpu-variant", default=BEST, help="llama.cpp CPU backend variant (default: the best safe one)")
    p.add_argument("--report", action="store_true", help="print the cached runtime choices and exit")
    args = p.parse_args(argv)
    if args.report or not args.model:
        print(json.dumps(_read_cache(RUNTIME_CACHE), indent=1, ensure_ascii=False))
        return 0
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    print(json.dumps(_probe(args.model, args.extra_buffers == "on", threads, args.cpu_variant)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
