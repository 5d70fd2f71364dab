from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from retriever.hybrid import HybridRetriever
from retriever.langchain import LangChainEmbeddings, as_langchain


def test_langchain_retriever_returns_documents_with_provenance(fake_index, fake_embedder):
    lc = as_langchain(HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder), k=2)
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke("船边直提")
    assert len(docs) == 2 and isinstance(docs[0], Document)
    assert docs[0].metadata["paragraph_ids"] and " › " in docs[0].metadata["label"]
    assert docs[0].metadata["rank"] == 1


def test_langchain_embeddings_adapter(fake_embedder):
    emb = LangChainEmbeddings(fake_embedder)
    vecs = emb.embed_documents(["甲乙", "丙丁"])
    assert len(vecs) == 2 and len(vecs[0]) == 64 and len(emb.embed_query("甲乙")) == 64
