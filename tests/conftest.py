"""Shared fixtures: a deterministic fake embedder, the bundled report, small built indexes."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from index.builder import build_index  # noqa: E402
from index.embedders import normalize  # noqa: E402
from settings import DEFAULT_CORPUS, Config  # noqa: E402

REPORT = DEFAULT_CORPUS / "service_opening_best_practice_cases.txt"


class FakeEmbedder:
    """Hashes character bigrams into a 64-d bag: similar texts get similar vectors, deterministically."""

    spec = "fake"
    name = "fake-bigram-64"
    dim = 64

    def __init__(self):
        self.calls = 0  # number of passages embedded, to check the cache

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(text) - 1):
            h = int(hashlib.md5(text[i:i + 2].encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        v[0] += 0.01
        return v

    def embed_passages(self, texts):
        self.calls += len(texts)
        return normalize(np.stack([self._vec(t) for t in texts]))

    def embed_query(self, text):
        return normalize(self._vec(text))[0]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    """A private copy of the bundled corpus that a test may change."""
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(REPORT, d / REPORT.name)
    return d


@pytest.fixture
def fake_index(tmp_path, corpus_dir, fake_embedder) -> Path:
    """The report indexed with the fake embedder."""
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir, Config(), embedder=fake_embedder, show_progress=False)
    return index_dir


@pytest.fixture(scope="session")
def e5_index(tmp_path_factory) -> Path:
    """The bundled report indexed with the real default embedder (built once per session)."""
    index_dir = tmp_path_factory.mktemp("e5") / "index"
    build_index(DEFAULT_CORPUS, index_dir, Config(), show_progress=False)
    return index_dir


class FakeLLM:
    """Scripted LLM: replies in order (the last one repeats) and a fixed P(是)."""

    name = "fake-llm"

    def __init__(self, replies=("资料说明了答案[1]。",), p_yes=0.95):
        self.replies = list(replies)
        self.p_yes = p_yes
        self.prompts: list[str] = []
        self.grammars: list[str | None] = []

    def stream(self, prompt, max_tokens, grammar=None):
        self.prompts.append(prompt)
        self.grammars.append(grammar)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        for i in range(0, len(reply), 3):
            yield reply[i:i + 3]

    def yes_probability(self, prompt, yes="是", no="否"):
        self.prompts.append(prompt)
        return self.p_yes

    def count_tokens(self, text):
        return len(text)


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()
