"""Command line: ``python -m eval retrieval …``, ``python -m eval answers …`` and ``python -m eval calibrate …``."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from errors import RagError
from eval.answer_metrics import score_answers
from eval.answers import load_answers
from eval.dataset import DatasetError, EvalItem, check_against_corpus, load_dataset
from eval.report import answer_summary_rows, write_answers_report
from eval.retrieval import run_retrieval_eval
from eval.retrieval_metrics import BUDGET_CHARS
from index.embedders import Embedder, EmbedderError, make_embedder
from index.store import IndexStoreError, load_index
from retriever.hybrid import MODES, HybridRetriever
from settings import DEFAULT_INDEX, PROJECT_ROOT, load_config
from textutil import text_table

OUT_ROOT = PROJECT_ROOT / "eval" / "out"
SET_HELP = ("gold question set (JSONL: id, question, answer, evidence [verbatim quotes], keywords, "
            "type fact|number|multi|overview|unanswerable; optional case, paragraph_ids, parts, trap; "
            "see eval/README_sets.md)")


class EvalError(RuntimeError):
    """A problem reported to the user as one line with exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval", description=(
        "Evaluate retrieval and answers against a gold question set. The set is validated first: "
        "every evidence quote must occur (whitespace ignored) inside one paragraph of the index."))
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("retrieval", help="score dense / bm25 / hybrid retrieval (and baselines)", description=(
        "Score retrieval configs on the answerable questions: R@1/3/5/10, hit@k, MRR, nDCG@10 and recall "
        f"within the {BUDGET_CHARS:,}-character context budget; writes report.md, metrics.json and "
        "recall_at_k.png to --out and prints a table."))
    r.add_argument("--questions", required=True, help=SET_HELP)
    r.add_argument("--index", default=str(DEFAULT_INDEX), help="index folder (default: %(default)s)")
    r.add_argument("-k", type=int, default=10, help="ranking depth scored (default: %(default)s)")
    r.add_argument("--configs", default=",".join(("dense", "bm25", "hybrid")),
                   help="comma-separated retrieval modes out of dense,bm25,hybrid (default: %(default)s)")
    r.add_argument("--baselines", action="store_true",
                   help="also score 300-character windows of the plain text ranked by char-bigram BM25, "
                        "by e5, and by their RRF (k=60)")
    r.add_argument("--out", default=str(OUT_ROOT / "retrieval"), help="output folder (default: %(default)s)")
    a = sub.add_parser("answers", help="score assistant answers (keywords, refusals, citations, latency)",
                       description=(
                           "Score the answers of `python -m assistant batch` (JSONL with id, answer, refused, "
                           "citations, contexts, timings). Without --answers the assistant "
                           "batch is run first and its answers written to --out/answers.jsonl. Writes report.md "
                           "(with a failure list) and metrics.json to --out."))
    a.add_argument("--questions", required=True, help=SET_HELP)
    a.add_argument("--index", default=str(DEFAULT_INDEX), help="index folder (default: %(default)s)")
    a.add_argument("--answers", help="answers JSONL written by `python -m assistant batch` (default: run it)")
    a.add_argument("--out", default=str(OUT_ROOT / "answers"), help="output folder (default: %(default)s)")
    a.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS|auto|local",
                   help="when the batch runs: answer on Ray workers (see `python -m assistant batch --ray`)")
    a.add_argument("--workers", type=int, help="with --ray: answer workers (default: one per 2 CPUs of the cluster)")
    c = sub.add_parser("calibrate", help="fit the assistant's answerability gate on labelled questions",
                       description=(
                           "Run the assistant up to its answerability gate on labelled questions of one or more "
                           "indexed corpora, record every question part's signals with its label, and fit the gate's "
                           "logistic model (threshold: at most 2% of the answerable parts refused). Several corpora "
                           "keep the gate off any one corpus's scale."))
    c.add_argument("--set", action="append", default=[], metavar="INDEX=QUESTIONS",
                   help="an index folder and its labelled question set (eval JSONL); repeat for more corpora")
    c.add_argument("--signals", help="JSONL of recorded gate signals: written after collecting; "
                                     "given alone (no --set), refit from it without the model")
    c.add_argument("--out", help="calibration file (default: calibration.json in the first --set's index folder, "
                                 "which that index then uses)")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _modes(text: str) -> list[str]:
    modes = [m.strip() for m in text.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise EvalError(f"unknown config(s) {', '.join(bad) or '(none)'}: choose from {', '.join(MODES)}")
    return list(dict.fromkeys(modes))


def cmd_retrieval(args, retriever: HybridRetriever | None = None, baseline_embedder: Embedder | None = None) -> int:
    """Score retrieval configs (and optional baselines) and write the report."""
    if args.k < 1:
        raise EvalError("-k must be at least 1")
    modes = _modes(args.configs)
    load_dataset(args.questions)  # a missing or malformed set fails before the index and models load
    cfg = load_config()
    if retriever is None:
        retriever = HybridRetriever.from_index_dir(args.index, cfg.retrieval, threads=cfg.index.threads)

    def baselines():
        from eval.baselines import baseline_rankers

        embedder = baseline_embedder or (retriever.embedder if getattr(retriever.embedder, "spec", "") == "e5"
                                         else make_embedder("e5", cfg.index.threads))
        print("embedding 300-character windows for the baselines …", file=sys.stderr)
        return baseline_rankers(retriever.paragraphs.values(), embedder, cfg.retrieval.candidates)

    run = run_retrieval_eval(args.questions, retriever, args.out, args.k, modes, str(args.index),
                             baselines if args.baselines else None,
                             progress=lambda name: print(f"scoring {name} …", file=sys.stderr))
    print(text_table(run.header, run.rows))
    print(f"report: {run.report}  metrics: {run.metrics}  plot: {run.plot}")
    return 0


def run_assistant_batch(questions: Path, out_path: Path, index_dir: Path, ray: str | None = None,
                        workers: int | None = None) -> None:
    """Answer the questions with the assistant (``assistant.batch.run.run_batch``), imported only when needed.

    ``ray``: on Ray workers at this address (local, auto, HOST:PORT).
    """
    try:
        from assistant.batch.run import run_batch
    except ImportError as exc:
        raise EvalError(f"the assistant is not available (cannot import assistant.batch.run: {exc}); "
                        "pass --answers OUT.jsonl written by `python -m assistant batch`") from exc
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        run_batch(questions, out_path, index_dir, load_config(), **({"ray": ray, "workers": workers} if ray is not None else {}))
    except (RuntimeError, ValueError, OSError) as exc:
        raise EvalError(f"assistant batch failed: {exc}") from exc


def _check_index(items: list[EvalItem], index_dir: str, source: str) -> None:
    check_against_corpus(items, {pid: p.haystack for pid, p in load_index(index_dir).paragraphs.items()},
                         source)


def cmd_answers(args) -> int:
    """Score an answers file (running the assistant batch first if none is given) and write the report."""
    items = load_dataset(args.questions)
    _check_index(items, args.index, args.questions)
    out = Path(args.out)
    answers_path = Path(args.answers) if args.answers else out / "answers.jsonl"
    if (args.ray is not None or args.workers) and args.answers:
        raise EvalError("--ray/--workers run the batch; they do not go with --answers")
    if args.workers and args.ray is None:
        raise EvalError("--workers goes with --ray")
    if args.answers:
        if not answers_path.is_file():
            raise DatasetError(f"answers file not found: {answers_path}")
    else:
        run_assistant_batch(Path(args.questions), answers_path, Path(args.index), args.ray, args.workers)
    answers = load_answers(answers_path)
    metrics = score_answers(items, answers)
    meta = {"questions": str(args.questions), "answers": str(answers_path), "index": str(args.index),
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    paths = write_answers_report(metrics, meta, out)
    if metrics["missing"]:
        print(f"warning: no answer for {len(metrics['missing'])} question(s): {', '.join(metrics['missing'][:10])}",
              file=sys.stderr)
    print(text_table(["metric", "value"], answer_summary_rows(metrics)))
    print(f"{len(metrics['failures'])} failure(s) listed in {paths['report']}  metrics: {paths['metrics']}")
    return 0


def cmd_calibrate(args) -> int:
    """Collect the gate's signals (or read them), fit and save the calibration, print the counts."""
    from assistant.factory import build_assistant
    from eval.calibration import calibrate

    sets = [tuple(s.split("=", 1)) for s in args.set]
    if any(len(s) != 2 for s in sets):
        raise EvalError("--set takes INDEX=QUESTIONS")
    if not sets and not args.signals:
        raise EvalError("give --set INDEX=QUESTIONS (one or more) or --signals FILE")
    cfg = load_config()
    try:
        out, cal, counts = calibrate(sets, lambda index_dir: build_assistant(index_dir, None, cfg),
                                     Path(args.signals) if args.signals else None,
                                     Path(args.out) if args.out else None, show_progress=not args.quiet)
    except (OSError, ValueError, RagError) as exc:
        raise EvalError(str(exc)) from exc
    print(f"saved {out}: weights {[round(w, 3) for w in cal.weights]}, bias {cal.bias:.3f}, "
          f"threshold {cal.threshold:.3f}")
    for corpus, c in counts.items():
        print(f"  {corpus}: {c}")
    return 0


def main(argv: list[str] | None = None, *, retriever: HybridRetriever | None = None,
         baseline_embedder: Embedder | None = None) -> int:
    """Entry point; returns the exit code (2 on a bad set, missing file or unusable index).

    ``retriever`` and ``baseline_embedder`` may be injected (tests); by default they are loaded from --index.
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "retrieval":
            return cmd_retrieval(args, retriever, baseline_embedder)
        if args.command == "calibrate":
            return cmd_calibrate(args)
        return cmd_answers(args)
    except (DatasetError, EvalError, IndexStoreError, EmbedderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
