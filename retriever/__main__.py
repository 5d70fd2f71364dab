"""Command line: ``python -m retriever search "问题"`` or ``--questions FILE --out OUT.jsonl``."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from errors import RagError
from retriever.hybrid import MODES, Hit, HybridRetriever
from retriever.locations import chunk_location
from questions import check_question, read_questions
from settings import DEFAULT_INDEX, load_config


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m retriever", description="Search an index (dense + BM25 hybrid).")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("search", help="search one question, or a question file with --questions/--out",
                       description="Search one question (printed) or a question file (.txt one per line, "
                                   ".jsonl with id/question, .csv with id,question header) into a JSONL file.")
    s.add_argument("question", nargs="?", help="the question (omit with --questions)")
    s.add_argument("--index", default=str(DEFAULT_INDEX), help="index folder (default: %(default)s)")
    s.add_argument("-k", type=int, default=None, help="hits per question (default 5; 10 with --questions)")
    s.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval signal(s) (default: hybrid)")
    s.add_argument("--case", help="only chunks whose case/document title contains this text")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.add_argument("--questions", help="question file (.txt/.jsonl/.csv)")
    s.add_argument("--out", help="output JSONL (with --questions)")
    s.add_argument("--config", help="TOML settings file")
    return p


def located(hit: Hit, retriever: HybridRetriever) -> dict:
    """A hit's JSON form with the pages and boxes of its paragraphs (see retriever.locations)."""
    return {**hit.to_dict(), **chunk_location(hit.chunk.paragraph_ids, retriever.paragraphs)}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if bool(args.question) == bool(args.questions):
        parser.error("give either a question or --questions FILE")
    if args.questions and not args.out:
        parser.error("--questions needs --out OUT.jsonl")
    if args.questions and Path(args.out).resolve() == Path(args.questions).resolve():
        parser.error("--out must not be the question file itself")
    cfg = load_config(args.config)
    try:
        retriever = HybridRetriever.from_index_dir(args.index, cfg.retrieval, threads=cfg.index.threads)
        if args.question:
            started = time.perf_counter()
            hits = retriever.run(check_question(args.question), k=args.k or 5, mode=args.mode, case=args.case)
            ms = (time.perf_counter() - started) * 1000
            if args.json:
                print(json.dumps({"question": args.question, "hits": [located(h, retriever) for h in hits]},
                                 ensure_ascii=False, indent=2))
            else:
                for h in hits:
                    ranks = " ".join(f"{k}#{v}" for k, v in h.ranks.items())
                    print(f"[{h.rank}] {h.score:.4f} ({ranks}) {h.chunk.label}\n    {h.chunk.text[:160]}")
                print(f"({len(hits)} hits, {ms:.0f} ms)")
            return 0
        questions, errors = read_questions(args.questions)
        for e in errors:
            print(f"skipped {e}", file=sys.stderr)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for q in tqdm(questions, desc="searching", unit="q", file=sys.stderr):
                hits = retriever.run(q.question, k=args.k or 10, mode=args.mode, case=args.case)
                f.write(json.dumps({"id": q.id, "question": q.question,
                                    "hits": [{k: v for k, v in located(h, retriever).items()
                                              if k not in ("ranks", "signal_scores")} for h in hits]},
                                   ensure_ascii=False) + "\n")
        tmp.replace(out)
        print(f"{len(questions)} questions searched, {len(errors)} skipped → {out}")
        return 0
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
