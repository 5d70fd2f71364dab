"""Retrieval metrics for one question's ranked chunk texts, and their aggregation (pure functions).

A chunk is *relevant* when it contains at least one of the question's gold quotes
(whitespace ignored, see :func:`eval.dataset.contains`); a :class:`Ranked` text's heading label counts as part of
what it contains, so a quote of a heading is found in the chunks under it. Ranks start at 1.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from eval.dataset import labelled, squash
from retriever.fusion import fit_to_budget
from settings import RetrievalConfig

KS = (1, 3, 5, 10)
BUDGET_CHARS = RetrievalConfig().context_chars  # the answerer's context budget
NDCG_K = 10


class Ranked(str):
    """A ranked chunk text carrying its heading label.

    It is the text itself (its length is what the context budget counts), but quotes are also looked for in
    the label (:func:`haystack`).
    """

    label: str

    def __new__(cls, text: str, label: str = "") -> "Ranked":
        obj = super().__new__(cls, text)
        obj.label = label
        return obj


def haystack(text: str) -> str:
    """What a ranked text contains: its label (when it is :class:`Ranked`) and the text."""
    return labelled(str(text), getattr(text, "label", ""))


def quote_sets(texts: Sequence[str], quotes: Sequence[str]) -> list[frozenset[int]]:
    """For each text, the indices of the quotes it contains (label included, see :func:`haystack`)."""
    squashed = [squash(q) for q in quotes]
    return [frozenset(i for i, q in enumerate(squashed) if q in squash(haystack(t))) for t in texts]


def all_found(found: Sequence[frozenset[int]], n_quotes: int, n: int) -> float:
    """1.0 if every quote is contained in one of the first n texts, else 0.0."""
    covered = frozenset().union(*found[:n]) if n > 0 else frozenset()
    return 1.0 if n_quotes and len(covered) == n_quotes else 0.0


def recall_at_k(texts: Sequence[str], quotes: Sequence[str], k: int) -> float:
    """1.0 if ALL quotes are contained in the union of the top-k texts, else 0.0."""
    return all_found(quote_sets(texts, quotes), len(quotes), k)


def hit_at_k(texts: Sequence[str], quotes: Sequence[str], k: int) -> float:
    """1.0 if ANY quote is contained in one of the top-k texts, else 0.0."""
    return 1.0 if any(quote_sets(texts[:k], quotes)) else 0.0


def reciprocal_rank(texts: Sequence[str], quotes: Sequence[str]) -> float:
    """1 / rank of the first text containing any quote (0.0 if none does)."""
    for rank, found in enumerate(quote_sets(texts, quotes), start=1):
        if found:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(texts: Sequence[str], quotes: Sequence[str], k: int = NDCG_K) -> float:
    """Binary nDCG@k: DCG = Σ rel_i / log2(i+1); ideal DCG assumes min(#quotes, k) relevant texts.

    Capped at 1.0, because overlapping chunks can hold the same quote (more relevant texts than quotes).
    """
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(quotes), k) + 1))
    if not ideal:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, found in enumerate(quote_sets(texts[:k], quotes), start=1) if found)
    return min(1.0, dcg / ideal)


def budget_recall(texts: Sequence[str], quotes: Sequence[str], budget: int = BUDGET_CHARS) -> float:
    """Recall over the leading texts that fit in `budget` characters (always at least the first)."""
    return recall_at_k(texts, quotes, fit_to_budget(texts, budget))


def recall_curve(texts: Sequence[str], quotes: Sequence[str], max_k: int = 10) -> list[float]:
    """[R@1, R@2, …, R@max_k] for one question."""
    found = quote_sets(texts, quotes)
    return [all_found(found, len(quotes), k) for k in range(1, max_k + 1)]


def cutoffs(k: int) -> tuple[int, ...]:
    """The standard cutoffs (1, 3, 5, 10) up to k, plus k itself."""
    return tuple(sorted({c for c in KS if c <= k} | {k}))


def score_question(ranked: Sequence[str], quotes: Sequence[str], k: int = 10,
                   budget: int = BUDGET_CHARS) -> dict[str, float]:
    """All metrics of one answerable question from its ranked texts.

    R@c and hit@c for each cutoff c ≤ k, MRR and nDCG over the top k (nDCG at min(k, 10)), and
    budget recall over the whole ranked list (which may be deeper than k, as the answerer's context is).
    """
    top = ranked[:k]
    row: dict[str, float] = {}
    for c in cutoffs(k):
        row[f"R@{c}"] = recall_at_k(top, quotes, c)
    for c in cutoffs(k):
        row[f"hit@{c}"] = hit_at_k(top, quotes, c)
    row["MRR"] = reciprocal_rank(top, quotes)
    n = min(k, NDCG_K)
    row[f"nDCG@{n}"] = ndcg_at_k(top, quotes, n)
    row["budget_recall"] = budget_recall(ranked, quotes, budget)
    return row


def mean_rows(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Key-wise mean of metric rows plus ``n`` (the number of rows); {"n": 0} when empty."""
    if not rows:
        return {"n": 0}
    out: dict[str, float] = {"n": len(rows)}
    for key in rows[0]:
        out[key] = sum(r[key] for r in rows) / len(rows)
    return out


def aggregate(rows: Sequence[Mapping[str, float]], types: Sequence[str], cases: Sequence[str]) -> dict:
    """Means overall, per question type and per case (rows, types and cases aligned)."""
    def grouped(keys: Sequence[str]) -> dict[str, dict[str, float]]:
        groups: dict[str, list[Mapping[str, float]]] = {}
        for key, row in zip(keys, rows):
            groups.setdefault(key, []).append(row)
        return {key: mean_rows(g) for key, g in groups.items()}

    return {"overall": mean_rows(rows), "by_type": grouped(types), "by_case": grouped(cases)}
