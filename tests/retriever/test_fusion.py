import pytest

from retriever.fusion import fit_to_budget, keep_signal_bests, reciprocal_rank_fusion


def test_rrf_scores_match_hand_computation():
    fused = reciprocal_rank_fusion({"dense": [1, 2, 3], "bm25": [3, 1]}, k=60)
    scores = {d: s for d, s, _ in fused}
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)
    assert scores[2] == pytest.approx(1 / 62)
    assert [d for d, _, _ in fused] == [1, 3, 2]
    assert fused[0][2] == {"dense": 1, "bm25": 2}


def test_rrf_weights():
    fused = reciprocal_rank_fusion({"dense": [1], "bm25": [2]}, {"dense": 1.0, "bm25": 2.0}, k=0)
    assert [(d, s) for d, s, _ in fused] == [(2, 2.0), (1, 1.0)]


def test_rrf_ties_break_by_best_rank_then_id():
    fused = reciprocal_rank_fusion({"a": [5, 4], "b": [4, 5]}, k=60)
    assert [d for d, _, _ in fused] == [4, 5]


def test_fit_to_budget():
    assert fit_to_budget(["a" * 500, "b" * 500, "c" * 500], 1200) == 2
    assert fit_to_budget(["a" * 2000], 1200) == 1  # the best hit always goes in
    assert fit_to_budget([], 1200) == 0


def test_each_signal_s_first_choice_follows_the_fused_first():
    fused = reciprocal_rank_fusion({"dense": [9, 1, 2, 3], "bm25": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, k=60)
    assert [d for d, _, _ in fused].index(9) > 1  # by words far down, fusion leaves it low
    assert [d for d, _, _ in keep_signal_bests(fused, 2)][:2] == [1, 9]


def test_a_first_choice_already_on_top_keeps_the_fused_order():
    fused = reciprocal_rank_fusion({"dense": [1, 2, 3], "bm25": [2, 1, 3]}, k=60)
    assert keep_signal_bests(fused, 2) == fused
