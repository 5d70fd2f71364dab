"""The shared text helpers (textutil)."""
from textutil import (bigram_tokens, char_ngrams, display_width, fmt, markdown_table, sentence_spans,
                      split_sentences, squash, text_table)


def test_squash_and_ngrams():
    assert squash(" 7 批\n35 项 ") == "7批35项"
    assert char_ngrams("甲乙，丙") == {"甲乙", "乙丙"}
    assert bigram_tokens("融资 租赁A") == ["融资", "资租", "租赁", "赁a"]
    assert bigram_tokens("字") == ["字"] and bigram_tokens(" ") == []


def test_one_sentence_splitter_and_its_spans():
    text = "甲说“好。”乙来了！\n丙；丁"
    assert split_sentences(text) == ["甲说“好。”", "乙来了！", "丙；", "丁"]
    assert [text[s:e] for s, e in sentence_spans(text)] == split_sentences(text)


def test_fmt_and_tables():
    assert fmt(None) == "—" and fmt(float("nan")) == "—"
    assert fmt(1234567) == "1,234,567" and fmt(1234.5) == "1,234" and fmt(0.012345) == "0.0123"
    assert fmt(2.5) == "2.50" and fmt("x|y") == "x|y"
    md = markdown_table(["a", "b|c"], [[1, 0.5], ["中文", None]])
    lines = md.splitlines()
    assert lines[0] == "| a | b\\|c |" and lines[1] == "|---|---|" and lines[3] == "| 中文 | — |"
    txt = text_table(["名称", "x"], [["长名称字段", 1]]).splitlines()
    assert len(txt) == 3 and txt[1].startswith("----------")  # CJK characters count double
    assert display_width("中a") == 3
