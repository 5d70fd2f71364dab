"""Answer metrics checked against hand-computed values (eval.answer_metrics, eval.answers)."""
import json

import pytest

from eval.answer_metrics import (latency_summary, percentile, refusal_scores, score_answers, split_sentences,
                                 supported_share)
from eval.answers import load_answers, parse_answers
from eval.dataset import DatasetError, EvalItem

ITEMS = [
    EvalItem("a1", "院方获得了哪些收益？", "30万现金和5%收益。", ("院方获得 30万现金",), ("30万", "5%"), "number", "X"),
    EvalItem("a2", "顺序如何调整？", "先赋权后转化，分类赋权。", ("先赋权后转化", "分类赋权"), ("先赋权后转化", "分类"),
             "fact", "X"),
    EvalItem("a3", "甲是什么？", "甲方案。", ("甲方案",), ("甲",), "multi", "Y"),
    EvalItem("a4", "乙是什么？", "乙。", ("乙数据",), ("乙",), "fact", "Y"),
    EvalItem("u1", "丙有多少？", "根据现有资料无法回答", (), (), "unanswerable", "X"),
    EvalItem("u2", "丁有多少？", "根据现有资料无法回答", (), (), "unanswerable", "Y"),
]


def answer(qid, text, refused=False, citations=(), unsupported=(), total=None, ttft=None, tokens=None):
    timings = {k: v for k, v in (("retrieve_ms", 10), ("ttft_ms", ttft), ("total_ms", total),
                                 ("gen_tokens", tokens)) if v is not None}
    return {"id": qid, "question": "?", "answer": text, "refused": refused,
            "citations": [{"n": n, "paragraph_id": pid, "label": f"L-{pid}", "text": t} for n, pid, t in citations],
            "unsupported_sentences": list(unsupported), "contexts": [], "timings": timings}


ANSWERS = {a["id"]: a for a in [
    # a1: both keywords; 2 distinct cited paragraphs (p1 cited twice), p1 holds the quote; 1 of 2 sentences unsupported
    answer("a1", "院方获得 30万 现金。还有5%的收益！",
           citations=[(1, "p1", "院方获得 30万现金收益"), (2, "p2", "无关段落"), (3, "p1", "院方获得 30万现金收益")],
           unsupported=["还有5%的收益"], total=1000, ttft=200, tokens=40),
    # a2: 1 of 2 keywords; 1 cited paragraph holding quote 先赋权后转化 (whitespace inside), not 分类赋权
    answer("a2", "调整为先赋权后转化。", citations=[(1, "p3", "调整为“先赋权 后转化”")], total=3000, ttft=400, tokens=60),
    # a3: answerable but refused
    answer("a3", "根据现有资料无法回答", refused=True, total=500, ttft=100, tokens=10),
    # a4: keyword found, but no citations and its only sentence unsupported; no ttft recorded
    answer("a4", "乙是答案", unsupported=["乙是答案"], total=2000, tokens=30),
    # u1: correctly refused
    answer("u1", "根据现有资料无法回答。", refused=True, total=100, ttft=50, tokens=5),
    # u2: unanswerable, but answered
    answer("u2", "大约十项。", citations=[(1, "p9", "其他")], unsupported=["大约十项"], total=4000, ttft=300, tokens=50),
]}


@pytest.fixture(scope="module")
def metrics():
    return score_answers(ITEMS, ANSWERS)


def test_counts(metrics):
    counts = ("n_questions", "n_answered", "n_answerable", "n_unanswerable")
    assert [metrics[c] for c in counts] == [6, 6, 4, 2]
    assert metrics["missing"] == [] and metrics["unknown_ids"] == []


def test_keyword_accuracy_and_share(metrics):
    # answerable a1..a4 all keywords? a1 2/2 yes, a2 1/2 no, a3 0/1 no (refused), a4 1/1 yes → 2/4
    assert metrics["keyword_accuracy"] == 0.5
    # share: (2/2 + 1/2 + 0/1 + 1/1) / 4 = 2.5 / 4
    assert metrics["keyword_share"] == 0.625


def test_refusal_scores(metrics):
    # positive = unanswerable; tp = u1, fp = a3 (refused answerable), fn = u2 (answered unanswerable)
    assert metrics["refusal"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 1, "fp": 1, "fn": 1}
    assert metrics["false_refusal_rate"] == 0.25  # a3 of 4 answerable


def test_citation_precision_and_recall(metrics):
    # answered answerable: a1, a2, a4 (a3 refused). Distinct cited paragraphs: a1 {p1, p2}, a2 {p3}, a4 {} = 3,
    # holding a gold quote: p1, p3 = 2 → 2/3
    assert metrics["citation_precision"] == pytest.approx(2 / 3)
    # gold quotes inside some cited paragraph: a1 1/1, a2 1/2, a4 0/1 → 2/4
    assert metrics["citation_recall"] == 0.5


def test_supported_share(metrics):
    # non-refused answers: a1 1 - 1/2 = 0.5, a2 1 - 0/1 = 1, a4 1 - 1/1 = 0, u2 1 - 1/1 = 0 → 1.5 / 4
    assert metrics["supported_share"] == 0.375


def test_latency(metrics):
    lat = metrics["latency"]
    # total_ms sorted: 100 500 1000 2000 3000 4000; p50 at position 2.5 → 1000 + 0.5·1000 = 1500;
    # p95 at 5·0.95 = 4.75 → 3000 + 0.75·1000 = 3750; mean 10600 / 6
    assert lat["total_ms"] == pytest.approx({"p50": 1500, "p95": 3750, "mean": 10600 / 6, "n": 6})
    # ttft_ms (a4 has none) sorted: 50 100 200 300 400; p50 at 2 → 200; p95 at 3.8 → 300 + 0.8·100 = 380; mean 1050/5
    assert lat["ttft_ms"] == pytest.approx({"p50": 200, "p95": 380, "mean": 210, "n": 5})
    # tokens: (40 + 60 + 10 + 30 + 5 + 50) / 6 = 195 / 6
    assert lat["gen_tokens"] == {"mean": 32.5, "n": 6}


def test_breakdowns(metrics):
    # X: a1 (all keywords), a2 (not), u1 (refused) → accuracy 1/2, refused 1/3
    assert metrics["by_case"]["X"] == pytest.approx({"n": 3, "keyword_accuracy": 0.5, "refused": 1 / 3})
    # Y: a3 (refused, no keyword), a4 (all), u2 (answered) → 1/2, 1/3
    assert metrics["by_case"]["Y"] == pytest.approx({"n": 3, "keyword_accuracy": 0.5, "refused": 1 / 3})
    assert metrics["by_type"]["fact"] == {"n": 2, "keyword_accuracy": 0.5, "refused": 0.0}  # a2 no, a4 yes
    assert metrics["by_type"]["unanswerable"] == {"n": 2, "keyword_accuracy": None, "refused": 0.5}


def test_failures_say_why(metrics):
    failures = {f["id"]: f for f in metrics["failures"]}
    assert list(failures) == ["a2", "a3", "a4", "u2"]  # a1 and u1 are fine
    assert failures["a2"]["reasons"] == ["missing keywords (1/2 found)"]
    assert failures["a2"]["missing_keywords"] == ["分类"]
    assert failures["a2"]["cited"] == ["[1] L-p3: 调整为“先赋权 后转化”"]
    assert failures["a2"]["question"] == "顺序如何调整？" and failures["a2"]["answer"] == "调整为先赋权后转化。"
    assert failures["a2"]["expected"] == "先赋权后转化，分类赋权。"
    assert failures["a3"]["reasons"] == ["refused an answerable question"]
    assert failures["a4"]["reasons"] == ["no citations"] and failures["a4"]["cited"] == []
    assert failures["u2"]["reasons"] == ["answered an unanswerable question (not refused)"]
    assert failures["u2"]["cited"] == ["[1] L-p9: 其他"] and failures["u2"]["missing_keywords"] == []


def test_missing_and_unknown_answers_are_reported():
    extra = EvalItem("a5", "戊？", "戊。", ("戊",), ("戊",), "fact", "X")
    answers = {**ANSWERS, "zz": answer("zz", "多余")}
    m = score_answers([*ITEMS, extra], answers)
    assert m["missing"] == ["a5"] and m["unknown_ids"] == ["zz"]
    assert m["n_answered"] == 6 and m["keyword_accuracy"] == 0.5  # a5 is left out of the metrics …
    assert [f["id"] for f in m["failures"]] == ["a2", "a3", "a4", "u2"]  # … and not listed as a failure


def test_helpers():
    assert split_sentences("甲。乙！丙？丁；戊\n己\n\n 。") == ["甲", "乙", "丙", "丁", "戊", "己"]
    assert supported_share("", []) is None
    assert supported_share("一。二。", ["一", "二", "三"]) == 0.0  # floored at 0
    assert percentile([7.0], 95) == 7.0 and percentile([], 50) is None
    assert percentile([1, 2, 3, 4], 50) == 2.5  # position 1.5
    assert refusal_scores([False, False], [False, False]) == {"precision": None, "recall": None, "f1": None,
                                                             "tp": 0, "fp": 0, "fn": 0}
    assert refusal_scores([True, False], [False, True])["f1"] == 0.0  # p = 0/1, r = 0/1
    assert latency_summary([{}])["total_ms"] == {"p50": None, "p95": None, "mean": None, "n": 0}


def test_answers_file_loading(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in ANSWERS.values()) + "\n", encoding="utf-8")
    assert load_answers(path) == ANSWERS
    with pytest.raises(DatasetError, match="not found"):
        load_answers(tmp_path / "none.jsonl")
    bad = [json.dumps({**ANSWERS["a1"], "refused": "no"}), "{", json.dumps(ANSWERS["u1"]), json.dumps(ANSWERS["u1"]),
           json.dumps({**ANSWERS["a2"], "citations": [{"n": 1}]})]
    with pytest.raises(DatasetError) as err:
        parse_answers(bad, "answers.jsonl")
    text = str(err.value)
    assert text.startswith("answers.jsonl: 4 problem(s)")
    assert "line 1 (id 'a1'): field 'refused' must be bool" in text and "line 2: malformed JSON" in text
    assert "line 4: duplicate id 'u1'" in text and "line 5 (id 'a2'): each citation must be an object" in text
