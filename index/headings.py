"""Heading rules of Chinese documents, in one place: which line is a heading, of which level, and how levels nest.

Levels are named by the numbering convention that marks them; their rank says how they nest (a lower rank
holds the higher ones). A heading closes every open heading of the same or a higher rank.

| level | marks | example |
|---|---|---|
| ``title`` | the document's title | 中华人民共和国道路交通安全法 |
| ``category`` / ``case`` | the bundled report's case categories and cases; a document of its own in a file of several | 产业综合类案例 |
| ``annex`` | an attachment or appendix: it closes the chapters before it and holds its own | 附件2, 附录A |
| ``part`` / ``chapter`` / ``jie`` | 编 / 章 / 节 of a statute; 部分 of a budget or plan | 第五章 法律责任, 第二节 机动车驾驶人, 第一部分 部门概况 |
| ``h1`` … ``h6`` | numbered clauses of a standard, Word outline levels | 5 定期安全评价, 5.1 确定评价范围 |
| ``question`` / ``speaker`` | a Q&A's or a press conference's question, over its answer and who gives it | 问：何时开始实施？, 张明华 |
| ``section`` / ``subsection`` / ``item`` | 一、 / （一） / 1. | 一、综合, （二）创新海关监管模式 |
| ``article`` | a statute's article, or a numbered clause with its text on the same line | 第九十一条, 5.1.1 |
| ``box`` | a sidebar; any heading closes it | 专栏 1 … |

Articles (第X条) and clauses with their text (5.1.1 一般而言…) are *inline*: the paragraph keeps its text,
and the article or clause number becomes the innermost heading of it and of the paragraphs (款) that follow.
In a statute (three or more articles), （一） and 1. lines are list items (项) of an article, not headings.
"""
from __future__ import annotations

import re

from textutil import CJK_RE, SENTENCE_END

CN_DIGITS = "一二三四五六七八九十百千零〇两"
CN_NUM = "一二三四五六七八九十百"

# the bundled report's conventions (and most notices and bulletins)
SECTION_RE = re.compile(rf"^[{CN_NUM}]+、\S")
SECTION_NUMBER_RE = re.compile(rf"^\s*([{CN_NUM}]{{1,4}})、")  # the numeral of a section's 七、
SUBSECTION_RE = re.compile(rf"^[（(][{CN_NUM}]+[）)]\S")
ITEM_RE = re.compile(r"^\d{1,2}[.．、]\s?(?!\d)\S")
BOX_RE = re.compile(r"^专栏\s*\d+")
CATEGORY_RE = re.compile(r"^\S{2,10}类案例$")
# statutes: 第X编 / 第X章 / 第X节 with a title, 第X条 followed by its text
PART_RE = re.compile(rf"^第[{CN_DIGITS}\d]+(?:编|部分)\s*\S")  # 第一编 总则; 第一部分 部门概况 (a budget, a plan)
CHAPTER_RE = re.compile(rf"^第[{CN_DIGITS}\d]+章(?:\s+\S|$)")
JIE_RE = re.compile(rf"^第[{CN_DIGITS}\d]+节(?:\s+\S|$)")
ARTICLE_NO = rf"第[{CN_DIGITS}\d]+条"  # an article's number: 第九十一条, 第91条
ARTICLE_NO_RE = re.compile(ARTICLE_NO)
ARTICLE_RE = re.compile(rf"^({ARTICLE_NO}(?:之[{CN_DIGITS}]+)?)(?:\s+|(?=[（(【]))")
# standards: 5 范围 / 5.1 确定评价范围 (a heading line) and 5.1.1 一般而言… (a clause with its text); 附录A
# 5 / 5.1 / A.1 (an appendix's clause)
# (a number run into a unit is a figure, not a clause: 1.36万户 and 4.15分钟 opening a wrapped line)
CLAUSE_RE = re.compile(r"^((?:\d{1,2}|[A-Z](?=\.\d))(?:\.\d{1,2}){0,4})"
                       r"(?:\s+|(?=[\u4e00-\u9fff])(?![万亿千百元户人家名项次倍米吨克个分秒天年月日周岁公]))(?![\d.%％])")
APPENDIX_RE = re.compile(r"^附\s*录\s*[A-Z]\b|^附\s*[件表]\s*\d*$|^(?:名词解释|附\s*注|注\s*释|参\s*考\s*文\s*献)$")  # back matter too
TABLE_TITLE_RE = re.compile(r"^(?:续)?表\s*(?:[A-Z]\.?)?\d+(?:[-－.]\d+)?(?:\s|(?=[\u4e00-\u9fff])|$)")  # 表3, 表A.1
FIGURE_TITLE_RE = re.compile(r"^图\s*\d+(?:[-－.]\d+)?(?:\s|(?=[\u4e00-\u9fff])|$)")
DATE_LINE_RE = re.compile(r"^(?:\d{4}|[一二三四五六七八九〇零]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月(?:\s*[\d一二三四五六七八九十]{1,3}\s*日)?$")
TOC_RE = re.compile(r"^(?:目\s*录|目\s*次)$")
# a line of a contents list typed without dot leaders: a heading, a space (a tab), its page (1 范围 1, 前言 I)
TOC_ENTRY_RE = re.compile(r"^\S.{0,60}?\s(?:\d{1,3}|[IVX]{1,5}|[Ⅰ-Ⅻ])$")
DOC_NUMBER_LINE_RE = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔\[［（(]\d{4}[〕\]］）)]\s*第?\s*\d+\s*号$")  # 澄医保发〔2024〕31号
# a report's front and back matter: these exact lines open a section of the report's own (a 'case' level), and
# a heading matching FRONT_MATTER_RE (附录A… included) is never counted as one of its cases
FRONT_MATTER = frozenset({"前言", "序言", "引言", "概述", "导言", "结语", "后记", "附录", "目录", "摘要"})
FRONT_MATTER_RE = re.compile(r"^(?:前言|序言?|引言|导言|导语|目录|后记|附录.*|编者按|编写说明|说明|摘要)$")
LIST_ITEM_RE = re.compile(rf"^(?:[（(][{CN_NUM}\d]+[）)]|\d{{1,2}}[.．、)）](?!\d)|[a-z][)）.]|[①-⑳]|——|—)")  # not 14.2%
HEADING_MAX_CHARS = 60
# a document's title: the largest text of its first page (PDF) or paragraphs (Word), at least this many times the
# body text's size (小二号 over 三号 text is 1.125) and with at least TITLE_MIN_CJK Chinese characters (a logo such as NB
# is no title)
TITLE_SIZE = 1.1
TITLE_MIN_CJK = 4


# a promulgation notice before a regulation: 《青海省物业管理条例》已由…会议于2024年11月28日通过，现予公布
PROMULGATION_RE = re.compile(r"^《([^》]{2,40})》(?:已由|已经).{0,80}?(?:通过|批准|修订)")


def promulgated_title(texts: list[str]) -> str:
    """The title a promulgation notice (公告, 令) on a regulation's first page gives it, or '' — the title of a
    document whose first page is that notice, set no larger than its text."""
    return next((m.group(1) for t in texts[:6] if (m := PROMULGATION_RE.match(t.strip()))), "")


# the masthead of a red-header document, an order or minutes, set larger than the title under it: 某某市人民政府办公室
# 文件, 某某省人民政府令, 某某区人民政府专题会议纪要 (the title is 关于…的通知, or the regulation the order promulgates)
# the labelled fields of a web page's document-information box (索引号 000014349/2024-00089 | 主题分类 …; 发文机关：…)
INFO_FIELDS = ("索引号", "主题分类", "发文机关", "发布机关", "发布机构", "制定机关", "成文日期", "发文日期", "发文字号", "文号",
               "发布日期", "施行日期", "生效日期", "实施日期", "有效性", "公文种类")
# a title that names a document: a centred heading set larger than the text (the gazette's 关于…的通知 after a
# regulation, a plan's own title after the notice that issues it) stands for that document, as a case of the report
# does; under a masthead, the lines that spell such a name are the title
DOCUMENT_TITLE_RE = re.compile(r"(?:通知|通告|公告|决定|意见|办法|条例|规定|细则|规划|方案|决议|批复|答复|函)(?:[（(][^）)]*[）)])?$")
# a 公文's colophon at the foot of its last page (抄送：省委各部门…, 某某办公厅 2024年3月5日印发): the document's own lines
COLOPHON_RE = re.compile(r"^\s*(?:抄\s*送|分\s*送)\s*[：:]|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印\s*发\s*$")
MASTHEAD_RE = re.compile(r"^[\u4e00-\u9fff]{2,30}(?:人民政府|办公厅|办公室|委员会|局|厅|部|院|主席)(?:文件|令|(?:专题|常务)?会议纪要)$")


# a standard's cover line, a line of its own (中华人民共和国国家标准, 中华人民共和国能源行业标准): no title either; 应当
#符合国家标准 in a notice's text is none
STANDARD_LINE_RE = re.compile(r"^(?:中华人民共和国)?[\u4e00-\u9fff]{0,10}(?:国家|行业|地方|团体)标准$")


def title_like(text: str) -> bool:
    """Text that can be a title: TITLE_MIN_CJK Chinese characters or more, not a masthead (MASTHEAD_RE) nor a
    standard's cover line (STANDARD_LINE_RE)."""
    flat = re.sub(r"\s+", "", text)
    return len(CJK_RE.findall(text)) >= TITLE_MIN_CJK and not MASTHEAD_RE.match(flat) \
        and not STANDARD_LINE_RE.match(flat)


LINE_END = SENTENCE_END + "…"  # a line that ends a sentence (or trails off) is no heading

RANKS = {"title": 0, "category": 5, "case": 10, "annex": 11, "part": 12, "chapter": 14, "jie": 16,
         **{f"h{n}": 16 + 2 * n for n in range(1, 10)},
         "section": 40, "subsection": 42, "item": 44, "question": 50, "speaker": 52, "article": 60, "box": 99}
INLINE_LEVELS = frozenset({"article"})
STATUTE_DIVISIONS = frozenset({"part", "chapter", "jie"})  # 编 / 章 / 节: levels a statute's text marks itself
# levels that are list items (项) of an article in a statute
LIST_LEVELS = frozenset({"subsection", "item"})
# levels that never show in a label (the report's categories) and levels that stand for the document
HIDDEN_LEVELS = frozenset({"category", "columns"})  # columns: a table row's column headers (表3 … 产量（万吨）…)
DOCUMENT_LEVELS = frozenset({"case"})


def report_heading_level(text: str) -> str | None:
    """A short line's level by the bundled report's conventions (一、 / （一） / 1. / 专栏 / …类案例), or None."""
    t = text.strip()
    if not t or len(t) > HEADING_MAX_CHARS:
        return None
    if re.sub(r"\s+", "", t) in FRONT_MATTER:
        return "case"
    if BOX_RE.match(t):
        return "box"
    if CATEGORY_RE.match(t):
        return "category"
    if SECTION_RE.match(t):
        return "section"
    if SUBSECTION_RE.match(t):
        return "subsection"
    if ITEM_RE.match(t) and len(t) <= 40:
        return "item"
    return None


def ends_sentence(text: str) -> bool:
    """True when text ends with sentence-final punctuation (closing quotes allowed)."""
    t = text.rstrip().rstrip("”’」』）)》")
    return bool(t) and t[-1] in LINE_END


def clause_depth(number: str) -> int:
    """Depth of a clause number: '5' → 1, '5.1' → 2, '5.1.1' → 3."""
    return number.count(".") + 1


def heading_level(text: str, statute: bool = False) -> str | None:
    """The level of a line that is a heading of its own, or None: statute divisions (第X编/章/节), appendices,
    clause headings (5.1 确定评价范围), then the report's conventions. In a ``statute``, （一） and 1. lines are
    list items, not headings; a line ending a sentence, or holding one's end, is never a heading."""
    t = text.strip()
    if not t or len(t) > HEADING_MAX_CHARS or ends_sentence(t) or t.endswith(("，", ",", "、", "：", ":")) or "。" in t:
        return None  # (a line with a sentence end inside — 18.3千公顷。粮食总产量… — is running text)
    if PART_RE.match(t):
        return "part"
    if CHAPTER_RE.match(t):
        return "chapter"
    if JIE_RE.match(t):
        return "jie"
    if APPENDIX_RE.match(t):
        return "annex"
    m = CLAUSE_RE.match(t)
    if m and "." in m.group(1) and len(t) <= 40:
        return f"h{clause_depth(m.group(1))}"
    level = report_heading_level(t)
    if statute and level in LIST_LEVELS:
        return None
    return level


def inline_head(text: str, statute: bool) -> str | None:
    """The article or clause number a paragraph starts with ('第九十一条 饮酒后…' → '第九十一条',
    '5.1.1 一般而言…' → '5.1.1'), or None. Articles count only in a statute."""
    t = text.lstrip()
    m = ARTICLE_RE.match(t)
    if m and statute:
        return m.group(1)
    m = CLAUSE_RE.match(t)
    if m and len(t) > len(m.group(0)) + 2 and (m.group(1).count(".") >= 2
                                                or (m.group(1).count(".") == 1 and m.group(0)[-1].isspace())):
        return m.group(1)  # 5.1.1 一般而言…, or 5.1 系统运行前应… (a space after it: not 18.3千公顷)
    return None


RUN_IN_RE = re.compile(rf"^((?:[{CN_NUM}]+、|[（(][{CN_NUM}]+[）)]|\d{{1,2}}[.．、](?!\d))\s?[^。；：:，,！？\s]{{2,24}})[。：:]")
RUN_IN_LEVELS = frozenset({"section", "subsection", "item"})


def run_in_head(text: str, statute: bool) -> tuple[str, str] | None:
    """The numbered heading a paragraph opens with before its first sentence, as (level, heading), or None — the
    way notices and work reports write their sub-points: '（一）指导思想。坚持以人民为中心…' → ('subsection',
    '（一）指导思想'); '1.加强组织领导。各地区要…' → ('item', '1.加强组织领导'). Not in a statute, whose （一） and 1.
    are items of an article, nor when a mere word or two follows the head. A point that is its head alone
    ('（一）开展数字化诊断服务。', its items on the next lines) is a heading too."""
    m = RUN_IN_RE.match(text.lstrip())
    if statute or not m or len(m.group(0)) < len(text.strip()) <= len(m.group(0)) + 4:
        return None
    level = report_heading_level(m.group(1))
    return (level, m.group(1)) if level in RUN_IN_LEVELS else None


# a policy Q&A's question (政策解读 问答): 问：《若干措施》出台的背景是什么？ / 问题3：… / 3.问：… / Q1：…; its 答 follows
QUESTION_RE = re.compile(r"^(?:问题?\s*\d*\s*[：:]|[QqＱ]\s*\d{0,2}\s*[：:]|\d{1,2}[.．、]\s*问\s*[：:]"
                         r"|[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]?\s*问\s*[：:]"
                         r"|[^：:，。？]{0,20}记者\s*[：:])")  # … and a press conference's 中国日报记者：…？
QUESTION_MAX_CHARS = 160
# a transcript's speaker on a line of its own: 【湖北日报记者】, 【省人力资源和社会保障厅厅长 张明华】
SPEAKER_LINE_RE = re.compile(r"^【([^】]{2,40})】$")
# an answer opened by its speaker's name, right under a question: 李卫东：谢谢您的提问。…
SPEAKER_LEAD_RE = re.compile(r"^([\u4e00-\u9fff]{2,4})[：:](?=\S)")


def is_question_head(text: str) -> bool:
    """A Q&A's question line (问：…？, 中国日报记者：…？), which heads the answer paragraphs after it."""
    t = text.strip()
    return bool(QUESTION_RE.match(t)) and "？" in t[-12:].replace("?", "？") and len(t) <= QUESTION_MAX_CHARS


def speaker_line(text: str) -> str:
    """The speaker a transcript's line of its own names ('【湖北日报记者】' → '湖北日报记者'), or ''."""
    m = SPEAKER_LINE_RE.match(text.strip())
    return m.group(1) if m else ""


def marker_level(text: str) -> str | None:
    """The heading level the point number a text opens with stands for ('2.规模以上…' → 'item', '（三）…' →
    'subsection', '四、…' → 'section'), or None."""
    t = text.lstrip()
    return ("section" if SECTION_RE.match(t) else "subsection" if SUBSECTION_RE.match(t)
            else "item" if ITEM_RE.match(t) else None)


def without_contents(levels_texts: list[tuple[str | None, str]]) -> set[int]:
    """The indexes of a table of contents among a document's blocks, given as (level, text): a run of three or
    more headings with no text between them, each of which comes again later as a heading (第一章 总则 … 第六章
    附则 listed under the title, then the chapters themselves), and the 目录 line over it."""
    later: dict[str, list[int]] = {}
    for i, (level, text) in enumerate(levels_texts):
        if level:
            later.setdefault(re.sub(r"\s+", "", text), []).append(i)
    out: set[int] = set()
    run: list[int] = []
    for i, (level, text) in enumerate([*levels_texts, (None, "")]):
        key = re.sub(r"\s+", "", text)
        if level and level != "title" and any(j > i for j in later.get(key, [])):
            run.append(i)
            continue
        if len(run) >= 3:
            out.update(run)
            if run[0] and TOC_RE.match(re.sub(r"\s+", "", levels_texts[run[0] - 1][1])):
                out.add(run[0] - 1)  # the 目录 line over it
        run = []
    return out


def is_mark_line(text: str) -> bool:
    """A line that is a document number or a date alone (澄医保发〔2024〕31号, 2024年8月26日): a mark under a
    title or a signature, never a paragraph's wrapped line."""
    t = text.strip()
    return bool(DOC_NUMBER_LINE_RE.match(t) or DATE_LINE_RE.match(t))


def is_statute(texts: list[str]) -> bool:
    """A document with three or more paragraphs that open with an article number (第X条 …)."""
    return sum(1 for t in texts if ARTICLE_RE.match(t.lstrip())) >= 3


def list_marker(text: str) -> str:
    """The list marker a paragraph opens with ('（三）机动车登记；' → '（三）'), or ''."""
    m = LIST_ITEM_RE.match(text.lstrip())
    return m.group(0) if m else ""


def is_front_matter(title: str) -> bool:
    """前言, 目录, 后记, 附录… (spaces inside ignored): not a case of a report."""
    return bool(FRONT_MATTER_RE.match(re.sub(r"\s+", "", title)))
