"""Notes put where they are cited: a note written at the end of the text (or the foot of a page) follows the
paragraph whose mark cites it (pure).

A law copied from a legal database ends with its notes::

    第八条　驾驶电动自行车的人员和乘坐人员应当按照规定佩戴安全头盔。[2]
    …
    [2]本条原为“驾驶电动自行车的人员应当佩戴安全头盔”，2023年修正时增加“和乘坐人员”。

Filed where they stand, the notes were 款 of the last article (第十六条 › 第3款). Moved after the paragraph that
cites them, as ``注2：本条原为…`` (how a Word footnote is read), they are under 第八条, labelled 注2, and the mark
leaves the article's text.
"""
from __future__ import annotations

import re
from dataclasses import replace

from index.documents import Block

NOTE_RE = re.compile(r"^\s*[\[［【](\d{1,2})[\]］】]\s*(?=\S)")  # [2]本条原为… / 【1】… / ［3］…
NOTE_KIND = "note"


def _mark_re(number: str) -> re.Pattern:
    return re.compile(rf"[\[［【]{number}[\]］】]")


def note_label(number: str) -> str:
    """How a note is labelled and opened: 注2."""
    return f"注{number}"


def with_cited_notes(blocks: list[Block]) -> list[Block]:
    """Blocks with every note ([n] opening a paragraph) moved right after the nearest paragraph before it that
    cites [n] (its mark taken out of that paragraph's text); a note that no paragraph cites stays where it is."""
    out = list(blocks)
    i = 0
    while i < len(out):
        block = out[i]
        m = NOTE_RE.match(block.text) if not block.level and block.kind == "paragraph" else None
        at = _citing(out, i, m.group(1)) if m else None
        if at is None:
            i += 1
            continue
        number = m.group(1)
        out[at] = replace(out[at], text=_mark_re(number).sub("", out[at].text, count=1))
        del out[i]
        place = at + 1
        while place < i and out[place].kind == NOTE_KIND:  # after the notes already placed there
            place += 1
        out.insert(place, Block(f"{note_label(number)}：{block.text[m.end():].strip()}", None, NOTE_KIND,
                                boxes=block.boxes, row=note_label(number)))
        i += 1
    return out


def _citing(blocks: list[Block], end: int, number: str) -> int | None:
    """The nearest block before ``end`` whose text cites note ``number`` (not at its start: that is a note)."""
    mark = _mark_re(number)
    for j in range(end - 1, -1, -1):
        b = blocks[j]
        if b.kind != NOTE_KIND and not b.level and (m := mark.search(b.text)) and m.start() > 0:
            return j
    return None
