"""Choosing the CPU backend variant of llama.cpp (assistant.runtime.llama_backend): never the AMX one."""
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.runtime.llama_backend import best_variant, choose_variant, variant_libraries
from assistant.runtime.model_files import ModelError
from settings import PROJECT_ROOT


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


SCORES = {"x64": 1, "haswell": 64, "zen4": 1984, "sapphirerapids": 4032, "cooperlake": 0}


def scored(path: Path) -> int:
    return SCORES[path.name.removeprefix("libggml-cpu-").removesuffix(".so")]


LIBS = {name: Path(f"libggml-cpu-{name}.so") for name in SCORES}


def test_best_picks_the_highest_safe_score_and_a_forced_variant_is_taken_when_this_cpu_runs_it():
    assert choose_variant(LIBS, "best", scored) == "zen4"
    assert choose_variant(LIBS, "haswell", scored) == "haswell"


@pytest.mark.parametrize("asked, message", [
    ("sapphirerapids", r"never loaded: its AMX kernels crash"),
    ("cooperlake", r"this CPU cannot run the llama.cpp CPU variant 'cooperlake'"),
    ("znver9", r"no CPU variant 'znver9' \(built: "),
])
def test_a_variant_that_cannot_or_must_not_run_is_refused_naming_the_runnable_ones(asked, message):
    with pytest.raises(ModelError, match=message) as err:
        choose_variant(LIBS, asked, scored)
    assert "runs: x64, haswell, zen4" in str(err.value)


def test_a_forced_variant_needs_a_build_with_variants():
    with pytest.raises(ModelError, match="linked in"):
        choose_variant({}, "haswell", scored)


def test_one_process_runs_one_variant():
    """In a child (this test process keeps its own variant): haswell loads, then asking for another is refused."""
    pytest.importorskip("llama_cpp")
    if "haswell" not in variant_libraries():
        pytest.skip("this llama.cpp build has no haswell variant")
    code = ("import llama_cpp\nfrom assistant.runtime.llama_backend import ensure_cpu_backend as load\n"
            "print(load('haswell'))\ninfo = llama_cpp.llama_print_system_info().decode()\n"
            "print('AVX2 = 1' in info, 'AVX512 = 1' in info)\n"
            "try:\n    load('x64')\nexcept Exception as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         check=True).stdout.splitlines()
    assert out[0] == "haswell" and out[1] == "True False"
    assert "already runs llama.cpp's CPU variant 'haswell'; variant 'x64' needs a new process" in out[2]
