from index.pdf_reader import Rule
from index.ruled import frames


def _grid(xs, ys, skip=()):
    """The rules of a grid drawn cell border by cell border (as Chromium prints a table), minus ``skip``: (kind,
    i, j) for the horizontal rule at ys[i] under column j, or the vertical one at xs[i] beside row j."""
    rules = []
    for i, y in enumerate(ys):
        rules += [Rule(xs[j], y - 0.4, xs[j + 1], y + 0.4) for j in range(len(xs) - 1) if ("h", i, j) not in skip]
    for i, x in enumerate(xs):
        rules += [Rule(x - 0.4, ys[j], x + 0.4, ys[j + 1]) for j in range(len(ys) - 1) if ("v", i, j) not in skip]
    return rules


def test_a_grid_of_rules_is_a_frame_of_its_rows_and_columns():
    [frame] = frames(_grid([30, 130, 230, 330], [60, 80, 130, 150]))
    assert (len(frame.xs), len(frame.ys)) == (4, 4)
    assert frame.slot_of(180, 100) == (1, 1)


def test_a_cell_without_the_rule_under_it_is_merged_with_the_one_below():
    [frame] = frames(_grid([30, 130, 230], [60, 80, 130, 150], skip={("h", 2, 0)}))
    assert frame.cells[1][0] == frame.cells[2][0] and frame.cells[1][1] != frame.cells[2][1]


def test_a_box_round_one_column_and_a_table_ruled_only_above_and_below_are_no_frames():
    box = _grid([30, 330], [60, 200])
    three_lines = [Rule(30, 60, 330, 60.8), Rule(30, 80, 330, 80.8), Rule(30, 200, 330, 200.8)]
    assert frames(box) == [] and frames(three_lines) == []


def test_two_tables_on_a_page_are_two_frames_top_to_bottom():
    rules = _grid([30, 130, 230], [400, 420, 440]) + _grid([30, 130, 230], [60, 80, 100])
    assert [f.ys[0] for f in frames(rules)] == [60, 400]


def test_rules_alone_between_rows_make_a_frame_of_one_column_and_text_gaps_cut_it():
    from index.ruled import split_columns

    rules = [Rule(80, y - 0.4, 521, y + 0.4) for y in (120, 142, 165, 187, 208)]
    [frame] = frames(rules)
    assert len(frame.xs) == 2 and len(frame.ys) == 5
    split = split_columns(frame, [(85, 200), (360, 420), (90, 250), (355, 400)], 10.0)
    assert split is not None and len(split.xs) == 3 and split_columns(frame, [(85, 300), (290, 500)], 10.0) is None
