"""Answer a question file with the assistant, here or on Ray workers: the one entry of both CLIs."""
from __future__ import annotations

from pathlib import Path

from assistant.batch.answers import BatchReport, answer_file
from retriever.filters import DocFilter
from settings import Config


def run_batch(questions_path: str | Path, out_path: str | Path, index_dir: str | Path | None, cfg: Config,
              backend: str | None = None, fmt: str | None = None, *, ray: str | None = None,
              workers: int | None = None, answer_all: bool = False, where: DocFilter | None = None,
              show_progress: bool = True) -> BatchReport:
    """Load the index and model, then answer every question not yet in ``out_path``.

    ``ray``: answer on Ray workers instead (an address: local, auto or HOST:PORT; see assistant.batch.ray_batch),
    which load the model themselves; ``where`` keeps every answer to the documents it matches (not with Ray:
    give a "filter" per question line there).
    """
    if ray is not None:
        from assistant.batch.ray_batch import AssistantSpec, answer_file_on_ray  # imports ray

        return answer_file_on_ray(AssistantSpec.of(index_dir, backend, cfg, answer_all), questions_path, out_path,
                                  fmt, show_progress=show_progress, address=ray, workers=workers)
    from assistant.factory import build_assistant

    assistant = build_assistant(index_dir, backend, cfg)
    assistant.answer_all = answer_all
    return answer_file(assistant, questions_path, out_path, fmt, show_progress=show_progress, where=where)
