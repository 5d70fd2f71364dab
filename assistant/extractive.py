"""Extractive answer: the source sentences that best match the question, cited (pure)."""
from __future__ import annotations

from assistant.citations import split_answer
from assistant.sources import Source
from assistant.support import char_ngrams


def extractive_answer(question: str, sources: list[Source], max_sentences: int = 2) -> str:
    """Up to max_sentences verbatim source sentences, ranked by bigram overlap with the question."""
    q = char_ngrams(question)
    scored = []
    for rank, src in enumerate(sources):
        for pos, sent in enumerate(split_answer(src.text)):
            overlap = len(q & char_ngrams(sent.text)) / (len(q) or 1)
            scored.append((overlap - 0.02 * rank, -rank, -pos, src.n, sent.text))
    best = sorted(scored, reverse=True)[:max_sentences]
    best.sort(key=lambda t: (-t[1], -t[2]))  # keep document order within the answer
    out = []
    for *_, n, text in best:
        body = text.rstrip("。！？；;!?")
        out.append(f"{body}[{n}]。")
    return "".join(out)
