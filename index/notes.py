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
from index.headings import LIST_ITEM_RE, ends_sentence, heading_level
from textutil import join_lines

NOTE_RE = re.compile(r"^\s*(?:[\[［【](\d{1,2})[\]］】]|([①-⑳]))\s*(?=\S)")  # [2]本条原为… / 【1】… / ①截至…
NOTE_KIND = "note"


def _mark_re(number: str) -> re.Pattern:
    """Where a text cites note ``number``: [2] / 【2】, or a circled ① right after a word (小巨人企业①有19家; not
    the ① of a list after a colon: 包括：①…；②…)."""
    if number.isascii():
        return re.compile(rf"[\[［【]{number}[\]］】]")
    return re.compile(rf"(?<=[^\s：:；;，,、]){number}")


def note_label(number: str) -> str:
    """How a note is labelled and opened: 注2, 注①."""
    return f"注{number}"


def with_cited_notes(blocks: list[Block]) -> list[Block]:
    """Blocks with every note ([n] or ① opening a paragraph) moved right after the nearest paragraph before it
    that cites it (its mark taken out of that paragraph's text); a note that no paragraph cites stays where it
    is. A paragraph that a note at a page's foot cut in two (…设立总规模20亿元的区产业引导 / ⑤… / 基金，年内…) is
    whole again."""
    out = list(blocks)
    i = 0
    while i < len(out):
        block = out[i]
        m = NOTE_RE.match(block.text) if not block.level and block.kind == "paragraph" else None
        number = (m.group(1) or m.group(2)) if m else ""
        at = _citing(out, i, number) if m else None
        if at is None:
            i += 1
            continue
        out[at] = replace(out[at], text=_mark_re(number).sub("", out[at].text, count=1))
        del out[i]
        if _cut_by_note(out, i):
            out[i - 1] = replace(out[i - 1], text=join_lines([out[i - 1].text, out[i].text]),
                                 boxes=out[i - 1].boxes + out[i].boxes)
            del out[i]
        place = at + 1
        while place < i and out[place].kind == NOTE_KIND:  # after the notes already placed there
            place += 1
        out.insert(place, Block(f"{note_label(number)}：{block.text[m.end():].strip()}", None, NOTE_KIND,
                                boxes=block.boxes, row=note_label(number)))
        i += 1
    return out


def _cut_by_note(blocks: list[Block], i: int) -> bool:
    """blocks[i - 1] and blocks[i], once a note between them is gone, are one paragraph across a page break: the
    first ends no sentence, the second opens with no marker."""
    if not 0 < i < len(blocks):
        return False
    a, b = blocks[i - 1], blocks[i]
    return (a.kind == b.kind == "paragraph" and not a.level and not b.level and bool(a.boxes) and bool(b.boxes)
            and a.boxes[-1].page < b.boxes[0].page and not ends_sentence(a.text) and not LIST_ITEM_RE.match(b.text)
            and not heading_level(b.text))


def _citing(blocks: list[Block], end: int, number: str) -> int | None:
    """The nearest block before ``end`` whose text cites note ``number`` (not at its start: that is a note)."""
    mark = _mark_re(number)
    for j in range(end - 1, -1, -1):
        b = blocks[j]
        if b.kind != NOTE_KIND and not b.level and (m := mark.search(b.text)) and m.start() > 0:
            return j
    return None
