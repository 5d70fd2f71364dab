from assistant.extractive import extractive_answer
from assistant.sources import build_sources, sources_block
from retriever.hybrid import HybridRetriever


def test_merged_chunk_is_split_into_paragraph_sources(fake_index, fake_embedder):
    r = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    merged = next(c for c in r.chunks if len(c.paragraph_ids) > 1)
    hits = [h for h in r.run(merged.text, k=10) if h.chunk.id == merged.id]
    sources = build_sources(hits, r.paragraphs)
    assert [s.paragraph.id for s in sources] == list(merged.paragraph_ids)
    assert all(s.text == r.paragraphs[s.paragraph.id].text for s in sources)
    assert sources_block(sources).startswith(f"[1] {sources[0].paragraph.label}\n")


def test_sources_are_deduplicated_and_capped(fake_index, fake_embedder):
    r = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    hits = r.run("知识产权", k=20)
    sources = build_sources(hits + hits, r.paragraphs, max_sources=4)
    assert [s.n for s in sources] == [1, 2, 3, 4]
    assert len({s.paragraph.id for s in sources}) == 4


def test_extractive_answer_quotes_and_cites(fake_index, fake_embedder):
    r = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    sources = build_sources(r.run("船边直提", k=3), r.paragraphs)
    answer = extractive_answer("船边直提", sources)
    assert "船边直提" in answer and answer.endswith("]。")
