"""Retrieval evaluation for the Evaluation tab, through the ``eval`` package (same steps as ``python -m eval retrieval``)."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from eval.dataset import check_against_corpus, load_dataset, paragraph_haystack
from eval.report import retrieval_rows, write_retrieval_report
from eval.retrieval import evaluate_retrieval, retriever_rankers
from eval.retrieval_metrics import BUDGET_CHARS
from retriever.hybrid import MODES, HybridRetriever



@dataclass
class EvalRun:
    """Outputs of one evaluation: the metrics table and the report files."""

    header: list[str]
    rows: list[list]
    report: Path
    metrics: Path
    plot: Path

    def report_markdown(self) -> str:
        """report.md without its image line (the plot is shown separately)."""
        text = self.report.read_text(encoding="utf-8")
        return re.sub(r"^!\[[^\]]*\]\([^)]*\)\s*$", "", text, flags=re.M)


def run_retrieval_eval(questions: str | Path, retriever: HybridRetriever, out_dir: str | Path, k: int = 10,
                       modes: tuple[str, ...] = MODES, index_label: str = "") -> EvalRun:
    """Score the retrieval modes on a gold set; writes report.md, metrics.json, recall_at_k.png to out_dir.

    Raises eval.dataset.DatasetError for a bad set or quotes that are not in the index.
    """
    items = load_dataset(questions)
    check_against_corpus(items, {pid: paragraph_haystack(p) for pid, p in retriever.paragraphs.items()},
                         str(questions))
    results = evaluate_retrieval(items, retriever_rankers(retriever, modes), k, BUDGET_CHARS)
    meta = {"questions": str(questions), "index": index_label, "k": k, "budget": BUDGET_CHARS,
            "n_questions": len(items), "n_scored": sum(it.answerable for it in items),
            "embedder": retriever.stored.manifest.get("embedder", {}).get("name"),
            "chunks": len(retriever.chunks), "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    paths = write_retrieval_report(results, meta, out_dir, {it.id: it.question for it in items})
    header, rows = retrieval_rows(results)
    rows = [[round(c, 3) if isinstance(c, float) else c for c in r] for r in rows]
    return EvalRun(list(header), rows, paths["report"], paths["metrics"], paths["plot"])
