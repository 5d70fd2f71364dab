"""Answer metrics: keywords per part, refusals, citations, echoes, latency, and which step failed (pure).

Works on answers as written by ``python -m assistant batch`` (see :mod:`eval.answers`) joined to the gold
items by id. Rates come with 95% Wilson intervals. Undefined ratios (nothing to divide by) are ``None``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from assistant.steps.citations import strip_markers
from assistant.steps.verify import is_echo
from eval.dataset import EvalItem, labelled
from textutil import split_sentences, squash

STEPS = ("retrieval", "selection", "gate", "generation", "verification")
# an answer that corrects a false premise says so in words (这不对, 并非, 实际上…): see premise_corrected
CORRECTION_RE = re.compile(r"不是|并非|并不|不对|有误|不准确|不正确|错误|实际上|事实上|而是|并没有|没有失败|不属实|不符|没有关于")


def keyword_haystack(answer: str) -> str:
    """The answer as keywords are looked for in it (each squashed): no whitespace, no [n] markers, so that
    …决赛[1]。 holds 决赛。"""
    return squash(strip_markers(answer))


def ratio(num: float, den: float) -> float | None:
    """num / den, or None when den is 0."""
    return num / den if den else None


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean, None when empty."""
    return sum(values) / len(values) if values else None


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval of a proportion (None when n is 0)."""
    if not n:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(successes: int, n: int) -> dict:
    """A proportion with its counts and Wilson interval."""
    return {"value": ratio(successes, n), "k": successes, "n": n, "ci95": wilson(successes, n)}


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


def answer_sentences(answer: Mapping) -> list[str]:
    """The sentences the answer asserts: without part notes (those say a part is missing, they claim nothing)
    and without quoted source sentences (the documents' words, not the model's)."""
    lines = answer.get("lines")
    if lines is not None:
        return [line["text"] for line in lines if line.get("origin") not in ("note", "quote")]
    return split_sentences(answer["answer"])


def echo_count(question: str, answer: Mapping) -> int:
    """Answer sentences that restate the question instead of answering it."""
    if answer.get("refused"):
        return 0
    return sum(1 for s in answer_sentences(answer) if is_echo(s, question))


def failed_step(item: EvalItem, answer: Mapping, missing: Sequence[str]) -> str:
    """Which pipeline step lost the answer: the first step after which the missing keywords are gone."""
    if not item.answerable:
        return "gate"
    contexts = squash("".join(labelled(c.get("text", ""), c.get("label", "")) for c in answer.get("contexts", [])))
    evidence = squash("".join(labelled(e.get("text", ""), e.get("label", "")) for e in answer.get("evidence", [])))
    if any(squash(k) not in contexts for k in missing):
        return "retrieval"
    if answer.get("evidence") is not None and any(squash(k) not in evidence for k in missing):
        return "selection"
    parts = answer.get("parts") or []
    if answer.get("refused") or any(not p.get("answerable", True) for p in parts):
        return "gate"
    rejected = squash("".join(r.get("sentence", "") for r in answer.get("rejected", [])))
    if missing and all(squash(k) in rejected for k in missing):
        return "verification"
    return "generation"


def question_row(item: EvalItem, answer: Mapping) -> dict:
    """Per-question facts used by the aggregate metrics and the failure list."""
    cites = cited_paragraphs(answer)
    quotes = [squash(q) for q in item.evidence]
    cite_texts = [squash(labelled(c.get("text", ""), c.get("label", ""))) for c in cites]  # heading path counts
    text = "" if answer["refused"] else answer["answer"]
    gold_parts = [p for p in item.answer_parts() if p.answerable]
    haystack = keyword_haystack(text)
    parts_ok = [all(squash(k) in haystack for k in p.keywords) for p in gold_parts]
    missing = [k for p in gold_parts for k in p.keywords if squash(k) not in haystack]
    correct = item.answerable and bool(parts_ok) and all(parts_ok) and not answer["refused"]
    return {
        "id": item.id, "type": item.type, "case": item.case, "answerable": item.answerable,
        "trap": item.trap, "refused": bool(answer["refused"]),
        "parts_total": len(parts_ok), "parts_ok": sum(parts_ok),
        "correct": correct,
        "missing_keywords": missing, "tags": list(item.tags),
        "page_ok": page_cited(item, cites) if correct and item.pages else None,
        "premise_corrected": correct and bool(CORRECTION_RE.search(text)) if item.premise or
        "false_premise" in item.tags else None,
        "citations": len(cites),
        "citations_with_quote": sum(1 for t in cite_texts if any(q in t for q in quotes)),
        "quotes_cited": sum(1 for q in quotes if any(q in t for t in cite_texts)), "quotes_total": len(quotes),
        "echoes": echo_count(item.question, answer),
        "caught_echoes": sum(1 for r in answer.get("rejected", []) if r.get("echo")),
    }


def page_cited(item: EvalItem, cites: Sequence[Mapping]) -> bool:
    """Some cited paragraph that holds a gold quote stands on a gold page (the page a reader is sent to)."""
    quotes = [squash(q) for q in item.evidence]
    return any(set(c.get("pages") or ()) & set(item.pages) for c in cites
               if any(q in squash(labelled(c.get("text", ""), c.get("label", ""))) for q in quotes))


def failure_reasons(row: Mapping) -> list[str]:
    """Why a question's answer is wrong (empty list when it is fine)."""
    if not row["answerable"]:
        return [] if row["refused"] else ["answered an unanswerable question (not refused)"]
    if row["refused"]:
        return ["refused an answerable question"]
    reasons = []
    if not row["correct"]:
        reasons.append(f"parts answered {row['parts_ok']}/{row['parts_total']} "
                       f"(missing: {', '.join(row['missing_keywords'])})")
    if not row["citations"]:
        reasons.append("no citations")
    if row["echoes"]:
        reasons.append(f"{row['echoes']} echo sentence(s)")
    return reasons


def failure_entry(item: EvalItem, answer: Mapping, row: Mapping, reasons: list[str]) -> dict:
    """A readable failure: the question, expected and given answer, cited texts, the reasons and the step."""
    return {
        "id": item.id, "type": item.type, "case": item.case, "question": item.question,
        "expected": item.answer, "answer": answer["answer"], "missing_keywords": row["missing_keywords"],
        "cited": [f"[{c.get('n', '?')}] {c.get('label', '')}: {c.get('text', '')}" for c in cited_paragraphs(answer)],
        "reasons": reasons, "step": failed_step(item, answer, row["missing_keywords"]),
        "rejected": [f"{r.get('sentence')} — {r.get('reason')}" for r in answer.get("rejected", [])],
    }


def _group_scores(rows: Sequence[Mapping]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    return {"n": len(rows), "keyword_accuracy": mean([float(r["correct"]) for r in answerable]),
            "keyword_rate": rate(sum(r["correct"] for r in answerable), len(answerable)),
            "refused": mean([float(r["refused"]) for r in rows])}


def score_answers(items: Sequence[EvalItem], answers: Mapping[str, Mapping]) -> dict:
    """All answer metrics for the gold items; items without an answer are listed in ``missing`` and left out."""
    rows = [question_row(it, answers[it.id]) for it in items if it.id in answers]
    answerable = [r for r in rows if r["answerable"] and r["type"] != "overview"]
    overview = [r for r in rows if r["type"] == "overview"]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in answerable if not r["refused"]]
    by_id = {it.id: it for it in items}
    failures = []
    for r in rows:
        reasons = failure_reasons(r)
        if reasons:
            failures.append(failure_entry(by_id[r["id"]], answers[r["id"]], r, reasons))
    steps = {s: sum(1 for f in failures if f["step"] == s) for s in STEPS}

    def grouped(key: str) -> dict:
        groups: dict[str, list[Mapping]] = {}
        for r in rows:
            for value in (r[key] if isinstance(r[key], list) else [r[key] or "—"]):
                groups.setdefault(value, []).append(r)
        return {k: _group_scores(g) for k, g in groups.items()}

    paged = [r for r in rows if r["page_ok"] is not None]
    premises = [r for r in rows if r["premise_corrected"] is not None]

    return {
        "n_questions": len(items), "n_answered": len(rows),
        "missing": [it.id for it in items if it.id not in answers],
        "unknown_ids": [a for a in answers if a not in by_id],
        "n_answerable": len(answerable), "n_unanswerable": len(unanswerable), "n_overview": len(overview),
        "keyword_accuracy": rate(sum(r["correct"] for r in answerable), len(answerable)),
        "part_accuracy": rate(sum(r["parts_ok"] for r in answerable), sum(r["parts_total"] for r in answerable)),
        "multi_part_accuracy": rate(sum(r["correct"] for r in answerable if r["parts_total"] > 1),
                                    sum(1 for r in answerable if r["parts_total"] > 1)),
        "heading_recall": rate(sum(r["parts_ok"] for r in overview), sum(r["parts_total"] for r in overview)),
        "refusal_recall": rate(sum(r["refused"] for r in unanswerable), len(unanswerable)),
        "false_refusals": rate(sum(r["refused"] for r in answerable), len(answerable)),
        "refusal_precision": rate(sum(r["refused"] for r in unanswerable),
                                  sum(r["refused"] for r in rows if r["type"] != "overview")),
        "citation_precision": rate(sum(r["citations_with_quote"] for r in answered),
                                   sum(r["citations"] for r in answered)),
        "citation_recall": rate(sum(r["quotes_cited"] for r in answered), sum(r["quotes_total"] for r in answered)),
        "page_accuracy": rate(sum(r["page_ok"] for r in paged), len(paged)),
        "premises_corrected": rate(sum(r["premise_corrected"] for r in premises), len(premises)),
        "echo_sentences": sum(r["echoes"] for r in rows), "caught_echoes": sum(r["caught_echoes"] for r in rows),
        "failed_step": steps,
        "latency": latency_summary([answers[r["id"]].get("timings") or {} for r in rows]),
        "by_type": grouped("type"), "by_case": grouped("case"), "by_trap": grouped("trap"), "by_tag": grouped("tags"),
        "per_question": rows, "failures": failures,
    }
