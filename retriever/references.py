"""A question that names a part of a document by its number is answered from that part (pure).

People cite statutes and standards by number, and the number is what search matches worst: 第九十一条 is three
common tokens to BM25, and an appendix's or a table's title is in the heading path, not in the text that is
searched. So the parts a question names are looked up in the heading paths and come first:

| question | part looked up |
|---|---|
| 道路交通安全法第九十一条规定了什么？ / 第91条 | the article 第九十一条 (every paragraph of it) |
| 通用要求的附录A是什么内容？ / 附录 A | the appendix whose heading starts with 附录A |
| 公报表3里粮食产量是多少？ | the table whose title starts with 表3 |

A number several documents share (most statutes have a 第十条) is taken from the documents the question is
already limited to, else from the document of the best retrieved paragraph; at most MAX_PARAGRAPHS per part.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from index.documents import Paragraph
from index.headings import ARTICLE_NO_RE
from zh.numbers import parse_numeral

APPENDIX_REF_RE = re.compile(r"附\s*录\s*([A-Z])(?![A-Za-z])")
TABLE_REF_RE = re.compile(r"(?<![A-Za-z\d])表\s*(\d+(?:[-－.]\d+)?)(?![\d.])")
MAX_PARAGRAPHS = 16  # of one named part (an appendix's table has a row per paragraph)


def _number(text: str) -> str:
    """'九十一' or '91' → '91' (unparsable text as it is)."""
    value = int(text) if text.isdigit() else parse_numeral(text)
    return str(int(value)) if value is not None else text


def _article_key(article: str) -> str:
    """'第九十一条' or '第91条' → 'article:91'."""
    return f"article:{_number(article[1:-1])}"


def part_keys(text: str) -> list[str]:
    """The numbered parts a text names, as keys ('article:91', 'appendix:A', 'table:3'), in order, each once."""
    keys = [_article_key(m.group(0)) for m in ARTICLE_NO_RE.finditer(text)]
    keys += [f"appendix:{m.group(1)}" for m in APPENDIX_REF_RE.finditer(text)]
    keys += [f"table:{m.group(1).replace('－', '-')}" for m in TABLE_REF_RE.finditer(text)]
    return list(dict.fromkeys(keys))


def heading_key(level: str, text: str) -> str | None:
    """The key of a heading that is a numbered part: an article (第九十一条), an appendix (附 录 A …) or a table
    (表3 …); None for any other heading."""
    t = text.strip()
    if level == "article":
        m = ARTICLE_NO_RE.match(t)
        return _article_key(m.group(0)) if m else None
    m = APPENDIX_REF_RE.match(t)
    if m:
        return f"appendix:{m.group(1)}"
    m = TABLE_REF_RE.match(t)
    if m and level == "table":
        return f"table:{m.group(1).replace('－', '-')}"
    return None


@dataclass(frozen=True)
class PartIndex:
    """Numbered part key → (document → its paragraphs, in document order), over the whole index."""

    parts: dict[str, dict[str, tuple[Paragraph, ...]]] = field(default_factory=dict)

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[Paragraph]) -> "PartIndex":
        """Record every paragraph under each numbered part of its heading path."""
        parts: dict[str, dict[str, list[Paragraph]]] = {}
        for p in paragraphs:
            for h in p.path:
                key = heading_key(h.level, h.text)
                if key:
                    parts.setdefault(key, {}).setdefault(p.doc_id, []).append(p)
        return cls({k: {d: tuple(ps) for d, ps in docs.items()} for k, docs in parts.items()})

    def named(self, question: str, docs: Iterable[str] | None, best_doc: str | None) -> list[Paragraph]:
        """The paragraphs of the parts the question names: of the allowed ``docs`` (None: any), and when several
        documents have the part, of ``best_doc`` only (none when it has not that part)."""
        allowed = set(docs) if docs is not None else None
        out: list[Paragraph] = []
        for key in part_keys(question):
            have = {d: ps for d, ps in self.parts.get(key, {}).items() if allowed is None or d in allowed}
            if len(have) > 1:
                have = {best_doc: have[best_doc]} if best_doc in have else {}
            for ps in have.values():
                out += ps[:MAX_PARAGRAPHS]
        return out
