"""A lead-in and its list items are evidence together: neither says what is asked without the other (pure).

Statutes and notices put the rule in a lead-in paragraph that ends with a colon and the cases in the list items
that follow it, each a paragraph of its own (kind ``list_item``, see index.pdf_blocks):

    第四十五条 ……有下列行为之一的，由消防救援机构责令改正，对单位处五千元以上五万元以下罚款……：
    （一）在建筑内的首层门厅、共用走道、楼梯间、疏散通道……停放或者充电的；

A question about 楼梯间充电 matches the item, whose fine is in the lead-in; a question about which 基本公共服务
a card holder gets matches the lead-in (……提供下列基本公共服务：), whose answer is the items (（一）义务教育；…).
So an item chosen as evidence brings its lead-in, and a lead-in brings its items (at most ``[answer] list_items``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from index.documents import Paragraph
from settings import AnswerConfig
from textutil import sentence_spans

LEAD_IN_ENDS = ("：", ":")


@dataclass(frozen=True)
class ListContext:
    """Which lead-in each list item belongs to, and the items of each lead-in, over the whole index."""

    lead_of: dict[str, Paragraph] = field(default_factory=dict)
    items_of: dict[str, tuple[Paragraph, ...]] = field(default_factory=dict)
    max_items: int = AnswerConfig.list_items  # items a lead-in brings along (a long list keeps its first ones)

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[Paragraph],
                        max_items: int = AnswerConfig.list_items) -> "ListContext":
        """Scan the paragraphs in document order: the items right after a paragraph ending with a colon are its."""
        lead_of: dict[str, Paragraph] = {}
        items: dict[str, list[Paragraph]] = {}
        lead = None
        for p in paragraphs:
            if p.kind == "list_item":
                if lead is not None and lead.doc_id == p.doc_id:
                    lead_of[p.id] = lead
                    items.setdefault(lead.id, []).append(p)
            else:
                lead = p if p.text.rstrip().endswith(LEAD_IN_ENDS) else None
        return cls(lead_of, {k: tuple(v) for k, v in items.items()}, max_items)

    def companions(self, paragraph: Paragraph, start: int) -> list[tuple[Paragraph, int, int]]:
        """The (paragraph, start, end) spans that must accompany the sentence at ``start`` of ``paragraph``: for an
        item, its lead-in's last sentence; for a lead-in's last sentence, its items' sentences."""
        lead = self.lead_of.get(paragraph.id)
        if lead is not None:
            spans = sentence_spans(lead.text)
            return [(lead, *spans[-1])] if spans else []
        items = self.items_of.get(paragraph.id, ())
        spans = sentence_spans(paragraph.text)
        if not items or not spans or spans[-1][0] != start:
            return []
        return [(item, s, e) for item in items[:self.max_items] for s, e in sentence_spans(item.text)]

    def anchor(self, paragraph_id: str) -> tuple[str, int]:
        """Where a paragraph is shown among the evidence: a list item as (its lead-in's id, n) for the n-th item,
        any other paragraph (a lead-in included) as (its own id, 0), so a list sorts as lead-in, then items."""
        lead = self.lead_of.get(paragraph_id)
        if lead is not None:
            return lead.id, 1 + [p.id for p in self.items_of[lead.id]].index(paragraph_id)
        return paragraph_id, 0
