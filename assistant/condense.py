"""Pipeline step: rewrite a follow-up question into a standalone one using the conversation."""
from __future__ import annotations

import re

from assistant.llm import LLM
from assistant.prompting import PromptBuilder

FOLLOW_UP_RE = re.compile(r"这|那|该|其|它|他们|她们|上述|此|还有|另外|呢|前者|后者|同样|分别")


def looks_like_follow_up(question: str) -> bool:
    """Short questions and questions with a pronoun or 呢 lean on the conversation."""
    return len(question) < 12 or bool(FOLLOW_UP_RE.search(question))


class Condense:
    """Follow-ups become standalone questions; other questions pass unchanged (no model call)."""

    def __init__(self, llm: LLM, prompts: PromptBuilder):
        self.llm = llm
        self.prompts = prompts

    def run(self, question: str, history: list[tuple[str, str]] | None) -> str:
        """The standalone question."""
        if not history or not looks_like_follow_up(question):
            return question
        text = "".join(self.llm.stream(self.prompts.condense(history, question), max_tokens=80)).strip().splitlines()
        rewritten = text[0].strip().strip("“”\"") if text else ""
        return rewritten if 2 <= len(rewritten) <= 3 * len(question) + 80 else question
