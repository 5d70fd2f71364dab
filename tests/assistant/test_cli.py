"""python -m assistant ask: what the user sees in the terminal."""
import assistant.__main__ as cli
from assistant.pipeline import Assistant
from retriever.hybrid import HybridRetriever
from tests.conftest import ALWAYS, Q_COST, FakeLLM, evidence_number


def test_ask_prints_only_checked_sentences(fake_index, fake_embedder, monkeypatch, capsys):
    retriever = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    k = evidence_number(retriever, Q_COST, "1000 元左右")
    reply = f"天津港一单制节省成本987元[{k}]。天津港“一单制”海铁联运将单个集装箱的综合成本节省1000元左右[{k}]。"
    assistant = Assistant(retriever, FakeLLM([reply]), calibration=ALWAYS)
    monkeypatch.setattr(cli, "build_assistant", lambda *a, **kw: assistant)
    assert cli.main(["ask", Q_COST, "--index", str(fake_index)]) == 0
    out = capsys.readouterr().out
    assert "1000元左右" in out and "987" not in out  # the rejected sentence was never printed


def test_ask_prints_an_answer_made_without_retrieval(fake_index, fake_embedder, monkeypatch, capsys):
    retriever = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    assistant = Assistant(retriever, FakeLLM(["不会用到。"]), calibration=ALWAYS)
    monkeypatch.setattr(cli, "build_assistant", lambda *a, **kw: assistant)
    assert cli.main(["ask", "报告介绍了哪些案例？", "--index", str(fake_index)]) == 0  # from the heading tree
    out = capsys.readouterr().out
    assert "最终回答" in out and "first token" in out and "retrieve" not in out
