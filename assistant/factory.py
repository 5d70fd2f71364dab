"""Wire an Assistant from an index folder and a backend name (the one place that loads both)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from assistant.pipeline import Assistant, calibration_for
from assistant.runtime.llm import LLM, load_llm
from assistant.steps.gate import Calibration
from assistant.steps.prompting import Prompts
from retriever.hybrid import HybridRetriever
from settings import DEFAULT_INDEX, Config


def build_assistant(index_dir: str | Path | None, backend: str | None, cfg: Config) -> Assistant:
    """Load the retriever for index_dir and the LLM backend (None: the one in cfg); warm the prompt prefix cache."""
    if backend:
        cfg = replace(cfg, llm=replace(cfg.llm, backend=backend))
    retriever = HybridRetriever.from_index_dir(index_dir or DEFAULT_INDEX, cfg.retrieval, threads=cfg.index.threads)
    llm = load_llm(cfg.llm.backend, cfg.llm)
    return assistant_with(retriever, llm, cfg, calibration_for(index_dir or DEFAULT_INDEX))


def assistant_with(retriever: HybridRetriever, llm: LLM, cfg: Config, calibration: Calibration,
                   prompts: Prompts | None = None) -> Assistant:
    """An Assistant over a loaded retriever and LLM, the LLM's prompt prefix cache warmed."""
    assistant = Assistant(retriever, llm, cfg, prompts, calibration)
    if hasattr(llm, "warm"):
        llm.warm(assistant.constant_prefix)
    return assistant
