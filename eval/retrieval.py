"""Run rankers (retriever modes, baselines) over a question set and score them."""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.dataset import EvalItem, check_against_corpus, load_dataset
from eval.report import retrieval_rows, write_retrieval_report
from eval.retrieval_metrics import BUDGET_CHARS, Ranked, aggregate, recall_curve, score_question
from retriever.hybrid import MODES, HybridRetriever
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


@dataclass
class RetrievalRun:
    """One retrieval evaluation: its metrics table, the per-config results and the report files."""

    header: list[str]
    rows: list[list]
    results: dict
    report: Path
    metrics: Path
    plot: Path

    def report_markdown(self) -> str:
        """report.md without its image line (for showing the plot separately)."""
        text = self.report.read_text(encoding="utf-8")
        return re.sub(r"^!\[[^\]]*\]\([^)]*\)\s*$", "", text, flags=re.M)


def run_retrieval_eval(questions: str | Path, retriever: HybridRetriever, out_dir: str | Path, k: int = 10,
                       modes: Sequence[str] = MODES, index_label: str = "",
                       extra_rankers: Callable[[], dict[str, Ranker]] | None = None,
                       progress: Callable[[str], None] | None = None) -> RetrievalRun:
    """Validate a gold set against the index, score the retrieval modes (and any extra rankers, e.g. baselines)
    and write report.md, metrics.json and recall_at_k.png: what ``python -m eval retrieval`` and the app's
    evaluation tab both run. Raises eval.dataset.DatasetError for a bad set or quotes not in the index."""
    items = load_dataset(questions)
    check_against_corpus(items, {pid: p.haystack for pid, p in retriever.paragraphs.items()},
                         str(questions))
    rankers = retriever_rankers(retriever, modes)
    if extra_rankers is not None:
        rankers.update(extra_rankers())
    results = evaluate_retrieval(items, rankers, k, BUDGET_CHARS, progress=progress)
    meta = {"questions": str(questions), "index": index_label, "k": k, "budget": BUDGET_CHARS,
            "n_questions": len(items), "n_scored": sum(it.answerable for it in items),
            "embedder": retriever.stored.manifest.get("embedder", {}).get("name"),
            "chunks": len(retriever.chunks), "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    paths = write_retrieval_report(results, meta, out_dir, {it.id: it.question for it in items})
    header, rows = retrieval_rows(results)
    return RetrievalRun(list(header), [list(r) for r in rows], results, paths["report"], paths["metrics"],
                        paths["plot"])
