"""What the app has loaded: the index (built/updated on start), one Assistant per backend, uploads."""
from __future__ import annotations

import copy
import os
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.factory import build_assistant
from assistant.llm import LLM, load_llm
from assistant.pipeline import Assistant
from index.builder import BuildReport, add_document, build_index, previous_manifest, remove_document, staleness
from index.embedders import Embedder
from index.loaders import SUPPORTED_SUFFIXES, DocumentError, load_document
from retriever.hybrid import HybridRetriever
from settings import PROJECT_ROOT, Config

BACKENDS = ("llama", "transformers")
DEFAULT_UPLOADS = PROJECT_ROOT / "data" / "uploads"


class NotReady(RuntimeError):
    """The index or model is still loading (or failed to load)."""


@dataclass
class IndexCheck:
    """Result of the start-up check: what was done and why."""

    action: str  # "fresh" | "built" | "updated"
    reasons: list[str]
    report: BuildReport | None = None

    def message(self) -> str:
        """One line for the status bar."""
        if self.action == "fresh":
            return "索引已是最新"
        verb = "已构建索引" if self.action == "built" else "已更新索引"
        return f"{verb}（{self.reasons[0]}{' 等' if len(self.reasons) > 1 else ''}）"


def index_reasons(corpus_dir: Path, manifest: dict | None) -> list[str]:
    """Why the index must be (re)built for corpus_dir; empty when it is fresh."""
    if manifest is None:
        return ["no index yet"]
    reasons = staleness(manifest)
    if str(corpus_dir.resolve()) not in manifest.get("corpus_dirs", []):
        reasons.append(f"corpus folder not indexed yet: {corpus_dir}")
    return reasons


def ensure_index(corpus_dir: Path, index_dir: Path, cfg: Config, embedder: Embedder | None = None,
                 show_progress: bool = True) -> IndexCheck:
    """Build the index when missing, update it when stale (same embedder as before), else leave it."""
    manifest = previous_manifest(index_dir)
    reasons = index_reasons(corpus_dir, manifest)
    if not reasons:
        return IndexCheck("fresh", [])
    if manifest is not None:  # keep the embedder the index was built with
        cfg = replace(cfg, index=replace(cfg.index, embedder=manifest["embedder"]["spec"]))
    for r in reasons:
        print(f"index: {r}", file=sys.stderr)
    report = build_index(corpus_dir, index_dir, cfg, embedder=embedder, show_progress=show_progress)
    print(report.summary(), file=sys.stderr)
    return IndexCheck("built" if manifest is None else "updated", reasons, report)


def _shown(path: Path) -> str:
    """A path relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


class AppState:
    """The loaded index and assistants, shared by all sessions.

    Requests work on a shallow copy of the assistant (``snapshot``), so a retriever
    swapped in by a library change never mixes with a request in flight.
    """

    def __init__(self, index_dir: str | Path, corpus_dir: str | Path, cfg: Config, backend: str = "llama",
                 uploads_dir: str | Path = DEFAULT_UPLOADS,
                 assistant_factory: Callable[[Path, str], Assistant] | None = None,
                 llm_factory: Callable[[str], LLM] | None = None, embedder: Embedder | None = None):
        self.index_dir, self.corpus_dir = Path(index_dir), Path(corpus_dir)
        self.cfg = cfg
        self.backend = backend
        self.uploads_dir = Path(uploads_dir)
        self._assistant_factory = assistant_factory or (lambda d, b: build_assistant(d, b, self.cfg))
        self._llm_factory = llm_factory or (lambda b: load_llm(b, self.cfg.llm))
        self._embedder = embedder  # only for building; by default the index's own embedder is used
        self.assistants: dict[str, Assistant] = {}
        self.phase = "starting"  # starting | indexing | loading | ready | error
        self.message = "正在启动…"
        self.index_message = ""
        self._load_lock = threading.Lock()
        self._index_lock = threading.Lock()

    # ------------------------------------------------------------ start-up
    def start(self, show_progress: bool = True) -> None:
        """Check/build the index, then load the assistant for the default backend (blocking)."""
        try:
            self.phase, self.message = "indexing", "正在检查索引…"
            self.index_message = ensure_index(self.corpus_dir, self.index_dir, self.cfg, self._embedder,
                                              show_progress).message()
            self.phase, self.message = "loading", f"{self.index_message}；正在加载模型（{self.backend}）…"
            self.assistant(self.backend)
            self.phase, self.message = "ready", f"{self.index_message}；模型 {self.backend} 已加载"
        except Exception as exc:  # shown in the UI; the server keeps running
            self.phase, self.message = "error", f"启动失败：{type(exc).__name__}: {exc}"
            print(self.message, file=sys.stderr)

    def start_in_background(self, show_progress: bool = True) -> threading.Thread:
        """``start`` in a daemon thread, so the UI is served while the index and model load."""
        thread = threading.Thread(target=self.start, args=(show_progress,), daemon=True, name="app-start")
        thread.start()
        return thread

    @property
    def ready(self) -> bool:
        """True once the first assistant is loaded."""
        return self.phase == "ready"

    def status(self) -> str:
        """Status-bar Markdown."""
        icon = {"ready": "✔ 就绪：", "error": "✖ 错误："}.get(self.phase, "… 加载中：")
        loaded = ", ".join(self.assistants) or "—"
        extra = f" · 已加载后端：{loaded}" if self.ready else ""
        return f"{icon}{self.message}{extra} · 索引 `{_shown(self.index_dir)}`"

    # ------------------------------------------------------------ assistants
    def assistant(self, backend: str | None = None) -> Assistant:
        """The assistant for a backend, loading it on first use (the first via ``build_assistant``)."""
        backend = backend or self.backend
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}: use {' or '.join(BACKENDS)}")
        if backend in self.assistants:  # no lock: another backend may be loading meanwhile
            return self.assistants[backend]
        with self._load_lock:
            if backend not in self.assistants:
                if not self.assistants:
                    self.assistants[backend] = self._assistant_factory(self.index_dir, backend)
                else:  # share the loaded retriever; load only the other LLM
                    first = next(iter(self.assistants.values()))
                    llm = self._llm_factory(backend)
                    new = Assistant(first.retriever, llm, first.cfg, first.prompts, first.calibration)
                    if hasattr(llm, "warm"):
                        llm.warm(new.constant_prefix)
                    self.assistants[backend] = new
            return self.assistants[backend]

    def snapshot(self, backend: str | None = None) -> Assistant:
        """A shallow copy of the ready assistant for one request (NotReady while loading)."""
        if not self.ready:
            raise NotReady(self.message)
        return copy.copy(self.assistant(backend))

    @property
    def retriever(self) -> HybridRetriever:
        """The retriever shared by the loaded assistants."""
        if not self.assistants:
            raise NotReady(self.message)
        return next(iter(self.assistants.values())).retriever

    def _reload_retriever(self) -> None:
        old = self.retriever
        new = HybridRetriever.from_index_dir(self.index_dir, self.cfg.retrieval, embedder=old.embedder)
        for a in self.assistants.values():
            a.retriever = new

    # ------------------------------------------------------------ library
    def manifest(self) -> dict | None:
        """The live index manifest."""
        return previous_manifest(self.index_dir)

    def add_upload(self, upload: str | Path) -> BuildReport:
        """Copy an uploaded file into uploads_dir, add it to the index and reload the retriever.

        Raises DocumentError for an unsupported or unreadable file; then nothing is saved and
        the index is untouched.
        """
        upload = Path(upload)
        if upload.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise DocumentError(f"不支持的文件类型 {upload.suffix or '(无扩展名)'}：请上传 "
                                f"{' / '.join(SUPPORTED_SUFFIXES)}")
        retriever = self.retriever  # NotReady before the first load
        load_document(upload)  # unreadable → DocumentError before anything is saved or indexed
        with self._index_lock:
            self.uploads_dir.mkdir(parents=True, exist_ok=True)
            target = self.uploads_dir / upload.name
            tmp = self.uploads_dir / f".upload-{os.getpid()}-{upload.name}"
            try:
                shutil.copyfile(upload, tmp)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            report = add_document(target, self.index_dir, self.cfg, embedder=retriever.embedder,
                                  show_progress=True)
            self._reload_retriever()
        return report

    def remove(self, doc_id: str) -> BuildReport:
        """Remove a document from the index (KeyError if unknown) and reload the retriever."""
        retriever = self.retriever
        with self._index_lock:
            report = remove_document(doc_id, self.index_dir, self.cfg, embedder=retriever.embedder)
            self._reload_retriever()
        return report
