"""Load llama.cpp's CPU backend: the best instruction-set variant this CPU runs, never the AMX one.

requirements.txt builds llama.cpp with ``GGML_BACKEND_DL`` and ``GGML_CPU_ALL_VARIANTS``: the CPU backend is one
shared library per instruction-set level (x64, sse42, sandybridge, haswell, skylakex, icelake, zen4, alderlake,
sapphirerapids…), each reporting through ``ggml_backend_score`` whether and how well this CPU runs it. llama.cpp
would pick the highest score on its own — on an AMX CPU that is the ``sapphirerapids`` variant, whose AMX kernels
crash (llama.cpp issue 20824). So the project loads the variant itself before llama.cpp looks: the best score
among the variants without AMX. An AVX-512 machine gets AVX-512 kernels, an AVX2-only one the haswell variant,
and no process of the project ever maps the AMX library.

``[llm] cpu_variant`` (or ``$RAG_CPU_VARIANT``) forces one variant instead — ``haswell`` measures the speed of an
AVX2-only machine on an AVX-512 one — as long as this CPU runs it; the AMX variant is refused whatever is asked.

A build with the CPU backend linked in (no variant libraries) needs nothing: ``ensure_cpu_backend`` returns "".
"""
from __future__ import annotations

import ctypes
import threading
from pathlib import Path

from assistant.runtime.model_files import ModelError

AMX_VARIANTS = ("sapphirerapids",)  # variants built with AMX kernels: never loaded
BEST = "best"  # the cpu_variant setting's default: the best variant this CPU runs, AMX excluded
_LOCK = threading.Lock()
_loaded: str | None = None


def variant_libraries(lib_dir: Path | None = None) -> dict[str, Path]:
    """The CPU backend variant libraries of the installed llama_cpp, by variant name."""
    if lib_dir is None:
        import llama_cpp

        pkg = Path(llama_cpp.__file__).parent
        dirs = [pkg / "lib", pkg.parent / "bin", pkg / "bin"]
    else:
        dirs = [lib_dir]
    found: dict[str, Path] = {}
    for d in dirs:
        for path in sorted(d.glob("libggml-cpu-*.so")):
            found.setdefault(path.name.removeprefix("libggml-cpu-").removesuffix(".so"), path)
    return found


def ggml_library(lib_dir: Path) -> Path:
    """The libggml file libllama itself loads (by its soname: a wheel holds libggml.so, .so.0 and .so.0.x as
    copies, and registering the backend in another copy would be invisible to llama.cpp)."""
    for name in ("libggml.so.0", "libggml.so"):
        if (lib_dir / name).is_file():
            return lib_dir / name
    raise FileNotFoundError(f"no libggml in {lib_dir}")


def score(path: Path) -> int:
    """The variant's own verdict on this CPU (0: it cannot run here)."""
    lib = ctypes.CDLL(str(path))
    fn = getattr(lib, "ggml_backend_score", None)
    if fn is None:
        return 0
    fn.restype = ctypes.c_int
    return int(fn())


def best_variant(libraries: dict[str, Path], score_of=score) -> str:
    """The runnable variant with the highest score, AMX variants excluded ('' when none runs)."""
    scores = {name: score_of(path) for name, path in libraries.items() if name not in AMX_VARIANTS}
    runnable = {name: s for name, s in scores.items() if s > 0}
    return max(runnable, key=runnable.get) if runnable else ""


def choose_variant(libraries: dict[str, Path], requested: str = BEST, score_of=score) -> str:
    """The variant to load: the best one for 'best', else the requested one if this CPU runs it (ModelError if not)."""
    if requested == BEST:
        name = best_variant(libraries, score_of)
        if not name:
            raise ModelError(f"no llama.cpp CPU backend variant runs on this CPU (found {', '.join(libraries)})")
        return name
    runnable = [n for n, path in libraries.items() if n not in AMX_VARIANTS and score_of(path) > 0]
    choices = f"choose {BEST} or one this CPU runs: {', '.join(runnable) or 'none'}"
    if requested in AMX_VARIANTS:
        raise ModelError(f"llama.cpp CPU variant {requested!r} is never loaded: its AMX kernels crash "
                         f"(llama.cpp issue 20824); {choices}")
    if not libraries:
        raise ModelError(f"llama.cpp CPU variant {requested!r} asked for, but this llama.cpp build has its CPU "
                         "backend linked in (no GGML_BACKEND_DL variants): set cpu_variant = \"best\"")
    if requested not in libraries:
        raise ModelError(f"llama.cpp has no CPU variant {requested!r} (built: {', '.join(libraries)}); {choices}")
    if requested not in runnable:
        raise ModelError(f"this CPU cannot run the llama.cpp CPU variant {requested!r} (it lacks that variant's "
                         f"instruction set); {choices}")
    return requested


def ensure_cpu_backend(requested: str = BEST) -> str:
    """Register the chosen CPU variant with ggml once per process; returns its name ('' for a linked-in backend).
    A process runs one variant: asking for another one later is a ModelError (a new process can run it)."""
    global _loaded
    with _LOCK:
        libraries = variant_libraries()
        if not libraries and requested == BEST:
            _loaded = ""
            return _loaded
        name = choose_variant(libraries, requested)
        if _loaded is not None:
            if name != _loaded:
                raise ModelError(f"this process already runs llama.cpp's CPU variant {_loaded!r}; variant "
                                 f"{name!r} needs a new process")
            return _loaded
        import llama_cpp

        ggml = ctypes.CDLL(str(ggml_library(Path(llama_cpp.__file__).parent / "lib")))
        ggml.ggml_backend_load.restype = ctypes.c_void_p
        ggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
        if not ggml.ggml_backend_load(str(libraries[name]).encode()):
            raise ModelError(f"llama.cpp could not load its CPU backend {libraries[name]}")
        _loaded = name
        return name
