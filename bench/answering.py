"""Answering benchmark, on the machine at hand (CPU model and flags printed with the results).

1. llama.cpp configurations, each in its own child process (a crash is reported, not fatal): (a) a native
   ``-march=native`` build with its extra buffer types (as pip builds it without the project's settings),
   (b) that build without extra buffer types, (c) the shipped build with the runtime the self-test chose.
   For each: prefill and decode tok/s on a real answer prompt, and answer TTFT/total over the same questions.
2. The shipped assistant over spread dev questions of each kind (fact/number/multi/unanswerable): TTFT and total
   per step, and the overview and comparison questions.
3. Prompt-lookup speculative decoding (llama-cpp-python's LlamaPromptLookupDecoding) against plain decoding.
4. The transformers backend: the cached bf16 copy against loading the GGUF in float32 (which transformers keeps
   packed only when the `kernels` package can fetch its GGUF kernel — offline it cannot), each in a child.

The native build of (a)/(b) is not installed by the project; build it once with
``pip install --no-deps --no-cache-dir --target ~/.cache/zh-rag/llama-native llama-cpp-python==0.3.36``
(or point ``--native-lib`` at one); without it (a)/(b) say "not built".
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import BENCH_DIR, PeakRSS, cpu_flags, load_dev, spread, verdict
from settings import DEFAULT_CACHE, apply_process_env, load_config

OUT_DIR = BENCH_DIR / "out"
NATIVE_LIB = DEFAULT_CACHE / "llama-native"
CONFIGS = ("native", "native-no-extra", "shipped")
COMPARISONS = ["天津和北京在口岸通关方面的做法有什么不同？", "上海和海南在知识产权运用方面的做法有什么不同？"]


def dev_questions(n_per_kind: int) -> list[dict]:
    """Dev questions spread over each kind (overview questions are measured separately)."""
    dev = load_dev()
    out = []
    for kind in ("fact", "number", "multi", "unanswerable"):
        out += spread([q for q in dev if q["type"] == kind], n_per_kind)
    return out


# ---------------------------------------------------------------- child side

def worker(spec: dict) -> dict:
    """Run in a child: one llama.cpp configuration (or the transformers backend) on the given questions."""
    apply_process_env()
    if spec["kind"] == "transformers":
        return _transformers_worker(spec)
    from dataclasses import replace

    from assistant.factory import build_assistant
    from assistant.model_files import model_path

    cfg = load_config()
    if spec.get("extra_buffers"):
        cfg = replace(cfg, llm=replace(cfg.llm, extra_buffers=spec["extra_buffers"]))
    t = time.perf_counter()
    assistant = build_assistant(spec["index"], "llama", cfg)
    load_s = time.perf_counter() - t
    out = {"load_s": load_s, "runtime": assistant.llm.runtime.summary(), "library": _library_info()}
    out.update(_raw_rates(assistant, spec["prompt_question"], spec["max_tokens"]))
    if spec.get("prompt_lookup"):
        out["prompt_lookup"] = _prompt_lookup(model_path(), assistant, spec["prompt_question"], spec["max_tokens"])
    out["answers"] = [_answer(assistant, q) for q in spec["questions"]]
    return out


def _library_info() -> dict:
    import llama_cpp

    return {"path": str(Path(llama_cpp.__file__).parent), "system_info": llama_cpp.llama_print_system_info().decode()}


def _answer(assistant, question: str) -> dict:
    answer = assistant.run(question)
    return {"question": question, "refused": answer.refused, "answer": answer.answer, "timings": answer.timings}


def _answer_prompt(assistant, question: str) -> str:
    from assistant.question_parts import split_parts

    parts = split_parts(question)
    got = assistant.retrieve.run(question, parts)
    ev = assistant.select.run(question, parts, got.paragraphs)
    return assistant.builder.answer(ev.sentences, question, [])


def _raw_rates(assistant, question: str, max_tokens: int) -> dict:
    """Prefill tok/s of a real answer prompt (prefix cache cleared) and decode tok/s of a free generation."""
    llm = assistant.llm._llm
    prompt = _answer_prompt(assistant, question)
    tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    llm.n_tokens = 0
    t = time.perf_counter()
    llm.eval(tokens)
    prefill = len(tokens) / (time.perf_counter() - t)
    first = last = None
    n = 0
    for _ in assistant.llm.stream(prompt, max_tokens):
        now = time.perf_counter()
        first = first or now
        last = now
        n += 1
    decode = (n - 1) / (last - first) if n > 1 and last > first else float("nan")
    return {"prompt_tokens": len(tokens), "prefill_tok_s": prefill, "decode_tok_s": decode, "decode_pieces": n}


def _prompt_lookup(path: Path, assistant, question: str, max_tokens: int) -> dict:
    """The same greedy generation with and without prompt-lookup drafting (its own Llama with logits_all)."""
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    from assistant.llama_runtime import model_params

    prompt = _answer_prompt(assistant, question)
    rt = assistant.llm.runtime
    out = {}
    for name, draft in (("plain", None), ("prompt-lookup", LlamaPromptLookupDecoding(num_pred_tokens=10))):
        with model_params(rt.extra_buffers):
            llm = Llama(model_path=str(path), n_ctx=2048, n_threads=rt.n_threads, n_threads_batch=rt.n_threads_batch,
                        seed=0, verbose=False, draft_model=draft, logits_all=draft is not None)
        t = time.perf_counter()
        first, pieces = None, []
        for part in llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, stream=True):
            first = first or time.perf_counter()
            pieces.append(part["choices"][0]["text"])
        total = time.perf_counter() - t
        text = "".join(pieces)
        n = len(llm.tokenize(text.encode("utf-8"), add_bos=False)) if text else 0
        out[name] = {"ttft_s": (first or time.perf_counter()) - t, "total_s": total, "tokens": n,
                     "decode_tok_s": (n - 1) / (total - (first - t)) if first and n > 1 else float("nan"),
                     "text": text}
        del llm
    out["same_text"] = out["plain"]["text"] == out["prompt-lookup"]["text"]
    return out


def _transformers_worker(spec: dict) -> dict:
    import torch

    from assistant.llm import TransformersLLM, chatml
    from assistant.model_files import model_path

    cfg = load_config()
    with PeakRSS() as mem:
        t = time.perf_counter()
        if spec["dtype"] == "bfloat16":
            llm = TransformersLLM.from_gguf(model_path(), cfg=cfg.llm)
        else:  # the GGUF straight into float32: packed blocks when a GGUF kernel is available, else dequantised
            from transformers import AutoModelForCausalLM, AutoTokenizer

            gguf = model_path()
            model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
            tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            llm = TransformersLLM(model, tok, name="transformers/float32", threads=os.cpu_count() or 1)
        load_s = time.perf_counter() - t
    prompt = chatml("你是严谨的助手。", [], spec["prompt"])
    t = time.perf_counter()
    first, n = None, 0
    for _ in llm.stream(prompt, spec["max_tokens"]):
        first = first or time.perf_counter()
        n += 1
    total = time.perf_counter() - t
    packed = any(type(m).__name__ == "GgufLinear" for m in llm._model.modules())
    return {"load_s": load_s, "peak_rss_mb": mem.peak, "ttft_s": (first or time.perf_counter()) - t,
            "total_s": total, "pieces": n, "decode_pieces_s": (n - 1) / (total - (first - t)) if first and n > 1 else None,
            "weights_packed": packed, "prompt_tokens": llm.count_tokens(prompt)}


# ---------------------------------------------------------------- parent side

def run_child(spec: dict, pythonpath: str | None = None, timeout: float = 3600) -> dict:
    """Run :func:`worker` in a child process; a signal or an error becomes {"failed": …}."""
    env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([pythonpath, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [sys.executable, "-m", "bench", "answering-worker", json.dumps(spec, ensure_ascii=False)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=Path(__file__).resolve().parent.parent)
    except subprocess.TimeoutExpired:
        return {"failed": f"no result within {timeout:.0f} s"}
    if proc.returncode < 0:
        import signal

        return {"failed": f"crashes ({signal.Signals(-proc.returncode).name})"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"failed": f"exit {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def _med(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def _latency(answers: list[dict], key: str) -> float:
    return _med([a["timings"][key] / 1000 for a in answers if key in a["timings"]])


def run(quick: bool = False, per_kind: int | None = None, max_tokens: int | None = None,
        native_lib: str | None = None, transformers: bool | None = None) -> dict:
    """All sections; see the module docstring."""
    from bench.corpus import report_index

    cfg = load_config()
    per_kind = per_kind or (1 if quick else 5)
    max_tokens = max_tokens or (48 if quick else cfg.llm.max_tokens)
    transformers = (not quick) if transformers is None else transformers
    index_dir, _ = report_index(cfg)
    questions = [q["question"] for q in dev_questions(per_kind)]
    native = Path(native_lib or NATIVE_LIB)
    has_native = (native / "llama_cpp").is_dir()
    probe_q = questions[0]
    results: dict[str, dict] = {}
    for config in CONFIGS:
        if config != "shipped" and not has_native:
            results[config] = {"failed": f"not built (no llama_cpp in {native})"}
            continue
        spec = {"kind": "llama", "index": str(index_dir), "questions": questions,
                "prompt_question": probe_q, "max_tokens": max_tokens,
                "extra_buffers": {"native": "on", "native-no-extra": "off", "shipped": None}[config],
                "prompt_lookup": config == "shipped" and not quick}
        print(f"answering: llama.cpp configuration {config}…", file=sys.stderr, flush=True)
        results[config] = run_child(spec, str(native) if config != "shipped" else None)
        print(f"  {config}: {results[config].get('failed') or results[config]['runtime']}", file=sys.stderr,
              flush=True)
    overview_qs = [q["question"] for q in load_dev() if q["type"] == "overview"][: 2 if quick else 11]
    print("answering: overview and comparison questions…", file=sys.stderr, flush=True)
    structure = run_child({"kind": "llama", "index": str(index_dir), "questions": overview_qs + COMPARISONS,
                           "prompt_question": probe_q, "max_tokens": max_tokens, "extra_buffers": None})
    tf = {}
    if transformers:
        prompt = "用一句话说明融资租赁的作用。"
        for dtype in ("bfloat16", "float32"):
            print(f"answering: transformers backend, {dtype}…", file=sys.stderr, flush=True)
            tf[dtype] = run_child({"kind": "transformers", "dtype": dtype, "prompt": prompt, "max_tokens": 32})
    return report(results, structure, tf, overview_qs, per_kind, max_tokens, quick)


def report(results: dict, structure: dict, tf: dict, overview_qs: list[str], per_kind: int, max_tokens: int,
           quick: bool) -> dict:
    """Tables, notes and target verdicts."""
    config_rows, best = [], {}
    for config in CONFIGS:
        r = results[config]
        if "failed" in r:
            config_rows.append([config, r["failed"], None, None, None, None, None])
            continue
        ttft, total = _latency(r["answers"], "ttft_ms"), _latency(r["answers"], "total_ms")
        config_rows.append([config, r["runtime"], r["prompt_tokens"], r["prefill_tok_s"], r["decode_tok_s"], ttft, total])
        best[config] = {"prefill": r["prefill_tok_s"], "decode": r["decode_tok_s"], "ttft": ttft, "total": total,
                        "n": len(r["answers"])}
    tables = [{"caption": "llama.cpp configurations, each in a child process: (a) native build with extra buffer types, "
                          "(b) native build without, (c) shipped build with the self-test's choice; median answer "
                          "TTFT/total in s over the same dev questions; prefill/decode on one real answer prompt",
               "headers": ["configuration", "runtime", "prompt tokens", "prefill tok/s", "decode tok/s",
                           "answer TTFT s", "answer total s"],
               "rows": config_rows}]
    notes = []
    shipped = results["shipped"]
    if "failed" not in shipped:
        answers = shipped["answers"]
        rows = []
        for key in ("retrieve_ms", "select_ms", "gate_ms", "ttft_ms", "generate_ms", "total_ms"):
            vals = [a["timings"].get(key, 0) / 1000 for a in answers]
            rows.append([key.removesuffix("_ms"), _med(vals), max(vals)])
        tables.append({"caption": f"Shipped assistant over {len(answers)} dev questions ({per_kind} each of fact, number, "
                                  f"multi, unanswerable), seconds", "headers": ["step", "median", "max"], "rows": rows})
        notes.append(f"Library: {shipped['library']['system_info'].strip()}")
        pl = shipped.get("prompt_lookup")
        if pl:
            tables.append({"caption": "Prompt-lookup speculative decoding (LlamaPromptLookupDecoding, num_pred_tokens 10, "
                                      "needs logits_all=True) vs plain decoding, same prompt, greedy",
                           "headers": ["decoding", "TTFT s", "total s", "tokens", "decode tok/s"],
                           "rows": [[k, pl[k]["ttft_s"], pl[k]["total_s"], pl[k]["tokens"], pl[k]["decode_tok_s"]]
                                    for k in ("plain", "prompt-lookup")]})
            notes.append(f"Prompt lookup produced the same text: {pl['same_text']}.")
    if "failed" not in structure:
        ov = [a for a in structure["answers"] if a["question"] in overview_qs]
        cmp_ = [a for a in structure["answers"] if a["question"] in COMPARISONS]
        tables.append({"caption": "Overview questions (answered from the heading tree) and comparisons, seconds",
                       "headers": ["kind", "n", "TTFT median", "total median", "total max"],
                       "rows": [[name, len(a), _latency(a, "ttft_ms"), _latency(a, "total_ms"),
                                 max((x["timings"]["total_ms"] / 1000 for x in a), default=None)]
                                for name, a in (("overview", ov), ("comparison", cmp_))]})
    if tf:
        tables.append({"caption": "transformers backend, each in a child process: load, peak RSS growth, one short "
                                  "generation (32 tokens max)",
                       "headers": ["dtype", "load s", "peak RSS MB", "weights packed", "TTFT s", "total s", "pieces/s"],
                       "rows": [[k, v.get("load_s"), v.get("peak_rss_mb"), v.get("weights_packed"), v.get("ttft_s"),
                                 v.get("total_s"), v.get("decode_pieces_s")] if "failed" not in v else
                                [k, v["failed"], None, None, None, None, None] for k, v in tf.items()]})
    targets = []
    if "shipped" in best:
        top_ttft = min(v["ttft"] for v in best.values())
        top_dec = max(v["decode"] for v in best.values())
        s = best["shipped"]
        crashed = [k for k in CONFIGS if "crashes" in results[k].get("failed", "")]
        targets.append({"name": "the shipped configuration does not crash",
                        **verdict(True, "ran" + (f"; crashed: {', '.join(crashed)}" if crashed else ""))})
        targets.append({"name": "shipped answer TTFT ≥ 0.95× the best configuration that does not crash (speed = 1/TTFT)",
                        **verdict(top_ttft / s["ttft"] >= 0.95,
                                  f"shipped {s['ttft']:.2f} s vs best {top_ttft:.2f} s (ratio {top_ttft / s['ttft']:.2f})")})
        targets.append({"name": "shipped decode ≥ 0.95× the best configuration that does not crash",
                        **verdict(s["decode"] / top_dec >= 0.95,
                                  f"shipped {s['decode']:.2f} vs best {top_dec:.2f} tok/s (ratio {s['decode'] / top_dec:.2f})")})
        targets.append({"name": "p50 TTFT ≤ 5 s on dev questions", **verdict(s["ttft"] <= 5, f"{s['ttft']:.2f} s over {s['n']}")})
        targets.append({"name": "p50 total ≤ 12 s on dev questions", **verdict(s["total"] <= 12, f"{s['total']:.2f} s")})
    if "failed" not in structure:
        ov = [a for a in structure["answers"] if a["question"] in overview_qs]
        cmp_ = [a for a in structure["answers"] if a["question"] in COMPARISONS]
        targets.append({"name": "overview p50 ≤ 15 s", **verdict(_latency(ov, "total_ms") <= 15,
                                                                 f"{_latency(ov, 'total_ms'):.2f} s over {len(ov)}")})
        targets.append({"name": "comparison p50 ≤ 25 s", **verdict(_latency(cmp_, "total_ms") <= 25,
                                                                   f"{_latency(cmp_, 'total_ms'):.2f} s over {len(cmp_)}")})
    notes.append(f"CPU flags: {cpu_flags()}")
    notes.append(f"max_tokens {max_tokens}; {'quick' if quick else 'full'} run.")
    return {"part": "answering", "title": "3. Answering: llama.cpp builds and runtimes, latency per step, transformers",
            "tables": tables, "notes": notes, "targets": targets,
            "raw": {"configs": results, "structure": structure, "transformers": tf}}
