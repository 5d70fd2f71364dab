import json

from retriever.__main__ import main
from index.store import load_index
from tests.conftest import Q_ISSUER


def test_search_json_output(e5_index, capsys):
    assert main(["search", "天津港船边直提", "--index", str(e5_index), "-k", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["question"] == "天津港船边直提" and len(out["hits"]) == 3
    hit = out["hits"][0]
    assert {"rank", "chunk_id", "paragraph_ids", "label", "text", "score"} <= set(hit)


def test_search_questions_file_writes_one_line_per_question(e5_index, tmp_path):
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"id": "q1", "question": "人才服务站有多少家？", "extra": 1}\n'
                  '{"id": "q2", "question": "融资租赁企业的担保"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["search", "--questions", str(qs), "--out", str(out), "--index", str(e5_index), "-k", "4"]) == 0
    rows = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2"]
    texts = {c.id: c.text for c in load_index(e5_index).chunks}
    for r in rows:
        assert len(r["hits"]) == 4
        for h in r["hits"]:
            assert set(h) == {"rank", "chunk_id", "paragraph_ids", "label", "text", "score", "pages", "paragraphs"}
            assert h["text"] == texts[h["chunk_id"]]


def test_search_json_gives_each_hit_the_pages_and_boxes_of_its_paragraphs(e5_pdf_index, capsys):
    assert main(["search", Q_ISSUER, "--index", str(e5_pdf_index), "-k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    paragraphs = load_index(e5_pdf_index).paragraphs
    hit = next(h for h in hits if "县级人民政府公安机关签发" in h["text"])
    assert hit["pages"] == [1]
    for located in hit["paragraphs"]:
        p = paragraphs[located["paragraph_id"]]
        assert located["pages"] == list(p.pages) and located["bbox"] == [b.to_list() for b in p.boxes]
        assert located["bbox"] and all(box[0] == 1 for box in located["bbox"])


def test_missing_index_is_a_clear_error(tmp_path, capsys):
    assert main(["search", "问题", "--index", str(tmp_path / "none")]) == 2
    assert "python -m index build" in capsys.readouterr().err
