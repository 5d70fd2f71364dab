import pytest

from index.store import IndexStoreError
from retriever.hybrid import HybridRetriever, StaleIndex


@pytest.fixture
def retriever(fake_index, fake_embedder):
    return HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)


def test_hybrid_finds_the_paragraph(retriever):
    hits = retriever.run("异地委托监管 融资租赁 海关", k=3)
    assert "（二）创新海关监管模式" in hits[0].chunk.label
    assert hits[0].rank == 1 and set(hits[0].ranks) <= {"dense", "bm25"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_bm25_mode_scores_are_bm25(retriever):
    hits = retriever.run("船边直提", k=2, mode="bm25")
    assert "船边直提" in hits[0].chunk.text
    assert hits[0].score == hits[0].signal_scores["bm25"] and "dense" not in hits[0].ranks


def test_case_filter_restricts_results(retriever):
    hits = retriever.run("服务平台", k=5, case="人才")
    assert hits and all("人才" in h.chunk.case for h in hits)
    assert retriever.run("服务平台", case="不存在的案例") == []


def test_empty_question_rejected(retriever):
    with pytest.raises(ValueError, match="empty"):
        retriever.run("   ")


def test_context_respects_budget(retriever):
    hits = retriever.context("知识产权质押融资", budget=600)
    assert 1 <= len(hits) and sum(len(h.chunk.text) for h in hits[:-1]) <= 600


def test_stale_index_is_refused(fake_index, corpus_dir, fake_embedder):
    (corpus_dir / "new.txt").write_text("新文件。", encoding="utf-8")
    with pytest.raises(StaleIndex, match="python -m index build"):
        HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    assert HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder, allow_stale=True)


def test_wrong_embedder_is_refused(fake_index, fake_embedder):
    fake_embedder.name = "other-model"
    with pytest.raises(IndexStoreError, match="built with"):
        HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)


def test_real_e5_index_answers_report_questions(e5_index):
    r = HybridRetriever.from_index_dir(e5_index, threads=1)
    top = r.run("北京积水潭医院给研发人员多少比例的所有权？", k=3)
    assert any("70%的所有权" in h.chunk.text for h in top)
