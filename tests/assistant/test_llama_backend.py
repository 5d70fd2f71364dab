"""Choosing the CPU backend variant of llama.cpp (assistant.llama_backend): never the AMX one."""
from pathlib import Path

from assistant.llama_backend import best_variant, variant_libraries


def test_the_amx_variant_is_never_chosen_even_with_the_best_score():
    libs = {name: Path(f"libggml-cpu-{name}.so") for name in ("haswell", "icelake", "sapphirerapids")}
    scores = {"haswell": 10, "icelake": 40, "sapphirerapids": 90}
    assert best_variant(libs, lambda p: scores[p.name.removeprefix("libggml-cpu-").removesuffix(".so")]) == "icelake"


def test_variants_this_cpu_cannot_run_are_skipped():
    libs = {name: Path(f"libggml-cpu-{name}.so") for name in ("haswell", "zen4")}
    scores = {"haswell": 10, "zen4": 0}
    assert best_variant(libs, lambda p: scores[p.name.removeprefix("libggml-cpu-").removesuffix(".so")]) == "haswell"
    assert best_variant({}, lambda p: 1) == ""


def test_variant_libraries_are_found_by_name(tmp_path):
    for name in ("x64", "haswell"):
        (tmp_path / f"libggml-cpu-{name}.so").write_bytes(b"")
    (tmp_path / "libggml-base.so").write_bytes(b"")
    assert sorted(variant_libraries(tmp_path)) == ["haswell", "x64"]
