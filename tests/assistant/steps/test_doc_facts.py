"""A document's own particulars answered from its metadata, cited to the paragraph that states them
(assistant.steps.doc_facts)."""
import pytest

from assistant.steps.doc_facts import DocumentFacts, asked_fields, spoken
from index.loaders import load_document
from tests.conftest import REAL

NOTICE = REAL / "residence_permit_printout.pdf"


@pytest.mark.parametrize(("question", "field"), [
    ("这份通知的文号是多少？", "number"),
    ("《居住证暂行条例》由哪个机关发布？", "issuer"),
    ("该办法什么时候起施行？", "effective"),
    ("这份通知是哪天印发的？", "issued"),
    ("公报是哪天发布的？", "published"),
])
def test_a_question_about_a_document_s_particular_names_the_field(question, field):
    assert asked_fields(question) == [field]


def test_each_part_may_ask_a_particular():
    assert asked_fields("镇江市城市地下管线管理办法是哪天公布的？从什么时候起施行？") == ["published", "effective"]
    assert asked_fields("数字经济高质量发展实施方案的通知是哪天印发的，文号是什么？") == ["issued", "number"]


@pytest.mark.parametrize("question", [
    "这份通知是哪天印发的，主送哪些单位？",  # two parts: the usual way answers both
    "《2025年全市生态环境工作要点》的印发文号和日期是什么？",  # one part asking two things
    "补贴资金什么时候发放？",  # not about a document
    "条例对电动自行车上路有哪些要求？",  # about its content
])
def test_other_questions_are_left_to_the_usual_way(question):
    assert asked_fields(question) is None


def test_dates_are_spoken_as_documents_write_them():
    assert spoken("issued", "2024-05-10") == "2024年5月10日" and spoken("number", "国务院令第663号") == "国务院令第663号"


@pytest.fixture(scope="module")
def real_notice():
    return load_document(NOTICE)


def _facts(doc):
    manifest = {"documents": {doc.doc_id: {"title": doc.meta["title"], "meta": doc.meta}}}
    return DocumentFacts(doc.paragraphs, manifest)


def test_the_effective_date_is_cited_to_the_article_that_states_it(real_notice):
    fact = _facts(real_notice).run("居住证暂行条例自何时起施行？", None)
    assert fact is not None and fact.lines[0].text == "《居住证暂行条例（国务院令第663号）》的施行日期是2016年1月1日"
    assert "2016年1月1日起施行" in fact.sources[0].paragraph.text


def test_no_answer_for_a_library_of_several_documents_without_one_named(real_notice):
    doc = real_notice
    manifest = {"documents": {doc.doc_id: {"meta": doc.meta}, "other": {"meta": {"number": "x"}}}}
    assert DocumentFacts(doc.paragraphs, manifest).run("这份条例的文号是什么？", None) is None
