import json
import os
import re
from pathlib import Path

import faiss
import numpy as np
import pytest

from index.builder import build_index
from index.store import CorruptIndex, IndexNotFound, build_faiss, current_version, load_index
from settings import Config


def test_load_returns_consistent_index(fake_index):
    stored = load_index(fake_index)
    assert len(stored.chunks) == stored.faiss_index.ntotal == len(stored.vectors)
    assert stored.manifest["embedder"]["name"] == "fake-bigram-64"
    assert stored.manifest["counts"]["paragraphs"] == len(stored.paragraphs) == 127


def test_missing_index_is_reported(tmp_path):
    with pytest.raises(IndexNotFound, match="python -m index build"):
        load_index(tmp_path / "none")


def test_corrupted_file_is_detected(fake_index):
    path = current_version(fake_index) / "vectors.npy"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptIndex, match="checksum"):
        load_index(fake_index)


def test_truncated_chunks_file_is_detected(fake_index):
    path = current_version(fake_index) / "chunks.jsonl"
    path.write_text(path.read_text(encoding="utf-8")[:100], encoding="utf-8")
    with pytest.raises(CorruptIndex):
        load_index(fake_index)


def test_interrupted_build_keeps_previous_index(fake_index, corpus_dir, fake_embedder, monkeypatch):
    before = current_version(fake_index)
    (corpus_dir / "new.txt").write_text("新增文件的内容。", encoding="utf-8")

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(faiss, "write_index", boom)
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert current_version(fake_index) == before
    assert not [p for p in fake_index.iterdir() if p.name.startswith(".tmp")]
    assert len(load_index(fake_index).manifest["documents"]) == 1


def test_manifest_records_embedder_chunking_and_hashes(fake_index):
    manifest = json.loads((current_version(fake_index) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["chunking"] == {"max_chars": 360, "min_chars": 80, "overlap_chars": 60}
    assert manifest["embedder"]["dim"] == 64
    doc = next(iter(manifest["documents"].values()))
    assert len(doc["sha256"]) == 64 and doc["paragraphs"] == 127
    assert "vectors.faiss" in manifest["files"] and any(f.startswith("bm25/") for f in manifest["files"])


def test_flat_below_threshold_hnsw_above():
    v = np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert isinstance(build_faiss(v, hnsw_threshold=100), faiss.IndexFlatIP)
    hnsw = build_faiss(v, hnsw_threshold=10)
    assert isinstance(hnsw, faiss.IndexHNSWFlat)
    _, ids = hnsw.search(v[:1], 1)
    assert ids[0][0] == 0


# ---------------------------------------------------------------- readers during writes, versions, temp entries

def _add_file(corpus_dir, name, text):
    (corpus_dir / name).write_text(text, encoding="utf-8")


def test_reader_retries_once_when_current_switches_under_it(fake_index, corpus_dir, fake_embedder, monkeypatch):
    import index.store as store

    real, seen = store._load_version, []

    def racing(version, verify):
        seen.append(version.name)
        if len(seen) == 1:  # two writes finish while this reader loads: its version is deleted under it
            for i in range(2):
                _add_file(corpus_dir, f"n{i}.txt", f"第{i}份新增文件的内容。")
                build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
        return real(version, verify)

    monkeypatch.setattr(store, "_load_version", racing)
    stored = load_index(fake_index)
    assert len(seen) == 2 and seen[0] != seen[1] == stored.path.name
    assert len(stored.manifest["documents"]) == 3


def test_corruption_without_a_switch_is_still_reported_once(fake_index, monkeypatch):
    import index.store as store

    calls = []
    monkeypatch.setattr(store, "_load_version", lambda v, verify: calls.append(v) or (_ for _ in ()).throw(
        CorruptIndex("index file corrupt (checksum mismatch)")))
    with pytest.raises(CorruptIndex, match="checksum"):
        load_index(fake_index)
    assert len(calls) == 1


def test_previous_version_is_kept_until_the_next_write(fake_index, corpus_dir, fake_embedder):
    first = current_version(fake_index)
    _add_file(corpus_dir, "a.txt", "新增文件甲。")
    build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    second = current_version(fake_index)
    assert first.is_dir() and second != first  # a reader that read CURRENT just before the switch finds it
    _add_file(corpus_dir, "b.txt", "新增文件乙。")
    build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert not first.exists() and second.is_dir()
    assert sorted(p.name for p in fake_index.glob("v-*")) == sorted([second.name, current_version(fake_index).name])


def test_clean_up_spares_temp_entries_of_live_writers(fake_index, corpus_dir, fake_embedder):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    live = os.getppid()  # a process that is running (not us)
    (fake_index / f".tmp-v-20260101-000000-{live}-0badcafe").mkdir()
    (fake_index / f".tmp-v-20260101-000000-{dead}-0badcafe").mkdir()
    (fake_index / f".CURRENT.{dead}-0badcafe.tmp").write_text("x")
    _add_file(corpus_dir, "a.txt", "新增文件甲。")
    build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    left = sorted(p.name for p in fake_index.iterdir() if p.name.startswith("."))
    assert left == [".lock", f".tmp-v-20260101-000000-{live}-0badcafe"]


def test_writers_use_temp_names_of_their_own(fake_index, corpus_dir, fake_embedder, monkeypatch):
    import index.store as store

    names = []
    real = store._fsync
    monkeypatch.setattr(store, "_fsync", lambda p: names.append(Path(p).name) or real(p))
    build_index(corpus_dir, fake_index, Config(), rebuild=True, embedder=fake_embedder, show_progress=False)
    pointer = [n for n in names if n.startswith(".CURRENT.")]
    assert len(pointer) == 1 and re.fullmatch(rf"\.CURRENT\.{os.getpid()}-[0-9a-f]{{8}}\.tmp", pointer[0])
