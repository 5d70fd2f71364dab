from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from retriever.hybrid import HybridRetriever
from retriever.langchain import LangChainEmbeddings, as_langchain
from tests.conftest import Q_ISSUER


def test_langchain_retriever_returns_documents_with_provenance(fake_index, fake_embedder):
    lc = as_langchain(HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder), k=2)
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke("船边直提")
    assert len(docs) == 2 and isinstance(docs[0], Document)
    assert docs[0].metadata["paragraph_ids"] and " › " in docs[0].metadata["label"]
    assert docs[0].metadata["rank"] == 1


def test_langchain_documents_carry_the_pages_and_boxes_of_their_paragraphs(pdf_index, fake_embedder):
    retriever = HybridRetriever.from_index_dir(pdf_index, embedder=fake_embedder)
    docs = as_langchain(retriever, k=5).invoke(Q_ISSUER)
    doc = next(d for d in docs if "县级人民政府公安机关签发" in d.page_content)
    assert doc.metadata["pages"] == [1] and doc.metadata["doc_id"] == "residence_permit_printout"
    p = retriever.paragraphs[doc.metadata["paragraphs"][0]["paragraph_id"]]
    assert doc.metadata["paragraphs"][0]["bbox"] == [b.to_list() for b in p.boxes]


def test_langchain_embeddings_adapter(fake_embedder):
    emb = LangChainEmbeddings(fake_embedder)
    vecs = emb.embed_documents(["甲乙", "丙丁"])
    assert len(vecs) == 2 and len(vecs[0]) == 64 and len(emb.embed_query("甲乙")) == 64
