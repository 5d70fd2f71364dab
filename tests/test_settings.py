"""Configuration: defaults, a TOML file over them, errors (settings)."""
import pytest

from settings import Config, load_config


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("RAG_CPU_VARIANT", raising=False)
    assert load_config(tmp_path / "none.toml") == Config()


def test_a_toml_file_overrides_its_sections(tmp_path):
    path = tmp_path / "rag.toml"
    path.write_text("[retrieval]\nrrf_k = 30\n[llm]\nn_threads = 3\nextra_buffers = \"off\"\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.retrieval.rrf_k == 30 and cfg.llm.n_threads == 3 and cfg.llm.extra_buffers == "off"
    assert cfg.chunking == Config().chunking


def test_unknown_settings_are_refused(tmp_path):
    path = tmp_path / "rag.toml"
    path.write_text("[llm]\ntemperature = 0.7\n", encoding="utf-8")
    with pytest.raises(ValueError, match="temperature"):
        load_config(path)


def test_the_cpu_variant_variable_overrides_the_file(tmp_path, monkeypatch):
    path = tmp_path / "rag.toml"
    path.write_text("[llm]\ncpu_variant = \"zen4\"\nn_threads = 3\n", encoding="utf-8")
    monkeypatch.delenv("RAG_CPU_VARIANT", raising=False)
    assert load_config(path).llm.cpu_variant == "zen4" and load_config(tmp_path / "none.toml").llm.cpu_variant == "best"
    monkeypatch.setenv("RAG_CPU_VARIANT", "haswell")
    assert load_config(path).llm.cpu_variant == "haswell" and load_config(path).llm.n_threads == 3
    assert load_config(tmp_path / "none.toml").llm.cpu_variant == "haswell"
