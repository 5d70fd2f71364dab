"""Names in text (zh.names): example tables a linguist can extend — input → what must (not) be found."""
import pytest

from zh.names import anchors, is_name, named_entities, names_something, own_wording, place_or_org_names, whole_of

ANCHORS = [  # question → anchors it must have (subset), anchors it must not have
    ("2021年天津港“一单制”PCT申请有多少？", {"2021年", "天津港", "一单制", "PCT"}, set()),
    ("2021年上海新建了多少移民融入服务站？", {"2021年", "上海"}, {"新建"}),  # 新建了: a verb
    ("全国前20家融资租赁企业有几家在上海？", {"上海"}, {"全国"}),  # generic words are no anchors
    ("从纳入试点到拿到上市许可花了多久？", set(), {"许可"}),  # jieba tags 许可 as a person: a common word
]


@pytest.mark.parametrize("question, present, absent", ANCHORS)
def test_anchors(question, present, absent):
    found = set(anchors(question))
    assert present <= found and not absent & found


PLACE_OR_ORG = [  # text → its place/organisation names, in order
    ("2021 年新建移民融入服务站 15 家，城市更新加快。", []),  # 新建, 城市: jieba's 'places' that are words
    ("上海市新建移民融入服务站", ["上海市"]),
    ("高英拿到上市许可", ["高英"]),  # a person's name; 许可, which jieba also tags as one, is a common word
]


@pytest.mark.parametrize("text, names", PLACE_OR_ORG)
def test_place_or_org_names(text, names):
    assert place_or_org_names(text) == names


NAMES_SOMETHING = [  # sentence → does it name a place, person, organisation or year of its own?
    ("2021 年新建 15 家。", True),
    ("天津港推行一单制。", True),
    ("该平台已服务企业 200 家。", False),
]


@pytest.mark.parametrize("text, expected", NAMES_SOMETHING)
def test_names_something(text, expected):
    assert names_something(text) is expected


NAMED_ENTITIES = [  # (sentence, question) → the first name of the asked kind, or None
    ("海南委托专业医疗管理集团运营，构建“一个共享医院（平台）+若干个专科临床医学中心”的模式。",
     "委托给哪一家医疗管理集团运营？", None),  # a quoted slogan is no name
    ("工商银行推出“科创知产贷”。", "推出了什么产品？", "科创知产贷"),
]


@pytest.mark.parametrize("sentence, question, first", NAMED_ENTITIES)
def test_named_entities(sentence, question, first):
    names = named_entities(sentence, question)
    assert (names[0] if names else None) == first


def test_a_name_before_the_whole_of_its_area_is_that_whole():
    assert whole_of("河南", "是不是占到了河南全省的八成以上？") == "全省"
    assert whole_of("黔东南", "黔东南州全州生产总值是多少？") == "全州"
    assert whole_of("河南", "河南的粮食产量是多少？") == ""


def test_years_latin_terms_and_place_suffixes_are_surely_names():
    assert all(is_name(a) for a in ("2023年", "PCT", "广州市", "乐城全球特药险"))


def test_one_word_jieba_calls_another_proper_noun_is_no_sure_name():
    assert not is_name("遮阳伞") and not is_name("广告语")


def test_a_common_word_of_three_characters_or_more_is_no_sure_name():
    assert not is_name("无人驾驶")  # jieba tags it as a person's name
    assert not is_name("出租车")


OWN_WORDING = [  # quoted phrase, question → the user's own wording (not a name the documents must contain)?
    ("先收钱后服务", "朝阳区监管商家“先收钱后服务”资金的平台覆盖了哪些行业？", True),  # several words: a description
    ("货船靠岸直接提货", "天津把“货船靠岸直接提货”推广到海铁联运后要多久？", True),
    ("沪科贷", "“沪科贷”的授信额度是多少？", False),  # one word: a coinage, a name
    ("区域全面经济伙伴关系协定", "《区域全面经济伙伴关系协定》是哪一年生效的？", False),  # a title
    ("先收钱后服务", "先收钱后服务的平台覆盖了哪些行业？", False),  # not quoted
]


@pytest.mark.parametrize("phrase, question, expected", OWN_WORDING)
def test_own_wording(phrase, question, expected):
    assert own_wording(phrase, question) is expected
