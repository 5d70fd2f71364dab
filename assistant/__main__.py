"""Command line: ``python -m assistant ask "问题"`` and ``python -m assistant batch FILE --out OUT.jsonl``."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from pathlib import Path

from assistant.batch import answer_file, check_paths
from assistant.calibrate import CALIBRATION_NAME, collect, fit_rows, load_rows, save_rows
from assistant.export import FORMATS
from assistant.factory import build_assistant
from errors import RagError
from retriever.filters import DocFilter
from settings import BACKENDS, DEFAULT_INDEX, load_config


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assistant",
                                description="Answer questions from the indexed documents with a local LLM; "
                                            "every sentence cites its paragraph, or the answer is a refusal.")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", default=str(DEFAULT_INDEX), help="index folder (default: %(default)s)")
    common.add_argument("--backend", choices=BACKENDS, help="LLM backend (default: llama)")
    common.add_argument("--config", help="TOML settings file")
    common.add_argument("--max-tokens", type=int, help="answer length limit in tokens")
    common.add_argument("--quiet", action="store_true", help="no progress bar")
    common.add_argument("--doc", action="append", default=[], metavar="TEXT",
                        help="only documents whose ID or title contains TEXT (repeat for alternatives)")
    common.add_argument("--where", action="append", default=[], metavar="FIELD=VALUE",
                        help="only documents whose metadata FIELD contains VALUE, e.g. region=上海, kind=地方性法规 "
                             "(fields: title issuer number issued effective amended published printed region kind)")
    common.add_argument("--after", default="", metavar="DATE", help="only documents dated on or after DATE (YYYY[-MM[-DD]])")
    common.add_argument("--before", default="", metavar="DATE", help="only documents dated on or before DATE")
    a = sub.add_parser("ask", parents=[common], help="answer one question, streaming")
    a.add_argument("question")
    a.add_argument("-k", type=int, help="use at most k retrieved chunks")
    b = sub.add_parser("batch", parents=[common], help="answer a question file (.txt/.jsonl/.csv) into JSONL")
    b.add_argument("file")
    b.add_argument("--out", required=True, help="output JSONL; ids already in it are skipped (resume)")
    b.add_argument("--format", choices=FORMATS,
                   help="also write the answers next to OUT: a .csv table, or a memo (.md with footnotes, .docx with "
                        "an 引用 section) quoting each cited paragraph with its document title, label and page")
    b.add_argument("--answer-all", action="store_true",
                   help="calibration runs: generate even where the answerability check would refuse")
    b.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS|auto|local",
                   help="answer on Ray workers, each loading the model once: local (this machine; the default when "
                        "the flag is given alone), auto (the cluster this machine joined with `ray start`) or "
                        "HOST:PORT; the answers are written here, in input order")
    b.add_argument("--workers", type=int, help="with --ray: answer workers (default: one per 2 CPUs of the cluster)")
    c = sub.add_parser("calibrate", parents=[common],
                       help="fit the answerability gate on labelled questions of one or more indexed corpora")
    c.add_argument("--set", action="append", default=[], metavar="INDEX=QUESTIONS",
                   help="an index folder and its labelled question set (eval JSONL); repeat for more corpora")
    c.add_argument("--signals", help="JSONL of recorded gate signals: written after collecting; "
                                     "given alone (no --set), refit from it without the model")
    c.add_argument("--out", help=f"calibration file (default: {CALIBRATION_NAME} in the first --set's index folder, "
                                 "which that index then uses)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    cfg = load_config(getattr(args, "config", None))
    if getattr(args, "max_tokens", None):
        cfg = replace(cfg, llm=replace(cfg.llm, max_tokens=args.max_tokens))
    if args.command == "calibrate":
        return _calibrate(args, cfg)
    try:
        where = DocFilter.parse(args.doc, args.where, args.after, args.before)
        if where and getattr(args, "ray", None) is not None:
            raise RagError("--doc/--where/--after/--before are not supported with --ray (use a \"filter\" per question)")
        if args.command == "batch":  # refuse an --out/--format that would overwrite the input before loading
            check_paths(args.file, args.out, args.format)
            if args.workers and args.ray is None:
                raise RagError("--workers goes with --ray")
            if args.ray is not None:  # the model is loaded by the Ray workers, not here
                from assistant.ray_batch import AssistantSpec, answer_file_on_ray  # imports ray

                spec = AssistantSpec.of(args.index, args.backend, cfg, args.answer_all)
                return _batch_done(answer_file_on_ray(spec, args.file, args.out, args.format,
                                                      show_progress=not args.quiet, address=args.ray,
                                                      workers=args.workers))
        assistant = build_assistant(args.index, args.backend, cfg)
        if args.command == "ask":
            answer, shown = None, ""
            for event in assistant.stream(args.question, k=args.k, where=where or None):
                if event.kind == "checked":  # only sentences that passed the checks are printed, as they complete
                    print(event.text[len(shown):] if event.text.startswith(shown) else f"\n{event.text}",
                          end="", flush=True)
                    shown = event.text
                elif event.kind == "status":
                    print(f"\n（{event.text}）", flush=True)
                elif event.kind == "answer":
                    answer = event.answer
            if answer.refused and not shown:
                print(answer.answer, end="")
            print()
            if answer.refused:
                print("\n最相关的段落：")
                for h in answer.contexts[:3]:
                    print(f"- {h.chunk.label}\n  {h.chunk.text[:200]}")
            else:
                print(f"\n最终回答：{answer.answer}\n\n引用：")
                for c in answer.citations:
                    print(f"[{c.n}] {c.label}\n    {c.text}")
            t = answer.timings
            print(f"\n(retrieve {t['retrieve_ms']:.0f} ms, first token {t['ttft_ms']:.0f} ms, "
                  f"total {t['total_ms']:.0f} ms, {t['gen_tokens']} tokens)")
            return 0
        assistant.answer_all = args.answer_all
        return _batch_done(answer_file(assistant, args.file, args.out, args.format, show_progress=not args.quiet,
                                       where=where or None))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def _batch_done(report) -> int:
    for e in report.errors:
        print(e, file=sys.stderr)
    print(f"{report.answered} answered, {report.skipped_existing} already in {report.out}, "
          f"{len(report.errors)} problems")
    return 0


def _calibrate(args, cfg) -> int:
    """The calibrate command: collect gate signals per --set (or read --signals), fit, save, report."""
    from eval.dataset import load_dataset

    try:
        sets = [s.split("=", 1) for s in args.set]
        if any(len(s) != 2 for s in sets):
            raise RagError("--set takes INDEX=QUESTIONS")
        if sets:
            rows = []
            assistant = None
            for index_dir, questions in sets:
                items = load_dataset(questions)
                if assistant is None:
                    assistant = build_assistant(index_dir, args.backend, cfg)
                else:
                    assistant = assistant.with_index(index_dir)
                rows += collect(assistant, items, Path(index_dir).name, show_progress=not args.quiet)
            if args.signals:
                save_rows(rows, Path(args.signals))
        elif args.signals:
            rows = load_rows(Path(args.signals))
        else:
            raise RagError("give --set INDEX=QUESTIONS (one or more) or --signals FILE")
        cal, counts = fit_rows(rows)
        out = Path(args.out) if args.out else Path(sets[0][0] if sets else args.index) / CALIBRATION_NAME
        cal.save(out)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"saved {out}: weights {[round(w, 3) for w in cal.weights]}, bias {cal.bias:.3f}, "
          f"threshold {cal.threshold:.3f}")
    for corpus, c in counts.items():
        print(f"  {corpus}: {c}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
