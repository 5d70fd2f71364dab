from pathlib import Path

import pytest

from errors import Cancelled
from index.builder import add_document, build_index, remove_document
from index.store import staleness
from index.loaders import DocumentError, DocumentTooLarge
from index.store import CorruptIndex, DocumentNotFound, current_version, load_index
from retriever.hybrid import HybridRetriever
from settings import ChunkingConfig, Config, LimitsConfig
from tests.conftest import FakeEmbedder
from tests.conftest import HOSTILE, broken_xml_docx, make_hostile, scanned_pdf, without_ocr_package, zip_bomb_docx


def test_rebuild_of_unchanged_corpus_embeds_nothing(fake_index, corpus_dir, fake_embedder):
    calls = fake_embedder.calls
    report = build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert report.embedded == 0 and fake_embedder.calls == calls and report.chunks == 131


def test_new_file_in_corpus_is_added_and_only_it_embedded(fake_index, corpus_dir, fake_embedder):
    (corpus_dir / "extra.md").write_text("# 新案例\n\n这是新增的一段内容。", encoding="utf-8")
    assert staleness(load_index(fake_index).manifest) != []
    report = build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert report.added == ["extra"] and report.embedded == 1
    assert staleness(load_index(fake_index).manifest) == []


def test_changed_file_is_detected_as_stale_and_updated(fake_index, corpus_dir, fake_embedder):
    f = next(corpus_dir.iterdir())
    f.write_text(f.read_text(encoding="utf-8") + "\n\n补充的结尾段落。\n", encoding="utf-8")
    assert any("changed" in p for p in staleness(load_index(fake_index).manifest))
    report = build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert report.updated == [f.stem] and report.embedded >= 1


def test_add_and_remove_single_document(fake_index, tmp_path, fake_embedder):
    doc = tmp_path / "memo.txt"
    doc.write_text("口岸通关服务的补充说明。", encoding="utf-8")
    report = add_document(doc, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert report.added == ["memo"] and report.documents == 2
    report = remove_document("memo", fake_index, Config(), embedder=fake_embedder)
    assert report.removed == ["memo"] and report.documents == 1


def test_removed_corpus_document_stays_removed_after_sync(fake_index, corpus_dir, fake_embedder):
    (corpus_dir / "extra.txt").write_text("额外文件。", encoding="utf-8")
    build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    remove_document("extra", fake_index, Config(), embedder=fake_embedder)
    report = build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert "extra" not in load_index(fake_index).manifest["documents"] and report.added == []
    assert staleness(load_index(fake_index).manifest) == []


def test_remove_unknown_document(fake_index, fake_embedder):
    with pytest.raises(DocumentNotFound, match="'nope' is not in the index"):
        remove_document("nope", fake_index, Config(), embedder=fake_embedder)


def test_add_bad_file_leaves_index_untouched(fake_index, tmp_path, fake_embedder):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    before = load_index(fake_index).path
    with pytest.raises(DocumentError):
        add_document(bad, fake_index, Config(), embedder=fake_embedder)
    assert load_index(fake_index).path == before


def test_rebuild_flag_drops_cache(fake_index, corpus_dir, fake_embedder):
    report = build_index(corpus_dir, fake_index, Config(), rebuild=True, embedder=fake_embedder, show_progress=False)
    assert report.embedded == report.chunks


# ---------------------------------------------------------------- skipped, malformed and damaged

def _gbk_corpus(tmp_path):
    corpus = tmp_path / "mixed"
    corpus.mkdir()
    (corpus / "政策.txt").write_bytes("一、总体要求\n\n推进服务业扩大开放，优化营商环境。\n".encode("gbk"))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "broken.pdf").write_bytes(bytes(range(256)) * 8)
    return corpus


def test_skipped_files_are_recorded_and_keep_the_index_fresh(tmp_path, fake_embedder):
    corpus, idx = _gbk_corpus(tmp_path), tmp_path / "idx"
    report = build_index(corpus, idx, Config(), embedder=fake_embedder, show_progress=False)
    assert report.documents == 1 and len(report.errors) == 2
    manifest = load_index(idx).manifest
    assert set(manifest["skipped"]) == {str((corpus / n).resolve()) for n in ("empty.txt", "broken.pdf")}
    assert "no text found" in manifest["skipped"][str((corpus / "empty.txt").resolve())]["reason"]
    assert staleness(manifest) == []
    HybridRetriever.from_index_dir(idx, embedder=fake_embedder)  # search works (no StaleIndex)
    again = build_index(corpus, idx, Config(), embedder=fake_embedder, show_progress=False)
    assert again.parsed == 0 and len(again.errors) == 2  # neither re-read nor forgotten
    (corpus / "empty.txt").write_text("后来补上的内容。", encoding="utf-8")
    assert staleness(load_index(idx).manifest) == [f"unreadable file changed, to be read again: "
                                                   f"{(corpus / 'empty.txt').resolve()}"]
    assert build_index(corpus, idx, Config(), embedder=fake_embedder, show_progress=False).added == ["empty"]


def test_a_scan_skipped_for_want_of_ocr_is_read_by_the_build_after_the_package_is_installed(tmp_path, monkeypatch,
                                                                                           fake_embedder):
    corpus, idx = tmp_path / "c", tmp_path / "i"
    corpus.mkdir()
    (corpus / "good.txt").write_text("一、总体要求\n\n推进服务业扩大开放。\n", encoding="utf-8")
    scanned_pdf(corpus / "scan.pdf")
    with monkeypatch.context() as m:
        without_ocr_package(tmp_path, m)
        report = build_index(corpus, idx, Config(), embedder=fake_embedder, show_progress=False)
    assert report.added == ["good"] and "OCR unavailable" in report.errors[0]
    report = build_index(corpus, idx, Config(), embedder=fake_embedder, show_progress=False)
    assert report.added == ["scan"] and report.errors == []
    assert load_index(idx).manifest["documents"]["scan"]["ocr_pages"] == [1]


def test_malformed_files_in_the_corpus_are_skipped_and_the_build_goes_on(fake_index, corpus_dir, fake_embedder):
    for name in HOSTILE:
        make_hostile(corpus_dir, name)
    zip_bomb_docx(corpus_dir / "bomb.docx")
    report = build_index(corpus_dir, fake_index, Config(), rebuild=True, embedder=fake_embedder, show_progress=False)
    assert report.documents == 1 and len(report.errors) == len(HOSTILE) + 1
    assert staleness(load_index(fake_index).manifest) == []


def _built_with_a_broken_docx(tmp_path, embedder):
    """A corpus of one good .txt and a .docx with broken XML, built (the docx skipped): (index, docx path)."""
    corpus, idx = tmp_path / "corpus", tmp_path / "idx"
    corpus.mkdir()
    (corpus / "good.txt").write_text("一、总体要求\n\n推进服务业扩大开放，优化营商环境。\n", encoding="utf-8")
    broken = broken_xml_docx(corpus / "broken.docx").resolve()
    build_index(corpus, idx, Config(), embedder=embedder, show_progress=False)
    assert list(load_index(idx).manifest["skipped"]) == [str(broken)]
    return idx, broken


def test_an_add_keeps_the_unreadable_files_the_build_skipped(tmp_path, fake_embedder):
    idx, broken = _built_with_a_broken_docx(tmp_path, fake_embedder)
    other = tmp_path / "other.txt"
    other.write_text("另一份说明：海外仓数量增加到 200 个。", encoding="utf-8")
    report = add_document(other, idx, Config(), embedder=fake_embedder, show_progress=False)
    manifest = load_index(idx).manifest
    assert report.added == ["other"] and list(manifest["skipped"]) == [str(broken)]
    assert staleness(manifest) == []
    HybridRetriever.from_index_dir(idx, embedder=fake_embedder)  # search works (no StaleIndex)


def test_a_remove_keeps_the_unreadable_files_the_build_skipped(tmp_path, fake_embedder):
    idx, broken = _built_with_a_broken_docx(tmp_path, fake_embedder)
    other = tmp_path / "other.txt"
    other.write_text("另一份说明：海外仓数量增加到 200 个。", encoding="utf-8")
    add_document(other, idx, Config(), embedder=fake_embedder, show_progress=False)
    remove_document("other", idx, Config(), embedder=fake_embedder)
    manifest = load_index(idx).manifest
    assert list(manifest["skipped"]) == [str(broken)] and staleness(manifest) == []


def test_an_unreadable_file_deleted_since_is_forgotten_by_the_next_add(tmp_path, fake_embedder):
    idx, broken = _built_with_a_broken_docx(tmp_path, fake_embedder)
    broken.unlink()
    other = tmp_path / "other.txt"
    other.write_text("另一份说明。", encoding="utf-8")
    add_document(other, idx, Config(), embedder=fake_embedder, show_progress=False)
    assert load_index(idx).manifest["skipped"] == {}


def test_interrupted_rebuild_leaves_the_live_index_and_its_cache(fake_index, corpus_dir, fake_embedder):
    (corpus_dir / "bad.docx").write_bytes(b"not a zip")
    before, cache = current_version(fake_index), (fake_index / "embeddings.sqlite").read_bytes()

    class Dies(FakeEmbedder):
        def embed_passages(self, texts):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(corpus_dir, fake_index, Config(), rebuild=True, embedder=Dies(), show_progress=False)
    assert current_version(fake_index) == before and load_index(fake_index).manifest["counts"]["chunks"] == 131
    assert (fake_index / "embeddings.sqlite").read_bytes() == cache
    assert sorted(p.name for p in fake_index.iterdir() if p.name.startswith(".")) == [".lock"]
    report = build_index(corpus_dir, fake_index, Config(), rebuild=True, embedder=fake_embedder, show_progress=False)
    assert report.embedded == report.chunks == 131 and report.errors[0].endswith("not a valid .docx (zip) file: "
                                                                                 "File is not a zip file")


def _truncate_manifest(index_dir):
    path = current_version(index_dir) / "manifest.json"
    path.write_text(path.read_text(encoding="utf-8")[:200], encoding="utf-8")


def test_damaged_manifest_is_not_missing_and_is_never_overwritten_silently(fake_index, corpus_dir, tmp_path,
                                                                           fake_embedder):
    memo, uploads = tmp_path / "memo.txt", tmp_path / "uploads"
    memo.write_text("口岸通关服务的补充说明。", encoding="utf-8")
    add_document(memo, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    remove_document("memo", fake_index, Config(), embedder=fake_embedder)  # a removal to remember
    uploads.mkdir()
    for name, text in (("a.txt", "上传的第一份说明。"), ("b.txt", "上传的第二份说明。")):
        (uploads / name).write_text(text, encoding="utf-8")
        add_document(uploads / name, fake_index, Config(), embedder=fake_embedder, show_progress=False,
                     corpus_dir=uploads)
    damaged = current_version(fake_index)
    _truncate_manifest(fake_index)
    for write in (lambda: add_document(memo, fake_index, Config(), embedder=fake_embedder, show_progress=False),
                  lambda: build_index(corpus_dir, fake_index, Config(), embedder=fake_embedder, show_progress=False),
                  lambda: remove_document("a", fake_index, Config(), embedder=fake_embedder)):
        with pytest.raises(CorruptIndex, match="Nothing was changed.*--rebuild"):
            write()
        assert current_version(fake_index) == damaged
    assert previous_manifest_raises(fake_index)
    report = build_index(corpus_dir, fake_index, Config(), rebuild=True, embedder=fake_embedder, show_progress=False)
    manifest = load_index(fake_index).manifest
    assert "was damaged" in report.notes[0]
    assert set(manifest["documents"]) == {"service_opening_best_practice_cases", "a", "b"}
    assert manifest["excluded"] == [str(memo.resolve())] and str(uploads.resolve()) in manifest["corpus_dirs"]


def previous_manifest_raises(index_dir) -> bool:
    from index.builder import previous_manifest

    with pytest.raises(CorruptIndex):
        previous_manifest(index_dir)
    return True


# ---------------------------------------------------------------- adds: limits, parse once, cancel

def test_add_parses_only_the_new_file(fake_index, tmp_path, fake_embedder, monkeypatch):
    import index.builder as builder

    calls = []
    real = builder.load_document
    monkeypatch.setattr(builder, "load_document", lambda p, *a, **k: calls.append(Path(p).name) or real(p, *a, **k))
    doc = tmp_path / "memo.txt"
    doc.write_text("口岸通关服务的补充说明。", encoding="utf-8")
    report = add_document(doc, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    assert calls == ["memo.txt"] and report.parsed == 1 and report.documents == 2
    calls.clear()
    remove_document("memo", fake_index, Config(), embedder=fake_embedder)
    assert calls == []


def test_add_limits_size_and_chunks(fake_index, tmp_path, fake_embedder):
    before = current_version(fake_index)
    big = tmp_path / "big.txt"
    big.write_text("。\n\n".join(f"第{i}段：口岸通关服务的补充说明，内容较长，用来凑满一个块。" * 4 for i in range(300)),
                   encoding="utf-8")
    tight = Config(limits=LimitsConfig(max_upload_mb=0.01))
    with pytest.raises(DocumentTooLarge, match=r"max_upload_mb"):
        add_document(big, fake_index, tight, embedder=fake_embedder, show_progress=False)
    few = Config(limits=LimitsConfig(max_chunks_per_upload=50))
    with pytest.raises(DocumentTooLarge, match=r"would make \d+ chunks; the limit for one document is 50"):
        add_document(big, fake_index, few, embedder=fake_embedder, show_progress=False)
    assert current_version(fake_index) == before and fake_embedder.calls == 131


def test_add_can_be_cancelled_while_embedding(fake_index, tmp_path, fake_embedder):
    import threading

    before = current_version(fake_index)
    cancel = threading.Event()

    class CancelledMidway(FakeEmbedder):
        def embed_passages(self, texts):
            cancel.set()  # the user presses cancel while the first batch is embedded
            return super().embed_passages(texts)

    doc = tmp_path / "long.txt"
    doc.write_text("\n\n".join(f"第{i}段：跨境电商海外仓的新做法。" * 10 for i in range(80)), encoding="utf-8")
    with pytest.raises(Cancelled):
        add_document(doc, fake_index, Config(), embedder=CancelledMidway(), show_progress=False, cancel=cancel)
    assert current_version(fake_index) == before


def test_changed_chunking_settings_are_stale(fake_index, corpus_dir, fake_embedder):
    manifest = load_index(fake_index).manifest
    assert staleness(manifest, Config().chunking) == []
    smaller = Config(chunking=ChunkingConfig(max_chars=200))
    assert [p.split(":")[0] for p in staleness(manifest, smaller.chunking)] == ["chunking settings changed"]
    report = build_index(corpus_dir, fake_index, smaller, embedder=fake_embedder, show_progress=False)
    assert report.chunks > 131 and staleness(load_index(fake_index).manifest, smaller.chunking) == []


def test_same_id_from_two_files_gives_two_documents(tmp_path, fake_embedder):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("甲文件的内容。", encoding="utf-8")
    (corpus / "a.md").write_text("乙文件的内容。", encoding="utf-8")
    report = build_index(corpus, tmp_path / "i", Config(), embedder=fake_embedder, show_progress=False)
    assert sorted(report.added) == ["a", "a_2"]


def test_an_index_from_another_parser_version_is_stale_and_read_again(tmp_path, corpus_dir, fake_embedder):
    import json

    index_dir = tmp_path / "idx"
    build_index(corpus_dir, index_dir, Config(), embedder=fake_embedder, show_progress=False)
    again = build_index(corpus_dir, index_dir, Config(), embedder=fake_embedder, show_progress=False)
    assert again.parsed == 0  # same parser: the live index's paragraphs are reused
    manifest_path = current_version(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["parser_version"] = 1
    assert any("parser changed" in p for p in staleness(manifest))
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")  # as an old build wrote it
    report = build_index(corpus_dir, index_dir, Config(), embedder=fake_embedder, show_progress=False, rebuild=False)
    assert report.parsed == 1
