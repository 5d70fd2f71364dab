"""The answer's value types: its sources and citations, its lines, its parts, the Answer itself and the events
that stream it. Every step reads and writes these; none of them does any work (pure data, no pipeline imports
at run time)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from retriever.locations import paragraph_location

if TYPE_CHECKING:
    from assistant.steps.evidence import Candidate
    from assistant.steps.gate import PartVerdict
    from assistant.steps.verify import Verdict
    from retriever.hybrid import Hit


@dataclass(frozen=True)
class Source:
    """Source [n]: a paragraph and the excerpt of it shown to the model."""

    n: int
    paragraph: object  # index.documents.Paragraph
    text: str  # the selected sentences of the paragraph, in order
    chunk_id: str
    score: float


@dataclass(frozen=True)
class Numbering:
    """A citation's numbers, converted in one place: the prompt numbers the evidence sentences [k], the reader
    sees one source [n] per paragraph (numbered in evidence order), and a source stands for one paragraph id."""

    evidence: dict[int, Candidate]  # k → the evidence sentence, as numbered in the prompt
    sources: dict[str, Source]  # paragraph id → its source [n]

    @classmethod
    def of(cls, sentences: list[Candidate], chunk_of: dict[str, tuple[str, float]] | None = None) -> Numbering:
        """Number the evidence sentences from 1 and their paragraphs from 1, in evidence order; ``chunk_of`` gives
        a paragraph's best retrieved chunk and its score."""
        chunk_of = chunk_of or {}
        grouped: dict[str, list[Candidate]] = {}
        for c in sentences:
            grouped.setdefault(c.paragraph.id, []).append(c)
        sources = {}
        for n, (pid, cands) in enumerate(grouped.items(), start=1):
            cands.sort(key=lambda c: c.start)
            chunk_id, score = chunk_of.get(pid, ("", 0.0))
            sources[pid] = Source(n, cands[0].paragraph, "".join(c.text for c in cands), chunk_id, score)
        return cls(dict(enumerate(sentences, start=1)), sources)

    @property
    def source_numbers(self) -> dict[int, int]:
        """Evidence number [k] → source number [n]."""
        return {k: self.sources[c.paragraph.id].n for k, c in self.evidence.items()}

    def source_of(self, c: Candidate) -> Source:
        """The source of an evidence sentence's paragraph."""
        return self.sources[c.paragraph.id]


@dataclass(frozen=True)
class Citation:
    """A resolved [n]: the paragraph it points to (its exact text, document and place in it)."""

    n: int
    paragraph: object  # index.documents.Paragraph
    source_text: str  # the part of the paragraph that was shown to the model

    @property
    def paragraph_id(self) -> str:
        """The cited paragraph's ID."""
        return self.paragraph.id

    @property
    def label(self) -> str:
        """The cited paragraph's label (ending with its page for a PDF)."""
        return self.paragraph.label

    @property
    def text(self) -> str:
        """The cited paragraph's exact text."""
        return self.paragraph.text


@dataclass(frozen=True)
class Line:
    """One sentence of the final answer and where it comes from."""

    text: str  # without markers
    cites: tuple[int, ...]  # source numbers
    origin: str  # "model" | "extract" | "quote" | "note" | "outline" (an overview's list, see assistant.steps.overview)

    def render(self) -> str:
        """The sentence with its markers before the final punctuation (a clause cut at ；or ，ends in 。)."""
        body = self.text.rstrip("。！？；!?;，,、 ")
        end = self.text[len(body):].strip().lstrip("；;，,、")[:1] or ("" if body.endswith("」") else "。")
        return body + "".join(f"[{n}]" for n in self.cites) + end


@dataclass(frozen=True)
class PartOutcome:
    """One part of the question: the gate's verdict on it and how it was answered."""

    text: str
    answered_by: str  # "model" | "extract" | "outline" | "none"
    verdict: PartVerdict | None = None  # None for an overview answer (listed from the heading tree)

    @property
    def answerable(self) -> bool:
        """The gate's verdict (an overview's list is answerable)."""
        return self.verdict.answerable if self.verdict else True

    @property
    def p_answerable(self) -> float:
        """The gate's P(answerable) (1.0 for an overview's list)."""
        return self.verdict.p_answerable if self.verdict else 1.0


@dataclass
class Answer:
    """Everything about one answered (or refused) question."""

    question: str
    standalone_question: str
    answer: str
    refused: bool
    lines: list[Line]
    citations: list[Citation]
    contexts: list[Hit]
    sources: list[Source]
    parts: list[PartOutcome] = field(default_factory=list)  # one record per part: its verdict, how it was answered
    checks: list[Verdict] = field(default_factory=list)
    evidence: list[Candidate] = field(default_factory=list)
    outline: list[tuple[str, int]] = field(default_factory=list)  # overview answers: (heading, source number)
    generated: str = ""
    timings: dict = field(default_factory=dict)
    where: str = ""  # the document filter the answer was kept to (DocFilter.describe), '' for none

    @property
    def verdicts(self) -> list[PartVerdict]:
        """The gate's verdicts, in part order (none for an overview answer)."""
        return [p.verdict for p in self.parts if p.verdict is not None]

    @property
    def p_answerable(self) -> float:
        """The best part's P(answerable)."""
        return max((v.p_answerable for v in self.verdicts), default=0.0)

    @property
    def fallback(self) -> bool:
        """True when some part is answered by a verbatim extract instead of a model sentence."""
        return any(p.answered_by == "extract" for p in self.parts)

    @property
    def rejected(self) -> list[Verdict]:
        """Generated sentences the checks removed."""
        return [c for c in self.checks if not c.ok]

    def to_record(self, qid: str) -> dict:
        """The batch output line."""
        return {
            "id": qid, "question": self.question, "answer": self.answer, "refused": self.refused,
            "citations": [{"n": c.n, "paragraph_id": c.paragraph_id, **paragraph_location(c.paragraph),
                           "title": c.paragraph.title, "label": c.label, "text": c.text} for c in self.citations],
            "contexts": [{"chunk_id": h.chunk.id, "label": h.chunk.label, "text": h.chunk.text,
                          "score": round(h.score, 6)} for h in self.contexts],
            "timings": self.timings,
            "standalone_question": self.standalone_question,
            "p_answerable": round(self.p_answerable, 4),
            "parts": [{"text": p.text, "answerable": p.answerable, "p_answerable": round(p.p_answerable, 4),
                       "answered_by": p.answered_by, "features": asdict(p.verdict.features),
                       "absent": list(p.verdict.absent)} for p in self.parts if p.verdict is not None],
            "evidence": [{"paragraph_id": c.paragraph.id, "label": c.paragraph.label, "text": c.text}
                         for c in self.evidence],
            "lines": [{"text": line.text, "cites": list(line.cites), "origin": line.origin} for line in self.lines],
            "rejected": [{"sentence": v.claim.text, "reason": v.reason, "echo": v.echo} for v in self.rejected],
            "outline": [{"heading": h, "n": n} for h, n in self.outline],
            "fallback": self.fallback,
            "generated": self.generated,
            "filter": self.where,
            "documents": sorted({c.paragraph_id.rsplit(":", 1)[0] for c in self.citations}),
        }


@dataclass(frozen=True)
class Event:
    """A streaming event: a status line, the evidence, a generated text piece (a draft), the answer so far made of
    the sentences that passed the checks (with the draft of the next one), or the final answer."""

    kind: str  # "status" | "evidence" | "token" | "checked" | "answer"
    text: str = ""
    answer: Answer | None = None
    sources: tuple[Source, ...] = ()
    draft: str = ""  # "checked": the sentence being written after the checked ones
