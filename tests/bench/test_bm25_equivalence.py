"""BM25Index.scores (vectorised scoring) must equal bm25s's own get_scores bit for bit."""
import numpy as np
import pytest

from bench.synthetic import synthetic_chunks
from index import lexical
from index.chunking import Chunk
from index.lexical import BM25Index, tokenize

TEXTS = ["北京积水潭医院给予研发人员70%的所有权，推动职务科技成果转化。",
         "2018年起，天津海关创新融资租赁监管模式，实施异地委托监管。",
         "加强试点示范创新成果的总结提炼，推动知识产权质押融资。",
         "上海技术交易所推动知识产权运营，海关 海关 融资租赁。"]


def _reference(index: BM25Index, query: str) -> np.ndarray:
    tokens = [t for t in tokenize(query) if t in index._model.vocab_dict]
    if not tokens:
        return np.zeros(index.size, dtype=np.float32)
    return np.asarray(index._model.get_scores(tokens), dtype=np.float32)


@pytest.mark.parametrize("vectorised_postings", [lexical.VECTORISED_POSTINGS, 0])  # both scoring paths
def test_vectorised_scores_equal_bm25s(tmp_path, monkeypatch, vectorised_postings):
    monkeypatch.setattr(lexical, "VECTORISED_POSTINGS", vectorised_postings)
    base = [Chunk(f"d:c{i}", "d", t, (f"d:p{i}",), "", "案例", "案例") for i, t in enumerate(TEXTS)]
    chunks, _, _ = synthetic_chunks(base, 120, seed=0)
    index = BM25Index.build([c.embed_text for c in chunks])
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25", index.size)
    queries = ["融资租赁的海关监管有哪些创新？", "海关 海关", "知识产权", "的", "unknown词xyz", "70%的所有权",
               *[c.text[:20] for c in chunks[:30]]]
    for idx in (index, loaded):
        for q in queries:
            got, want = idx.scores(q), _reference(idx, q)
            assert got.dtype == want.dtype == np.float32 and np.array_equal(got, want), q
