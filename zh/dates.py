"""Years and dates as Chinese documents write them (patterns shared by every rule that reads one).

| text | pattern |
|---|---|
| 2021年 / 2021 年 | YEAR_RE |
| 2022年5月末 / 2021年底 | YEARISH_RE (a year with its month or 底/末/初) |
| 3月 / 15日 / 上半年 / 年底 | DATE_RE (any date word) |
| 2003年10月28日 (a day: an event's date, not the period a question asks about) | DAY_RE |
| 自2020年…以来 / 2018年起 (a period from that year on) | SINCE_RE |
| 2021 (a bare four-digit year) | BARE_YEAR_RE |
| 2019—2023年 / 2021-2025年 (a span of years) | YEAR_SPAN_RE |
| 哪一年 / 哪年 / 什么年份 (a question for a year) | ASKS_YEAR_RE |
| 1942年 / 1368年 / 公元前221年 (a year of any era, as an answer to one) | ANY_YEAR_RE |
"""
from __future__ import annotations

import re

_YEAR = r"(?:19|20)\d{2}"
BARE_YEAR_RE = re.compile(_YEAR)
YEAR_RE = re.compile(rf"{_YEAR}\s*年")
YEARISH_RE = re.compile(rf"{_YEAR}\s*年(?:\d{{1,2}}\s*月)?(?:[底末初])?")
DAY_RE = re.compile(rf"{_YEAR}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日")
YEAR_SPAN_RE = re.compile(rf"({_YEAR})\s*年?\s*[-—–~～至到]\s*({_YEAR})\s*年")
SINCE_RE = re.compile(rf"({_YEAR})\s*年[^，。；,;]{{0,12}}?(?:以来|起)")
DATE_RE = re.compile(rf"{_YEAR}\s*年|\d{{1,2}}\s*月|\d{{1,2}}\s*日|[上下]半年|年底|年初")
ASKS_YEAR_RE = re.compile(r"哪一?年|哪个年份|什么年份|何年")
ANY_YEAR_RE = re.compile(r"(?:公元前?)?\d{3,4}\s*年(?!代)|公元前\d{1,4}\s*年")
