"""Command line: ``python -m assistant ask "问题"`` and ``python -m assistant batch FILE --out OUT.jsonl``."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from pathlib import Path

from assistant.answerability import CALIBRATION_FILE
from assistant.batch import FORMATS, answer_file
from assistant.calibrate import calibrate
from assistant.factory import build_assistant
from assistant.model_files import ModelError
from index.embedders import EmbedderError
from index.store import IndexStoreError
from retriever.questions import QuestionFileError
from settings import DEFAULT_INDEX, load_config


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assistant",
                                description="Answer questions from the indexed documents with a local LLM; "
                                            "every sentence cites its paragraph, or the answer is a refusal.")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", default=str(DEFAULT_INDEX), help="index folder (default: %(default)s)")
    common.add_argument("--backend", choices=("llama", "transformers"), help="LLM backend (default: llama)")
    common.add_argument("--config", help="TOML settings file")
    common.add_argument("--max-tokens", type=int, help="answer length limit in tokens")
    common.add_argument("--quiet", action="store_true", help="no progress bar")
    a = sub.add_parser("ask", parents=[common], help="answer one question, streaming")
    a.add_argument("question")
    a.add_argument("-k", type=int, help="use at most k retrieved chunks")
    b = sub.add_parser("batch", parents=[common], help="answer a question file (.txt/.jsonl/.csv) into JSONL")
    b.add_argument("file")
    b.add_argument("--out", required=True, help="output JSONL; ids already in it are skipped (resume)")
    b.add_argument("--format", choices=FORMATS, help="also write a readable .csv or .md table")
    b.add_argument("--answer-all", action="store_true",
                   help="calibration runs: generate even where the answerability check would refuse")
    c = sub.add_parser("calibrate", help="fit the answerability gate from a `batch --answer-all` output")
    c.add_argument("--answers", required=True, help="answers JSONL with recorded features")
    c.add_argument("--questions", required=True, help="the labelled eval set (JSONL with id and type)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    cfg = load_config(getattr(args, "config", None))
    if getattr(args, "max_tokens", None):
        cfg = replace(cfg, llm=replace(cfg.llm, max_tokens=args.max_tokens))
    if args.command == "calibrate":
        try:
            cal, counts = calibrate(Path(args.answers), Path(args.questions))
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"saved {CALIBRATION_FILE}: weights {[round(w, 3) for w in cal.weights]}, bias {cal.bias:.3f}, "
              f"threshold {cal.threshold:.3f}\n{counts}")
        return 0
    try:
        assistant = build_assistant(args.index, args.backend, cfg)
        if args.command == "ask":
            answer = None
            for event in assistant.stream(args.question, k=args.k):
                if event.kind == "token":
                    print(event.text, end="", flush=True)
                elif event.kind == "status":
                    print(f"\n（{event.text}）", flush=True)
                else:
                    answer = event.answer
            print()
            if answer.refused:
                print("\n最相关的段落：")
                for h in answer.contexts[:3]:
                    print(f"- {h.chunk.label}\n  {h.chunk.text[:200]}")
            else:
                print(f"\n最终回答：{answer.answer}\n\n引用：")
                for c in answer.citations:
                    print(f"[{c.n}] {c.label}\n    {c.text}")
                for s in answer.unsupported_sentences:
                    print(f"⚠ 未被引用段落支持：{s}")
            t = answer.timings
            print(f"\n(retrieve {t['retrieve_ms']:.0f} ms, first token {t['ttft_ms']:.0f} ms, "
                  f"total {t['total_ms']:.0f} ms, {t['gen_tokens']} tokens)")
            return 0
        assistant.answer_all = args.answer_all
        report = answer_file(assistant, args.file, args.out, args.format, show_progress=not args.quiet)
        for e in report.errors:
            print(e, file=sys.stderr)
        print(f"{report.answered} answered, {report.skipped_existing} already in {report.out}, "
              f"{len(report.errors)} problems")
        return 0
    except (IndexStoreError, EmbedderError, ModelError, QuestionFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
