"""Fit the assistant's answerability gate on labelled questions, from one or several corpora (``python -m eval calibrate``).

For each question the pipeline runs up to the gate (condense, parts, retrieval, evidence, the model's
reading of the evidence) and records every part's signals with its gold label: an unanswerable question's
parts are negatives; an answerable question's parts are positives, or take the gold set's per-part labels
when it lists as many parts as the question splits into (mixed questions otherwise are left out).
Fitting several corpora together keeps the gate off any one corpus's scale.
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from assistant.pipeline import Assistant
from assistant.steps.gate import MAX_FALSE_REFUSAL, Calibration, PartFeatures, fit
from assistant.steps.question_parts import split_parts
from eval.dataset import EvalItem, load_dataset

CALIBRATION_NAME = "calibration.json"


def part_labels(item: EvalItem, n_parts: int) -> list[bool] | None:
    """Gold labels for the question's predicted parts, or None when they cannot be aligned."""
    if not item.answerable:
        return [False] * n_parts
    gold = item.parts
    if not gold or all(p.answerable for p in gold):
        return [True] * n_parts
    if len(gold) == n_parts:
        return [p.answerable for p in gold]
    return None


def collect(assistant: Assistant, items: list[EvalItem], corpus: str, show_progress: bool = True) -> list[dict]:
    """One row per labelled part: {"corpus", "id", "part", "label", "features"}."""
    rows = []
    for item in tqdm(items, desc=f"gate signals ({corpus})", unit="q", disable=not show_progress, file=sys.stderr):
        if item.type == "overview" or not item.question.strip():
            continue
        parts = split_parts(item.question)
        labels = part_labels(item, len(parts))
        if labels is None:
            continue
        got = assistant.retrieve.run(item.question, parts)
        evidence = assistant.select.run(item.question, parts, got.paragraphs)
        verdicts = assistant.gate.run(item.question, evidence, got.context_text, answer_all=True)
        for v, label in zip(verdicts, labels):
            rows.append({"corpus": corpus, "id": item.id, "part": v.part.text, "label": label,
                         "features": asdict(v.features), "checked": v.best.text if v.best else ""})
    return rows


def fit_rows(rows: list[dict], max_false_refusal: float = MAX_FALSE_REFUSAL) -> tuple[Calibration, dict]:
    """Fit on recorded rows; report the confusion counts on the same rows, per corpus."""
    feats = [PartFeatures(**r["features"]) for r in rows]
    labels = [bool(r["label"]) for r in rows]
    if all(labels) or not any(labels):
        raise ValueError("need both answerable and unanswerable questions to calibrate")
    cal = fit(feats, labels, max_false_refusal=max_false_refusal)
    counts: dict[str, dict[str, int]] = {}
    for r, f, y in zip(rows, feats, labels):
        c = counts.setdefault(r["corpus"], {"answerable_kept": 0, "answerable_refused": 0,
                                            "unanswerable_refused": 0, "unanswerable_kept": 0})
        keep = cal.probability(f) >= cal.threshold
        key = ("answerable_" if y else "unanswerable_") + ("kept" if keep else "refused")
        c[key] += 1
    return cal, counts


def save_rows(rows: list[dict], path: Path) -> None:
    """Write the recorded signals (JSONL), so fitting can be redone without the model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def load_rows(path: Path) -> list[dict]:
    """Read rows written by :func:`save_rows`."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def calibrate(sets: list[tuple[str, str]], load_assistant, signals: Path | None = None, out: Path | None = None,
              show_progress: bool = True) -> tuple[Path, Calibration, dict]:
    """Collect the gate's signals on every (index folder, question set) — or read them from ``signals`` when no
    set is given —, fit, and save the calibration (default: in the first set's index folder, which that index
    then uses). ``load_assistant(index_dir)`` loads the assistant for the first set; the others reuse its model."""
    if sets:
        rows, assistant = [], None
        for index_dir, questions in sets:
            items = load_dataset(questions)
            assistant = load_assistant(index_dir) if assistant is None else assistant.with_index(index_dir)
            rows += collect(assistant, items, Path(index_dir).name, show_progress=show_progress)
        if signals:
            save_rows(rows, signals)
    elif signals:
        rows = load_rows(signals)
    else:
        raise ValueError("give --set INDEX=QUESTIONS (one or more) or --signals FILE")
    cal, counts = fit_rows(rows)
    target = out or Path(sets[0][0]) / CALIBRATION_NAME
    cal.save(target)
    return target, cal, counts
