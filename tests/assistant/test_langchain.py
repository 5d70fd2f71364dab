"""The LangChain Runnable over the Assistant (assistant.langchain)."""
import pytest

from assistant.langchain import AssistantRunnable
from assistant.pipeline import Assistant
from retriever.hybrid import HybridRetriever
from tests.conftest import ALWAYS, Q_COST, FakeLLM


@pytest.fixture
def runnable(fake_index, fake_embedder):
    retriever = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    return AssistantRunnable(Assistant(retriever, FakeLLM(["天津港通过“一单制”海铁联运节省成本1000元左右[1]。"]),
                                       calibration=ALWAYS))


def test_stream_yields_pieces_then_the_answer_record(runnable):
    chunks = list(runnable.stream({"question": Q_COST}))
    assert any("token" in c for c in chunks[:-1]) and "answer" in chunks[-1]
    assert chunks[-1]["answer"]["citations"]


def test_stream_yields_the_checked_answer_so_far(runnable):
    checked = [c["checked"] for c in runnable.stream(Q_COST) if "checked" in c]
    assert checked and "1000元左右" in checked[-1]


def test_invoke_takes_a_string_or_a_dict(runnable):
    assert runnable.invoke(Q_COST)["citations"]
    assert runnable.invoke({"question": Q_COST})["question"] == Q_COST


def test_overview_questions_come_through_the_runnable(runnable):
    record = runnable.invoke("报告介绍了哪些案例？")
    assert record["outline"] and not record["refused"]
