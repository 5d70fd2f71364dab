"""Small text helpers shared by every package (pure functions): squash, n-grams, one sentence splitter,
display width, number formatting and tables."""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

FULL_STOPS = "。！？!?"  # the end of a sentence proper (an answer sentence, a clause group)
SENTENCE_END = FULL_STOPS + "；;"  # … and of a sentence as the documents are split (a 款's items end at ；)
# a sentence runs to its end mark(s), closing quotes/brackets stay with it; a tail without an end mark is one too
SENTENCE_RE = re.compile(rf"[^{SENTENCE_END}\n]*[{SENTENCE_END}]+[”’」』）)]*|[^{SENTENCE_END}\n]+")
# the same cut, keeping every character (line breaks inside a piece): for exact re-joining
PIECE_RE = re.compile(rf"[^{SENTENCE_END}]*[{SENTENCE_END}]+[”’」』）)]*|[^{SENTENCE_END}]+$")
NON_WORD_RE = re.compile(r"[^\w\u4e00-\u9fff]")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def squash(text: str) -> str:
    """Text without whitespace, for containment tests."""
    return re.sub(r"\s+", "", text)


def char_ngrams(text: str, n: int = 2) -> set[str]:
    """Set of character n-grams made only of CJK characters, letters or digits."""
    t = NON_WORD_RE.sub("", text)
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def bigram_tokens(text: str) -> list[str]:
    """Lower-cased character bigrams in order, repeats kept, whitespace removed (one character → itself)."""
    s = squash(text).lower()
    return [s] if len(s) == 1 else [s[i:i + 2] for i in range(len(s) - 1)]


def sentence_pieces(text: str) -> list[str]:
    """The text cut after 。！？；!?; (closing quotes stay with their sentence): "".join(pieces) == text."""
    return PIECE_RE.findall(text)


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


def decode_text(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 (BOM) or GB18030/GBK; UnicodeError names the problem."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnicodeError(f"cannot decode text: broken UTF-16 ({exc.reason})") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeError("cannot decode text: not UTF-8, UTF-16 or GB18030/GBK")


def join_lines(parts: list[str]) -> str:
    """Join wrapped lines; keep a space only between two Latin/digit characters."""
    out = ""
    for p in parts:
        p = p.strip()
        if out and p and out[-1].isascii() and out[-1].isalnum() and p[0].isascii() and p[0].isalnum():
            out += " "
        out += p
    return out


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def fmt(x, digits: int = 3) -> str:
    """A table cell: '—' for missing, thousands separators for big numbers, `digits` significant otherwise."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, (bool, str)):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if x == 0:
        return "0"
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    return f"{x:.{max(0, digits - 1 - math.floor(math.log10(abs(x))))}f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A GitHub-markdown table; cells go through :func:`fmt`; pipes and line breaks in cells are escaped."""
    cell = lambda v: fmt(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A plain aligned table for the terminal (CJK characters count two columns)."""
    data = [[fmt(h) for h in headers]] + [[fmt(v) for v in row] for row in rows]
    widths = [max(display_width(r[i]) for r in data) for i in range(len(headers))]
    pad = lambda s, w: s + " " * (w - display_width(s))  # noqa: E731
    out = ["  ".join(pad(s, w) for s, w in zip(r, widths)).rstrip() for r in data]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)
