"""Answers as a CSV table, and as Markdown and .docx memos: note references, one note per citation quoting its
paragraph verbatim."""
import pytest
from docx import Document

from assistant.batch.export import export_markdown, note_source, write_answers, write_exports

TITLE = "居住证暂行条例（国务院令第663号）"
ISSUER = {"n": 1, "paragraph_id": "r:p0021", "doc_id": "r", "title": TITLE, "label": f"{TITLE} › 第十条（第1页）",
          "text": "第十条 居住证由县级人民政府公安机关签发，每年签注1次。", "page": 1, "pages": [1], "bbox": []}
RENEW = {"n": 2, "paragraph_id": "r:p0022", "doc_id": "r", "title": TITLE, "label": f"{TITLE} › 第十条 › 第2款（第1页）",
         "text": "居住证持有人在居住地连续居住的，应当在居住每满1年之日前1个月内，到居住地公安派出所办理签注手续。",
         "page": 1, "pages": [1], "bbox": []}
ANSWERED = {"id": "1", "question": "居住证由哪一级人民政府公安机关签发？", "refused": False,
            "answer": "居住证由县级人民政府公安机关签发[1]，每满1年签注一次[2]。\n原文：「居住证由县级人民政府公安机关签发，每年签注1次。」[1]",
            "citations": [ISSUER, RENEW]}
REFUSED = {"id": "2", "question": "居住证多少钱？", "refused": True, "answer": "根据现有资料无法回答该问题。",
           "citations": []}


def test_a_note_names_the_document_and_the_label_with_its_page_once():
    assert note_source(ISSUER) == f"《{TITLE}》 第十条（第1页）"
    assert note_source({**ISSUER, "label": "另一案例 › 第2段"}) == f"《{TITLE}》 另一案例 › 第2段"


def test_markdown_turns_markers_into_footnotes_that_quote_each_cited_paragraph():
    md = export_markdown([ANSWERED], "问答记录")
    assert "居住证由县级人民政府公安机关签发[^1]，每满1年签注一次[^2]。  \n原文：「" in md
    assert f"[^1]: 《{TITLE}》 第十条（第1页）：「{ISSUER['text']}」" in md.splitlines()
    assert f"[^2]: 《{TITLE}》 第十条 › 第2款（第1页）：「{RENEW['text']}」" in md.splitlines()


def test_markdown_of_a_conversation_keeps_each_answers_notes_apart():
    md = export_markdown([ANSWERED, REFUSED, ANSWERED], "问答记录")
    assert "[^1-1]:" in md and "[^3-2]:" in md and "[^1]" not in md
    assert "## 问：居住证多少钱？\n\n根据现有资料无法回答该问题。\n" in md


def test_a_marker_that_cites_nothing_stays_as_written():
    record = {**ANSWERED, "answer": "见第[7]项[1]。", "citations": [ISSUER]}
    assert "见第[7]项[^1]。" in export_markdown([record], "t")


def test_docx_has_after_each_answer_one_numbered_note_per_citation_quoting_it_verbatim(tmp_path):
    doc = Document(str(write_answers([ANSWERED, REFUSED], tmp_path / "a.docx", "docx", "问答记录")))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:4] == ["问答记录", "问：居住证由哪一级人民政府公安机关签发？",
                         "居住证由县级人民政府公安机关签发[1-1]，每满1年签注一次[1-2]。",
                         "原文：「居住证由县级人民政府公安机关签发，每年签注1次。」[1-1]"]
    assert texts[4:9] == ["引用", f"[1-1] 《{TITLE}》 第十条（第1页）", ISSUER["text"],
                          f"[1-2] 《{TITLE}》 第十条 › 第2款（第1页）", RENEW["text"]]
    assert [p.text for p in doc.paragraphs if p.style.name == "Quote"] == [ISSUER["text"], RENEW["text"]]
    assert texts[9:] == ["问：居住证多少钱？", "根据现有资料无法回答该问题。"]


def test_docx_note_references_are_superscript(tmp_path):
    doc = Document(str(write_answers([ANSWERED], tmp_path / "a.docx", "docx", "t")))
    runs = doc.paragraphs[2].runs
    assert [r.text for r in runs if r.font.superscript] == ["[1]", "[2]"]


def test_both_files_are_written_side_by_side(tmp_path):
    md, docx = write_exports([ANSWERED], "问答记录", tmp_path, "turn-1")
    assert (md.name, docx.name) == ("turn-1.md", "turn-1.docx") and md.read_text(encoding="utf-8").startswith("# 问答记录")
    assert Document(str(docx)).paragraphs[0].text == "问答记录"


def test_the_csv_table_has_a_row_per_answer_with_its_cited_labels(tmp_path):
    import csv

    path = write_answers([ANSWERED, REFUSED], tmp_path / "a.csv", "csv")
    rows = list(csv.DictReader(open(path, encoding="utf-8-sig")))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["citations"] == f"[1] {ISSUER['label']}; [2] {RENEW['label']}"


def test_the_csv_table_lists_the_sentences_the_checks_removed(tmp_path):
    import csv

    rejected = {**ANSWERED, "rejected": [{"sentence": "居住证有效期5年。", "reason": "numbers not in cited text: 5"}]}
    path = write_answers([rejected], tmp_path / "a.csv", "csv")
    assert next(csv.DictReader(open(path, encoding="utf-8-sig")))["rejected_sentences"] == "居住证有效期5年。"


def test_a_failed_write_leaves_the_previous_file_and_no_temporary_one(tmp_path, monkeypatch):
    import assistant.batch.export as export

    path = write_answers([ANSWERED], tmp_path / "a.md", "md", "t")
    before = path.read_bytes()

    def torn(records, title, target):
        target.write_text("# 写了一半", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(export.WRITERS, "md", torn)
    with pytest.raises(OSError):
        write_answers([ANSWERED, REFUSED], path, "md", "t")
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["a.md"]
