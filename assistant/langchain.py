"""The answering chain as a LangChain ``Runnable``."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from assistant.pipeline import Assistant


def _unpack(value: Any) -> tuple[str, list[tuple[str, str]] | None]:
    if isinstance(value, str):
        return value, None
    return value["question"], value.get("history")


class AssistantRunnable(Runnable[Any, dict]):
    """Input: a question string or {"question", "history": [(q, a), ...]}; output: the answer record.

    ``stream()`` yields {"token": text} pieces of the draft, {"checked": text, "draft": text} each time a sentence
    is complete and checked (the answer so far, made of checked sentences only, and the draft after them), then
    {"answer": record}.
    """

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> dict:
        """Answer and return the record (same fields as a batch output line)."""
        question, history = _unpack(input)
        return self.assistant.run(question, history).to_record("langchain")

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[dict]:
        """Stream draft tokens and checked answers so far, then the final record."""
        question, history = _unpack(input)
        for event in self.assistant.stream(question, history):
            if event.kind == "token":
                yield {"token": event.text}
            elif event.kind == "checked":
                yield {"checked": event.text, "draft": event.draft}
            elif event.kind == "answer":
                yield {"answer": event.answer.to_record("langchain")}
