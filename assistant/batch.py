"""Answer a question file into JSONL: progress bar, resumable, bad lines skipped (never fatal)."""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.pipeline import Assistant
from retriever.questions import read_questions

FORMATS = ("csv", "md")


@dataclass
class BatchReport:
    """What a batch run did."""

    answered: int = 0
    skipped_existing: int = 0
    errors: list[str] = field(default_factory=list)
    out: Path | None = None


def done_ids(out: Path) -> set[str]:
    """IDs already answered in an output file (a torn last line is ignored and rewritten)."""
    if not out.is_file():
        return set()
    ids, good = set(), []
    for line in out.read_text(encoding="utf-8").splitlines():
        try:
            ids.add(str(json.loads(line)["id"]))
            good.append(line)
        except (ValueError, KeyError, TypeError):
            continue
    out.write_text("".join(l + "\n" for l in good), encoding="utf-8")
    return ids


def write_table(rows: list[dict], path: Path, fmt: str) -> Path:
    """A readable table of answers with their cited paragraph labels (.csv or .md)."""
    target = path.with_suffix(f".{fmt}")
    cites = lambda r: "; ".join(f"[{c['n']}] {c['label']}" for c in r["citations"])  # noqa: E731
    if fmt == "csv":
        with open(target, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "question", "answer", "refused", "citations", "unsupported_sentences"])
            for r in rows:
                w.writerow([r["id"], r["question"], r["answer"], r["refused"], cites(r),
                            " | ".join(r["unsupported_sentences"])])
    else:
        cell = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = ["| id | question | answer | refused | citations |", "|---|---|---|---|---|"]
        lines += [f"| {cell(r['id'])} | {cell(r['question'])} | {cell(r['answer'])} | {r['refused']} | "
                  f"{cell(cites(r))} |" for r in rows]
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def answer_file(assistant: Assistant, questions_path: str | Path, out_path: str | Path,
                fmt: str | None = None, show_progress: bool = True) -> BatchReport:
    """Answer every question not yet in out_path, appending one JSON line each."""
    questions, errors = read_questions(questions_path)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = BatchReport(errors=[f"skipped {e}" for e in errors], out=out)
    done = done_ids(out)
    todo = [q for q in questions if q.id not in done]
    report.skipped_existing = len(questions) - len(todo)
    with open(out, "a", encoding="utf-8") as f:
        for q in tqdm(todo, desc="answering", unit="q", disable=not show_progress, file=sys.stderr):
            try:
                answer = assistant.run(q.question)
            except Exception as exc:  # one bad question must not kill the run; it is retried next time
                report.errors.append(f"{q.id}: {type(exc).__name__}: {exc}")
                continue
            f.write(json.dumps(answer.to_record(q.id), ensure_ascii=False) + "\n")
            f.flush()
            report.answered += 1
    if fmt:
        rows = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines() if l.strip()]
        write_table(rows, out, fmt)
    return report


def run_batch(questions_path: str | Path, out_path: str | Path, index_dir: str | Path | None = None,
              backend: str = "llama", fmt: str | None = None) -> BatchReport:
    """Load the index and model, then answer a question file (used by ``python -m eval answers``)."""
    from assistant.factory import build_assistant

    return answer_file(build_assistant(index_dir, backend), questions_path, out_path, fmt)
