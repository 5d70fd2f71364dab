"""Command line: ``python -m assistant ask "问题"`` and ``python -m assistant batch FILE --out OUT.jsonl``."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from assistant.batch.answers import check_paths
from assistant.batch.export import FORMATS
from assistant.batch.run import run_batch
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
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    cfg = load_config(getattr(args, "config", None))
    if getattr(args, "max_tokens", None):
        cfg = replace(cfg, llm=replace(cfg.llm, max_tokens=args.max_tokens))
    try:
        where = DocFilter.parse(args.doc, args.where, args.after, args.before)
        if where and getattr(args, "ray", None) is not None:
            raise RagError("--doc/--where/--after/--before are not supported with --ray (use a \"filter\" per question)")
        if args.command == "batch":  # refuse an --out/--format that would overwrite the input before loading
            check_paths(args.file, args.out, args.format)
            if args.workers and args.ray is None:
                raise RagError("--workers goes with --ray")
            return _batch_done(run_batch(args.file, args.out, args.index, cfg, args.backend, args.format,
                                         ray=args.ray, workers=args.workers, answer_all=args.answer_all,
                                         where=where or None, show_progress=not args.quiet))
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
            # an overview or a document's particular is answered without retrieval: no retrieve time to show
            retrieve = f"retrieve {t['retrieve_ms']:.0f} ms, " if "retrieve_ms" in t else ""
            print(f"\n({retrieve}first token {t['ttft_ms']:.0f} ms, total {t['total_ms']:.0f} ms, "
                  f"{t['gen_tokens']} tokens)")
            return 0
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def _batch_done(report) -> int:
    for e in report.errors:
        print(e, file=sys.stderr)
    print(f"{report.answered} answered, {report.skipped_existing} already in {report.out}, "
          f"{len(report.errors)} problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
