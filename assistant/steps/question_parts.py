"""Split a question into the parts it asks, and say what kind of answer each part wants (pure).

Users ask several things at once: two question sentences (…多少？…有何变化？), an enumeration with
分别/各/两方面 (北京和天津分别…), or two question words in one sentence (几批、共多少项). Each part gets
a standalone text, a *focus* (the enumerated item or the measure word that tells the parts apart) and a
*slot*: the kind of filler an answer must contain (a number, a year, a name, a list, a yes/no…).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from zh.dates import BARE_YEAR_RE, YEAR_RE
from zh.units import COUNTERS, MAGNITUDES, UNIT_ALTERNATION

SLOTS = ("time", "number", "yesno", "list", "entity", "reason", "method", "other")
_SLOT_PATTERNS = [
    ("time", r"哪一?年|哪个?月|何年|何时|什么时[候间]|几月|哪一?天|多会儿"),
    ("list", r"哪些|哪几|有几[种类方面]|包括什么|分为"),
    ("number", rf"多少|几[{COUNTERS}{MAGNITUDES}]|[多几]大|多[长高久远重快宽深]|比例|占比|百分之几|几何"),
    # 是否…, …吗？, and a statement put up for confirmation: …定到5年，是吧？ / …当天就开始施行的吧？ / 对不对？
    ("yesno", r"是否|有没有|能否|可否|是不是|对不对|吗[？?]?$|吧[？?]?$"),
    ("entity", r"哪[个家所位里座国省市区种部类]|谁|什么[机构单位公司平台名称人组织地方]|叫什么|名称|哪儿"),
    ("reason", r"为什么|为何|原因|何以"),
    ("method", r"如何|怎样|怎么|做法|举措|措施|怎么样|什么[做方办]法|做了什么|采取了什么|采取了哪些"),
]
# 还是 asks only in a sentence that ends in a question mark (涨了还是跌了？), not as "still" (仍然还是…)
QUESTION_WORD_RE = re.compile(rf"多少|几[{COUNTERS}{MAGNITUDES}]?|多[大长久高远重快宽深广]|哪|什么|谁|如何|怎样|"
                              r"怎么|是否|为何|为什么|有何|何[时种样地]|吗|呢|还是(?=[^，,。；;]*[？?]$)")
ENUM_TRIGGER_RE = re.compile(r"分别|各自|各是|各有|各为|两方面|两个方面|三方面|三个方面|两者|二者")
COMPARE_RE = re.compile(r"有什么不同|有何不同|有什么区别|有何区别|区别|差异|异同|相比|比较")
# an enumerated item ends at one of these words (going left from the conjunction, or right from it)
LEFT_STOPS = frozenset("在 对 从 将 把 中 的 于 是 为 就 请 向 给 由 以 关于 对于 和 与 及 以及 跟 同 年 月 日 年度 季度 年底 年末".split())
RIGHT_STOPS = frozenset("分别 各自 各 方面 在 的 都 均 是 有 之间 相比 做法 上 中".split())
NUMERAL_RE = re.compile(r"^[两三四五六七八九十\d]+[项个种类大方面]*$")
PUNCT_RE = re.compile(r"^[^\w\u4e00-\u9fff]+$")
CONJUNCTIONS = frozenset("和 与 及 以及 、 跟 同".split())
MULTI_NUMBER_RE = re.compile(rf"(多少|几)({UNIT_ALTERNATION})?")


@dataclass(frozen=True)
class Part:
    """One thing the question asks."""

    text: str  # a standalone question for this part
    focus: str = ""  # what tells this part from the others ('' for a single-part question)
    slot: str = "other"  # the kind of answer it wants (see SLOTS)
    unit: str = ""  # measure word after 多少/几 (批, 项, 小时…) when the slot is a number


# the kind of quantity a number part asks for, from its wording ('' when the wording does not say: 增长了多少
# may be a share or an amount); an answer's figure must then be of that kind (see assistant.steps.support.measure_of_figure)
_MEASURE_PATTERNS = [
    ("share", r"比例|占比|比重|百分之几|百分比|增幅|增速|降幅|(?<![效频])率(?!先)"),
    ("money", r"金额|资金|经费|多少钱|费用|价格(?!指数)|投资额|融资额|贷款额|成交额|交易额|保额|货值|产值|营收|营业收入|作价"),
    ("duration", r"多久|多长时间|时长|耗时|期限|天数"),
]


def measure_of(text: str) -> str:
    """The kind of quantity a question (part) asks for: share, money, duration, or '' when it does not say (or
    asks for no quantity)."""
    if slot_of(text) != "number":
        return ""
    found = {kind for kind, pattern in _MEASURE_PATTERNS if re.search(pattern, text)}
    return found.pop() if len(found) == 1 else ""


def slot_of(text: str) -> str:
    """The answer kind a question (part) asks for."""
    for slot, pattern in _SLOT_PATTERNS:
        if re.search(pattern, text):
            return slot
    return "other"


# a measure character that starts a word instead (多少所有权, 多少人员, 多少项目…) is not a unit
NOT_A_UNIT_RE = re.compile(r"所有|人员|人才|人口|家庭|名称|名单|条件|条例|项目|件事|位置|年[度底初]|次数|成本|成果|成员|成效|成交|成绩|天数")


def _unit_of(text: str) -> str:
    m = MULTI_NUMBER_RE.search(text)
    if not m or not m.group(2):
        return ""
    return "" if NOT_A_UNIT_RE.match(text, m.start(2)) else m.group(2)


def _part(text: str, focus: str = "") -> Part:
    slot = slot_of(text)
    return Part(text, focus, slot, _unit_of(text) if slot == "number" else "")


def asks_yes_no(parts: list[Part]) -> bool:
    """The question is one statement put up for a yes or a no (是否…, …对吗？): answered 是/不是 first."""
    return len(parts) == 1 and parts[0].slot == "yesno"


def question_sentences(question: str) -> list[str]:
    """The question split at ？?； and at 。 between questions (each piece keeps its end mark)."""
    pieces = [p.strip() for p in re.findall(r"[^？?；;。]+[？?；;。]?", question) if p.strip()]
    merged: list[str] = []
    for p in pieces:
        if merged and not QUESTION_WORD_RE.search(merged[-1]):  # context sentence: glue to the next one
            merged[-1] += p
        else:
            merged.append(p)
    return merged or [question]


def _words(text: str) -> list[str]:
    from index.lexical import jieba_words

    return jieba_words(text)


def _parallel(left: str, right: str) -> tuple[str, str]:
    """Trim two coordinated items to their parallel core: 工作许可和居留许可…, 进口和出口整体通关时间."""
    lw, rw = _words(left), _words(right)
    if not lw or not rw:
        return left, right
    head = lw[-1]
    if len(head) >= 2 and head in rw[1:]:  # shared head word: 工作许可 / 居留许可
        k = rw.index(head, 1) + 1
        return "".join(lw[-k:]), "".join(rw[:k])
    if len(head) == len(rw[0]) == 2 and head[-1] == rw[0][-1] and len(rw) > 1:  # 进口 / 出口…
        return head, rw[0]
    return left, right


def _shared_place(left: str, right: str) -> tuple[str, str]:
    """A place opening the first of two items that the second lacks is context both share, not part of the first
    item: 乐清市地区生产总值和增速 → 地区生产总值 / 增速 (the growth asked is 乐清市's too); 北京和上海的… keeps both."""
    from zh.names import place_or_org_names

    place = next((p for p in place_or_org_names(left) if left.startswith(p)), "")
    if place and len(left) > len(place) and not place_or_org_names(right):
        return left[len(place):].lstrip("的"), right
    return left, right


def _is_stop(word: str, stops: frozenset) -> bool:
    return word in stops or bool(PUNCT_RE.match(word)) or bool(NUMERAL_RE.match(word))


def _year_words(words: list[str]) -> list[str]:
    """jieba's words with a year and its 年 joined into one word (2023 / 年 → 2023年): a year belongs to an
    enumerated item (2023年周口和2016年黔东南…分别), it does not end one."""
    out: list[str] = []
    for w in words:
        if w == "年" and out and BARE_YEAR_RE.fullmatch(out[-1]):
            out[-1] += w
        else:
            out.append(w)
    return out


def enumeration(sentence: str) -> list[str]:
    """The enumerated items of an 'A和B分别…'-style sentence ([] when there is none); when every item has a year
    of its own, the items keep them (2023年周口和2016年黔东南的粮食产量分别是多少 → 2023年周口, 2016年黔东南), else
    a year is shared context (2021年北京和上海的出口分别是多少 → 北京, 上海). Two short items right before the
    question are two things asked too (项目编号和预算金额是多少, 开标时间和地点是什么; not 北京和上海的合作项目是什么)."""
    trigger = ENUM_TRIGGER_RE.search(sentence) or COMPARE_RE.search(sentence)
    if not trigger:
        return _asked_pair(sentence)
    words = _words(sentence[: trigger.start()])
    dated = _items(_year_words(words), with_years=True)
    if len(dated) >= 2 and all(YEAR_RE.search(i) and not YEAR_RE.fullmatch(i) for i in dated):
        return dated  # (2020年和2021年北京的…: a bare year is no item of its own)
    return _items(words, with_years=False)


PAIR_ITEM_MAX_CHARS = 6  # 项目编号, 预算金额, 开标时间: longer items carry context of their own (周口市粮食产量)
ASKED_TAIL_RE = re.compile(r"(?:是|为|有)(?:多少|什么|哪些|哪里|何时|几)")


def _asked_pair(sentence: str) -> list[str]:
    """The two short coordinated things asked right before 是多少/是什么 (see enumeration), else []."""
    tail = ASKED_TAIL_RE.search(sentence)
    if not tail:
        return []
    items = _items(_words(sentence[:tail.start()]), with_years=False)
    ok = len(items) == 2 and all(len(i) <= PAIR_ITEM_MAX_CHARS for i in items) \
        and sentence[:tail.start()].endswith(items[-1])
    return items if ok else []


def _items(words: list[str], with_years: bool) -> list[str]:
    """The enumerated items around the conjunctions closest to the end of ``words`` (see enumeration)."""
    def stop(word: str, stops: frozenset) -> bool:
        return not (with_years and YEAR_RE.fullmatch(word)) and _is_stop(word, stops)

    conj = [i for i, w in enumerate(words) if w in CONJUNCTIONS]
    if not conj:
        return []
    last = conj[-1]  # the enumeration is the run of conjunctions closest to the trigger
    right = []
    for w in words[last + 1:]:
        if stop(w, RIGHT_STOPS):
            break
        right.append(w)
    items = ["".join(right)]
    pos = last
    for c in reversed(conj[:-1]):
        between = words[c + 1:pos]
        if not between or any(stop(w, LEFT_STOPS) for w in between) or len("".join(between)) > 12:
            break
        items.insert(0, "".join(between))
        pos = c
    left = []
    for w in reversed(words[:pos]):
        if stop(w, LEFT_STOPS):
            break
        left.insert(0, w)
    items.insert(0, "".join(left))
    items = [i for i in items if i]
    if len(items) == 2:
        items = list(_parallel(*_shared_place(*items)))
    if len(items) < 2 or any(len(i) > 16 for i in items):
        return []
    return items


def _substitute(sentence: str, items: list[str], item: str) -> str:
    """The sentence with the enumeration replaced by one item and 分别/各自/各(有) removed."""
    start = sentence.find(items[0])
    end = sentence.find(items[-1], start) + len(items[-1])
    text = sentence[:start] + item + sentence[end:]
    return re.sub(r"分别|各自|各(?=[有为])|两个?方面|三个?方面", lambda m: "方面" if "方面" in m.group(0) else "",
                  text)


def split_parts(question: str) -> list[Part]:
    """The parts a question asks, in order; a plain question is one part with an empty focus."""
    question = question.strip()
    parts: list[Part] = []
    for sentence in question_sentences(question):
        items = enumeration(sentence)
        numbers = MULTI_NUMBER_RE.findall(sentence)
        if items and parts and not QUESTION_WORD_RE.search(sentence):
            # 请从A和B两方面说明: the items split the previous question
            prev = parts.pop()
            parts += [_part(f"{prev.text.rstrip('？?。')}（{item}方面）", item) for item in items]
        elif items:
            parts += [_part(_substitute(sentence, items, item), item) for item in items]
        elif len(numbers) >= 2 and len({u for _, u in numbers}) == len(numbers) and all(u for _, u in numbers) \
                and not enumeration(sentence):
            parts += [Part(sentence, f"{w}{u}", "number", u) for w, u in numbers]
        elif parts and not QUESTION_WORD_RE.search(sentence):
            prev = parts.pop()
            parts.append(_part(prev.text + sentence, prev.focus))
        else:
            parts.append(_part(sentence))
    if len(parts) == 1:
        return [Part(question, "", parts[0].slot, parts[0].unit)]
    return parts
