"""The answer's value types (assistant.answer): one numbering of the citations."""
from assistant.answer import Numbering
from assistant.steps.evidence import Candidate
from tests.conftest import make_paragraph

A = make_paragraph("d:p1", "d", "进口整体通关时间34.93小时。出口整体通关时间0.74小时。")
B = make_paragraph("d:p2", "d", "企业开办时间压缩至1个工作日。")
A1, A2 = Candidate(A, 0, 16, 0), Candidate(A, 16, len(A.text), 0)
B1 = Candidate(B, 0, len(B.text), 1)


def test_evidence_sentences_are_numbered_from_one_and_paragraphs_in_evidence_order():
    numbering = Numbering.of([B1, A1, A2])
    assert list(numbering.evidence) == [1, 2, 3]
    assert numbering.source_numbers == {1: 1, 2: 2, 3: 2}
    assert numbering.source_of(A2).text == A.text
