"""False premises: a figure or a name the question takes for granted that the cited sources contradict (pure).

A question may assert what the documents do not say (上海的医疗险赔付比例提高了30%，为什么？ when the source
says 25%; 深圳推出了…吗 when it was 北京). When the answer stands on cited paragraphs and

* a figure of the question (a year aside) is in none of them, while the answer gives figures, or
* a place or organisation the question names is in none of them, while the answer names another,

the answer opens by saying so — 问题中的“30%”与资料不符 — before the source's own fact, instead of answering as if
the premise held.
"""
from __future__ import annotations

import re

from assistant.answer import Line
from assistant.steps.support import FIGURE_RE, NUMBER_RE, missing_numbers
from textutil import squash
from zh.dates import YEARISH_RE
from zh.names import place_or_org_names
from zh.numbers import digits_view
from zh.terms import found


def premise_note(question: str, lines: list[Line], cited_texts: list[str]) -> Line | None:
    """The opening line that corrects a false premise of the question, or None when there is none to correct."""
    answer = "".join(line.text for line in lines if line.origin != "note")
    if not answer or not cited_texts:
        return None
    hay = digits_view("\n".join(cited_texts))
    asked = YEARISH_RE.sub("", digits_view(question))
    missing = {re.match(r"[\d.]+", m).group(0) for m in missing_numbers(asked, hay)}
    wrong = ["".join(f) for f in FIGURE_RE.findall(asked) if f[0] in missing and f[2]]
    if wrong and NUMBER_RE.search(digits_view(answer)):
        return Line(f"问题中的“{'、'.join(dict.fromkeys(wrong))}”与资料不符，资料所载如下。", (), "note")
    names = [n for n in place_or_org_names(question) if not found(n, squash(hay).lower())]
    said = [n for n in place_or_org_names(answer) if n not in names and not found(n, squash(question).lower())]
    if names and said:
        return Line(f"资料中没有关于“{'、'.join(names)}”的这一说法，资料所载的是{'、'.join(said[:2])}。", (), "note")
    return None
