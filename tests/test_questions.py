import pytest

from questions import QuestionFileError, read_questions


def test_txt_one_question_per_line(tmp_path):
    f = tmp_path / "q.txt"
    f.write_text("问题一？\n\n问题二？\n", encoding="utf-8")
    items, errors = read_questions(f)
    assert [(q.id, q.question) for q in items] == [("1", "问题一？"), ("3", "问题二？")] and errors == []


def test_jsonl_bad_lines_reported_and_skipped(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "问一", "answer": "x"}\nnot json\n{"id": "b", "question": ""}\n'
                 '{"id": "a", "question": "重复"}\n', encoding="utf-8")
    items, errors = read_questions(f)
    assert [q.id for q in items] == ["a"]
    assert len(errors) == 3 and "line 2" in errors[0] and "empty" in errors[1] and "duplicate" in errors[2]


def test_csv_needs_question_column(tmp_path):
    good = tmp_path / "q.csv"
    good.write_text("id,question\nx1,问题？\n", encoding="gbk")
    assert [(q.id, q.question) for q in read_questions(good)[0]] == [("x1", "问题？")]
    bad = tmp_path / "b.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="question"):
        read_questions(bad)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(QuestionFileError, match="not found"):
        read_questions(tmp_path / "none.txt")
    (tmp_path / "q.xlsx").write_text("x")
    with pytest.raises(QuestionFileError, match="unsupported"):
        read_questions(tmp_path / "q.xlsx")


def test_overlong_question_rejected(tmp_path):
    f = tmp_path / "q.txt"
    f.write_text("长" * 600, encoding="utf-8")
    items, errors = read_questions(f)
    assert items == [] and "longer" in errors[0]
