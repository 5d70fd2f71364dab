"""Structure-free baselines: 300-character windows ranked by bigram BM25, dense, and RRF (eval.baselines)."""
from eval.baselines import (BigramBM25, DenseWindows, baseline_rankers, document_texts,
                            fixed_windows, rrf)
from index.documents import Paragraph


def para(doc: str, n: int, text: str) -> Paragraph:
    return Paragraph(id=f"{doc}:p{n:04d}", doc_id=doc, text=text)


def test_document_texts_join_paragraphs_per_document_and_normalise_whitespace():
    ps = [para("a", 1, " 第一段\n 文字 "), para("b", 1, "别的文件"), para("a", 2, "第二段\t\t文字")]
    assert document_texts(ps) == ["第一段 文字 第二段 文字", "别的文件"]


def test_fixed_windows_do_not_cross_documents():
    assert fixed_windows(["abcdefg", "xy"], size=3) == ["abc", "def", "g", "xy"]
    assert [len(w) for w in fixed_windows(["字" * 650])] == [300, 300, 50]


def test_bigram_bm25_ranks_the_window_with_the_phrase_first():
    bm25 = BigramBM25(["天津港推行船边直提模式", "医疗服务与人才培养", "融资租赁的海关监管"])
    assert bm25.search("什么是船边直提？", 3)[0] == 0
    assert bm25.search("海关监管", 3)[0] == 2
    assert 1 not in bm25.search("海关监管", 3)  # zero-score windows are dropped
    assert bm25.search("毫不相干", 3) == [] and bm25.search("   ", 3) == []


def test_dense_windows_and_rrf(fake_embedder):
    texts = ["天津港推行船边直提模式", "医疗服务与人才培养", "融资租赁的海关监管"]
    dense = DenseWindows(texts, fake_embedder, batch_size=2)
    assert fake_embedder.calls == 3 and dense.search("融资租赁的海关监管", 1) == [2]
    # RRF, k=60: doc 1 = 1/61 + 1/62, doc 0 = 1/62 + 1/61 (tie → better best rank, then id), doc 2 = 1/63
    assert rrf({"bm25": [1, 0, 2], "dense": [0, 1]}, 3) == [0, 1, 2]
    assert rrf({"bm25": [2], "dense": [1, 2]}, 1) == [2]  # 1/61 + 1/62 beats 1/61


def test_baseline_rankers_return_window_texts(fake_embedder):
    ps = [para("d", 1, "甲" * 290 + "船边直提"), para("d", 2, "乙" * 280 + "海关监管创新")]
    rankers = baseline_rankers(ps, fake_embedder)
    assert list(rankers) == ["win300-bm25", "win300-e5", "win300-rrf"]
    windows = fixed_windows(document_texts(ps))  # 294 + 1 (joining space) + 286 = 581 characters → 300 + 281
    assert [len(w) for w in windows] == [300, 281]
    for name, rank in rankers.items():
        ranked = rank("海关监管创新", 2)
        assert set(ranked) <= set(windows) and len(ranked) >= 1, name
    assert rankers["win300-bm25"]("船边直提", 5)[0] == windows[0]
    assert rankers["win300-bm25"]("海关监管创新", 5) == [windows[1]]
