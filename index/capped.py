"""PDFium work on untrusted files in a child process, capped in memory and time (both the reader and the viewer).

A 2 MB decompression bomb inflates to gigabytes inside PDFium, and a crash of the C library must not take the
indexer or the app down: the parent runs ``python -m MODULE ARGS… CAP_MB`` with ``[limits] pdf_timeout_s``; the
child calls :func:`cap_memory` with the last argument before it opens the file.
"""
from __future__ import annotations

import ctypes
import resource
import subprocess
import sys

from settings import PROJECT_ROOT, LimitsConfig

MIB = 1 << 20
M_ARENA_MAX = -8  # glibc's mallopt parameter: how many malloc arenas the threads share


def run_capped(module: str, args: list[str], limits: LimitsConfig,
               timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run the module's ``main`` in a child with the memory cap as its last argument; TimeoutExpired (with what
    the child wrote so far) after ``timeout`` s, by default ``limits.pdf_timeout_s``."""
    return subprocess.run([sys.executable, "-m", module, *args, str(limits.max_pdf_memory_mb)], capture_output=True,
                          timeout=limits.pdf_timeout_s if timeout is None else timeout, cwd=PROJECT_ROOT)


def cap_memory(megabytes: float) -> None:
    """In the child: cap this process's address space, and keep glibc's malloc to one arena (each thread's own
    reserves 64 MB of address space, which the cap counts: OCR's threads took 400 MB that way)."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # glibc only
    if mallopt is not None:
        mallopt(M_ARENA_MAX, 1)
    cap = int(megabytes * MIB)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def child_error(done: subprocess.CompletedProcess) -> str:
    """The last line the child wrote on stderr, or its exit code."""
    err = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return err[-1] if err else f"the reader exited with code {done.returncode}"
