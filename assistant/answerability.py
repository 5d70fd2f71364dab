"""Decide before generation whether the sources can answer the question.

A logistic model over three signals, calibrated on the dev set
(``python -m assistant calibrate``): the LLM's P(是) to "do the sources contain
the answer?", the share of the question's content words found in the sources,
and the top dense similarity.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.support import squash
from index.lexical import content_words

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
QUESTION_WORDS = frozenset("是否 哪个 哪里 何时 为何 为什么 多大 多久 几 是谁 谁 哪家 哪年 具体 主要 分别 目前 情况 相关 方面".split())


@dataclass(frozen=True)
class Features:
    """Signals that the sources contain the answer."""

    p_yes: float
    coverage: float
    dense_top: float

    def vector(self) -> list[float]:
        """As model inputs (log-odds of p_yes, raw others)."""
        p = min(max(self.p_yes, 1e-6), 1 - 1e-6)
        return [math.log(p / (1 - p)), self.coverage, self.dense_top]


@dataclass(frozen=True)
class Calibration:
    """Logistic weights and the decision threshold on its probability."""

    weights: tuple[float, float, float] = (0.6, 4.0, 4.0)
    bias: float = -6.5
    threshold: float = 0.5

    def probability(self, f: Features) -> float:
        """P(answerable)."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, f.vector()))
        return 1.0 / (1.0 + math.exp(-z))

    def answerable(self, f: Features) -> bool:
        """The decision."""
        return self.probability(f) >= self.threshold

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        """Write as JSON."""
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> "Calibration":
        """Read the JSON written by :meth:`save`; defaults when absent."""
        if not path.is_file():
            return cls()
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(d["weights"]), d["bias"], d["threshold"])


def coverage(question: str, source_texts: list[str]) -> float:
    """Share of the question's content words (not question words) that occur in the sources."""
    words = [w for w in dict.fromkeys(content_words(question)) if w not in QUESTION_WORDS and len(w) > 1]
    if not words:
        return 1.0
    text = squash("".join(source_texts)).lower()
    return sum(1 for w in words if w in text) / len(words)


def fit(features: list[Features], labels: list[bool], steps: int = 4000, lr: float = 0.1,
        l2: float = 0.01, max_false_refusal: float = 0.05) -> Calibration:
    """Logistic regression by gradient descent, then the highest threshold (most refusals) that refuses
    at most ``max_false_refusal`` of the answerable questions: a wrong refusal costs users too."""
    import numpy as np

    x = np.array([f.vector() for f in features], dtype=float)
    y = np.array(labels, dtype=float)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    xs = (x - mu) / sd
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xs @ w + b)))
        w -= lr * (xs.T @ (p - y) / len(y) + l2 * w)
        b -= lr * float(np.mean(p - y))
    weights = w / sd  # back to raw feature scale
    bias = b - float(np.sum(w * mu / sd))
    probs = 1 / (1 + np.exp(-(x @ weights + bias)))
    answerable = probs[y > 0.5]
    allowed = [t for t in sorted(set(np.round(probs, 4))) if np.mean(answerable < t) <= max_false_refusal]
    return Calibration(tuple(float(v) for v in weights), float(bias), float(max(allowed, default=0.0)))

