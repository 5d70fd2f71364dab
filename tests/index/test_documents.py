from index.blocks import Block
from index.documents import Paragraph, assign_structure, doc_id_for, with_source
from index.loaders import load_document
from tests.conftest import REPORT


def test_paragraph_label_has_full_heading_path():
    paras = load_document(REPORT).paragraphs
    p = next(p for p in paras if p.heading("subsection").startswith("（二）创新海关监管模式"))
    assert p.label == "推动融资租赁创新发展 提升服务实体经济能力 › 一、主要做法 › （二）创新海关监管模式 › 第1段"
    assert p.heading("category") == "产业综合类案例"


def test_box_paragraphs_carry_box_title_and_box_ends_at_next_heading():
    paras = load_document(REPORT).paragraphs
    boxed = [p for p in paras if p.heading("box") == "专栏 1 试点示范省市科技成果转化赋权案例"]
    assert len(boxed) == 4 and [p.number for p in boxed] == [1, 2, 3, 4]
    after = paras[paras.index(boxed[-1]) + 1]
    assert after.heading("box") == "" and after.heading("subsection").startswith("（二）评估")


def test_paragraph_ids_are_stable_and_unique():
    a = load_document(REPORT).paragraphs
    b = load_document(REPORT).paragraphs
    assert [p.id for p in a] == [p.id for p in b]
    assert len({p.id for p in a}) == len(a)
    assert a[0].id == "service_opening_best_practice_cases:p0001"


def test_numbering_restarts_under_each_heading():
    blocks = [Block("甲案例", "case"), Block("一段"), Block("二段"), Block("一、做法", "section"), Block("三段")]
    paras = assign_structure(blocks, "d")
    assert [(p.number, p.label) for p in paras] == [(1, "甲案例 › 第1段"), (2, "甲案例 › 第2段"),
                                                     (1, "甲案例 › 一、做法 › 第1段")]


def test_higher_heading_resets_lower_levels():
    blocks = [Block("一、甲", "section"), Block("（一）乙", "subsection"), Block("x"), Block("二、丙", "section"),
              Block("y")]
    paras = assign_structure(blocks, "d", default_title="文件")
    assert paras[1].heading("subsection") == "" and paras[1].label == "文件 › 二、丙 › 第1段"


def test_a_heading_with_nothing_under_it_is_kept_as_a_paragraph():
    blocks = [Block("通知", "title"), Block("正文。"), Block("附件1", "h1"), Block("（一）推进建设", "subsection"),
              Block("附件2", "h1")]  # 附件2's pages are images: nothing under it
    paras = assign_structure(blocks, "d")
    assert [(p.label, p.text) for p in paras] == [("通知 › 第1段", "正文。"), ("通知 › 附件1 › 第1段", "（一）推进建设"),
                                                  ("通知 › 第2段", "附件2")]


def test_an_item_under_an_item_that_announces_it_is_cited_by_both_numbers():
    blocks = [Block("条例", "title"), Block("第七条 甲。"), Block("第八条 规划应当包括下列内容："), Block("（一）目标；"),
              Block("（二）三条控制线划定方案，其中应当明确："), Block("1.耕地保有量；"), Block("2.生态保护红线面积。"),
              Block("第九条 乙。")]
    labels = [p.label for p in assign_structure(blocks, "d")]
    assert labels[3:6] == ["条例 › 第八条 › （二）", "条例 › 第八条 › （二）1.", "条例 › 第八条 › （二）2."]


def test_a_provision_quoted_by_an_article_is_part_of_the_clause_that_quotes_it():
    blocks = [Block("条例", "title"), Block("第十一条 甲。"), Block("第十二条 占用耕地的，按照下列规定："),
              Block("“第三十条 国家保护耕地。”"), Block("本省耕地开垦费标准为每平方米40元。"), Block("第十三条 乙。")]
    labels = [p.label for p in assign_structure(blocks, "d")]
    assert labels[1:4] == ["条例 › 第十二条", "条例 › 第十二条", "条例 › 第十二条 › 第2款"]


def test_doc_id_for_is_safe():
    assert doc_id_for("报告 2023 (终稿).pdf") == "报告_2023_终稿"
    assert doc_id_for("sub/dir/a.txt") == "sub_dir_a"


def test_a_paragraph_leans_on_its_document_s_issuer_or_region_when_the_title_names_neither():
    paragraphs = {p.id: p for p in [Paragraph("a:p1", "a", "社会消费品零售总额：2021年2104.68亿元", title="2-1主要经济指标"),
                                    Paragraph("b:p1", "b", "新增托育位1000个。", title="政府工作报告"),
                                    Paragraph("c:p1", "c", "第一条", title="温州市电动自行车管理条例")]}
    metas = {"a": {"meta": {"issuer": "温州市统计局", "region": "温州市"}}, "b": {"meta": {"issuer": "", "region": "云溪区"}},
             "c": {"meta": {"issuer": "温州市人民代表大会常务委员会", "region": "温州市"}}}
    sourced = with_source(paragraphs, metas)
    assert [sourced[k].source for k in ("a:p1", "b:p1")] == ["温州市统计局", "云溪区"]
    assert "温州市统计局" in sourced["a:p1"].heading_text and sourced["a:p1"].label == paragraphs["a:p1"].label
    assert "云溪区" in sourced["b:p1"].haystack  # a premise check finds the place the question names
    assert sourced["c:p1"].source == "温州市人民代表大会常务委员会"  # the title names the city, not the body
