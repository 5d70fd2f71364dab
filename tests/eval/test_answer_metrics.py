"""Answer metrics checked against hand-computed values (eval.answer_metrics, eval.answers)."""
import json

import pytest

from eval.answer_metrics import echo_count, failed_step, keyword_haystack, latency_summary, percentile, score_answers, wilson
from eval.answers import load_answers, parse_answers
from eval.dataset import DatasetError, EvalItem, Part

ITEMS = [
    EvalItem("a1", "院方获得了哪些收益？", "30万现金和5%收益。", ("院方获得 30万现金",), ("30万", "5%"), "number", "X"),
    EvalItem("a2", "顺序如何调整？", "先赋权后转化，分类赋权。", ("先赋权后转化", "分类赋权"), ("先赋权后转化", "分类"),
             "fact", "X"),
    EvalItem("a3", "甲是什么？乙是什么？", "甲方案。乙方案。", ("甲方案",), ("甲", "乙"), "multi", "Y",
             parts=(Part("甲", ("甲",), True), Part("乙", ("乙",), True))),
    EvalItem("a4", "丁是什么？", "丁。", ("丁数据",), ("丁",), "fact", "Y"),
    EvalItem("u1", "丙有多少？", "根据现有资料无法回答", (), (), "unanswerable", "X"),
    EvalItem("u2", "戊有多少？", "根据现有资料无法回答", (), (), "unanswerable", "Y"),
]


def answer(qid, text, refused=False, citations=(), total=None, ttft=None, tokens=None, **extra):
    timings = {k: v for k, v in (("retrieve_ms", 10), ("ttft_ms", ttft), ("total_ms", total),
                                 ("gen_tokens", tokens)) if v is not None}
    return {"id": qid, "question": "?", "answer": text, "refused": refused,
            "citations": [{"n": n, "paragraph_id": pid, "label": f"L-{pid}", "text": t} for n, pid, t in citations],
            "contexts": [], "timings": timings, **extra}


ANSWERS = {a["id"]: a for a in [
    # a1: both keywords; 2 distinct cited paragraphs (p1 cited twice), p1 holds the quote
    answer("a1", "院方获得 30万 现金。还有5%的收益！",
           citations=[(1, "p1", "院方获得 30万现金收益"), (2, "p2", "无关段落"), (3, "p1", "院方获得 30万现金收益")],
           total=1000, ttft=200, tokens=40),
    # a2: 1 of 2 keywords; 1 cited paragraph holding quote 先赋权后转化 (whitespace inside), not 分类赋权
    answer("a2", "调整为先赋权后转化。", citations=[(1, "p3", "调整为“先赋权 后转化”")], total=3000, ttft=400, tokens=60),
    # a3: two parts, only 甲 answered
    answer("a3", "甲是甲方案。", citations=[(1, "p5", "甲方案")], total=500, ttft=100, tokens=10),
    # a4: keyword found, no citations; no ttft recorded
    answer("a4", "丁是答案", total=2000, tokens=30),
    # u1: correctly refused
    answer("u1", "根据现有资料无法回答。", refused=True, total=100, ttft=50, tokens=5),
    # u2: unanswerable, but answered
    answer("u2", "大约十项。", citations=[(1, "p9", "其他")], total=4000, ttft=300, tokens=50),
]}


@pytest.fixture(scope="module")
def metrics():
    return score_answers(ITEMS, ANSWERS)


def test_counts(metrics):
    counts = ("n_questions", "n_answered", "n_answerable", "n_unanswerable")
    assert [metrics[c] for c in counts] == [6, 6, 4, 2]
    assert metrics["missing"] == [] and metrics["unknown_ids"] == []


def test_keyword_accuracy_counts_every_part(metrics):
    # a1 yes, a2 no (分类 missing), a3 no (乙 missing), a4 yes → 2/4; parts: 2/2 + 0/1... a1 1/1, a2 0/1, a3 1/2, a4 1/1
    assert (metrics["keyword_accuracy"]["k"], metrics["keyword_accuracy"]["n"]) == (2, 4)
    assert (metrics["part_accuracy"]["k"], metrics["part_accuracy"]["n"]) == (3, 5)
    assert (metrics["multi_part_accuracy"]["k"], metrics["multi_part_accuracy"]["n"]) == (0, 1)
    fact = metrics["by_type"]["fact"]
    assert (fact["n"], fact["keyword_accuracy"], fact["refused"], fact["keyword_rate"]["k"]) == (2, 0.5, 0.0, 1)


def test_refusals(metrics):
    assert (metrics["refusal_recall"]["k"], metrics["refusal_recall"]["n"]) == (1, 2)
    assert (metrics["false_refusals"]["k"], metrics["false_refusals"]["n"]) == (0, 4)
    assert metrics["refusal_precision"]["value"] == 1.0


def test_citation_precision_and_recall(metrics):
    # answered answerable: a1 (p1 ✓, p2 ✗), a2 (p3 ✓), a3 (p5 ✓), a4 none → 3/4; quotes: a1 1/1, a2 1/2, a3 1/1, a4 0/1
    assert (metrics["citation_precision"]["k"], metrics["citation_precision"]["n"]) == (3, 4)
    assert (metrics["citation_recall"]["k"], metrics["citation_recall"]["n"]) == (3, 5)


def test_rates_have_wilson_intervals(metrics):
    lo, hi = metrics["keyword_accuracy"]["ci95"]
    assert lo < 0.5 < hi
    assert wilson(0, 0) is None
    assert wilson(20, 20)[1] == 1.0 and wilson(20, 20)[0] == pytest.approx(0.839, abs=1e-3)


def test_latency(metrics):
    lat = metrics["latency"]
    assert lat["total_ms"]["n"] == 6 and lat["ttft_ms"]["n"] == 5
    assert lat["total_ms"]["p50"] == pytest.approx(1500.0)


def test_failures_say_why_and_which_step(metrics):
    failures = {f["id"]: f for f in metrics["failures"]}
    assert list(failures) == ["a2", "a3", "a4", "u2"]
    assert failures["a2"]["missing_keywords"] == ["分类"]
    assert failures["a3"]["reasons"][0].startswith("parts answered 1/2")
    assert failures["a4"]["reasons"] == ["no citations"]
    assert failures["u2"]["reasons"] == ["answered an unanswerable question (not refused)"]
    assert failures["u2"]["step"] == "gate"


def test_failed_step_attribution():
    item = ITEMS[1]
    base = {"answer": "x", "refused": False, "contexts": [{"text": "先赋权后转化，分类赋权", "label": ""}],
            "evidence": [{"text": "先赋权后转化", "label": ""}], "parts": [{"answerable": True}], "rejected": []}
    assert failed_step(item, {**base, "contexts": []}, ["分类"]) == "retrieval"
    assert failed_step(item, base, ["分类"]) == "selection"
    ev = {**base, "evidence": [{"text": "先赋权后转化，分类赋权", "label": ""}]}
    assert failed_step(item, {**ev, "refused": True}, ["分类"]) == "gate"
    assert failed_step(item, {**ev, "rejected": [{"sentence": "分类赋权"}]}, ["分类"]) == "verification"
    assert failed_step(item, ev, ["分类"]) == "generation"


def test_echo_sentences_are_counted_but_notes_and_quotes_are_not():
    ans = {"answer": "", "refused": False,
           "lines": [{"text": "天津港一单制跑了多少里程", "origin": "model"},
                     {"text": "原文：「天津港一单制跑了多少里程」", "origin": "quote"},
                     {"text": "资料中没有关于“天津港一单制跑了多少里程”的信息。", "origin": "note"}]}
    assert echo_count("天津港一单制跑了多少里程？", ans) == 1


def test_missing_and_unknown_answers_are_reported():
    extra = EvalItem("a5", "戊？", "戊。", ("戊",), ("戊",), "fact", "X")
    answers = {**ANSWERS, "zz": answer("zz", "多余")}
    m = score_answers([*ITEMS, extra], answers)
    assert m["missing"] == ["a5"] and m["unknown_ids"] == ["zz"]
    assert m["n_answered"] == 6 and m["keyword_accuracy"]["value"] == 0.5


def test_helpers():
    assert percentile([7.0], 95) == 7.0 and percentile([], 50) is None
    assert percentile([1, 2, 3, 4], 50) == 2.5  # position 1.5
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


def test_a_cited_paragraph_contains_the_headings_of_its_label():
    heading = "（三）探索数据知识产权保护规则"
    item = EvalItem("o1", "知识产权案例下一步方向有哪些？", "", (heading, "（一）加快完善知识产权价值评估体系"),
                    ("数据知识产权",), "overview", "知识产权")
    cite = {"n": 1, "paragraph_id": "p24", "label": f"突破堵点… › 三、下一步开放创新发展方向 › {heading} › 第1段",
            "text": "针对数字经济快速发展态势"}
    ans = {"id": "o1", "answer": "探索数据知识产权保护规则。", "refused": False, "citations": [cite]}
    row = score_answers([item], {"o1": ans})["per_question"][0]
    assert row["citations_with_quote"] == 1 and row["quotes_cited"] == 1 and row["quotes_total"] == 2
    no_label = {**ans, "citations": [{**cite, "label": ""}]}
    assert score_answers([item], {"o1": no_label})["per_question"][0]["quotes_cited"] == 0


def test_a_citation_marker_inside_a_keyword_does_not_hide_it():
    haystack = keyword_haystack("每个小组首4名可以进入决赛[1]。")
    assert "首4名可以进入决赛。" in haystack and "半决赛" not in haystack


def _item(**kw):
    base = dict(id="q", question="问", answer="答", evidence=("第十条 居住证由县级人民政府公安机关签发",),
                keywords=("县级",), type="fact")
    return EvalItem(**{**base, **kw})


def _record(text, pages):
    return {"answer": text, "refused": False, "citations": [
        {"n": 1, "label": "居住证暂行条例 › 第十条（第1页）", "text": "第十条 居住证由县级人民政府公安机关签发，每年签注1次。",
         "pages": pages}], "rejected": []}


def test_a_correct_answer_cites_the_evidence_page():
    item = _item(pages=(1,))
    assert score_answers([item], {"q": _record("由县级人民政府公安机关签发[1]。", [1])})["page_accuracy"]["value"] == 1.0
    assert score_answers([item], {"q": _record("由县级人民政府公安机关签发[1]。", [2])})["page_accuracy"]["value"] == 0.0


def test_a_false_premise_counts_as_corrected_only_when_the_answer_says_so():
    item = _item(tags=("false_premise",), premise="市级公安机关签发")
    said = score_answers([item], {"q": _record("不是市级，而是由县级人民政府公安机关签发[1]。", [1])})
    silent = score_answers([item], {"q": _record("由县级人民政府公安机关签发[1]。", [1])})
    assert said["premises_corrected"]["value"] == 1.0 and silent["premises_corrected"]["value"] == 0.0


def test_questions_are_grouped_by_each_of_their_tags():
    items = [_item(id="a", tags=("article", "paraphrase")), _item(id="b", tags=("article",))]
    m = score_answers(items, {"a": _record("县级[1]。", [1]), "b": _record("省级[1]。", [1])})
    assert m["by_tag"]["article"]["keyword_rate"]["k"] == 1 and m["by_tag"]["paraphrase"]["n"] == 1
