import json

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
