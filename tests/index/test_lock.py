"""One writer at a time per index folder, with real processes (multiprocessing, spawn) and the fake embedder."""
import multiprocessing as mp
import os
import signal
import threading

import pytest

from index.__main__ import main as index_main
from index.builder import add_document, build_index, remove_document
from index.store import staleness
from index.lock import index_lock
from index.store import IndexLocked, current_version, load_index
from settings import Config
from tests.conftest import FakeEmbedder

CTX = mp.get_context("spawn")  # no fork of a process with threads; children import what they need
TIMEOUT = 120  # generous upper bounds for waits on a loaded machine, never asserted on


class SlowEmbedder(FakeEmbedder):
    """The fake embedder, slowed down to widen the window in which writers overlap."""

    def embed_passages(self, texts):
        threading.Event().wait(0.3)
        return super().embed_passages(texts)


class SignallingEmbedder(FakeEmbedder):
    """Signals once it is embedding, then blocks (a writer caught mid-rebuild)."""

    def __init__(self, started):
        super().__init__()
        self.started = started

    def embed_passages(self, texts):
        self.started.set()
        threading.Event().wait(TIMEOUT)
        return super().embed_passages(texts)


# ------------------------------------------------------------------ child processes

def _add_child(index_dir, path, barrier):
    barrier.wait()
    add_document(path, index_dir, Config(), embedder=SlowEmbedder(), show_progress=False)


def _rebuild_child(corpus_dir, index_dir, barrier):
    barrier.wait()
    build_index(corpus_dir, index_dir, Config(), rebuild=True, embedder=SlowEmbedder(), show_progress=False)


def _add_remove_loop_child(index_dir, folder, rounds, done):
    try:
        for i in range(rounds):
            doc = os.path.join(folder, f"loop{i}.txt")
            with open(doc, "w", encoding="utf-8") as f:
                f.write(f"第{i}轮新增的补充说明，关于口岸通关。")
            add_document(doc, index_dir, Config(), embedder=FakeEmbedder(), show_progress=False)
            remove_document(f"loop{i}", index_dir, Config(), embedder=FakeEmbedder())
    finally:
        done.set()


def _hold_lock_child(index_dir, held, release):
    with index_lock(index_dir):
        held.set()
        release.wait(TIMEOUT)


def _rebuild_until_killed_child(corpus_dir, index_dir, started):
    build_index(corpus_dir, index_dir, Config(), rebuild=True, embedder=SignallingEmbedder(started),
                show_progress=False)


def _run(target, *args):
    p = CTX.Process(target=target, args=args)
    p.start()
    return p


def _joined(*procs):
    for p in procs:
        p.join(TIMEOUT)
    return [p.exitcode for p in procs]


# ------------------------------------------------------------------ tests

def test_two_processes_adding_at_once_keep_both_documents(fake_index, tmp_path):
    docs = []
    for name, text in (("c.txt", "丙文件：口岸通关的补充说明。"), ("d.txt", "丁文件：海外仓的补充说明。")):
        docs.append(tmp_path / name)
        docs[-1].write_text(text, encoding="utf-8")
    barrier = CTX.Barrier(2)
    assert _joined(*[_run(_add_child, str(fake_index), str(d), barrier) for d in docs]) == [0, 0]
    manifest = load_index(fake_index).manifest
    assert {"c", "d"} <= set(manifest["documents"]) and staleness(manifest) == []


def test_two_processes_rebuilding_at_once_both_succeed(fake_index, corpus_dir):
    barrier = CTX.Barrier(2)
    procs = [_run(_rebuild_child, str(corpus_dir), str(fake_index), barrier) for _ in range(2)]
    assert _joined(*procs) == [0, 0]
    assert load_index(fake_index).manifest["counts"]["chunks"] == 131
    assert sorted(p.name for p in fake_index.iterdir() if p.name.startswith(".")) == [".lock"]


def test_readers_never_fail_while_another_process_adds_and_removes(fake_index, tmp_path):
    done = CTX.Event()
    writer = _run(_add_remove_loop_child, str(fake_index), str(tmp_path), 6, done)
    loads, versions = 0, set()
    while not done.is_set():
        stored = load_index(fake_index)  # any CorruptIndex / FileNotFoundError fails the test
        loads += 1
        versions.add(stored.path.name)
    assert _joined(writer) == [0]
    assert loads >= 1 and len(load_index(fake_index).manifest["documents"]) == 1


def test_second_writer_fails_with_no_wait_or_waits_with_a_message(fake_index, tmp_path, capsys):
    held, release = CTX.Event(), CTX.Event()
    holder = _run(_hold_lock_child, str(fake_index), held, release)
    try:
        assert held.wait(TIMEOUT)
        doc = tmp_path / "memo.txt"
        doc.write_text("口岸通关服务的补充说明。", encoding="utf-8")
        before = current_version(fake_index)
        assert index_main(["add", str(doc), "--index", str(fake_index), "--no-wait"]) == 2
        err = capsys.readouterr().err
        assert f"is being updated by another writer (pid {holder.pid})" in err and "--no-wait" in err
        assert index_main(["remove", "x", "--index", str(fake_index), "--no-wait"]) == 2
        with pytest.raises(IndexLocked):
            build_index(tmp_path, fake_index, Config(), embedder=FakeEmbedder(), wait=False)
        assert current_version(fake_index) == before
        messages, result = [], {}

        def waiting_writer():
            with index_lock(fake_index, notify=messages.append):
                result["got"] = True

        t = threading.Thread(target=waiting_writer)
        t.start()
        while not messages:
            t.join(0.05)
        assert "waiting for it to finish" in messages[0] and "got" not in result
        release.set()
        t.join(TIMEOUT)
        assert result == {"got": True}
    finally:
        release.set()
        _joined(holder)


def test_lock_is_released_when_its_holder_is_killed(fake_index):
    held, release = CTX.Event(), CTX.Event()
    holder = _run(_hold_lock_child, str(fake_index), held, release)
    assert held.wait(TIMEOUT)
    with pytest.raises(IndexLocked):
        with index_lock(fake_index, wait=False):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    _joined(holder)
    with index_lock(fake_index, wait=False):
        pass


def test_killed_rebuild_leaves_the_previous_index_live(fake_index, corpus_dir, fake_embedder):
    before, cache = current_version(fake_index), (fake_index / "embeddings.sqlite").read_bytes()
    started = CTX.Event()
    child = _run(_rebuild_until_killed_child, str(corpus_dir), str(fake_index), started)
    assert started.wait(TIMEOUT)
    os.kill(child.pid, signal.SIGKILL)
    assert _joined(child) == [-signal.SIGKILL]
    assert current_version(fake_index) == before and load_index(fake_index).manifest["counts"]["chunks"] == 131
    assert (fake_index / "embeddings.sqlite").read_bytes() == cache
    leftovers = [p.name for p in fake_index.iterdir() if p.name.startswith(".embeddings-")]
    assert leftovers  # the dead writer's fresh cache…
    build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert not [p for p in fake_index.iterdir() if p.name.startswith(".embeddings-")]  # …is cleaned up later
