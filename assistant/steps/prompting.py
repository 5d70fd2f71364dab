"""Prompt texts (prompts/*.txt), the numbered evidence block and the citation grammar (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.runtime.llm import chatml
from assistant.steps.evidence import MAX_EVIDENCE, Candidate
from index.documents import LABEL_SEP, short_heading
from settings import PROJECT_ROOT, AnswerConfig

PROMPTS_DIR = PROJECT_ROOT / "prompts"
HEAD_CHARS, INNER_CHARS = 12, 18  # heading lengths in the evidence block
# what a question part asks for, by slot, as the check prompt names it
ASKED = {"number": "具体数字", "time": "具体时间（年份或日期）", "entity": "具体名称", "yesno": "明确的是或否",
         "list": "具体内容", "method": "具体做法", "reason": "具体原因", "other": "具体内容"}


@dataclass(frozen=True)
class Prompts:
    """Prompt templates from prompts/ (Chinese)."""

    system: str
    evidence: str
    check_system: str
    check: str
    answer: str
    answer_parts: str
    answer_yesno: str
    condense: str
    choose: str
    example: str
    example_answer: str
    example_yesno: str
    example_yesno_answer: str
    refusal: str
    part_missing: str

    @classmethod
    def load(cls, folder: Path = PROMPTS_DIR) -> "Prompts":
        """Read every template file of the folder."""
        read = lambda name: (folder / f"{name}.txt").read_text(encoding="utf-8").strip("\n")  # noqa: E731
        return cls(**{name: read(name) for name in cls.__dataclass_fields__})

    @property
    def refusal_line(self) -> str:
        """The one-line refusal."""
        return self.refusal.splitlines()[0]


def heading_line(c: Candidate) -> str:
    """The heading shown above a paragraph's sentences: its case (or document) and its innermost heading, each
    cut short (every token of the prompt is prefill time)."""
    p = c.paragraph
    parts = [_cut(short_heading(p.case), HEAD_CHARS), _cut(short_heading(p.inner), INNER_CHARS)]
    return "〔" + LABEL_SEP.join(x for x in parts if x) + "〕"


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n] + "…"


def evidence_block(sentences: list[Candidate]) -> str:
    """Sentences numbered [1]..[n], under their paragraph's heading path."""
    lines, last = [], None
    for i, c in enumerate(sentences, start=1):
        if c.paragraph.id != last:
            lines.append(heading_line(c))
            last = c.paragraph.id
        lines.append(f"[{i}] {c.text.strip()}")
    return "\n".join(lines)


class PromptBuilder:
    """Every prompt the answer pipeline sends, built so that they share the longest possible prefix:
    system + worked example, then the evidence block and the question."""

    def __init__(self, prompts: Prompts):
        self.prompts = prompts
        self._turns = [(prompts.example, prompts.example_answer)]
        # a yes/no question also gets a worked check of a statement whose figure is wrong (不是, then the documents'
        # own figure): without it the model fills the verdict's sentence with the instruction's own words; shown to
        # other questions it made their answers terse (150米 for 一百五十米以外), so it follows the cached prefix
        self._yes_no_turns = [*self._turns, (prompts.example_yesno + "\n" + prompts.answer_yesno,
                                             prompts.example_yesno_answer)]

    @property
    def constant_prefix(self) -> str:
        """System prompt + worked example: identical for every request (prefix-cached)."""
        return chatml(self.prompts.system, self._turns, "")[: -len("<|im_end|>\n<|im_start|>assistant\n")]

    def _user(self, sentences: list[Candidate], question: str, instruction: str, yes_no: bool = False) -> str:
        body = self.prompts.evidence.format(evidence=evidence_block(sentences), question=question)
        return chatml(self.prompts.system, self._yes_no_turns if yes_no else self._turns, body + "\n" + instruction)

    def check(self, sentence: Candidate, question: str, slot: str) -> str:
        """Does this one sentence give what the question asks? (是/否; its own short system prompt)"""
        label = heading_line(sentence).strip("〔〕")
        body = self.prompts.check.format(label=label, sentence=sentence.text.strip(), question=question,
                                         asked=ASKED.get(slot, ASKED["other"]))
        return chatml(self.prompts.check_system, [], body)

    def choose(self, sentences: list[Candidate], question: str, part: str = "", yes_no: bool = False) -> str:
        """Which evidence sentence answers the question (or, of several parts, this one)? Its number, 0 for none.
        The prompt is the answer prompt up to the question, so the answer that follows reuses its prefill."""
        target = f"问题中的“{part.rstrip('？?。')}”" if part else "这个问题"
        return self._user(sentences, question, self.prompts.choose.format(target=target), yes_no)

    def answer(self, sentences: list[Candidate], question: str, parts: list[str], yes_no: bool = False) -> str:
        """Answer the question (each listed part in its own sentence when there are several; a yes/no question
        with 是 or 不是 first)."""
        if len(parts) > 1:
            listed = "\n".join(f"{i}. {p}" for i, p in enumerate(parts, start=1))
            instruction = self.prompts.answer_parts.format(parts=listed)
        elif yes_no:
            instruction = self.prompts.answer_yesno
        else:
            instruction = self.prompts.answer
        return self._user(sentences, question, instruction, yes_no and len(parts) <= 1)

    def condense(self, history: list[tuple[str, str]], question: str) -> str:
        """Rewrite a follow-up into a standalone question."""
        lines = "\n".join(f"用户：{q}\n助手：{a[:200]}" for q, a in history[-3:])
        return chatml("你负责改写问题。", [], self.prompts.condense.format(history=lines, question=question))


def answer_sentences(slots: list[str], most: int = AnswerConfig.max_answer_sentences) -> int:
    """How many sentences the answer to these asked parts may have: two more than the parts, and ``most`` when a
    part asks for a list (哪些基本公共服务: six items, one a sentence, were cut at three)."""
    return most if "list" in slots else min(len(slots) + 2, most)


def citation_grammar(n_sources: int, max_sentences: int = 3, verdict_first: bool = False) -> str:
    """GBNF forcing 1..max_sentences sentences, each ending with [n] markers of existing sources. With
    ``verdict_first`` (a yes/no question) the first sentence opens with its verdict and a comma and goes on to
    the fact (不是，该法自2004年5月1日起施行[1]。): a bare 不是[1]。 states nothing its source could confirm."""
    digits = f"[1-{max(1, min(n_sources, MAX_EVIDENCE))}]"
    optional = " ".join(["sent?"] * (max_sentences - 1))
    first = "verdict \"，\" sent" if verdict_first else "sent"
    verdict = "verdict ::= [^\\[\\]。？?\\n<，,]{1,4}\n" if verdict_first else ""
    return (f"root ::= {first} {optional}\n{verdict}"
            "sent ::= body cite cite? \"。\"\n"
            "body ::= [^\\[\\]。？?\\n<]{2,120}\n"
            f"cite ::= \"[\" {digits} \"]\"\n")
