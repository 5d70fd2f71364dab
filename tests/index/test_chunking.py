from index.chunking import Chunk, chunk_paragraphs, split_long
from textutil import sentence_pieces
from index.documents import Heading, Paragraph
from index.loaders import load_document
from settings import ChunkingConfig
from tests.conftest import REPORT


def _p(n, text, section="一、做法"):
    return Paragraph(id=f"d:p{n}", doc_id="d", text=text, path=(Heading("case", "案例"), Heading("section", section)),
                     number=n)


def test_sentence_pieces_keep_punctuation_and_quotes_and_rejoin_exactly():
    text = "甲说“好。”乙来了！丙；\n丁"
    assert sentence_pieces(text) == ["甲说“好。”", "乙来了！", "丙；", "\n丁"] and "".join(sentence_pieces(text)) == text


def test_long_paragraph_split_at_sentence_ends_with_overlap():
    text = "".join(f"第{i}句内容较长需要切分。" for i in range(10))  # 10 sentences of 12 chars
    windows = split_long(text, max_chars=40, overlap=12)
    assert all(len(w) <= 40 for w in windows)
    assert all(w.endswith("。") for w in windows)
    for a, b in zip(windows, windows[1:]):  # consecutive windows share their boundary sentence
        assert a.split("。")[-2] + "。" == b.split("。")[0] + "。"
    assert "".join(w for w in windows).count("第9句") >= 1


def test_short_neighbours_of_same_heading_are_merged():
    paras = [_p(1, "短段一。"), _p(2, "短段二。"), _p(3, "另一节。", section="二、效果")]
    chunks = chunk_paragraphs(paras, ChunkingConfig(max_chars=100, min_chars=20, overlap_chars=10))
    assert [c.paragraph_ids for c in chunks] == [("d:p1", "d:p2"), ("d:p3",)]
    assert chunks[0].text == "短段一。\n短段二。"
    assert chunks[0].label == "案例 › 一、做法 › 第1–2段"


def test_long_neighbours_stay_separate():
    paras = [_p(1, "长" * 60 + "。"), _p(2, "长" * 60 + "。")]
    chunks = chunk_paragraphs(paras, ChunkingConfig(max_chars=200, min_chars=20, overlap_chars=10))
    assert [c.paragraph_ids for c in chunks] == [("d:p1",), ("d:p2",)]


def test_report_chunks_cover_every_paragraph_exactly():
    paras = load_document(REPORT).paragraphs
    cfg = ChunkingConfig()
    chunks = chunk_paragraphs(paras, cfg)
    by_id = {p.id: p for p in paras}
    assert {pid for c in chunks for pid in c.paragraph_ids} == set(by_id)
    for c in chunks:
        assert len(c.text) <= cfg.max_chars
        if len(c.paragraph_ids) == 1:
            assert c.text in by_id[c.paragraph_ids[0]].text  # stored text is exact source text
        else:
            assert c.text == "\n".join(by_id[p].text for p in c.paragraph_ids)


def test_embed_text_prefixes_heading_but_text_is_exact():
    c = chunk_paragraphs([_p(1, "正文。")], ChunkingConfig())[0]
    assert c.text == "正文。" and c.embed_text == "案例 › 一、做法\n正文。"
    assert Chunk.from_dict(c.to_dict()) == c
