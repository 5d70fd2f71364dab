"""The answering chain: condense → retrieve → answerability → grounded generation → citation check."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.answerability import Calibration, Features, coverage
from assistant.citations import Sentence, drop_invalid_markers, normalize_markers, split_answer
from assistant.extractive import extractive_answer
from assistant.llm import LLM, chatml
from assistant.sources import Source, build_sources, sources_block
from assistant.support import SupportResult, check_sentence, missing_numbers
from retriever.hybrid import Hit, HybridRetriever
from retriever.questions import check_question
from settings import PROJECT_ROOT, Config

PROMPTS_DIR = PROJECT_ROOT / "prompts"
FOLLOW_UP_RE = re.compile(r"这|那|该|其|它|他们|她们|上述|此|还有|另外|呢|前者|后者|同样|分别")


@dataclass(frozen=True)
class Prompts:
    """Prompt templates from prompts/ (Chinese)."""

    system: str
    sources: str
    answer: str
    check: str
    condense: str
    example: str
    example_answer: str
    refusal: str

    @classmethod
    def load(cls, folder: Path = PROMPTS_DIR) -> "Prompts":
        """Read every template file of the folder."""
        read = lambda name: (folder / f"{name}.txt").read_text(encoding="utf-8").strip("\n")  # noqa: E731
        return cls(**{name: read(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Citation:
    """A resolved [n]: the paragraph it points to, with its exact text."""

    n: int
    paragraph_id: str
    label: str
    text: str
    source_text: str  # the part of the paragraph that was shown to the model


@dataclass
class Answer:
    """Everything about one answered (or refused) question."""

    question: str
    standalone_question: str
    answer: str
    refused: bool
    citations: list[Citation]
    sentences: list[SupportResult]
    contexts: list[Hit]
    sources: list[Source]
    p_answerable: float
    features: Features | None = None
    fallback: bool = False  # True when the generated text failed the check and an extractive answer replaced it
    generated: str = ""
    timings: dict = field(default_factory=dict)

    @property
    def unsupported_sentences(self) -> list[str]:
        """Answer sentences not supported by what they cite."""
        return [s.sentence for s in self.sentences if not s.supported]

    def to_record(self, qid: str) -> dict:
        """The batch output line."""
        return {
            "id": qid, "question": self.question, "answer": self.answer, "refused": self.refused,
            "citations": [{"n": c.n, "paragraph_id": c.paragraph_id, "label": c.label, "text": c.text}
                          for c in self.citations],
            "unsupported_sentences": self.unsupported_sentences,
            "contexts": [{"chunk_id": h.chunk.id, "label": h.chunk.label, "text": h.chunk.text,
                          "score": round(h.score, 6)} for h in self.contexts],
            "timings": self.timings,
            "standalone_question": self.standalone_question,
            "p_answerable": round(self.p_answerable, 4),
            "features": asdict(self.features) if self.features else None,
            "fallback": self.fallback,
            "generated": self.generated,
            "support": [{"sentence": r.sentence, "supported": r.supported, "score": round(r.score, 3),
                         "reason": r.reason} for r in self.sentences],
        }


@dataclass(frozen=True)
class Event:
    """A streaming event: a status line, a generated text piece, or the final answer."""

    kind: str  # "status" | "token" | "answer"
    text: str = ""
    answer: Answer | None = None


def citation_grammar(n_sources: int, max_sentences: int = 3) -> str:
    """GBNF forcing 1..max_sentences sentences, each ending with [n] markers for existing sources."""
    digits = f"[1-{min(n_sources, 9)}]"
    optional = " ".join(["sent?"] * (max_sentences - 1))
    return (f"root ::= sent {optional}\n"
            "sent ::= body cite cite? \"。\"\n"
            "body ::= [^\\[\\]。\\n<]{2,120}\n"
            f"cite ::= \"[\" {digits} \"]\"\n")


def resolve(sentences, sources: list[Source], question: str = "") -> tuple[list[SupportResult], list[Citation]]:
    """Check each sentence against its cited sources; map citations to paragraphs."""
    by_n = {s.n: s for s in sources}
    results, citations = [], {}
    for sent in sentences:
        cited = [by_n[n] for n in sent.cites if n in by_n]
        results.append(check_sentence(sent.text, [s.paragraph.text for s in cited], question))
        for src in cited:
            citations.setdefault(src.n, Citation(src.n, src.paragraph.id, src.paragraph.label,
                                                 src.paragraph.text, src.text))
    return results, [citations[n] for n in sorted(citations)]


def repair_citations(sentences: list[Sentence], sources: list[Source], question: str = "") -> list[Sentence]:
    """Re-point a sentence to the one source that supports it when the sources it cites do not.

    A 1.5B model often writes the right fact with the wrong number; the check then finds the paragraph that
    really holds the fact. A sentence no single source supports keeps its markers (and is reported).
    """
    by_n = {s.n: s for s in sources}
    out = []
    for sent in sentences:
        cited = [by_n[n].paragraph.text for n in sent.cites if n in by_n]
        if check_sentence(sent.text, cited, question).supported or not sources:
            out.append(sent)
            continue
        checks = [(check_sentence(sent.text, [src.paragraph.text], question), src) for src in sources]
        best, src = max(checks, key=lambda c: (c[0].supported, c[0].score, -c[1].n))
        out.append(Sentence(sent.text, (src.n,), sent.raw) if best.supported else sent)
    return out


def render_sentences(sentences: list[Sentence]) -> str:
    """Answer text with each sentence's markers placed before its final punctuation."""
    parts = []
    for sent in sentences:
        body = sent.text.rstrip("。！？；!?;")
        end = sent.text[len(body):] or "。"
        parts.append(body + "".join(f"[{n}]" for n in sent.cites) + end)
    return "".join(parts)


class Assistant:
    """Grounded question answering over one index with one LLM."""

    def __init__(self, retriever: HybridRetriever, llm: LLM, cfg: Config | None = None,
                 prompts: Prompts | None = None, calibration: Calibration | None = None):
        self.retriever = retriever
        self.llm = llm
        self.cfg = cfg or Config()
        self.prompts = prompts or Prompts.load()
        self.calibration = calibration or Calibration.load()
        self.answer_all = False  # calibration runs: generate even when the checks would refuse
        self._turns = [(self.prompts.example, self.prompts.example_answer)]

    @property
    def constant_prefix(self) -> str:
        """System prompt + worked example: identical for every request (prefix-cached)."""
        return chatml(self.prompts.system, self._turns, "")[: -len("<|im_end|>\n<|im_start|>assistant\n")]

    def _prompt(self, user: str) -> str:
        return chatml(self.prompts.system, self._turns, user)

    def condense(self, question: str, history: list[tuple[str, str]] | None) -> str:
        """Rewrite a follow-up into a standalone question using the conversation history."""
        if not history or not (len(question) < 12 or FOLLOW_UP_RE.search(question)):
            return question
        lines = "\n".join(f"用户：{q}\n助手：{a[:200]}" for q, a in history[-3:])
        prompt = chatml("你负责改写问题。", [], self.prompts.condense.format(history=lines, question=question))
        text = "".join(self.llm.stream(prompt, max_tokens=80)).strip().splitlines()
        rewritten = text[0].strip().strip("“”\"") if text else ""
        return rewritten if 2 <= len(rewritten) <= 3 * len(question) + 80 else question

    def _sources_prompt(self, question: str, sources: list[Source]) -> str:
        """The numbered sources and the question: the prompt part shared by the check and the answer."""
        return self.prompts.sources.format(sources=sources_block(sources), question=question)

    def features(self, question: str, sources: list[Source], hits: list[Hit]) -> Features:
        """Answerability signals for the question and its sources."""
        p_yes = self.llm.yes_probability(self._prompt(self._sources_prompt(question, sources) + self.prompts.check))
        dense = max((h.signal_scores.get("dense", 0.0) for h in hits), default=0.0)
        return Features(p_yes, coverage(question, [s.text for s in sources]), dense)

    def stream(self, question: str, history: list[tuple[str, str]] | None = None, k: int | None = None,
               max_tokens: int | None = None, case: str | None = None) -> Iterator[Event]:
        """Answer a question, yielding status lines, generated text pieces and finally the Answer."""
        started = time.perf_counter()
        question = check_question(question)
        standalone = self.condense(question, history)
        if standalone != question:
            yield Event("status", f"改写为：{standalone}")
        t0 = time.perf_counter()
        hits = self.retriever.context(standalone, budget=self.cfg.retrieval.context_chars, case=case)
        if k:
            hits = hits[:k]
        retrieve_ms = (time.perf_counter() - t0) * 1000
        sources = build_sources(hits, self.retriever.paragraphs)
        ms = lambda: round((time.perf_counter() - started) * 1000, 1)  # noqa: E731
        feats = self.features(standalone, sources, hits) if sources else None
        p_ans = self.calibration.probability(feats) if feats else 0.0
        if not sources or (p_ans < self.calibration.threshold and not self.answer_all):
            answer = self._refusal(question, standalone, hits, sources, p_ans, feats)
            answer.timings = {"retrieve_ms": round(retrieve_ms, 1), "ttft_ms": ms(), "total_ms": ms(), "gen_tokens": 0}
            yield Event("token", answer.answer)
            yield Event("answer", answer=answer)
            return
        user = self._sources_prompt(standalone, sources) + self.prompts.answer
        pieces, ttft = [], None
        for piece in self.llm.stream(self._prompt(user), max_tokens or self.cfg.llm.max_tokens,
                                     grammar=citation_grammar(len(sources))):
            if ttft is None:
                ttft = ms()
            pieces.append(piece)
            yield Event("token", piece)
        generated = "".join(pieces)
        answer = self._grounded(question, standalone, generated, hits, sources, p_ans, feats)
        if answer.refused:
            yield Event("status", "生成的回答含有资料中没有的数字，已拒答。")
        elif answer.fallback:
            yield Event("status", "生成的回答未通过引用核查，已改为摘录原文。")
        answer.timings = {"retrieve_ms": round(retrieve_ms, 1), "ttft_ms": ttft if ttft is not None else ms(),
                          "total_ms": ms(), "gen_tokens": self.llm.count_tokens(generated) if generated else 0}
        yield Event("answer", answer=answer)

    def run(self, question: str, history: list[tuple[str, str]] | None = None, **kwargs) -> Answer:
        """Answer without streaming."""
        final = None
        for event in self.stream(question, history, **kwargs):
            if event.kind == "answer":
                final = event.answer
        assert final is not None
        return final

    def _refusal(self, question, standalone, hits, sources, p_ans, feats=None, generated="") -> Answer:
        return Answer(question, standalone, self.prompts.refusal.splitlines()[0], True, [], [], hits, sources, p_ans,
                      feats, generated=generated)

    def _grounded(self, question, standalone, generated, hits, sources, p_ans, feats) -> Answer:
        text = drop_invalid_markers(normalize_markers(generated.strip()), len(sources))
        sentences = repair_citations(split_answer(text), sources, standalone)
        text = render_sentences(sentences)
        results, citations = resolve(sentences, sources, standalone)
        all_text = "\n".join(src.paragraph.text for src in sources)
        if any(missing_numbers(r.sentence, all_text) for r in results) and not self.answer_all:
            # figures that no source contains: the model is guessing, so the documents don't say
            return self._refusal(question, standalone, hits, sources, p_ans, feats, generated)
        fallback = not any(r.supported for r in results)
        if fallback:
            text = extractive_answer(standalone, sources)
            results, citations = resolve(split_answer(text), sources, standalone)
        return Answer(question, standalone, text, False, citations, results, hits, sources, p_ans, feats, fallback,
                      generated)
