"""Answer a question file into JSONL: progress bar, resumable, bad lines skipped (never fatal).

Resuming never rewrites the output: answers are appended, and only a torn last line (a run
killed mid-write, cut anywhere, even inside a UTF-8 character) is cut off. A question counts as
done when a line with its id *and* the same question text is in the output, so editing a .txt
file (ids are line numbers) never skips a new question.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.batch.export import write_answers
from assistant.pipeline import Assistant
from errors import RagError
from questions import Question, QuestionFileError, read_questions
from retriever.filters import DocFilter

# the questions to do -> for each, in order, its answer record or an error message
Answers = Callable[[list[Question]], Iterator[dict | str]]


class BatchPathError(RagError, ValueError):
    """An output path that would overwrite the question file (or the JSONL output itself)."""


class TooManyQuestions(QuestionFileError):
    """More questions than the caller allows in one batch."""


@dataclass
class BatchReport:
    """What a batch run did."""

    answered: int = 0
    skipped_existing: int = 0
    errors: list[str] = field(default_factory=list)
    out: Path | None = None
    cancelled: bool = False
    remaining: int = 0  # questions left unanswered because of a cancel
    torn_bytes: int = 0  # bytes of a torn last line cut off the output


def question_key(qid: str, question: str) -> tuple[str, str]:
    """What identifies an answered question: its id and a hash of its text."""
    return str(qid), hashlib.sha256(question.strip().encode("utf-8")).hexdigest()[:16]


def read_done(out: Path) -> tuple[dict[tuple[str, str], dict], int, int]:
    """(answered records by question_key, end of the last complete line, bad complete lines).

    Lines are decoded one by one, so a damaged line costs only itself.
    """
    if not out.is_file():
        return {}, 0, 0
    data = out.read_bytes()
    end = data.rfind(b"\n") + 1  # bytes after the last newline are a torn (partial) line
    done: dict[tuple[str, str], dict] = {}
    bad = 0
    for raw in data[:end].split(b"\n"):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
            done[question_key(record["id"], record["question"])] = record
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
            bad += 1
    return done, end, bad


def done_ids(out: Path) -> set[str]:
    """IDs already answered in an output file (the file is not modified)."""
    return {qid for qid, _ in read_done(out)[0]}


def check_paths(questions_path: str | Path, out: str | Path, fmt: str | None = None) -> None:
    """Refuse outputs that would overwrite the question file, or a table that would overwrite the JSONL."""
    q, out = Path(questions_path).resolve(), Path(out).resolve()
    targets = [("--out", out)] + ([(f"--format {fmt}", out.with_suffix(f".{fmt}"))] if fmt else [])
    for what, target in targets:
        if target == q or (target.exists() and q.exists() and os.path.samefile(target, q)):
            raise BatchPathError(f"{what} would write {target}, which is the question file; choose another --out")
    if fmt and out.with_suffix(f".{fmt}") == out:
        raise BatchPathError(f"--format {fmt} would overwrite the answers {out}; give --out a .jsonl name")


def _one_by_one(assistant: Assistant, turn: AbstractContextManager | None, where: DocFilter | None = None) -> Answers:
    def answers(todo: list[Question]) -> Iterator[dict | str]:
        for q in todo:
            try:
                with turn or nullcontext():
                    answer = assistant.run(q.question, where=q.where or where)
            except Exception as exc:  # reported by answer_file, and the run goes on
                yield f"{type(exc).__name__}: {exc}"
                continue
            yield answer.to_record(q.id)
    return answers


def answer_file(assistant: Assistant | None, questions_path: str | Path, out_path: str | Path,
                fmt: str | None = None, show_progress: bool = True, *, max_questions: int | None = None,
                cancel: threading.Event | None = None,
                turn: AbstractContextManager | None = None, answers: Answers | None = None,
                where: DocFilter | None = None) -> BatchReport:
    """Answer every question not yet in out_path, appending one JSON line each.

    ``max_questions``: refuse larger files (TooManyQuestions). ``cancel``: stop before the next
    question. ``turn``: a lock held around each question (the app's model turn, so chats interleave).
    ``answers``: where the answers come from instead of ``assistant`` — called once with the
    questions to do, it yields for each of them, in their order, its record
    (``Answer.to_record``) or an error message (``assistant.batch.ray_batch`` answers on Ray workers).
    """
    out = Path(out_path)
    check_paths(questions_path, out, fmt)
    questions, errors = read_questions(questions_path)
    if max_questions is not None and len(questions) > max_questions:
        raise TooManyQuestions(f"{Path(questions_path).name} has {len(questions)} questions; at most "
                               f"{max_questions} per batch here ([limits] max_batch_questions) — split the file "
                               "or use `python -m assistant batch`")
    out.parent.mkdir(parents=True, exist_ok=True)
    report = BatchReport(errors=[f"skipped {e}" for e in errors], out=out)
    done, end, bad = read_done(out)
    if bad:
        report.errors.append(f"{bad} unreadable line(s) in {out.name} ignored (their questions are answered again)")
    todo: list[Question] = [q for q in questions if question_key(q.id, q.question) not in done]
    report.skipped_existing = len(questions) - len(todo)
    if out.is_file() and out.stat().st_size > end:  # cut only the torn tail, never rewrite the file
        report.torn_bytes = out.stat().st_size - end
        with open(out, "r+b") as f:
            f.truncate(end)
    results = (answers or _one_by_one(assistant, turn, where))(todo) if todo else iter(())
    try:
        with open(out, "ab") as f:
            for i, q in enumerate(tqdm(todo, desc="answering", unit="q", disable=not show_progress, file=sys.stderr)):
                if cancel is not None and cancel.is_set():
                    report.cancelled, report.remaining = True, len(todo) - i
                    break
                record = next(results)
                if isinstance(record, str):  # one bad question must not kill the run; it is retried next time
                    report.errors.append(f"{q.id}: {record}")
                    continue
                record["question"] = q.question  # the resume key uses the question as asked
                f.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
                f.flush()
                done[question_key(q.id, q.question)] = record
                report.answered += 1
    finally:
        if hasattr(results, "close"):
            results.close()  # e.g. stops the Ray workers of assistant.batch.ray_batch
    if fmt:
        rows = [done[k] for k in (question_key(q.id, q.question) for q in questions) if k in done]
        write_answers(rows, out.with_suffix(f".{fmt}"), fmt)
    return report

