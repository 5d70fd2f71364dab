"""Fit the answerability gate on answers produced with ``batch --answer-all`` for a labelled question set."""
from __future__ import annotations

import json
from pathlib import Path

from assistant.answerability import CALIBRATION_FILE, Calibration, Features, fit


def load_labelled_features(answers: Path, questions: Path) -> tuple[list[Features], list[bool], list[str]]:
    """Features recorded in an answers JSONL, labelled answerable unless the set says 'unanswerable'."""
    kinds = {}
    for line in questions.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            kinds[str(item["id"])] = item.get("type", "fact")
    feats, labels, ids = [], [], []
    for line in answers.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("features") and str(rec["id"]) in kinds:
            feats.append(Features(**rec["features"]))
            labels.append(kinds[str(rec["id"])] != "unanswerable")
            ids.append(str(rec["id"]))
    if not feats or all(labels) or not any(labels):
        raise ValueError("need answers with recorded features for both answerable and unanswerable questions")
    return feats, labels, ids


def calibrate(answers: Path, questions: Path, out: Path = CALIBRATION_FILE) -> tuple[Calibration, dict]:
    """Fit, save, and report the gate's confusion counts on the same data."""
    feats, labels, _ = load_labelled_features(answers, questions)
    cal = fit(feats, labels)
    cal.save(out)
    pred = [cal.answerable(f) for f in feats]
    counts = {
        "answerable_kept": sum(p and y for p, y in zip(pred, labels)),
        "answerable_refused": sum((not p) and y for p, y in zip(pred, labels)),
        "unanswerable_refused": sum((not p) and (not y) for p, y in zip(pred, labels)),
        "unanswerable_kept": sum(p and (not y) for p, y in zip(pred, labels)),
    }
    return cal, counts
