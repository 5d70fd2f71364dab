"""One writer at a time per index folder, across processes and threads.

Every writer (``index build/add/remove``, the app's start-up sync and its library tab) holds an
exclusive ``fcntl.flock`` on ``<index>/.lock`` from reading the live manifest until ``CURRENT``
names its new version. A second writer waits (saying so on stderr) or, with ``wait=False``
(``--no-wait``), fails at once with :class:`IndexLocked`. The OS drops the lock when its holder
exits, however it exits, so a killed writer never leaves the folder locked. Readers take no lock.
"""
from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from index.store import IndexLocked

LOCK_FILE = ".lock"


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def index_lock(index_dir: str | Path, wait: bool = True,
               notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the index folder's writer lock for the ``with`` block (the folder is created if needed)."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            busy = f"index {index_dir} is being updated by another writer{_holder(path)}"
            if not wait:
                raise IndexLocked(f"{busy}; try again when it has finished (without --no-wait, the command waits)")
            (notify or _stderr)(f"{busy}; waiting for it to finish… (use --no-wait to fail instead)")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock
