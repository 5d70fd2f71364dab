"""Weight formats per CPU variant: prefill and raw decode tok/s of the shipped Q4_K_M and the formats derived from it.

Each (variant, format, extra buffer types) runs in a child (``python -m bench answering-worker``, kind "format"):
load the GGUF — llama.cpp's log says whether the CPU_REPACK buffer type took weights (Q4_0 → Q4_0_8x8 on
AVX2/AVX-512) — prefill a real answer prompt and decode greedily token by token, best of ROUNDS, metering other
processes' CPU use meanwhile.
"""
from __future__ import annotations

import os
import re
import tempfile
import time

ROUNDS = 2
DECODE_TOKENS = 32


def format_worker(spec: dict) -> dict:
    """In a child: one (variant, GGUF, extra buffer types) measured on spec['prompt']."""
    from llama_cpp import Llama

    from assistant.runtime.llama_backend import ensure_cpu_backend
    from assistant.runtime.llama_runtime import LoadMeter, model_params
    from bench.decoding import _raw

    variant = ensure_cpu_backend(spec["cpu_variant"])
    with tempfile.TemporaryFile("w+") as log:  # llama.cpp logs to fd 2: keep the load's lines
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            t = time.perf_counter()
            with model_params(spec["extra_buffers"] == "on"):
                llm = Llama(model_path=spec["model"], n_ctx=2048, n_threads=spec["threads"],
                            n_threads_batch=spec["threads"], seed=0, verbose=True)
            load_s = time.perf_counter() - t
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        repack = re.findall(r"CPU_REPACK model buffer size =\s*([\d.]+) MiB", log.read())
    tokens = llm.tokenize(spec["prompt"].encode("utf-8"), add_bos=False, special=True)
    prefill, decode = 0.0, 0.0
    with LoadMeter() as load:
        for _ in range(ROUNDS):
            llm.reset()
            t = time.perf_counter()
            llm.eval(tokens)
            prefill = max(prefill, len(tokens) / (time.perf_counter() - t))
            decode = max(decode, _raw(llm, tokens, DECODE_TOKENS)["decode_tok_s"])
    return {"variant": variant, "load_s": load_s, "prompt_tokens": len(tokens), "prefill_tok_s": prefill,
            "decode_tok_s": decode, "repacked_mib": float(repack[0]) if repack else 0.0,
            "size_mib": os.path.getsize(spec["model"]) / 2 ** 20, "busy": load.share}
