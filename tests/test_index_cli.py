from index.__main__ import main


def test_build_status_and_missing_corpus(tmp_path, capsys):
    assert main(["build", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i")]) == 2
    assert "corpus folder not found" in capsys.readouterr().err
    assert main(["status", "--index", str(tmp_path / "i")]) == 1


def test_build_with_use_embedder_then_status(tmp_path, corpus_dir, capsys):
    idx = str(tmp_path / "i")
    assert main(["build", "--corpus", str(corpus_dir), "--index", idx, "--embedder", "use", "--quiet"]) == 0
    assert "127 paragraphs, 131 chunks" in capsys.readouterr().out
    assert main(["status", "--index", idx]) == 0
    out = capsys.readouterr().out
    assert "use-multilingual-v3" in out and out.strip().endswith("fresh")
