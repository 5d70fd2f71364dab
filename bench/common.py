"""Pure helpers shared by the benchmarks: statistics, tables, memory probes, dev questions, recall."""
from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from eval.answer_metrics import percentile as eval_percentile
from eval.retrieval_metrics import recall_at_k
from settings import DEV_SET, PROJECT_ROOT

BENCH_DIR = Path(__file__).resolve().parent


# --- statistics -------------------------------------------------------------------------------------------

def percentile(values: Sequence[float], p: float) -> float:
    """p-th percentile (0..100), as :func:`eval.answer_metrics.percentile` but NaN when empty."""
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    value = eval_percentile(values, p)
    return math.nan if value is None else value


def spread(items: list, n: int) -> list:
    """n items evenly spread over the list (all of them when n ≥ len)."""
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def summarize(values: Sequence[float]) -> dict:
    """n, p50, p95, mean of a sample (NaN when empty)."""
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "mean": sum(values) / len(values) if values else math.nan}


def ratio(a: float | None, b: float | None) -> float:
    """a / b, NaN when either is missing or b is 0."""
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return math.nan
    return a / b


# --- formatting: fmt, markdown_table and text_table live in textutil -----------------------------------------

def verdict(met: bool | None, text: str) -> dict:
    """One target line: met / missed / not measured, with the measured explanation."""
    return {"status": "not measured" if met is None else ("met" if met else "missed"), "text": text}


# --- memory -----------------------------------------------------------------------------------------------

def _status_kb(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else None


def rss_mb() -> float:
    """Current resident set size (MB)."""
    kb = _status_kb("VmRSS")
    return kb / 1024 if kb is not None else math.nan


class PeakRSS:
    """Peak RSS growth of a code block (MB), resetting the kernel's high-water mark first.

    Uses /proc/self/clear_refs (Linux ≥ 4.0) and VmHWM; falls back to resource.getrusage's
    ru_maxrss, which cannot be reset (then the peak is only an upper bound after earlier phases).
    """

    def __enter__(self):
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.exact = True
        except OSError:
            self.exact = False
        self.start = rss_mb()
        self.peak = self.retained = math.nan
        return self

    def __exit__(self, *exc):
        hwm = _status_kb("VmHWM")
        if hwm is None or not self.exact:
            import resource

            hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.peak = hwm / 1024 - self.start
        self.retained = rss_mb() - self.start
        return False


# --- data -------------------------------------------------------------------------------------------------

def load_dev(path: Path = DEV_SET) -> list[dict]:
    """The dev questions (id, question, evidence, type, ...)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def recall_at(ranked: dict[str, Sequence[str]], questions: Sequence[dict], k: int = 5) -> tuple[float, int]:
    """Recall@k over the answerable questions: ranked maps question id → ranked chunk texts."""
    scored = [q for q in questions if q.get("type") != "unanswerable" and q.get("evidence")]
    hits = sum(recall_at_k(list(ranked[q["id"]]), q["evidence"], k) for q in scored)
    return (hits / len(scored) if scored else math.nan), len(scored)


# --- environment ------------------------------------------------------------------------------------------

def cpu_flags() -> str:
    """The SIMD-relevant CPU flags of /proc/cpuinfo (avx*, amx*, fma, f16c, bmi*, sse4*)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
                return " ".join(f for f in flags if re.match(r"(avx|amx|fma|f16c|bmi|sse4)", f)) or "-"
    except OSError:
        pass
    return "?"


def machine() -> dict:
    """nproc, CPU model and SIMD flags, RAM, load average, Python and key package versions."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = _meminfo_gb()
    try:
        load = os.getloadavg()
    except OSError:
        load = (math.nan,) * 3
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                                text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return {"nproc": os.cpu_count(), "cpu": cpu, "cpu_flags": cpu_flags(), "ram_gb": mem, "loadavg": [round(x, 2) for x in load],
            "python": platform.python_version(), "platform": platform.platform(), "git": commit,
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def _meminfo_gb() -> float:
    try:
        m = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        return round(int(m.group(1)) / 1024 ** 2, 1) if m else math.nan
    except OSError:
        return math.nan


def versions(*names: str) -> dict[str, str]:
    """Installed versions of distributions (missing ones as '-')."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "-"
    return out


def loadavg() -> float:
    """1-minute load average (NaN if unknown)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return math.nan
