"""Answering benchmark, on the machine at hand (CPU model and flags printed with the results).

1. llama.cpp configurations, each in its own child process (a crash is reported, not fatal): (a) a native
   ``-march=native`` build with its extra buffer types (as pip builds it without the project's settings),
   (b) that build without extra buffer types, (c) the shipped build with the runtime the self-test chose, once per
   CPU variant of ``--variants`` (``haswell`` = an AVX2-only machine, ``best`` = what this CPU gets). For each:
   prefill and raw decode tok/s on a real answer prompt, the decode rate inside the pipeline, answer TTFT/total
   over the same questions, the physical floor of each answer (the tokens llama.cpp prefilled ÷ the prefill rate
   + the tokens it decoded ÷ the raw decode rate) and a naive-RAG baseline's TTFT (raw llama_cpp, same GGUF and
   threads: 1,200 characters of retrieved text + the question), with the share of the CPUs other processes took.
2. The shipped assistant over spread dev questions of each kind (fact/number/multi/unanswerable): TTFT and total
   per step, per variant; the overview and comparison questions; one answer prompt decoded raw, through
   create_completion with and without the citation grammar, by llama.cpp's sampler chain and the pipeline's way,
   the grammar asked about the chosen token only (assistant/runtime/decoding.py; bench/decoding.py). ``--formats`` adds the weight formats derived from the
   shipped GGUF, per variant and extra buffer types (bench/formats.py).
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

from bench.common import BENCH_DIR, PeakRSS, cpu_flags, load_dev, machine, spread, verdict
from settings import DEFAULT_CACHE, apply_process_env, load_config

OUT_DIR = BENCH_DIR / "out"
NATIVE_LIB = DEFAULT_CACHE / "llama-native"
NATIVE_CONFIGS = ("native", "native-no-extra")
NAIVE_SYSTEM = "你是问答助手。请根据资料回答问题。"
NAIVE_CONTEXT_CHARS = 1200
COMPARISONS = ["天津和北京在口岸通关方面的做法有什么不同？", "上海和海南在知识产权运用方面的做法有什么不同？"]
# a first question, then a follow-up the rules rewrite and one that goes to the model
FOLLOW_UPS = ("天津口岸进口整体通关时间压缩了多少？", "那出口呢？", "它位于全国什么位置？")


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
    if spec["kind"] == "format":
        from bench.formats import format_worker

        return format_worker(spec)
    from dataclasses import replace

    from assistant.factory import build_assistant
    from assistant.runtime.llama_runtime import LoadMeter
    from assistant.runtime.model_files import model_path
    from bench.decoding import LlamaProfile

    cfg = load_config()
    if spec.get("extra_buffers"):
        cfg = replace(cfg, llm=replace(cfg.llm, extra_buffers=spec["extra_buffers"]))
    if spec.get("cpu_variant"):
        cfg = replace(cfg, llm=replace(cfg.llm, cpu_variant=spec["cpu_variant"]))
    t = time.perf_counter()
    assistant = build_assistant(spec["index"], "llama", cfg)
    load_s = time.perf_counter() - t
    rt = assistant.llm.runtime
    out = {"load_s": load_s, "runtime": rt.summary(), "variant": assistant.llm.cpu_variant,
           "self_test_busy": rt.busy, "library": _library_info()}
    with LoadMeter() as load:
        out.update(_raw_rates(assistant, spec["prompt_question"], spec["max_tokens"]))
        assistant.llm.warm(assistant.constant_prefix)  # the raw measurements evicted the cached prefix
        if spec.get("prompt_lookup"):
            out["prompt_lookup"] = _prompt_lookup(model_path(), assistant, spec["prompt_question"], spec["max_tokens"])
        with LlamaProfile() as profile:
            out["answers"] = [_answer(assistant, q, profile) for q in spec["questions"]]
            if spec.get("naive"):
                out["follow_ups"] = _follow_ups(assistant, profile, "aside")
                llm = assistant.llm  # as before stream_aside: the rewrite in the main context, evicting its prefix
                llm.stream_aside = lambda prompt, max_tokens: llm.stream(prompt, max_tokens)
                assistant.condense._remembered.clear()  # rewrite again, not from memory
                out["follow_ups"] += _follow_ups(assistant, profile, "main context")
        if spec.get("naive"):
            out.update(_naive_and_decode_paths(assistant, spec))
    out["busy"] = load.share
    return out


def _library_info() -> dict:
    import llama_cpp

    return {"path": str(Path(llama_cpp.__file__).parent), "system_info": llama_cpp.llama_print_system_info().decode()}


def _answer(assistant, question: str, profile) -> dict:
    """One pipeline answer, with what llama.cpp did for it (tokens prefilled and decoded, seconds in each)."""
    profile.reset()
    answer = assistant.run(question)
    return {"question": question, "refused": answer.refused, "answer": answer.answer, "timings": answer.timings,
            "llama": profile.snapshot()}


def _follow_ups(assistant, profile, rewrite: str) -> list[dict]:
    """FOLLOW_UPS asked as one conversation: what each costs, and what the follow-ups were rewritten to."""
    history, out = [], []
    for question in FOLLOW_UPS:
        profile.reset()
        answer = assistant.run(question, history=list(history))
        history.append((question, answer.answer))
        out.append({"rewrite": rewrite, "question": question, "standalone": answer.standalone_question,
                    "timings": answer.timings,
                    "llama": profile.snapshot()})
    return out


def _answer_prompt(assistant, question: str) -> tuple[str, str]:
    """The answer prompt of a question, and its citation grammar, as the pipeline builds them for every part."""
    from assistant.steps.prompting import citation_grammar
    from assistant.steps.question_parts import split_parts

    parts = split_parts(question)
    got = assistant.retrieve.run(question, parts)
    ev = assistant.select.run(question, parts, got.paragraphs)
    asked = [p.text for p in parts]
    prompt = assistant.builder.answer(ev.sentences, question, asked if len(parts) > 1 else [])
    return prompt, citation_grammar(len(ev.sentences), max_sentences=min(len(asked) + 2, 6))


def _raw_rates(assistant, question: str, max_tokens: int) -> dict:
    """Prefill tok/s of a real answer prompt (prefix cache cleared) and raw decode tok/s (argmax, one eval per
    token), best of two rounds."""
    from bench.decoding import _raw

    llm = assistant.llm._llm
    prompt, _ = _answer_prompt(assistant, question)
    tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    prefill = decode = 0.0
    for _ in range(2):
        llm.reset()
        t = time.perf_counter()
        llm.eval(tokens)
        prefill = max(prefill, len(tokens) / (time.perf_counter() - t))
        decode = max(decode, _raw(llm, tokens, min(max_tokens, 64))["decode_tok_s"])
    return {"prompt": prompt, "prompt_tokens": len(tokens), "prefill_tok_s": prefill, "decode_tok_s": decode}


def _naive_and_decode_paths(assistant, spec: dict) -> dict:
    """A naive-RAG baseline's TTFT per question (its own Llama on the same GGUF, runtime and threads), and the
    probe question's answer prompt decoded the ways of bench/decoding.py on that Llama."""
    from llama_cpp import Llama

    from assistant.runtime.llama_runtime import model_params
    from assistant.runtime.llm import STOP, chatml
    from assistant.steps.question_parts import split_parts
    from bench.decoding import decode_paths

    rt = assistant.llm.runtime
    with model_params(rt.extra_buffers):
        llm = Llama(model_path=assistant.llm.model_file, n_ctx=2048, n_threads=rt.n_threads,
                    n_threads_batch=rt.n_threads_batch, seed=0, verbose=False)
    naive = []
    for question in spec["questions"]:
        t = time.perf_counter()
        got = assistant.retrieve.run(question, split_parts(question))
        context = "\n".join(h.chunk.text for h in got.hits)[:NAIVE_CONTEXT_CHARS]
        prompt = chatml(NAIVE_SYSTEM, [], f"资料：\n{context}\n\n问题：{question}")
        for _ in llm.create_completion(prompt, max_tokens=1, temperature=0.0, stream=True):
            break
        naive.append({"question": question, "ttft_s": time.perf_counter() - t,
                      "prompt_tokens": len(llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))})
    prompt, grammar = _answer_prompt(assistant, spec["prompt_question"])
    return {"naive": naive, "decode_paths": decode_paths(llm, prompt, grammar, spec["max_tokens"], list(STOP))}


def _prompt_lookup(path: Path, assistant, question: str, max_tokens: int) -> dict:
    """The same greedy generation with and without prompt-lookup drafting (its own Llama with logits_all)."""
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    from assistant.runtime.llama_runtime import model_params

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

    from assistant.runtime.llm import TransformersLLM, chatml
    from assistant.runtime.model_files import model_path

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
        native_lib: str | None = None, transformers: bool | None = None, variants: tuple[str, ...] = ("best",),
        formats: tuple[str, ...] = ()) -> dict:
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
    print(f"answering on {machine()['cpu']} | {cpu_flags()}", file=sys.stderr, flush=True)
    base = {"kind": "llama", "index": str(index_dir), "questions": questions, "prompt_question": probe_q,
            "max_tokens": max_tokens}
    results: dict[str, dict] = {}
    for config in NATIVE_CONFIGS:
        if not has_native:
            results[config] = {"failed": f"not built (no llama_cpp in {native})"}
            continue
        print(f"answering: llama.cpp configuration {config}…", file=sys.stderr, flush=True)
        results[config] = run_child({**base, "extra_buffers": "on" if config == "native" else "off"}, str(native))
    for variant in variants:
        config = f"shipped:{variant}"
        print(f"answering: llama.cpp configuration {config}…", file=sys.stderr, flush=True)
        results[config] = run_child({**base, "cpu_variant": variant, "naive": True,
                                     "prompt_lookup": variant == variants[0] and not quick})
        print(f"  {config}: {results[config].get('failed') or results[config]['runtime']}", file=sys.stderr,
              flush=True)
    overview_qs = [q["question"] for q in load_dev() if q["type"] == "overview"][: 2 if quick else 11]
    print("answering: overview and comparison questions…", file=sys.stderr, flush=True)
    structure = run_child({**base, "questions": overview_qs + COMPARISONS})
    prompt = next((r["prompt"] for r in results.values() if "prompt" in r), None)
    weights = _formats(formats, variants, prompt) if formats and prompt else {}
    tf = {}
    if transformers:
        prompt = "用一句话说明融资租赁的作用。"
        for dtype in ("bfloat16", "float32"):
            print(f"answering: transformers backend, {dtype}…", file=sys.stderr, flush=True)
            tf[dtype] = run_child({"kind": "transformers", "dtype": dtype, "prompt": prompt, "max_tokens": 32})
    return report(results, structure, tf, weights, overview_qs, per_kind, max_tokens, quick)


def _formats(formats: tuple[str, ...], variants: tuple[str, ...], prompt: str) -> dict:
    """Raw prefill/decode per (variant, weight format, extra buffer types), each in a child."""
    from assistant.runtime.llama_runtime import usable_cpus
    from assistant.runtime.model_files import derived_model_path

    out = {}
    for fmt in formats:
        print(f"answering: weights {fmt} (derived once, then cached)…", file=sys.stderr, flush=True)
        path = str(derived_model_path(fmt))
        for variant in variants:
            for extra in ("off", "on"):
                out[f"{variant}|{fmt}|{extra}"] = run_child({"kind": "format", "cpu_variant": variant, "model": path,
                                                             "extra_buffers": extra, "threads": usable_cpus(),
                                                             "prompt": prompt})
    return out


def _med_of(rows: list[dict], fn) -> float:
    return _med([fn(r) for r in rows])


def _floor_s(answer: dict, prefill: float, decode: float) -> float:
    """The physical floor of one answer: the tokens llama.cpp prefilled ÷ the prefill rate + the tokens it
    decoded ÷ the raw decode rate."""
    ll = answer["llama"]
    return ll["prefill_tokens"] / prefill + ll["decode_steps"] / decode


def _pipeline_decode(answer: dict) -> float:
    ll = answer["llama"]
    return (ll["decode_steps"] - 1) / ll["decode_span_s"] if ll["decode_steps"] > 1 and ll["decode_span_s"] > 0 \
        else float("nan")


def report(results: dict, structure: dict, tf: dict, weights: dict, overview_qs: list[str], per_kind: int,
           max_tokens: int, quick: bool) -> dict:
    """Tables, notes and target verdicts."""
    config_rows, best = [], {}
    for config, r in results.items():
        if "failed" in r:
            config_rows.append([config, r["failed"]] + [None] * 10)
            continue
        answers = r["answers"]
        ttft, total = _latency(answers, "ttft_ms"), _latency(answers, "total_ms")
        floor = _med_of(answers, lambda a: _floor_s(a, r["prefill_tok_s"], r["decode_tok_s"]))
        naive = _med_of(r.get("naive", []), lambda n: n["ttft_s"])
        config_rows.append([config, r["runtime"], r.get("busy"), r["prompt_tokens"], r["prefill_tok_s"],
                            r["decode_tok_s"], _med_of(answers, _pipeline_decode), ttft, total, floor, naive,
                            _med_of(answers, lambda a: a["llama"]["prefill_tokens"])])
        best[config] = {"prefill": r["prefill_tok_s"], "decode": r["decode_tok_s"], "ttft": ttft, "total": total,
                        "n": len(answers)}
    tables = [{"caption": "llama.cpp configurations, each in a child process: native build with/without extra buffer "
                          "types, shipped build per CPU variant with the self-test's choice. busy = share of the CPUs "
                          "other processes took during the run (contended above 0.10); prefill and raw decode (argmax, "
                          "one eval per token) on one real answer prompt; pipeline decode = one-token steps inside "
                          "the answers; medians over the same dev questions of answer TTFT/total, of the physical "
                          "floor (tokens prefilled ÷ prefill rate + tokens decoded ÷ raw decode rate) and of a "
                          "naive-RAG baseline's TTFT (1,200 retrieved characters + the question, raw llama_cpp)",
               "headers": ["configuration", "runtime", "busy", "prompt tokens", "prefill tok/s", "raw decode tok/s",
                           "pipeline decode tok/s", "answer TTFT s", "answer total s", "floor s", "naive-RAG TTFT s",
                           "tokens prefilled"],
               "rows": config_rows}]
    notes = []
    shipped = {k: r for k, r in results.items() if k.startswith("shipped:") and "failed" not in r}
    if shipped:
        steps = ("condense_ms", "retrieve_ms", "select_ms", "gate_ms", "ttft_ms", "generate_ms", "total_ms")
        tables.append({"caption": f"Shipped assistant per CPU variant over {per_kind} dev question(s) each of fact, "
                                  "number, multi, unanswerable: p50 seconds per step",
                       "headers": ["step"] + list(shipped),
                       "rows": [[key.removesuffix("_ms")] + [_latency(r["answers"], key) for r in shipped.values()]
                                for key in steps]})
        paths = {k: r["decode_paths"] for k, r in shipped.items() if "decode_paths" in r}
        if paths:
            names = ("raw", "completion", "completion_grammar", "native_chain", "grammar_checks_choice")
            tables.append({"caption": "One answer prompt decoded greedily five ways (bench/decoding.py), decode tok/s: "
                                      "grammar_checks_choice is the pipeline's (assistant/runtime/decoding.py), "
                                      "completion_grammar how it streamed before; per-token ms of create_completion "
                                      "split into llama_decode / sampling / Python",
                           "headers": ["variant", "busy"] + list(names) + ["no grammar: decode/sample/python ms",
                                                                           "grammar: decode/sample/python ms",
                                                                           "full-vocabulary applies", "same output"],
                           "rows": [[k, shipped[k].get("busy")] + [p[n]["decode_tok_s"] for n in names]
                                    + ["/".join(f"{v:.1f}" for v in p[c]["per_token_ms"].values())
                                       for c in ("completion", "completion_grammar")]
                                    + [f"{p['grammar_checks_choice']['full_vocabulary_applies']} of "
                                       f"{p['grammar_checks_choice']['n']}", p["same_output"]]
                                    for k, p in paths.items()]})
        for k, r in shipped.items():
            notes.append(f"Library ({k}): {r['library']['system_info'].strip()}")
        pl = next(iter(shipped.values())).get("prompt_lookup")
        if pl:
            tables.append({"caption": "Prompt-lookup speculative decoding (LlamaPromptLookupDecoding, num_pred_tokens 10, "
                                      "needs logits_all=True) vs plain decoding, same prompt, greedy",
                           "headers": ["decoding", "TTFT s", "total s", "tokens", "decode tok/s"],
                           "rows": [[k, pl[k]["ttft_s"], pl[k]["total_s"], pl[k]["tokens"], pl[k]["decode_tok_s"]]
                                    for k in ("plain", "prompt-lookup")]})
            notes.append(f"Prompt lookup produced the same text: {pl['same_text']}.")
    follow = {k: r["follow_ups"] for k, r in shipped.items() if "follow_ups" in r}
    if follow:
        tables.append({"caption": "A conversation: a first question, a follow-up rewritten by rule, one rewritten by "
                                  "the model — in the side context (aside) and, as before, in the main one; seconds "
                                  "and tokens llama.cpp prefilled",
                       "headers": ["variant", "model rewrite", "question", "standalone", "condense s", "TTFT s",
                                   "total s", "tokens prefilled"],
                       "rows": [[k, f["rewrite"], f["question"], f["standalone"], f["timings"]["condense_ms"] / 1000,
                                 f["timings"]["ttft_ms"] / 1000, f["timings"]["total_ms"] / 1000,
                                 f["llama"]["prefill_tokens"]] for k, rows in follow.items() for f in rows]})
    if weights:
        tables.append({"caption": "Weight formats derived from the shipped Q4_K_M (llama_model_quantize), per CPU "
                                  "variant and extra buffer types, each in a child: raw prefill/decode on the same "
                                  "answer prompt, best of 2; repacked = MiB llama.cpp's CPU_REPACK buffer took",
                       "headers": ["variant", "weights", "extra buffers", "size MiB", "repacked MiB", "prefill tok/s",
                                   "raw decode tok/s", "busy"],
                       "rows": [k.split("|") + ([v["failed"]] + [None] * 4 if "failed" in v else
                                                [v["size_mib"], v["repacked_mib"], v["prefill_tok_s"],
                                                 v["decode_tok_s"], v["busy"]]) for k, v in weights.items()]})
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
    main = next((k for k in ("shipped:best", *shipped) if k in best), None)
    if main:
        top_ttft = min(v["ttft"] for v in best.values())
        top_dec = max(v["decode"] for v in best.values())
        s = best[main]
        crashed = [k for k, r in results.items() if "crashes" in r.get("failed", "")]
        targets.append({"name": "the shipped configuration does not crash",
                        **verdict(True, "ran" + (f"; crashed: {', '.join(crashed)}" if crashed else ""))})
        targets.append({"name": "shipped answer TTFT ≥ 0.95× the best configuration that does not crash (speed = 1/TTFT)",
                        **verdict(top_ttft / s["ttft"] >= 0.95,
                                  f"{main} {s['ttft']:.2f} s vs best {top_ttft:.2f} s (ratio {top_ttft / s['ttft']:.2f})")})
        targets.append({"name": "shipped decode ≥ 0.95× the best configuration that does not crash",
                        **verdict(s["decode"] / top_dec >= 0.95,
                                  f"{main} {s['decode']:.2f} vs best {top_dec:.2f} tok/s (ratio {s['decode'] / top_dec:.2f})")})
        targets.append({"name": "p50 TTFT ≤ 5 s on dev questions", **verdict(s["ttft"] <= 5, f"{s['ttft']:.2f} s over {s['n']}")})
        targets.append({"name": "p50 total ≤ 12 s on dev questions", **verdict(s["total"] <= 12, f"{s['total']:.2f} s")})
    if "failed" not in structure:
        ov = [a for a in structure["answers"] if a["question"] in overview_qs]
        cmp_ = [a for a in structure["answers"] if a["question"] in COMPARISONS]
        targets.append({"name": "overview p50 ≤ 15 s", **verdict(_latency(ov, "total_ms") <= 15,
                                                                 f"{_latency(ov, 'total_ms'):.2f} s over {len(ov)}")})
        targets.append({"name": "comparison p50 ≤ 25 s", **verdict(_latency(cmp_, "total_ms") <= 25,
                                                                   f"{_latency(cmp_, 'total_ms'):.2f} s over {len(cmp_)}")})
    notes.append(f"CPU: {machine()['cpu']}; flags: {cpu_flags()}")
    notes.append(f"max_tokens {max_tokens}; {'quick' if quick else 'full'} run.")
    for r in results.values():
        r.pop("prompt", None)
    return {"part": "answering", "title": "3. Answering: llama.cpp builds, CPU variants and weights, latency per step, "
                                          "transformers",
            "tables": tables, "notes": notes, "targets": targets,
            "raw": {"configs": results, "structure": structure, "transformers": tf, "formats": weights}}
