"""Retrieval metrics checked against hand-computed values (eval.retrieval_metrics, eval.retrieval)."""
import math

import pytest

from eval.dataset import EvalItem
from eval.retrieval import evaluate_ranker
from eval.retrieval_metrics import (Ranked, aggregate, budget_recall, cutoffs, haystack, hit_at_k, ndcg_at_k,
                                    recall_at_k, recall_curve, reciprocal_rank, score_question)


def pad(n: int) -> str:
    """Filler text of n characters that holds no quote."""
    return "无" * n


# Four answerable questions with hand-made ranked lists, plus one unanswerable (never scored).
# Q1 (fact, A): one quote, first held by rank 2 (with a space and a newline inside), again at rank 4.
#     Lengths 500, 701 (6 + 695), 100, 13: 500 + 701 = 1201 > 1200, so the budget keeps only rank 1.
Q1 = (["甲乙丙"], [pad(500), "前甲 乙\n丙" + pad(695), pad(100), "甲乙丙" + pad(10)])
# Q2 (number, A): two quotes, at ranks 1 and 3; short texts, all inside the budget.
Q2 = (["一二", "三四"], ["一二", pad(5), "三四", pad(5)])
# Q3 (multi, B): three quotes, two at rank 1, the third at rank 6.
Q3 = (["红", "绿", "蓝"], ["红绿", pad(3), pad(3), pad(3), pad(3), "蓝"])
# Q4 (fact, B): the quote is split across ranks 1 and 2 — never counts as found.
Q4 = (["不存在"], ["不存", "在" + pad(3)])
ITEMS = [
    EvalItem("q1", "问一", "", tuple(Q1[0]), (), "fact", "A"),
    EvalItem("q2", "问二", "", tuple(Q2[0]), (), "number", "A"),
    EvalItem("q3", "问三", "", tuple(Q3[0]), (), "multi", "B"),
    EvalItem("q4", "问四", "", tuple(Q4[0]), (), "fact", "B"),
    EvalItem("q5", "问五", "", (), (), "unanswerable", "A"),
]
RANKED = {"问一": Q1[1], "问二": Q2[1], "问三": Q3[1], "问四": Q4[1], "问五": [pad(9)]}

LOG2_3, LOG2_4, LOG2_5, LOG2_7 = math.log2(3), 2.0, math.log2(5), math.log2(7)
Q2_NDCG = (1 + 1 / LOG2_4) / (1 + 1 / LOG2_3)  # (1 + 0.5) / 1.63093 = 0.91972
Q3_NDCG = (1 + 1 / LOG2_7) / (1 + 1 / LOG2_3 + 1 / LOG2_4)  # 1.35621 / 2.13093 = 0.63644


def test_recall_needs_all_quotes_in_the_top_k():
    quotes, texts = Q2
    assert recall_at_k(texts, quotes, 1) == 0.0  # only 一二 in rank 1
    assert recall_at_k(texts, quotes, 2) == 0.0
    assert recall_at_k(texts, quotes, 3) == 1.0  # 一二 (rank 1) + 三四 (rank 3)
    quotes, texts = Q3
    assert [recall_at_k(texts, quotes, k) for k in (1, 3, 5, 10)] == [0.0, 0.0, 0.0, 1.0]  # 蓝 at rank 6


def test_hit_needs_any_quote_in_the_top_k():
    assert [hit_at_k(Q1[1], Q1[0], k) for k in (1, 2, 3)] == [0.0, 1.0, 1.0]
    assert hit_at_k(Q2[1], Q2[0], 1) == 1.0
    assert hit_at_k(Q4[1], Q4[0], 10) == 0.0  # a quote split across two chunks is not contained


def test_reciprocal_rank():
    assert reciprocal_rank(*reversed(Q1)) == 0.5  # first relevant at rank 2
    assert reciprocal_rank(*reversed(Q3)) == 1.0
    assert reciprocal_rank(*reversed(Q4)) == 0.0
    assert reciprocal_rank([], ["x"]) == 0.0


def test_ndcg_binary_with_ideal_from_number_of_quotes():
    assert ndcg_at_k(Q2[1], Q2[0]) == pytest.approx(Q2_NDCG)
    assert ndcg_at_k(Q2[1], Q2[0]) == pytest.approx(0.91972, abs=1e-5)
    assert ndcg_at_k(Q3[1], Q3[0]) == pytest.approx(0.63644, abs=1e-5)
    assert ndcg_at_k(Q3[1], Q3[0], k=5) == pytest.approx(1 / (1 + 1 / LOG2_3 + 1 / LOG2_4))  # rank 6 cut
    # Q1: ranks 2 and 4 both hold the single quote: (1/log2 3 + 1/log2 5) / 1 = 1.0616, capped at 1
    assert ndcg_at_k(Q1[1], Q1[0]) == 1.0
    assert ndcg_at_k(Q4[1], Q4[0]) == 0.0


def test_budget_recall_uses_the_leading_chunks_that_fit():
    assert budget_recall(Q1[1], Q1[0]) == 0.0  # 500 + 701 > 1200: only rank 1 (no quote) is kept
    assert budget_recall(Q1[1], Q1[0], budget=1201) == 1.0  # now ranks 1–2 fit
    assert budget_recall(["甲乙丙" + pad(2000)], ["甲乙丙"], budget=1200) == 1.0  # always at least one chunk
    assert budget_recall(Q2[1], Q2[0]) == 1.0  # 2 + 5 + 2 + 5 = 14 characters


def test_recall_curve_and_cutoffs():
    assert recall_curve(Q3[1], Q3[0], 7) == [0, 0, 0, 0, 0, 1, 1]
    assert cutoffs(10) == (1, 3, 5, 10) and cutoffs(4) == (1, 3, 4) and cutoffs(20) == (1, 3, 5, 10, 20)


def test_score_question_has_every_metric():
    assert score_question(Q2[1], Q2[0]) == pytest.approx({
        "R@1": 0, "R@3": 1, "R@5": 1, "R@10": 1, "hit@1": 1, "hit@3": 1, "hit@5": 1, "hit@10": 1,
        "MRR": 1, "nDCG@10": Q2_NDCG, "budget_recall": 1})
    # k limits MRR and nDCG to the top k, but budget recall reads the whole (deeper) list
    row = score_question(Q3[1], Q3[0], k=5)
    assert row == pytest.approx({"R@1": 0, "R@3": 0, "R@5": 0, "hit@1": 1, "hit@3": 1, "hit@5": 1, "MRR": 1,
                                 "nDCG@5": 1 / (1 + 1 / LOG2_3 + 1 / LOG2_4), "budget_recall": 1})
    assert score_question(Q1[1], Q1[0], k=1)["MRR"] == 0.0  # the rank-2 hit is beyond k


def test_evaluate_ranker_aggregates_answerable_questions_only():
    calls = []

    def ranker(question, n):
        calls.append((question, n))
        return RANKED[question]

    result = evaluate_ranker(ITEMS, ranker, k=10)
    assert calls == [("问一", 20), ("问二", 20), ("问三", 20), ("问四", 20)]  # q5 is unanswerable: skipped
    overall = result["overall"]
    assert overall["n"] == 4
    # per question (Q1, Q2, Q3, Q4):
    assert overall["R@1"] == 0.0                       # (0 + 0 + 0 + 0) / 4
    assert overall["R@3"] == 0.5                       # (1 + 1 + 0 + 0) / 4
    assert overall["R@5"] == 0.5                       # (1 + 1 + 0 + 0) / 4
    assert overall["R@10"] == 0.75                     # (1 + 1 + 1 + 0) / 4
    assert overall["hit@1"] == 0.5                     # (0 + 1 + 1 + 0) / 4
    assert overall["hit@3"] == overall["hit@5"] == overall["hit@10"] == 0.75  # (1 + 1 + 1 + 0) / 4
    assert overall["MRR"] == 0.625                     # (1/2 + 1 + 1 + 0) / 4
    assert overall["nDCG@10"] == pytest.approx((1 + Q2_NDCG + Q3_NDCG + 0) / 4)
    assert overall["nDCG@10"] == pytest.approx(0.63904, abs=1e-5)  # (1 + 0.91972 + 0.63644) / 4
    assert overall["budget_recall"] == 0.5             # (0 + 1 + 1 + 0) / 4
    # recall@k curve: Q1 found from k=2, Q2 from k=3, Q3 from k=6, Q4 never
    assert result["recall_curve"] == [0, 0.25, 0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 0.75, 0.75]
    by_type = result["by_type"]
    assert set(by_type) == {"fact", "number", "multi"}  # no unanswerable group
    assert by_type["fact"]["n"] == 2 and by_type["fact"]["R@10"] == 0.5 and by_type["fact"]["MRR"] == 0.25  # Q1, Q4
    assert by_type["number"]["nDCG@10"] == pytest.approx(Q2_NDCG)
    assert by_type["multi"]["R@5"] == 0.0 and by_type["multi"]["R@10"] == 1.0
    by_case = result["by_case"]
    assert by_case["A"]["n"] == 2 and by_case["A"]["R@3"] == 1.0  # Q1, Q2
    assert by_case["A"]["MRR"] == 0.75 and by_case["A"]["budget_recall"] == 0.5  # (1/2 + 1) / 2, (0 + 1) / 2
    assert by_case["B"]["R@10"] == 0.5 and by_case["B"]["MRR"] == 0.5  # Q3, Q4: (1 + 0) / 2
    assert [q["id"] for q in result["per_question"]] == ["q1", "q2", "q3", "q4"]
    assert result["per_question"][0]["MRR"] == 0.5


def test_aggregate_of_nothing():
    assert aggregate([], [], []) == {"overall": {"n": 0}, "by_type": {}, "by_case": {}}


def test_a_heading_quote_is_contained_in_a_chunk_whose_label_holds_it():
    heading = "（三）探索数据知识产权保护规则"
    label = "突破堵点贯通知识产权服务业产业链体系 › 三、下一步开放创新发展方向 › （三）探索数据知识产权保护规则 › 第1段"
    ranked = [Ranked(pad(50), "其他 › 第1段"), Ranked("针对数字经济快速发展态势", label)]
    assert reciprocal_rank(ranked, [heading]) == 0.5
    assert recall_at_k(ranked, [heading, "数字经济"], 2) == 1.0
    assert hit_at_k([str(t) for t in ranked], [heading], 2) == 0.0  # plain texts: the heading is not in them
    assert haystack(ranked[1]).startswith(label) and haystack("甲") == "甲"
    # the budget still counts the text only: 700 + 501 characters > 1200 however short the labels are
    assert budget_recall([Ranked(pad(700), "标"), Ranked(pad(501), heading)], [heading]) == 0.0
    assert budget_recall([Ranked(pad(700), "标"), Ranked(pad(500), heading)], [heading]) == 1.0


def test_an_empty_question_is_scored_as_a_miss_without_calling_the_ranker():
    def ranker(question, n):
        assert question.strip(), "the ranker must not see an empty question"
        return ["甲乙丙"]

    result = evaluate_ranker([EvalItem("e1", " ", "", ("甲乙丙",), (), "fact"),
                              EvalItem("e2", "问", "", ("甲乙丙",), (), "fact")], ranker, k=3)
    assert [r["R@1"] for r in result["per_question"]] == [0.0, 1.0]
