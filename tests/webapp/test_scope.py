"""The 范围 panel: its choices follow the library, and the chat and batch answer only from the documents chosen."""
import json
import shutil

import gradio as gr
import pytest

from retriever.filters import DocFilter, FilterError
from tests.conftest import FakeLLM
from tests.webapp.test_handlers import _run, _state, _upload_doc
from webapp import handlers as h
from webapp.render import message_text
from webapp.scope import scope_choices, scope_filter, scope_text

PERMIT, BULLETIN = "residence_permit_printout", "zhoukou_bulletin_2023"  # the two documents of pdf_index
PERMIT_TITLE, BULLETIN_TITLE = "居住证暂行条例（国务院令第663号）", "2023年周口市国民经济和社会发展统计公报"
Q_BOTH = "居住证由哪一级签发？周口市生产总值多少？"  # a part for each document of pdf_index
NOTHING = ([], ["标准"], [], "", "")  # the panel's values (docs, kinds, regions, after, before): no such document


@pytest.fixture
def llm():
    return FakeLLM(["资料说明了答案[1]。"])


@pytest.fixture
def two_docs(pdf_index, fake_embedder, tmp_path, llm):
    """The app over a private copy of the index of the two shipped PDFs: the residence permit rules (全国,
    行政法规) and the Zhoukou statistical bulletin (周口市, 统计公报)."""
    index = shutil.copytree(pdf_index, tmp_path / "index")
    s = _state(index, pdf_index.parent / "corpus", fake_embedder, tmp_path, llm=llm)
    s.start(show_progress=False)
    assert s.ready, s.message
    return s


def _ask(state, question, *scope):
    """The final outputs of one chat question asked within the panel's values ``scope``."""
    return _run(h.chat(state, question, [], [], 5, 128, "llama", *scope))[-1]


def _cited_documents(turns) -> set[str]:
    return {c["doc_id"] for c in turns[-1]["record"]["citations"]}


# ---------------------------------------------------------------- the panel's values (pure)

def test_the_choices_are_the_documents_by_title_and_the_kinds_and_regions_they_have(two_docs):
    choices = scope_choices(two_docs.manifest())
    assert choices.docs == [(BULLETIN_TITLE, BULLETIN), (PERMIT_TITLE, PERMIT)]
    assert (choices.kinds, choices.regions) == (["统计公报", "行政法规"], ["全国", "周口市"])


def test_documents_that_share_a_title_are_told_apart_by_their_ids():
    manifest = {"documents": {"notes": {"title": "笔记"}, "notes_2": {"title": "笔记"}, "plan": {"title": "规划"}}}
    assert scope_choices(manifest).docs == [("笔记（notes）", "notes"), ("笔记（notes_2）", "notes_2"), ("规划", "plan")]


def test_an_empty_panel_is_the_whole_library_and_a_full_one_is_said_in_words(two_docs):
    assert not scope_filter([], [], [], "", "") and not scope_filter(None, None, None, None, None)
    where = scope_filter([PERMIT], ["行政法规"], ["全国"], " 2015 ", "2016-06")
    assert where == DocFilter(ids=(PERMIT,), where=(("kind", "行政法规"), ("region", "全国")), after="2015",
                              before="2016-06")
    assert scope_text(where, two_docs.manifest()) == f"文档：《{PERMIT_TITLE}》 · 类别：行政法规 · 地区：全国 · 日期：2015 至 2016-06"


def test_a_malformed_date_is_refused_in_words_for_the_user():
    with pytest.raises(FilterError, match="截止日期“2020/06”无法识别：请写成 YYYY、YYYY-MM 或 YYYY-MM-DD"):
        scope_filter([], [], [], "", "2020/06")


# ---------------------------------------------------------------- the chat

def test_the_chat_cites_only_the_chosen_document(two_docs):
    assert _cited_documents(_ask(two_docs, Q_BOTH)[2]) == {PERMIT, BULLETIN}  # the whole library: both
    assert _cited_documents(_ask(two_docs, Q_BOTH, [BULLETIN])[2]) == {BULLETIN}


def test_the_answer_says_which_documents_it_was_kept_to(two_docs):
    messages, _, turns, _ = _ask(two_docs, Q_BOTH, [BULLETIN], [], [], "2024")
    assert f"范围：文档：《{BULLETIN_TITLE}》 · 日期：2024 起" in message_text(messages[-1]["content"])
    assert turns[-1]["record"]["filter"] == f"id={BULLETIN}, after 2024"
    assert "范围：" not in message_text(_ask(two_docs, Q_BOTH)[0][-1]["content"])  # the whole library: not said


def test_a_scope_without_documents_warns_in_the_chat_and_does_not_answer(two_docs, llm):
    with pytest.warns(UserWarning, match="范围内没有文档（类别：标准）"):
        messages, sources, turns, box = _ask(two_docs, Q_BOTH, *NOTHING)
    assert [m["role"] for m in messages] == ["assistant"] and "范围内没有文档" in messages[0]["content"]
    assert (sources, turns, box) == (gr.skip(), [], Q_BOTH) and llm.prompts == []  # the model was not asked


def test_a_malformed_date_warns_and_gives_the_question_back(two_docs, llm):
    with pytest.warns(UserWarning, match="起始日期“去年”无法识别"):
        assert _ask(two_docs, Q_BOTH, [], [], [], "去年", "") == ([], gr.skip(), [], Q_BOTH)
    assert llm.prompts == []


# ---------------------------------------------------------------- the choices follow the library

def _refresh(state, shown="", docs=(), kinds=(), regions=()):
    return h.scope_refresh(state, shown, list(docs), list(kinds), list(regions))


def test_the_choices_follow_the_library_after_an_upload_keeping_what_is_chosen(two_docs, tmp_path):
    shown, docs, kinds, _ = _refresh(two_docs)
    assert [d for _, d in docs.choices] == [BULLETIN, PERMIT]
    assert _refresh(two_docs, shown) == (gr.skip(),) * 4  # the same index version: nothing to send
    assert "已添加" in h.library_add(two_docs, str(_upload_doc(tmp_path)))[2]
    now, docs, kinds, _ = _refresh(two_docs, shown, [PERMIT], ["行政法规"])
    assert now != shown and [d for _, d in docs.choices] == [BULLETIN, "upload_doc", PERMIT]  # by title
    assert (docs.value, kinds.value) == ([PERMIT], ["行政法规"])


def test_a_removed_document_leaves_the_choices_and_what_is_chosen(two_docs, tmp_path):
    h.library_add(two_docs, str(_upload_doc(tmp_path)))
    shown = _refresh(two_docs)[0]
    assert "已删除" in h.library_remove(two_docs, "upload_doc")[2]
    _, docs, _, _ = _refresh(two_docs, shown, ["upload_doc", PERMIT])
    assert "upload_doc" not in [d for _, d in docs.choices] and docs.value == [PERMIT]


# ---------------------------------------------------------------- the batch

def test_the_batch_is_kept_to_the_panels_scope_and_a_lines_own_filter_wins(two_docs, tmp_path):
    q = tmp_path / "qs.jsonl"
    q.write_text(json.dumps({"id": "a", "question": Q_BOTH}, ensure_ascii=False) + "\n"
                 + json.dumps({"id": "b", "question": Q_BOTH, "filter": {"doc": ["居住证"]}}, ensure_ascii=False)
                 + "\n", encoding="utf-8")
    files, summary = h.batch(two_docs, str(q), "llama", [BULLETIN])
    records = [json.loads(line) for line in open(files[0], encoding="utf-8")]
    assert [(r["id"], r["filter"], r["documents"]) for r in records] == [("a", f"id={BULLETIN}", [BULLETIN]),
                                                                         ("b", "doc~居住证", [PERMIT])]
    assert f"范围：文档：《{BULLETIN_TITLE}》" in summary


def test_a_batch_scope_without_documents_warns_and_answers_nothing(two_docs, tmp_path, llm):
    q = tmp_path / "qs.txt"
    q.write_text(f"{Q_BOTH}\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="范围内没有文档"):
        files, summary = h.batch(two_docs, str(q), "llama", *NOTHING)
    assert files is None and "范围内没有文档" in summary and llm.prompts == []


def test_the_chat_and_the_batch_tab_each_have_a_scope_panel(two_docs):
    from webapp.ui import build_ui

    ids = {c.get("props", {}).get("elem_id") for c in build_ui(two_docs).config["components"]}
    assert {f"{tab}-scope-{part}" for tab in ("chat", "batch")
            for part in ("docs", "kinds", "regions", "after", "before")} <= ids
