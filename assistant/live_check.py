"""Pipeline step while the answer streams: check each sentence as soon as it is complete (pure).

The model's tokens are a draft. A reader should only ever see sentences that passed the checks, so each time the
model finishes a sentence the sentences so far are verified (see :mod:`assistant.verify`) and the answer shown is
made of the checked ones that answer an asked part; the sentence still being written is shown apart, as a draft.
A sentence the checks reject is never shown as part of the answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.compose import Source, claims_of, model_lines
from assistant.evidence import Candidate
from assistant.gate import PartVerdict
from assistant.verify import verify

SENTENCE_END_RE = re.compile(r"[。！？!?](?:\[\d+\])*")


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
    """Checks the streamed answer sentence by sentence; ``run`` returns a new view when a sentence completed."""

    question: str
    evidence: dict[int, Candidate]  # evidence number → sentence, as numbered in the prompt
    sources: dict[str, Source]  # paragraph id → source
    verdicts: list[PartVerdict]
    asked: list[str]  # the text of each part, as verify takes it
    idf: object = None
    _done: int = field(default=0, init=False)  # complete sentences checked so far
    _shown: str = field(default="", init=False)

    def run(self, generated: str, final: bool = False) -> LiveView | None:
        """The view after the model has written ``generated`` (evidence markers); None when no sentence completed
        since the last call. ``final``: the stream ended, the last sentence is complete too."""
        done = generated if final else settled(generated)
        claims = claims_of(done) if done.strip() else []
        if len(claims) > self._done:
            self._done = len(claims)
            checks = verify(claims, self.question, self.evidence, self.asked, self.idf)
            lines = model_lines(self.verdicts, checks, self.evidence, self.sources)
            self._shown = "".join(line.render() for line, _ in lines)
            return LiveView(self._shown, self.draft(generated[len(done):]))
        return None

    def draft(self, text: str) -> str:
        """Evidence markers [k] of a draft rewritten as source markers [n]."""
        return re.sub(r"\[(\d+)\]", lambda m: self._marker(int(m.group(1))), text)

    def _marker(self, k: int) -> str:
        c = self.evidence.get(k)
        return f"[{self.sources[c.paragraph.id].n}]" if c is not None and c.paragraph.id in self.sources else ""

