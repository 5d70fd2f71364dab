"""Answering benchmark: the assistant on llama.cpp vs raw llama_cpp.Llama on the identical prompt,
the system-prompt prefix cache, and the transformers backend.

Both llama.cpp sides use the assistant's citation grammar (GBNF) and the same settings (n_ctx, n_threads,
n_threads_batch, temperature 0, max_tokens, stop strings). Questions are answerable dev questions and
``answer_all`` is on, so every question reaches generation.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from bench.common import BENCH_DIR, PeakRSS, load_dev, loadavg, ratio, spread, verdict
from bench.corpus import report_index
from settings import DEFAULT_CACHE, load_config

UNRELATED = "请用一句话介绍长城。"
OUT_DIR = BENCH_DIR / "out"
FIRST_LOAD = OUT_DIR / "transformers-first-load.json"  # kept across runs: the conversion happens once
NOISE_NOTE = ("The two sides of a pair run ~5–15 s apart on 2 cores shared with other jobs: a per-question ratio far from "
              "1 (TTFT < 0.9, decode > 1.1) means a load burst hit one side; judge by the medians.")


class Recorder:
    """Wraps an LLM and timestamps its calls (prompt, first/last streamed piece)."""

    def __init__(self, llm):
        self._llm = llm
        self.calls: list[dict] = []

    def __getattr__(self, name):
        return getattr(self._llm, name)

    def stream(self, prompt: str, max_tokens: int, grammar: str | None = None):
        rec = {"kind": "stream", "prompt": prompt, "grammar": grammar, "start": time.perf_counter(),
               "first": None, "last": None}
        self.calls.append(rec)
        for piece in self._llm.stream(prompt, max_tokens, grammar=grammar):
            now = time.perf_counter()
            rec["first"] = rec["first"] or now
            rec["last"] = now
            yield piece

    def yes_probability(self, prompt: str, yes: str = "是", no: str = "否") -> float:
        t = time.perf_counter()
        p = self._llm.yes_probability(prompt, yes, no)
        self.calls.append({"kind": "yes", "seconds": time.perf_counter() - t})
        return p


def _decode_rate(n_tokens: int, first: float | None, last: float | None) -> float | None:
    if not first or not last or n_tokens < 2 or last <= first:
        return None
    return (n_tokens - 1) / (last - first)


def run_assistant(assistant, recorder: Recorder, question: str, max_tokens: int) -> dict:
    """One question through Assistant.stream, timed end to end and at the LLM call."""
    recorder.calls.clear()
    t0 = time.perf_counter()
    first = answer = None
    for event in assistant.stream(question, max_tokens=max_tokens):
        if event.kind == "token" and first is None:
            first = time.perf_counter()
        elif event.kind == "answer":
            answer = event.answer
    t_end = time.perf_counter()
    gen = [c for c in recorder.calls if c["kind"] == "stream"][-1]
    yes = sum(c["seconds"] for c in recorder.calls if c["kind"] == "yes")
    n = recorder.count_tokens(answer.generated) if answer.generated else 0
    return {"ttft_ms": ((first or t_end) - t0) * 1000, "before_llm_ms": (gen["start"] - t0) * 1000,
            "answerability_ms": yes * 1000, "retrieve_ms": answer.timings.get("retrieve_ms"),
            "llm_ttft_ms": ((gen["first"] or t_end) - gen["start"]) * 1000,
            "decode_tok_s": _decode_rate(n, gen["first"], gen["last"]), "total_ms": (t_end - t0) * 1000,
            "tokens": n, "prompt": gen["prompt"], "grammar": gen["grammar"], "generated": answer.generated,
            "prompt_tokens": recorder.count_tokens(gen["prompt"]), "refused": answer.refused,
            "fallback": answer.fallback}


class RawLlama:
    """llama_cpp.Llama with the assistant's settings, called directly."""

    def __init__(self, llm_cfg, path):
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(path), n_ctx=llm_cfg.n_ctx, n_threads=llm_cfg.n_threads,
                         n_threads_batch=llm_cfg.n_threads_batch, seed=0, verbose=False)
        self.temperature = llm_cfg.temperature
        self._grammars: dict[str, object] = {}

    def complete(self, prompt: str, max_tokens: int, grammar: str | None) -> dict:
        """create_completion(stream=True) timed: TTFT, decode rate, total."""
        from llama_cpp import LlamaGrammar

        from assistant.llm import STOP

        t0 = time.perf_counter()
        if grammar and grammar not in self._grammars:  # parsed once per text, like LlamaCppLLM does
            self._grammars[grammar] = LlamaGrammar.from_string(grammar, verbose=False)
        first = last = None
        pieces = []
        for part in self.llm.create_completion(prompt, max_tokens=max_tokens, temperature=self.temperature,
                                               stream=True, stop=list(STOP),
                                               grammar=self._grammars.get(grammar) if grammar else None):
            text = part["choices"][0]["text"]
            if text:
                now = time.perf_counter()
                first = first or now
                last = now
                pieces.append(text)
        t_end = time.perf_counter()
        generated = "".join(pieces)
        n = len(self.llm.tokenize(generated.encode("utf-8"), add_bos=False, special=True)) if generated else 0
        return {"ttft_ms": ((first or t_end) - t0) * 1000, "decode_tok_s": _decode_rate(n, first, last),
                "total_ms": (t_end - t0) * 1000, "tokens": n, "generated": generated}


def expected_prompt(assistant, question: str) -> tuple[str, str]:
    """The answer prompt and grammar the assistant builds for a question (no history)."""
    from assistant.pipeline import citation_grammar
    from assistant.sources import build_sources
    from retriever.questions import check_question

    q = check_question(question)
    hits = assistant.retriever.context(q, budget=assistant.cfg.retrieval.context_chars)
    sources = build_sources(hits, assistant.retriever.paragraphs)
    user = assistant._sources_prompt(q, sources) + assistant.prompts.answer
    return assistant._prompt(user), citation_grammar(len(sources))


def ttft_once(llm, prompt: str, grammar: str | None) -> float:
    """ms to the first streamed piece of a short generation."""
    t = time.perf_counter()
    first = None
    for _ in llm.stream(prompt, 4, grammar=grammar):
        first = first or time.perf_counter()
    return ((first or time.perf_counter()) - t) * 1000


def cache_effect(llm, prefix: str, items: list[tuple[str, str]], trials: int) -> list[dict]:
    """TTFT after warm(constant prefix) vs after an unrelated prompt (cold context), alternating order."""
    from assistant.llm import chatml

    unrelated = chatml("你是助手。", [], UNRELATED)
    out = []
    for i in range(trials):
        prompt, grammar = items[i % len(items)]
        row = {"prompt_tokens": llm.count_tokens(prompt)}
        for mode in (("warm", "cold") if i % 2 == 0 else ("cold", "warm")):
            if mode == "warm":
                t = time.perf_counter()
                llm.warm(prefix)
                row["warm_call_ms"] = (time.perf_counter() - t) * 1000
            else:
                for _ in llm.stream(unrelated, 1):
                    pass
            row[mode] = ttft_once(llm, prompt, grammar)
        out.append(row)
        print(f"  prefix cache trial {i + 1}: warm {row['warm']:.0f} ms, cold {row['cold']:.0f} ms",
              file=sys.stderr, flush=True)
    return out



def run(quick: bool = False, questions: int | None = None, max_tokens: int | None = None,
        transformers: bool | None = None, tf_questions: int | None = None, tf_max_tokens: int | None = None,
        cache_trials: int | None = None) -> dict:
    """Assistant vs raw llama.cpp per question, prefix-cache effect, transformers backend."""
    from assistant.factory import build_assistant
    from assistant.model_files import model_path

    cfg = load_config()
    n_q = questions or (1 if quick else 8)
    max_tokens = max_tokens or (32 if quick else cfg.llm.max_tokens)
    transformers = (not quick) if transformers is None else transformers
    tf_n = tf_questions or 2
    tf_max = tf_max_tokens or 48
    trials = cache_trials or (1 if quick else 3)

    index_dir, _ = report_index(cfg)
    t = time.perf_counter()
    assistant = build_assistant(index_dir=index_dir, backend="llama", cfg=cfg)
    load_s = time.perf_counter() - t
    assistant.answer_all = True
    recorder = Recorder(assistant.llm)
    assistant.llm = recorder
    t = time.perf_counter()
    raw = RawLlama(cfg.llm, model_path())
    raw_load_s = time.perf_counter() - t
    prefix = assistant.constant_prefix
    raw.llm.create_completion(prefix, max_tokens=1, temperature=0.0)  # same start state: constant prefix cached

    dev = [q for q in load_dev() if q.get("type") != "unanswerable"]
    chosen = spread(dev, n_q)
    print(f"answering: {len(chosen)} question(s), max_tokens {max_tokens}, llama.cpp n_ctx {cfg.llm.n_ctx}, "
          f"threads {cfg.llm.n_threads}/{cfg.llm.n_threads_batch}", file=sys.stderr, flush=True)
    rows, items = [], []
    for i, q in enumerate(chosen):
        prompt, grammar = expected_prompt(assistant, q["question"])
        res = {}
        for who in (("assistant", "raw") if i % 2 == 0 else ("raw", "assistant")):
            if who == "assistant":
                res["a"] = run_assistant(assistant, recorder, q["question"], max_tokens)
            else:
                res["r"] = raw.complete(prompt, max_tokens, grammar)
        a, r = res["a"], res["r"]
        same_prompt = a["prompt"] == prompt and a["grammar"] == grammar
        rows.append({"id": q["id"], "assistant": {k: v for k, v in a.items() if k not in ("prompt", "grammar")},
                     "raw": r, "same_prompt": same_prompt, "same_output": a["generated"] == r["generated"]})
        items.append((prompt, grammar))
        print(f"  {q['id']}: TTFT assistant {a['ttft_ms']:.0f} ms vs raw {r['ttft_ms']:.0f} ms; decode "
              f"{a['decode_tok_s'] or 0:.1f} vs {r['decode_tok_s'] or 0:.1f} tok/s", file=sys.stderr, flush=True)
    cache = cache_effect(recorder._llm, prefix, items, trials)
    prefix_tokens = recorder.count_tokens(prefix)

    tf = None
    if transformers:
        del raw
        tf = guarded_transformers(assistant, cfg, spread(chosen, tf_n), tf_max)
    return report(rows, cache, tf, prefix_tokens, load_s, raw_load_s, max_tokens, cfg, quick)


def guarded_transformers(assistant, cfg, questions: list[dict], max_tokens: int) -> dict:
    """run_transformers, or why it could not run (transformers needs `accelerate` to read a GGUF)."""
    import importlib.util

    spec = importlib.util.find_spec("accelerate")
    if spec is None:
        return {"skipped": "the package `accelerate` is not installed: TransformersLLM.from_gguf raises "
                           "\"accelerate is required when loading a GGUF file\" (requirements.txt does not list it)"}
    try:
        out = run_transformers(assistant, cfg, questions, max_tokens)
    except Exception as exc:  # report, don't lose the llama.cpp results
        return {"skipped": f"failed: {exc!r}"}
    import accelerate

    out["accelerate"] = f"accelerate {accelerate.__version__} from {Path(spec.origin).parent.parent}"
    return out


def run_transformers(assistant, cfg, questions: list[dict], max_tokens: int) -> dict:
    """The same assistant with the transformers backend (no grammar: the prompt alone asks for citations)."""
    from assistant.llm import TransformersLLM
    from assistant.model_files import model_path
    from assistant.pipeline import Assistant

    gguf = model_path()
    cached = (DEFAULT_CACHE / "models" / f"{gguf.stem}-hf" / "config.json").is_file()
    print(f"answering: transformers backend ({'cached safetensors' if cached else 'first load: GGUF conversion'})",
          file=sys.stderr, flush=True)
    with PeakRSS() as mem:
        t = time.perf_counter()
        llm = TransformersLLM.from_gguf(gguf, cfg=cfg.llm)
        load_s = time.perf_counter() - t
    print(f"  transformers load {load_s:.1f} s, peak RSS growth {mem.peak:.0f} MB", file=sys.stderr, flush=True)
    if not cached:  # the one-off conversion is worth keeping even after later runs load the cached copy
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        FIRST_LOAD.write_text(json.dumps({"load_s": load_s, "peak_mb": mem.peak, "date": time.strftime("%Y-%m-%d %H:%M"),
                                          "loadavg": loadavg()}), encoding="utf-8")
    recorder = Recorder(llm)
    ta = Assistant(assistant.retriever, recorder, cfg, prompts=assistant.prompts, calibration=assistant.calibration)
    ta.answer_all = True
    llama_recorder = assistant.llm
    rows = []
    for i, q in enumerate(questions):
        res = {}
        for who in (("tf", "llama") if i % 2 == 0 else ("llama", "tf")):  # interleaved, same max_tokens
            if who == "tf":
                res[who] = run_assistant(ta, recorder, q["question"], max_tokens)
            else:
                res[who] = run_assistant(assistant, llama_recorder, q["question"], max_tokens)
        strip = lambda d: {k: v for k, v in d.items() if k not in ("prompt", "grammar")}  # noqa: E731
        rows.append({"id": q["id"], **strip(res["tf"]), "llama": strip(res["llama"])})
        print(f"  {q['id']}: transformers TTFT {res['tf']['ttft_ms']:.0f} ms vs llama.cpp {res['llama']['ttft_ms']:.0f} ms, "
              f"decode {res['tf']['decode_tok_s'] or 0:.2f} vs {res['llama']['decode_tok_s'] or 0:.2f} tok/s",
              file=sys.stderr, flush=True)
    return {"load_s": load_s, "first_load": not cached, "peak_mb": mem.peak, "rows": rows, "max_tokens": max_tokens}


def report(rows, cache, tf, prefix_tokens, load_s, raw_load_s, max_tokens, cfg, quick) -> dict:
    med = statistics.median
    table = []
    for r in rows:
        a, w = r["assistant"], r["raw"]
        table.append([r["id"], a["prompt_tokens"], a["ttft_ms"], a["before_llm_ms"], w["ttft_ms"],
                      ratio(a["ttft_ms"], w["ttft_ms"]), a["decode_tok_s"], w["decode_tok_s"],
                      ratio(a["decode_tok_s"], w["decode_tok_s"]), a["tokens"], a["total_ms"], w["total_ms"],
                      "yes" if r["same_output"] else "no"])
    ttft_ratios = [ratio(r["assistant"]["ttft_ms"], r["raw"]["ttft_ms"]) for r in rows]
    dec_ratios = [x for x in (ratio(r["assistant"]["decode_tok_s"], r["raw"]["decode_tok_s"]) for r in rows)
                  if x == x]
    col = lambda side, key: [r[side][key] for r in rows if r[side][key] is not None]  # noqa: E731
    table.append(["median", med(col("assistant", "prompt_tokens")), med(col("assistant", "ttft_ms")),
                  med(col("assistant", "before_llm_ms")), med(col("raw", "ttft_ms")), med(ttft_ratios),
                  med(col("assistant", "decode_tok_s")) if col("assistant", "decode_tok_s") else None,
                  med(col("raw", "decode_tok_s")) if col("raw", "decode_tok_s") else None,
                  med(dec_ratios) if dec_ratios else None, med(col("assistant", "tokens")),
                  med(col("assistant", "total_ms")), med(col("raw", "total_ms")), ""])
    tables = [{
        "caption": f"llama.cpp: Assistant.stream (answerability check + grammar-constrained answer) vs raw "
                   f"llama_cpp.Llama.create_completion on the identical prompt string with the same citation grammar "
                   f"(GBNF) for both, n_ctx {cfg.llm.n_ctx}, n_threads {cfg.llm.n_threads}, n_threads_batch "
                   f"{cfg.llm.n_threads_batch}, temperature 0, max_tokens {max_tokens}; both start with the constant "
                   f"prefix ({prefix_tokens} tokens) in their KV cache. Assistant TTFT is end to end (question in → "
                   "first answer piece: retrieval incl. e5 query embedding, answerability yes/no pass, answer prefill); "
                   "raw TTFT is create_completion → first piece. Times in ms",
        "headers": ["question", "prompt tokens", "assistant TTFT", "…before the answer call", "raw TTFT",
                    "TTFT ratio", "assistant decode tok/s", "raw decode tok/s", "decode ratio", "answer tokens",
                    "assistant total", "raw total", "same text"],
        "rows": table}]
    if cache:
        crow = [[i + 1, c["prompt_tokens"], c["warm"], c["cold"], c["cold"] - c["warm"], ratio(c["warm"], c["cold"]),
                 c["warm_call_ms"]] for i, c in enumerate(cache)]
        tables.append({"caption": "System-prompt prefix cache (LlamaCppLLM.stream of an answer prompt, grammar on, "
                                  "TTFT in ms): after LlamaCppLLM.warm(assistant.constant_prefix) vs after an unrelated "
                                  "prompt was evaluated (cold context; shares only the first ~3 tokens)",
                       "headers": ["trial", "prompt tokens", "TTFT warm prefix", "TTFT cold", "saved", "warm/cold",
                                   "warm() call"],
                       "rows": crow})
    notes = [f"Model load: assistant (e5 + index + llama.cpp + prefix warm) {load_s:.1f} s, raw Llama {raw_load_s:.1f} s.",
             "Identical prompt check: " + ("all prompts the assistant sent equal the reconstructed prompt"
                                           if all(r["same_prompt"] for r in rows) else
                                           "SOME PROMPTS DIFFER (see raw json)") + ".",
             "Decode tok/s = (tokens in the generated text − 1) / (last piece − first piece); tokens counted with the "
             "model's tokenizer for both sides.",
             NOISE_NOTE,
             f"Assistant and raw llama.cpp generated the same text for {sum(r['same_output'] for r in rows)} of "
             f"{len(rows)} questions (greedy decoding, same grammar)."]
    if tf and "skipped" in tf:
        notes.append(f"transformers backend not measured: {tf['skipped']}.")
    elif tf:
        notes.append(f"transformers backend loaded with {tf['accelerate']}.")
        trow = [[r["id"], r["prompt_tokens"], r["ttft_ms"], r["answerability_ms"], r["llm_ttft_ms"],
                 r["llama"]["ttft_ms"], ratio(r["ttft_ms"], r["llama"]["ttft_ms"]), r["decode_tok_s"],
                 r["llama"]["decode_tok_s"], ratio(r["decode_tok_s"], r["llama"]["decode_tok_s"]), r["tokens"],
                 r["total_ms"], r["llama"]["total_ms"]] for r in tf["rows"]]
        load = (f"first load incl. GGUF → safetensors conversion {tf['load_s']:.1f} s, peak RSS growth "
                f"{tf['peak_mb']:.0f} MB" if tf["first_load"] else
                f"cached safetensors load {tf['load_s']:.1f} s, peak RSS growth {tf['peak_mb']:.0f} MB")
        tables.append({"caption": f"transformers backend (TransformersLLM.from_gguf, bf16 on CPU, no grammar, no KV "
                                  f"prefix reuse) vs the llama.cpp backend, both through Assistant.stream on the same "
                                  f"question, interleaved, max_tokens {tf['max_tokens']}, ms; {load}",
                       "headers": ["question", "prompt tokens", "transformers TTFT", "…answerability pass",
                                   "…answer prefill → first piece", "llama.cpp TTFT", "TTFT ratio tf/llama",
                                   "transformers decode tok/s", "llama.cpp decode tok/s", "decode ratio tf/llama",
                                   "tf answer tokens", "transformers total", "llama.cpp total"],
                       "rows": trow})
        if FIRST_LOAD.is_file() and not tf["first_load"]:
            fl = json.loads(FIRST_LOAD.read_text(encoding="utf-8"))
            notes.append(f"transformers first load (GGUF → safetensors conversion, once per machine), measured "
                         f"{fl['date']}: {fl['load_s']:.1f} s, peak RSS growth {fl['peak_mb']:.0f} MB.")
    else:
        notes.append("transformers backend skipped" + (" (--quick)" if quick else "") + ".")
    t_ratio = med(ttft_ratios)
    d_ratio = med(dec_ratios) if dec_ratios else float("nan")
    a_before = med(col("assistant", "before_llm_ms"))
    targets = [
        {"name": "answer TTFT ≤ 1.3× raw llama.cpp prefill of the same prompt",
         **verdict(t_ratio <= 1.3, f"median ratio {t_ratio:.3f} over {len(rows)} question(s) (per question: "
                                   f"{', '.join(f'{x:.2f}' for x in ttft_ratios)}); the assistant spends a median "
                                   f"{a_before:.0f} ms before its answer call (retrieval + the yes/no answerability pass, "
                                   "which prefills the shared sources+question prefix that the answer call then reuses)")},
        {"name": "decode ≥ 0.9× raw llama.cpp",
         **verdict(d_ratio >= 0.9 if dec_ratios else None,
                   f"median ratio {d_ratio:.3f} (per question: {', '.join(f'{x:.2f}' for x in dec_ratios)})")},
    ]
    return {"part": "answering", "title": "3. Answering: llama.cpp assistant vs raw llama.cpp, prefix cache, transformers",
            "tables": tables, "notes": notes, "targets": targets,
            "raw": {"rows": rows, "cache": cache, "transformers": tf, "loadavg": loadavg()}}
