import pytest

from zh.places import short_region


@pytest.mark.parametrize("name, short", [("南宁市", "南宁"), ("黔东南苗族侗族自治州", "黔东南"), ("广西壮族自治区", "广西"),
                                         ("恩施土家族苗族自治州", "恩施"), ("香港特别行政区", "香港"), ("全国", "全国")])
def test_short_region(name, short):
    assert short_region(name) == short
