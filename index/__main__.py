"""Command line: ``python -m index build|add|remove|status``."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from errors import RagError
from index.builder import add_document, build_index, previous_manifest, remove_document
from index.furniture import DROP_REASONS

METADATA_LABELS = {"kind": "类别", "issuer": "发文机关", "number": "文号", "issued": "发布/通过", "effective": "施行",
                   "amended": "修正", "published": "网页发布", "printed": "打印", "region": "地区"}
from index.store import embedder_spec, staleness
from settings import DEFAULT_CORPUS, DEFAULT_INDEX, load_config


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m index", description=__doc__ + (
        "\n\nBuilds a hybrid-search index (structured paragraphs, chunks, embeddings, FAISS) "
        "for a folder of .txt/.md/.pdf/.docx documents."), formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", default=str(DEFAULT_INDEX), help="index folder (default: %(default)s)")
    common.add_argument("--config", help="TOML settings file (default: rag.toml in the project, if present)")
    writer = argparse.ArgumentParser(add_help=False)
    writer.add_argument("--no-wait", action="store_true",
                        help="fail at once if another process is updating this index (default: wait for it)")
    b = sub.add_parser("build", parents=[common, writer], help="build or update the index for a corpus folder")
    b.add_argument("--corpus", help="corpus folder (default: the folders the index was built from, for an index "
                                    "that exists; else the bundled report)")
    b.add_argument("--rebuild", action="store_true",
                   help="re-read every document and re-embed every chunk (fresh embedding cache); the live index "
                        "stays in use until the new one replaces it; also repairs a damaged index")
    b.add_argument("--embedder", help="e5 (default), use, or st:<local sentence-transformers folder>")
    b.add_argument("--threads", type=int, help="embedder threads")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS|auto|local",
                   help="embed on Ray workers: local (a Ray instance on this machine, the default when the flag is "
                        "given alone), auto (the cluster this machine joined with `ray start`) or HOST:PORT; "
                        "reading, chunking and writing stay here")
    b.add_argument("--workers", type=int, help="with --ray: embedding workers (default: one per CPU of the cluster)")
    a = sub.add_parser("add", parents=[common, writer], help="add or update one document file")
    a.add_argument("file")
    r = sub.add_parser("remove", parents=[common, writer], help="remove one document by its ID (see status)")
    r.add_argument("doc_id")
    sub.add_parser("status", parents=[common], help="list indexed documents and whether the index is fresh")
    return p


def _own_corpus(index_dir: str) -> str:
    """The first corpus folder an existing index was built from (updating it must not add the bundled report to
    it), else the bundled report."""
    folders = (previous_manifest(index_dir) or {}).get("corpus_dirs", [])
    return folders[0] if folders else str(DEFAULT_CORPUS)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    cfg = load_config(args.config)
    if getattr(args, "embedder", None) or getattr(args, "threads", None):
        cfg = replace(cfg, index=replace(cfg.index, embedder=args.embedder or cfg.index.embedder,
                                         threads=args.threads or cfg.index.threads))
    if getattr(args, "workers", None) and args.ray is None:
        print("error: --workers goes with --ray", file=sys.stderr)
        return 2
    try:
        if args.command == "build" and args.corpus is None:
            args.corpus = _own_corpus(args.index)
        if args.command == "build" and args.ray is not None:
            from index.ray_embed import EmbedderSpec, RayEmbedder  # imports ray

            with RayEmbedder(EmbedderSpec(cfg.index.embedder, args.threads or 1), args.ray, args.workers) as embedder:
                report = build_index(args.corpus, args.index, cfg, rebuild=args.rebuild, embedder=embedder,
                                     show_progress=not args.quiet, wait=not args.no_wait)
                print(report.summary() + f"\nembedded on Ray: {embedder.workers} worker(s) on "
                      f"{embedder.ray_info['nodes']} node(s), {embedder.sent} chunks sent to them")
        elif args.command == "build":
            report = build_index(args.corpus, args.index, cfg, rebuild=args.rebuild, show_progress=not args.quiet,
                                 wait=not args.no_wait)
            print(report.summary())
        elif args.command in ("add", "remove"):  # keep the embedder the index was built with
            manifest = previous_manifest(args.index) or {}
            cfg = replace(cfg, index=replace(cfg.index, embedder=embedder_spec(manifest, cfg.index.embedder)))
            if args.command == "add":
                print(add_document(args.file, args.index, cfg, wait=not args.no_wait).summary())
            else:
                print(remove_document(args.doc_id, args.index, cfg, wait=not args.no_wait).summary())
        else:
            manifest = previous_manifest(args.index)
            if manifest is None:
                print(f"no index in {args.index}")
                return 1
            for doc_id, info in manifest["documents"].items():
                print(f"{doc_id}\t{info['paragraphs']} paragraphs\t{info['chunks']} chunks\t{info['path']}")
                print(f"  title: {info.get('title', '')}" + (f"; {info['pages']} pages" if info.get("pages") else "")
                      + "; left out: " + (", ".join(f"{DROP_REASONS.get(k, k)} {n}" for k, n in
                                                    sorted(info.get("dropped", {}).items())) or "nothing"))
                meta = info.get("meta", {})
                shown = [f"{METADATA_LABELS[k]} {meta[k]}" for k in METADATA_LABELS if meta.get(k)]
                if shown:
                    print("  " + "; ".join(shown))
                if info.get("ocr_pages"):
                    print(f"  pages without a text layer, read by OCR: {', '.join(map(str, info['ocr_pages']))}")
                if info.get("scanned_pages"):
                    print(f"  pages without a text layer, not read: {', '.join(map(str, info['scanned_pages']))}"
                          + (f" ({info['scan_note']})" if info.get("scan_note") else ""))
            for path, info in sorted(manifest.get("skipped", {}).items()):
                print(f"skipped (not indexed)\t{path}\t{info.get('reason', '')}")
            ray = manifest.get("built_on", {}).get("ray")
            print(f"embedder {manifest['embedder']['name']}, {manifest['index_type']} index, built {manifest['built_at']}"
                  + (f" (embedded on Ray: {ray['workers']} worker(s), {ray['nodes']} node(s))" if ray else ""))
            problems = staleness(manifest, cfg.chunking)
            print("stale:\n  " + "\n  ".join(problems) if problems else "fresh")
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # disk full, permission denied… while reading or writing files
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
