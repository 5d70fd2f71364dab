"""The paragraph model: every paragraph keeps its place in the document's structure."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from index.blocks import LEVELS, Block

LABEL_SEP = " › "


@dataclass(frozen=True)
class Paragraph:
    """One source paragraph with its heading path, stable ID and position."""

    id: str
    doc_id: str
    text: str
    title: str = ""
    category: str = ""
    case: str = ""
    section: str = ""
    subsection: str = ""
    item: str = ""
    box: str = ""
    number: int = 1  # paragraph number within its innermost heading

    @property
    def headings(self) -> list[str]:
        """The heading path, outermost first, without the category."""
        parts = [self.case or self.title, self.section, self.subsection, self.item, self.box]
        return [short_heading(p) for p in parts if p]

    @property
    def label(self) -> str:
        """Human label, e.g. '融资租赁… › 一、主要做法 › （二）创新海关监管模式 › 第2段'."""
        return LABEL_SEP.join([*self.headings, f"第{self.number}段"])

    def to_dict(self) -> dict:
        """Plain-dict form (for JSON), including the label."""
        return {**asdict(self), "label": self.label}


def short_heading(text: str) -> str:
    """A heading as shown in labels: without its final full stop."""
    return text.rstrip("。.；;：:")


def doc_id_for(name: str) -> str:
    """A filesystem- and URL-safe document ID from a file name."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", name)
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", stem).strip("_") or "doc"


def assign_structure(blocks: list[Block], doc_id: str, default_title: str = "") -> list[Paragraph]:
    """Walk blocks in order, tracking the heading path; return numbered paragraphs."""
    state = {lv: "" for lv in LEVELS}
    state["title"] = default_title
    counters: dict[tuple, int] = {}
    paragraphs: list[Paragraph] = []
    for block in blocks:
        if block.level:
            state[block.level] = block.text
            # a heading resets everything below it; a box only lasts until the next heading
            for lower in LEVELS[LEVELS.index(block.level) + 1:]:
                state[lower] = ""
            if block.level != "box":
                state["box"] = ""
            continue
        key = tuple(state[lv] for lv in LEVELS)
        counters[key] = counters.get(key, 0) + 1
        paragraphs.append(Paragraph(
            id=f"{doc_id}:p{len(paragraphs) + 1:04d}",
            doc_id=doc_id,
            text=block.text,
            title=state["title"],
            category=state["category"],
            case=state["case"],
            section=state["section"],
            subsection=state["subsection"],
            item=state["item"],
            box=state["box"],
            number=counters[key],
        ))
    return paragraphs
