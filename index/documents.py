"""The document model: blocks read from a file, and paragraphs that keep their heading path, kind and origin."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from index.headings import (COLOPHON_RE, DATE_LINE_RE, DOCUMENT_LEVELS, HIDDEN_LEVELS, INLINE_LEVELS, LIST_LEVELS,
                            RANKS, SECTION_NUMBER_RE, SPEAKER_LEAD_RE, inline_head, is_question_head, is_statute,
                            list_marker, marker_level, run_in_head, speaker_line)
from index.metadata import is_body

from errors import RagError
from textutil import squash
from zh.numbers import parse_numeral

LABEL_SEP = " › "
LEGACY_LEVELS = ("category", "case", "section", "subsection", "item", "box")  # paragraphs.jsonl before parser 3


class DocumentError(RagError, ValueError):
    """A document that cannot be read: unsupported, corrupt, empty, undecodable or over a limit."""


class DocumentTooLarge(DocumentError):
    """A file, a .docx's packed contents or an upload's chunk count over the configured limit."""


@dataclass(frozen=True)
class Box:
    """Where a piece of text stands on a PDF page: 1-based page, PDF points from the page's top-left corner."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float

    def to_list(self) -> list:
        """[page, x0, top, x1, bottom], rounded to 0.1 pt (for JSON)."""
        return [self.page, *(round(v, 1) for v in (self.x0, self.top, self.x1, self.bottom))]


@dataclass(frozen=True)
class Block:
    """A heading (``level`` set) or a piece of content read from a file, with where it came from.

    ``kind`` says what content it is (paragraph, list item, table row); a table row carries its table's title
    (``table``), its row label (``row``) and its table's column headers (``columns``). ``boxes`` are its lines'
    boxes on PDF pages (empty elsewhere).
    """

    text: str
    level: str | None = None
    kind: str = "paragraph"
    boxes: tuple[Box, ...] = ()
    table: str = ""
    row: str = ""
    columns: str = ""  # a table row: its table's column headers as the document writes them


@dataclass(frozen=True)
class Heading:
    """One heading of a paragraph's path: its level (see index.headings) and text."""

    level: str
    text: str


@dataclass(frozen=True)
class Paragraph:
    """One source paragraph: stable ID, text, document title, heading path, kind, number and origin."""

    id: str
    doc_id: str
    text: str
    title: str = ""
    path: tuple[Heading, ...] = ()
    kind: str = "paragraph"
    number: int = 1  # paragraph number under its innermost heading
    row: str = ""  # a table row's label
    boxes: tuple[Box, ...] = field(default=(), repr=False)
    source: str = ""  # the document's issuer (or region) when its title does not name it (set on loading an index)

    def heading(self, level: str) -> str:
        """The text of the path's heading of that level ('' if none)."""
        return next((h.text for h in self.path if h.level == level), "")

    @property
    def case(self) -> str:
        """The heading that stands for the document (a case of the report), else the title."""
        return next((h.text for h in self.path if h.level in DOCUMENT_LEVELS), "") or self.title

    @property
    def headings(self) -> list[str]:
        """The heading path as labels show it, outermost first: the document (or its case), then every heading
        but the report's categories and a heading that repeats the title."""
        title = squash(self.title)
        shown = [h.text for h in self.path if h.level not in HIDDEN_LEVELS and h.level not in DOCUMENT_LEVELS
                 and squash(h.text) != title]
        return [short_heading(x) for x in (self.case, *shown) if x]

    @property
    def heading_text(self) -> str:
        """The title (with the issuing body it does not name: 温州市统计局 of 2-1主要经济指标) and the heading path
        as text, one per line, without the report's categories: what a sentence of the paragraph leans on."""
        return "\n".join(x for x in (self.title, self.source, *(h.text for h in self.path if h.level not in HIDDEN_LEVELS))
                         if x)

    @property
    def haystack(self) -> str:
        """Title (with the issuer or region it does not name: see with_source), every heading of the path and the
        text: what a question or a gold quote about it can match."""
        return "\n".join(x for x in (self.title, self.source, *(h.text for h in self.path), self.text) if x)

    @property
    def inner(self) -> str:
        """The innermost heading under the document ('' when the paragraph sits right under its title)."""
        return next((h.text for h in reversed(self.path)
                     if h.level not in HIDDEN_LEVELS and h.level not in DOCUMENT_LEVELS), "")

    @property
    def pages(self) -> tuple[int, ...]:
        """The PDF pages the paragraph stands on (1-based), in order; empty for other formats."""
        return tuple(dict.fromkeys(b.page for b in self.boxes))

    @property
    def locator(self) -> str:
        """Where the paragraph is under its innermost heading: a table row's label, a list item's marker, a
        note's number (注2), the 款 of an article (none for its first), else 第N段."""
        if self.kind in ("table_row", "list_item", "note") and self.row:
            return self.row  # a table row's label; a 目's 项 and number (（二）1.); 注2
        under_inline = bool(self.path) and self.path[-1].level in INLINE_LEVELS
        if self.kind == "list_item" and list_marker(self.text):
            return list_marker(self.text)
        if under_inline:
            return "" if self.number == 1 else f"第{self.number}款"
        return f"第{self.number}段"

    @property
    def label(self) -> str:
        """Human label, e.g. '融资租赁… › 一、主要做法 › （二）创新海关监管模式 › 第2段',
        '中华人民共和国道路交通安全法 › 第七章 法律责任 › 第九十一条（第31页）'."""
        return LABEL_SEP.join(x for x in [*self.headings, self.locator] if x) + page_note(self.pages)

    def to_dict(self) -> dict:
        """Plain-dict form (for JSON), including the label and pages."""
        return {"id": self.id, "doc_id": self.doc_id, "text": self.text, "title": self.title,
                "path": [[h.level, h.text] for h in self.path], "kind": self.kind, "number": self.number,
                "row": self.row, "boxes": [b.to_list() for b in self.boxes], "pages": list(self.pages),
                "label": self.label}

    @classmethod
    def from_dict(cls, d: dict) -> "Paragraph":
        """Inverse of :meth:`to_dict`; also reads the fixed heading fields of indexes made before parser 3."""
        path = d["path"] if "path" in d else [[lv, d[lv]] for lv in LEGACY_LEVELS if d.get(lv)]
        return cls(id=d["id"], doc_id=d["doc_id"], text=d["text"], title=d.get("title", ""),
                   path=tuple(Heading(lv, t) for lv, t in path), kind=d.get("kind", "paragraph"),
                   number=d.get("number", 1), row=d.get("row", ""),
                   boxes=tuple(Box(*b) for b in d.get("boxes", ())))


def with_source(paragraphs: dict[str, Paragraph], documents: dict) -> dict[str, Paragraph]:
    """Paragraphs with their document's issuer, else its region (``documents``: the manifest's, with their ``meta``),
    where the title does not name it: a yearbook table printed from 温州市统计局's site is 温州's though its title
    says only 2-1主要经济指标（2019—2023年）."""
    def source(p: Paragraph) -> str:
        meta = documents.get(p.doc_id, {}).get("meta", {})
        region = meta.get("region", "") if meta.get("region") != "全国" else ""
        named = meta.get("issuer", "") or region  # 云溪区 of a 政府工作报告 that names no issuer
        return "" if not named or named in p.title else named

    return {pid: replace(p, source=s) if (s := source(p)) else p for pid, p in paragraphs.items()}


def page_note(pages: tuple[int, ...]) -> str:
    """'（第3页）', '（第3–4页）', or '' without pages."""
    if not pages:
        return ""
    return f"（第{pages[0]}页）" if len(pages) == 1 else f"（第{pages[0]}–{pages[-1]}页）"


def short_heading(text: str) -> str:
    """A heading as shown in labels: without its final full stop."""
    return text.rstrip("。.；;：:")


def doc_id_for(name: str) -> str:
    """A filesystem- and URL-safe document ID from a file name."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", name)
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", stem).strip("_") or "doc"


def assign_structure(blocks: list[Block], doc_id: str, default_title: str = "") -> list[Paragraph]:
    """Walk blocks in order keeping the open headings; return numbered paragraphs with their paths.

    A heading closes the open headings of its rank or higher (a box closes at the next heading of any level);
    in a statute an article number opening a paragraph opens an ``article`` heading (and （一）/1. lines are its
    list items, whatever the reader guessed), and so does a clause
    number with its text (5.1.1 …); outside a statute, a numbered head run in before a paragraph's first sentence
    (（一）指导思想。坚持…) opens a heading of its level (see index.headings.run_in_head) when the next point numbered
    like it is headed alike; a table row's path ends with its table's title and column headers; a Q&A's question
    (问：…？, 【…记者】 and its question, 记者：…？) heads its answer, and a transcript's speaker (【…张明华】, 李卫东：…
    under a question) what he says. A heading with nothing under it (附件2 whose pages are images, or a line wrongly
    read as a heading) is kept as a paragraph under its parents, so no words are lost.
    """
    statutes = _statute_segments(blocks)
    title = default_title
    stack: list[Heading] = []
    filled: list[bool] = []  # per open heading: has a paragraph or a heading under it
    asked: set[int] = set()  # blocks read as the question of the 【…记者】 line before them
    announcing = ""  # the 项 whose 目 follow: （二） of （二）三条控制线划定方案，其中应当明确：
    counters: dict[tuple, int] = {}
    paragraphs: list[Paragraph] = []

    def add(text: str, path: tuple[Heading, ...], kind: str, row: str = "", boxes: tuple[Box, ...] = (),
            goes_on: bool = False) -> None:
        key = (*(h.text for h in path), kind in ("list_item", "note"))  # items (项), notes: no 款 of an article
        counters[key] = max(1, counters.get(key, 0)) if goes_on else counters.get(key, 0) + 1
        filled[:] = [True] * len(filled)  # every open heading now has something under it
        paragraphs.append(Paragraph(
            id=f"{doc_id}:p{len(paragraphs) + 1:04d}", doc_id=doc_id, text=text, title=title, path=path,
            kind=kind, number=counters[key], row=row, boxes=boxes))

    def open_heading(heading: Heading) -> None:
        rank = RANKS.get(heading.level, RANKS["item"])
        while stack and (stack[-1].level == "box" or RANKS.get(stack[-1].level, RANKS["item"]) >= rank):
            close()
        filled[:] = [True] * len(filled)
        stack.append(heading)
        filled.append(False)

    def close() -> None:
        heading = stack.pop()
        if not filled.pop() and squash(heading.text) != squash(title):  # nothing under it: kept as a paragraph
            add(heading.text, tuple(stack), "paragraph")

    for i, block in enumerate(blocks):
        statute = statutes[i]
        if block.level == "title":
            title = block.text
            continue
        if block.level and not (statute and block.level in LIST_LEVELS):
            open_heading(Heading(block.level, block.text))
            continue
        if i in asked:
            continue  # the question a 【…记者】 line opened
        if _signs_off(blocks, i):  # 特此通告。 / 绵阳市公安局 / 2025年4月2日: the document's, not its last point's
            while stack and RANKS.get(stack[-1].level, RANKS["item"]) > RANKS["annex"]:
                close()
        if COLOPHON_RE.match(block.text):  # 抄送：… / …办公厅2024年3月5日印发 after the annexes: the document's
            while stack:
                close()
        who = speaker_line(block.text) if block.kind == "paragraph" else ""
        if who and "记者" in who and i + 1 < len(blocks) and _is_text(blocks[i + 1]):
            asked.add(i + 1)  # 【湖北日报记者】 / 刚才介绍到…请问…？: one question, heading the answers after it
            open_heading(Heading("question", f"{who}：{blocks[i + 1].text.strip()}"))
            continue
        if who:
            open_heading(Heading("speaker", who))  # 【省人力资源和社会保障厅厅长 张明华】 heads what he says
            continue
        if block.kind == "paragraph" and is_question_head(block.text):
            open_heading(Heading("question", block.text.strip()))  # 问：…？ heads its 答：…
            continue
        lead = SPEAKER_LEAD_RE.match(block.text) if stack and stack[-1].level == "question" else None
        if lead and not filled[-1]:
            open_heading(Heading("speaker", lead.group(1)))  # 李卫东：谢谢您的提问。… right under a question
        head = inline_head(block.text, statute) if block.kind in ("paragraph", "list_item") else None
        run_in = run_in_head(block.text, statute) if not head and block.kind in ("paragraph", "list_item") \
            and not (stack and stack[-1].level == "box") and _siblings_run_in(blocks, i, statute) else None
        if not head and not run_in and block.kind == "paragraph" and not statute and _next_section(stack, block.text):
            open_heading(Heading("section", block.text.strip().rstrip("。：:")))  # 七、对本次招标提出询问，请按…联系。
            continue
        if head:
            open_heading(Heading("article", head))
        elif run_in:
            alone = squash(block.text).rstrip("。：:") == squash(run_in[1])
            if not alone or _items_follow(blocks, i, run_in[0]) or _text_follows(blocks, i, run_in[1]):
                open_heading(Heading(*run_in))
                if alone:
                    continue  # the point's head alone (（一）开展数字化诊断服务。), its items on the next lines
            else:
                run_in = None  # 4.人口出生率…来源于州卫计委数据。 a short point of its own
        elif stack and block.kind == "paragraph" and not statute and marker_level(block.text) == stack[-1].level:
            close()  # 2.规模以上工业… after the run-in head 1.本公报数据: a sibling point, not under it
        path = tuple(stack) + ((Heading("table", block.table),) if block.kind == "table_row" and block.table else ()) \
            + ((Heading("columns", block.columns),) if block.kind == "table_row" and block.columns else ())
        kind = "list_item" if block.kind == "paragraph" and statute and list_marker(block.text) else block.kind
        kind = "paragraph" if run_in or head else kind  # the paragraph its head heads, not an item under it
        row = block.row
        if kind == "list_item" and statute:  # 目 under a 项 that announces them: （二）…应当明确： / 1.… → （二）1.
            if marker_level(block.text) == "subsection":
                announcing = list_marker(block.text) if block.text.rstrip().endswith(("：", ":")) else ""
            elif announcing and marker_level(block.text) == "item":
                row = announcing + list_marker(block.text)
        else:
            announcing = ""
        # a provision quoted after the 款 that cites it (…修改为：/ “第三十条 国家保护耕地…”) is part of that 款
        quoted = statute and block.text.lstrip().startswith(("“", "「")) and bool(paragraphs) \
            and paragraphs[-1].text.rstrip().endswith(("：", ":")) and paragraphs[-1].path == path
        add(block.text, path, kind, row, block.boxes, goes_on=quoted)
    while stack:
        close()
    return paragraphs


def _items_follow(blocks: list[Block], i: int, level: str) -> bool:
    """Whether the block after blocks[i] is a paragraph numbered one level deeper than ``level``."""
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    deeper = nxt is not None and not nxt.level and marker_level(nxt.text)
    return bool(deeper) and RANKS[deeper] > RANKS[level]


SECTION_SENTENCE_MAX_CHARS = 40  # a section's head written as a sentence is no longer than this


def _next_section(stack: list[Heading], text: str) -> bool:
    """A short sentence numbered as the section after the open one (七、对本次招标提出询问，请按以下方式联系。 after
    六、其他补充事宜): the next section's heading, though it is written as a sentence."""
    m = SECTION_NUMBER_RE.match(text)
    opened = next((h for h in reversed(stack) if h.level == "section"), None)
    before = SECTION_NUMBER_RE.match(opened.text) if opened else None
    if not m or not before or len(squash(text)) > SECTION_SENTENCE_MAX_CHARS:
        return False
    number, previous = parse_numeral(m.group(1)), parse_numeral(before.group(1))
    return number is not None and previous is not None and number == previous + 1


ALONE_HEAD_MAX_CHARS = 10  # a point's head alone this short is a title (（一）主动公开。), not a point of its own


def _text_follows(blocks: list[Block], i: int, head: str) -> bool:
    """Whether a point's head alone is short enough to be a title (ALONE_HEAD_MAX_CHARS after its number) and the
    block after it is an unnumbered paragraph: its text (（一）主动公开。 then 全年公开县政府文件…; not 4.人口出生率…
    来源于州卫计委数据。, a point of its own)."""
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    words = squash(re.sub(r"^(?:[（(][^）)]{1,3}[）)]|[^、.．]{1,3}[、.．])", "", head))
    return len(words) <= ALONE_HEAD_MAX_CHARS and nxt is not None and nxt.kind == "paragraph" and not nxt.level \
        and not marker_level(nxt.text)


def _statute_segments(blocks: list[Block]) -> list[bool]:
    """Per block, whether the document it belongs to is a statute (is_statute): the whole file, or — when
    documents of their own follow one another (a gazette's regulation, then a notice: ``case`` headings) — the
    blocks from one such heading to the next."""
    starts = [0] + [i for i, b in enumerate(blocks) if b.level == "case" and i] + [len(blocks)]
    out: list[bool] = []
    for a, b in zip(starts, starts[1:]):
        statute = is_statute([x.text for x in blocks[a:b] if not x.level])
        out += [statute] * (b - a)
    return out


def _siblings_run_in(blocks: list[Block], i: int, statute: bool) -> bool:
    """Whether the next point numbered like blocks[i] (1. after 1., before a heading that closes them) opens with a
    run-in head too, or there is none: a list's points are headed alike (附注 1.本公报数据为初步统计数。… then
    2.地区生产总值…按现价计算。 — none of them is headed)."""
    level = marker_level(blocks[i].text)
    for block in blocks[i + 1:]:
        if block.level and RANKS.get(block.level, RANKS["item"]) <= RANKS.get(level or "item", RANKS["item"]):
            return True
        if not block.level and block.kind != "table_row" and marker_level(block.text) == level:
            return run_in_head(block.text, statute) is not None
    return True


# the formula that closes a notice's text, before its signature
CLOSING_RE = re.compile(r"^特此(?:通知|通告|公告|批复|函告|报告|决定|函)。?$")


def _signs_off(blocks: list[Block], i: int) -> bool:
    """The block closes the text of the document (or of its annex): 特此通告。, or a signature — a body's name with
    a date alone under it."""
    text = blocks[i].text.strip()
    if blocks[i].level or blocks[i].kind != "paragraph":
        return False
    if CLOSING_RE.match(text):
        return True
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    return nxt is not None and not nxt.level and bool(DATE_LINE_RE.match(nxt.text.strip())) and is_body(text)


def _is_text(block: Block) -> bool:
    """A paragraph of running text: no heading, table row or speaker line."""
    return not block.level and block.kind == "paragraph" and not speaker_line(block.text)
