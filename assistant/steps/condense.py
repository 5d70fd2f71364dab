"""Pipeline step: rewrite a follow-up question into a standalone one — by rule where it is clear, else by the model.

An elliptical follow-up (那出口呢？, 天津呢？, 2022年呢？, 第二批呢？) names one slot of the previous question anew: the
slot of the same kind (a year, an ordinal with its counter, a place, a sibling word such as 进口 for 出口) is
replaced there, with no model call, when the previous question holds exactly one of that kind. Anything else
(pronouns, 还有呢, two candidates) goes to the model, with a bounded prompt (the last turn only, its answer cut
short) and a bounded output (CONDENSE_MAX_TOKENS, the first line), generated aside (``LLM.stream_aside``: the
answer prompts' cached prefix survives it). The previous question is itself the standalone
form of that turn: rule rewrites are replayed over the history, model rewrites are remembered.
"""
from __future__ import annotations

import contextlib
import re
from collections import OrderedDict

from assistant.runtime.llm import LLM
from assistant.steps.prompting import PromptBuilder
from zh.dates import BARE_YEAR_RE, YEAR_RE
from zh.names import NOT_PLACES, placelike
from zh.tagging import tagged

FOLLOW_UP_RE = re.compile(r"这|那|该|其|它|他们|她们|上述|此|还有|另外|呢|前者|后者|同样|分别")
# 那 + slot + 呢 (or 又如何 / 怎么样): the slot is what the follow-up asks about instead
ELLIPSIS_RE = re.compile(r"^(?:那么?|而|那在)?(?P<slot>.{1,12}?)(?:的情况|方面的?|的)?"
                         r"(?:呢|又如何|又怎么样|怎么样|如何)[？?]?$")
QUESTION_WORD_RE = re.compile(r"多少|几|什么|哪|如何|怎|吗|谁|为何|是否|有没有")
ORDINAL_RE = re.compile(r"第[一二三四五六七八九十百\d]+(?P<counter>[批次项条个届期章节款轮])")
CONDENSE_MAX_TOKENS = 64  # a standalone question is far shorter; the bound keeps a rambling rewrite short
CONDENSE_ANSWER_CHARS = 120  # of the last answer, shown to the model
MEMORY = 256  # model rewrites remembered (previous standalone question, follow-up) → standalone


def looks_like_follow_up(question: str) -> bool:
    """Short questions and questions with a pronoun or 呢 lean on the conversation."""
    return len(question) < 12 or bool(FOLLOW_UP_RE.search(question))


def looks_like_question(text: str) -> bool:
    """Ends with a question mark or holds a question word (a rewrite that states an answer does neither)."""
    return text.rstrip().endswith(("？", "?")) or bool(QUESTION_WORD_RE.search(text))


def _words(text: str) -> list[tuple[str, str]]:
    return list(tagged(text))


def _places(words: list[tuple[str, str]]) -> list[str]:
    """Place names among jieba's words (one not followed by an organisation word: 重庆 of 重庆理工大学 is none)."""
    out = []
    for i, (word, flag) in enumerate(words):
        org_follows = i + 1 < len(words) and words[i + 1][1] == "nt"
        if flag == "ns" and word not in NOT_PLACES and placelike(word) and not org_follows:
            out.append(word)
    return out


def _siblings(slot: str, words: list[tuple[str, str]]) -> list[str]:
    """Words of the previous question of the slot's length that share its first or last character (进口 for 出口,
    上半年 for 下半年) without being it."""
    return sorted({w for w, _ in words if len(w) == len(slot) >= 2 and w != slot
                   and (w[-1] == slot[-1] or w[0] == slot[0]) and not QUESTION_WORD_RE.search(w)})


def _replace_one(previous: str, candidates: list[str], slot: str) -> str | None:
    """previous with its one candidate replaced by slot; None when there is not exactly one, or it occurs twice."""
    found = sorted(set(candidates))
    if len(found) != 1 or previous.count(found[0]) != 1:
        return None
    return previous.replace(found[0], slot)


def rewrite_by_rule(previous: str, follow_up: str) -> str | None:
    """The standalone form of an elliptical follow-up (那出口呢？) of previous, or None when no rule is clear."""
    m = ELLIPSIS_RE.match(follow_up.strip())
    if not m or QUESTION_WORD_RE.search(m.group("slot")) or FOLLOW_UP_RE.search(m.group("slot")):
        return None  # a question word or a pronoun in the slot: not a slot of the previous question
    slot = m.group("slot").strip()
    if YEAR_RE.fullmatch(slot) or BARE_YEAR_RE.fullmatch(slot):
        return _replace_one(previous, YEAR_RE.findall(previous), slot.removesuffix("年") + "年")
    ordinal = ORDINAL_RE.fullmatch(slot)
    if ordinal:
        same = [o.group(0) for o in ORDINAL_RE.finditer(previous) if o.group("counter") == ordinal.group("counter")]
        return _replace_one(previous, same, slot)
    words = _words(previous)
    slot_words = _words(slot)
    if _places(slot_words) == [slot]:
        return _replace_one(previous, _places(words), slot)
    if len(slot_words) == 1:
        return _replace_one(previous, _siblings(slot, words), slot)
    return None


class Condense:
    """Follow-ups become standalone questions; other questions pass unchanged (no model call)."""

    def __init__(self, llm: LLM, prompts: PromptBuilder):
        self.llm = llm
        self.prompts = prompts
        self._remembered: OrderedDict[tuple[str, str], str] = OrderedDict()

    def _standalone(self, previous: str | None, question: str) -> str | None:
        """The standalone form without a model call: the question itself, a rule rewrite or a remembered one."""
        if not previous or not looks_like_follow_up(question):
            return question
        return rewrite_by_rule(previous, question) or self._remembered.get((previous, question))

    def previous_question(self, history: list[tuple[str, str]]) -> str:
        """The last turn's question made standalone (rules replayed over the history, model rewrites remembered)."""
        previous = None
        for question, _ in history:
            previous = self._standalone(previous, question) or question
        return previous or ""

    def run(self, question: str, history: list[tuple[str, str]] | None) -> str:
        """The standalone question."""
        if not history or not looks_like_follow_up(question):
            return question
        previous = self.previous_question(history)
        known = self._standalone(previous, question)
        if known:
            return known
        prompt = self.prompts.condense([(previous, history[-1][1][:CONDENSE_ANSWER_CHARS])], question)
        text = ""
        with contextlib.closing(iter(self.llm.stream_aside(prompt, max_tokens=CONDENSE_MAX_TOKENS))) as pieces:
            for piece in pieces:
                text += piece
                if "\n" in text.lstrip():
                    break  # the first line is the question: stop generating
        rewritten = text.strip().split("\n", 1)[0].strip().strip("“”\"") if text.strip() else ""
        if not 2 <= len(rewritten) <= 3 * len(question) + 80 or not looks_like_question(rewritten):
            return question  # nothing usable, or the model answered instead of asking
        self._remembered[previous, question] = rewritten
        while len(self._remembered) > MEMORY:
            self._remembered.popitem(last=False)
        return rewritten
