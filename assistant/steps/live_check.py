"""Pipeline step while the answer streams: check each sentence as soon as it is complete (pure).

The model's tokens are a draft. A reader should only ever see sentences that passed the checks, so each time the
model finishes a sentence the sentences so far are verified (see :mod:`assistant.steps.verify`) and the answer shown is
made of the checked ones that answer an asked part; the sentence still being written is shown apart, as a draft.
A sentence the checks reject is never shown as part of the answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer import Numbering
from assistant.steps.citations import remap
from assistant.steps.compose import claims_of, model_lines
from assistant.steps.gate import PartVerdict
from assistant.steps.verify import Verdict, verify
from settings import AnswerConfig
from textutil import FULL_STOPS

SENTENCE_END_RE = re.compile(rf"[{FULL_STOPS}](?:\[\d+\])*")


def settled(text: str) -> str:
    """The text up to the end of its last complete sentence: one that something other than its end mark and
    markers already follows ('' while the first sentence is being written)."""
    body = text.rstrip()
    ends = [m.end() for m in SENTENCE_END_RE.finditer(body) if m.end() < len(body)]
    return text[:ends[-1]] if ends else ""


@dataclass(frozen=True)
class LiveView:
    """What a reader sees while the answer streams."""

    checked: str  # the checked sentences, rendered with source markers
    draft: str  # the sentence being written (source markers), not yet checked


@dataclass
class LiveCheck:
    """Checks the streamed answer sentence by sentence; ``run`` returns a new view when a sentence completed, and
    ``checks`` holds the verdicts on every complete sentence so far (after the final run: on the whole answer)."""

    question: str
    numbering: Numbering  # the evidence sentences [k] and their sources [n]
    verdicts: list[PartVerdict]
    asked: list[str]  # the text of each part, as verify takes it
    idf: object = None
    in_corpus: object = None  # TermStats.in_corpus: see assistant.steps.verify.slot_aligned
    cfg: AnswerConfig = AnswerConfig()  # the checks' thresholds
    names_docs: object = None  # text → the library's documents it names in particular: see verify.cites_named_doc
    checks: list[Verdict] = field(default_factory=list, init=False)

    def run(self, generated: str, final: bool = False) -> LiveView | None:
        """The view after the model has written ``generated`` (evidence markers); None when no sentence completed
        since the last call. ``final``: the stream ended, the last sentence is complete too."""
        done = generated if final else settled(generated)
        claims = claims_of(done) if done.strip() else []
        if len(claims) <= len(self.checks):
            return None
        self.checks = verify(claims, self.question, self.numbering.evidence, self.asked, self.idf, self.in_corpus,
                             self.cfg, self.names_docs)
        lines = model_lines(self.verdicts, self.checks, self.numbering, self.cfg.cover_share)
        return LiveView("".join(line.render() for line, _ in lines),
                        remap(generated[len(done):], self.numbering.source_numbers))
