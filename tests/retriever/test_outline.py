"""The heading tree rebuilt from paragraphs, and scope resolution by heading wording (retriever.outline)."""
import pytest

from assistant.steps.evidence import TermStats
from index.loaders import load_document
from retriever.outline import build_outline, items_of, resolve_scope
from tests.conftest import REPORT


@pytest.fixture(scope="module")
def report():
    paragraphs = load_document(REPORT).paragraphs
    return build_outline(paragraphs), TermStats.from_paragraphs(paragraphs)


def test_the_report_has_two_categories_and_eight_cases(report):
    root, _ = report
    [doc] = root.children
    cases = [n for n in doc.walk() if n.level == "case"]
    assert len(cases) == 9  # the preface is a case-level heading too
    assert {n.parent.title for n in cases if n.parent.level == "category"} == {"产业综合类案例", "特色探索类案例"}


def test_an_overview_of_the_report_lists_the_eight_cases_not_the_preface(report):
    root, _ = report
    [doc] = root.children
    names = [n.name for n in items_of(doc)]
    assert len(names) == 8 and "前言" not in names and names[0] == "突破堵点贯通知识产权服务业产业链体系"


def test_practices_sit_under_the_main_practice_section(report):
    root, _ = report
    case = next(n for n in root.walk() if n.level == "case" and "融资租赁" in n.title)
    assert [n.name for n in items_of(case)] == ["创新融资租赁业务模式", "创新海关监管模式", "创新产业体制机制"]


def test_scope_is_the_case_the_question_names(report):
    root, stats = report
    scope = resolve_scope("强化人才保障这个案例的主要做法有哪些？", root, stats.idf)
    assert scope.node.level == "case" and "强化人才保障" in scope.node.title


def test_a_short_term_names_the_case_whose_title_holds_it_longer(report):
    root, stats = report
    scope = resolve_scope("物流案例的主要做法有哪些？", root, stats.idf)  # 物流 in the title's 物流业
    assert scope.node.level == "case" and "现代物流业" in scope.node.title


def test_effects_and_next_steps_go_to_their_section(report):
    root, stats = report
    scope = resolve_scope("医疗产业案例对下一步开放创新提出了哪几个方向？", root, stats.idf)
    assert "下一步" in scope.node.title


def test_a_region_missing_from_the_path_becomes_a_filter(report):
    root, stats = report
    scope = resolve_scope("重庆在强化人才保障方面做了哪几件事？", root, stats.idf, ["重庆"])
    assert "人才" in scope.node.title and scope.within == "重庆"
