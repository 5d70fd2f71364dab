"""Local LLM backends behind one interface: llama.cpp (default) and transformers.

Both take a fully rendered prompt (ChatML, see :func:`chatml`) so that the
constant system prompt + example is a token prefix shared by every request;
llama.cpp reuses the KV cache of the longest common prefix of consecutive calls.
"""
from __future__ import annotations

import contextlib
import math
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from assistant.runtime.decoding import ChoiceGrammar, greedy, last_logits, llama_greedy, prefill, stop_tokens, text_pieces
from assistant.runtime.llama_backend import ensure_cpu_backend
from assistant.runtime.llama_runtime import choose_runtime, model_params, usable_cpus
from assistant.runtime.model_files import ModelError, derived_model_path, model_path
from settings import BACKENDS, DEFAULT_CACHE, LLMConfig, apply_process_env

STOP = ("<|im_end|>", "<|endoftext|>", "<|im_start|>")


def chatml(system: str, turns: list[tuple[str, str]], user: str) -> str:
    """Render a ChatML prompt (Qwen's template) ending where the assistant starts writing."""
    out = [f"<|im_start|>system\n{system}<|im_end|>\n"]
    for u, a in turns:
        out.append(f"<|im_start|>user\n{u}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>\n")
    out.append(f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")
    return "".join(out)


class LLM(Protocol):
    """What the assistant needs from a language model."""

    name: str

    def stream(self, prompt: str, max_tokens: int, grammar: str | None = None) -> Iterator[str]:
        """Generate greedily, yielding text pieces; grammar (GBNF) constrains the output where supported."""

    def stream_aside(self, prompt: str, max_tokens: int) -> Iterator[str]:
        """Generate greedily like stream, without disturbing the cached prefix of the answer prompts (for short
        side tasks such as rewriting a follow-up question)."""

    def option_probabilities(self, prompt: str, options: list[str]) -> list[float]:
        """Softmax over the next-token logits of each option's first token (one forward pass of a short prompt;
        it must not disturb the cached prefix of the answer prompts)."""

    def choose(self, prompt: str, options: list[str]) -> list[float]:
        """Softmax over the next-token logits of each option's first token, read where the answer is generated:
        an answer prompt that shares this prompt's prefix (the evidence and the question) pays only for the rest."""

    def count_tokens(self, text: str) -> int:
        """Number of tokens in text."""


def softmax(logits: list[float]) -> list[float]:
    """Numerically stable softmax."""
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


class LlamaCppLLM:
    """llama.cpp through llama-cpp-python, with grammar-constrained decoding and prefix reuse."""

    def __init__(self, model_file: str | Path | None = None, cfg: LLMConfig | None = None):
        cfg = cfg or LLMConfig()
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelError("backend 'llama' needs llama-cpp-python==0.3.36 (pip install -r requirements.txt)") from exc
        path = Path(model_file) if model_file else derived_model_path(cfg.weights)
        if not path.is_file():
            raise ModelError(f"model file not found: {path}")
        # the instruction-set variant of the CPU backend: [llm] cpu_variant, by default the best safe one (never AMX)
        self.cpu_variant = ensure_cpu_backend(cfg.cpu_variant)
        self.runtime = choose_runtime(path, cfg, self.cpu_variant)  # self-test in child processes: a crash cannot kill us
        try:
            with model_params(self.runtime.extra_buffers):
                self._llm = Llama(model_path=str(path), n_ctx=cfg.n_ctx, n_threads=self.runtime.n_threads,
                                  n_threads_batch=self.runtime.n_threads_batch, seed=0, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp cannot load {path}: {exc}") from exc
        self.name = f"llama.cpp/{path.stem}"
        self.model_file = str(path)
        self._side: SideContext | None = None  # second KV cache for short scoring prompts, made on first use
        self._stop = stop_tokens(self._llm, STOP)
        self._lock = threading.Lock()  # one llama context: one request at a time

    def stream(self, prompt: str, max_tokens: int, grammar: str | None = None) -> Iterator[str]:
        """Greedy generation, streamed; a grammar (GBNF) is asked about the chosen token only, and applied to the
        whole vocabulary only when it rejects it (the same tokens as applying it to every token, every step)."""
        with self._lock:
            tokens = self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            with ChoiceGrammar(self._llm, grammar) if grammar else contextlib.nullcontext() as choice, \
                    contextlib.closing(llama_greedy(self._llm, tokens, max_tokens, self._stop, choice)) as ids:
                yield from text_pieces(ids, self._llm.detokenize, STOP)

    def _side_context(self) -> "SideContext":
        if self._side is None:
            self._side = SideContext(self._llm, self.runtime.n_threads, self.runtime.n_threads_batch)
        return self._side

    def stream_aside(self, prompt: str, max_tokens: int) -> Iterator[str]:
        """Greedy generation in the side context, streamed: the main context keeps the answer prompts' cached
        prefix (a rewritten follow-up does not make the next answer prefill the system prompt again)."""
        with self._lock:
            tokens = self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            with contextlib.closing(self._side_context().generate(tokens, max_tokens, self._stop)) as ids:
                yield from text_pieces(ids, self._llm.detokenize, STOP)

    def option_probabilities(self, prompt: str, options: list[str]) -> list[float]:
        """Softmax over the logits of each option's first token after prompt, computed in the side context so the
        answer prompt's cached prefix survives (the side context keeps its own prefix: the check's system prompt)."""
        with self._lock:
            tokens = self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            return self._options(self._side_context().last_logits(tokens), options)

    def choose(self, prompt: str, options: list[str]) -> list[float]:
        """Softmax over the logits of each option's first token after prompt, prefilled in the main context: the
        answer prompt that follows shares its prefix (system, example, evidence, question) and pays only for the
        instruction after it."""
        with self._lock:
            tokens = self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            prefill(self._llm, tokens)
            return self._options(last_logits(self._llm), options)

    def _options(self, logits, options: list[str]) -> list[float]:
        """Softmax over the logits of each option's first token."""
        ids = [self._llm.tokenize(o.encode("utf-8"), add_bos=False)[0] for o in options]
        return softmax([float(logits[i]) for i in ids])

    def warm(self, prefix: str) -> None:
        """Pre-evaluate a constant prompt prefix so the first request reuses it."""
        with self._lock:
            prefill(self._llm, self._llm.tokenize(prefix.encode("utf-8"), add_bos=False, special=True) + [0])

    def count_tokens(self, text: str) -> int:
        """Token count."""
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))


class SideContext:
    """A second llama.cpp context on the same weights, with a KV cache of its own (a few MB), for short scoring
    prompts and side generations: they keep their own prefix cached and leave the main context's answer prefix
    alone."""

    def __init__(self, llm, n_threads: int, n_threads_batch: int, n_ctx: int = 1024, n_batch: int = 512):
        import llama_cpp
        from llama_cpp import _internals

        params = llama_cpp.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = n_ctx, n_batch, n_batch
        params.n_threads, params.n_threads_batch = n_threads, n_threads_batch
        self._ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
        self._batch = _internals.LlamaBatch(n_tokens=n_batch, embd=0, n_seq_max=1, verbose=False)
        self._n_vocab = llm.n_vocab()
        self._n_ctx, self._n_batch = n_ctx, n_batch
        self._cached: list[int] = []

    def _logits(self):
        import numpy as np

        return np.ctypeslib.as_array(self._ctx.get_logits(), shape=(self._n_vocab,)).copy()

    def _feed(self, token: int) -> None:
        self._batch.set_batch([token], n_past=len(self._cached), logits_all=False)
        self._ctx.decode(self._batch)
        self._cached.append(token)

    def _prefill(self, tokens: list[int]) -> None:
        """Evaluate tokens (the common prefix with the previous call is not evaluated again)."""
        keep = 0
        for a, b in zip(self._cached, tokens[:-1]):
            if a != b:
                break
            keep += 1
        self._ctx.kv_cache_seq_rm(0, keep, -1)
        for i in range(keep, len(tokens), self._n_batch):
            chunk = tokens[i:i + self._n_batch]
            self._batch.set_batch(chunk, n_past=i, logits_all=False)
            self._ctx.decode(self._batch)
        self._cached = list(tokens)

    def generate(self, tokens: list[int], max_tokens: int, stop: Callable[[int], bool]) -> Iterator[int]:
        """Greedy continuation of tokens, up to max_tokens (and what the context holds) or a token for which
        stop(token) holds."""
        self._prefill(tokens)
        yield from greedy(self._logits, self._feed, min(max_tokens, self._n_ctx - len(tokens)), stop)

    def last_logits(self, tokens: list[int]):
        """Next-token logits after tokens (the common prefix with the previous call is not evaluated again)."""
        self._prefill(tokens)
        return self._logits()


class TransformersLLM:
    """Hugging Face transformers on CPU (no grammar support: citations come from the prompt alone)."""

    def __init__(self, model, tokenizer, name: str = "transformers", threads: int = 2):
        import torch

        torch.set_num_threads(threads)
        self._model = model.eval()
        self._tok = tokenizer
        self.name = name
        self._lock = threading.Lock()  # one model: one request at a time

    @classmethod
    def from_gguf(cls, gguf: str | Path | None = None, cfg: LLMConfig | None = None,
                  cache_dir: str | Path | None = None) -> "TransformersLLM":
        """Load the GGUF (dequantised to bf16) once, then a cached safetensors copy (~seconds)."""
        cfg = cfg or LLMConfig()
        apply_process_env()
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelError("backend 'transformers' needs transformers, gguf and torch==2.13.0") from exc
        gguf = Path(gguf) if gguf else model_path()
        cache = Path(cache_dir or DEFAULT_CACHE / "models") / f"{gguf.stem}-hf"
        if not (cache / "config.json").is_file():
            model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16)
            tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            # transformers refuses to save a model still marked as quantised
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
            model.save_pretrained(tmp)
            tok.save_pretrained(tmp)
            shutil.rmtree(cache, ignore_errors=True)
            os.replace(tmp, cache)
        model = AutoModelForCausalLM.from_pretrained(str(cache), dtype=torch.bfloat16)
        tok = AutoTokenizer.from_pretrained(str(cache))
        return cls(model, tok, name=f"transformers/{gguf.stem}", threads=cfg.n_threads_batch or usable_cpus())

    def stream(self, prompt: str, max_tokens: int, grammar: str | None = None) -> Iterator[str]:
        """Greedy generation, streamed; closing the iterator (Stop in the app) stops generate() too."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        stop = threading.Event()

        class Stopped(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return stop.is_set()

        inputs = self._tok(prompt, return_tensors="pt")
        streamer = TextIteratorStreamer(self._tok, skip_prompt=True, skip_special_tokens=True)
        stop_ids = [i for i in (self._tok.convert_tokens_to_ids(s) for s in STOP)
                    if isinstance(i, int) and i != self._tok.unk_token_id]
        kwargs = dict(**inputs, max_new_tokens=max_tokens, do_sample=False, streamer=streamer,
                      eos_token_id=stop_ids or None, pad_token_id=self._tok.pad_token_id or 0,
                      stopping_criteria=StoppingCriteriaList([Stopped()]))
        errors: list[BaseException] = []

        def run():
            try:
                with torch.inference_mode():
                    self._model.generate(**kwargs)
            except BaseException as exc:  # surfaced in the caller's thread below
                errors.append(exc)
                streamer.end()

        with self._lock:
            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            try:
                for text in streamer:
                    if text:
                        yield text
            finally:  # normal end, error, or the consumer stopped reading
                stop.set()
                thread.join()
        if errors:
            raise errors[0]

    def stream_aside(self, prompt: str, max_tokens: int) -> Iterator[str]:
        """As stream (this backend caches no prefix to keep)."""
        return self.stream(prompt, max_tokens)

    def option_probabilities(self, prompt: str, options: list[str]) -> list[float]:
        """Softmax over the logits of each option's first token after prompt."""
        import torch

        inputs = self._tok(prompt, return_tensors="pt")
        with self._lock, torch.inference_mode():
            logits = self._model(**inputs).logits[0, -1].float()
        ids = [self._tok(o, add_special_tokens=False)["input_ids"][0] for o in options]
        return softmax([float(logits[i]) for i in ids])

    def choose(self, prompt: str, options: list[str]) -> list[float]:
        """As option_probabilities (this backend caches no prefix)."""
        return self.option_probabilities(prompt, options)

    def count_tokens(self, text: str) -> int:
        """Token count."""
        return len(self._tok(text, add_special_tokens=False)["input_ids"])


def load_llm(backend: str, cfg: LLMConfig | None = None) -> LLM:
    """Create the configured backend: 'llama' (default) or 'transformers'."""
    if backend == "llama":
        return LlamaCppLLM(cfg=cfg)
    if backend == "transformers":
        return TransformersLLM.from_gguf(cfg=cfg)
    raise ModelError(f"unknown backend {backend!r}: use {' or '.join(BACKENDS)}")
