"""Hybrid (dense + BM25) retrieval over an index built by ``python -m index build``."""
