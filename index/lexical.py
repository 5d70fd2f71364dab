"""Lexical side of the index: Chinese tokenisation (jieba words + character bigrams) and BM25 (bm25s)."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import bm25s
import numpy as np

STOPWORDS = frozenset("的 了 是 在 和 与 及 等 对 为 将 并 也 有 中 上 下 个 这 那 哪些 什么 怎么 如何 多少 吗 呢 哪 其 之 以 于 由 被 把 从 到 就 都 而 或 又 该 各 其中 通过 进行 我们 报告 文件 资料 提到 介绍".split())
CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
WORD_RE = re.compile(r"[\w\u4e00-\u9fff]")
_jieba = None


def _jieba_module():
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba


def content_words(text: str) -> list[str]:
    """Lower-cased jieba words without stopwords and punctuation."""
    words = [w.strip().lower() for w in _jieba_module().lcut(text)]
    return [w for w in words if w and WORD_RE.search(w) and w not in STOPWORDS]


def tokenize(text: str) -> list[str]:
    """Content words (see :func:`content_words`) plus CJK character bigrams."""
    tokens = content_words(text)
    for run in CJK_RUN_RE.findall(text):
        tokens += [run[i:i + 2] for i in range(len(run) - 1)]
    return tokens


class BM25Index:
    """A BM25 index over token lists, saved as .npy/.json (no pickle)."""

    def __init__(self, model: bm25s.BM25, size: int):
        self._model = model
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> "BM25Index":
        """Index texts (tokenised with :func:`tokenize`)."""
        model = bm25s.BM25()
        model.index([tokenize(t) for t in texts], show_progress=False)
        return cls(model, len(texts))

    def save(self, folder: Path) -> None:
        """Write the index files into folder."""
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "BM25Index":
        """Load an index written by :meth:`save`."""
        return cls(bm25s.BM25.load(str(folder), show_progress=False), size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed text for the query."""
        tokens = [t for t in tokenize(query) if t in self._model.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(tokens), dtype=np.float32)
