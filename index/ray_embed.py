"""The embedding stage of an index build spread over Ray workers (``python -m index build --ray``).

Only the embedding moves: the driver still reads and chunks the documents, looks every chunk up
in the content-hash embedding cache, and writes the new version under the index lock with the
atomic switch. :class:`RayEmbedder` is an :class:`index.embedders.Embedder` whose
``embed_batches`` hands the uncached batches to a pool of actors, each holding one embedder
built once from a picklable *factory* (``EmbedderSpec("e5", threads=1)`` on the command line; a
test passes one that builds its fake embedder). Batches come back in any order and are stored in
the cache as they arrive, keyed by content, so the result is the same as a single-process build
and a build that fails or is killed midway keeps what was embedded for the next run.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from index.embedders import EmbedderError, make_embedder, normalize
from ray_cluster import (RayJobError, as_completed, cause, cluster_cpus, connect, describe, note, start_actors,
                         stop_actors)

CPUS_PER_WORKER = 1


@dataclass(frozen=True)
class EmbedderSpec:
    """A picklable factory: the embedder named by its spec ('e5', 'use', 'st:<folder>'), built in the worker."""

    spec: str
    threads: int = 1

    def __call__(self):
        return make_embedder(self.spec, self.threads)


class EmbedWorker:
    """One Ray actor: builds its embedder once, then embeds batches of passages."""

    def __init__(self, factory: Callable):
        self.embedder = factory()

    def ready(self) -> dict:
        e = self.embedder
        return {"spec": e.spec, "name": e.name, "dim": int(e.dim)}

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.embedder.embed_passages(texts), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self.embedder.embed_query(text), dtype=np.float32)


class RayEmbedder:
    """An embedder whose work runs on a pool of Ray actors; use it as a context manager (or call close)."""

    def __init__(self, factory: Callable, address: str = "local", workers: int | None = None,
                 per_worker: int = 2):
        self._ray = connect(address)
        n = workers or max(1, cluster_cpus(self._ray) // CPUS_PER_WORKER)
        note(f"embedding on Ray: starting {n} worker(s) …")
        self._actors = start_actors(self._ray, EmbedWorker, (factory,), n, CPUS_PER_WORKER, "embedding workers")
        info = self._ray.get(self._actors[0].ready.remote())
        self.spec, self.name, self.dim = info["spec"], info["name"], info["dim"]
        self.per_worker = per_worker
        self.sent = 0  # passages sent to the workers (the cached ones never are)
        self.seconds = 0.0  # wall time from handing out the first batch to receiving the last
        self.ray_info = {**describe(self._ray), "address": address, "workers": n}

    @property
    def workers(self) -> int:
        return len(self._actors)

    def embed_batches(self, batches: Sequence[list[str]]) -> Iterator[tuple[int, np.ndarray]]:
        """(batch number, vectors) for every batch, in the order they finish."""
        self.sent += sum(len(b) for b in batches)
        started = time.perf_counter()
        try:
            for n, result in as_completed(self._ray, self._actors, lambda a, texts: a.embed.remote(texts), batches,
                                          self.per_worker):
                if isinstance(result, BaseException):
                    raise RayJobError(f"embedding failed on a Ray worker: {cause(result)}; nothing was changed, and "
                                      "the batches embedded so far are in the cache for the next run") from result
                yield n, result
        finally:
            self.seconds += time.perf_counter() - started

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages (spread over the workers, in batches of 32)."""
        batches = [list(texts[i:i + 32]) for i in range(0, len(texts), 32)]
        out: list = [None] * len(batches)
        for n, vecs in self.embed_batches(batches):
            out[n] = vecs
        return normalize(np.concatenate(out)) if out else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed a query on one worker."""
        try:
            return self._ray.get(self._actors[0].query.remote(text))
        except self._ray.exceptions.RayError as exc:
            raise EmbedderError(f"query embedding failed on a Ray worker: {exc}") from exc

    def close(self) -> None:
        """Stop the workers."""
        stop_actors(self._ray, self._actors)
        self._actors = []

    def __enter__(self) -> "RayEmbedder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
