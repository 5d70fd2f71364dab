"""python -m bench {all,retrieval,indexing,answering,scaling} [--quick] — prints tables, writes bench/results.md."""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from settings import apply_process_env  # noqa: E402

apply_process_env()

PROJECT = Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = p.add_subparsers(dest="part", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quick", action="store_true", help="a short run (< 3 min for all parts)")
    common.add_argument("--no-render", action="store_true", help=argparse.SUPPRESS)
    sub.add_parser("all", parents=[common], help="retrieval, indexing, answering and scaling, each in its own process")
    r = sub.add_parser("retrieval", parents=[common], help="HybridRetriever vs LangChain ensemble, real + synthetic scales")
    r.add_argument("--scales", help="comma list of 'real' and multipliers, e.g. real,10,100,1000,1900")
    r.add_argument("--lc-max-chunks", type=int, help="largest corpus the LangChain ensemble is built for")
    r.add_argument("--budget-min", type=float, help="time budget; later scales are skipped when they would exceed it")
    i = sub.add_parser("indexing", parents=[common], help="cold build vs raw embedder, warm rebuild")
    i.add_argument("--rounds", type=int)
    pa = sub.add_parser("parsing", parents=[common], help="parse-only time per format; PDF readers compared")
    pa.add_argument("--rounds", type=int)
    a = sub.add_parser("answering", parents=[common],
                       help="llama.cpp builds/runtimes (crash-safe children), latency per step, transformers")
    a.add_argument("--per-kind", type=int, help="dev questions of each kind (default 5, quick 1)")
    a.add_argument("--max-tokens", type=int)
    a.add_argument("--native-lib", help="folder holding a native llama_cpp build for configurations (a)/(b) "
                                        "(default ~/.cache/zh-rag/llama-native)")
    a.add_argument("--variants", default="best",
                   help="llama.cpp CPU variants of the shipped build, comma-separated, e.g. haswell,best (default best)")
    a.add_argument("--formats", default="",
                   help="weight formats to measure per variant, e.g. q4_k_m,q4_0,iq4_nl,q8_0 (derived once, cached)")
    a.add_argument("--no-transformers", action="store_true")
    a.add_argument("--transformers", action="store_true", help="include the transformers backend even with --quick")
    s = sub.add_parser("scaling", parents=[common],
                       help="index build and batch answering on a local Ray instance with 1 and 2 workers, cost model")
    s.add_argument("--questions", type=int, help="dev questions answered per setup (default 6, quick 2)")
    s.add_argument("--no-sequential", action="store_true", help="skip the answering baseline without Ray")
    aw = sub.add_parser("answering-worker", help=argparse.SUPPRESS)
    aw.add_argument("spec")
    w = sub.add_parser("retrieval-worker", help=argparse.SUPPRESS)
    w.add_argument("spec")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    from bench import report

    if args.part == "retrieval-worker":
        from bench.retrieval import worker_main

        worker_main(args.spec)
        return 0
    if args.part == "answering-worker":
        import json

        from bench.answering import worker

        print(json.dumps(worker(json.loads(args.spec)), ensure_ascii=False, default=str), flush=True)
        return 0
    env_prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    command = os.environ.get("BENCH_COMMAND") or env_prefix + "python -m bench " + shlex.join(argv)
    if args.part == "all":
        failed = []
        env = {**os.environ, "BENCH_COMMAND": command}
        for part in report.PARTS:
            cmd = [sys.executable, "-m", "bench", part, "--no-render"] + (["--quick"] if args.quick else [])
            print(f"\n### {part}", flush=True)
            if subprocess.run(cmd, cwd=PROJECT, env=env).returncode != 0:
                failed.append(part)
        path = report.render()
        print(f"\nwrote {path}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
        return 1 if failed else 0
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    t0 = time.perf_counter()
    if args.part == "retrieval":
        from bench import retrieval

        scales = [s if s == "real" else int(s) for s in args.scales.split(",")] if args.scales else None
        result = retrieval.run(args.quick, scales, args.lc_max_chunks, args.budget_min * 60 if args.budget_min else None)
    elif args.part == "indexing":
        from bench import indexing

        result = indexing.run(args.quick, args.rounds)
    elif args.part == "parsing":
        from bench import parsing

        result = parsing.run(args.quick, args.rounds)
    elif args.part == "scaling":
        from bench import scaling

        result = scaling.run(args.quick, args.questions, not args.no_sequential)
    else:
        from bench import answering

        tf = False if args.no_transformers else (True if args.transformers else None)
        result = answering.run(args.quick, args.per_kind, args.max_tokens, args.native_lib, tf,
                               tuple(v for v in args.variants.split(",") if v),
                               tuple(f for f in args.formats.split(",") if f))
    report.save_part(result, command, args.quick, time.perf_counter() - t0, started)
    report.print_part(result)
    if not args.no_render:
        print(f"\nwrote {report.render()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
