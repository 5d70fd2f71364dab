"""Page furniture and web-page chrome, found by evidence and taken out of a PDF's lines (pure).

What is dropped, and why (each line is counted under its reason, so `index status` can show it):

* ``repeated``: a line that stands at the same place on most pages once its digits are masked (running
  headers and footers, a browser's date stamp and URL with their page counter, a side bar).
* ``page_number``: a page number in any form at the top or bottom of a page: `－3－`, `- 3 -`, `3`, `2/7`,
  `第3页`, `第3页 共7页`.
* ``stamp``: what a browser adds when it prints a page: its URL, a `2026/2/9 22:47` or `12/7/26, 1:57 PM` time stamp.
* ``chrome``: site navigation, by its shape: a line of three or more short items separated by spaces, `|` or
  `>` with no sentence in it, in a page a browser printed (menus, breadcrumbs `首页 > 政策 > 法律法规`, language
  bars, link lists); anywhere, a bracketed control (`【字体：大 中 小】 打印本页`), a site registration line (`京ICP备05070218号`,
  `桂公网安备…号`). In a page a browser printed (it has ``stamp`` lines), also what stands before the title on the
  first page (the site header, but for its labelled document fields `发文机关：…`), the site footer (from `责任编辑：…`,
  `【我要纠错】`, `复制 打印`… after the document's last sentence; the signature and attachments stay), and beside
  the text column (side bars, also when they share a line with the text; counted by segment).
"""
from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace

from index.headings import (DOC_NUMBER_LINE_RE, DOCUMENT_TITLE_RE, INFO_FIELDS, MASTHEAD_RE, TABLE_TITLE_RE, TITLE_SIZE,
                            ends_sentence, heading_level, title_like)
from index.layout import Line
from index.metadata import STAMP_RE
from index.normalize import normalize_line
from textutil import CJK_RE, squash

# what a reader leaves out of a document, by reason (counted per document in the manifest, shown by `index status`)
DROP_REASONS = {"page_number": "page numbers", "repeated": "repeated header/footer lines", "stamp": "browser stamps",
                "chrome": "web-page chrome", "toc": "table-of-contents lines", "no_text_layer": "pages without text layer"}
MARGIN = 0.12  # top and bottom share of a page where headers, footers and page numbers stand
REPEAT_SHARE = 0.5  # a line repeated at the same place on at least this share of the pages is furniture
PAGE_NUMBER_RE = re.compile(r"^(?:[-－—–~]\s*(?:\d{1,4}|[IVX]{1,4})\s*[-－—–~]|\d{1,4}|[IVX]{1,4}|[ivx]{1,4}"
                            r"|\d{1,4}\s*/\s*\d{1,4}|第\s*\d{1,4}\s*页"
                            r"(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$")
# a web address: printable ASCII only (门户网站（www.tongxi.gov.cn）“…”栏目 ends it at the full-width bracket)
URL_RE = re.compile(r"https?://[!-~]+|www\.[A-Za-z0-9-]+\.[!-~]+")
URL_LINE_MAX_CJK = 20  # a line with a web address and fewer Chinese characters than this is a stamp, not a sentence
REGISTRATION_RE = re.compile(r"ICP备\s*\d+|公网安备\s*\d+|网站标识码")
SITE_NAME_SEPARATORS = "-_|—–"  # between a page title and the site's name in a browser's stamp (… - 温州市统计局)
STAMP_TITLE_MIN_CJK = 8  # a print stamp's page title names the document when it has this many Chinese characters
DATED_RE = re.compile(r"\d{4}\s*[年/-]\s*\d{1,2}|" + STAMP_RE.pattern)
SEAL_RE = re.compile(r"^[\u4e00-\u9fff（）()]{0,20}(?:专用章|公章)$")  # a seal's legend: 行政处罚专用章
# buttons a web page shows around its text: 【打印本页】【关闭窗口】, 【打印】【关闭】, 扫一扫在手机打开当前页
CLICK_CONTROLS_RE = re.compile(r"^(?:【?(?:打印本页|关闭窗口|打印|关闭|我要纠错|收藏本页|加入收藏)】?\s*)+$|^扫一扫.{0,12}$")
# a page's controls: 【字体：大 中 小】, and the font-size switch in any brackets (字体：[大 中 小], 字号：大 中 小)
CONTROL_RE = re.compile(r"【[^】]{0,20}[：:][^】]{0,20}】|字[体号]\s*[：:]\s*[\[［【(（]?\s*大\s*中\s*小")
# a web page's own information line or share bar (信息来源：… 发布时间：… 浏览次数：1234; 分享到：微信 微博)
PAGE_INFO_RE = re.compile(r"(?:浏览次数|点击数|阅读次数|访问量|访问次数)\s*[：:]|(?:阅读|浏览|点击)\s*[：:]?\s*\d+\s*次"
                          r"|^分享到\s*[：:]")  # … 作者：小宝 阅读：28516次 评论：23条
# what only a site puts after a document: the links to the next and previous articles, recommendations, comments,
# the site's disclaimer (上一篇：…, 相关推荐, 网友评论（23）, 本地宝郑重声明：…): the footer starts there, even when a
# reader's comment after it ends a sentence
SITE_AFTER_RE = re.compile(r"^(?:上一篇|下一篇)\s*[：:]|^(?:相关推荐|相关阅读|相关文章|热门推荐|猜你喜欢|网友评论|发表评论|扫码关注"
                           r"|往期推荐|往期回顾|推荐阅读|延伸阅读)"
                           r"|(?:郑重|免责)声明\s*[：:]")
# a line that opens a site's footer after the document (责任编辑：…, 【我要纠错】, 复制 打印, 扫一扫在手机打开当前页)
FOOTER_RE = re.compile(r"^(?:【?我要纠错】?|责任编辑|扫一扫|分享到|相关链接|主办单位|承办单位|版权所有|网站地图|关于我们"
                       r"|联系我们|打印本页|关闭窗口|复制\s*打印|【?打印】?$|(?:【(?:打印|关闭|关闭窗口)】\s*)+$)")
# a labelled field of a page's document-information box (发文机关：国务院办公厅 成文日期：2024年08月12日), or a
# document number above the title: the document's own data, kept though it stands before the title
FIELD_LINE_RE = re.compile(rf"(?:{'|'.join(INFO_FIELDS)})\s*[：:]")
ITEM_SPLIT_RE = re.compile(r"\s*[|｜>＞›»]\s*|\s+")
CLAUSE_PUNCT_RE = re.compile(r"[。，；！？,;!?]")


@dataclass
class Cleaned:
    """The lines kept, the document title found on the first page (and its lines), the count of lines dropped per
    reason, and whether a browser printed the page."""

    lines: list[Line]
    title: str = ""
    title_lines: tuple[Line, ...] = ()
    dropped: Counter = field(default_factory=Counter)
    printout: bool = False
    dated: tuple[str, ...] = ()  # dropped lines that carry a date (a print stamp, a 发布时间 line): for metadata


def is_page_number(text: str) -> bool:
    """'－3－', '- 3 -', '3', '2/7', '第3页', '第3页 共7页', 'Page 3', and a front matter's 'II' or '- ii -' are page
    numbers."""
    return bool(PAGE_NUMBER_RE.match(text.strip()))


def is_chrome(text: str, printout: bool = True) -> bool:
    """Site navigation by its shape: a control (【字体：大 中 小】, 【打印】【关闭】), a site registration number or a
    seal's legend; in a page a browser printed, also ≥3 short items with no sentence (menus, breadcrumbs, language
    bars, link lists)."""
    t = text.strip()
    if REGISTRATION_RE.search(t) or CONTROL_RE.search(t) or CLICK_CONTROLS_RE.match(t) or SEAL_RE.match(t):
        return True
    if not printout:
        return False
    if PAGE_INFO_RE.search(t):
        return True
    if heading_level(t) or TABLE_TITLE_RE.match(t) or re.search(r"\d", t) and not re.search(r"[|>＞]", t):
        return False
    items = [x for x in ITEM_SPLIT_RE.split(t) if x]
    separated = len(re.findall(r"[|｜>＞›»]", t)) >= 2
    return (len(items) >= 3 and all(len(x) <= 8 for x in items) and not CLAUSE_PUNCT_RE.search(t)
            and (separated or len(items) >= 4))


def _in_margin(line: Line, page_height: float) -> bool:
    return line.bottom <= MARGIN * page_height or line.top >= (1 - MARGIN) * page_height


def body_size(lines: list[Line]) -> float:
    """The font size most of the text is set in (by characters)."""
    sizes = Counter()
    for line in lines:
        sizes[round(line.size, 0)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def clean_lines(pages: list[list[Line]], heights: list[float]) -> Cleaned:
    """Drop furniture and chrome from a document's lines (one list per page); find the title on page one."""
    keys = [[_repeat_key(line, heights[n]) for line in lines] for n, lines in enumerate(pages)]
    keyed: dict[tuple, set[int]] = defaultdict(set)
    for n, page_keys in enumerate(keys):
        for key in page_keys:
            keyed[key].add(n)
    n_pages = len(pages)
    printout = any(_in_margin(l, heights[n]) and (STAMP_RE.search(l.text) or URL_RE.search(l.text))
                   for n, lines in enumerate(pages) for l in lines)
    repeated = {k for k, ps in keyed.items() if n_pages >= 2 and len(ps) >= max(2, REPEAT_SHARE * n_pages)}
    dropped: Counter = Counter()
    dated: dict[str, None] = {}
    kept: list[list[Line]] = []
    for n, lines in enumerate(pages):
        page_kept = []
        for line, key in zip(lines, keys[n]):
            reason = _reason(line, heights[n], key in repeated, printout)
            if reason:
                dropped[reason] += 1
                if DATED_RE.search(line.text):
                    dated[line.text] = None
            else:
                page_kept.append(line)
        kept.append(page_kept)
    flat = [line for page in kept for line in page]
    title_lines = _title_lines(kept[0] if kept else [], body_size(flat))
    if printout and kept:  # the page title the browser stamped, spelled out on page one, wins over a largest text
        # it does not open with (宜昌市人民政府, a portal's name set larger than the regulation's title under it)
        stamps = _stamp_titles([l.text for l in pages[0] if STAMP_RE.search(l.text)])
        largest = squash("".join(l.text for l in title_lines))
        if not largest or not any(n.startswith(largest) or largest.startswith(n) for n in stamps):
            title_lines = _stamped_title(kept[0], stamps) or title_lines
    if printout:
        flat = _trim_printout(kept, title_lines, dropped)
    title = "".join(l.text for l in title_lines)
    return Cleaned(flat, title, tuple(title_lines), dropped, printout, tuple(dated))


def _repeat_key(line: Line, page_height: float) -> tuple:
    """A line's text with its digits masked (页码 2/7, 3/7 repeat) and its height band on the page; a heading keeps
    its digits (附件1 and 附件2 at the top of two pages are two headings, not a running header)."""
    band = round(line.top / page_height * 40)
    text = re.sub(r"\s+", "", line.text)
    return (text if heading_level(line.text) else re.sub(r"\d+", "#", text)), band


def _reason(line: Line, page_height: float, repeated: bool, printout: bool) -> str:
    text = line.text
    margin = _in_margin(line, page_height)
    if margin and is_page_number(text):
        return "page_number"
    if margin and (STAMP_RE.search(text) or _url_line(text)):
        return "stamp"
    if repeated and (margin or not (CLAUSE_PUNCT_RE.search(text) or heading_level(text))):
        return "repeated"  # (a heading inside the page — 第五章 附则, also listed in the contents — is no furniture)
    if is_chrome(text, printout):
        return "chrome"
    if _url_line(text):
        return "stamp"
    return ""


# a web address the text names as something's (地点：云川市公共资源交易网（https://…）, “云川惠企通”平台：https://…)
NAMED_URL_RE = re.compile(r"[\u4e00-\u9fff”》）)][：:（(]\s*(?:https?://|www\.)")


def _url_line(text: str) -> bool:
    """A browser's URL line: a web address and hardly any Chinese text beside it (not 可在门户网站（www.…）栏目查阅,
    nor an address the text gives as a place's or a platform's: 平台：https://…)."""
    return bool(URL_RE.search(text)) and len(CJK_RE.findall(URL_RE.sub("", text))) < URL_LINE_MAX_CJK \
        and not NAMED_URL_RE.search(text)


def _title_lines(first_page: list[Line], size: float) -> list[Line]:
    """The largest text on page one (consecutive lines of that size), if it is larger than the body text; a line
    or segment beside it (a side bar right of the title) is not part of it."""
    candidates = [l for l in first_page if title_like(l.text) and not ends_sentence(l.text)]
    while candidates and size > 0:
        biggest = max(l.size for l in candidates)
        if biggest < TITLE_SIZE * size:  # under a masthead (…办公厅文件, no title itself), the lines naming a document
            masthead = next((l for l in first_page if MASTHEAD_RE.match(squash(l.text))), None)
            return _named_document([l for l in first_page if l.top > masthead.bottom]) if masthead else []
        start = next(i for i, l in enumerate(first_page) if l in candidates and l.size >= biggest * 0.95)
        out = [first_page[start]]
        for l in first_page[start + 1:]:
            if l.x0 >= out[0].x1:
                continue  # beside the title, not under it
            l = _within(l, out[0].x1)
            if abs(l.size - out[-1].size) > 0.08 * biggest or l.top - out[-1].bottom > 1.5 * l.size:
                break
            out.append(l)
        if not MASTHEAD_RE.match(squash("".join(l.text for l in out))):
            return out
        # a masthead (安徽省人民政府办公厅 / 文件): the title is the largest text under it, or the lines under its 文号
        # that name a document (关于印发…的通知), set hardly larger than the text
        below = [l for l in first_page if l.top > out[-1].bottom]
        candidates = [l for l in candidates if l in below]
        named = _named_document(below)
        if named and (not candidates or max(l.size for l in candidates) < TITLE_SIZE * size):
            return named
    return []


def _named_document(lines: list[Line]) -> list[Line]:
    """The lines after a masthead's 文号 that name a document (see naming_run)."""
    return naming_run([l for l in lines if not DOC_NUMBER_LINE_RE.match(squash(l.text))])


def naming_run(lines: list[Line], fits: Callable[[Line], bool] = lambda line: True) -> list[Line]:
    """The first one to three lines, set alike and ending no sentence, whose text names a document
    (DOCUMENT_TITLE_RE: 安徽省人民政府办公厅关于印发…实施方案的通知 over two lines); none when they do not. Every line
    must meet ``fits`` (centred, for an annex's title)."""
    for n in (1, 2, 3):
        run = lines[:n]
        if len(run) < n or not all(fits(l) and not ends_sentence(l.text) for l in run) \
                or any(abs(l.size - run[0].size) > 0.08 * run[0].size for l in run):
            return []
        if DOCUMENT_TITLE_RE.search(squash("".join(l.text for l in run))):
            return run
    return []


def _stamp_titles(stamps: list[str]) -> list[str]:
    """The page titles a browser printed in its stamps (12/7/26, 4:18 PM《湖南省…若干措施》政策问…, cut short by the
    browser, or followed by the site's name), squashed; those too short to name a document left out."""
    named = [re.sub(r"^[AaPp][Mm]", "", squash(STAMP_RE.sub("", s))).rstrip("…") for s in stamps]
    return [n for n in named if len(CJK_RE.findall(n)) >= STAMP_TITLE_MIN_CJK]


def _stamped_title(first_page: list[Line], named: list[str]) -> list[Line]:
    """A printout's title where it is set hardly larger than its text, or under a larger site name: the lines of
    page one that spell the page title the browser stamped (``named``: see _stamp_titles)."""
    for i in range(len(first_page)):
        spelled, fitting = "", 0
        for line in first_page[i:i + 3]:
            spelled += squash(line.text)
            if any(spelled.startswith(n) for n in named):
                return first_page[i:i + fitting + 1]  # the stamp's (shortened) title is spelled out
            if not any(n.startswith(spelled) for n in named):
                break
            fitting += 1
        said = squash("".join(l.text for l in first_page[i:i + fitting]))
        if fitting and (len(CJK_RE.findall(said)) >= STAMP_TITLE_MIN_CJK
                        or any(n.startswith(said) and n[len(said):][:1] in SITE_NAME_SEPARATORS for n in named)):
            return first_page[i:i + fitting]  # the stamp names more (the site's name after the title)
    return []


def _within(line: Line, right: float) -> Line:
    """The line without its segments that start right of ``right``."""
    segments = tuple(s for s in line.segments if s.x0 < right)
    return _with_segments(line, segments) if segments and segments != line.segments else line


def _with_segments(line: Line, segments: tuple) -> Line:
    """The line reduced to some of its segments (its text, box and font size with them: a title's second line beside
    a side bar's smaller links is set as large as its first)."""
    size = max(segments, key=lambda s: len(s.text)).size or line.size
    return dc_replace(line, segments=segments, text=normalize_line(" ".join(s.text for s in segments)),
                      x0=segments[0].x0, x1=segments[-1].x1, size=size)


def site_footer_start(texts: list[str]) -> int | None:
    """Where a web page's footer starts among a document's lines or paragraphs in their second half: the first that
    only a site writes after a document (上一篇：…, 相关推荐: SITE_AFTER_RE) or that opens a footer (【相关链接】,
    责任编辑：…: FOOTER_RE); None when there is none."""
    for i in range(len(texts) // 2, len(texts)):
        t = texts[i].strip()
        if SITE_AFTER_RE.search(t) or FOOTER_RE.match(t.lstrip("【[")):
            return i
    return None


def _trim_printout(pages: list[list[Line]], title: list[Line], dropped: Counter) -> list[Line]:
    """A browser printout: drop the site header before the title (but its document-information box: FIELD_LINE_RE, or
    a ruled table of INFO_FIELDS),
    the site footer (from the first line after the last sentence that opens one: FOOTER_RE — the signature, date
    and attachment after the last sentence are the document's; without such a line, everything after the last
    sentence; and from a line only a site writes after a document in its second half: SITE_AFTER_RE) and the side
    bars outside the text column."""
    flat = [line for page in pages for line in page]
    if title:
        start = flat.index(title[0])
        fields = [l for l in flat[:start] if FIELD_LINE_RE.search(l.text) or DOC_NUMBER_LINE_RE.match(l.text.strip())
                  or l.grid and any(squash(c) in INFO_FIELDS for row in l.grid for c in row)]
        dropped["chrome"] += start - len(fields)
        flat = fields + flat[start:]
    site = next((i for i in range(len(flat) // 2, len(flat)) if SITE_AFTER_RE.search(flat[i].text.strip())), None)
    last = max((i for i, l in enumerate(flat[:site]) if ends_sentence(l.text)), default=len(flat[:site]) - 1)
    end = next((i for i in range(last + 1, site or len(flat)) if FOOTER_RE.match(flat[i].text.strip())),
               last + 1 if site is None else site)
    dropped["chrome"] += len(flat) - end
    flat = flat[:end]
    body = [l for l in flat if l not in title]
    if not body:
        return flat
    left = statistics.median(l.x0 for l in body)
    # the text column's right edge: where most full lines of justified text end (a side bar beside the text on
    # one page shifts a percentile, not that), else the 90th percentile of line ends
    ends = Counter(round(l.x1) for l in body if len(l.text) >= 10)
    edge, n = ends.most_common(1)[0] if ends else (0, 0)
    right = float(edge) if n >= max(3, 0.2 * len(body)) else sorted(l.x1 for l in body)[int(0.9 * (len(body) - 1))]
    width = right - left
    inside = []
    for line in flat:
        segments = tuple(s for s in line.segments if s.x1 > left - 0.1 * width and s.x0 < right + 0.05 * width)
        if line in title or segments == line.segments:
            inside.append(line)
        elif segments:  # a side bar's item on the same line as the text
            inside.append(_with_segments(line, segments))
    dropped["chrome"] += sum(len(l.segments) for l in flat) - sum(len(l.segments) for l in inside)
    return inside
