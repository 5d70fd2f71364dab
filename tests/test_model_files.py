import hashlib

import pytest

from assistant.model_files import QWEN_CODER_1_5B, ModelError, ModelSpec, assemble, model_path, part_paths


def _parts(tmp_path, chunks):
    paths = []
    for i, data in enumerate(chunks):
        p = tmp_path / f"part{i}.bin"
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_assemble_concatenates_and_verifies(tmp_path):
    parts = _parts(tmp_path, [b"abc", b"def"])
    target = assemble(parts, tmp_path / "m" / "model.gguf", hashlib.sha256(b"abcdef").hexdigest())
    assert target.read_bytes() == b"abcdef"


def test_sha_mismatch_is_refused_and_leaves_nothing(tmp_path):
    parts = _parts(tmp_path, [b"abc", b"XYZ"])
    with pytest.raises(ModelError, match="sha256"):
        assemble(parts, tmp_path / "m" / "model.gguf", hashlib.sha256(b"abcdef").hexdigest())
    assert not list((tmp_path / "m").iterdir())


def test_missing_part_package_is_a_clear_error():
    spec = ModelSpec("x", "no_such_model_part", 2, "0" * 64, "x.gguf", "pip install no-such-model-part{1,2}")
    with pytest.raises(ModelError, match="not installed: pip install"):
        part_paths(spec)


def test_unknown_model_name():
    with pytest.raises(ModelError, match="unknown model"):
        model_path("gpt-9")


def test_real_model_is_assembled_and_verified(tmp_path):
    """The 22 installed part packages give the expected 1.1 GB GGUF (sha256 checked)."""
    path = model_path(QWEN_CODER_1_5B.name)
    assert path.stat().st_size == sum(p.stat().st_size for p in part_paths(QWEN_CODER_1_5B))
    assert path.read_bytes()[:4] == b"GGUF"
