from bench.retrieval import scale_data
from index.store import load_index


def test_synthetic_scale_has_the_asked_size_and_one_vector_per_chunk(fake_index):
    stored = load_index(fake_index)
    chunks, paragraphs, vectors, manifest, note = scale_data({"scale": 50, "n_chunks": 50}, stored)
    assert len(chunks) == 50 and vectors.shape == (50, stored.vectors.shape[1])
    assert manifest is None and "simulated" in note and paragraphs


def test_real_scale_is_the_stored_index(fake_index):
    stored = load_index(fake_index)
    chunks, _, vectors, manifest, note = scale_data({"scale": "real"}, stored)
    assert chunks == stored.chunks and vectors is stored.vectors and manifest["embedder"] and note.startswith("real")
