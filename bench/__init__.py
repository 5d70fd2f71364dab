"""Benchmarks (not part of the test suite): retrieval vs LangChain, indexing throughput, answering latency.

Run ``python -m bench all [--quick]``; results go to ``bench/results.md`` (per-part JSON in ``bench/out/``).
"""
