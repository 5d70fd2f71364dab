"""Does a sentence say only what its cited paragraphs say? Numbers + character n-gram support (pure)."""
from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
MIN_SUPPORT = 0.6


def squash(text: str) -> str:
    """Text without whitespace, for containment tests."""
    return re.sub(r"\s+", "", text)


def char_ngrams(text: str, n: int = 2) -> set[str]:
    """Set of character n-grams made only of CJK characters, letters or digits."""
    t = re.sub(r"[^\w\u4e00-\u9fff]", "", text)
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def ngram_support(sentence: str, evidence: str, n: int = 2) -> float:
    """Share of the sentence's character n-grams found in the evidence (1.0 for an empty sentence)."""
    grams = char_ngrams(sentence, n)
    if not grams:
        return 1.0
    return len(grams & char_ngrams(evidence, n)) / len(grams)


def missing_numbers(sentence: str, evidence: str) -> list[str]:
    """Numbers in the sentence that do not occur in the evidence."""
    ev = squash(evidence)
    return [x for x in NUMBER_RE.findall(squash(sentence)) if x not in ev]


@dataclass(frozen=True)
class SupportResult:
    """Verdict for one sentence."""

    sentence: str
    score: float
    missing_numbers: tuple[str, ...]
    supported: bool
    reason: str = ""


def check_sentence(sentence: str, cited_texts: list[str], min_support: float = MIN_SUPPORT) -> SupportResult:
    """Supported when it cites something, all its numbers occur there and enough n-grams match."""
    if not cited_texts:
        return SupportResult(sentence, 0.0, (), False, "no citation")
    evidence = "\n".join(cited_texts)
    score = ngram_support(sentence, evidence)
    missing = tuple(missing_numbers(sentence, evidence))
    if missing:
        return SupportResult(sentence, score, missing, False, f"numbers not in cited text: {', '.join(missing)}")
    if score < min_support:
        return SupportResult(sentence, score, (), False, f"low overlap with cited text ({score:.2f})")
    return SupportResult(sentence, score, (), True)

