"""The on-disk index: versioned folders, a manifest with checksums, atomic switch.

Layout of an index folder::

    CURRENT               name of the live version (replaced atomically)
    v-<stamp>-<pid>-<token>/manifest.json
    v-<stamp>-<pid>-<token>/paragraphs.jsonl, chunks.jsonl, vectors.npy, vectors.faiss, bm25/
    embeddings.sqlite     embedding cache shared by all versions
    .lock                 held by the one writer at a time (see index.lock)

A build writes a complete new version folder under a name of its own, fsyncs it, then
replaces CURRENT: an interrupted build leaves the previous version live. The version that was
live before stays on disk until the next write (a reader that read CURRENT just before the
switch still finds it); older ones are deleted. A reader whose version disappears or changes
under it retries once with the new CURRENT. Loading verifies every file against the manifest's
sha256, so a corrupt index is reported, not served.
No pickle anywhere: JSON, .npy (allow_pickle=False) and FAISS's own format.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from errors import RagError
from index.chunking import Chunk
from index.documents import Paragraph, with_source
from index.lexical import BM25Index
from index.loaders import PARSER_VERSION, DocumentError, corpus_files
from settings import ChunkingConfig

FORMAT_VERSION = 1
CURRENT = "CURRENT"
DATA_FILES = ("paragraphs.jsonl", "chunks.jsonl", "vectors.npy", "vectors.faiss")
# temporary entries carry their writer's pid: ".tmp-v-<stamp>-<pid>-<token>", ".CURRENT.<pid>-<token>.tmp", …
_WRITER_PID_RE = re.compile(r"-(\d+)-[0-9a-f]{8}(?:\.[a-z]+)?$|\.(\d+)-[0-9a-f]{8}\.tmp$")


class IndexStoreError(RagError, RuntimeError):
    """Base class for index problems."""


class IndexNotFound(IndexStoreError):
    """No index has been built in this folder."""


class CorruptIndex(IndexStoreError):
    """Files missing, truncated or not matching the manifest."""


class IndexLocked(IndexStoreError):
    """Another writer holds the index folder's lock (and we were asked not to wait)."""


class DocumentNotFound(IndexStoreError, LookupError):
    """No document with this ID in the index."""

    def __init__(self, doc_id: str, index_dir: str | Path):
        super().__init__(f"document {doc_id!r} is not in the index {index_dir} (see `python -m index status`)")
        self.doc_id = doc_id


@dataclass
class StoredIndex:
    """A loaded index version."""

    path: Path
    manifest: dict
    paragraphs: dict[str, Paragraph]
    chunks: list[Chunk]
    vectors: np.ndarray
    faiss_index: faiss.Index
    bm25: BM25Index


def sha256_file(path: Path) -> str:
    """sha256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_faiss(vectors: np.ndarray, hnsw_threshold: int, hnsw_m: int = 32, ef_search: int = 128) -> faiss.Index:
    """Flat inner-product index for small sets, HNSW above the threshold."""
    dim = vectors.shape[1]
    if len(vectors) > hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = max(40, hnsw_m * 2)
        index.hnsw.efSearch = ef_search
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def writer_token() -> str:
    """A name part unique to this writer: ``<pid>-<8 hex>`` (the pid lets clean-up spare live writers)."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists (this process included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def writer_alive(name: str) -> bool:
    """Whether the writer that created a temporary entry (pid in its name) may still be running."""
    m = _WRITER_PID_RE.search(name)
    return bool(m) and pid_alive(int(m.group(1) or m.group(2)))


def _pointer(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CorruptIndex(f"index {index_dir}: cannot read {CURRENT}: {exc}") from exc


def write_index(index_dir: str | Path, manifest: dict, paragraphs: list[Paragraph], chunks: list[Chunk],
                vectors: np.ndarray, faiss_index: faiss.Index, bm25: BM25Index,
                before_switch: Callable[[], Callable[[], None] | None] | None = None) -> Path:
    """Write a new version and make it live atomically; returns the version folder.

    Writers that may run concurrently must hold :func:`index.lock.index_lock` (the builder does).
    ``before_switch`` runs once the new version is complete on disk, just before CURRENT names it
    (e.g. to move an uploaded file into place); it may return an undo function, called if the
    switch then fails.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    token = writer_token()
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{token}"
    tmp = index_dir / f".tmp-{name}"
    final = index_dir / name
    pointer = index_dir / f".{CURRENT}.{token}.tmp"
    previous = _pointer(index_dir)
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "paragraphs.jsonl", (p.to_dict() for p in paragraphs))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in chunks))
        np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        faiss.write_index(faiss_index, str(tmp / "vectors.faiss"))
        bm25.save(tmp / "bm25")
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        manifest = {**manifest, "format_version": FORMAT_VERSION,
                    "files": {f: sha256_file(tmp / f) for f in files}}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for f in (*files, "manifest.json"):
            _fsync(tmp / f)
        os.replace(tmp, final)
        _fsync(index_dir)
        undo = before_switch() if before_switch else None
        try:
            pointer.write_text(name, encoding="utf-8")
            _fsync(pointer)
            os.replace(pointer, index_dir / CURRENT)
        except BaseException:
            if undo:
                undo()
            raise
        _fsync(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        pointer.unlink(missing_ok=True)
        if final.exists() and _pointer(index_dir) != name:
            shutil.rmtree(final, ignore_errors=True)
        raise
    remove_old_versions(index_dir, keep={name, previous or ""})
    return final


def remove_old_versions(index_dir: str | Path, keep: set[str]) -> None:
    """Delete versions not in keep and temporary entries left by writers that are gone.

    Called with the index lock held, so the only live writer is the caller; a temporary entry
    whose writer is still running (by pid) is left alone all the same.
    """
    for entry in Path(index_dir).iterdir():
        if entry.name.startswith("v-") and entry.is_dir() and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith((".tmp-v-", f".{CURRENT}.")) and not writer_alive(entry.name):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)


def _version_dir(index_dir: Path, name: str | None) -> Path:
    if name is None:
        raise IndexNotFound(f"no index in {index_dir}: build one with `python -m index build --index {index_dir}`")
    version = index_dir / name
    if not name or "/" in name or not version.is_dir():
        raise CorruptIndex(f"index {index_dir}: CURRENT points to missing {name!r}; "
                           f"rebuild with `python -m index build --rebuild --index {index_dir}`")
    return version


def _retrying(index_dir: str | Path, read: Callable[[Path], object]):
    """read(live version folder); once more if CURRENT changed meanwhile (a writer switched under us)."""
    index_dir = Path(index_dir)
    for attempt in range(2):
        name = _pointer(index_dir)
        try:
            return read(_version_dir(index_dir, name))
        except CorruptIndex:
            if attempt == 0 and _pointer(index_dir) != name:
                continue
            raise
    raise AssertionError("unreachable")


def current_version(index_dir: str | Path) -> Path:
    """The live version folder; raises IndexNotFound / CorruptIndex."""
    index_dir = Path(index_dir)
    return _version_dir(index_dir, _pointer(index_dir))


def _read_manifest_at(version: Path) -> dict:
    path = version / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptIndex(f"unreadable manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("documents"), dict):
        raise CorruptIndex(f"unreadable manifest {path}: not an index manifest")
    return manifest


def read_manifest(index_dir: str | Path) -> dict:
    """The live version's manifest (no data files read)."""
    return _retrying(index_dir, _read_manifest_at)


def live_version(index_dir: str | Path) -> tuple[Path, dict]:
    """The live version folder and its manifest, read consistently."""
    return _retrying(index_dir, lambda v: (v, _read_manifest_at(v)))


def _verified(version: Path, manifest: dict, name: str) -> Path:
    path = version / name
    expected = manifest.get("files", {}).get(name)
    try:
        if expected is None or not path.is_file():
            raise FileNotFoundError(path)
        ok = sha256_file(path) == expected
    except OSError as exc:
        raise CorruptIndex(f"index file missing: {path}; rebuild with `python -m index build --rebuild`") from exc
    if not ok:
        raise CorruptIndex(f"index file corrupt (checksum mismatch): {path}; "
                           "rebuild with `python -m index build --rebuild`")
    return path


def read_paragraphs(version: Path, manifest: dict) -> list[Paragraph]:
    """The paragraphs of one version, checked against its manifest (used to reuse unchanged documents)."""
    path = _verified(version, manifest, "paragraphs.jsonl")
    try:
        return _paragraphs_from(path)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise CorruptIndex(f"index {version} cannot be read: {exc}; rebuild with --rebuild") from exc


def _paragraphs_from(path: Path) -> list[Paragraph]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            out.append(Paragraph.from_dict(json.loads(line)))
    return out


def _load_version(version: Path, verify: bool) -> StoredIndex:
    manifest = _read_manifest_at(version)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CorruptIndex(f"index format {manifest.get('format_version')} is not {FORMAT_VERSION}; rebuild with --rebuild")
    for f in (*DATA_FILES, *manifest.get("files", {})):
        if verify:
            _verified(version, manifest, f)
        elif not (version / f).is_file() or f not in manifest.get("files", {}):
            raise CorruptIndex(f"index file missing: {version / f}; rebuild with `python -m index build --rebuild`")
    try:
        paragraphs = {p.id: p for p in _paragraphs_from(version / "paragraphs.jsonl")}
        with open(version / "chunks.jsonl", encoding="utf-8") as fh:
            chunks = [Chunk.from_dict(json.loads(line)) for line in fh]
        vectors = np.load(version / "vectors.npy", allow_pickle=False)
        faiss_index = faiss.read_index(str(version / "vectors.faiss"))
        bm25 = BM25Index.load(version / "bm25", len(chunks))
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise CorruptIndex(f"index {version} cannot be read: {exc}; rebuild with --rebuild") from exc
    if not (len(chunks) == len(vectors) == faiss_index.ntotal == manifest["counts"]["chunks"]):
        raise CorruptIndex(f"index {version}: chunk/vector counts disagree; rebuild with --rebuild")
    paragraphs = with_source(paragraphs, manifest.get("documents", {}))
    return StoredIndex(version, manifest, paragraphs, chunks, vectors, faiss_index, bm25)


def load_index(index_dir: str | Path, verify: bool = True) -> StoredIndex:
    """Load the live version, checking every file against the manifest (retried once if CURRENT moves)."""
    return _retrying(index_dir, lambda v: _load_version(v, verify))


def embedder_spec(manifest: dict | None, default: str = "e5") -> str:
    """The embedder an index was built with (an index is always updated and queried with its own embedder)."""
    return ((manifest or {}).get("embedder") or {}).get("spec", default)


def staleness(manifest: dict, chunking: ChunkingConfig | None = None) -> list[str]:
    """Reasons why an index no longer matches its sources (empty list: fresh).

    Files that could not be read are recorded in the manifest with their hash, so they count
    as known until they change. ``chunking``: the settings now in force, when they matter.
    """
    problems = []
    skipped = manifest.get("skipped", {})
    known = {Path(d["path"]) for d in manifest["documents"].values()}
    known |= {Path(p) for p in manifest.get("excluded", [])}
    known |= {Path(p) for p in skipped}
    for doc_id, info in manifest["documents"].items():
        path = Path(info["path"])
        if not path.is_file():
            problems.append(f"{doc_id}: source file missing ({path})")
        elif sha256_file(path) != info["sha256"]:
            problems.append(f"{doc_id}: source file changed ({path})")
    for path, info in skipped.items():
        if Path(path).is_file() and sha256_file(Path(path)) != info.get("sha256"):
            problems.append(f"unreadable file changed, to be read again: {path}")
    if manifest.get("parser_version", 1) != PARSER_VERSION:
        problems.append("the document parser changed since the index was built")
    for folder in manifest.get("corpus_dirs", []):
        try:
            new = [p for p in corpus_files(folder) if p.resolve() not in known]
        except DocumentError:
            problems.append(f"corpus folder missing: {folder}")
            continue
        problems += [f"new document not indexed: {p}" for p in new]
    if chunking is not None and manifest.get("chunking") != asdict(chunking):
        problems.append(f"chunking settings changed: {manifest.get('chunking')} → {asdict(chunking)}")
    return problems
