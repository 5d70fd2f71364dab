"""The installed llama.cpp build cannot take the AMX path, whatever CPU built it (see README)."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

llama_cpp = pytest.importorskip("llama_cpp")
LIB = Path(llama_cpp.__file__).parent / "lib"
AMX_INSTRUCTIONS = re.compile(r"\b(tdpbssd|tdpbsud|tdpbusd|tdpbuud|tdpbf16ps|ldtilecfg|tileloadd|tilestored)\b")


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is not installed")
def test_cpu_backend_has_no_amx_instructions():
    lib = next(iter(sorted(LIB.glob("libggml-cpu*.so*"))), None)
    assert lib is not None, f"no libggml-cpu in {LIB}"
    asm = subprocess.run(["objdump", "-d", str(lib)], capture_output=True, text=True, check=True).stdout
    assert not AMX_INSTRUCTIONS.search(asm), "llama.cpp was built with AMX kernels: reinstall it (README)"


def test_cpu_backend_is_not_built_for_amx():
    info = llama_cpp.llama_print_system_info().decode()
    assert "AMX_INT8 = 1" not in info, info


def test_requirements_pin_the_portable_build():
    req = (Path(__file__).resolve().parent.parent / "requirements.txt").read_text(encoding="utf-8")
    line = next(line for line in req.splitlines() if line.startswith("llama-cpp-python"))
    assert "cmake.define.GGML_NATIVE=OFF" in line
    assert "cmake.define.GGML_AMX_INT8=OFF" in line
