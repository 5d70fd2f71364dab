"""PDFium work on untrusted files in a child process, capped in memory and time (both the reader and the viewer).

A 2 MB decompression bomb inflates to gigabytes inside PDFium, and a crash of the C library must not take the
indexer or the app down: the parent runs ``python -m MODULE ARGS… CAP_MB`` with ``[limits] pdf_timeout_s``; the
child calls :func:`cap_memory` with the last argument before it opens the file.
"""
from __future__ import annotations

import resource
import subprocess
import sys

from settings import PROJECT_ROOT, LimitsConfig

MIB = 1 << 20


def run_capped(module: str, args: list[str], limits: LimitsConfig) -> subprocess.CompletedProcess:
    """Run the module's ``main`` in a child with the memory cap as its last argument; TimeoutExpired after
    ``limits.pdf_timeout_s``."""
    return subprocess.run([sys.executable, "-m", module, *args, str(limits.max_pdf_memory_mb)], capture_output=True,
                          timeout=limits.pdf_timeout_s, cwd=PROJECT_ROOT)


def cap_memory(megabytes: float) -> None:
    """In the child: cap this process's address space."""
    cap = int(megabytes * MIB)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def child_error(done: subprocess.CompletedProcess) -> str:
    """The last line the child wrote on stderr, or its exit code."""
    err = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return err[-1] if err else f"the reader exited with code {done.returncode}"
