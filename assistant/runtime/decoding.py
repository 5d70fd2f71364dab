"""Greedy decoding on llama.cpp with a GBNF grammar asked about the chosen token only, and its streamed text."""
from __future__ import annotations

import codecs
import ctypes
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # llama-cpp-python is imported where used: the module loads without it
    from llama_cpp import Llama


class ChoiceGrammar:
    """A GBNF grammar (llama.cpp's grammar sampler, root rule ``root``) consulted the way llama.cpp's
    ``common_sampler`` does: about the greedy choice first, and over the whole vocabulary only when it rejects that
    choice. The token chosen is the one the grammar applied to every token, then greedy, chooses (the argmax, when
    the grammar allows it, is also the best token it allows) at the cost of one token's check instead of 151,936.
    A context manager: the sampler is freed on exit."""

    def __init__(self, llm: Llama, gbnf: str):
        import llama_cpp

        self._sampler = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, gbnf.encode("utf-8"), b"root")
        if not self._sampler:
            raise ValueError(f"llama.cpp cannot parse the grammar:\n{gbnf}")
        self._one = llama_cpp.llama_token_data()
        self._one_array = llama_cpp.llama_token_data_array(data=ctypes.pointer(self._one), size=1, selected=-1,
                                                           sorted=False)
        self._n_vocab = llm.n_vocab()
        self._every = self._every_view = None  # the whole vocabulary as llama_token_data, made at the first rejection
        self.full_passes = 0  # how many choices the grammar rejected (each cost a whole-vocabulary pass)

    def __enter__(self) -> "ChoiceGrammar":
        return self

    def __exit__(self, *exc) -> None:
        import llama_cpp

        llama_cpp.llama_sampler_free(self._sampler)

    def choose(self, logits: np.ndarray) -> int:
        """The best token of logits that the grammar allows next."""
        token = int(np.argmax(logits))
        if self._allows(token):
            return token
        self.full_passes += 1
        return self._best_allowed(logits)

    def accept(self, token: int) -> None:
        """Advance the grammar past token (one it allowed)."""
        import llama_cpp

        llama_cpp.llama_sampler_accept(self._sampler, token)

    def _allows(self, token: int) -> bool:
        import llama_cpp

        self._one.id, self._one.logit, self._one.p = token, 0.0, 0.0
        llama_cpp.llama_sampler_apply(self._sampler, ctypes.byref(self._one_array))
        return self._one.logit != -np.inf

    def _best_allowed(self, logits: np.ndarray) -> int:
        import llama_cpp

        if self._every is None:
            self._every = (llama_cpp.llama_token_data * self._n_vocab)()
            self._every_view = np.ctypeslib.as_array(self._every).view(
                np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)]))
            self._every_view["id"] = np.arange(self._n_vocab, dtype=np.int32)
        self._every_view["logit"], self._every_view["p"] = logits, 0.0
        array = llama_cpp.llama_token_data_array(data=self._every, size=self._n_vocab, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._sampler, ctypes.byref(array))
        return int(np.argmax(self._every_view["logit"]))


def choose(logits: np.ndarray, grammar: ChoiceGrammar | None) -> int:
    """The greedy token of logits; with a grammar, the best token it allows (one call per generation step: the
    benchmark's profile counts the steps here)."""
    return int(np.argmax(logits)) if grammar is None else grammar.choose(logits)


def greedy(logits: Callable[[], np.ndarray], feed: Callable[[int], None], max_tokens: int,
           stop: Callable[[int], bool], grammar: ChoiceGrammar | None = None) -> Iterator[int]:
    """Greedy tokens: the choice over logits() (the next-token logits of what was fed so far), each fed back with
    feed(token) before the next, until max_tokens or a token for which stop holds (not yielded). The last token
    is not fed: nothing would read its logits."""
    token = None
    for _ in range(max_tokens):
        if token is not None:
            feed(token)
        token = choose(logits(), grammar)
        if stop(token):
            return
        if grammar is not None:
            grammar.accept(token)
        yield token


def prefill(llm: Llama, tokens: list[int]) -> None:
    """Evaluate prompt tokens on a llama-cpp-python Llama, reusing the KV cache of the prefix they share with what
    it holds (at least the last token is evaluated again: its logits are the next token's)."""
    from llama_cpp import Llama

    cached = llm.input_ids[: llm.n_tokens].tolist()
    keep = min(Llama.longest_token_prefix(cached, tokens), len(tokens) - 1)
    llm.n_tokens = keep
    llm.eval(tokens[keep:])


def last_logits(llm: Llama) -> np.ndarray:
    """The next-token logits after the last token a Llama evaluated (a view, valid until its next eval)."""
    import llama_cpp

    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))


def llama_greedy(llm: Llama, tokens: list[int], max_tokens: int, stop: Callable[[int], bool],
                 grammar: ChoiceGrammar | None = None) -> Iterator[int]:
    """Greedy continuation of prompt tokens on a llama-cpp-python Llama (prefilled on the first step, prefix
    reused; at most max_tokens, and no further than its context holds). The Llama stays usable when the iterator
    is closed early: its cache holds the prompt and the tokens fed so far."""
    if len(tokens) >= llm.n_ctx():
        raise ValueError(f"Requested tokens ({len(tokens)}) exceed context window of {llm.n_ctx()}")
    prefill(llm, tokens)
    yield from greedy(lambda: last_logits(llm), lambda token: llm.eval([token]),
                      min(max_tokens, llm.n_ctx() - len(tokens)), stop, grammar)


def stop_tokens(llm: Llama, stop: Sequence[str]) -> Callable[[int], bool]:
    """A predicate on tokens: an end-of-generation token, or a special token spelled as one of stop."""
    import llama_cpp

    vocab = llm._model.vocab
    spelled = {ids[0] for s in stop if len(ids := llm.tokenize(s.encode("utf-8"), add_bos=False, special=True)) == 1}
    return lambda token: token in spelled or bool(llama_cpp.llama_vocab_is_eog(vocab, token))


def text_pieces(tokens: Iterable[int], detokenize: Callable[[list[int]], bytes], stop: Sequence[str]) -> Iterator[str]:
    """The text of tokens, streamed: bytes decoded incrementally (a character split over tokens comes whole; one
    cut short by the last token is dropped), cut before the first of the stop strings; text that may begin a stop
    string is held back until it cannot."""
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="ignore")
    held = ""
    for token in tokens:
        held += utf8.decode(detokenize([token]))
        hits = [i for i in (held.find(s) for s in stop) if i >= 0]
        if hits:
            if min(hits):
                yield held[: min(hits)]
            return
        keep = _stop_prefix(held, stop)
        if len(held) > keep:
            yield held[: len(held) - keep]
            held = held[len(held) - keep:]
    held += utf8.decode(b"", final=True)
    if held:
        yield held


def _stop_prefix(text: str, stop: Sequence[str]) -> int:
    """Length of the longest end of text that begins one of the stop strings."""
    return max((n for s in stop for n in range(min(len(s) - 1, len(text)), 0, -1) if text.endswith(s[:n])),
               default=0)
