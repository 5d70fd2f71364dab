"""Rank fusion and context budgeting (pure functions)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence


def reciprocal_rank_fusion(rankings: Mapping[str, Sequence[int]], weights: Mapping[str, float] | None = None,
                           k: int = 60) -> list[tuple[int, float, dict[str, int]]]:
    """Fuse ranked ID lists: score(d) = Σ_s w_s / (k + rank_s(d)), ranks from 1.

    Returns (id, fused score, {signal: rank}) sorted by score, ties broken by best rank then id.
    """
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for signal, ids in rankings.items():
        w = 1.0 if weights is None else weights.get(signal, 1.0)
        for rank, doc in enumerate(ids, start=1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
            ranks.setdefault(doc, {})[signal] = rank
    return sorted(((d, s, ranks[d]) for d, s in scores.items()),
                  key=lambda t: (-t[1], min(t[2].values()), t[0]))


def keep_signal_bests(fused: list[tuple[int, float, dict[str, int]]], at: int) -> list[tuple[int, float, dict[str, int]]]:
    """The fused list with each signal's first choice moved up to right after the first ``at`` − 1 items (in
    fused order), the rest in fused order. A question worded unlike the documents (不满16岁的孩子怎么办居住证 for
    未满16周岁的未成年人…代为申领) has its passage first by meaning and far down by words, and fusion left it 13th,
    outside the context; a question in the documents' words keeps its order, whose first choices are on top."""
    head = fused[:at - 1]
    firsts = [item for item in fused[at - 1:] if 1 in item[2].values()]
    return head + firsts + [item for item in fused[at - 1:] if item not in firsts]


def fit_to_budget(texts: Sequence[str], budget: int) -> int:
    """How many leading texts fit in `budget` characters (always at least one if any)."""
    used = 0
    for n, text in enumerate(texts):
        used += len(text)
        if used > budget:
            return max(n, 1)
    return len(texts)
