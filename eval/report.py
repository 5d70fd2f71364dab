"""Write evaluation reports: report.md, metrics.json, recall_at_k.png, and a short terminal table."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from textutil import fmt, markdown_table

HEADLINE = ("R@1", "R@3", "R@5", "R@10", "hit@5", "MRR", "nDCG@10", "budget_recall")
CELL = ("R@5", "MRR", "budget_recall")  # metrics shown in the per-type / per-case cells


def _columns(results: Mapping[str, dict]) -> list[str]:
    first = next(iter(results.values()))["overall"]
    present = [m for m in HEADLINE if m in first]
    return present or [m for m in first if m != "n"]


def retrieval_rows(results: Mapping[str, dict]) -> tuple[list[str], list[list]]:
    """Header and one row per config of the headline retrieval metrics."""
    cols = _columns(results)
    header = ["config", "n", *cols, "ms/q"]
    rows = [[name, r["overall"]["n"], *(r["overall"].get(c) for c in cols), f"{r['ms_per_query']:.1f}"]
            for name, r in results.items()]
    return header, rows


def _breakdown(results: Mapping[str, dict], key: str) -> str:
    groups: dict[str, int] = {}
    for r in results.values():
        for g, m in r[key].items():
            groups.setdefault(g, m["n"])
    rows = [[g, n, *(" / ".join(fmt(r[key].get(g, {}).get(c)) for c in CELL) for r in results.values())]
            for g, n in groups.items()]
    return markdown_table([key.removeprefix("by_"), "n", *results], rows)


def plot_recall(results: Mapping[str, dict], path: Path) -> Path:
    """Line plot of mean recall@k (k = 1..len(curve)) per config, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for name, r in results.items():
        curve = r["recall_curve"]
        style = "--" if name.startswith("win") else "-"  # baselines dashed
        ax.plot(range(1, len(curve) + 1), curve, style, marker="o", label=name)
    ax.set_xlabel("k (chunks)")
    ax.set_ylabel("recall@k (all quotes in top k)")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(range(1, max(len(r["recall_curve"]) for r in results.values()) + 1))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title("Retrieval recall@k")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_json(data: Mapping, path: Path) -> Path:
    """UTF-8 JSON, indented, Chinese kept readable."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def retrieval_markdown(results: Mapping[str, dict], meta: Mapping, questions: Mapping[str, str]) -> str:
    """The retrieval report as Markdown."""
    header, rows = retrieval_rows(results)
    parts = [
        "# Retrieval evaluation", "",
        f"Questions: `{meta['questions']}` — {meta['n_questions']} questions, {meta['n_scored']} answerable "
        f"(unanswerable questions are not scored). Index: `{meta['index']}` ({meta.get('embedder', '?')}, "
        f"{meta.get('chunks', '?')} chunks). k = {meta['k']}.", "",
        "R@k: all gold quotes inside the top k chunks. hit@k: any quote in the top k. MRR: reciprocal rank of the "
        "first chunk holding a quote (within k). nDCG@10: binary relevance (chunk holds a quote), ideal from "
        f"min(#quotes, 10) relevant. budget_recall: all quotes inside the top chunks fitting {meta['budget']:,} "
        "characters (at least one), i.e. the answerer's context. Quotes match with whitespace removed.", "",
        "## Overall", "", markdown_table(header, rows), "", "![recall@k](recall_at_k.png)", "",
        f"## By type (cells: {' / '.join(CELL)})", "", _breakdown(results, "by_type"), "",
        f"## By case (cells: {' / '.join(CELL)})", "", _breakdown(results, "by_case"), "",
        "## Questions whose quotes are not all inside the context budget", "",
    ]
    for name, r in results.items():
        missed = [q["id"] for q in r["per_question"] if q["budget_recall"] < 1]
        parts.append(f"* **{name}** ({len(missed)}): {', '.join(missed) or '—'}")
    first = "hybrid" if "hybrid" in results else next(iter(results))
    missed = [q for q in results[first]["per_question"] if q["budget_recall"] < 1]
    if missed:
        rk = f"R@{meta['k']}"
        parts += ["", f"### {first}: missed questions", "",
                  markdown_table(["id", "type", "case", "question", rk, "MRR"],
                           [[q["id"], q["type"], q["case"], questions.get(q["id"], ""), q.get(rk), q["MRR"]]
                            for q in missed])]
    return "\n".join(parts) + "\n"


def write_retrieval_report(results: Mapping[str, dict], meta: Mapping, out_dir: str | Path,
                           questions: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Write report.md, metrics.json and recall_at_k.png into out_dir; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {
        "report": _write_text(out / "report.md", retrieval_markdown(results, meta, questions or {})),
        "metrics": write_json({"meta": dict(meta), "configs": dict(results)}, out / "metrics.json"),
        "plot": plot_recall(results, out / "recall_at_k.png"),
    }


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def fmt_rate(r: Mapping | None) -> str:
    """'0.850 (17/20, 95% CI 0.64–0.95)' for a rate dict of :func:`eval.answer_metrics.rate`."""
    if not r or r.get("value") is None:
        return "–"
    lo, hi = r["ci95"]
    return f"{r['value']:.3f} ({r['k']}/{r['n']}, 95% CI {lo:.2f}–{hi:.2f})"


def answer_summary_rows(m: Mapping) -> list[list]:
    """(metric, value) rows of the answer metrics."""
    lat = m["latency"]
    steps = ", ".join(f"{k} {v}" for k, v in m["failed_step"].items())
    return [
        ["questions scored / in set", f"{m['n_answered']} / {m['n_questions']}"],
        ["keyword accuracy (every part, answerable)", fmt_rate(m["keyword_accuracy"])],
        ["part accuracy (answerable parts)", fmt_rate(m["part_accuracy"])],
        ["multi-part questions fully answered", fmt_rate(m["multi_part_accuracy"])],
        ["heading recall (overview questions)", fmt_rate(m["heading_recall"])],
        ["refusal recall (unanswerable refused)", fmt_rate(m["refusal_recall"])],
        ["false refusals (answerable refused)", fmt_rate(m["false_refusals"])],
        ["refusal precision", fmt_rate(m["refusal_precision"])],
        ["citation precision (cited paragraph holds a gold quote)", fmt_rate(m["citation_precision"])],
        ["citation recall (gold quotes cited)", fmt_rate(m["citation_recall"])],
        ["cited page is the evidence's page (correct answers with gold pages)", fmt_rate(m["page_accuracy"])],
        ["false premises corrected (says so, and gives the fact)", fmt_rate(m["premises_corrected"])],
        ["echo sentences in answers / caught by the checks", f"{m['echo_sentences']} / {m['caught_echoes']}"],
        ["failures by step", steps],
        ["total ms p50 / p95 / mean", " / ".join(fmt(lat["total_ms"][s], 0) for s in ("p50", "p95", "mean"))],
        ["ttft ms p50 / p95 / mean", " / ".join(fmt(lat["ttft_ms"][s], 0) for s in ("p50", "p95", "mean"))],
        ["generated tokens (mean)", fmt(lat["gen_tokens"]["mean"], 1)],
    ]


def answers_markdown(m: Mapping, meta: Mapping) -> str:
    """The answer report as Markdown, ending with the failure list."""
    parts = [
        "# Answer evaluation", "",
        f"Questions: `{meta['questions']}`. Answers: `{meta['answers']}`. Index: `{meta['index']}`.", "",
        "Keywords and quotes match with whitespace removed; a question is correct when every answerable part's "
        "keywords are in the answer. Rates with 95% Wilson intervals. Citation precision: share of cited "
        "paragraphs (answered answerable questions) holding ≥1 gold quote (heading path included); citation "
        "recall: share of gold quotes inside some cited paragraph. Echo: an answer sentence that restates the "
        "question. Failed step: retrieval (a missing keyword is in no retrieved chunk), selection (not in the "
        "evidence sentences), gate (refused, or a part judged unanswerable; for unanswerable questions: answered), "
        "verification (only in rejected sentences), generation (otherwise).", "",
        "## Summary", "", markdown_table(["metric", "value"], answer_summary_rows(m)), "",
    ]
    if m["missing"]:
        parts += [f"**No answer for {len(m['missing'])} question(s):** {', '.join(m['missing'])}", ""]
    if m["unknown_ids"]:
        parts += [f"Answers for ids not in the set (ignored): {', '.join(m['unknown_ids'])}", ""]
    for key in ("by_type", "by_tag", "by_trap", "by_case"):
        rows = [[g, s["n"], fmt_rate(s["keyword_rate"]), s["refused"]] for g, s in m[key].items()]
        parts += [f"## {key.replace('_', ' ').capitalize()}", "",
                  markdown_table([key.removeprefix("by_"), "n", "keyword accuracy (95% CI)", "refused share"], rows), ""]
    parts += [f"## Failures ({len(m['failures'])})", ""]
    for f in m["failures"]:
        parts += [f"### {f['id']} ({f['type']}, {f['case']}) — step: {f['step']} — {'; '.join(f['reasons'])}", "",
                  f"* **Question:** {f['question']}", f"* **Expected:** {f['expected']}",
                  f"* **Answer:** {fmt(f['answer'])}"]
        if f["missing_keywords"]:
            parts.append(f"* **Missing keywords:** {', '.join(f['missing_keywords'])}")
        parts += [f"* **Rejected:** {r}" for r in f["rejected"]]
        parts.append("* **Cited:** " + ("none" if not f["cited"] else ""))
        parts += [f"  * {c}" for c in f["cited"]]
        parts.append("")
    return "\n".join(parts) + "\n"


def write_answers_report(m: Mapping, meta: Mapping, out_dir: str | Path) -> dict[str, Path]:
    """Write report.md and metrics.json into out_dir; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {"report": _write_text(out / "report.md", answers_markdown(m, meta)),
            "metrics": write_json({"meta": dict(meta), **m}, out / "metrics.json")}
