"""Which way a figure went: up (增长, 提高), down (下降, 减少), or not said (pure).

| text | figure | direction |
|---|---|---|
| 比上年增长48.8% | 48.8 | up |
| 比上年增长-91.6% (增长 with a minus sign) | 91.6 | down |
| 鲜菜类价格下降8.1% | 8.1 | down |
| 通关时间压缩了48.6% | 48.6 | down |
| 产量1577693吨 | 1577693 | not said |
| 规模以上工业增加值5.0% (增加值 names the quantity) | 5.0 | not said |

A question says which way it takes a figure to have gone: 钢材产量同比下滑了，降了多少 → down; 涨了还是跌了 says
both, so neither.
"""
from __future__ import annotations

import re

UP, DOWN, UNSAID = 1, -1, 0
UP_WORDS = "增长|增加|提高|提升|上涨|上升|扩大|增|涨|升"
DOWN_WORDS = "下降|降低|减少|下滑|下跌|回落|缩减|缩小|压缩|缩短|减|降|跌"
# nouns that hold a change word but name a quantity, not a direction (工业增加值, 增速, 降水量)
NEUTRAL_WORDS = "增加值|增值|增速|增幅|降幅|涨幅|跌幅|增长率|增长点|降水|升学|升级"
_WORD_RE = re.compile(rf"(?P<neutral>{NEUTRAL_WORDS})|(?P<up>{UP_WORDS})|(?P<down>{DOWN_WORDS})")
_CLAUSE_END = "，,；;。！？!?"


def _word_direction(m: re.Match) -> int:
    return UP if m.group("up") else DOWN


def figure_direction(text: str, number: str) -> int:
    """The direction the text gives the figure ``number`` (digits as written, e.g. '48.8'): the last change word
    before it in its clause, turned round by a minus sign right before the number; UNSAID when none."""
    for m in re.finditer(rf"(?<![\d.]){re.escape(number)}(?![\d.])", text):
        start = max(text.rfind(c, 0, m.start()) for c in _CLAUSE_END) + 1
        words = [w for w in _WORD_RE.finditer(text, start, m.start()) if not w.group("neutral")]
        if not words:
            continue
        way = _word_direction(words[-1])
        before = text[words[-1].end():m.start()]
        return -way if re.search(r"[-－−负]\s*$", before) else way
    return UNSAID


def asked_direction(question: str) -> int:
    """The one direction the question takes a quantity to have gone in (UNSAID when it names none, or both)."""
    ways = {_word_direction(m) for m in _WORD_RE.finditer(question) if not m.group("neutral")}
    return ways.pop() if len(ways) == 1 else UNSAID


def word_of(direction: int) -> str:
    """How an answer names a direction."""
    return {UP: "增长", DOWN: "下降"}.get(direction, "")
