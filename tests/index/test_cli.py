import pytest

from index.__main__ import main
from tests.conftest import ARTICLE_10, scanned_pdf, share_read


@pytest.fixture(scope="module")
def scan_index(tmp_path_factory):
    """`python -m index build` (USE embedder) on a corpus of one scanned PDF: no text layer, 第十条 as an image."""
    root = tmp_path_factory.mktemp("scan")
    (root / "corpus").mkdir()
    scanned_pdf(root / "corpus" / "scan.pdf")
    assert main(["build", "--corpus", str(root / "corpus"), "--index", str(root / "index"), "--embedder", "use",
                 "--quiet"]) == 0
    return root / "index"


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


def test_status_lists_skipped_files_and_a_damaged_index_is_an_error(tmp_path, capsys, fake_embedder):
    from index.builder import build_index
    from index.store import current_version
    from settings import Config

    corpus, idx = tmp_path / "c", tmp_path / "i"
    corpus.mkdir()
    (corpus / "good.txt").write_text("一、总体要求\n\n推进服务业扩大开放。\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    build_index(corpus, idx, Config(), embedder=fake_embedder, show_progress=False)
    assert main(["status", "--index", str(idx)]) == 0
    out = capsys.readouterr().out
    assert f"skipped (not indexed)\t{(corpus / 'empty.txt').resolve()}\tno text found in empty.txt" in out
    assert out.strip().endswith("fresh")
    manifest = current_version(idx) / "manifest.json"
    manifest.write_text("{", encoding="utf-8")
    assert main(["status", "--index", str(idx)]) == 2
    assert "unreadable manifest" in capsys.readouterr().err
    assert main(["build", "--corpus", str(corpus), "--index", str(idx), "--quiet"]) == 2
    assert "Nothing was changed" in capsys.readouterr().err and manifest.read_text() == "{"


def test_build_indexes_a_scanned_pdf_read_by_ocr_with_page_numbers(scan_index):
    from index.store import live_version, read_paragraphs

    paragraphs = read_paragraphs(*live_version(scan_index))
    assert share_read(ARTICLE_10, "".join(p.text for p in paragraphs)) >= 0.9
    assert all(p.pages == (1,) and p.boxes for p in paragraphs)


def test_status_names_the_pages_read_by_ocr(scan_index, capsys):
    assert main(["status", "--index", str(scan_index)]) == 0
    out = capsys.readouterr().out
    assert "pages without a text layer, read by OCR: 1\n" in out and "not read" not in out


def test_updating_an_index_without_corpus_keeps_to_the_folders_it_was_built_from(tmp_path, capsys, fake_embedder):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "note.txt").write_text("青松市将企业开办时间压缩至0.8个工作日。\n", encoding="utf-8")
    idx = str(tmp_path / "i")
    assert main(["build", "--corpus", str(corpus), "--index", idx, "--quiet"]) == 0
    assert main(["build", "--index", idx, "--quiet"]) == 0
    assert main(["status", "--index", idx]) == 0
    out = capsys.readouterr().out
    assert "note" in out and "service_opening_best_practice_cases" not in out
