import pytest

from index.builder import add_document, build_index, remove_document, staleness
from index.loaders import DocumentError
from index.store import load_index
from settings import Config


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
    with pytest.raises(KeyError):
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
