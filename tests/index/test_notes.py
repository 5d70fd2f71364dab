"""Notes follow the paragraph whose mark cites them (index.notes)."""
from index.documents import Block
from index.notes import NOTE_KIND, with_cited_notes


def test_an_end_note_follows_the_paragraph_that_cites_it_without_its_mark():
    blocks = [Block("第八条 驾驶人员应当佩戴安全头盔。[2]"), Block("第九条 搭载一名未成年人。"),
              Block("[2]本条原为“驾驶电动自行车的人员应当佩戴安全头盔”。")]
    out = with_cited_notes(blocks)
    assert [b.text for b in out] == ["第八条 驾驶人员应当佩戴安全头盔。", "注2：本条原为“驾驶电动自行车的人员应当佩戴安全头盔”。",
                                     "第九条 搭载一名未成年人。"]
    assert (out[1].kind, out[1].row) == (NOTE_KIND, "注2")


def test_notes_citing_one_paragraph_keep_their_order():
    blocks = [Block("甲句[1]，乙句[2]。"), Block("丙句。"), Block("[1]注一。"), Block("[2]注二。")]
    assert [b.text for b in with_cited_notes(blocks)] == ["甲句，乙句。", "注1：注一。", "注2：注二。", "丙句。"]


def test_a_bracketed_number_that_nothing_cites_stays_a_paragraph():
    blocks = [Block("正文。"), Block("[1]参考文献一。")]
    assert with_cited_notes(blocks) == blocks


def test_a_circled_mark_after_a_word_cites_a_note_and_one_after_a_colon_lists_an_item():
    blocks = [Block("新认定“小巨人”企业①7家。"), Block("包括：①甲；②乙。"), Block("①截至年底累计19家。")]
    out = with_cited_notes(blocks)
    assert [b.text for b in out] == ["新认定“小巨人”企业7家。", "注①：截至年底累计19家。", "包括：①甲；②乙。"]
