"""Lexical side of the index: Chinese tokenisation (jieba words + character bigrams) and BM25 (bm25s)."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import bm25s
import numpy as np

from textutil import squash

STOPWORDS = frozenset("的 了 是 在 和 与 及 等 对 为 将 并 也 有 中 上 下 个 这 那 哪些 什么 怎么 如何 多少 吗 呢 哪 其 之 以 于 由 被 把 从 到 就 都 而 或 又 该 各 其中 通过 进行 我们 报告 文件 资料 提到 介绍".split())
CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
WORD_RE = re.compile(r"[\w\u4e00-\u9fff]")
_jieba = None
VECTORISED_POSTINGS = 16384  # up to this many postings per query, BM25 scoring gathers them for one np.add.at


def _jieba_module():
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba


# question words and generic request words: not key terms
REQUEST_WORDS = frozenset("""是否 哪个 哪些 哪里 哪年 哪一年 哪家 哪几 何时 为何 为什么 多大 多久 多长 多少 几个 几项 具体 主要
 分别 目前 情况 相关 方面 什么 如何 怎样 怎么 有何 请问 说明 介绍 报告 资料 文中 提到 采取 做法 举措 哪些方面 一共 共有 累计 截至
 以来 其中 通过 进行 开展 实现 达到 有关 以及 这个 这项 该 其 这些 那些 有没有 能否 可以 已经 一下 简述 概括 总结 列举 什么样
 案例 这个案例 该案例""".split())


def key_terms(text: str) -> list[str]:
    """Key terms of a question or heading: content words (≥2 chars, not question words), the bigrams of long
    words, and numbers with their unit."""
    terms: list[str] = []
    for w in content_words(text):
        if w in REQUEST_WORDS or len(w) < 2 or all(c in "的了是在和与及等" for c in w):
            continue
        if re.fullmatch(r"\d+", w):  # bare numbers are matched with their unit below
            continue
        terms.append(w)
        if len(w) >= 4 and not re.search(r"\d", w):
            terms += [w[i:i + 2] for i in range(len(w) - 1)]
    for m in re.finditer(r"\d+(?:\.\d+)?\s*[年月日%％万亿个项批家人次倍]?", text):
        terms.append(squash(m.group(0)))
    return list(dict.fromkeys(terms))


def jieba_words(text: str) -> list[str]:
    """jieba's segmentation of text (words as cut, whitespace dropped)."""
    return [w for w in _jieba_module().lcut(text) if w.strip()]


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
        # bm25s's eager score matrix (CSC: a column of per-document scores per token), summed directly by
        # :meth:`_scores_from_ids` (same float32 sums as bm25s's get_scores, less per-call overhead)
        self._vocab = model.vocab_dict
        self._data = model.scores["data"]
        self._indices = model.scores["indices"]
        self._indptr = np.asarray(model.scores["indptr"], dtype=np.int64)
        self._num_docs = int(model.scores["num_docs"])
        self._dtype = np.dtype(model.dtype)

    @classmethod
    def build(cls, texts: list[str]) -> "BM25Index":
        """Index texts (tokenised with :func:`tokenize`)."""
        model = bm25s.BM25()
        # one str object per distinct token: the token lists of a big corpus otherwise hold a separate
        # object for every occurrence (~6 GB at 250k chunks); the tokens themselves are unchanged
        canonical: dict[str, str] = {}
        same = canonical.setdefault
        model.index([[same(w, w) for w in tokenize(t)] for t in texts], show_progress=False)
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
        vocab = self._vocab
        ids = [vocab[t] for t in tokenize(query) if t in vocab]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._scores_from_ids(np.asarray(ids, dtype=np.int64)), dtype=np.float32)

    def _scores_from_ids(self, ids: np.ndarray) -> np.ndarray:
        """bm25s's ``get_scores_from_ids``, bit-for-bit: each query token's postings (duplicates included,
        in query order) are added with np.add.at, so every document's float32 sum is accumulated in the
        same order. Few postings (small corpora): one vectorised np.add.at instead of one call per token;
        many postings: one call per token on slices (views), which avoids gathering them."""
        starts = self._indptr[ids]
        lengths = self._indptr[ids + 1] - starts
        total = int(lengths.sum())
        scores = np.zeros(self._num_docs, dtype=self._dtype)
        if 0 < total <= VECTORISED_POSTINGS:
            ends = np.cumsum(lengths)
            positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(total, dtype=np.int64)
            np.add.at(scores, self._indices[positions], self._data[positions])
        elif total:
            for start, end in zip(starts.tolist(), (starts + lengths).tolist()):
                np.add.at(scores, self._indices[start:end], self._data[start:end])
        if self._model.nonoccurrence_array is not None:  # BM25L / BM25+ only; our index uses the default method
            scores += self._model.nonoccurrence_array[ids].sum()
        return scores
