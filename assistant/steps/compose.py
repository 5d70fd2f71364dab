"""Pipeline step: the final answer from the checked sentences, part by part (pure).

Every part of the question ends up in one of three states, never silently dropped:
answered by the model (a checked sentence covers it), answered by extraction (no checked sentence covers the
part, but its best evidence sentence holds the asked slot and the question's anchors: it is quoted verbatim),
or not in the documents (said in a note; when no part is answered the whole answer is a refusal). The source
sentences the model's sentences rest on follow them verbatim (原文：「…」), unless the answer already holds them
word for word, so a reader sees the documents' own wording next to the model's. Citations point to paragraphs,
numbered in evidence order.
"""
from __future__ import annotations

import re

from assistant.answer import Citation, Line, Numbering, PartOutcome, Source
from assistant.steps.citations import drop_invalid_markers, normalize_markers, split_answer
from assistant.steps.evidence import MAX_EVIDENCE, Candidate
from assistant.steps.gate import PartVerdict, conflicts, quotable
from assistant.steps.quantity import quantity_head
from assistant.steps.question_parts import Part
from assistant.steps.support import NUMBER_RE
from assistant.steps.verify import Claim, Verdict, covers, paragraph_sentences
from index.documents import Paragraph
from settings import AnswerConfig
from textutil import char_ngrams, squash
from zh.numbers import digits_view

LIST_MARK_RE = re.compile(r"^\s*(?:\d{1,2}[.．、)）](?!\d)|[（(]\d{1,2}[)）]|[-*•·]\s*|[一二三四五六七八九十]{1,2}、)\s*")  # "1. " / "（2）" / "- "


ORDINAL_RE = re.compile(r"^[一二三四五六七八九十]+是")


def plain(sentence: str) -> str:
    """A source sentence as an answer line shows it: stripped, without its 一是/二是 list word."""
    return ORDINAL_RE.sub("", sentence.strip())


def extract_line(c: Candidate, source: Source) -> Line:
    """A verbatim evidence sentence as an answer line."""
    return Line(plain(c.text), (source.n,), "extract")


def model_lines(verdicts: list[PartVerdict], checks: list[Verdict], numbering: Numbering,
                cover_share: float = AnswerConfig.cover_share) -> list[tuple[Line, Candidate | None]]:
    """The checked model sentences that answer an asked part, as answer lines, each with the source sentence it
    rests on (see resting_sentence)."""
    parts = [v.part for v in verdicts]
    asked = [v for v in verdicts if v.answerable]
    out = []
    for v in checks:
        answers_a_part = any(covers(v.claim.text, a.part, tuple(p for p in parts if p is not a.part), cover_share)
                             for a in asked)
        if v.ok and answers_a_part:  # a checked sentence that answers none of the asked parts is left out
            cited = [numbering.evidence[k] for k in v.claim.cites if k in numbering.evidence]
            cites = tuple(dict.fromkeys(numbering.source_of(c).n for c in cited))
            out.append((Line(v.claim.text, cites, "model"), resting_sentence(v.claim.text, cited)))
    return out


def compose(verdicts: list[PartVerdict], checks: list[Verdict], numbering: Numbering, missing_note: str,
            cfg: AnswerConfig = AnswerConfig(), lead_of: dict[str, Paragraph] | None = None,
            items_of: dict[str, tuple[Paragraph, ...]] | None = None) -> tuple[list[Line], list[PartOutcome]]:
    """Answer lines in order: checked model sentences, the source sentences they rest on and those the gate
    checked for each part (when the answer cites their paragraph), then for each uncovered part an extract or a
    note; an extracted list item comes after its lead-in (``lead_of``: see assistant.steps.list_context), which
    holds the rule: （六）醉酒…驾驶电动自行车的 says nothing of its fine without 第四十条 …处五十元罚款：; a model
    sentence that ends with a lead-in's colon (申请登记时应当提交下列材料：) is followed by the items (``items_of``)."""
    rested = model_lines(verdicts, checks, numbering, cfg.cover_share)
    sources = numbering.sources
    lines = []
    for line, rest in rested:
        lines.append(line)
        if rest is not None and line.text.rstrip("。 ").endswith(("：", ":")):
            lines += _items_after(rest, items_of or {}, numbering, lines)
    # a sentence two claims rest on is quoted once (quote_lines skips what is held)
    quoted = [rest for _, rest in rested if rest is not None]
    parts = [v.part for v in verdicts]
    asked = [v for v in verdicts if v.answerable]
    outcomes, extra = [], []  # extra: extracts and notes, after the quotes
    for verdict in verdicts:
        others = tuple(p for p in parts if p is not verdict.part)
        if _answered_in(lines, verdict.part, others, cfg.cover_share):
            # a checked sentence answers it (though the gate found no single sentence that does): no note that
            # the documents say nothing of it
            outcomes.append(PartOutcome(verdict.part.text, "model", verdict))
            continue
        if verdict.answerable and _answered_in(extra, verdict.part, others, cfg.cover_share):
            # the sentence quoted for an earlier part answers this one too (乐清市：地区生产总值1548.90亿元，（%）增速7.0)
            outcomes.append(PartOutcome(verdict.part.text, "extract", verdict))
            continue
        # the model put an invented or misplaced figure here: the evidence does not hold this part's answer —
        # unless it read the figure off another sentence than the gate's, which names the quantity asked (2320.64
        # of the row 第三产业 for 第二产业增加值 does not make the row 第二产业 wrong; a question whose quantity has
        # no name to check, 带来了多少美元, keeps the refusal)
        pick = verdict.quotable_answer
        named = pick is not None and bool(quantity_head(verdict.part.text)) and not _rests_on(
            tuple(k for c in checks for k in c.claim.cites), pick, numbering)
        guessed = not named and any(c.wrong_figure and (len(parts) == 1
                                                        or covers(c.claim.text, verdict.part, others, cfg.cover_share))
                                    for c in checks)
        if verdict.answerable and not guessed and pick is not None and pick.paragraph.id in sources \
                and not conflicts(pick, verdict.part.text):  # not a 2023 bulletin's row for 2020年的粮食总产量
            for c in [*_lead_in(pick, lead_of or {}, numbering), pick]:
                line = extract_line(c, sources[c.paragraph.id])
                if _unshown(line, lines + extra):
                    extra.append(line)
            outcomes.append(PartOutcome(verdict.part.text, "extract", verdict))
        else:
            note = _missing_line(missing_note, verdict.part)
            if len(verdicts) > 1 and note not in extra:
                extra.append(note)
            outcomes.append(PartOutcome(verdict.part.text, "none", verdict))
    answered = lines + extra
    quotes = quote_lines(quoted + checked_sentences(asked, answered, sources), answered, sources, cfg.max_quotes)
    # a part the quoted source sentences answer is not missing (完成预算的百分之几 when the quoted row gives 99.5%)
    for k, outcome in enumerate(outcomes):
        verdict = outcome.verdict
        others = tuple(p for p in parts if p is not verdict.part)
        if outcome.answered_by == "none" and verdict.answerable \
                and _answered_in(quotes, verdict.part, others, cfg.cover_share):
            outcomes[k] = PartOutcome(outcome.text, "extract", verdict)
            extra = [line for line in extra if line != _missing_line(missing_note, verdict.part)]
    return lines + quotes + extra, outcomes


def _items_after(lead: Candidate, items_of: dict[str, tuple[Paragraph, ...]], numbering: Numbering,
                 shown: list[Line]) -> list[Line]:
    """The items of the lead-in a sentence rests on, as extracts, those among the evidence and not yet shown."""
    ids = {p.id for p in items_of.get(lead.paragraph.id, ())}
    picked = [extract_line(c, numbering.source_of(c)) for c in numbering.evidence.values() if c.paragraph.id in ids]
    return [line for line in picked if _unshown(line, shown)]


def _answered_in(shown: list[Line], part: Part, others: tuple[Part, ...], share: float) -> bool:
    """Some shown line answers the part (see assistant.steps.verify.covers)."""
    return any(covers(line.text, part, others, share) for line in shown)


def _missing_line(missing_note: str, part: Part) -> Line:
    """The note that the documents say nothing of the part."""
    return Line(missing_note.format(part=part.text.rstrip("？?。")), (), "note")


def _rests_on(cites: tuple[int, ...], c: Candidate, numbering: Numbering) -> bool:
    """Some cited evidence sentence stands in c's paragraph."""
    return any(e.paragraph.id == c.paragraph.id for k in cites if (e := numbering.evidence.get(k)) is not None)


def _unshown(line: Line, shown: list[Line]) -> bool:
    """No line already shown holds this one's text."""
    return all(line.text not in s.text for s in shown)


def _lead_in(item: Candidate, lead_of: dict[str, Paragraph], numbering: Numbering) -> list[Candidate]:
    """The evidence sentence of the lead-in of a list item ([] for no item, or a lead-in not among the evidence)."""
    lead = lead_of.get(item.paragraph.id)
    if lead is None:
        return []
    return [c for c in numbering.evidence.values() if c.paragraph.id == lead.id][-1:]


def answer_text(lines: list[Line]) -> str:
    """The answer as one text: sentences run on, each quoted source sentence on a line of its own."""
    out = ""
    for prev, line in zip([None, *lines], lines):
        if out and (line.origin == "quote" or (prev is not None and prev.origin == "quote")):
            out += "\n"
        out += line.render()
    return out


def resting_sentence(claim: str, cited: list[Candidate]) -> Candidate | None:
    """The sentence a claim rests on: of the cited sentences and the rest of their paragraphs, the one holding
    most of the claim's numbers, then most of its wording (a cited one on a tie) — the model often cites the right
    paragraph through the wrong sentence, and the quote must show where a figure comes from."""
    grams = char_ngrams(claim)
    numbers = [n for n, _ in NUMBER_RE.findall(digits_view(claim))]

    def key(c: Candidate) -> tuple[int, int]:
        text = digits_view(c.text)
        return sum(n in text for n in numbers), len(grams & char_ngrams(c.text))

    return max([*cited, *paragraph_sentences(cited)], key=key, default=None)


def checked_sentences(asked: list[PartVerdict], lines: list[Line], sources: dict[str, Source]) -> list[Candidate]:
    """The sentence the gate found best for each asked part (holding its slot filler, and for a number part a
    figure of the quantity asked), when the answer already cites its paragraph: the model often cites the right
    paragraph but words its answer from another sentence."""
    cited = {n for line in lines for n in line.cites}
    return [v.best for v in asked if v.best is not None and v.features.aligned > 0 and quotable(v.best, v.part)
            and v.best.paragraph.id in sources and sources[v.best.paragraph.id].n in cited]


def quote_lines(cited: list[Candidate], lines: list[Line], sources: dict[str, Source],
                most: int = AnswerConfig.max_quotes) -> list[Line]:
    """The given sentences, verbatim, that the answer's lines (or an earlier quote) do not already hold (at most
    ``most``)."""
    held = squash("".join(line.text for line in lines))
    out: list[Line] = []
    for c in cited:
        text = c.text.strip()
        if len(out) < most and squash(plain(text)) not in held and c.paragraph.id in sources:
            out.append(Line(f"原文：「{text}」", (sources[c.paragraph.id].n,), "quote"))
            held += squash(text)
    return out


def citations_for(lines: list[Line], sources: dict[str, Source]) -> list[Citation]:
    """The cited sources, in number order, with their paragraphs' exact text."""
    by_n = {s.n: s for s in sources.values()}
    cited = sorted({n for line in lines for n in line.cites})
    return [Citation(n, by_n[n].paragraph, by_n[n].text) for n in cited if n in by_n]


def claims_of(text: str) -> list[Claim]:
    """Generated text → claims (sentence text + cited evidence numbers)."""
    sentences = split_answer(drop_invalid_markers(normalize_markers(text.strip()), MAX_EVIDENCE))
    return [Claim(LIST_MARK_RE.sub("", s.text), s.cites) for s in sentences if LIST_MARK_RE.sub("", s.text)]
