"""Does a sentence say only what its cited paragraphs say? Numbers + character n-gram support (pure)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.metadata import without_document_numbers
from settings import AnswerConfig
from textutil import char_ngrams
from zh.dates import BARE_YEAR_RE, YEARISH_RE
from zh.numbers import UNITS, digits_view, unit_forms
from zh.units import CLASSIFIERS, COUNTERS

NUMBER_RE = re.compile(r"(\d+(?:\.\d+)?)([%％\u4e00-\u9fff]?)")


FIGURE_RE = re.compile(r"(\d+(?:\.\d+)?)([万亿千百]?)[余多近超约]?(%|％|个百分点|[美欧日]?元|人民币|美金|个?工作日|个?小时|分钟|个月|"
                       r"[\u4e00-\u9fff])?")
_MEASURE_OF_UNIT = {"%": "share", "％": "share", "个百分点": "share", "成": "share", "倍": "share", "人民币": "money",
                    "美金": "money", "分钟": "duration", "秒": "duration", "天": "duration", "日": "duration",
                    "周": "duration",
                    "个月": "duration"}


def measure_of_figure(number: str, unit: str, magnitude: str = "") -> str:
    """The kind of quantity a figure is (share, money, duration, '' for a count or a bare number); a
    four-digit number before 年 is a date, not a duration; 4.7亿 without a unit is taken for money."""
    if unit.endswith("元") or (magnitude in ("万", "亿") and not unit):
        return "money"
    if unit.endswith(("工作日", "小时")):
        return "duration"
    if unit == "年":
        return "" if BARE_YEAR_RE.fullmatch(number) else "duration"
    return _MEASURE_OF_UNIT.get(unit, "")


DAY_OF_MONTH_RE = re.compile(r"\d{1,2}月\d{1,2}日")  # a date's day is no duration
RATIO_RE = re.compile(r"\d+[:：]\d+|[一二三四五六七八九两]成|一半")


def figure_measures(sentence: str, question: str = "") -> set[str]:
    """The kinds of quantity among the figures a sentence states that the question does not (a ratio such as
    4:6 or 三成 is a share)."""
    q, t = digits_view(question), DAY_OF_MONTH_RE.sub("", digits_view(sentence))
    kinds = {measure_of_figure(n, u, m) for n, m, u in FIGURE_RE.findall(t) if n not in q}
    if any(r not in q for r in RATIO_RE.findall(t)):
        kinds.add("share")
    return kinds - {""}


# characters that are units after a number: the first of every unit word, counters, classifiers, magnitudes
UNIT_CHARS = frozenset("".join(u[0] for u in UNITS) + COUNTERS + CLASSIFIERS + "万亿千百%％")
ORDINAL_NUMBER_RE = re.compile(r"第\d+(?:\.\d+)?")  # 第一次 → 第1次, 第5条: which one, not how many
DATE_FIGURE_RE = re.compile(YEARISH_RE.pattern + r"(?:\d{1,2}\s*日)?")  # 2003年10月28日: a date, not a quantity


BOUND_RE = re.compile(r"(?:超过|多于|高于|大于|不到|不足|少于|低于|小于|接近|突破|逾)了?[\d.]+[万亿千百]?[^\d，。？?]?|"
                      r"[\d.]+[万亿千百]?[^\d，。？?]?(?:以上|以下|以内)")  # 是否超过了1.6万件: a bound, not a value


def stated_figures(question: str) -> list[str]:
    """The figures a question states (numbers with their unit character, as missing_numbers gives them), years,
    ordinals, bounds, a document number and a lone one aside: 定到5年 → 5年; 第一次申领, 2023年, 一年人均收入 (a
    unit named: per year), 是否超过了1.6万件 (16402件 is more), 根据江政办发〔2024〕12号 → none."""
    question = without_document_numbers(question)
    text = BOUND_RE.sub("", ORDINAL_NUMBER_RE.sub("", DATE_FIGURE_RE.sub("", digits_view(question))))
    return [n + u for n, u in NUMBER_RE.findall(text) if n != "1"]


def number_of(figure: str) -> str:
    """The number of a figure as missing_numbers and stated_figures give it: '5年' → '5', '4.7亿' → '4.7'."""
    return NUMBER_RE.match(figure).group(1)


def _numbers(text: str) -> list[tuple[str, str]]:
    """(number, the unit character right after it or '') pairs, whitespace ignored, e.g. ('35', '项'); a character
    that is no unit is none (前20的企业 → ('20', ''))."""
    return _view_numbers(digits_view(text))


def _view_numbers(view: str) -> list[tuple[str, str]]:
    """_numbers of a text already in digits_view."""
    return [(n, u if u in UNIT_CHARS else "") for n, u in NUMBER_RE.findall(view)]


def holds_number(text: str, number: str) -> bool:
    """The text gives this number as a figure, in any numeral (位列全球第七 holds 7; 1980件 does not hold 98)."""
    return any(n == number for n, _ in _numbers(text))


def missing_numbers(sentence: str, evidence: str) -> list[str]:
    """Numbers of the sentence that the evidence lacks, or has only with another unit ('7万' vs '7批'). A
    classifier the evidence uses for no number may stand for the one it gives (每百户拥有移动电话299台 → 299部);
    one it uses for another number may not (7批35项 → 7项 is wrong)."""
    view = digits_view(evidence)
    pairs = set(_view_numbers(view))
    numbers = {n for n, _ in pairs}
    missing = []
    for n, unit in _view_numbers(firsts_as_evidence_says(digits_view(sentence), view)):
        if n not in numbers or (unit and (n, unit) not in pairs and (n, "") not in pairs
                                and not _classifier_swap(n, unit, pairs) and not _unit_synonym(n, unit, view)):
            missing.append(n + unit)
    return missing + [f for f in _scaled_unit_mismatches(digits_view(sentence), view) if f not in missing]


def _scaled_unit_mismatches(sentence_view: str, evidence_view: str) -> list[str]:
    """Figures with a magnitude and a unit (17.65万美元) that the evidence gives only with another unit after the
    same magnitude (17.65万人次): the 万 matches, the quantity does not."""
    def scaled(view: str) -> list[tuple[str, str]]:  # (50万至100万: 至 is no unit)
        return [(m.group(1) + m.group(2), unit if (unit := m.group(3) or "") and (len(unit) > 1 or unit in UNIT_CHARS)
                 else "") for m in FIGURE_RE.finditer(view) if m.group(2)]

    said: dict[str, set[str]] = {}
    for figure, unit in scaled(evidence_view):
        said.setdefault(figure, set()).add(unit)
    out = []
    for figure, unit in scaled(sentence_view):
        units = said.get(figure, set())
        if unit and units and "" not in units and not any(u[0] == unit[0] or u in unit_forms(unit) for u in units):
            out.append(figure + unit)
    return out


FIRST_RE = re.compile(r"第1(?![\d.])")  # 第一款, 第一家 in digits_view: the first one, which 首 also says
SHOU_RE = re.compile(rf"首[{CLASSIFIERS}{COUNTERS}]")  # 首个, 首家, 首批, 首次


def firsts_as_evidence_says(sentence_view: str, evidence_view: str) -> str:
    """第一 of a sentence is the evidence's 首 when the evidence says 首个/首家/首批…: 全国第一款…融资产品 restates
    全国首个…融资产品, no figure 1款 the evidence lacks (both texts in digits_view)."""
    return FIRST_RE.sub("首", sentence_view) if SHOU_RE.search(evidence_view) else sentence_view


def _unit_synonym(number: str, unit: str, evidence_view: str) -> bool:
    """The evidence gives the number in another spelling of the unit (16岁 for 未满16周岁, 15天 for 15日: see
    zh.numbers.UNIT_SYNONYMS)."""
    forms = "|".join(re.escape(f) for f in unit_forms(unit) if f != unit)
    return bool(forms) and re.search(rf"(?<![\d.]){re.escape(number)}(?:{forms})", evidence_view) is not None


def _classifier_swap(number: str, classifier: str, pairs: set[tuple[str, str]]) -> bool:
    """The evidence gives the number with another classifier and uses this one for no number (see
    missing_numbers)."""
    return (classifier in CLASSIFIERS and all(u != classifier for _, u in pairs)
            and any(u in CLASSIFIERS for m, u in pairs if m == number))


@dataclass(frozen=True)
class SupportResult:
    """Verdict for one sentence."""

    sentence: str
    score: float
    missing_numbers: tuple[str, ...]
    supported: bool
    reason: str = ""


def claim_fragments(sentence: str, question: str) -> list[str]:
    """Parts of the sentence left after masking every bigram it shares with the question."""
    text = re.sub(r"[^\w\u4e00-\u9fff]", " ", sentence)
    shared = char_ngrams(question)
    masked = [False] * len(text)
    for i in range(len(text) - 1):
        if text[i:i + 2] in shared:
            masked[i] = masked[i + 1] = True
    return "".join(" " if m else c for c, m in zip(text, masked)).split()


def claim_support(sentence: str, evidence: str, question: str = "") -> float:
    """Share of the sentence's own bigrams (not repeated from the question) found in the evidence."""
    claim = set().union(*(char_ngrams(f) for f in claim_fragments(sentence, question))) if question \
        else char_ngrams(sentence)
    if not claim:
        return 1.0
    return len(claim & char_ngrams(evidence)) / len(claim)


def check_sentence(sentence: str, cited_texts: list[str], question: str = "",
                   min_support: float = AnswerConfig.min_support) -> SupportResult:
    """Supported when it cites something, all its numbers (with units) occur there and enough n-grams match.

    Wording taken over from the question is not a claim, so its n-grams are left out of the overlap; so is a
    figure taken over from the question when the sentence answers with a figure of its own that the evidence holds
    (农民一年人均可支配收入为7584元 asked as 一年人均…有多少钱: the 一年 is the question's). A sentence whose only
    figures are the question's must find them in the evidence (是的，…定到5年 is the premise agreed with).
    """
    if not cited_texts:
        return SupportResult(sentence, 0.0, (), False, "no citation")
    evidence = "\n".join(cited_texts)
    score = claim_support(sentence, evidence, question)
    missing = tuple(missing_numbers(sentence, evidence))
    if missing and question:
        asked = {n for n, _ in _numbers(question)}
        own = [n + u for n, u in _numbers(sentence) if n not in asked and n + u not in missing]
        if own:
            missing = tuple(m for m in missing if number_of(m) not in asked)
    if missing:
        return SupportResult(sentence, score, missing, False, f"numbers not in cited text: {', '.join(missing)}")
    if score < min_support:
        return SupportResult(sentence, score, (), False, f"low overlap with cited text ({score:.2f})")
    return SupportResult(sentence, score, (), True)

