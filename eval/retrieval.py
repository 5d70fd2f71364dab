"""Run rankers (retriever modes, baselines) over a question set and score them."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from eval.dataset import EvalItem
from eval.retrieval_metrics import BUDGET_CHARS, Ranked, aggregate, recall_curve, score_question
from retriever.hybrid import HybridRetriever
from settings import RetrievalConfig

Ranker = Callable[[str, int], list[str]]  # (question, n) -> ranked texts (str or Ranked), best first
CONTEXT_DEPTH = RetrievalConfig().context_depth  # hits the answerer's context is cut from (HybridRetriever.context)


def retriever_rankers(retriever: HybridRetriever, modes: Sequence[str]) -> dict[str, Ranker]:
    """One ranker per retrieval mode (dense, bm25, hybrid) of a loaded retriever; texts carry chunk labels."""
    def make(mode: str) -> Ranker:
        return lambda question, n: [Ranked(h.chunk.text, h.chunk.label)
                                    for h in retriever.run(question, k=n, mode=mode)]

    return {mode: make(mode) for mode in modes}


def evaluate_ranker(items: Sequence[EvalItem], ranker: Ranker, k: int = 10, budget: int = BUDGET_CHARS) -> dict:
    """Metrics of one ranker on the answerable items: aggregates, R@1..k curve, per-question rows."""
    scored = [it for it in items if it.answerable]
    rows, curves = [], []
    started = time.perf_counter()
    for it in scored:
        ranked = ranker(it.question, max(k, CONTEXT_DEPTH)) if it.question.strip() else []  # empty: a miss
        rows.append(score_question(ranked, it.evidence, k, budget))
        curves.append(recall_curve(ranked[:k], it.evidence, k))
    elapsed = time.perf_counter() - started
    result = aggregate(rows, [it.type for it in scored], [it.case for it in scored])
    result["recall_curve"] = [sum(c[i] for c in curves) / len(curves) if curves else 0.0 for i in range(k)]
    result["ms_per_query"] = 1000 * elapsed / len(scored) if scored else 0.0
    result["per_question"] = [{"id": it.id, "type": it.type, "case": it.case, **row} for it, row in zip(scored, rows)]
    return result


def evaluate_retrieval(items: Sequence[EvalItem], rankers: Mapping[str, Ranker], k: int = 10,
                       budget: int = BUDGET_CHARS, progress: Callable[[str], None] | None = None) -> dict[str, dict]:
    """Results per ranker name, in the rankers' order."""
    results = {}
    for name, ranker in rankers.items():
        if progress:
            progress(name)
        results[name] = evaluate_ranker(items, ranker, k, budget)
    return results
