"""Small text helpers shared by every package (pure functions): squash, n-grams, one sentence splitter,
display width and number formatting."""
from __future__ import annotations

import re
import unicodedata

SENTENCE_END = "。！？；!?;"
# a sentence runs to its end mark(s), closing quotes/brackets stay with it; a tail without an end mark is one too
SENTENCE_RE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;]+[”’」』）)]*|[^。！？；!?;\n]+")
NON_WORD_RE = re.compile(r"[^\w\u4e00-\u9fff]")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def squash(text: str) -> str:
    """Text without whitespace, for containment tests."""
    return re.sub(r"\s+", "", text)


def char_ngrams(text: str, n: int = 2) -> set[str]:
    """Set of character n-grams made only of CJK characters, letters or digits."""
    t = NON_WORD_RE.sub("", text)
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def split_sentences(text: str) -> list[str]:
    """Split after 。！？；!?; and at line breaks; closing quotes stay with their sentence; blanks dropped."""
    return [s.strip() for s in SENTENCE_RE.findall(text) if s.strip()]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of :func:`split_sentences` in text (whitespace trimmed)."""
    spans = []
    for m in SENTENCE_RE.finditer(text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def fmt_number(value, digits: int = 3) -> str:
    """A table cell: '—' for None/NaN, integers as is, floats rounded."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)
