"""Questions as input: read question lists (.txt one per line, .jsonl id+question and an optional "filter", .csv
id,question header) and check a single question before it is asked."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from errors import RagError
from retriever.filters import DocFilter, FilterError
from textutil import decode_text

MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class Question:
    """A question with its ID (line number when the file gives none)."""

    id: str
    question: str
    where: DocFilter | None = None  # a .jsonl line's "filter": the documents it may be answered from


class QuestionFileError(RagError, ValueError):
    """The question file cannot be used at all."""


class QuestionError(RagError, ValueError):
    """A question that cannot be asked; the subclass says why."""


class EmptyQuestion(QuestionError):
    """Nothing but whitespace."""

    def __init__(self):
        super().__init__("empty question")


class QuestionTooLong(QuestionError):
    """Over MAX_QUESTION_CHARS characters."""

    def __init__(self, length: int, limit: int = MAX_QUESTION_CHARS):
        super().__init__(f"question longer than {limit} characters ({length})")
        self.length, self.limit = length, limit


def check_question(text: str) -> str:
    """Strip a question; raise EmptyQuestion or QuestionTooLong (QuestionError) if it cannot be asked."""
    text = (text or "").strip()
    if not text:
        raise EmptyQuestion()
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(len(text))
    return text


def _filter(spec) -> DocFilter | None:
    """A question line's ``filter`` object ({"doc", "where", "after", "before"}), or None."""
    if spec is None:
        return None
    if not isinstance(spec, dict) or set(spec) - {"doc", "where", "after", "before"}:
        raise FilterError('"filter" must be an object with doc, where, after and/or before')
    return DocFilter.parse(spec.get("doc", ()), spec.get("where", {}), spec.get("after", ""), spec.get("before", ""))


def read_questions(path: str | Path) -> tuple[list[Question], list[str]]:
    """Questions from a file, plus one error message per bad line (bad lines are skipped)."""
    path = Path(path)
    if not path.is_file():
        raise QuestionFileError(f"question file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in (".txt", ".jsonl", ".csv"):
        raise QuestionFileError(f"unsupported question file {path.name}: use .txt, .jsonl or .csv")
    try:
        text = decode_text(path.read_bytes())
    except UnicodeError as exc:
        raise QuestionFileError(f"{path.name}: {exc}") from exc
    items: list[Question] = []
    errors: list[str] = []
    seen: set[str] = set()

    def add(qid: str, question, where: str, spec=None):
        try:
            q = check_question(question if isinstance(question, str) else "")
            scope = _filter(spec)
        except (QuestionError, FilterError) as exc:
            errors.append(f"{where}: {exc}")
            return
        if qid in seen:
            errors.append(f"{where}: duplicate id {qid!r}")
            return
        seen.add(qid)
        items.append(Question(qid, q, scope))

    if suffix == ".txt":
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                add(str(n), line, f"line {n}")
    elif suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                errors.append(f"line {n}: invalid JSON ({exc})")
                continue
            add(str(obj.get("id", n)), obj.get("question"), f"line {n}", obj.get("filter"))
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "question" not in reader.fieldnames:
            raise QuestionFileError(f"{path.name}: CSV needs a header with a 'question' column (and 'id')")
        for n, row in enumerate(reader, start=2):
            add(str(row.get("id") or n), row.get("question"), f"line {n}")
    return items, errors
