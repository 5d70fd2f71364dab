"""Answer metrics: keywords, refusals, citations, supported sentences, latency (pure functions).

Works on answers as written by ``python -m assistant batch`` (see :mod:`eval.answers`) joined to the
gold items by id. Undefined ratios (nothing to divide by) are ``None``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from eval.dataset import EvalItem, squash

SENTENCE_SPLIT = re.compile(r"[。！？；\n]")


def split_sentences(answer: str) -> list[str]:
    """Answer sentences: split at 。！？； and newlines, blanks dropped."""
    return [s.strip() for s in SENTENCE_SPLIT.split(answer) if s.strip()]


def keywords_found(answer: str, keywords: Sequence[str]) -> int:
    """How many keywords occur in the answer (whitespace removed from both)."""
    text = squash(answer)
    return sum(1 for k in keywords if squash(k) in text)


def supported_share(answer: str, unsupported: Sequence[str]) -> float | None:
    """1 - unsupported / sentences (floored at 0); None for an answer without sentences."""
    n = len(split_sentences(answer))
    return max(0.0, 1.0 - len(unsupported) / n) if n else None


def ratio(num: float, den: float) -> float | None:
    """num / den, or None when den is 0."""
    return num / den if den else None


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean, None when empty."""
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """q-th percentile (0–100) with linear interpolation between order statistics (numpy's default)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(timings: Sequence[Mapping]) -> dict:
    """p50/p95/mean of total_ms and ttft_ms, mean gen_tokens (missing or non-numeric values skipped)."""
    def values(key: str) -> list[float]:
        return [float(t[key]) for t in timings
                if isinstance(t.get(key), (int, float)) and not isinstance(t.get(key), bool)]

    out: dict = {}
    for key in ("total_ms", "ttft_ms"):
        v = values(key)
        out[key] = {"p50": percentile(v, 50), "p95": percentile(v, 95), "mean": mean(v), "n": len(v)}
    out["gen_tokens"] = {"mean": mean(values("gen_tokens")), "n": len(values("gen_tokens"))}
    return out


def refusal_scores(unanswerable: Sequence[bool], refused: Sequence[bool]) -> dict:
    """Precision/recall/F1 of refusing, the positive class being 'unanswerable'."""
    tp = sum(1 for u, r in zip(unanswerable, refused) if u and r)
    fp = sum(1 for u, r in zip(unanswerable, refused) if not u and r)
    fn = sum(1 for u, r in zip(unanswerable, refused) if u and not r)
    p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
    f1 = None if p is None or r is None else (2 * p * r / (p + r) if p + r else 0.0)
    return {"precision": p, "recall": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def cited_paragraphs(answer: Mapping) -> list[dict]:
    """The answer's citations, one per distinct paragraph (first occurrence kept)."""
    seen: set[str] = set()
    out = []
    for c in answer.get("citations", []):
        key = c.get("paragraph_id") or c.get("text", "")
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def question_row(item: EvalItem, answer: Mapping) -> dict:
    """Per-question facts used by the aggregate metrics and the failure list."""
    cites = cited_paragraphs(answer)
    quotes = [squash(q) for q in item.evidence]
    cite_texts = [squash(c.get("text", "")) for c in cites]
    return {
        "id": item.id, "type": item.type, "case": item.case, "answerable": item.answerable,
        "refused": bool(answer["refused"]),
        "keywords_found": keywords_found(answer["answer"], item.keywords), "keywords_total": len(item.keywords),
        "citations": len(cites),
        "citations_with_quote": sum(1 for t in cite_texts if any(q in t for q in quotes)),
        "quotes_cited": sum(1 for q in quotes if any(q in t for t in cite_texts)), "quotes_total": len(quotes),
        "supported_share": supported_share(answer["answer"], answer.get("unsupported_sentences", [])),
    }


def failure_reasons(row: Mapping) -> list[str]:
    """Why a question's answer is wrong (empty list when it is fine)."""
    if not row["answerable"]:
        return [] if row["refused"] else ["answered an unanswerable question (not refused)"]
    if row["refused"]:
        return ["refused an answerable question"]
    reasons = []
    if row["keywords_found"] < row["keywords_total"]:
        reasons.append(f"missing keywords ({row['keywords_found']}/{row['keywords_total']} found)")
    if not row["citations"]:
        reasons.append("no citations")
    return reasons


def failure_entry(item: EvalItem, answer: Mapping, reasons: list[str]) -> dict:
    """A readable failure: the question, expected and given answer, cited texts and the reasons."""
    return {
        "id": item.id, "type": item.type, "case": item.case, "question": item.question,
        "expected": item.answer, "answer": answer["answer"],
        "missing_keywords": [k for k in item.keywords if squash(k) not in squash(answer["answer"])],
        "cited": [f"[{c.get('n', '?')}] {c.get('label', '')}: {c.get('text', '')}" for c in cited_paragraphs(answer)],
        "reasons": reasons,
    }


def _group_scores(rows: Sequence[Mapping]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    return {
        "n": len(rows),
        "keyword_accuracy": mean([float(r["keywords_found"] == r["keywords_total"]) for r in answerable]),
        "refused": mean([float(r["refused"]) for r in rows]),
    }


def score_answers(items: Sequence[EvalItem], answers: Mapping[str, Mapping]) -> dict:
    """All answer metrics for the gold items; items without an answer are listed in ``missing`` and left out."""
    rows = [question_row(it, answers[it.id]) for it in items if it.id in answers]
    answerable = [r for r in rows if r["answerable"]]
    answered = [r for r in answerable if not r["refused"]]
    shares = [r["supported_share"] for r in rows if not r["refused"] and r["supported_share"] is not None]
    by_id = {it.id: it for it in items}
    failures = []
    for r in rows:
        reasons = failure_reasons(r)
        if reasons:
            failures.append(failure_entry(by_id[r["id"]], answers[r["id"]], reasons))

    def grouped(key: str) -> dict:
        groups: dict[str, list[Mapping]] = {}
        for r in rows:
            groups.setdefault(r[key], []).append(r)
        return {k: _group_scores(g) for k, g in groups.items()}

    return {
        "n_questions": len(items), "n_answered": len(rows),
        "missing": [it.id for it in items if it.id not in answers],
        "unknown_ids": [a for a in answers if a not in by_id],
        "n_answerable": len(answerable), "n_unanswerable": len(rows) - len(answerable),
        "keyword_accuracy": mean([float(r["keywords_found"] == r["keywords_total"]) for r in answerable]),
        "keyword_share": mean([r["keywords_found"] / r["keywords_total"] for r in answerable if r["keywords_total"]]),
        "refusal": refusal_scores([not r["answerable"] for r in rows], [r["refused"] for r in rows]),
        "false_refusal_rate": ratio(sum(r["refused"] for r in answerable), len(answerable)),
        "citation_precision": ratio(sum(r["citations_with_quote"] for r in answered),
                                    sum(r["citations"] for r in answered)),
        "citation_recall": ratio(sum(r["quotes_cited"] for r in answered), sum(r["quotes_total"] for r in answered)),
        "supported_share": mean(shares),
        "latency": latency_summary([answers[r["id"]].get("timings") or {} for r in rows]),
        "by_type": grouped("type"), "by_case": grouped("case"),
        "per_question": rows, "failures": failures,
    }
