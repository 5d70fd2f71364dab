"""Fitting the gate from labelled questions (eval.calibration)."""
import json

import pytest

from assistant.pipeline import Assistant
from assistant.steps.gate import PartFeatures
from eval.calibration import collect, fit_rows, load_rows, part_labels, save_rows
from eval.dataset import EvalItem, Part
from retriever.hybrid import HybridRetriever
from tests.conftest import ALWAYS, FakeLLM


def _item(kind, parts=()):
    return EvalItem("q", "问题？", "", ("x",) if kind != "unanswerable" else (), ("x",) if kind != "unanswerable" else (),
                    kind, parts=parts)


def test_part_labels():
    assert part_labels(_item("unanswerable"), 2) == [False, False]
    assert part_labels(_item("fact"), 2) == [True, True]
    mixed = (Part("甲", ("甲",), True), Part("乙", (), False))
    assert part_labels(_item("multi", mixed), 2) == [True, False]
    assert part_labels(_item("multi", mixed), 3) is None  # cannot align: left out


def test_collect_records_one_labelled_row_per_part(fake_index, fake_embedder):
    assistant = Assistant(HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder), FakeLLM(p_yes=0.8),
                          calibration=ALWAYS)
    items = [EvalItem("a", "天津港一单制节省多少成本？", "", ("1000",), ("1000",), "number"),
             EvalItem("u", "2021年广州口岸的出口整体通关时间是多少？", "", (), (), "unanswerable"),
             EvalItem("o", "报告介绍了哪些案例？", "", ("x",), ("x",), "overview", parts=(Part("x", ("x",)),))]
    rows = collect(assistant, items, "report", show_progress=False)
    assert [(r["id"], r["label"]) for r in rows] == [("a", True), ("u", False)]  # overview questions are skipped
    assert rows[0]["features"]["p_yes"] == 0.8 and rows[1]["features"]["absent_in_corpus"] == 1


def test_fit_rows_and_round_trip(tmp_path):
    good = [{"corpus": "c", "id": f"g{i}", "part": "p", "label": True,
             "features": vars(PartFeatures(0.9, 0.9, 0, 0, 0.9))} for i in range(10)]
    bad = [{"corpus": "c", "id": f"b{i}", "part": "p", "label": False,
            "features": vars(PartFeatures(0.3, 0.1, 0, 1, 0.2))} for i in range(10)]
    save_rows(good + bad, tmp_path / "s.jsonl")
    rows = load_rows(tmp_path / "s.jsonl")
    cal, counts = fit_rows(rows)
    assert counts["c"] == {"answerable_kept": 10, "answerable_refused": 0, "unanswerable_refused": 10,
                           "unanswerable_kept": 0}
    with pytest.raises(ValueError, match="both"):
        fit_rows(good)
    assert json.loads((tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()[0])["id"] == "g0"
