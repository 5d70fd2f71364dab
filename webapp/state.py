"""What the app has loaded: the index (built/updated on start), one Assistant per backend, uploads."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.factory import assistant_with, build_assistant
from assistant.pipeline import Assistant
from assistant.runtime.llama_runtime import RUNTIME_CACHE
from assistant.runtime.llm import LLM, load_llm
from errors import RagError
from index.builder import BuildReport, add_document, build_index, previous_manifest, remove_document
from index.embedders import Embedder
from index.loaders import SUPPORTED_SUFFIXES, DocumentError, check_file_size
from index.store import current_version, embedder_spec, sha256_file, staleness, writer_token
from retriever.hybrid import HybridRetriever
from settings import BACKENDS, DEFAULT_UPLOADS, PROJECT_ROOT, Config


class NotReady(RagError):
    """The index or model is still loading (or failed to load)."""


class DuplicateDocument(DocumentError):
    """The uploaded file's content is already in the index."""


class TurnLock:
    """The model's turn: a FIFO lock, so waiters are served in arrival order.

    The chat takes it for one answer and a batch for one question at a time, so a chat sent
    during a batch waits for the batch's current question only, never for the whole batch.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._next = 0  # next ticket to hand out
        self._serving = 0  # ticket allowed to hold the lock

    def acquire(self, blocking: bool = True) -> bool:
        """Wait for our turn (or, non-blocking, take it only if nobody holds or waits)."""
        with self._cond:
            if not blocking and self._next != self._serving:
                return False
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._cond.wait()
            return True

    def release(self) -> None:
        """End our turn; the longest waiter goes next."""
        with self._cond:
            self._serving += 1
            self._cond.notify_all()

    def locked(self) -> bool:
        """Whether someone holds the turn."""
        with self._cond:
            return self._next != self._serving

    def waiting(self) -> int:
        """How many are waiting for a turn."""
        with self._cond:
            return max(0, self._next - self._serving - 1)

    def __enter__(self) -> "TurnLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


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
        if self.action == "built":
            return f"已构建索引：{self.report.documents} 个文档，{self.report.chunks} 个文本块"
        return f"已更新索引（{self.reasons[0]}{' 等' if len(self.reasons) > 1 else ''}）"


def index_reasons(corpus_dir: Path, manifest: dict | None, cfg: Config | None = None,
                  extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """Why the index must be (re)built for corpus_dir (and extra_dirs); empty when it is fresh."""
    if manifest is None:
        return ["no index yet"]
    recorded = manifest.get("corpus_dirs", [])
    # an extra folder (the uploads) not recorded yet only matters once it holds a document the index lacks
    extra = [str(Path(d).resolve()) for d in extra_dirs if str(Path(d).resolve()) not in recorded]
    reasons = staleness({**manifest, "corpus_dirs": [*recorded, *extra]}, cfg.chunking if cfg else None)
    if str(Path(corpus_dir).resolve()) not in recorded:
        reasons.append(f"corpus folder not indexed yet: {corpus_dir}")
    return reasons


def ensure_index(corpus_dir: Path, index_dir: Path, cfg: Config, embedder: Embedder | None = None,
                 show_progress: bool = True, uploads_dir: Path | None = None) -> IndexCheck:
    """Build the index when missing, update it when stale (same embedder as before), else leave it.

    A damaged index raises CorruptIndex: it is never replaced without an explicit --rebuild.
    ``uploads_dir`` is a corpus folder of its own, so uploads survive any rebuild.
    """
    extra = ()
    if uploads_dir is not None:
        Path(uploads_dir).mkdir(parents=True, exist_ok=True)
        extra = (Path(uploads_dir),)
    manifest = previous_manifest(index_dir)
    reasons = index_reasons(corpus_dir, manifest, cfg, extra)
    if not reasons:
        return IndexCheck("fresh", [])
    if manifest is not None:  # keep the embedder the index was built with
        cfg = replace(cfg, index=replace(cfg.index, embedder=embedder_spec(manifest)))
    for r in reasons:
        print(f"index: {r}", file=sys.stderr)
    report = build_index(corpus_dir, index_dir, cfg, embedder=embedder, show_progress=show_progress,
                         extra_dirs=extra)
    print(report.summary(), file=sys.stderr)
    return IndexCheck("built" if manifest is None else "updated", reasons, report)


def shown_path(path: Path) -> str:
    """A path relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def runtime_line(assistant: Assistant) -> str:
    """How llama.cpp runs (the self-test's cached choice) and, if it had to, why it fell back; '' for other models."""
    llm = getattr(assistant, "llm", None)
    runtime = getattr(llm, "runtime", None)
    if runtime is None:
        return ""
    variant = getattr(llm, "cpu_variant", "")
    line = (f" · llama.cpp{f' {variant}' if variant else ''}：额外缓冲区类型{'开' if runtime.extra_buffers else '关'}，"
            f"解码 {runtime.n_threads} / 预填充 {runtime.n_threads_batch} 线程")
    rates = runtime.rates()
    if rates:
        line += f"，自检测得预填充 {rates[0]:.0f} / 解码 {rates[1]:.1f} token/s"
    if runtime.contended:
        line += (f"（测量时其他进程占用了 {runtime.busy:.0%} 的 CPU：此结果只用于本次运行，下次启动时重新测量）")
    else:
        line += f"（{'测量时机器空闲；' if rates else ''}自检结果缓存于 `{RUNTIME_CACHE}`，删除即重新测量）"
    if runtime.note:
        line += f"（llama.cpp 自检：加速路径在此 CPU 上崩溃，已自动改用安全配置。{runtime.note}）"
    return line


class AppState:
    """The loaded index and assistants, shared by all sessions.

    The assistants (one per loaded backend, all over the same retriever) are one mapping that is replaced
    whole, never changed in place. A request takes the assistant current when it starts (``snapshot``) and
    finishes on it; before that, ``refresh`` compares the index's ``CURRENT`` with the version the
    assistants were built from and, when a writer (the library tab, ``python -m index add`` in a terminal…)
    made another version live, swaps in new assistants over it, all at once.
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
        self._assistants: dict[str, Assistant] = {}  # replaced whole under _swap_lock, never changed in place
        self.phase = "starting"  # starting | indexing | loading | ready | error
        self.message = "正在启动…"
        self.index_message = ""
        self._load_lock = threading.Lock()  # one backend load at a time
        self._swap_lock = threading.Lock()  # replacing _assistants
        self._refresh_lock = threading.Lock()  # one index reload at a time
        self._index_lock = threading.Lock()
        self.llm_turn = TurnLock()  # one answer (chat) or one question (batch) at a time
        self.add_cancel = threading.Event()  # set by the library tab's cancel button
        self.batch_cancel = threading.Event()  # set by the batch tab's cancel button
        self._scratch_root: Path | None = None

    # ------------------------------------------------------------ start-up
    def start(self, show_progress: bool = True) -> None:
        """Check/build the index, then load the assistant for the default backend (blocking)."""
        try:
            self.phase, self.message = "indexing", "正在检查索引…"
            self.index_message = ensure_index(self.corpus_dir, self.index_dir, self.cfg, self._embedder,
                                              show_progress, uploads_dir=self.uploads_dir).message()
            self.phase, self.message = "loading", f"{self.index_message}；正在加载模型（{self.backend}）…"
            loaded = self.assistant(self.backend)
            self.phase, self.message = "ready", f"{self.index_message}；模型 {self.backend} 已加载{runtime_line(loaded)}"
        except RagError as exc:  # shown in the UI; the server keeps running
            self.phase, self.message = "error", f"启动失败：{exc}"
            print(self.message, file=sys.stderr)
        except Exception as exc:  # a bug or an unexpected library failure: say so, with the traceback on stderr
            traceback.print_exc()
            self.phase, self.message = "error", f"启动失败（程序错误）：{type(exc).__name__}: {exc}"

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
        return f"{icon}{self.message}{extra} · 索引 `{shown_path(self.index_dir)}`"

    # ------------------------------------------------------------ assistants
    @property
    def assistants(self) -> dict[str, Assistant]:
        """The loaded assistants by backend (the current mapping; do not change it)."""
        return self._assistants

    def assistant(self, backend: str | None = None) -> Assistant:
        """The assistant for a backend, loading it on first use (the first via ``build_assistant``)."""
        backend = backend or self.backend
        if backend not in BACKENDS:
            raise RagError(f"unknown backend {backend!r}: use {' or '.join(BACKENDS)}")
        if backend in self._assistants:  # no lock: another backend may be loading meanwhile
            return self._assistants[backend]
        with self._load_lock:
            if backend in self._assistants:
                return self._assistants[backend]
            if not self._assistants:
                loaded = self._assistant_factory(self.index_dir, backend)
                with self._swap_lock:
                    self._assistants = {backend: loaded}
                return loaded
            base = next(iter(self._assistants.values()))  # share the loaded retriever; load only the other LLM
            loaded = assistant_with(base.retriever, self._llm_factory(backend), base.cfg, base.calibration,
                                    base.prompts)
            with self._swap_lock:
                now = next(iter(self._assistants.values()))
                if now.retriever is not base.retriever:  # a new index version came while the model loaded
                    loaded = loaded.with_retriever(now.retriever)
                self._assistants = {**self._assistants, backend: loaded}
            return loaded

    def refresh(self) -> bool:
        """Swap in assistants over the live index version when it is not the one they were built from.

        Called before each request; True when it swapped. A request already running keeps the assistant it
        took. A live version that cannot be served raises its error (StaleIndex, CorruptIndex…).
        """
        if not self._assistants:
            return False
        with self._refresh_lock:
            old = next(iter(self._assistants.values())).retriever
            if current_version(self.index_dir).name == old.stored.path.name:
                return False
            new = HybridRetriever.from_index_dir(self.index_dir, self.cfg.retrieval, embedder=old.embedder,
                                                 threads=self.cfg.index.threads)
            with self._swap_lock:
                self._assistants = {b: a.with_retriever(new) for b, a in self._assistants.items()}
            return True

    def snapshot(self, backend: str | None = None) -> Assistant:
        """The assistant for one request, over the live index version (NotReady while loading)."""
        if not self.ready:
            raise NotReady(self.message)
        self.refresh()
        return self.assistant(backend)

    @property
    def retriever(self) -> HybridRetriever:
        """The retriever shared by the loaded assistants."""
        if not self._assistants:
            raise NotReady(self.message)
        return next(iter(self._assistants.values())).retriever

    # ------------------------------------------------------------ library
    def manifest(self) -> dict | None:
        """The live index manifest (None when there is none; CorruptIndex when damaged)."""
        return previous_manifest(self.index_dir)

    def _target_for(self, name: str, replace: bool) -> Path:
        """Where an upload is stored: its own name, or name_2, name_3… when that is taken (unless replace)."""
        name = name.lstrip(".") or "upload"
        target = self.uploads_dir / name
        if replace or not target.exists():
            return target
        stem, suffix = Path(name).stem, Path(name).suffix
        n = 2
        while (self.uploads_dir / f"{stem}_{n}{suffix}").exists():
            n += 1
        return self.uploads_dir / f"{stem}_{n}{suffix}"

    def add_upload(self, upload: str | Path, replace: bool = False) -> BuildReport:
        """Add an uploaded file to the index as a document of uploads_dir (the next request sees it).

        A file whose name is taken becomes a distinct document (``name_2.txt``) unless ``replace``.
        The file is indexed from a staging copy and moved to its place in uploads_dir only once the
        new index version is complete, just before it goes live; on any error (DocumentError for an
        unusable file, a size limit, IndexLocked when another writer is busy, Cancelled) nothing is
        saved and the index is unchanged.
        """
        upload = Path(upload)
        if upload.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise DocumentError(f"不支持的文件类型 {upload.suffix or '(无扩展名)'}：请上传 "
                                f"{' / '.join(SUPPORTED_SUFFIXES)}")
        check_file_size(upload, self.cfg.limits)
        retriever = self.retriever  # NotReady before the first load
        with self._index_lock:
            self.add_cancel.clear()
            manifest = self.manifest() or {"documents": {}}
            sha = sha256_file(upload)
            target = self._target_for(upload.name, replace)
            same = next((k for k, v in manifest["documents"].items()
                         if v["sha256"] == sha and (v["path"] != str(target.resolve()) or not replace)), None)
            if same:
                raise DuplicateDocument(f"内容相同的文档已在索引中：{same}")
            staging = self.uploads_dir / f".staging-{writer_token()}"
            staging.mkdir(parents=True)
            try:
                staged = staging / target.name
                shutil.copyfile(upload, staged)
                placement = _Placement(staged, target)
                report = add_document(staged, self.index_dir, self.cfg, embedder=retriever.embedder,
                                      show_progress=True, wait=False, record_as=target, before_switch=placement,
                                      cancel=self.add_cancel, corpus_dir=self.uploads_dir)
                placement.done()
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        return report

    def cancel_add(self) -> None:
        """Ask a running upload to stop (it stops while embedding; the index stays unchanged)."""
        self.add_cancel.set()

    def remove(self, doc_id: str) -> BuildReport:
        """Remove a document from the index (DocumentNotFound if unknown; the next request no longer sees it)."""
        retriever = self.retriever
        with self._index_lock:
            return remove_document(doc_id, self.index_dir, self.cfg, embedder=retriever.embedder, wait=False)

    # ------------------------------------------------------------ scratch files
    def scratch(self, kind: str) -> Path:
        """A new empty folder for one run's output files (batch answers, evaluation reports).

        Earlier runs' folders of the same kind are deleted (Gradio has copied their files to its
        own cache by then); the whole scratch root goes when the app exits.
        """
        if self._scratch_root is None:
            self._scratch_root = Path(tempfile.mkdtemp(prefix="rag-app-"))
            weakref.finalize(self, shutil.rmtree, str(self._scratch_root), True)
        for old in self._scratch_root.glob(f"{kind}-*"):
            shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=self._scratch_root))


class _Placement:
    """Moves a staged upload to its place just before the switch; undone if the switch fails."""

    def __init__(self, staged: Path, target: Path):
        self.staged, self.target = staged, target
        self.backup = target.with_name(f".replaced-{writer_token()}-{target.name}")

    def __call__(self) -> Callable[[], None]:
        if self.target.exists():  # an explicit replace: keep the old file until the new version is live
            os.replace(self.target, self.backup)
        os.replace(self.staged, self.target)
        return self.undo

    def undo(self) -> None:
        os.replace(self.target, self.staged)
        if self.backup.exists():
            os.replace(self.backup, self.target)

    def done(self) -> None:
        self.backup.unlink(missing_ok=True)
