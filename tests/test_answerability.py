from assistant.answerability import Calibration, Features, coverage, fit


def test_coverage_counts_content_words_in_sources():
    assert coverage("天津港节省了多少成本？", ["天津港通过一单制节省成本"]) == 1.0
    assert coverage("天津港的注册资本是多少？", ["天津港通过一单制节省成本"]) < 1.0


def test_fit_separates_and_thresholds():
    pos = [Features(0.97, 0.9, 0.9), Features(0.95, 1.0, 0.88), Features(0.99, 0.8, 0.92)]
    neg = [Features(0.85, 0.3, 0.85), Features(0.9, 0.4, 0.83), Features(0.8, 0.2, 0.8)]
    cal = fit(pos + neg, [True] * 3 + [False] * 3)
    assert all(cal.answerable(f) for f in pos) and not any(cal.answerable(f) for f in neg)


def test_calibration_roundtrip(tmp_path):
    cal = Calibration((1.0, 2.0, 3.0), -1.5, 0.4)
    cal.save(tmp_path / "c.json")
    assert Calibration.load(tmp_path / "c.json") == cal
    assert Calibration.load(tmp_path / "missing.json") == Calibration()
