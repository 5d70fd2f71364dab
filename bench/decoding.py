"""Where llama.cpp's time goes: a profile of decode and token-choice calls, and one prompt decoded five ways.

``LlamaProfile`` counts and times, in this process, llama.cpp's decode calls and the calls that choose a token
(llama-cpp-python's sampler, as ``create_completion`` uses it, and ``assistant.runtime.decoding.choose``, the project's
greedy step), by wrapping them while active: a one-token decode after a choice is a generation step, any other
decode is prefill (a prompt, a check in the side context, the one token a cached prompt re-evaluates). Around a
pipeline answer it tells the model's compute from choosing tokens (the grammar) and from the Python around them.

``decode_paths`` decodes one prompt (prefilled once) greedily (a) raw: argmax of the logits, one ``eval`` per
token, (b) through ``create_completion`` (as the pipeline streamed before) without a grammar, (c) the same with
the citation grammar, (d) llama.cpp's own sampler chain (grammar + greedy) in a plain loop, (e) the pipeline's
way (``assistant.runtime.decoding``): greedy first and the grammar asked only about the chosen token, applied to the whole
vocabulary only when it rejects that token (what llama.cpp's ``common_sampler`` does) — (c), (d) and (e) must
give the same tokens.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

from assistant.runtime.decoding import ChoiceGrammar, llama_greedy, prefill, stop_tokens


class LlamaProfile:
    """Counts and seconds of llama.cpp decode calls (prefill batches, one-token steps) and token choices."""

    def __enter__(self) -> "LlamaProfile":
        from llama_cpp import _internals

        from assistant.runtime import decoding

        self.reset()
        self.sampled = False  # the last call chose a token: a one-token decode now is a generation step
        self._originals = (_internals.LlamaContext.decode, _internals.LlamaSampler.sample, decoding.choose)
        decode, sample, choose = self._originals
        profile = self

        def timed_decode(ctx, batch):
            n, t = batch.batch.n_tokens, time.perf_counter()
            try:
                return decode(ctx, batch)
            finally:
                dt = time.perf_counter() - t
                if n == 1 and profile.sampled:
                    profile.decode_steps += 1
                    profile.decode_s += dt
                    profile.last_step = t + dt
                else:
                    profile.prefill_tokens += n
                    profile.prefill_s += dt
                profile.sampled = False

        def timed(call):
            def wrapper(*args, **kwargs):
                t = time.perf_counter()
                try:
                    return call(*args, **kwargs)
                finally:
                    profile.sample_calls += 1
                    profile.sample_s += time.perf_counter() - t
                    profile.first_step = profile.first_step or t
                    profile.sampled = True
            return wrapper

        _internals.LlamaContext.decode, _internals.LlamaSampler.sample = timed_decode, timed(sample)
        decoding.choose = timed(choose)
        return self

    def __exit__(self, *exc) -> None:
        from llama_cpp import _internals

        from assistant.runtime import decoding

        _internals.LlamaContext.decode, _internals.LlamaSampler.sample, decoding.choose = self._originals

    def reset(self) -> None:
        """Start counting again (a token chosen just before still makes the next one-token decode a step)."""
        self.prefill_tokens = self.decode_steps = self.sample_calls = 0
        self.prefill_s = self.decode_s = self.sample_s = self.first_step = self.last_step = 0.0

    def snapshot(self) -> dict:
        """The counts and seconds so far."""
        return {"prefill_tokens": self.prefill_tokens, "prefill_s": self.prefill_s, "decode_steps": self.decode_steps,
                "decode_s": self.decode_s, "sample_calls": self.sample_calls, "sample_s": self.sample_s,
                "decode_span_s": max(0.0, self.last_step - self.first_step)}


def _timed(tokens: Iterator[int]) -> dict:
    """Run a token generator to its end; decode rate over its steps 2..n (the time each token came out)."""
    out, times = [], []
    for token in tokens:
        times.append(time.perf_counter())
        out.append(token)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else float("nan")
    return {"tokens": out, "decode_tok_s": rate}


def _raw(llm, tokens: list[int], n: int) -> dict:
    """Raw decode: argmax of the logits, one eval per token (the production loop without a grammar)."""
    return _timed(llama_greedy(llm, tokens, n, stop_tokens(llm, ())))


def _native_chain(llm, tokens: list[int], n: int, gbnf: str) -> dict:
    """llama.cpp's own sampler chain (grammar over every token, then greedy) picking each token."""
    import llama_cpp

    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_grammar(llm._model.vocab,
                                                                                  gbnf.encode("utf-8"), b"root"))
    llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_greedy())
    pick = lambda: llama_cpp.llama_sampler_sample(chain, llm.ctx, -1)  # noqa: E731
    try:
        return _timed(_picked(llm, tokens, n, pick))
    finally:
        llama_cpp.llama_sampler_free(chain)


def _picked(llm, tokens: list[int], n: int, pick) -> Iterator[int]:
    import llama_cpp

    prefill(llm, tokens)
    for _ in range(n):
        token = pick()
        if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token):
            return
        yield token
        llm.eval([token])


def _grammar_checks_the_choice(llm, tokens: list[int], n: int, gbnf: str) -> dict:
    """The production path (assistant.runtime.decoding): greedy, the grammar asked about the chosen token only."""
    with ChoiceGrammar(llm, gbnf) as grammar:
        out = _timed(llama_greedy(llm, tokens, n, stop_tokens(llm, ()), grammar))
        return {**out, "full_vocabulary_applies": grammar.full_passes}


def _completion(llm, prompt: str, n: int, grammar_text: str | None, stop: list[str]) -> dict:
    """create_completion as the pipeline calls it (streamed, greedy; the prompt is in the KV cache already),
    with a profile of its calls."""
    from llama_cpp import LlamaGrammar

    t = time.perf_counter()
    grammar = LlamaGrammar.from_string(grammar_text, verbose=False) if grammar_text else None
    grammar_s = time.perf_counter() - t
    first = None
    text = ""
    with LlamaProfile() as profile:
        for part in llm.create_completion(prompt, max_tokens=n, temperature=0.0, stream=True, stop=stop,
                                          grammar=grammar):
            if first is None:
                first = time.perf_counter()
                profile.reset()  # from here on: the decode phase
            text += part["choices"][0]["text"]
        end = time.perf_counter()
        p = profile.snapshot()
    span = end - first if first else float("nan")
    steps = p["decode_steps"]
    return {"text": text, "ttft_s": (first or end) - t, "grammar_parse_s": grammar_s, "decode_steps": steps,
            "decode_tok_s": steps / span if steps and span > 0 else float("nan"),
            "per_token_ms": {"llama_decode": 1000 * p["decode_s"] / max(steps, 1),
                             "sampling": 1000 * p["sample_s"] / max(p["sample_calls"], 1),
                             "python_rest": 1000 * (span - p["decode_s"] - p["sample_s"]) / max(steps, 1)}}


def decode_paths(llm, prompt: str, gbnf: str, n: int, stop: list[str], rounds: int = 3) -> dict:
    """The one prompt decoded the five ways of the module docstring (greedy, at most n tokens each), prefilled
    once; the paths take turns for ``rounds`` rounds and each keeps its fastest."""
    tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    prefill(llm, tokens)
    paths = {"raw": lambda: _raw(llm, tokens, n),
             "completion": lambda: _completion(llm, prompt, n, None, stop),
             "completion_grammar": lambda: _completion(llm, prompt, n, gbnf, stop),
             "native_chain": lambda: _native_chain(llm, tokens, n, gbnf),
             "grammar_checks_choice": lambda: _grammar_checks_the_choice(llm, tokens, n, gbnf)}
    out: dict = {"prompt_tokens": len(tokens), "rounds": rounds}
    for _ in range(rounds):
        for name, path in paths.items():
            got = path()
            if name not in out or got["decode_tok_s"] > out[name]["decode_tok_s"]:
                out[name] = got
    detok = lambda toks: llm.detokenize(toks).decode("utf-8", errors="replace")  # noqa: E731
    out["same_output"] = (detok(out["native_chain"]["tokens"]) == detok(out["grammar_checks_choice"]["tokens"])
                          == out["completion_grammar"]["text"])
    for key in ("raw", "native_chain", "grammar_checks_choice"):
        out[key]["n"] = len(out[key].pop("tokens"))
    return out
