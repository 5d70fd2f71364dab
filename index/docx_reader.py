"""Read a Word file (.docx) into blocks, in body order: headings by outline level, numbers Word generates, tables as rows.

* **Headings** come from the paragraph's outline level — set on the paragraph or on its style or a style it is
  based on (built-in `Heading 1–9`, custom styles such as `章标题` / `一级条标题`) — and, for text in the Normal
  style, from the numbering conventions of the text itself (`一、综合`, index.headings).
* **Numbers Word generates** (clause numbers `5.1`, list markers `a)`, `附录A`) are not in the text: they are
  computed from the numbering definitions, as Word shows them, and put in front of the text.
* **The title** is the largest text of the first paragraphs (consecutive paragraphs of that size), else the
  `Title` style; the file name only when neither exists.
* **Tables** become one block per row, with the column headers and the caption above the table
  (`表3主要农产品产量`, a `单位：…` line after it joins the caption), in document order.
* **Not content**: the table of contents (`toc N` styles and the 目录/目次 heading).
"""
from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

from index.documents import Block, DocumentError, DocumentTooLarge
from index.blocks import is_page_control
from index.headings import (CLAUSE_RE, DOCUMENT_TITLE_RE, MASTHEAD_RE, STATUTE_DIVISIONS, TABLE_TITLE_RE, TITLE_SIZE,
                            TOC_ENTRY_RE, TOC_RE, clause_depth, ends_sentence, heading_level, title_like)
from index.metadata import ORG_RE
from index.normalize import join_letter_spaced, normalize_authored
from index.notes import NOTE_KIND, note_label
from index.tables import UNIT_LINE_RE, grid_rows, row_blocks
from settings import LimitsConfig
from textutil import join_lines

MIB = 1 << 20
NOTE_STYLE = "footnote text"  # the style a footnote's or endnote's text is read in
SMALL_PART = 1 * MIB  # .docx parts smaller than this are never called bombs, whatever their compression ratio
TITLE_SCAN = 25  # the title is looked for among this many first paragraphs
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_docx_package(path: Path, limits: LimitsConfig) -> None:
    """Refuse a .docx whose zip would unpack to too much (a zip bomb) before any part is parsed.

    Uses the sizes in the zip directory; Python's zipfile never inflates a member beyond its
    declared size, so they bound what the parser can be made to read.
    """
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(f"cannot read DOCX {path.name}: not a valid .docx (zip) file: {exc}") from exc
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.max_docx_unpacked_mb * MIB:
        raise DocumentTooLarge(f"DOCX {path.name} would unpack to {unpacked / MIB:.0f} MB; the limit is "
                        f"{limits.max_docx_unpacked_mb:g} MB ([limits] max_docx_unpacked_mb)")
    for i in infos:
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > SMALL_PART and ratio > limits.max_docx_ratio:
            raise DocumentTooLarge(f"DOCX {path.name} looks like a zip bomb: part {i.filename} unpacks "
                            f"{ratio:.0f}× ({i.file_size / MIB:.0f} MB); the limit is "
                            f"{limits.max_docx_ratio:g}× ([limits] max_docx_ratio)")


def read_docx(path: Path) -> tuple[list[Block], Counter]:
    """Blocks of a .docx in body order, and what was left out (``toc`` lines); DocumentError when unreadable."""
    import docx

    try:
        document = docx.Document(str(path))
        items = list(_body_items(document))
    except MemoryError:
        raise
    except Exception as exc:  # python-docx/lxml on an untrusted file: BadZipFile, KeyError (missing part),
        # lxml XMLSyntaxError (broken XML), PackageNotFoundError, ValueError, …
        raise DocumentError(f"cannot read DOCX {path.name}: {type(exc).__name__}: {exc}") from exc
    return _blocks(items)


def _body_items(document):
    """("p", text, style name, outline level, number, size) and ("table", grid) in body order; a text box's
    paragraphs and a paragraph's footnotes (``注1：…``) follow the paragraph they stand in."""
    from docx.table import Table

    styles = _Styles(document)
    numbering = _Numbering(document)
    notes = _notes(document)
    counted = 0
    for el in _body_elements(document.element.body):
        if el.tag == W + "tbl":
            table = Table(el, document)
            yield ("table", [[_cell_text(c._tc, styles, numbering) for c in row.cells] for row in table.rows])
        elif el.tag == W + "p":
            for para in (el, *_boxed_paragraphs(el)):
                yield _paragraph_item(para, document, styles, numbering)
            for ref in el.iter(W + "footnoteReference", W + "endnoteReference"):
                counted += 1
                if notes.get(ref.get(W + "id")):
                    yield ("p", f"{note_label(str(counted))}：{notes[ref.get(W + 'id')]}", NOTE_STYLE, None, "", 0.0)


def _paragraph_item(el, document, styles, numbering) -> tuple:
    from docx.text.paragraph import Paragraph

    style_id = _style_id(el)
    name = styles.name(style_id)
    level = _own(el, "outlineLvl")
    level = int(level) if level is not None else styles.outline(style_id)
    return ("p", visible_text(el), name, level, _number(el, styles, numbering),
            styles.size(Paragraph(el, document), style_id))


def _style_id(el) -> str | None:
    return el.pPr.pStyle.val if el.pPr is not None and el.pPr.pStyle is not None else None


def _number(el, styles, numbering) -> str:
    """The number Word's list numbering gives a paragraph ('' for none or a bullet)."""
    num = _num_pr(el) or styles.num(_style_id(el))
    return numbering.next(*num) if num else ""


MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
HIDDEN_TAGS = frozenset({W + "del", W + "moveFrom", W + "txbxContent", MC + "Fallback"})  # not read as the text


def visible_text(el) -> str:
    """The text Word shows for an element with its tracked changes accepted: inserted text kept (w:ins), deleted
    text left out (w:del), a text box's text not part of the paragraph it is anchored in."""
    out: list[str] = []

    def walk(node) -> None:
        for child in node:
            if child.tag in HIDDEN_TAGS:
                continue
            if child.tag == W + "t":
                out.append(child.text or "")
            elif child.tag == W + "tab":
                out.append("\t")
            elif child.tag in (W + "br", W + "cr") and child.get(W + "type") != "page":
                out.append("\n")
            else:
                walk(child)

    walk(el)
    return "".join(out)


def _cell_text(tc, styles, numbering) -> str:
    """A table cell's text: its paragraphs with the numbers Word's list numbering gives them (1.申请人有效身份证件；
    2.…), and a table nested in it row by row (企业纳税信用等级，国家税务总局成都市税务局，模型核验；…);
    paragraphs that do not end a sentence are set apart by a space."""
    parts: list[str] = []
    for child in tc.iterchildren(W + "p", W + "tbl"):
        if child.tag == W + "p":
            text, number = visible_text(child), _number(child, styles, numbering)
            parts.append(f"{number}{text}" if number and text.strip() and not text.startswith(number) else text)
        else:
            for tr in child.iterchildren(W + "tr"):
                cells = [_clean(_cell_text(c, styles, numbering)) for c in tr.iterchildren(W + "tc")]
                parts.append("，".join(c for c in cells if c) + "；")
    return "".join(p if ends_sentence(p) or p.endswith(("：", ":")) else p + " " for p in parts if p.strip())


def _boxed_paragraphs(el) -> list:
    """The paragraphs of the text boxes anchored in a paragraph (the drawing's copy, not its VML fallback)."""
    boxes = [b for b in el.iter(W + "txbxContent")
             if not any(a.tag == MC + "Fallback" for a in b.iterancestors())]
    return [p for b in boxes for p in b.iter(W + "p")]


def _notes(document) -> dict[str, str]:
    """Footnote and endnote texts by their id (separators left out)."""
    from lxml import etree

    out: dict[str, str] = {}
    for rel in document.part.rels.values():
        if rel.is_external or not rel.reltype.endswith(("/footnotes", "/endnotes")):
            continue
        root = etree.fromstring(rel.target_part.blob)
        for note in root:
            if note.get(W + "type") in (None, "normal"):
                text = _clean(" ".join(visible_text(p) for p in note.iter(W + "p")))
                if text:
                    out[note.get(W + "id")] = text
    return out


def _body_elements(body):
    for el in body.iterchildren():
        if el.tag == W + "sdt":  # a content control (a table of contents, a cover page): its content
            content = el.find(W + "sdtContent")
            if content is not None:
                yield from _body_elements(content)
        else:
            yield el


def _blocks(items: list[tuple]) -> tuple[list[Block], Counter]:
    skipped: Counter = Counter()
    paragraphs = [it for it in items if it[0] == "p" and _clean(it[1])]
    title_run = _title_run(paragraphs[:TITLE_SCAN])
    title = join_lines([_clean(p[1]) for p in title_run])
    blocks: list[Block] = [Block(title, "title")] if title else []
    caption = ""
    lent = None  # (number, outline level, style) of an empty numbered heading paragraph just before
    typed = ""  # a clause number typed alone in the paragraph just before
    offset = 0  # outline level minus clause depth of the numbered headings seen (5.2 set as outline level 3 → 1)
    title_left = set(id(p) for p in title_run)
    contents = False  # in a contents list typed as paragraphs
    for it in items:
        if it[0] == "table":
            blocks += row_blocks(caption, grid_rows([[join_letter_spaced(_clean(c)) for c in row] for row in it[1]]))
            caption = ""
            continue
        _, raw, style, level, number, _size = it
        text = _clean(raw)
        if not text:
            # an empty numbered heading paragraph lends its number and level to the next one: a standard's term
            # entry is an empty 一级条标题 numbered 3.3, then 差异项 difference in the Normal style
            lent = (number, level, style) if number and level is not None else None
            continue
        if lent and not number:
            number, level, style = lent
        lent = None
        if CLAUSE_NUMBER_RE.match(text):  # 3.1 typed alone, the term on the next paragraph: one heading
            typed = text
            continue
        if typed:
            text, typed = f"{typed} {text}", ""
        if id(it) in title_left:
            title_left.discard(id(it))
            continue
        if is_page_control(text):  # a web page saved as Word: its breadcrumb and controls (【打印本页】)
            skipped["chrome"] += 1
            continue
        if style.lower().startswith("toc") or TOC_RE.match(text.replace(" ", "")) \
                or contents and TOC_ENTRY_RE.match(text):
            contents = True  # the lines after 目次 that end with their page (1 范围 1) are its entries
            skipped["toc"] += 1
            continue
        contents = False
        if caption and UNIT_LINE_RE.match(text):
            caption = f"{caption}（{text}）"
            continue
        if number and not text.startswith(number.strip()):
            text = f"{number.strip()} {text}" if re.match(r"[\w.]+$", number.strip()) else number.strip() + text
        heading = _heading_level(level, style, text)
        clause = CLAUSE_RE.match(text)
        if heading and clause and level is not None and 0 <= level <= 8:
            offset = level + 1 - clause_depth(clause.group(1))
        elif heading and clause and heading.startswith("h"):  # a clause heading typed in the text: Word's depth
            heading = f"h{min(9, clause_depth(clause.group(1)) + offset)}"
        under_heading = bool(blocks) and blocks[-1].level is not None  # 附表 / 2024年主要预期目标 / the table
        if (TABLE_TITLE_RE.match(text) or (TABLE_NAME_RE.search(text) or under_heading and CAPTION_LIKE_RE.match(text))
                and not heading) and _before_table(items, it):
            caption = text
            continue
        caption = ""
        if heading:
            blocks.append(Block(join_letter_spaced(text), heading))
        elif style == NOTE_STYLE:
            blocks.append(Block(text, None, NOTE_KIND, row=text.split("：", 1)[0]))  # 注1：… labelled 注1
        else:
            blocks.append(Block(text, None, "list_item" if number else "paragraph"))
    return blocks, skipped


def _heading_level(level: int | None, style: str, text: str) -> str | None:
    division = heading_level(text)
    if division in STATUTE_DIVISIONS:  # 第一章 总则 is a chapter, whatever style it is set in
        return division
    if division == "case" or TOP_CLAUSE_RE.match(text):  # 前言, 1 范围 in the Normal style: a standard's top level
        return "h1"
    if style == "Title":
        return "h1"
    if level is not None and 0 <= level <= 8:
        return f"h{level + 1}"
    m = re.match(r"(?:heading|标题)\s*(\d)$", style, re.IGNORECASE)
    if m:
        return f"h{m.group(1)}"
    return division


TABLE_NAME_RE = re.compile(r"^[^。；，,：:]{2,40}(?:表|一览表|清单)$")  # 重点任务分工表, right above its table
# a short line between a heading and a table names the table (附表 / 2024年主要预期目标, 附件 / 参会回执)
CAPTION_LIKE_RE = re.compile(r"^(?=.*[\u4e00-\u9fff]{4})[^。；;，,：:！？!?]{4,30}$")


def _before_table(items: list[tuple], item: tuple) -> bool:
    """The item right after this paragraph (empty paragraphs aside) is a table, or this is a 表N caption."""
    at = next(i for i, x in enumerate(items) if x is item)
    nxt = next((x for x in items[at + 1:] if x[0] == "table" or _clean(x[1]) and not UNIT_LINE_RE.match(_clean(x[1]))),
               None)  # (a unit line between them: 单位为米)
    return nxt is not None and nxt[0] == "table" or bool(TABLE_TITLE_RE.match(_clean(item[1])))


CLAUSE_NUMBER_RE = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,4}$")  # a clause number alone: 3.1
TOP_CLAUSE_RE = re.compile(r"^\d{1,2}\s+[\u4e00-\u9fff]{2,16}$")  # 1 范围, 3 术语和定义: a paragraph of its own


def _title_run(paragraphs: list[tuple]) -> list[tuple]:
    """The title's paragraphs: the largest text among the first paragraphs (consecutive paragraphs of that
    size) that is no masthead, if clearly larger than the body; else the first in the Title style; else the first
    paragraph that names a document; else none."""
    sized = [(p, p[5]) for p in paragraphs if p[5] and title_like(p[1])]
    sizes: Counter = Counter()
    for p in paragraphs:
        sizes[p[5]] += len(p[1])
    body = sizes.most_common(1)[0][0] if sizes else 0
    for size in sorted({s for _, s in sized if body and s >= TITLE_SIZE * body}, reverse=True):
        start = next(i for i, p in enumerate(paragraphs) if p[5] == size and title_like(p[1]))
        run = [paragraphs[start]]
        for p in paragraphs[start + 1:]:
            if p[5] != size:
                break
            run.append(p)
        flat = re.sub(r"\s+", "", "".join(p[1] for p in run))
        if not MASTHEAD_RE.match(flat) and not (ORG_RE.search(flat) and not DOCUMENT_TITLE_RE.search(flat)):
            return run  # (a masthead over two lines, 杭州市西湖区人民政府 / 专题会议纪要, or a body's name alone over a
            # letter, 浙江省发展和改革委员会办公室, is no title: the next size)
    styled = next(([p] for p in paragraphs if p[2] == "Title"), [])
    # all set alike (a web page saved as Word): the first paragraph that names a document (关于印发…的通知)
    return styled or next(([p] for p in paragraphs if title_like(p[1]) and not ends_sentence(p[1])
                           and DOCUMENT_TITLE_RE.search(re.sub(r"\s+", "", p[1]))), [])


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", normalize_authored(text)).strip()


def _own(el, tag: str) -> str | None:
    ppr = el.find(W + "pPr")
    node = ppr.find(W + tag) if ppr is not None else None
    return node.get(W + "val") if node is not None else None


def _num_pr(el) -> tuple[str, int] | None:
    ppr = el.find(W + "pPr")
    num_pr = ppr.find(W + "numPr") if ppr is not None else None
    return _read_num_pr(num_pr) if num_pr is not None else None


def _read_num_pr(num_pr) -> tuple[str, int] | None:
    num_id = num_pr.find(W + "numId")
    ilvl = num_pr.find(W + "ilvl")
    if num_id is None:
        return None
    return num_id.get(W + "val"), int(ilvl.get(W + "val")) if ilvl is not None else 0


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _chinese(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


class _Styles:
    """Outline level, numbering and font size of paragraph styles, through their ``basedOn`` chain."""

    def __init__(self, document):
        self._by_id = {}
        for el in document.styles.element.iterchildren(W + "style"):
            self._by_id[el.get(W + "styleId")] = el
        defaults = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
        self._default_size = int(defaults.get(W + "val")) / 2 if defaults is not None else 10.5

    def _chain(self, style_id):
        seen = set()
        while style_id and style_id in self._by_id and style_id not in seen:
            seen.add(style_id)
            el = self._by_id[style_id]
            yield el
            based = el.find(W + "basedOn")
            style_id = based.get(W + "val") if based is not None else None

    def name(self, style_id) -> str:
        """The style's name ('Normal' when none)."""
        for el in self._chain(style_id or self._default_id()):
            node = el.find(W + "name")
            return node.get(W + "val") if node is not None else ""
        return "Normal"

    def _default_id(self):
        return next((sid for sid, el in self._by_id.items() if el.get(W + "default") == "1"
                     and el.get(W + "type") == "paragraph"), None)

    def outline(self, style_id) -> int | None:
        """The outline level (0-based; 9 = body text) the style sets, if any."""
        for el in self._chain(style_id):
            node = el.find(f"{W}pPr/{W}outlineLvl")
            if node is not None:
                return int(node.get(W + "val"))
        return None

    def num(self, style_id) -> tuple[str, int] | None:
        """The numbering (numId, level) the style applies, if any."""
        for el in self._chain(style_id):
            node = el.find(f"{W}pPr/{W}numPr")
            if node is not None:
                return _read_num_pr(node)
        return None

    def size(self, para, style_id) -> float:
        """The paragraph's font size in points: its runs' own, else its style chain's, else the default."""
        sizes = [r.font.size.pt for r in para.runs if r.font.size is not None and r.text.strip()]
        if sizes:
            return max(sizes)
        for el in self._chain(style_id or self._default_id()):
            node = el.find(f"{W}rPr/{W}sz")
            if node is not None:
                return int(node.get(W + "val")) / 2
        return self._default_size


class _Numbering:
    """Word's list and heading numbers, counted as Word counts them (per abstract list, deeper levels restart; a list
    whose w:num overrides its start — w:startOverride — restarts there)."""

    FORMATS = {
        "decimal": str,
        "lowerLetter": lambda n: chr(ord("a") + (n - 1) % 26),
        "upperLetter": lambda n: chr(ord("A") + (n - 1) % 26),
        "lowerRoman": lambda n: _roman(n).lower(),
        "upperRoman": _roman,
        "chineseCounting": _chinese,
        "chineseCountingThousand": _chinese,
        "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
        "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if n <= 20 else str(n),
        "decimalFullWidth": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
        "none": lambda n: "",
    }

    def __init__(self, document):
        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self._abstract_of: dict[str, str] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._restarts: dict[str, dict[int, int]] = {}  # numId → {level: start} of its w:startOverride
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for a in root.iterchildren(W + "abstractNum"):
            levels = {}
            for lvl in a.iterchildren(W + "lvl"):
                get = lambda tag: (lvl.find(W + tag).get(W + "val") if lvl.find(W + tag) is not None else None)  # noqa: E731
                levels[int(lvl.get(W + "ilvl"))] = (int(get("start") or 1), get("numFmt") or "decimal",
                                                    get("lvlText") or "")
            self._levels[a.get(W + "abstractNumId")] = levels
        for num in root.iterchildren(W + "num"):
            ref = num.find(W + "abstractNumId")
            if ref is not None:
                self._abstract_of[num.get(W + "numId")] = ref.get(W + "val")
            for override in num.iterchildren(W + "lvlOverride"):
                start = override.find(W + "startOverride")
                if start is not None:
                    self._restarts.setdefault(num.get(W + "numId"), {})[int(override.get(W + "ilvl"))] = \
                        int(start.get(W + "val"))

    def next(self, num_id: str, ilvl: int) -> str:
        """The number of the next paragraph of this list at this level ('' for none or a bullet)."""
        abstract = self._abstract_of.get(num_id)
        levels = self._levels.get(abstract or "", {})
        if num_id == "0" or ilvl not in levels:
            return ""
        counters = self._counters.setdefault(abstract, {})
        for level, restart in self._restarts.pop(num_id, {}).items():  # a list that restarts its numbering
            counters[level] = restart - 1  # (Word: a w:num with w:startOverride, its first paragraph)
            for deeper in [k for k in counters if k > level]:
                del counters[deeper]
        start = levels[ilvl][0]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        _, fmt, text = levels[ilvl]
        if fmt == "bullet":
            return ""

        def level_number(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            value = counters.get(k, levels[k][0])
            return self.FORMATS.get(levels[k][1], str)(value)

        return normalize_authored(re.sub(r"%(\d)", level_number, text)).strip()


