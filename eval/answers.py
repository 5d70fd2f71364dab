"""Read the answers file written by ``python -m assistant batch`` (JSONL, one answer per line).

Line format: ``{"id", "question", "answer", "refused": bool, "citations": [{"n", "paragraph_id", "label",
"text"}], "contexts": [{"chunk_id", "label", "text", "score"}],
"timings": {"retrieve_ms", "ttft_ms", "total_ms", "gen_tokens"}}``.
"""
from __future__ import annotations

from pathlib import Path

from eval.dataset import DatasetError, json_objects, read_lines

_REQUIRED = {"id": str, "answer": str, "refused": bool, "citations": list}


def parse_answers(lines: list[str], source: str = "<answers>") -> dict[str, dict]:
    """Answers by question id; raises DatasetError listing every bad line."""
    answers: dict[str, dict] = {}
    errors: list[str] = []
    for n, obj in json_objects(lines, errors):
        problems = [f"field {k!r} must be {t.__name__}" for k, t in _REQUIRED.items() if not isinstance(obj.get(k), t)]
        if isinstance(obj.get("citations"), list) and not all(
                isinstance(c, dict) and isinstance(c.get("text"), str) for c in obj["citations"]):
            problems.append("each citation must be an object with a 'text' string")
        if not isinstance(obj.get("timings", {}), dict):
            problems.append("field 'timings' must be an object")
        if problems:
            errors.append(f"line {n} (id {obj.get('id')!r}): " + "; ".join(problems))
        elif obj["id"] in answers:
            errors.append(f"line {n}: duplicate id {obj['id']!r}")
        else:
            answers[obj["id"]] = obj
    if errors:
        raise DatasetError(f"{source}: {len(errors)} problem(s):\n  " + "\n  ".join(errors))
    return answers


def load_answers(path: str | Path) -> dict[str, dict]:
    """Read and check an answers JSONL file; raises DatasetError."""
    return parse_answers(read_lines(path, "answers file"), str(path))
