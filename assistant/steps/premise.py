"""False premises: what the question takes for granted and the cited sources contradict (pure).

A question may assert what the documents do not say (上海的医疗险赔付比例提高了30%，为什么？ when the source
says 25%; 深圳推出了…吗 when it was 北京; 钢材产量同比下滑了，降了多少？ when it grew). Two cases:

* **The answer stands** on cited paragraphs (:func:`premise_note`) and a figure of the question (dates and
  ordinals aside: 第一次 is no figure) is in none of them while the answer gives figures; or a place or
  organisation the question names is in none of them while the answer names another; or the question says a
  quantity went one way (下滑, 增长) and the cited source gives the answer's figure the other way (增长48.8%,
  增长-91.6%). The answer opens by saying so — 问题中的“30%”与资料不符 — before the source's own fact.
* **Every model sentence was rejected for agreeing with the premise** (:func:`premise_correction`): 是的，…定到
  5年 when the cited paragraph says 不得超过3年; 是，以沸水堆核电厂为例 when the documents say 压水堆. Instead of
  refusing, the answer says the premise is not what the documents say and quotes the evidence sentence that
  gives the fact: for a figure, the one holding a figure in the same unit (3年 for 5年) in the cited paragraph,
  else the sentence the gate found best when it does; for a word — or a place the question got wrong (爱奇艺是在
  上海试点…融到了多少钱 when the source says 海南开展…试点，爱奇艺…融资4.7亿元) — the cited sentence that gives the
  rejected sentence's own figure, else the sentence the gate found best.
"""
from __future__ import annotations

from collections.abc import Sequence

from assistant.answer import Line, Numbering
from assistant.steps.compose import extract_line
from assistant.steps.evidence import Candidate
from assistant.steps.gate import PartVerdict, anchors_of_part, holds
from assistant.steps.quantity import states_asked_quantity
from assistant.steps.support import FIGURE_RE, NUMBER_RE, number_of, stated_figures
from assistant.steps.verify import Verdict, figure_homes, figures, paragraph_sentences
from index.lexical import key_terms
from textutil import squash
from zh.direction import UNSAID, asked_direction, figure_direction, word_of
from zh.names import place_or_org_names
from zh.numbers import digits_view, unit_forms
from zh.tagging import tagged
from zh.terms import found


def premise_note(question: str, lines: list[Line], cited_texts: list[str],
                 shown_texts: Sequence[str] = ()) -> Line | None:
    """The opening line that corrects a false premise of the question, or None when there is none to correct. A
    figure of the question that some evidence paragraph shown to the model holds (shown_texts) is no false
    premise even when the answer cites another paragraph (百分之五十 in 第九十九条's item (四), the answer citing
    the article's head)."""
    answer = "".join(line.text for line in lines if line.origin != "note")
    if not answer or not cited_texts:
        return None
    hay = digits_view("\n".join(cited_texts))
    held = _numbers_in(hay) | _numbers_in(digits_view("\n".join(shown_texts)))
    wrong = [f for f in stated_figures(question) if len(f) > len(number_of(f)) and number_of(f) not in held]
    if wrong and NUMBER_RE.search(digits_view(answer)):
        return Line(_figures_note(wrong, question), (), "note")
    names = [n for n in place_or_org_names(question) if not found(n, squash(hay).lower())]
    said = [n for n in place_or_org_names(answer) if n not in names and not found(n, squash(question).lower())]
    if names and said:
        return Line(f"资料中没有关于“{'、'.join(names)}”的这一说法，资料所载的是{'、'.join(said[:2])}。", (), "note")
    return _direction_note(question, answer, cited_texts)


def _direction_note(question: str, answer: str, cited_texts: list[str]) -> Line | None:
    """资料所载是增长，并非下降: the question's direction against the one the cited source gives the answer's
    figures (None when they agree or either is unsaid)."""
    asked = asked_direction(question)
    if asked == UNSAID:
        return None
    sources = [digits_view(t) for t in cited_texts]
    for number, _ in NUMBER_RE.findall(digits_view(answer)):
        said = next((d for t in sources if (d := figure_direction(t, number)) != UNSAID), UNSAID)
        if said == -asked:
            return Line(f"资料所载是{word_of(said)}，并非{word_of(asked)}。", (), "note")
    return None


def premise_correction(question: str, checks: list[Verdict], verdicts: list[PartVerdict],
                       numbering: Numbering) -> list[Line]:
    """When a model sentence was rejected for taking the question's premise (a figure or a word of the question
    the cited text lacks) for granted: a note saying so and the evidence sentence that gives the documents' own
    fact, verbatim ([] when there is no premise to correct or no such sentence)."""
    for check in checks:
        if check.ok or not check.premise:
            continue
        cited = [numbering.evidence[k] for k in check.claim.cites if k in numbering.evidence]
        figures = [p for p in check.premise if NUMBER_RE.match(p)]
        fact = (_figure_fact(question, figures, cited, _best_fact(verdicts)) if figures
                else _home_fact(check.claim.text, question, cited) or _best_fact(verdicts))
        if fact is None or fact.paragraph.id not in numbering.sources:
            continue
        note = (_figures_note(figures, question) if figures
                else f"资料中没有关于“{'、'.join(_nouns_first(check.premise, question))}”的这一说法，资料所载如下。")
        return [Line(note, (), "note"), extract_line(fact, numbering.source_of(fact))]
    return []


def _figure_fact(question: str, figures: list[str], cited: list[Candidate],
                 best: Candidate | None) -> Candidate | None:
    """The sentence that gives the asked quantity its own value: a figure in the unit of a premise figure but
    not the premise's number, in the paragraphs the rejected sentence cited (the most of the question's terms),
    else the sentence the gate found best for the question when it is one."""
    home = [c for c in paragraph_sentences(cited) if _other_value(c, figures)]
    if home:
        return max(home, key=lambda c: _terms_held(c, question))
    return best if best is not None and _other_value(best, figures) else None


def _other_value(c: Candidate, figures: list[str]) -> bool:
    """The sentence gives a figure in the unit of one of ``figures`` but with another number (1000元 for 500元)."""
    ruled_out = {number_of(f) for f in figures}
    units = {u for f in figures for u in unit_forms(f[len(number_of(f)):])} - {""}
    return any(u in units and n not in ruled_out for n, u in NUMBER_RE.findall(digits_view(c.text)))


def _terms_held(c: Candidate, question: str) -> int:
    """How many of the question's key terms the sentence holds, with its heading path."""
    hay = squash(c.paragraph.heading_text + c.text).lower()
    return sum(found(t, hay) for t in key_terms(question))


def refused_premise(question: str, verdicts: list[PartVerdict], numbering: Numbering, idf) -> list[Line]:
    """When the gate refused a one-part question that states a figure (每个集装箱只能省下500元左右，还值得推广吗)
    and an evidence sentence holding the question's names gives the asked quantity in that unit with another
    value (节省1000元左右): the correction — 问题中的“500元”与资料不符 and that sentence, verbatim — instead of the
    refusal; a false premise is why no sentence answered the question as asked ([] otherwise)."""
    figures = [f for f in stated_figures(question) if len(f) > len(number_of(f))]
    if len(verdicts) != 1 or not figures:
        return []
    names = anchors_of_part(verdicts[0].part, question)
    facts = [c for c in numbering.evidence.values() if holds(c, names, idf) and _other_value(c, figures)
             and states_asked_quantity(c.text, [n for n, _ in NUMBER_RE.findall(digits_view(c.text))], question)]
    if not facts:
        return []
    fact = max(facts, key=lambda c: _terms_held(c, question))
    return [Line(_figures_note(figures, question), (), "note"), extract_line(fact, numbering.source_of(fact))]


def _home_fact(sentence: str, question: str, cited: list[Candidate]) -> Candidate | None:
    """The cited sentence that gives the rejected sentence's own figure (海南开展…试点，爱奇艺…融资4.7亿元 for a
    question that put it in 上海), None when it gives none."""
    homes = [c for f in figures(sentence, question) for c in figure_homes(number_of(f), cited)]
    return homes[0] if homes else None


def _best_fact(verdicts: list[PartVerdict]) -> Candidate | None:
    """The sentence the gate found best for the question (one part only: a word premise of one part of several
    says nothing of the others)."""
    return verdicts[0].best if len(verdicts) == 1 else None


def _nouns_first(words: tuple[str, ...], question: str) -> list[str]:
    """The premise words worth naming: those the question uses as nouns (沸水 of 征求意见、稿里、沸水, the rest
    being its own phrasing the documents word otherwise), all of them when none is one."""
    nouns = {w for w, flag in tagged(question) if flag.startswith("n")}
    return [w for w in words if w in nouns] or list(words)


def _figures_note(figures: list[str], question: str) -> str:
    """问题中的“5000万元”与资料不符: each figure as the question writes it (with its magnitude and unit)."""
    written = {}  # number → the first figure of the question with that number, as written
    for m in FIGURE_RE.finditer(digits_view(question)):
        written.setdefault(m.group(1), m.group(0))
    shown = [written.get(number_of(f), f) for f in figures]
    return f"问题中的“{'、'.join(dict.fromkeys(shown))}”与资料不符，资料所载如下。"


def _numbers_in(text: str) -> set[str]:
    return {n for n, _ in NUMBER_RE.findall(text)}
