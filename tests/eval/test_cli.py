"""`python -m eval retrieval|answers`: exit codes, report files, wiring to the retriever and assistant."""
import json
import subprocess
import sys
import types

import pytest

from eval.__main__ import main
from eval.retrieval_metrics import score_question
from retriever.hybrid import HybridRetriever
from settings import PROJECT_ROOT

SET = [
    {"id": "c1", "question": "服务业扩大开放综合试点示范已累计推广了多少批、多少项经验？", "answer": "7批35项。",
     "evidence": ["截至目前已有 7 批 35 项"], "keywords": ["7批", "35项"], "type": "number", "case": "前言"},
    {"id": "c2", "question": "职务科技成果赋权改革中转化与奖励的顺序怎么调整？", "answer": "先赋权后转化。",
     "evidence": ["将“先转化后奖励”调整优化为“先赋权后转化”"], "keywords": ["先赋权后转化"], "type": "fact",
     "case": "知识产权"},
    {"id": "c3", "question": "报告提到的试点城市 GDP 总量是多少？", "answer": "根据现有资料无法回答", "evidence": [],
     "keywords": [], "type": "unanswerable", "case": "前言"},
]
CONFIGS = ["dense", "bm25", "hybrid", "win300-bm25", "win300-e5", "win300-rrf"]


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.fixture
def question_set(tmp_path):
    return write_jsonl(tmp_path / "set.jsonl", SET)


@pytest.fixture
def retriever(fake_index, fake_embedder):
    return HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)


def test_retrieval_writes_report_metrics_and_plot(retriever, fake_index, fake_embedder, question_set, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["retrieval", "--questions", str(question_set), "--index", str(fake_index), "--out", str(out),
                 "--baselines"], retriever=retriever, baseline_embedder=fake_embedder)
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert list(metrics["configs"]) == CONFIGS
    assert metrics["meta"]["n_questions"] == 3 and metrics["meta"]["n_scored"] == 2
    for name, result in metrics["configs"].items():
        assert result["overall"]["n"] == 2 and set(result["by_type"]) == {"number", "fact"}, name
        assert len(result["recall_curve"]) == 10
    # the rows are the metrics of what the retriever returns for each mode (ranked lists 20 deep)
    for mode in ("dense", "bm25", "hybrid"):
        for item, row in zip(SET, metrics["configs"][mode]["per_question"]):
            texts = [h.chunk.text for h in retriever.run(item["question"], k=20, mode=mode)]
            assert row == {"id": item["id"], "type": item["type"], "case": item["case"],
                           **score_question(texts, item["evidence"])}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| config | n | R@1 | R@3 | R@5 | R@10 | hit@5 | MRR | nDCG@10 | budget_recall | ms/q |" in report
    assert "## By type" in report and "## By case" in report and "| 知识产权 | 1 |" in report
    assert (out / "recall_at_k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split() == ["config", "n", "R@1", "R@3", "R@5", "R@10", "hit@5", "MRR",
                                               "nDCG@10", "budget_recall", "ms/q"]
    assert set(printed.splitlines()[1]) == {"-", " "}  # the shared text_table rules its header
    assert [line.split()[0] for line in printed.splitlines()[2:8]] == CONFIGS


def test_retrieval_with_chosen_configs_and_k(retriever, fake_index, question_set, tmp_path):
    out = tmp_path / "out"
    assert main(["retrieval", "--questions", str(question_set), "--index", str(fake_index), "--out", str(out),
                 "--configs", "bm25", "-k", "5"], retriever=retriever) == 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert list(metrics["configs"]) == ["bm25"]
    assert set(metrics["configs"]["bm25"]["overall"]) == {"n", "R@1", "R@3", "R@5", "hit@1", "hit@3", "hit@5",
                                                          "MRR", "nDCG@5", "budget_recall"}


@pytest.mark.parametrize("rows, message", [
    ([SET[0], "{broken"], "line 2: malformed JSON"),
    ([SET[0], {**SET[1], "type": "guess"}], "unknown type 'guess'"),
    ([SET[0], {**SET[0], "question": "又一个"}], "duplicate id 'c1'"),
    ([{**SET[0], "evidence": ["报告里没有这句话"]}, {**SET[1], "id": "c9", "evidence": ["也没有这句"]}],
     "id(s) c1, c9"),
])
def test_retrieval_rejects_a_bad_set(rows, message, retriever, fake_index, tmp_path, capsys):
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    out = tmp_path / "out"
    assert main(["retrieval", "--questions", str(path), "--index", str(fake_index), "--out", str(out)],
                retriever=retriever) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_retrieval_errors_exit_2(question_set, tmp_path, capsys):
    assert main(["retrieval", "--questions", str(tmp_path / "none.jsonl")]) == 2
    assert "question set not found" in capsys.readouterr().err
    assert main(["retrieval", "--questions", str(question_set), "--configs", "dense,sparse"]) == 2
    assert "unknown config(s) sparse" in capsys.readouterr().err
    assert main(["retrieval", "--questions", str(question_set), "--index", str(tmp_path / "noindex")]) == 2
    assert "python -m index build" in capsys.readouterr().err


def answer(qid, text, refused=False, cited=()):
    return {"id": qid, "question": "?", "answer": text, "refused": refused,
            "citations": [{"n": i, "paragraph_id": f"p{i}", "label": "标签", "text": t} for i, t in enumerate(cited, 1)],
            "contexts": [],
            "timings": {"retrieve_ms": 5, "ttft_ms": 100, "total_ms": 900, "gen_tokens": 20}}


ANSWERS = [answer("c1", "已推广7批、35项。", cited=["截至目前已有 7 批 35 项经验"]),
           answer("c2", "根据现有资料无法回答", refused=True),
           answer("c3", "根据现有资料无法回答", refused=True)]


def test_answers_from_file(fake_index, question_set, tmp_path, capsys):
    answers, out = write_jsonl(tmp_path / "answers.jsonl", ANSWERS), tmp_path / "out"
    assert main(["answers", "--questions", str(question_set), "--index", str(fake_index), "--answers", str(answers),
                 "--out", str(out)]) == 0
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert m["keyword_accuracy"]["value"] == 0.5  # c1 holds 7批 and 35项; c2 was refused → 1 of 2 answerable
    assert m["refusal_recall"]["value"] == 1.0 and m["refusal_precision"]["value"] == 0.5
    assert m["citation_precision"]["value"] == 1.0 and m["citation_recall"]["value"] == 1.0  # only c1 answered
    assert [f["id"] for f in m["failures"]] == ["c2"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Failures (1)" in report and "refused an answerable question" in report and SET[1]["question"] in report
    assert "keyword accuracy" in capsys.readouterr().out


def test_answers_errors_exit_2(fake_index, question_set, tmp_path, capsys):
    args = ["answers", "--questions", str(question_set), "--index", str(fake_index), "--out", str(tmp_path / "o")]
    assert main([*args, "--answers", str(tmp_path / "none.jsonl")]) == 2
    assert "answers file not found" in capsys.readouterr().err
    bad = write_jsonl(tmp_path / "bad.jsonl", ["{"])
    assert main([*args, "--answers", str(bad)]) == 2
    assert "malformed JSON" in capsys.readouterr().err


def test_answers_without_assistant_asks_for_answers_file(fake_index, question_set, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "assistant.batch.run", None)  # import fails as when it is not installed
    assert main(["answers", "--questions", str(question_set), "--index", str(fake_index),
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "assistant.batch.run" in err and "pass --answers" in err


def test_answers_runs_the_assistant_batch(fake_index, question_set, tmp_path, monkeypatch):
    calls = []

    def run_batch(questions_path, out_path, index_dir, cfg):
        calls.append((questions_path, out_path, index_dir))
        write_jsonl(out_path, ANSWERS)

    monkeypatch.setitem(sys.modules, "assistant.batch.run", types.SimpleNamespace(run_batch=run_batch))
    out = tmp_path / "o"
    assert main(["answers", "--questions", str(question_set), "--index", str(fake_index), "--out", str(out)]) == 0
    assert calls == [(question_set, out / "answers.jsonl", fake_index)]
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["n_answered"] == 3
    assert (out / "report.md").is_file()


def test_module_entry_point_help_and_exit_code(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "eval", *args], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=120)

    helped = run("retrieval", "--help")
    assert helped.returncode == 0 and "--baselines" in helped.stdout and "--configs" in helped.stdout
    missing = run("answers", "--questions", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "question set not found" in missing.stderr


def test_eval_answers_hands_ray_and_workers_to_the_batch(fake_index, tmp_path, monkeypatch, capsys):
    calls = []

    def run_batch(questions_path, out_path, index_dir, cfg, **kw):
        calls.append(kw)
        write_jsonl(out_path, ANSWERS)

    monkeypatch.setitem(sys.modules, "assistant.batch.run", types.SimpleNamespace(run_batch=run_batch))
    args = ["answers", "--questions", str(write_jsonl(tmp_path / "set.jsonl", SET)), "--index", str(fake_index),
            "--out", str(tmp_path / "o")]
    assert main([*args, "--ray", "--workers", "2"]) == 0 and calls == [{"ray": "local", "workers": 2}]
    assert main([*args, "--workers", "2"]) == 2 and "--workers goes with --ray" in capsys.readouterr().err
    assert main([*args, "--ray", "--answers", str(tmp_path / "o" / "answers.jsonl")]) == 2
