"""Citation markers: normalise the variants a small model writes, parse, map to sources (pure)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from textutil import SENTENCE_END

# [1] [1,2] [1、2] 【1】 [编号1] [资料1] [来源 1] → canonical [1][2]
VARIANT_RE = re.compile(r"[\[【]\s*(?:编号|资料|来源|文献|段落|source)?\s*(\d+(?:\s*[,，、\-–]\s*\d+)*)\s*[\]】]", re.I)
MARKER_RE = re.compile(r"\[(\d+)\]")


def normalize_markers(text: str) -> str:
    """Rewrite citation variants into canonical [n] markers ([1-3] expands to [1][2][3])."""
    def repl(m: re.Match) -> str:
        nums: list[int] = []
        for part in re.split(r"\s*[,，、]\s*", m.group(1)):
            if re.fullmatch(r"\d+\s*[-–]\s*\d+", part):
                a, b = (int(x) for x in re.split(r"\s*[-–]\s*", part))
                nums += list(range(a, b + 1)) if 0 < b - a < 10 else [a, b]
            else:
                nums.append(int(part))
        return "".join(f"[{n}]" for n in nums)

    return VARIANT_RE.sub(repl, text)


def cited_numbers(text: str) -> list[int]:
    """Distinct source numbers cited in text, in order of first citation."""
    return list(dict.fromkeys(int(n) for n in MARKER_RE.findall(text)))


def drop_invalid_markers(text: str, n_sources: int) -> str:
    """Remove markers that point to no source (0 or > n_sources)."""
    return MARKER_RE.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= n_sources else "", text)


def strip_markers(text: str) -> str:
    """Text without any [n] markers."""
    return MARKER_RE.sub("", text)


@dataclass(frozen=True)
class Sentence:
    """One answer sentence with the source numbers it cites."""

    text: str  # without markers
    cites: tuple[int, ...]
    raw: str  # as written, with markers


SENTENCE_SPLIT_RE = re.compile(rf"(?<=[{SENTENCE_END}\n])")


def split_answer(text: str) -> list[Sentence]:
    """Split an answer into sentences; a marker right after the sentence end belongs to that sentence."""
    # move markers written after the full stop ("…。[1]") in front of it
    text = re.sub(rf"([{SENTENCE_END}])((?:\[\d+\])+)", r"\2\1", text)
    out = []
    for raw in SENTENCE_SPLIT_RE.split(text):
        clean = strip_markers(raw).strip()
        if clean and re.search(r"[\w\u4e00-\u9fff]", clean):
            out.append(Sentence(clean, tuple(cited_numbers(raw)), raw.strip()))
    return out


def remap(text: str, mapping: dict[int, int]) -> str:
    """Rewrite markers [k] into [mapping[k]] (a number the mapping lacks is kept)."""
    return MARKER_RE.sub(lambda m: f"[{mapping.get(int(m.group(1)), int(m.group(1)))}]", text)


def remap_markers(pieces: Iterator[str], mapping: dict[int, int]) -> Iterator[str]:
    """Rewrite evidence-sentence markers [k] into source markers [n] in a stream of text pieces."""
    buffer = ""
    for piece in pieces:
        buffer += piece
        cut = buffer.rfind("[")
        if cut >= 0 and "]" not in buffer[cut:]:
            ready, buffer = buffer[:cut], buffer[cut:]
        else:
            ready, buffer = buffer, ""
        if ready:
            yield remap(ready, mapping)
    if buffer:
        yield remap(buffer, mapping)
