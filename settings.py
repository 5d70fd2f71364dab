"""All tunable settings in one place.

Defaults live in the dataclasses below; an optional TOML file (``rag.toml`` in
the project root, or the file named by ``$RAG_CONFIG``) overrides them, and CLI
flags override both.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_CORPUS = PROJECT_ROOT / "corpus"
DEFAULT_INDEX = PROJECT_ROOT / "index" / "data"
DEFAULT_UPLOADS = PROJECT_ROOT / "data" / "uploads"  # the web app's uploaded documents (a corpus folder)
DEFAULT_CACHE = Path(os.environ.get("RAG_CACHE", Path.home() / ".cache" / "zh-rag"))
DEV_SET = PROJECT_ROOT / "eval" / "dev.jsonl"
BACKENDS = ("llama", "transformers")


@dataclass(frozen=True)
class ChunkingConfig:
    """Paragraph-aligned chunking parameters (sizes in characters)."""

    max_chars: int = 360
    min_chars: int = 80
    overlap_chars: int = 60


@dataclass(frozen=True)
class IndexConfig:
    """Embedding and vector-index parameters."""

    embedder: str = "e5"  # e5 | use | st:<local model folder>
    hnsw_threshold: int = 20000  # above this many chunks use HNSW instead of flat IP
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    batch_size: int = 32
    threads: int = 2


@dataclass(frozen=True)
class RetrievalConfig:
    """Hybrid retrieval parameters."""

    k: int = 5
    candidates: int = 50  # per-signal candidate depth before fusion
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.5  # tuned on eval/dev.jsonl: MRR 0.971 → 0.986, budget recall 1.0 either way
    context_chars: int = 1200  # context budget handed to the answerer
    context_depth: int = 20  # hits the context is cut from
    signal_best_at: int = 2  # each signal's first choice is moved up to this fused position at the latest


@dataclass(frozen=True)
class LLMConfig:
    """Local LLM parameters."""

    backend: str = "llama"  # llama | transformers
    n_ctx: int = 4096
    max_tokens: int = 384
    n_threads: int = 0  # decode threads; 0 = measured by the llama.cpp self-test (assistant/runtime/llama_runtime.py)
    n_threads_batch: int = 0  # prefill threads; 0 = measured
    extra_buffers: str = "auto"  # llama.cpp extra buffer types (repacked weights): auto (measured) | on | off
    cpu_variant: str = "best"  # llama.cpp CPU backend variant: best (the best this CPU runs safely) | haswell | zen4 …
    weights: str = "q4_k_m"  # llama.cpp weight format: q4_k_m (shipped) | q4_0 | iq4_nl | q8_0 (derived from it once)


@dataclass(frozen=True)
class AnswerConfig:
    """What the answer pipeline reads (assistant/steps/): the evidence shown to the model, the retrieval per part,
    and the thresholds of the steps, each defined here once and passed to the step that uses it."""

    # retrieve and select evidence (steps/retrieve.py, evidence.py, list_context.py, cross_refs.py)
    evidence_chars: int = 420  # evidence sentences shown to the model, in characters (and at most 9 sentences)
    evidence_per_part: int = 0  # best sentences kept per question part at most; 0 = as many as fit evidence_chars
    part_hits: int = 2  # extra chunks retrieved for each part of a multi-part question
    heading_weight: float = 0.5  # a term found only in a sentence's heading path (or what it leans on) counts this much
    retrieval_prior: float = 0.1  # added to a sentence's score, divided by 1 + its paragraph's retrieval rank
    short_sentence: int = 24  # a chosen sentence shorter than this (characters) brings the next one
    list_items: int = 8  # list items a lead-in brings along
    referrers: int = 2  # paragraphs saying an article is violated that come along with it
    # gate (steps/gate.py)
    min_anchors: float = 0.7  # weighted share of a part's anchors a sentence must hold to be quoted as its answer
    # checks (steps/verify.py, support.py)
    min_support: float = 0.6  # share of a sentence's own wording (not the question's) its citation must hold
    verdict_support: float = 0.4  # a yes/no verdict that only restates the question: share of it its citation holds
    home_anchors: float = 0.3  # weighted share of the asked names a figure's sentence must hold
    cover_share: float = 0.3  # share of a part's own key terms a sentence must contain to count as answering it
    # the answer (steps/compose.py, prompting.py, overview.py)
    max_quotes: int = 3  # source sentences quoted after the model's sentences
    max_answer_sentences: int = 6  # sentences an answer may have (a list's items often come one a sentence)
    min_scope: float = 0.2  # share of an overview question's wording the scope's heading path must explain


@dataclass(frozen=True)
class OcrConfig:
    """OCR of PDF pages without a text layer (scans), with the model rapidocr-onnxruntime ships (index/ocr.py)."""

    enabled: bool = True  # false: such pages are only reported, not read
    threads: int = 1  # onnxruntime and OpenCV threads of the OCR child (index/pdf_ocr.py); 2 were slower on 2 busy cores


@dataclass(frozen=True)
class LimitsConfig:
    """Limits that keep one file or request from taking the machine (sizes in MB)."""

    max_upload_mb: float = 20.0  # one added/uploaded document file
    max_docx_ratio: float = 100.0  # a .docx part (over 1 MB) that unpacks more than this many times is a zip bomb
    max_docx_unpacked_mb: float = 200.0  # a .docx whose parts unpack to more than this is refused
    max_pdf_memory_mb: float = 2048.0  # the PDF reader's address space (a decompression bomb fails, clearly)
    pdf_timeout_s: float = 300.0  # reading one PDF
    max_chunks_per_upload: int = 2000  # one added document (≈ a few minutes of e5 embedding)
    max_batch_questions: int = 200  # one question file in the web app's batch tab
    max_queue: int = 32  # web app: requests waiting in the queue before new ones are turned away


@dataclass(frozen=True)
class Config:
    """The whole configuration."""

    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    answer: AnswerConfig = field(default_factory=AnswerConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    ocr: OcrConfig = field(default_factory=OcrConfig)


# the process-wide environment every entry point and model loader wants (set once, never overriding the user's)
PROCESS_ENV = {
    "HF_HUB_OFFLINE": "1",  # models come from installed packages; never from a hub
    "OMP_WAIT_POLICY": "passive",  # OpenMP threads sleep when idle: 2 shared cores
    "TOKENIZERS_PARALLELISM": "false",
    "GRADIO_ANALYTICS_ENABLED": "False",
}


def apply_process_env() -> None:
    """Set PROCESS_ENV's defaults (variables the user set stay as they are). Call before loading models."""
    for key, value in PROCESS_ENV.items():
        os.environ.setdefault(key, value)


# environment variables that override one setting (over the TOML file; CLI flags override both)
ENV_SETTINGS = {"RAG_CPU_VARIANT": ("llm", "cpu_variant")}


def _apply(section, values: dict):
    known = {f.name for f in fields(section)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown setting(s) in [{type(section).__name__}]: {sorted(unknown)}")
    return replace(section, **values)


def load_config(path: str | Path | None = None) -> Config:
    """Load defaults, overridden by a TOML file when one exists, then by the variables of ENV_SETTINGS."""
    path = Path(path or os.environ.get("RAG_CONFIG", PROJECT_ROOT / "rag.toml"))
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for var, (section, name) in ENV_SETTINGS.items():
        if os.environ.get(var):
            data.setdefault(section, {})[name] = os.environ[var]
    cfg = Config()
    updates = {}
    for name in ("chunking", "index", "retrieval", "llm", "answer", "limits", "ocr"):
        if name in data:
            updates[name] = _apply(getattr(cfg, name), data[name])
    return replace(cfg, **updates)
