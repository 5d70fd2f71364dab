import pytest

from index.loaders import (DocumentError, DocumentTooLarge, check_file_size, corpus_files, decode_text,
                           load_document, md_inline)
from settings import LimitsConfig, OcrConfig
from tests.conftest import (ARTICLE_10, REAL, flate_bomb_pdf, make_hostile, scanned_pdf, share_read,
                            without_ocr_package, zip_bomb_docx)

GB_TEXT = "一、总体要求\n\n推进服务业扩大开放，优化营商环境。\n\n二、主要任务\n\n加强知识产权保护。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_decode_text_detects_encoding(encoding):
    assert decode_text(GB_TEXT.encode(encoding)) == GB_TEXT


def test_decode_text_rejects_binary():
    with pytest.raises(DocumentError):
        decode_text(bytes([0x81, 0x30, 0xFF, 0xFF]) * 3)


def test_gbk_txt_file_gives_structured_paragraphs(tmp_path):
    f = tmp_path / "政策.txt"
    f.write_bytes(GB_TEXT.encode("gbk"))
    paras = load_document(f).paragraphs
    assert [p.label for p in paras] == ["政策 › 一、总体要求 › 第1段", "政策 › 二、主要任务 › 第1段"]


def test_markdown_headings_give_structure(tmp_path):
    f = tmp_path / "note.md"
    f.write_text("# 案例甲\n\n引言段落。\n\n## 一、做法\n\n第一段。\n\n第二段。\n", encoding="utf-8")
    paras = load_document(f).paragraphs
    assert [p.label for p in paras] == ["案例甲 › 第1段", "案例甲 › 一、做法 › 第1段", "案例甲 › 一、做法 › 第2段"]


def test_a_markdown_document_with_one_top_heading_is_titled_by_it(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text("# 青澜市生态环境局政府采购内部管理指引\n\n## 一、总则\n\n为规范采购行为，制定本指引。\n", "utf-8")
    doc = load_document(path)
    assert doc.meta["title"] == "青澜市生态环境局政府采购内部管理指引"
    assert doc.paragraphs[0].label == "青澜市生态环境局政府采购内部管理指引 › 一、总则 › 第1段"


def test_a_markdown_table_gives_a_row_per_line(tmp_path):
    path = tmp_path / "limits.md"
    path.write_text("## 三、采购限额\n\n| 项目类别 | 限额标准 金额（万元） |\n| --- | --- |\n| 货物类 | 100 |\n| 工程类 | 120 |\n"
                    "\n正文一段，\n接着一行。\n", "utf-8")
    paras = load_document(path).paragraphs
    assert [p.text for p in paras] == ["货物类：限额标准 金额100万元", "工程类：限额标准 金额120万元", "正文一段，接着一行。"]


def test_a_markdown_hard_break_line_after_a_table_follows_its_rows(tmp_path):
    path = tmp_path / "fees.md"
    path.write_text("| 项目 | 标准（元） |\n| --- | --- |\n| 工本费 | 20 |\n注：学生免收工本费。  \n下一段。\n", "utf-8")
    paras = load_document(path).paragraphs
    assert [p.text for p in paras] == ["工本费：标准20元", "注：学生免收工本费。", "下一段。"]


def test_a_markdown_cell_s_html_line_break_is_a_clause_break(tmp_path):
    path = tmp_path / "subsidy.md"
    path.write_text("| 补贴类型 | 申领条件 |\n| --- | --- |\n| 租房补贴 | 在本市就业<br>本人及配偶在本市无自有住房 |\n", "utf-8")
    assert [p.text for p in load_document(path).paragraphs] == ["租房补贴：申领条件在本市就业；本人及配偶在本市无自有住房"]


def test_a_page_saved_as_markdown_ends_before_its_site_footer(tmp_path):
    path = tmp_path / "explainer.md"
    body = "".join(f"第{n}段正文。\n\n" for n in range(1, 5))
    path.write_text(f"# 某某政策解读\n\n{body}---\n\n[上一篇：某某解读](#)　[下一篇：另一解读](#)\n\n【相关链接】[某市人民政府](#)\n", "utf-8")
    assert [p.text for p in load_document(path).paragraphs] == [f"第{n}段正文。" for n in range(1, 5)]


def test_an_article_copied_from_an_official_account_keeps_its_questions_and_leaves_its_chrome(tmp_path):
    path = tmp_path / "wechat.txt"
    path.write_text("点击蓝字关注我们\n\n━━━━━━━━\n\n▼▼▼\n\nQ1：哪些人可以参保？\n\nA1：在本市灵活就业的人员可以参保。\n\n"
                    "Q2：每月最少交多少钱？\n\nA2：每月最低缴纳892.4元。\n\n来源：滨江市人社局\n编辑：陈思雨\n\n"
                    "往期推荐\n\n▶ 2024年养老金调整方案出炉！\n\n👆点个在看，你最好看\n", "utf-8")
    doc = load_document(path)
    answers = {p.text: p.headings[-1] for p in doc.paragraphs}
    assert answers["A2：每月最低缴纳892.4元。"] == "Q2：每月最少交多少钱？"
    assert not any(t.startswith(("点击", "━", "▼", "往期", "▶", "👆")) for t in answers)
    assert doc.meta["issuer"] == "滨江市人社局"


def test_docx_styles_give_structure(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("人才服务案例", level=1)
    d.add_heading("一、打造平台", level=2)
    d.add_paragraph("试点示范省市打造一站式服务平台。")
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "15家"
    f = tmp_path / "人才.docx"
    d.save(f)
    paras = load_document(f).paragraphs
    assert paras[0].label == "人才服务案例 › 一、打造平台 › 第1段"
    assert paras[0].text == "试点示范省市打造一站式服务平台。"
    assert paras[1].text == "指标：15家" and paras[1].kind == "table_row"


def test_a_docx_annex_table_is_titled_by_the_line_over_it_and_bounded_figures_keep_their_unit(tmp_path):
    import docx

    d = docx.Document()
    for text in ("某区政府工作报告", "今年的主要预期目标详见附表。", "附表", "2024年主要预期目标"):
        d.add_paragraph(text)
    table = d.add_table(rows=2, cols=3)
    for cell, text in zip([*table.rows[0].cells, *table.rows[1].cells], ["指标", "单位", "2024年目标",
                                                                          "城镇新增就业", "万人", "2.3以上"]):
        cell.text = text
    f = tmp_path / "report.docx"
    d.save(f)
    row = next(p for p in load_document(f).paragraphs if p.kind == "table_row")
    assert row.headings[-2:] == ["附表", "2024年主要预期目标"] and row.text == "城镇新增就业：2024年目标2.3万人以上"


def test_a_standard_draft_without_heading_styles_is_structured_by_its_clause_numbers(tmp_path):
    import docx

    d = docx.Document()
    for text in ("设施蔬菜水肥一体化灌溉系统技术规范", "前言", "本文件由农业农村部提出。", "1 范围",
                 "本文件规定了系统的技术要求。", "3 术语和定义", "3.1", "水肥一体化 fertigation", "借助压力灌溉系统施肥的技术。",
                 "5 运行管理", "5.1 系统运行前应检查管网和过滤器。"):
        d.add_paragraph(text)
    f = tmp_path / "standard.docx"
    d.save(f)
    labels = {p.text: p.label for p in load_document(f).paragraphs}
    assert labels["本文件由农业农村部提出。"].endswith("› 前言 › 第1段")
    assert labels["本文件规定了系统的技术要求。"].endswith("› 1 范围 › 第1段")
    assert labels["借助压力灌溉系统施肥的技术。"].endswith("› 3 术语和定义 › 3.1 水肥一体化 fertigation › 第1段")
    assert labels["5.1 系统运行前应检查管网和过滤器。"].endswith("› 5 运行管理 › 5.1")


def test_a_web_page_saved_as_word_loses_its_controls_and_keeps_its_title(tmp_path):
    import docx

    d = docx.Document()
    for text in ("首页 > 政务公开 > 政策文件", "字体：[大 中 小]　【打印本页】　【关闭窗口】",
                 "关于印发某市养老服务补贴实施办法的通知", "某府办〔2025〕12号", "主办单位：某市民政局",
                 "现将《某市养老服务补贴实施办法》印发给你们，请认真贯彻执行。", "【打印本页】【关闭窗口】"):
        d.add_paragraph(text)
    f = tmp_path / "saved_page.docx"
    d.save(f)
    doc = load_document(f)
    assert doc.meta["title"] == "关于印发某市养老服务补贴实施办法的通知"
    assert [p.text for p in doc.paragraphs] == ["某府办〔2025〕12号", "主办单位：某市民政局",
                                                "现将《某市养老服务补贴实施办法》印发给你们，请认真贯彻执行。"]


def _minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with Helvetica text lines (no external tools needed)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({l}) Tj T*" for l in lines) + " ET"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R >> >> >>",
            f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{o}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_is_extracted(tmp_path):
    f = tmp_path / "memo.pdf"
    f.write_bytes(_minimal_pdf(["Trade facilitation memo.", "Second paragraph here."]))
    paras = load_document(f).paragraphs
    assert "Trade facilitation memo." in " ".join(p.text for p in paras)


def test_corrupt_pdf_is_a_clear_error(tmp_path):
    f = tmp_path / "broken.pdf"
    f.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(DocumentError, match="broken.pdf"):
        load_document(f)


def test_unsupported_and_missing_files(tmp_path):
    (tmp_path / "x.xls").write_text("a")
    with pytest.raises(DocumentError, match="unsupported"):
        load_document(tmp_path / "x.xls")
    with pytest.raises(DocumentError, match="no such file"):
        load_document(tmp_path / "nope.txt")


def test_empty_document_is_rejected(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(DocumentError, match="no text"):
        load_document(tmp_path / "empty.txt")


def test_corpus_files_lists_supported_only(tmp_path):
    for name in ("a.txt", "b.md", "c.xls", ".hidden.txt"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in corpus_files(tmp_path)] == ["a.txt", "b.md"]


# ---------------------------------------------------------------- malformed and hostile files

@pytest.mark.parametrize("name, raised_by", [("xml.docx", "XMLSyntaxError"), ("jbig2.pdf", "without a text layer"),
                                             ("random.pdf", "not a readable PDF"), ("utf16.txt", "UTF-16")])
def test_parser_failures_become_document_errors(tmp_path, name, raised_by):
    path = make_hostile(tmp_path, name)
    with pytest.raises(DocumentError, match=raised_by) as err:
        load_document(path)
    assert path.name in str(err.value) or raised_by == "UTF-16"


def test_pdf_decompression_bomb_stops_at_the_memory_cap(tmp_path):
    f = tmp_path / "bomb.pdf"
    f.write_bytes(flate_bomb_pdf(megabytes=400))
    assert f.stat().st_size < 1 << 20
    with pytest.raises(DocumentError, match="needs more than 200 MB to read"):
        load_document(f, limits=LimitsConfig(max_pdf_memory_mb=200))


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    import docx

    bomb = zip_bomb_docx(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 1 << 20
    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("a zip bomb reached the parser"))
    with pytest.raises(DocumentTooLarge, match="zip bomb"):
        load_document(bomb)
    with pytest.raises(DocumentTooLarge, match="unpack to"):
        load_document(bomb, limits=LimitsConfig(max_docx_ratio=1e9, max_docx_unpacked_mb=10))


def test_file_size_limit(tmp_path):
    f = tmp_path / "big.txt"
    f.write_bytes(b"a" * (2 << 20))
    assert check_file_size(f, LimitsConfig(max_upload_mb=3)) == 2 << 20
    with pytest.raises(DocumentTooLarge, match="2.0 MB; the limit for one document is 1 MB"):
        check_file_size(f, LimitsConfig(max_upload_mb=1))


def test_hidden_folders_are_not_corpus_files(tmp_path):
    (tmp_path / ".staging-1").mkdir()
    (tmp_path / ".staging-1" / "a.txt").write_text("x")
    (tmp_path / "b.txt").write_text("x")
    assert [p.name for p in corpus_files(tmp_path)] == ["b.txt"]


def test_a_pdf_page_without_text_layer_is_named_not_silently_empty(tmp_path):
    import pypdfium2 as pdfium

    text_pdf = pdfium.PdfDocument(str(REAL / "residence_permit_printout.pdf"))
    pdf = pdfium.PdfDocument.new()
    pdf.import_pages(text_pdf, [0])
    pdf.new_page(595, 842)  # a page with nothing on it: what a scan without OCR gives
    pdf.save(str(tmp_path / "mixed.pdf"))
    doc = load_document(tmp_path / "mixed.pdf")
    assert doc.pages == 2 and doc.scanned_pages == (2,) and doc.dropped["no_text_layer"] == 1
    assert doc.paragraphs and all(p.pages == (1,) for p in doc.paragraphs)


def _text_page_and_scan(tmp_path):
    """Page 1 of the residence permit printout (a text layer), then a scan of its 第十条 (none)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.import_pages(pdfium.PdfDocument(str(REAL / "residence_permit_printout.pdf")), [0])
    pdf.import_pages(pdfium.PdfDocument(str(scanned_pdf(tmp_path / "scan.pdf"))))
    pdf.save(str(tmp_path / "mixed.pdf"))
    return tmp_path / "mixed.pdf"


def test_a_scanned_page_is_read_by_ocr_with_its_page_number_and_boxes(tmp_path):
    doc = load_document(_text_page_and_scan(tmp_path))
    assert doc.pages == 2 and doc.ocr_pages == (2,) and doc.scanned_pages == () and "no_text_layer" not in doc.dropped
    scanned = [p for p in doc.paragraphs if 2 in p.pages]
    assert share_read(ARTICLE_10, "".join(p.text for p in scanned)) >= 0.9
    assert all(box.page == 2 for p in scanned for box in p.boxes)


def test_with_ocr_off_a_scanned_page_is_reported_not_read(tmp_path):
    doc = load_document(_text_page_and_scan(tmp_path), ocr=OcrConfig(enabled=False))
    assert doc.scanned_pages == (2,) and doc.ocr_pages == () and doc.scan_note == "OCR is off ([ocr] enabled = false)"
    assert all(p.pages == (1,) for p in doc.paragraphs)


def test_without_the_ocr_package_a_scan_is_reported_not_read_with_how_to_install_it(tmp_path, monkeypatch):
    without_ocr_package(tmp_path, monkeypatch)
    with pytest.raises(DocumentError, match=r"no text found in scan.pdf \(1 pages without a text layer, not read: OCR "
                                            r"unavailable: rapidocr_onnxruntime is not installed: "
                                            r"pip install rapidocr-onnxruntime==1.4.4\)"):
        load_document(scanned_pdf(tmp_path / "scan.pdf"))


def test_markdown_inline_marks_are_left_out():
    assert md_inline("> **（一）加强组织领导。**详见[系统](https://x.cn/)") == "（一）加强组织领导。详见系统"
