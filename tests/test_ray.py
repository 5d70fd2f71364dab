"""Distributed embedding and batch answering on a real local Ray instance (one per session, 2 CPUs)."""
from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.batch.answers import answer_file
from assistant.pipeline import Assistant
from index.builder import build_index
from index.embedders import make_embedder
from index.store import load_index
from retriever.hybrid import HybridRetriever
from settings import PROJECT_ROOT, Config
from tests.conftest import ALWAYS, REPORT, FakeEmbedder, FakeLLM

QUESTIONS = ["天津港一单制节省多少成本", "船边直提是什么", "坏问题：模型在这里出错", "人才服务有哪些做法",
             "融资租赁创新发展", "海关监管模式", "跨境数据流动", "数字贸易试点"]
REPLY = "天津港通过“一单制”海铁联运节省成本[1]。"
TIMEOUT = 180


# ------------------------------------------------------------------ factories (run inside the Ray workers)

class SlowFlakyAssistant:
    """The real pipeline over the fake-embedder index with a scripted LLM; '坏' questions fail, 'slow' ones wait."""

    def __init__(self, index_dir: str, delay: float = 0.0, slow_first: float = 0.0):
        retriever = HybridRetriever.from_index_dir(index_dir, embedder=FakeEmbedder())
        self.inner = Assistant(retriever, FakeLLM([REPLY]), calibration=ALWAYS)
        self.delay, self.slow_first = delay, slow_first

    def run(self, question, history=None, **kw):
        if "坏" in question:
            raise RuntimeError("model crashed")
        if "死" in question:
            os._exit(1)  # the worker process dies (a crash in native code)
        time.sleep(self.slow_first if question == QUESTIONS[0] else self.delay)
        return self.inner.run(question, history, **kw)


def fake_assistant(index_dir: str, delay: float = 0.0, slow_first: float = 0.0) -> SlowFlakyAssistant:
    return SlowFlakyAssistant(index_dir, delay, slow_first)


def drive(address: str, questions: str, out: str, index_dir: str) -> None:
    """A batch driver in its own process (the test kills it midway)."""
    from assistant.batch.ray_batch import answer_file_on_ray

    answer_file_on_ray(functools.partial(fake_assistant, index_dir, 1.0), questions, out, show_progress=False,
                       address=address, workers=2)


# ------------------------------------------------------------------ helpers

def _questions(tmp_path: Path, texts: list[str]) -> Path:
    f = tmp_path / "q.jsonl"
    f.write_text("".join(json.dumps({"id": f"q{i}", "question": t}, ensure_ascii=False) + "\n"
                         for i, t in enumerate(texts)), encoding="utf-8")
    return f


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _without_timings(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "timings"} for r in records]


def _same_index(a: Path, b: Path) -> None:
    x, y = load_index(a), load_index(b)
    assert [c.id for c in x.chunks] == [c.id for c in y.chunks]
    assert [c.to_dict() for c in x.chunks] == [c.to_dict() for c in y.chunks]
    assert x.paragraphs == y.paragraphs
    assert x.vectors.shape == y.vectors.shape
    assert np.allclose(x.vectors, y.vectors, atol=1e-5, rtol=0)
    assert x.manifest["embedder"] == y.manifest["embedder"]


# ------------------------------------------------------------------ index build

def test_ray_build_equals_single_process_build_and_sends_only_uncached_chunks(ray_local, corpus_dir, tmp_path):
    from index.ray_embed import RayEmbedder

    cfg = replace(Config(), index=replace(Config().index, batch_size=8))  # many batches: they finish out of order
    local, distributed = tmp_path / "local", tmp_path / "ray"
    build_index(corpus_dir, local, cfg, embedder=FakeEmbedder(), show_progress=False)
    with RayEmbedder(FakeEmbedder, "local", workers=2) as embedder:
        report = build_index(corpus_dir, distributed, cfg, embedder=embedder, show_progress=False)
        assert embedder.sent == report.embedded == report.chunks > 16
        _same_index(local, distributed)
        built_on = load_index(distributed).manifest["built_on"]
        assert built_on["ray"]["workers"] == 2 and built_on["ray"]["cpus"] == 2 and built_on["embedded"] == report.chunks
        assert "built_on" not in load_index(local).manifest

        # a new document: only its chunks go to the workers, the rest come from the cache
        (corpus_dir / "extra.txt").write_text("补充材料\n\n海关推出“两步申报”改革，企业通关时间压缩一半以上。\n", encoding="utf-8")
        sent = embedder.sent
        update = build_index(corpus_dir, distributed, cfg, embedder=embedder, show_progress=False)
    build_index(corpus_dir, local, cfg, embedder=FakeEmbedder(), show_progress=False)
    assert 0 < update.embedded == embedder.sent - sent < update.chunks
    _same_index(local, distributed)


def test_cli_ray_build_with_the_real_e5_embedder(ray_local, tmp_path, capsys):
    from index.__main__ import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = REPORT.read_text(encoding="utf-8")
    (corpus / "part.txt").write_text(text[: text.find("\n\n", 2500)] + "\n", encoding="utf-8")
    build_index(corpus, tmp_path / "local", Config(), embedder=make_embedder("e5", 1), show_progress=False)
    assert main(["build", "--corpus", str(corpus), "--index", str(tmp_path / "ray"), "--embedder", "e5",
                 "--ray", "--workers", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "embedded on Ray: 2 worker(s) on 1 node(s)" in out
    _same_index(tmp_path / "local", tmp_path / "ray")
    manifest = load_index(tmp_path / "ray").manifest
    assert manifest["embedder"]["spec"] == "e5" and manifest["built_on"]["embedded"] == manifest["counts"]["chunks"] >= 2
    main(["status", "--index", str(tmp_path / "ray")])
    assert "(embedded on Ray: 2 worker(s), 1 node(s))" in capsys.readouterr().out


# ------------------------------------------------------------------ batch answering

def test_ray_batch_writes_in_input_order_equal_to_the_sequential_run(ray_local, fake_index, tmp_path):
    from assistant.batch.ray_batch import answer_file_on_ray

    q = _questions(tmp_path, QUESTIONS)
    sequential = answer_file(fake_assistant(str(fake_index)), q, tmp_path / "seq.jsonl", show_progress=False)
    # the first question is slow, so the others finish before it and must wait to be written after it
    factory = functools.partial(fake_assistant, str(fake_index), 0.0, 2.0)
    report = answer_file_on_ray(factory, q, tmp_path / "ray.jsonl", show_progress=False, address="local", workers=2)
    assert (report.answered, sequential.answered) == (len(QUESTIONS) - 1, len(QUESTIONS) - 1)
    assert len(report.errors) == 1 and report.errors[0].startswith("q2: RuntimeError: model crashed")
    ray_records = _records(tmp_path / "ray.jsonl")
    assert [r["id"] for r in ray_records] == [f"q{i}" for i in range(len(QUESTIONS)) if i != 2]
    assert _without_timings(ray_records) == _without_timings(_records(tmp_path / "seq.jsonl"))

    # resume: the failed question is tried again, nothing else; with every question done no worker starts
    again = answer_file_on_ray(factory, q, tmp_path / "ray.jsonl", show_progress=False, address="local", workers=2)
    assert (again.answered, again.skipped_existing, len(again.errors)) == (0, len(QUESTIONS) - 1, 1)


def test_killed_ray_batch_resumes_without_loss_or_duplicates(ray_local, fake_index, tmp_path):
    from assistant.batch.ray_batch import answer_file_on_ray

    texts = [t for t in QUESTIONS if "坏" not in t] * 2
    q = _questions(tmp_path, texts)
    out = tmp_path / "out.jsonl"
    port = ray_local.get_runtime_context().gcs_address.rsplit(":", 1)[1]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    code = "import sys; from tests.test_ray import drive; drive(*sys.argv[1:])"
    child = subprocess.Popen([sys.executable, "-c", code, f"127.0.0.1:{port}", str(q), str(out), str(fake_index)],
                             cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + TIMEOUT
    try:
        while not (out.is_file() and out.read_bytes().count(b"\n") >= 3):
            if child.poll() is not None:
                pytest.fail(f"the driver ended early: {child.stderr.read().decode(errors='replace')[-2000:]}")
            assert time.monotonic() < deadline, "the driver wrote nothing"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(TIMEOUT)
        child.stderr.close()
    written = out.read_bytes().count(b"\n")
    assert 3 <= written < len(texts)

    report = answer_file_on_ray(functools.partial(fake_assistant, str(fake_index)), q, out, show_progress=False,
                                address="local", workers=2)
    assert report.skipped_existing == written and report.answered == len(texts) - written and not report.errors
    assert [r["id"] for r in _records(out)] == [f"q{i}" for i in range(len(texts))]


def test_a_dead_worker_costs_its_question_and_the_others_carry_on(ray_local, fake_index, tmp_path):
    from assistant.batch.ray_batch import answer_file_on_ray
    from ray_cluster import RayJobError

    q = _questions(tmp_path, ["死：工作进程在这里退出", *QUESTIONS[1:2], *QUESTIONS[3:6]])
    factory = functools.partial(fake_assistant, str(fake_index))
    report = answer_file_on_ray(factory, q, tmp_path / "o.jsonl", show_progress=False, address="local", workers=2)
    assert report.answered == 4 and len(report.errors) == 1 and report.errors[0].startswith("q0: Ray worker failed")
    assert [r["id"] for r in _records(tmp_path / "o.jsonl")] == ["q1", "q2", "q3", "q4"]
    # with one worker, its death stops the run; what was written stays
    q = _questions(tmp_path, [QUESTIONS[1], "死：工作进程在这里退出", QUESTIONS[3]])
    with pytest.raises(RayJobError, match="every Ray worker died"):
        answer_file_on_ray(factory, q, tmp_path / "p.jsonl", show_progress=False, address="local", workers=1)
    assert [r["id"] for r in _records(tmp_path / "p.jsonl")] == ["q0"]


# ------------------------------------------------------------------ Ray is optional, and its errors are clear

def test_without_ray_nothing_imports_it():
    code = ("import sys, index.__main__, assistant.__main__, eval.__main__, bench.__main__, assistant.batch.answers, "
            "index.builder; bad = [m for m in ('ray', 'ray_cluster') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True, timeout=TIMEOUT)


def test_missing_ray_or_unreachable_cluster_or_too_few_cpus_is_a_clear_error(ray_local, monkeypatch, tmp_path,
                                                                          fake_index):
    from assistant.batch.ray_batch import answer_file_on_ray
    from ray_cluster import RayUnavailable, connect

    with monkeypatch.context() as m:
        m.setitem(sys.modules, "ray", None)
        with pytest.raises(RayUnavailable, match="pip install -r requirements.txt"):
            connect("local")
    q = _questions(tmp_path, QUESTIONS[:1])
    with pytest.raises(RayUnavailable, match="need 3 CPUs but the Ray cluster has 2"):
        answer_file_on_ray(fake_assistant, q, tmp_path / "o.jsonl", address="local", workers=3)
    for argv in (["-m", "assistant", "batch", str(q), "--out", str(tmp_path / "o.jsonl"), "--index", str(fake_index)],
                 ["-m", "index", "build", "--index", str(tmp_path / "i")]):
        run = subprocess.run([sys.executable, *argv, "--ray", "127.0.0.1:1"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, timeout=TIMEOUT)
        assert run.returncode == 2, run.stderr
        assert "no Ray cluster reachable at 127.0.0.1:1" in run.stderr and "ray start --head" in run.stderr
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "i" / "CURRENT").exists()
