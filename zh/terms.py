"""Whether a term occurs in a text, and the weighted share of terms that do (pure).

| term | text | found? |
|---|---|---|
| 天津 | 2021年天津口岸… | yes (verbatim) |
| 国家金融科技认证中心 | …国家金融科技测评中心… | yes (a long name: 60% of its bigrams) |
| 广州 | 上海市… | no |
| 上路 | …方可上道路行驶 | a contraction (:func:`contracted_in`), where the term may be one: not a person's name |
"""
from __future__ import annotations

import re

from textutil import squash


def found(term: str, hay: str) -> bool:
    """A term occurs in hay (squashed, lower-cased): verbatim, or for a long name most of its bigrams do
    (国家金融科技认证中心 ~ 国家金融科技测评中心)."""
    t = squash(term).lower()
    if t in hay:
        return True
    grams = {t[i:i + 2] for i in range(len(t) - 1)}
    return len(t) >= 4 and sum(g in hay for g in grams) >= 0.6 * len(grams)


def weighted_share(terms: list[str], hay: str, idf) -> float:
    """The idf-weighted share of terms found in hay (squashed, lower-cased); 1.0 without terms."""
    total = sum(idf(t) for t in terms)
    return sum(idf(t) for t in terms if found(t, hay)) / total if total else 1.0


def contracted_in(term: str, hay: str) -> bool:
    """The term's characters occur in hay in order with at most one other character between each two: the
    user's contraction of the documents' longer word (上路 for 上道路行驶). Chinese words only: a figure or a Latin
    term is matched as written."""
    t = squash(term).lower()
    if len(t) < 2 or re.search(r"[\dA-Za-z]", t):
        return False
    return re.search(".?".join(re.escape(c) for c in t), hay) is not None
