import re
import json

import pytest

from assistant.batch import answer_file
from assistant.pipeline import Assistant
from retriever.hybrid import HybridRetriever
from tests.conftest import FakeLLM
from tests.test_pipeline import ALWAYS


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
    out.write_text('{"id": "a", "question": "x", "answer": "y"}\n{"id": "b", "quest', encoding="utf-8")
    q = _questions(tmp_path, ['{"id": "a", "question": "天津港"}', '{"id": "b", "question": "船边直提"}'])
    report = answer_file(assistant, q, out, show_progress=False)
    assert report.answered == 1 and len(out.read_text(encoding="utf-8").splitlines()) == 2


def test_csv_and_md_tables(assistant, tmp_path):
    q = tmp_path / "q.csv"
    q.write_text("id,question\nx1,天津港一单制\n", encoding="utf-8")
    answer_file(assistant, q, tmp_path / "o.jsonl", fmt="csv", show_progress=False)
    answer_file(assistant, q, tmp_path / "o.jsonl", fmt="md", show_progress=False)
    csv_text = (tmp_path / "o.csv").read_text(encoding="utf-8-sig")
    assert csv_text.startswith("id,question,answer,refused,citations") and re.search(r"\[\d\] 多点推动", csv_text)
    assert (tmp_path / "o.md").read_text(encoding="utf-8").startswith("| id | question |")
