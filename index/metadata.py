"""What a document is, from its own text: title, issuing body, 文号, its dates, region and kind (pure).

Read from the title, the first and last paragraphs and the signature, where documents state them; a
document-information box's labelled fields (发文机关：…, 成文日期：…) win:

| field | where it is read | example |
|---|---|---|
| ``number`` (文号) | the title or the lines under it | 沪府规〔2022〕21号, 国务院令第663号, NB/T XXXXX—XXXX |
| ``issuer`` (发文机关) | a body's name right under the title; the body whose meeting adopted a law; 某某令; 某某 发布; the signature | 周口市统计局, 全国人民代表大会常务委员会, 国务院 |
| ``issued`` | a date alone under the title or the signature (a body's name, then a date alone); the adoption date of a law | 2015-11-26 |
| ``effective`` | 自…起施行 / 实施 (自公布之日起施行: the issue date) | 2016-01-01 |
| ``amended`` | the last 修正/修订 date of a law's history | 2021-04-29 |
| ``published``, ``printed`` | a web page's 发布时间 line and a browser's print stamp (dropped as page chrome) | 2023-10-08, 2026-02-09 |
| ``region`` | the place the title names first; 全国 for national law and national bodies | 周口市, 全国 |
| ``kind`` | the title and the issuer | 法律, 行政法规, 地方性法规, 规章与规范性文件, 统计公报, 标准, 报告 |

Competing dates stay apart: a page's print date is never its issue date. A user's ``<file>.meta.json`` next to the
document wins over what is extracted (:func:`merged`).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from index.headings import STANDARD_LINE_RE
from textutil import squash
from zh.numbers import to_arabic

FIELDS = ("title", "issuer", "number", "issued", "effective", "amended", "published", "printed", "region", "kind")
HEAD_PARAGRAPHS = 15
DATE_RE = re.compile(r"(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?")
DATE_ONLY_RE = re.compile(r"^\s*[（(]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[）)]?\s*$")  # a bulletin's （2025年4月8日）
NUMBER_RES = (re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［（(]\d{4}[〕\]］）)]\s*第?\s*\d+\s*号"),
              re.compile(r"(?<!\d)[\u4e00-\u9fff]{0,12}令\s*第\s*\d+\s*号"),  # not 日 of …5月10日镇江市人民政府令…
              re.compile(r"\b(?:GB|NB|DL|HJ|JGJ|DB\d{0,2}|[A-Z]{2,4}(?=/[TZ]))(?:/[TZ])?\s*[\dX]{2,}(?:\.\d+)?\s*[—-]\s*[\dX]{4}"))


def without_document_numbers(text: str) -> str:
    """Text with the document numbers it writes taken out (江政办发〔2024〕12号, 国务院令第663号, GB/T 1234—2020): an
    identifier, not a figure."""
    for pattern in NUMBER_RES:
        text = pattern.sub("", text)
    return text


EFFECTIVE_RE = re.compile(r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起\s*(?:施行|实施|执行|生效)")
DELIVERED_RE = re.compile(r"^[—－-]{1,2}(\d{4}年\d{1,2}月\d{1,2}日)在(.{4,40}?)(?:会议|大会)上")  # a speech's date and forum
SOURCE_RE = re.compile(r"(?:信息)?来源\s*[：:]\s*([\u4e00-\u9fff]{2,30}?)(?=[\s【]|发布|浏览|字号|编辑|作者|审核|$)")
DRAFT_RE = re.compile(r"征求意见稿|草案|送审稿|讨论稿")
FROM_PUBLICATION_RE = re.compile(r"自\s*(?:公布|发布|印发)之日起\s*(?:施行|实施|执行)")
ADOPTED_RE = re.compile(r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)([\u4e00-\u9fff\d]{2,30}?人民代表大会(?:常务委员会)?)第[\u4e00-\u9fff\d]+次会议通过")
AMENDED_RE = re.compile(r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)(?:(?!\d{4}\s*年)[^（(]){0,90}?(?:修正|修订)")
ORG_RE = re.compile(r"(?:局|委员会|人民政府|政府|办公厅|办公室|部|厅|院|调查队|中心|协会|署|委)$")
ORDER_RE = re.compile(r"^([\u4e00-\u9fff]{2,14})令$")
# a government rule's note: 2024年5月10日镇江市人民政府令第172号公布 — the date it was issued and the body
ORDER_PUBLISHED_RE = re.compile(r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*([\u4e00-\u9fff]{2,20}?)令"
                                r"\s*第\s*\d+\s*号\s*(?:公布|发布)")
DELIVERER_RE = re.compile(r"^([\u4e00-\u9fff]{2,20}?(?:人民政府|委员会|政府))(?:省长|市长|区长|县长|州长|旗长|镇长|乡长|主任)"
                          r"[\u4e00-\u9fff]{2,4}$")  # 云溪区人民政府区长 王海涛
RELEASED_BY_RE = re.compile(r"^([\u4e00-\u9fff]{2,20}?)\s*(?:发布|印发)$")
PUBLISHED_RE = re.compile(r"(?:发布时间|发布日期|日期)\s*[：:]\s*(\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2})")
# a document-information box's labelled fields (gov.cn: 发文机关：国务院办公厅 成文日期：2024年08月12日 发文字号：…), and
# a legal database's bracketed ones (【发布部门】温州市人民代表大会常务委员会 【发文字号】… 【效力级别】设区的市地方性法规)
LABELS = {"发文机关": "issuer", "发布机关": "issuer", "制定机关": "issuer", "发布部门": "issuer", "发文字号": "number",
          "文号": "number", "成文日期": "issued", "发文日期": "issued", "施行日期": "effective", "生效日期": "effective",
          "实施日期": "effective", "发布日期": "published", "发布时间": "published", "效力级别": "kind"}
_LABEL_NAMES = "|".join(sorted(LABELS, key=len, reverse=True))
LABEL_RE = re.compile(rf"(?:【({_LABEL_NAMES})】|({_LABEL_NAMES})\s*[：:])\s*")
SITE_DATE_RE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s*\d{1,2}:\d{2}\s*来源")
# a browser's print stamp: 2026/2/9 22:47 (Chinese locale) or 12/7/26, 1:57 PM (English locale, month first)
STAMP_RE = re.compile(r"(?P<ymd>\d{4}[/-]\d{1,2}[/-]\d{1,2})\s*\d{1,2}:\d{2}"
                      r"|(?<![\d/])(?P<mdy>\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})),?\s+\d{1,2}:\d{2}")
REGION_RE = re.compile(r"^(?:\d{4}\s*年\s*)?([\u4e00-\u9fff]{2,12}?(?:特别行政区|自治区|自治州|自治县|省|市|州|地区|盟|县|区|旗))")
RELAYED_RE = re.compile(r"^关于(?:印发|转发|公布|发布)")  # 关于印发某某市…: the place follows the verb; 关于加强全市…: none
NATIONAL_RE = re.compile(r"^(?:中华人民共和国|全国|国务院|国家|中共中央|最高人民)")
TERM_RE = re.compile(r"第[\u4e00-\u9fff\d]+届")
# a standard's cover line, a line of its own (中华人民共和国能源行业标准); 应当符合国家标准 in a notice's text is none


def _iso(text: str) -> str:
    m = DATE_RE.search(to_arabic(text))
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else ""


def extract(title: str, texts: list[str], dropped: list[str] = ()) -> dict[str, str]:
    """The metadata a document states (fields it does not state are ''); ``texts`` are its paragraphs in order,
    ``dropped`` the dated lines a reader took out as page chrome (a print stamp, a 发布时间 line)."""
    head = texts[:HEAD_PARAGRAPHS]
    meta = dict.fromkeys(FIELDS, "")
    meta["title"] = title
    meta["number"] = _number(title, head)
    signature = _signature(texts)
    meta["issuer"] = _issuer(head) or signature[0]
    meta.update(_dates(head, texts, signature[1]))
    for field, value in _labelled([*head, *dropped]).items():
        meta[field] = value  # what the document's own information box says wins over what is read elsewhere
    for line in dropped:
        page_date = PUBLISHED_RE.search(line) or SITE_DATE_RE.search(line)
        if not meta["published"] and page_date:
            meta["published"] = _iso(page_date.group(1))
        if not meta["printed"] and not page_date:
            meta["printed"] = stamp_date(line)  # a dated line with a time that no label calls the page's own date
    if not meta["issuer"]:  # a web page's 来源：湖北省人民政府新闻办公室 (a body's name, not a news outlet's)
        meta["issuer"] = next((m.group(1) for t in [*head, *dropped] for m in SOURCE_RE.finditer(t)
                               if ORG_RE.search(m.group(1))), "")
    site = next((owner for line in dropped if stamp_date(line) and (owner := stamp_site(line))), "")
    if not meta["issuer"] and ORG_RE.search(site):  # the body whose site a page was printed from: its print
        meta["issuer"] = site  # stamp's … - 温州统计年鉴2024 - 温州市统计局
    # (over two lines of a cover: ——2024年1月9日在滨江市青林区第十七届 / 人民代表大会第四次会议上)
    delivered = next((m for t, after in zip(head, [*head[1:], ""])
                      if (m := DELIVERED_RE.match(squash(t)) or DELIVERED_RE.match(squash(t + after)))), None)
    if delivered and not meta["issued"]:
        meta["issued"] = _iso(delivered.group(1))  # ——2024年1月15日在某某市第十七届人民代表大会第四次会议上
    if not meta["effective"] and any(FROM_PUBLICATION_RE.search(t) for t in texts):
        meta["effective"] = meta["issued"] or meta["published"]
    if DRAFT_RE.search(title):
        meta["effective"] = ""  # a draft for comment is in force nowhere, whatever date it proposes
    meta["region"] = (_region(title, meta["issuer"]) or (_region(delivered.group(2), "") if delivered else "")
                      or _region(site, ""))  # 滨江市 of the 滨江市政务服务网 a page was printed from
    meta["kind"] = meta["kind"] or _kind(title, meta["issuer"], meta["number"], head)  # a database's 效力级别 first
    return meta


SITE_SEPARATOR_RE = re.compile(r"\s[-–—|_]\s|\s*[-–—|]\s(?=\S+$)|_(?=[^_\s]+$)")  # … - 温州市统计局, …_湖北省人民政府
SITE_WORDS_RE = re.compile(r"(?:门户网站|网站|官网|政务网|政务服务网)$")  # 广西南宁市人民政府门户网站: the site's owner


def stamp_site(text: str) -> str:
    """The owner of the site a page was printed from: the last part of a print stamp's page title, its 门户网站 /
    政务服务网 left out ('12/7/26, 11:05 PM 2-1主要经济指标（2019—2023年）- 温州统计年鉴2024 - 温州市统计局' → 温州市统计局,
    '…办事指南_滨江市政务服务网' → 滨江市), or '' when it names none."""
    parts = SITE_SEPARATOR_RE.split(text.strip())
    last = SITE_WORDS_RE.sub("", parts[-1].strip()) if len(parts) > 1 else ""
    return last if 2 <= len(last) <= 20 and not re.search(r"\d", last) and (ORG_RE.search(last) or REGION_RE.match(last)) \
        else ""


def stamp_date(text: str) -> str:
    """The date of a browser's print stamp in text, ISO ('2026/2/9 22:47' → 2026-02-09, '12/7/26, 1:57 PM' →
    2026-12-07), or ''."""
    m = STAMP_RE.search(text)
    if not m:
        return ""
    if m.group("ymd"):
        return _iso(m.group("ymd"))
    month, day, year = m.group("mdy").split("/")
    return f"{int(year) + (2000 if len(year) == 2 else 0)}-{int(month):02d}-{int(day):02d}"


def _labelled(texts: list[str]) -> dict[str, str]:
    """The fields a document-information box states, by their labels (发文机关：国务院办公厅 成文日期：2024年08月12日
    → issuer 国务院办公厅, issued 2024-08-12); a value runs to the next label (first value of a field wins)."""
    out: dict[str, str] = {}
    for text in texts:
        marks = list(LABEL_RE.finditer(text))
        for m, nxt in zip(marks, [*marks[1:], None]):
            field = LABELS[m.group(1) or m.group(2)]
            value = text[m.end():nxt.start() if nxt else len(text)].strip()
            value = _iso(value) if field in ("issued", "effective", "published") else value.split()[0] if value else ""
            value = _kind_named(value) if field == "kind" else value
            if value and field not in out:
                out[field] = value
    return out


# a 文号 right after a cited document's title, in its brackets: the cited document's (现行《某某办法》（某市人民政府令
# 第38号，以下简称…）), not this one's (关于印发《…》的通知（国办发〔2024〕12号） is this one's)
CITED_NUMBER_RE = re.compile(r"》\s*[（(][^（()）]{0,20}$")


def _number(title: str, head: list[str]) -> str:
    for text in (title, *head, "".join(squash(t) for t in head[:4])):  # a line's own 文号 before a joined one
        for pattern in NUMBER_RES:
            m = next((m for m in pattern.finditer(text) if not CITED_NUMBER_RE.search(text[:m.start()])), None)
            if m:
                return m.group(0) if pattern is NUMBER_RES[2] else re.sub(r"\s+", "", m.group(0))
    return ""


def _issuer(head: list[str]) -> str:
    for text in head:
        t = text.strip()
        m = ADOPTED_RE.search(to_arabic(t))
        if m:
            return TERM_RE.sub("", m.group(2))
        if m := ORDER_PUBLISHED_RE.search(to_arabic(t)):
            return m.group(2)
        if m := ORDER_RE.match(squash(t)):
            return m.group(1).removeprefix("中华人民共和国")
        if m := RELEASED_BY_RE.match(re.sub(r"(发|印)\s+(布|发)$", r"\1\2", t)):  # 国家标准化管理委员会 发 布
            return m.group(1).strip()
        if m := DELIVERER_RE.match(squash(t)):  # a speech's 云溪区人民政府区长 王海涛: the body he speaks for
            return m.group(1)
    for text in head[:3]:
        if is_body(text):
            return text.strip()
    return ""


def _dates(head: list[str], texts: list[str], signed: str) -> dict[str, str]:
    out = {"issued": "", "effective": "", "amended": ""}
    for text in head:  # a law's adoption date, wherever it stands in the head, before any date alone
        t = to_arabic(text)
        m = ADOPTED_RE.search(t) or ORDER_PUBLISHED_RE.search(t)
        if m and not out["issued"]:
            out["issued"] = _iso(m.group(1))
        amended = AMENDED_RE.findall(t)
        if amended:
            out["amended"] = _iso(amended[-1])
    if not out["issued"]:  # (a promulgation notice's date, 2024年11月29日, is when it was published)
        out["issued"] = next((_iso(t) for t in head if DATE_ONLY_RE.match(to_arabic(t))), "")
    for text in texts:
        t = to_arabic(text)
        if m := EFFECTIVE_RE.search(t):
            out["effective"] = _iso(m.group(1))
            break
        if FROM_PUBLICATION_RE.search(t):
            out["effective"] = out["issued"]
            break
    if not out["issued"]:  # a signature's date: under the issuing body's name, or at the end
        out["issued"] = signed or next(
            (_iso(t) for t in reversed(texts[-3:]) if DATE_ONLY_RE.match(to_arabic(t))), "")
    return out


def _signature(texts: list[str]) -> tuple[str, str]:
    """The first signature of a document — a body's name, then a date alone — as (body, ISO date), or ('', '')."""
    return next(((prev.strip(), _iso(t)) for prev, t in zip(texts, texts[1:])
                 if DATE_ONLY_RE.match(to_arabic(t)) and is_body(prev)), ("", ""))


def is_body(text: str) -> bool:
    """A short line naming one body or several (周口市统计局; 工业和信息化部 国家发展改革委 生态环境部)."""
    t = text.strip()
    return len(t) <= 40 and not re.search(r"[。，；：、\d]", t) and bool(ORG_RE.search(t.split()[-1] if t.split() else t))


def _region(title: str, issuer: str) -> str:
    """The place the title names first — before its 关于 (某某市人民政府关于…), or after 关于印发/转发 (关于印发某某市…
    的通知) — else the issuer's; 全国 for national law and bodies."""
    if NATIONAL_RE.match(title) or NATIONAL_RE.match(issuer) or issuer.startswith("全国人民代表大会"):
        return "全国"
    t = squash(title)
    if "关于" in t:
        relayed = RELAYED_RE.match(t)
        t = t.split("关于", 1)[0] or (t[relayed.end():] if relayed else "")
    m = REGION_RE.match(t) or REGION_RE.match(squash(issuer))
    return m.group(1) if m and not m.group(1).startswith("全") else ""


BULLETIN_YEAR_RE = re.compile(r"^(?:\D{0,12}?)(\d{4})年(?!\d{1,2}月).*统计公报")


def reporting_year(title: str) -> str:
    """The year a statistical bulletin's figures are for, as its title names it (2023年周口市国民经济和社会发展
    统计公报 → 2023年); '' for other documents, whose title's year need not be their figures' (a 2025年政府工作报告
    looks back on 2024)."""
    m = BULLETIN_YEAR_RE.match(squash(title))
    return f"{m.group(1)}年" if m else ""


# a database's 效力级别 → the kind it names (设区的市地方性法规 → 地方性法规; 部门规章, 地方规范性文件 → 规章与规范性文件)
NAMED_KINDS = (("地方性法规", "地方性法规"), ("行政法规", "行政法规"), ("规章", "规章与规范性文件"),
               ("规范性文件", "规章与规范性文件"), ("法律", "法律"))


def _kind_named(value: str) -> str:
    """The kind a 效力级别 value names, '' when it names none of ours."""
    return next((kind for word, kind in NAMED_KINDS if word in value), "")


def _kind(title: str, issuer: str, number: str, head: list[str]) -> str:
    t = squash(title)
    if "统计公报" in t:
        return "统计公报"
    if NUMBER_RES[2].search(number) or any(STANDARD_LINE_RE.match(squash(h)) for h in head):
        return "标准"
    if t.startswith("中华人民共和国") and t.endswith("法") or issuer.startswith("全国人民代表大会"):
        return "法律"
    if "国务院" in issuer and re.search(r"(?:条例|规定|办法)(?:（|$)", t) or "国务院令" in number:
        return "行政法规"
    if "人民代表大会常务委员会" in issuer and re.search(r"条例(?:（|$)", t):
        return "地方性法规"
    if re.search(r"(?:办法|规定|通知|通告|公告|意见|细则|规则|方案|决定|指引)(?:（|$)", t):
        return "规章与规范性文件"
    return "报告"


def sidecar(path: Path) -> Path:
    """The user's metadata file of a document: ``<file>.meta.json`` beside it."""
    return path.with_name(path.name + ".meta.json")


def merged(extracted: dict[str, str], path: Path) -> dict[str, str]:
    """The extracted metadata with the user's ``<file>.meta.json`` (known fields only) laid over it; a file that
    cannot be read as a JSON object is ignored (its problem is reported by :func:`sidecar_problem`)."""
    own = _read_sidecar(path)
    return {**extracted, **{k: str(v) for k, v in own.items() if k in FIELDS}}


def sidecar_problem(path: Path) -> str:
    """Why the user's metadata file cannot be used ('' when it is absent or fine)."""
    side = sidecar(path)
    if not side.is_file():
        return ""
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{side.name}: not readable as JSON ({exc})"
    if not isinstance(data, dict):
        return f"{side.name}: must be a JSON object"
    unknown = sorted(set(data) - set(FIELDS))
    return f"{side.name}: unknown field(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})" if unknown else ""


def _read_sidecar(path: Path) -> dict:
    side = sidecar(path)
    try:
        data = json.loads(side.read_text(encoding="utf-8")) if side.is_file() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
