import csv
import json
import re
import threading
from pathlib import Path

import pytest

from assistant.batch.answers import BatchPathError, TooManyQuestions, answer_file
from assistant.pipeline import Assistant
from retriever.hybrid import HybridRetriever
from tests.conftest import FakeLLM
from tests.conftest import ALWAYS


@pytest.fixture
def assistant(fake_index, fake_embedder):
    r = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    return Assistant(r, FakeLLM(["天津港通过“一单制”海铁联运节省成本[1]。"]), calibration=ALWAYS)


def _questions(tmp_path, lines):
    f = tmp_path / "q.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def test_batch_writes_one_line_per_question_and_resumes(assistant, tmp_path):
    q = _questions(tmp_path, ['{"id": "a", "question": "天津港一单制"}', '{"id": "b", "question": "船边直提"}'])
    out = tmp_path / "out.jsonl"
    first = answer_file(assistant, q, out, show_progress=False)
    assert first.answered == 2
    q2 = _questions(tmp_path, ['{"id": "a", "question": "天津港一单制"}', '{"id": "b", "question": "船边直提"}',
                               '{"id": "c", "question": "人才服务"}'])
    second = answer_file(assistant, q2, out, show_progress=False)
    assert (second.answered, second.skipped_existing) == (1, 2)
    assert [json.loads(l)["id"] for l in out.read_text(encoding="utf-8").splitlines()] == ["a", "b", "c"]


def test_bad_lines_are_reported_and_skipped(assistant, tmp_path):
    q = _questions(tmp_path, ['{"id": "a", "question": "天津港一单制"}', "{broken", '{"id": "b", "question": ""}'])
    report = answer_file(assistant, q, tmp_path / "o.jsonl", show_progress=False)
    assert report.answered == 1 and len(report.errors) == 2


def test_failing_question_does_not_kill_the_run(assistant, tmp_path, monkeypatch):
    original = assistant.run

    def flaky(question, history=None, **kw):
        if "坏" in question:
            raise RuntimeError("model crashed")
        return original(question, history, **kw)

    monkeypatch.setattr(assistant, "run", flaky)
    q = _questions(tmp_path, ['{"id": "a", "question": "坏问题"}', '{"id": "b", "question": "船边直提"}'])
    report = answer_file(assistant, q, tmp_path / "o.jsonl", show_progress=False)
    assert report.answered == 1 and "model crashed" in report.errors[0]


def test_torn_last_line_is_redone(assistant, tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_text('{"id": "a", "question": "天津港", "answer": "y"}\n{"id": "b", "quest', encoding="utf-8")
    q = _questions(tmp_path, ['{"id": "a", "question": "天津港"}', '{"id": "b", "question": "船边直提"}'])
    report = answer_file(assistant, q, out, show_progress=False)
    assert report.answered == 1 and len(out.read_text(encoding="utf-8").splitlines()) == 2


def test_a_csv_table_and_a_markdown_memo(assistant, tmp_path):
    q = tmp_path / "q.csv"
    q.write_text("id,question\nx1,天津港一单制\n", encoding="utf-8")
    answer_file(assistant, q, tmp_path / "o.jsonl", fmt="csv", show_progress=False)
    answer_file(assistant, q, tmp_path / "o.jsonl", fmt="md", show_progress=False)
    csv_text = (tmp_path / "o.csv").read_text(encoding="utf-8-sig")
    assert csv_text.startswith("id,question,answer,refused,citations") and re.search(r"\[\d\] 多点推动", csv_text)
    memo = (tmp_path / "o.md").read_text(encoding="utf-8")
    assert memo.startswith("# 批量回答\n\n## 问：天津港一单制") and re.search(r"^\[\^\d\]: 《", memo, re.M)


# ---------------------------------------------------------------- resume: torn tails, no rewrites, keys, paths

class StubAnswer:
    def __init__(self, question):
        self.question = question

    def to_record(self, qid):
        return {"id": qid, "question": self.question, "answer": f"答：{self.question}", "refused": False,
                "citations": [{"n": 1, "label": "案例 › 第1段"}]}


class StubAssistant:
    """Answers anything at once: these tests are about the batch file handling, not the pipeline."""

    def __init__(self):
        self.asked = []

    def run(self, question, history=None, **kw):
        self.asked.append(question)
        return StubAnswer(question)


@pytest.fixture
def stub():
    return StubAssistant()


def _record(qid, question):
    return json.dumps({"id": qid, "question": question, "answer": "旧答案", "refused": False, "citations": []}, ensure_ascii=False)


def test_torn_tail_cut_inside_a_utf8_character_is_redone(stub, tmp_path):
    out = tmp_path / "o.jsonl"
    whole = (_record("a", "天津港") + "\n").encode("utf-8")
    torn = (_record("b", "船边直提") + "\n").encode("utf-8")
    out.write_bytes(whole + torn[: torn.index("船".encode()) + 1])  # cut inside 船
    q = _questions(tmp_path, ['{"id": "a", "question": "天津港"}', '{"id": "b", "question": "船边直提"}'])
    report = answer_file(stub, q, out, show_progress=False)
    assert (report.answered, report.skipped_existing) == (1, 1)
    assert report.torn_bytes == torn.index("船".encode()) + 1 and out.read_bytes().startswith(whole)
    assert [json.loads(l)["id"] for l in out.read_text(encoding="utf-8").splitlines()] == ["a", "b"]


def test_resume_appends_and_never_rewrites_earlier_lines(stub, tmp_path, monkeypatch):
    out = tmp_path / "o.jsonl"
    earlier = (_record("a", "天津港") + "\n" + "not json, kept as it is\n").encode("utf-8") + b"\xff\xfe\n"
    out.write_bytes(earlier)
    writes = []
    real_open = open

    def watching_open(path, mode="r", *a, **k):
        if str(path) == str(out) and any(m in mode for m in "wx"):
            writes.append(mode)
        return real_open(path, mode, *a, **k)

    q = _questions(tmp_path, ['{"id": "a", "question": "天津港"}', '{"id": "b", "question": "船边直提"}'])
    monkeypatch.setattr("builtins.open", watching_open)
    for method in ("write_text", "write_bytes"):
        monkeypatch.setattr(Path, method, lambda self, *a, **k: writes.append(str(self)))
    report = answer_file(stub, q, out, show_progress=False)
    assert writes == [] and out.read_bytes().startswith(earlier) and report.answered == 1
    assert "2 unreadable line(s)" in report.errors[0]


def test_resume_matches_id_and_question_so_an_inserted_line_is_answered(stub, tmp_path):
    q, out = tmp_path / "q.txt", tmp_path / "o.jsonl"
    q.write_text("天津港一单制\n船边直提\n", encoding="utf-8")
    assert answer_file(stub, q, out, show_progress=False).answered == 2
    q.write_text("天津港一单制\n人才服务站\n船边直提\n", encoding="utf-8")  # line 2 is new, line 3 moved
    report = answer_file(stub, q, out, show_progress=False, fmt="csv")
    assert (report.answered, report.skipped_existing) == (2, 1)
    table = list(csv.DictReader(open(out.with_suffix(".csv"), encoding="utf-8-sig")))
    assert [(r["id"], r["question"]) for r in table] == [("1", "天津港一单制"), ("2", "人才服务站"), ("3", "船边直提")]


@pytest.mark.parametrize("questions, out, fmt", [("q.jsonl", "q.jsonl", None), ("q.csv", "q.jsonl", "csv"),
                                                 ("q.jsonl", "answers.md", "md")])
def test_outputs_that_would_overwrite_the_input_are_refused(stub, tmp_path, questions, out, fmt):
    q = tmp_path / questions
    q.write_text("id,question\nx1,天津港\n" if questions.endswith(".csv") else '{"id": "a", "question": "天津港"}\n',
                 encoding="utf-8")
    before = q.read_bytes()
    with pytest.raises(BatchPathError):
        answer_file(stub, q, tmp_path / out, fmt=fmt, show_progress=False)
    assert q.read_bytes() == before


def test_cli_refuses_colliding_paths_before_loading_the_model(tmp_path, capsys, monkeypatch):
    import assistant.__main__ as cli

    monkeypatch.setattr("assistant.factory.build_assistant", lambda *a, **k: pytest.fail("model loaded"))
    q = tmp_path / "q.csv"
    q.write_text("id,question\nx1,天津港\n", encoding="utf-8")
    assert cli.main(["batch", str(q), "--out", str(tmp_path / "q.jsonl"), "--format", "csv"]) == 2
    assert "is the question file" in capsys.readouterr().err


def test_cli_writes_a_word_memo_quoting_each_cited_paragraph_verbatim(assistant, tmp_path, monkeypatch):
    import assistant.__main__ as cli
    from docx import Document

    monkeypatch.setattr("assistant.factory.build_assistant", lambda *a, **k: assistant)
    q, out = _questions(tmp_path, ['{"id": "a", "question": "天津港一单制"}']), tmp_path / "answers.jsonl"
    assert cli.main(["batch", str(q), "--out", str(out), "--format", "docx", "--quiet"]) == 0
    cited = json.loads(out.read_text(encoding="utf-8"))["citations"]
    paragraphs = [p.text for p in Document(str(tmp_path / "answers.docx")).paragraphs]
    assert cited and paragraphs[:2] == ["批量回答", "问：天津港一单制"]
    for c in cited:  # its note: the document title and label, then the paragraph of the index, word for word
        note = paragraphs.index(f"[{c['n']}] 《{c['title']}》 {c['label'].removeprefix(c['title'] + ' › ')}")
        assert paragraphs[note + 1] == assistant.retriever.paragraphs[c["paragraph_id"]].text


def test_cap_and_cancel(stub, tmp_path):
    q = _questions(tmp_path, [f'{{"id": "{i}", "question": "问题{i}"}}' for i in range(3)])
    with pytest.raises(TooManyQuestions, match="at most 2"):
        answer_file(stub, q, tmp_path / "o.jsonl", show_progress=False, max_questions=2)
    cancel = threading.Event()
    original = stub.run

    def run_then_cancel(question, history=None, **kw):
        cancel.set()
        return original(question, history, **kw)

    stub.run = run_then_cancel
    report = answer_file(stub, q, tmp_path / "o.jsonl", show_progress=False, cancel=cancel)
    assert (report.answered, report.cancelled, report.remaining) == (1, True, 2)
