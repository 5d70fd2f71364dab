"""LangChain adapters: our retriever as a ``BaseRetriever``, our embedder as ``Embeddings``."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever

from index.documents import Paragraph
from index.embedders import Embedder
from retriever.hybrid import Hit, HybridRetriever
from retriever.locations import chunk_location


def hit_to_document(hit: Hit, paragraphs: dict[str, Paragraph]) -> Document:
    """A LangChain Document carrying the exact chunk text and its provenance: document, label, and the pages
    and boxes of its paragraphs (``pages``, ``paragraphs``: see retriever.locations)."""
    return Document(page_content=hit.chunk.text, id=hit.chunk.id, metadata={
        "chunk_id": hit.chunk.id, "paragraph_ids": list(hit.chunk.paragraph_ids), "label": hit.chunk.label,
        "doc_id": hit.chunk.doc_id, "case": hit.chunk.case, "score": hit.score, "rank": hit.rank, "ranks": hit.ranks,
        **chunk_location(hit.chunk.paragraph_ids, paragraphs)})


class HybridLangChainRetriever(BaseRetriever):
    """LangChain view of :class:`HybridRetriever` (``invoke(question) -> list[Document]``)."""

    retriever: Any  # HybridRetriever; Any keeps pydantic from validating it
    k: int = 5
    mode: str = "hybrid"
    case: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.retriever.run(query, k=self.k, mode=self.mode, case=self.case)
        return [hit_to_document(h, self.retriever.paragraphs) for h in hits]


class LangChainEmbeddings(Embeddings):
    """LangChain ``Embeddings`` backed by one of our embedders (e.g. for a LangChain FAISS store)."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return self.embedder.embed_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self.embedder.embed_query(text).tolist()


def as_langchain(retriever: HybridRetriever, k: int = 5, **kwargs) -> HybridLangChainRetriever:
    """Wrap a HybridRetriever for LangChain."""
    return HybridLangChainRetriever(retriever=retriever, k=k, **kwargs)
