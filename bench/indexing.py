"""Indexing benchmark: cold build throughput vs the raw embedder, warm rebuild from the embedding cache."""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench import parsing
from bench.common import PeakRSS, loadavg, verdict
from bench.corpus import WORKDIR
from settings import DEFAULT_CORPUS, PROJECT_ROOT, Config, load_config

QUICK_FRACTION = 0.25  # --quick indexes the first quarter of the report


def quick_corpus(workdir: Path, fraction: float = QUICK_FRACTION) -> Path:
    """A corpus folder with the first `fraction` of the report, cut at a blank line."""
    src = next(DEFAULT_CORPUS.glob("*.txt"))
    text = src.read_text(encoding="utf-8")
    cut = text.find("\n\n", int(len(text) * fraction))
    folder = workdir / "quick-corpus"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / src.name).write_text(text[: cut if cut > 0 else len(text)] + "\n", encoding="utf-8")
    return folder


def chunk_texts(corpus: Path, cfg: Config) -> tuple[list[str], float]:
    """The embed texts a build of corpus produces, and the parse + chunk time."""
    from index.chunking import chunk_paragraphs
    from index.documents import doc_id_for
    from index.loaders import corpus_files, load_document

    t = time.perf_counter()
    texts = []
    for path in corpus_files(corpus):
        doc = load_document(path, doc_id_for(path.name))
        texts += [c.embed_text for c in chunk_paragraphs(doc.paragraphs, cfg.chunking)]
    return texts, time.perf_counter() - t


def raw_embed(embedder, texts: list[str], batch_size: int) -> float:
    """Seconds for embed_passages over texts in batches (what the build's embedding step does, minus the cache)."""
    t = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        embedder.embed_passages(texts[i:i + batch_size])
    return time.perf_counter() - t


def overheads(corpus: Path, cfg: Config, texts: list[str], dim: int, workdir: Path) -> dict:
    """Build steps other than the embedder, timed one by one (seconds)."""
    from index.chunking import chunk_paragraphs
    from index.documents import doc_id_for
    from index.embedders import EmbeddingCache, normalize
    from index.lexical import BM25Index
    from index.loaders import corpus_files, load_document
    from index.store import build_faiss, write_index

    class Instant:  # an embedder that costs nothing: what is left is hashing + SQLite
        name, spec = "bench-instant", "bench"

        def __init__(self):
            self.dim = dim

        def embed_passages(self, batch):
            return normalize(np.ones((len(batch), dim), dtype=np.float32))

    out = {}
    t = time.perf_counter()
    docs = [load_document(p, doc_id_for(p.name)) for p in corpus_files(corpus)]
    chunks = [c for d in docs for c in chunk_paragraphs(d.paragraphs, cfg.chunking)]
    out["parse_chunk_s"] = time.perf_counter() - t
    tmp = workdir / "overhead-index"
    shutil.rmtree(tmp, ignore_errors=True)
    cache = EmbeddingCache(tmp / "embeddings.sqlite")
    t = time.perf_counter()
    vectors, _ = cache.embed(Instant(), texts, cfg.index.batch_size)
    out["cache_s"] = time.perf_counter() - t
    cache.close()
    t = time.perf_counter()
    faiss_index = build_faiss(vectors, cfg.index.hnsw_threshold, cfg.index.hnsw_m, cfg.index.hnsw_ef_search)
    out["faiss_s"] = time.perf_counter() - t
    t = time.perf_counter()
    bm25 = BM25Index.build(texts)
    out["bm25_s"] = time.perf_counter() - t
    t = time.perf_counter()
    write_index(tmp, {"counts": {"chunks": len(chunks)}}, [p for d in docs for p in d.paragraphs], chunks, vectors,
                faiss_index, bm25)
    out["write_s"] = time.perf_counter() - t
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def run(quick: bool = False, rounds: int | None = None, cli: bool | None = None) -> dict:
    """Cold builds and raw embedder passes interleaved, then warm rebuilds."""
    from index.builder import build_index
    from index.embedders import make_embedder

    cfg = load_config()
    rounds = rounds or (1 if quick else 3)
    cli = (not quick) if cli is None else cli
    WORKDIR.mkdir(parents=True, exist_ok=True)
    corpus = quick_corpus(WORKDIR) if quick else DEFAULT_CORPUS
    index_dir = WORKDIR / "indexing-index"
    shutil.rmtree(index_dir, ignore_errors=True)

    texts, _ = chunk_texts(corpus, cfg)
    t = time.perf_counter()
    embedder = make_embedder(cfg.index.embedder, cfg.index.threads)
    embedder.embed_passages(texts[:2])  # models may load lazily: the first call is part of loading
    load_s = time.perf_counter() - t
    import jieba

    jieba.setLogLevel(60)
    t = time.perf_counter()
    jieba.lcut("预热分词词典")
    jieba_s = time.perf_counter() - t
    n = len(texts)
    print(f"indexing: {n} chunks, {rounds} round(s), embedder {embedder.name}", file=sys.stderr, flush=True)

    cold, raw, ratios, embedded, peaks = [], [], [], [], []
    for r in range(rounds):
        for what in (("cold", "raw") if r % 2 == 0 else ("raw", "cold")):
            if what == "cold":
                with PeakRSS() as mem:
                    rep = build_index(corpus, index_dir, cfg, rebuild=True, embedder=embedder, show_progress=False)
                cold.append(rep.seconds)
                embedded.append(rep.embedded)
                peaks.append(mem.peak)
            else:
                raw.append(raw_embed(embedder, texts, cfg.index.batch_size))
        ratios.append(raw[-1] / cold[-1])  # throughput ratio cold/raw = raw seconds / cold seconds
        print(f"  round {r + 1}: cold build {cold[-1]:.1f} s, raw embedder {raw[-1]:.1f} s, "
              f"ratio {ratios[-1]:.3f}", file=sys.stderr, flush=True)
    warm = []
    for _ in range(rounds):
        rep = build_index(corpus, index_dir, cfg, rebuild=False, embedder=embedder, show_progress=False)
        warm.append(rep.seconds)
        assert rep.embedded == 0, "warm rebuild re-embedded chunks"
    ov = overheads(corpus, cfg, texts, embedder.dim, WORKDIR)
    cli_s = None
    if cli:
        cli_index = WORKDIR / "indexing-cli-index"
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "index", "build", "--rebuild", "--corpus", str(corpus),
                               "--index", str(cli_index)], cwd=PROJECT_ROOT, capture_output=True, text=True)
        cli_s = time.perf_counter() - t if proc.returncode == 0 else None
        shutil.rmtree(cli_index, ignore_errors=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    result = report(n, cold, raw, ratios, warm, embedded, peaks, ov, load_s, jieba_s, cli_s, quick, embedder.name, cfg)
    parse = parsing.parse_rows(parsing.documents(), rounds)
    result["tables"].append({"caption": f"Parse only, per format (load_document; median of {rounds}; the PDF "
                                        "readers are compared by `python -m bench parsing`)",
                             "headers": ["file", "format", "pages", "paragraphs", "seconds", "pages/s"], "rows": parse})
    result["raw"]["parse"] = parse
    return result


def report(n, cold, raw, ratios, warm, embedded, peaks, ov, load_s, jieba_s, cli_s, quick, name, cfg) -> dict:
    med = statistics.median
    rows = [[f"round {i + 1}", n, c, n / c, r, n / r, x] for i, (c, r, x) in enumerate(zip(cold, raw, ratios))]
    rows.append(["median", n, med(cold), n / med(cold), med(raw), n / med(raw), med(ratios)])
    warm_rows = [[f"warm rebuild {i + 1}", n, w, n / w] for i, w in enumerate(warm)]
    other = sum(ov.values())
    ov_rows = [["parse + chunk", ov["parse_chunk_s"]], ["cache (sha256 keys + SQLite, instant embedder)", ov["cache_s"]],
               ["FAISS build", ov["faiss_s"]], ["BM25 build (jieba + bigrams, bm25s)", ov["bm25_s"]],
               ["write_index (JSONL, npy, checksums, fsync)", ov["write_s"]], ["sum of non-embedding steps", other],
               ["embedder load + first call (excluded above)", load_s], ["jieba dictionary load (excluded above)", jieba_s]]
    if cli_s is not None:
        ov_rows.append(["`python -m index build --rebuild` wall time (new process: imports, model load, build)",
                        cli_s])
    tables = [
        {"caption": f"Cold build (build_index(rebuild=True): parse, chunk, embed {name} in batches of "
                    f"{cfg.index.batch_size} through the cache, FAISS, BM25, write) vs the raw embedder "
                    "(embed_passages on the same embed texts, same batch size), interleaved; "
                    "embedder loaded once beforehand",
         "headers": ["", "chunks", "cold build s", "cold chunks/s", "raw embed s", "raw chunks/s",
                     "cold/raw throughput"],
         "rows": rows},
        {"caption": "Warm rebuild (build_index without --rebuild, nothing changed: every vector from embeddings.sqlite)",
         "headers": ["", "chunks", "seconds", "chunks/s"], "rows": warm_rows},
        {"caption": "Non-embedding build steps, timed separately (s)", "headers": ["step", "seconds"], "rows": ov_rows},
    ]
    r = med(ratios)
    why = (f"cold build = embedding + {other:.2f} s of other steps (largest: "
           f"{max(('parse + chunk', ov['parse_chunk_s']), ('BM25', ov['bm25_s']), ('write', ov['write_s']), ('cache', ov['cache_s']), key=lambda t: t[1])[0]}); "
           f"per-round ratios {', '.join(f'{x:.3f}' for x in ratios)}")
    notes = [f"{n} chunks ({'first quarter of the report, --quick' if quick else 'the whole report'}); "
             f"every cold build embedded {', '.join(map(str, embedded))} chunks; peak RSS growth per cold build "
             f"{', '.join(f'{p:.0f}' for p in peaks)} MB."]
    return {"part": "indexing", "title": "2. Indexing: cold build vs raw embedder, warm rebuild",
            "tables": tables, "notes": notes,
            "targets": [{"name": "cold indexing ≥ 0.9× raw embedder throughput",
                         **verdict(r >= 0.9, f"median {r:.3f}× ({n / med(cold):.2f} vs {n / med(raw):.2f} chunks/s); "
                                             + why)}],
            "raw": {"cold": cold, "raw": raw, "ratios": ratios, "warm": warm, "overheads": ov, "load_s": load_s,
                    "jieba_s": jieba_s, "cli_s": cli_s, "loadavg": loadavg(), "ratio_fn": "raw_s / cold_s"}}

