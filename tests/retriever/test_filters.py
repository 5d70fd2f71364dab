import pytest

from retriever.filters import DocFilter, FilterError, NoDocuments

MANIFEST = {"documents": {
    "nanning": {"title": "南宁市电动自行车管理条例",
                "meta": {"title": "南宁市电动自行车管理条例", "region": "南宁市", "kind": "地方性法规", "issued": "2019-12-31"}},
    "permit": {"title": "居住证暂行条例（国务院令第663号）",
               "meta": {"title": "居住证暂行条例（国务院令第663号）", "region": "全国", "kind": "行政法规", "issued": "2015-11-26"}},
    "report": {"title": "某报告", "meta": {"title": "某报告", "kind": "报告"}}}}


@pytest.mark.parametrize("flt, kept", [
    (DocFilter.parse(docs=["居住证"]), {"permit"}),
    (DocFilter.parse(where=["region=南宁"]), {"nanning"}),
    (DocFilter.parse(where=["kind=地方性法规", "kind=行政法规"]), {"nanning", "permit"}),  # one field: alternatives
    (DocFilter.parse(where=["kind=行政法规", "region=南宁"]), None),  # two fields: both hold
    (DocFilter.parse(after="2018-01-01"), {"nanning"}),
    (DocFilter.parse(before="2016"), {"permit"}),
    (DocFilter.parse(where={"region": ["南宁", "全国"]}), {"nanning", "permit"}),  # the JSON form of a question file
])
def test_filters_keep_the_documents_they_match(flt, kept):
    if kept is None:
        with pytest.raises(NoDocuments, match="no document of the index matches"):
            flt.doc_ids(MANIFEST)
    else:
        assert flt.doc_ids(MANIFEST) == kept


def test_ids_keep_exactly_those_documents_where_a_part_of_an_id_keeps_more():
    manifest = {"documents": {"notes": {"title": "笔记"}, "notes_2": {"title": "笔记"}}}
    assert DocFilter(ids=("notes",)).doc_ids(manifest) == {"notes"}
    assert DocFilter.parse(docs=["notes"]).doc_ids(manifest) == {"notes", "notes_2"}
    assert DocFilter(ids=("notes",)).describe() == "id=notes"


def test_an_undated_document_is_outside_any_date_range():
    assert "report" not in DocFilter.parse(before="2030").doc_ids(MANIFEST)


@pytest.mark.parametrize("where, after", [(["regoin=上海"], ""), (["region"], ""), ([], "2020/01/01")])
def test_bad_filters_are_clear_errors(where, after):
    with pytest.raises(FilterError):
        DocFilter.parse(where=where, after=after)


def test_an_empty_filter_is_false_and_described():
    assert not DocFilter() and DocFilter.parse(where=["region=上海"]).describe() == "region~上海"


def test_a_question_naming_a_region_or_a_title_names_those_documents():
    from retriever.filters import named_scope

    manifest = {"documents": {
        "nn": {"meta": {"title": "南宁市电动自行车管理条例", "region": "南宁市"}},
        "qdn": {"meta": {"title": "黔东南苗族侗族自治州2016年国民经济和社会发展统计公报", "region": "黔东南苗族侗族自治州"}},
        "law": {"meta": {"title": "中华人民共和国道路交通安全法", "region": "全国"}}}}
    assert named_scope("在南宁骑电动自行车上路要多大？", manifest).docs == ("nn",)
    assert named_scope("黔东南州2016年茶叶产量是多少吨？", manifest).docs == ("qdn",)
    assert named_scope("按道路交通安全法会受到什么处罚？", manifest).docs == ("law",)
    assert named_scope("2023年洛阳市地区生产总值是多少？", manifest) is None  # a year is no title's words
    assert named_scope("南宁市电动自行车管理条例", {"documents": {"nn": manifest["documents"]["nn"]}}) is None


def test_of_documents_a_question_names_in_part_the_one_whose_title_it_writes_most_is_best():
    from retriever.filters import best_named

    manifest = {"documents": {
        "jx": {"meta": {"title": "江西省人民政府办公厅关于印发江西省推进数字经济高质量发展实施方案（2024—2026年）的通知"}},
        "zj": {"meta": {"title": "关于召开全省服务业高质量发展工作推进会的通知"}}}}
    both = frozenset({"jx", "zj"})
    assert best_named("江西省推进数字经济高质量发展实施方案的通知是哪天印发的？", manifest, both) == "jx"
    assert best_named("高质量发展的通知是哪天印发的？", manifest, both) is None  # as much of either


def test_a_question_writing_a_document_s_number_names_it_whatever_its_brackets():
    from retriever.filters import named_scope

    manifest = {"documents": {"ah": {"meta": {"title": "安徽省人民政府办公厅关于印发…的通知", "number": "皖政办〔2024〕21号"}},
                              "gov": {"meta": {"title": "国务院办公厅关于印发…的通知", "number": "国办发〔2024〕37号"}}}}
    assert named_scope("皖政办[2024]21号文件是哪天印发的？", manifest).docs == ("ah",)
    assert named_scope("国办发（2024）37号要求哪年前完成？", manifest).docs == ("gov",)


def test_a_quoted_title_names_only_that_document():
    from retriever.filters import quoted_scope

    manifest = {"documents": {
        "nn": {"meta": {"title": "南宁市电动自行车管理条例", "region": "南宁市"}},
        "law": {"meta": {"title": "中华人民共和国道路交通安全法", "region": "全国"}},
        "npp": {"meta": {"title": "核电厂定期安全审查指南 第1部分：通用要求（征求意见稿）"}}}}
    assert quoted_scope("《道路交通安全法》规定骑电动自行车的人最低要满多少周岁？", manifest).docs == ("law",)
    assert quoted_scope("《核电厂定期安全评价 第1部分：通用要求》何时实施？", manifest).docs == ("npp",)
    assert quoted_scope("按道路交通安全法，骑电动自行车要多大？", manifest) is None  # no quote: named_scope prefers
    assert quoted_scope("《红楼梦》的作者是谁？", manifest) is None  # a quote that is no title of the library


def test_the_places_of_a_library_are_its_documents_regions_in_full_and_short():
    from retriever.filters import library_places

    manifest = {"documents": {"a": {"meta": {"region": "黔东南苗族侗族自治州"}}, "b": {"meta": {"region": "全国"}},
                              "c": {"meta": {}}}}
    assert library_places(manifest) == {"黔东南苗族侗族自治州", "黔东南"}
