"""Which quantity a number question asks for, and whether a figure in a sentence is that quantity (pure).

A figure answers 企业的结算成本下降了多少 only if the clause that gives it speaks of 成本: a 结算效率提升50% of the
right paragraph is another quantity. The asked quantity is the *head*: the noun the question's 多少 measures
(…的审批通过率是多少 → 通过率, 节省多少成本 → 成本). A figure's clause is its own clause of the source sentence and
the one before it (…的审批时间，由6个月缩短到3个月). A part that names one side of a contrast (进口) is not answered
by a clause that names only the other (出口).
"""
from __future__ import annotations

import re
from functools import lru_cache

from textutil import FULL_STOPS, squash
from zh.numbers import to_arabic
from zh.tagging import tagged
from zh.units import UNIT_ALTERNATION

NOUN_FLAGS = ("n", "nz", "ng")  # a head before 多少
NOUN_FLAGS_AFTER = ("n", "nz", "ng", "vn")  # a head right after 多少 (多少融资)
SKIPPED = frozenset("是 有 约 大约 达 达到 到 至 了 共 累计 一共 合计 大概 总共 总计 分别 各 超过 近".split())
CHANGES = frozenset("增长 下降 降低 减少 增加 提高 提升 缩短 压缩 节省 节约 上涨 扩大 缩减 减轻".split())
# heads too general to tell one quantity from another (the clause may say it in other words: a table of 地区生产总值
# gives 第二产业增加值 in its row 第二产业, a target table 粮食播种面积目标 as 粮食播种面积431万亩); the kind words
# (比例, 金额…) are checked as kinds by assistant.steps.verify.measure_fits
GENERIC = frozenset("数量 规模 标准 情况 水平 总量 数额 总数 数字 数据 程度 幅度 效果 成效 结果 部分 "
                    "比例 占比 比重 百分比 金额 资金 费用 期限 时长 增加值 目标 指标 任务".split())
UNITS = re.compile(rf"^({UNIT_ALTERNATION})$")
SUFFIX_RE = re.compile(r"^总|[量数额率值]$")  # 授权量 ~ 授权, 总金额 ~ 金额
CONTRASTS = {"进口": "出口", "出口": "进口", "入境": "出境", "出境": "入境", "境内": "境外", "境外": "境内",
             "上半年": "下半年", "下半年": "上半年", "线上": "线下", "线下": "线上"}
CLAUSE_RE = re.compile(r"[^，,；;：:。！？!?]+")
PEOPLE = ("人", "人员", "人口", "居民", "职工", "学生")  # heads that are people, counted in 人


@lru_cache(maxsize=1024)  # verify asks it of the same question for every sentence and source
def quantity_head(text: str) -> str:
    """The noun a number question's 多少 measures ('' when it has none worth checking: 多少家企业, 快多少小时)."""
    words = list(tagged(text))
    at = [i for i, (w, _) in enumerate(words) if w.startswith("多少") or _asks_how_many(words, i)]
    if not at:
        return ""
    i = at[-1]
    after = words[i + 1:]
    if words[i][0] == "多少" and after and after[0][1] in NOUN_FLAGS_AFTER and not UNITS.match(after[0][0]):
        run = []
        for w, f in after:
            if f not in NOUN_FLAGS_AFTER:
                break
            run.append(w)
        return _head(run)
    unit_after = words[i][0] != "多少" or (bool(after) and (after[0][1] in ("q", "m") or bool(UNITS.match(after[0][0]))))
    j = i - 1
    if unit_after and j >= 0 and words[j][1] in NOUN_FLAGS and words[j][0] not in CHANGES:  # 牛佬多少岁: a subject
        # (not 节省, which jieba may tag a noun: 成本节省多少元 asks for 成本)
        return ""
    while j >= 0 and words[j][0] in SKIPPED:
        j -= 1
    if j >= 0 and words[j][0] in CHANGES:
        j -= 1
        while j >= 0 and words[j][0] in SKIPPED:
            j -= 1
    if j + 1 < len(words) and words[j + 1][0] == "了":  # 办理了多少 / 服务了多少: a verb, whatever jieba's tag
        return ""
    run = []
    while j >= 0 and words[j][1] in NOUN_FLAGS:
        run.insert(0, words[j][0])
        j -= 1
    return _head(run)


def _asks_how_many(words: list[tuple[str, str]], i: int) -> bool:
    """几 with its unit asks how many as 多少 does (有效期是几年 = 有效期是多少年); not 几乎, 哪几 (which ones) or 第几
    (which one)."""
    w = words[i][0]
    before = words[i - 1][0] if i else ""
    return w.startswith("几") and not w.startswith(("几乎", "几何")) and not before.endswith(("哪", "第"))


def _head(run: list[str]) -> str:
    if not run:
        return ""
    if len(run) > 1 and run[-1] in GENERIC and run[-2] not in GENERIC:
        run = run[:-1]  # 地区生产总值 / 总量 → 生产总值: the noun a general word follows is the quantity
    head = run[-1] if len(run[-1]) > 1 or len(run) == 1 else run[-2] + run[-1]  # 通过/率 → 通过率
    for word in sorted(GENERIC, key=len, reverse=True):  # 人口数量 → 人口
        if head.endswith(word) and len(head) > len(word) + 1:
            head = head[: -len(word)]
    return head if len(head) >= 2 and head not in GENERIC else ""


def head_forms(head: str) -> list[str]:
    """The ways a clause may word the head: itself, its core without 总… or …量/数/额/率/值 (授权量 ~ 授权), and
    for a longer head its last two characters (结算成本 ~ 成本, 经纬度 ~ 纬度); a one-character core is a unit
    (人数 ~ 3000人), and a head that is people (老人, 外籍人员 ~ 146.80万人) is counted in 人 too."""
    forms = [head, SUFFIX_RE.sub("", head), head[-2:]]
    if head.endswith(PEOPLE):
        forms.append("人")
    return list(dict.fromkeys(f for f in forms if f))


def _holds(clause: str, form: str) -> bool:
    if len(form) == 1:  # a unit: right after a number
        return bool(re.search(rf"\d[\d.]*[万亿千百]?[余多]?{re.escape(form)}", clause))
    return form in clause


def figure_clauses(text: str, number: str) -> list[str]:
    """For each clause of text holding number: the clause with the one before it in its sentence, and the label
    its sentence opens with when it has one (移动电话：城镇287，农村299 → 299's clause is about 移动电话, as every
    value of a table row is about its row's label; whitespace removed)."""
    t = squash(text)
    clauses = [(m.start(), m.end()) for m in CLAUSE_RE.finditer(t)]
    out = []
    for k, (s, e) in enumerate(clauses):
        if re.search(rf"(?<![\d.]){re.escape(number)}(?!\.?\d)", t[s:e]):
            joined = k and t[s - 1] not in FULL_STOPS  # the clause before, within the same sentence
            clause = t[clauses[k - 1][0]:e] if joined else t[s:e]
            label = _sentence_label(t, s)
            out.append(label + "：" + clause if label and not clause.startswith(label) else clause)
    return out


def _sentence_label(t: str, at: int) -> str:
    """The label that opens the sentence holding position ``at`` (移动电话 of 移动电话：城镇287，…; a short lead
    with no comma, ended by a colon before ``at``), '' when it opens with none."""
    start = max(t.rfind(mark, 0, at) for mark in FULL_STOPS) + 1
    m = re.match(r"([^，,；;：:。！？!?]{1,20})[：:]", t[start:at])
    return m.group(1) if m else ""


def about_asked(clause: str, asked: str, head: str) -> bool:
    """Does a figure's clause speak of the asked quantity: its head (when it has one), and not only the other side
    of a contrast the part names (出口 for 进口)?"""
    if head and not any(_holds(clause, h) for h in head_forms(head)):
        return False
    q = squash(asked)
    return not any(a in q and b not in q and b in clause and a not in clause for a, b in CONTRASTS.items())


def states_asked_quantity(text: str, numbers: list[str], asked: str) -> bool:
    """Some number of ``numbers`` sits in a clause of text that is about the quantity the part asks for."""
    head = quantity_head(asked)
    text = to_arabic(text)
    return any(about_asked(c, asked, head) for n in numbers for c in figure_clauses(text, n))
