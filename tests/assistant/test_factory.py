"""Wiring an Assistant (assistant.factory) and the index's own calibration (assistant.pipeline.calibration_for)."""
from assistant.factory import assistant_with
from assistant.pipeline import calibration_for
from assistant.steps.gate import Calibration
from retriever.hybrid import HybridRetriever
from settings import Config
from tests.conftest import FakeLLM


class WarmLLM(FakeLLM):
    def __init__(self):
        super().__init__()
        self.warmed = []

    def warm(self, prefix):
        self.warmed.append(prefix)


def test_assistant_with_warms_the_prompt_prefix(fake_index, fake_embedder):
    retriever = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    llm = WarmLLM()
    assistant = assistant_with(retriever, llm, Config(), Calibration())
    assert llm.warmed == [assistant.constant_prefix] and assistant.retriever is retriever


def test_an_index_folder_s_own_calibration_wins(tmp_path):
    assert calibration_for(tmp_path) == Calibration.load()  # none of its own: the shipped one
    own = Calibration.of(-2.0, 0.3, chosen_fit=1.0)
    own.save(tmp_path / "calibration.json")
    assert calibration_for(tmp_path) == own
