from assistant.support import check_sentence, missing_numbers, ngram_support

PARA = "天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右。"


def test_supported_sentence():
    r = check_sentence("天津港“一单制”海铁联运将单个集装箱综合成本节省1000元左右。", [PARA])
    assert r.supported and r.score > 0.9


def test_number_not_in_cited_text_is_unsupported():
    r = check_sentence("天津港将单个集装箱的综合成本节省 2000 元左右。", [PARA])
    assert not r.supported and r.missing_numbers == ("2000",) and "numbers" in r.reason


def test_no_citation_is_unsupported():
    assert check_sentence("天津港节省成本。", []).reason == "no citation"


def test_low_overlap_is_unsupported():
    r = check_sentence("人才服务站为外籍人才提供签证便利。", [PARA])
    assert not r.supported and r.score < 0.3


def test_ngram_support_and_missing_numbers():
    assert ngram_support("甲乙丙", "甲乙丙丁") == 1.0
    assert ngram_support("甲乙丙", "甲乙") == 0.5  # bigrams 甲乙 ✓, 乙丙 ✗
    assert missing_numbers("增长 41%和53%", "增长 41%和 53%") == []
    assert missing_numbers("1.05 亿元", "1.5 亿元") == ["1.05"]
