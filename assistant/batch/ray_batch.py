"""Batch answering on Ray workers (``python -m assistant batch … --ray``, ``python -m eval answers --ray``).

The driver keeps everything :func:`assistant.batch.answers.answer_file` does — reading the questions,
the resume keys (id + question hash), cutting a torn last line, appending one line per answer and
never rewriting earlier ones, the progress bar, a failing question reported and skipped — and
only the answering moves to a pool of actors. Each actor builds its assistant once from a
picklable factory (:class:`AssistantSpec`: index folder, backend, settings) and answers one
question at a time; the driver hands the next question to whichever actor is free, keeps the
answers that come back early until those before them are written, and so writes the records in
input order. Killing the driver kills its actors; a rerun resumes like any batch.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.batch.answers import Answers, BatchReport, answer_file, check_paths
from questions import Question
from ray_cluster import as_completed, cause, check_room, cluster_cpus, connect, note, start_actors, stop_actors
from settings import DEFAULT_INDEX, Config

CPUS_PER_WORKER = 1  # Ray's bookkeeping; the model's own threads are [llm] n_threads / n_threads_batch
LOOKAHEAD_PER_WORKER = 8  # answers kept back at most while an earlier question is still running, per worker


@dataclass(frozen=True)
class AssistantSpec:
    """A picklable factory for the assistant each worker builds once (``assistant.factory.build_assistant``)."""

    index_dir: str
    backend: str | None
    cfg: Config
    answer_all: bool = False

    @classmethod
    def of(cls, index_dir: str | Path | None, backend: str | None, cfg: Config,
           answer_all: bool = False) -> "AssistantSpec":
        """The spec with the index folder made absolute (workers do not share the driver's working folder)."""
        return cls(str(Path(index_dir or DEFAULT_INDEX).resolve()), backend, cfg, answer_all)

    def __call__(self):
        from assistant.factory import build_assistant

        assistant = build_assistant(self.index_dir, self.backend, self.cfg)
        assistant.answer_all = self.answer_all
        return assistant


class AnswerWorker:
    """One Ray actor: one assistant (one loaded model), one question at a time."""

    def __init__(self, factory: Callable):
        self.assistant = factory()

    def ready(self) -> bool:
        return True

    def answer(self, qid: str, question: str) -> dict | str:
        """The answer record, or an error message (the driver reports it and goes on)."""
        try:
            return self.assistant.run(question).to_record(qid)
        except Exception as exc:  # noqa: BLE001 — one bad question must not stop the worker
            return f"{type(exc).__name__}: {exc}"


def ray_answers(ray, factory: Callable, workers: int) -> Answers:
    """The ``answers`` source of :func:`assistant.batch.answers.answer_file`: records in input order from Ray actors."""

    def answers(todo: list[Question]) -> Iterator[dict | str]:
        n = min(workers, len(todo))
        note(f"answering on Ray: starting {n} worker(s), each loading the model once …")
        actors = start_actors(ray, AnswerWorker, (factory,), n, CPUS_PER_WORKER, "answer workers")
        try:
            early: dict[int, dict | str] = {}
            nxt = 0
            for i, result in as_completed(ray, actors, lambda a, q: a.answer.remote(q.id, q.question), todo,
                                          per_actor=1, ahead=LOOKAHEAD_PER_WORKER * n):
                early[i] = f"Ray worker failed: {cause(result)}" if isinstance(result, BaseException) else result
                while nxt in early:
                    yield early.pop(nxt)
                    nxt += 1
        finally:
            stop_actors(ray, actors)

    return answers


def answer_file_on_ray(factory: Callable, questions_path: str | Path, out_path: str | Path, fmt: str | None = None,
                       show_progress: bool = True, *, address: str = "local", workers: int | None = None,
                       cancel: threading.Event | None = None) -> BatchReport:
    """:func:`assistant.batch.answers.answer_file` with the answering spread over ``workers`` Ray actors.

    ``address``: local, auto or HOST:PORT (see :mod:`ray_cluster`); ``workers`` defaults to one
    per two CPUs of the cluster. No worker starts when every question is already answered.
    """
    check_paths(questions_path, out_path, fmt)  # before connecting: a wrong --out fails at once
    ray = connect(address)
    n = workers or max(1, cluster_cpus(ray) // 2)
    check_room(ray, n, CPUS_PER_WORKER, "answer workers")
    return answer_file(None, questions_path, out_path, fmt, show_progress, cancel=cancel,
                       answers=ray_answers(ray, factory, n))
