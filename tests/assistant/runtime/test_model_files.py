import hashlib
import os

import pytest

from assistant.runtime.model_files import QWEN_CODER_1_5B, ModelError, ModelSpec, assemble, model_path, part_paths


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


# ---------------------------------------------------------------- the cached file is re-checked when it changes

@pytest.fixture
def small_model(tmp_path, monkeypatch):
    """A 2-part 'model' registered under a test name, assembled into tmp_path/cache."""
    import assistant.runtime.model_files as mf

    parts = _parts(tmp_path, [b"GGUF" + b"a" * 1000, b"b" * 1000])
    data = b"".join(p.read_bytes() for p in parts)
    spec = ModelSpec("tiny", "tiny_part", 2, hashlib.sha256(data).hexdigest(), "tiny.gguf", "pip install tiny")
    monkeypatch.setitem(mf.MODELS, "tiny", spec)
    monkeypatch.setattr(mf, "part_paths", lambda s: parts)
    hashed = []
    real = mf.sha256_file
    monkeypatch.setattr(mf, "sha256_file", lambda p: hashed.append(p) or real(p))
    return tmp_path / "cache", data, hashed


def test_same_size_byte_flip_is_detected_and_repaired(small_model):
    import os

    cache, data, hashed = small_model
    path = model_path("tiny", cache)
    assert path.read_bytes() == data and hashed == []  # assembled and verified while written
    assert model_path("tiny", cache) == path and hashed == []  # unchanged: trusted as recorded
    st = path.stat()
    flipped = bytearray(data)
    flipped[10] ^= 0xFF
    path.write_bytes(bytes(flipped))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    assert model_path("tiny", cache).read_bytes() == data and hashed == [path]


def test_stale_part_files_are_removed(small_model):
    import subprocess
    import sys

    cache, _, _ = small_model
    cache.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = cache / f"tiny.gguf.{dead}.part"
    stale.write_bytes(b"x" * 100)
    live = cache / f"tiny.gguf.{os.getppid()}.part"  # another process still assembling
    live.write_bytes(b"x")
    model_path("tiny", cache)
    assert not stale.exists() and live.exists()
    stale.write_bytes(b"x")
    model_path("tiny", cache)  # also on a later start, with the model already there
    assert not stale.exists()


# ---------------------------------------------------------------- formats derived from the shipped GGUF

def fake_quantize(calls: list):
    """A quantizer that writes 'ftype N of <source bytes>' (the real one is llama.cpp's, seconds to minutes)."""
    def quantize(source, target, ftype):
        calls.append(ftype)
        target.write_bytes(f"ftype {ftype} of ".encode() + source.read_bytes()[:8])
    return quantize


def test_a_derived_format_is_made_once_next_to_the_model_and_recorded(small_model):
    import json

    from assistant.runtime.model_files import DERIVED_FORMATS, derived_model_path

    cache, data, hashed = small_model
    calls = []
    path = derived_model_path("q4_0", "tiny", cache, quantize=fake_quantize(calls))
    assert path == cache / "tiny-to-q4_0.gguf" and path.read_bytes() == b"ftype 2 of GGUFaaaa"
    record = json.loads((cache / "tiny-to-q4_0.gguf.sha256").read_text())
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["derived_from"] == hashlib.sha256(data).hexdigest() and record["ftype"] == DERIVED_FORMATS["q4_0"]
    assert derived_model_path("q4_0", "tiny", cache, quantize=fake_quantize(calls)) == path and calls == [2]
    assert derived_model_path("q4_k_m", "tiny", cache) == cache / "tiny.gguf"  # the shipped file itself
    assert not list(cache.glob("*.part"))


def test_a_changed_derived_file_is_checked_and_a_damaged_one_derived_again(small_model):
    from assistant.runtime.model_files import derived_model_path

    cache, _, hashed = small_model
    calls = []
    path = derived_model_path("q8_0", "tiny", cache, quantize=fake_quantize(calls))
    os.utime(path, ns=(1, 1))  # touched, same bytes: hashed again and trusted
    assert derived_model_path("q8_0", "tiny", cache, quantize=fake_quantize(calls)) == path and calls == [7]
    assert hashed[-1] == path
    path.write_bytes(b"damaged")
    assert derived_model_path("q8_0", "tiny", cache, quantize=fake_quantize(calls)).read_bytes() == b"ftype 7 of GGUFaaaa"
    assert calls == [7, 7]


def test_a_failing_quantizer_leaves_nothing_and_an_unknown_format_is_refused(small_model):
    from assistant.runtime.model_files import derived_model_path

    cache, _, _ = small_model

    def broken(source, target, ftype):
        target.write_bytes(b"half")
        raise ModelError("llama.cpp could not quantize")

    with pytest.raises(ModelError, match="could not quantize"):
        derived_model_path("iq4_nl", "tiny", cache, quantize=broken)
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.gguf", "tiny.gguf.sha256"]
    with pytest.raises(ModelError, match="unknown weight format 'q2_k'; known: q4_k_m, q4_0, iq4_nl, q8_0"):
        derived_model_path("q2_k", "tiny", cache)
