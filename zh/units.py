"""Measure words and units of Chinese figures: one list for every rule that reads a figure, or a question for one.

| text | what is read |
|---|---|
| 几批 / 多少艘 / 几成 | a number question with its measure word (批, 艘, 成) |
| 五项 / 三家 | a figure in Chinese numerals with its measure word |
| 多少个百分点 / 多少万元 | a number question with a compound unit |
"""
from __future__ import annotations

COUNTERS = "个项批家种次天年月倍人件所条类成位座只名艘架台套笔张份吨亩米"  # after a number, 几 or 多少
# classifiers that count things and say nothing of their size: one may stand for another (299部 for 299台)
CLASSIFIERS = "个项批家种次件所条类位座只名艘架台套笔张份部辆户本篇"
# classifiers of objects, one said for another of the same thing (几部手机 answered by 299台; not 批 for 项)
OBJECT_CLASSIFIERS = "个台部只件套辆架"
MAGNITUDES = "万亿"
COMPOUND_UNITS = ("个百分点", "小时", "分钟", "公里", "千米", "亿元", "万元", "亿美元", "万人", "标准箱", "标箱", "批次",
                  "人次", "平方公里", "平方米", "架次")
# a unit after 多少/几, as a regular-expression alternation (compound units first, so the longest one wins)
UNIT_ALTERNATION = "|".join(COMPOUND_UNITS) + f"|[{COUNTERS}{MAGNITUDES}元%]"
