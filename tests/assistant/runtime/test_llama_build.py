"""The llama.cpp CPU backend the project loads cannot take the AMX path, whatever CPU built it (see README)."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

llama_cpp = pytest.importorskip("llama_cpp")
AMX_INSTRUCTIONS = re.compile(r"\b(tdpbssd|tdpbsud|tdpbusd|tdpbuud|tdpbf16ps|ldtilecfg|tileloadd|tilestored)\b")


def loaded_cpu_backend() -> Path:
    """The CPU backend library this process uses: the chosen variant, or the linked-in libggml-cpu."""
    from assistant.runtime.llama_backend import ensure_cpu_backend, variant_libraries

    name = ensure_cpu_backend()
    if name:
        return variant_libraries()[name]
    lib = next(iter(sorted((Path(llama_cpp.__file__).parent / "lib").glob("libggml-cpu*.so*"))), None)
    assert lib is not None, "no CPU backend library found"
    return lib


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is not installed")
def test_the_cpu_backend_in_use_has_no_amx_instructions():
    asm = subprocess.run(["objdump", "-d", str(loaded_cpu_backend())], capture_output=True, text=True,
                         check=True).stdout
    assert not AMX_INSTRUCTIONS.search(asm), "llama.cpp would use AMX kernels: reinstall it (README)"


def test_the_cpu_backend_in_use_is_not_built_for_amx():
    loaded_cpu_backend()
    info = llama_cpp.llama_print_system_info().decode()
    assert "CPU" in info and "AMX_INT8 = 1" not in info, info


def test_requirements_pin_the_portable_build():
    req = (Path(__file__).resolve().parents[3] / "requirements.txt").read_text(encoding="utf-8")
    line = next(line for line in req.splitlines() if line.startswith("llama-cpp-python"))
    assert "cmake.define.GGML_NATIVE=OFF" in line
    assert "cmake.define.GGML_BACKEND_DL=ON" in line and "cmake.define.GGML_CPU_ALL_VARIANTS=ON" in line
