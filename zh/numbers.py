"""Chinese numerals read as figures, so that every check on figures sees one form (pure).

Statutes and notices write their figures in Chinese numerals; answers and other documents in Arabic digits.
:func:`to_arabic` rewrites the numerals that are figures into digits, for comparison only (the shown text never
changes):

| text | read as |
|---|---|
| 处二百元以上二千元以下罚款 | 处200元以上2000元以下罚款 |
| 自受理之日起十五日内 | 自受理之日起15日内 |
| 每日按罚款数额的百分之三加处罚款 | 每日按罚款数额的3%加处罚款 |
| 五个工作日内 | 5个工作日内 |
| 第九十九条 | 第99条 |
| 二〇二一年 | 2021年 |
| 一百五十米 | 150米 |
| 三点五万吨 | 3.5万吨 |
| 居住半年以上 | 居住0.5年以上 (上半年 stays) |
| 浮龙最初在哪一年被命名 | unchanged (哪一年 asks which year: no figure) |
| 比上一年增长27.4% | 比上一年增长27.4% (上一年 is the year before: no figure) |

A numeral is a figure when 第 comes before it, 百分之 before it, or a measure word after it; a lone 一 or 两
counts only before a unit of time, money or size (一年内, 一千元), not before a classifier (一个平台, 两项
措施: the model adds those freely), nor after a word that makes it pick one out (哪一年, 某一天, 同一年, 每一项) or
point to a neighbour (上一年, 下一步, 前一天; 前两年 still counts two years), and never inside words (一般, 统一, 万一, 十分, 一是).
"""
from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
NUMERAL = "零〇一二两三四五六七八九十百千万亿"
# measure words a figure is followed by (longest first where one starts another)
UNITS = ("个百分点 个工作日 个小时 个月 工作日 小时 分钟 公里 千米 平方米 平方公里 公顷 周岁 立方米 千瓦 "
         "元 年 月 日 天 周 秒 岁 米 吨 亩 倍 人 名 位 次 件 项 家 户 个 所 座 辆 台 批 条 款 种 类 部 本 张 份 起 处 篇 章 节 "
         "万 亿 千 百 %").split()
# after a lone 一/两, only these make it a figure
SIZE_UNITS = frozenset("年 个月 月 日 天 周 小时 个小时 分钟 秒 元 米 公里 千米 吨 亩 公顷 倍 工作日 个工作日 万 亿 千 百".split())
# a unit asked for and the units that give it (几天 is answered by 十五日内)
UNIT_SYNONYMS = {"天": ("天", "日", "个工作日", "工作日"), "日": ("日", "天"), "个月": ("个月", "月"), "月": ("月", "个月"),
                 "岁": ("岁", "周岁"), "小时": ("小时", "个小时"), "年": ("年", "周年")}
PICKING = "哪某同这那每任"  # before a lone 一/两 they pick one out (哪一年 asks which year, 每一项 means each)
RELATIVE = "上下前后"  # before a lone 一 they point to the neighbour (比上一年增长, 下一步): no count (前两年 is one)
HALF_RE = re.compile(r"(?<![上下前后多大])半(?=年|个月|小时|个小时|天|日|个工作日)")  # 居住半年以上 → 0.5年
NUMERAL_RUN_RE = re.compile(rf"(第)?(百分之)?([{NUMERAL}点]+)")
ALL_DIGITS_RE = re.compile(r"^[零〇一二三四五六七八九]{2,}$")  # 二〇二一: read digit by digit


def parse_numeral(text: str) -> float | None:
    """The value of a Chinese numeral ('二千' → 2000, '十五' → 15, '三点五' → 3.5, '二〇二一' → 2021), or None."""
    if not text or text.strip(NUMERAL + "点"):
        return None
    whole, _, frac = text.partition("点")
    if frac and not all(c in DIGITS for c in frac):
        return None
    if ALL_DIGITS_RE.match(whole):
        value = float("".join(str(DIGITS[c]) for c in whole))
    else:
        value = _integer(whole)
        if value is None:
            return None
    if frac:
        value += float("0." + "".join(str(DIGITS[c]) for c in frac))
    return value


def _integer(text: str) -> float | None:
    total, section, digit = 0, 0, None
    for c in text:
        if c in DIGITS:
            if digit is not None:  # two digits in a row outside a digit-by-digit numeral
                return None
            digit = DIGITS[c]
        elif c in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[c]
            digit = None
        elif c in BIG_UNITS:
            section += digit or 0
            total += (section or 1) * BIG_UNITS[c]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _unit_after(text: str, pos: int) -> str:
    return next((u for u in UNITS if text.startswith(u, pos)), "")


def to_arabic(text: str) -> str:
    """The text with its Chinese-numeral figures written in digits (see the table above)."""
    text = HALF_RE.sub("0.5", text)
    if not any(c in NUMERAL for c in text):
        return text
    out, last = [], 0
    for m in NUMERAL_RUN_RE.finditer(text):
        ordinal, percent, numeral = m.group(1), m.group(2), m.group(3)
        numeral = numeral.rstrip("点")
        end = m.start(3) + len(numeral)
        # a trailing 万/亿 is the figure's magnitude word, kept as such: 三点五万吨 → 3.5万吨
        magnitude = ""
        if len(numeral) > 1 and numeral[-1] in BIG_UNITS:
            numeral, magnitude = numeral[:-1], numeral[-1]
        value = parse_numeral(numeral)
        unit = _unit_after(text, end)
        if value is None or not (ordinal or percent or unit):
            continue
        lone = len(numeral) == 1 and numeral in "一两"
        if lone and not (ordinal or percent or magnitude) and unit not in SIZE_UNITS:
            continue
        before = text[m.start() - 1] if m.start() > 0 else ""
        if lone and before and (before in PICKING or (numeral == "一" and before in RELATIVE)):
            continue  # 哪一年, 某一天, 上一年: which one, not how many
        if not magnitude and len(numeral) == 1 and numeral in "百千万亿" and not percent:
            continue  # 千米, 万元: a unit, not a figure
        if m.start() > 0 and text[m.start() - 1] in "统万唯之专单" and not (ordinal or percent):
            continue  # 统一, 万一, 唯一, 之一: words, not figures
        out.append(text[last:m.start()])
        digits = _fmt(value) + magnitude
        out.append(f"{ordinal or ''}{digits}%" if percent else f"{ordinal or ''}{digits}")
        last = end
    out.append(text[last:])
    return "".join(out)


def unit_forms(unit: str) -> tuple[str, ...]:
    """The units that answer a question asking for ``unit`` (天 → 天, 日, 个工作日, 工作日)."""
    return UNIT_SYNONYMS.get(unit, (unit,))


def digits_view(text: str) -> str:
    """The text as figures are compared: Chinese numerals in digits (:func:`to_arabic`), whitespace removed —
    except between two digits, which stay two figures ('表5 2023年' → '表5，2023年')."""
    return re.sub(r"\s+", "", re.sub(r"(?<=\d)\s+(?=\d)", "，", to_arabic(text)))
