"""The answer pipeline, wired step by step:

condense → split into parts → retrieve → select evidence sentences → gate each part → generate → verify → compose;
a question about a document's own particulars (文号, issuing body, dates) or its outline is answered from the
document's metadata or heading tree instead (see :mod:`assistant.steps.doc_facts`, :mod:`assistant.steps.overview`).

Each step is a small component with one ``run()`` (see the modules named below); :meth:`Assistant.stream`
only wires them, times them and streams events: the evidence as soon as it is selected, the answer's text
pieces (a draft), the answer so far each time a sentence is complete and checked (see
:mod:`assistant.steps.live_check`), then the final :class:`Answer`.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

from assistant.answer import Answer, Event, Numbering, PartOutcome, Source
from assistant.runtime.llm import LLM
from assistant.steps.citations import remap_markers
from assistant.steps.compose import answer_text, citations_for, compose
from assistant.steps.condense import Condense
from assistant.steps.doc_facts import DocFact, DocumentFacts
from assistant.steps.evidence import SelectEvidence
from assistant.steps.gate import Calibration, Gate
from assistant.steps.live_check import LiveCheck
from assistant.steps.overview import OverviewStep
from assistant.steps.premise import premise_correction, premise_note, refused_premise
from assistant.steps.prompting import PromptBuilder, Prompts, answer_sentences, citation_grammar
from assistant.steps.question_parts import asks_yes_no, split_parts
from assistant.steps.retrieve import Retrieve
from questions import check_question
from retriever.filters import DocFilter, doc_title, library_places, named_docs, named_scope, quoted_scope
from retriever.hybrid import Hit, HybridRetriever
from settings import Config
from zh.names import anchors
from zh.tagging import add_places


def calibration_for(index_dir) -> Calibration:
    """The index's own calibration (``python -m eval calibrate``) or the shipped one."""
    from pathlib import Path

    own = Path(index_dir) / "calibration.json"
    return Calibration.load(own) if own.is_file() else Calibration.load()


class Assistant:
    """Grounded question answering over one index with one LLM.

    Everything derived from the index — retrieval, the term statistics of evidence selection and the gate,
    the heading tree of overview answers — is built here, once, from the one retriever, which cannot be
    reassigned: an assistant over another index, or a newer version of this one, is a new assistant
    (:meth:`with_retriever`), so a question never mixes two versions.
    """

    def __init__(self, retriever: HybridRetriever, llm: LLM, cfg: Config | None = None,
                 prompts: Prompts | None = None, calibration: Calibration | None = None):
        self._retriever = retriever
        add_places(library_places(retriever.stored.manifest))  # 周口 is a place in a library of 周口's bulletins
        self.llm = llm
        self.cfg = cfg or Config()
        self.prompts = prompts or Prompts.load()
        self.builder = PromptBuilder(self.prompts)
        self.answer_all = False  # calibration runs: generate even when the gate would refuse
        self.condense = Condense(llm, self.builder)
        answer = self.cfg.answer
        self.retrieve = Retrieve(retriever, self.cfg.retrieval.context_chars, answer.part_hits)
        self.select = SelectEvidence(retriever.paragraphs.values(), answer)
        self.gate = Gate(llm, self.builder, self.select.stats, calibration, answer)
        self.overview = OverviewStep(list(retriever.paragraphs.values()), self.select.stats, answer.min_scope)
        self.facts = DocumentFacts(list(retriever.paragraphs.values()), retriever.stored.manifest)

    @property
    def retriever(self) -> HybridRetriever:
        """The index this assistant answers from (read-only: see :meth:`with_retriever`)."""
        return self._retriever

    def with_retriever(self, retriever: HybridRetriever, calibration: Calibration | None = None) -> "Assistant":
        """A new assistant with the same model, settings and prompts over ``retriever`` (and ``calibration``,
        by default this one's); this assistant is left as it is."""
        new = Assistant(retriever, self.llm, self.cfg, self.prompts, calibration or self.calibration)
        new.answer_all = self.answer_all
        return new

    def with_index(self, index_dir, threads: int | None = None) -> "Assistant":
        """The same model and prompts over another index (its own calibration when it has one)."""
        retriever = HybridRetriever.from_index_dir(index_dir, self.cfg.retrieval,
                                                   threads=threads or self.cfg.index.threads)
        return self.with_retriever(retriever, calibration_for(index_dir))

    @property
    def calibration(self) -> Calibration:
        """The gate's calibration."""
        return self.gate.calibration

    @property
    def constant_prefix(self) -> str:
        """System prompt + worked example: identical for every request (prefix-cached)."""
        return self.builder.constant_prefix

    def stream(self, question: str, history: list[tuple[str, str]] | None = None, k: int | None = None,
               max_tokens: int | None = None, case: str | None = None,
               where: DocFilter | None = None) -> Iterator[Event]:
        """Answer a question, yielding status lines, the evidence, answer text pieces and finally the Answer;
        ``where`` keeps the answer to the documents it matches (NoDocuments when none does)."""
        clock = _Clock()
        question = check_question(question)
        docs = where.doc_ids(self.retriever.stored.manifest) if where else None
        standalone = clock.step("condense_ms", self.condense.run, question, history)
        if standalone != question:
            yield Event("status", f"改写为：{standalone}")
        quoted = None if docs is not None else quoted_scope(standalone, self.retriever.stored.manifest)
        if quoted:
            docs = frozenset(quoted.docs)
            yield Event("status", f"问题引用了{'、'.join(f'《{self._title(d)}》' for d in quoted.docs)}：只在其中查找")
        named = None if docs is not None else named_scope(standalone, self.retriever.stored.manifest)
        fact = self.facts.run(standalone, docs if docs is not None else frozenset(named.docs) if named else None)
        if fact is not None:
            yield from self._fact(question, standalone, fact, clock)
            return
        scope = clock.step("scope_ms", self.overview.scope, standalone, anchors(standalone), docs)
        if scope is not None:
            yield from self._overview(question, standalone, scope, clock)
            return
        parts = split_parts(standalone)
        if named:
            yield Event("status", f"问题提到了{'、'.join(f'《{self._title(d)}》' for d in named.docs)}：先在其中查找")
        got = clock.step("retrieve_ms", self.retrieve.run, standalone, parts, case, k, docs,
                         frozenset(named.docs) if named else None)
        evidence = clock.step("select_ms", self.select.run, standalone, parts, got.paragraphs, got.named,
                              got.scopes)
        numbering = Numbering.of(evidence.sentences, _chunk_of(got.hits))
        sources = numbering.sources
        yield Event("evidence", sources=tuple(sources.values()))
        verdicts = clock.step("gate_ms", self.gate.run, standalone, evidence, got.context_text, self.answer_all)
        answer = Answer(question=question, standalone_question=standalone, answer="", refused=True, lines=[],
                        citations=[], contexts=got.hits, sources=list(sources.values()),
                        evidence=evidence.sentences, where=where.describe() if where else "",
                        parts=[PartOutcome(v.part.text, "none", v) for v in verdicts])
        if any(v.answerable for v in verdicts):
            yield from self._generate(answer, numbering, max_tokens, clock)
        elif correction := refused_premise(standalone, verdicts, numbering, self.select.stats.idf):
            answer.lines = correction  # no sentence answered as asked because the question's figure is wrong
            answer.parts = [PartOutcome(p.text, "extract", p.verdict) for p in answer.parts]
        yield from self._finish(answer, sources, clock)

    def _generate(self, answer: "Answer", numbering: Numbering, max_tokens: int | None,
                  clock: "_Clock") -> Iterator[Event]:
        """Generate the answer to the answerable parts, check each sentence as it completes, and compose the
        lines (into ``answer``), streaming the draft and the checked sentences."""
        verdicts, standalone = answer.verdicts, answer.standalone_question
        evidence = list(numbering.evidence.values())
        asked = [v.part.text for v in verdicts if v.answerable]
        yes_no = asks_yes_no([v.part for v in verdicts])
        prompt = self.builder.answer(evidence, standalone, asked if len(verdicts) > 1 else [], yes_no=yes_no)
        grammar = citation_grammar(len(evidence), answer_sentences([v.part.slot for v in verdicts if v.answerable],
                                                                   self.cfg.answer.max_answer_sentences), yes_no)
        asked_texts = [v.part.text if anchors(v.part.text) else standalone for v in verdicts]
        stats = self.select.stats
        live = LiveCheck(standalone, numbering, verdicts, asked_texts, stats.idf, stats.in_corpus, self.cfg.answer,
                         self._docs_named)
        pieces: list[str] = []
        clock.mark("generate")
        raw = self.llm.stream(prompt, max_tokens or self.cfg.llm.max_tokens, grammar=grammar)
        for piece in remap_markers(_collect(raw, pieces), numbering.source_numbers):
            clock.first_token()
            yield Event("token", piece)
            view = live.run("".join(pieces))
            if view is not None:
                yield Event("checked", view.checked, draft=view.draft)
        clock.stop("generate_ms")
        answer.generated = "".join(pieces)
        view = clock.step("verify_ms", live.run, answer.generated, True)  # the last sentence, with the whole answer
        if view is not None:
            yield Event("checked", view.checked)
        answer.checks = live.checks
        answer.lines, answer.parts = compose(verdicts, live.checks, numbering, self.prompts.part_missing,
                                             self.cfg.answer, self.select.lists.lead_of, self.select.lists.items_of)
        # no model sentence stands: a premise the documents contradict is said, before any extract (罚五十元，对吧？
        # is answered with the fine the documents give for it, not with another article that fines 五十元)
        correction = [] if any(line.origin == "model" for line in answer.lines) else \
            premise_correction(standalone, live.checks, verdicts, numbering) or \
            refused_premise(standalone, verdicts, numbering, self.select.stats.idf)
        if correction:
            answer.lines = correction
            answer.parts = [PartOutcome(p.text, "extract", p.verdict) for p in answer.parts]
            return
        cited = {n for line in answer.lines for n in line.cites}
        shown = [s.paragraph.haystack for s in numbering.sources.values()]
        note = premise_note(standalone, answer.lines,
                            [s.paragraph.haystack for s in numbering.sources.values() if s.n in cited], shown)
        if note is not None:
            answer.lines = [note, *answer.lines]

    def _finish(self, answer: "Answer", sources: dict[str, Source], clock: "_Clock") -> Iterator[Event]:
        """The final answer event; an answer without a line that answers (nothing answerable, or nothing that
        passed the checks and no extract) is the refusal."""
        if any(line.origin != "note" for line in answer.lines):
            answer.answer, answer.refused = answer_text(answer.lines), False
            answer.citations = citations_for(answer.lines, sources)
            if answer.fallback:
                yield Event("status", "部分内容未通过核查或未被回答，已改为摘录原文。")
        else:
            answer.answer, answer.refused, answer.lines = self.prompts.refusal_line, True, []
            if answer.generated:
                yield Event("status", "生成的回答未通过核查，且没有可摘录的依据，已拒答。")
            yield Event("token", answer.answer)
            yield Event("checked", answer.answer)
        gen = self.llm.count_tokens(answer.generated) if answer.generated else 0
        answer.timings = clock.finish(gen_tokens=gen)
        yield Event("answer", answer=answer)

    def _overview(self, question: str, standalone: str, scope, clock: "_Clock") -> Iterator[Event]:
        """An overview question answered from the heading tree (no model call)."""
        ov = self.overview.run(scope)
        yield Event("evidence", sources=tuple(ov.sources))
        text = "\n".join(line.render() if line.cites else line.text for line in ov.lines)
        clock.first_token()
        yield Event("token", text)
        yield Event("checked", text)  # built from the headings themselves: nothing to check
        answer = Answer(question=question, standalone_question=standalone, answer=text, refused=False,
                        lines=ov.lines, citations=citations_for(ov.lines, {s.paragraph.id: s for s in ov.sources}),
                        contexts=[], sources=ov.sources, outline=ov.outline,
                        parts=[PartOutcome(standalone, "outline")])
        answer.timings = clock.finish(gen_tokens=0)
        yield Event("answer", answer=answer)

    def _fact(self, question: str, standalone: str, fact: DocFact, clock: "_Clock") -> Iterator[Event]:
        """A document's particular answered from its metadata, cited to the paragraph that states it (no model
        call)."""
        yield Event("evidence", sources=tuple(fact.sources))
        text = answer_text(fact.lines)
        clock.first_token()
        yield Event("token", text)
        yield Event("checked", text)  # the value is the cited paragraph's own: nothing to check
        cited = citations_for(fact.lines, {s.paragraph.id: s for s in fact.sources})
        answer = Answer(question=question, standalone_question=standalone, answer=text, refused=False,
                        lines=fact.lines, citations=cited, contexts=[], sources=fact.sources,
                        parts=[PartOutcome(standalone, "extract")])
        answer.timings = clock.finish(gen_tokens=0)
        yield Event("answer", answer=answer)

    def _docs_named(self, text: str) -> frozenset[str] | None:
        """The documents of the library a text names in particular (see retriever.filters.named_scope)."""
        return named_docs(text, self.retriever.stored.manifest)

    def _title(self, doc_id: str) -> str:
        return doc_title(self.retriever.stored.manifest["documents"].get(doc_id, {})) or doc_id

    def run(self, question: str, history: list[tuple[str, str]] | None = None, **kwargs) -> Answer:
        """Answer without streaming."""
        final = None
        for event in self.stream(question, history, **kwargs):
            if event.kind == "answer":
                final = event.answer
        assert final is not None
        return final


def _chunk_of(hits: list[Hit]) -> dict[str, tuple[str, float]]:
    """Paragraph id → (id, score) of the best retrieved chunk that covers it."""
    return {pid: (h.chunk.id, h.score) for h in reversed(hits) for pid in h.chunk.paragraph_ids}


def _collect(pieces: Iterator[str], into: list[str]) -> Iterator[str]:
    for piece in pieces:
        into.append(piece)
        yield piece


class _Clock:
    """Per-step timings in ms, the time to the first answer piece, and the total."""

    def __init__(self):
        self.started = time.perf_counter()
        self.timings: dict = {}
        self._marks: dict[str, float] = {}

    def step(self, name: str, fn, *args):
        t = time.perf_counter()
        out = fn(*args)
        self.timings[name] = round((time.perf_counter() - t) * 1000, 1)
        return out

    def mark(self, name: str) -> None:
        self._marks[name] = time.perf_counter()

    def stop(self, name: str) -> None:
        self.timings[name] = round((time.perf_counter() - self._marks["generate"]) * 1000, 1)

    def first_token(self) -> None:
        self.timings.setdefault("ttft_ms", round((time.perf_counter() - self.started) * 1000, 1))

    def finish(self, **extra) -> dict:
        total = round((time.perf_counter() - self.started) * 1000, 1)
        self.timings.setdefault("ttft_ms", total)
        return {**self.timings, "total_ms": total, **extra}
