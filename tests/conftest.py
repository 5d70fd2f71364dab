"""Shared fixtures: a deterministic fake embedder, the bundled report, small built indexes."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from settings import apply_process_env  # noqa: E402

apply_process_env()

from index.builder import build_index  # noqa: E402
from index.documents import LEGACY_LEVELS, Heading, Paragraph  # noqa: E402
from index.embedders import normalize  # noqa: E402
from settings import DEFAULT_CORPUS, Config  # noqa: E402

REPORT = DEFAULT_CORPUS / "service_opening_best_practice_cases.txt"
REAL = Path(__file__).parent / "data" / "real"  # three real government files (see its README)
SHARED_REAL = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "real-docs"  # the six, when present


class FakeEmbedder:
    """Hashes character bigrams into a 64-d bag: similar texts get similar vectors, deterministically."""

    spec = "fake"
    name = "fake-bigram-64"
    dim = 64

    def __init__(self):
        self.calls = 0  # number of passages embedded, to check the cache

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(text) - 1):
            h = int(hashlib.md5(text[i:i + 2].encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        v[0] += 0.01
        return v

    def embed_passages(self, texts):
        self.calls += len(texts)
        return normalize(np.stack([self._vec(t) for t in texts]))

    def embed_query(self, text):
        return normalize(self._vec(text))[0]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    """A private copy of the bundled corpus that a test may change."""
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(REPORT, d / REPORT.name)
    return d


@pytest.fixture
def fake_index(tmp_path, corpus_dir, fake_embedder) -> Path:
    """The report indexed with the fake embedder."""
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir, Config(), embedder=fake_embedder, show_progress=False)
    return index_dir


@pytest.fixture(scope="session")
def e5_index(tmp_path_factory) -> Path:
    """The bundled report indexed with the real default embedder (built once per session)."""
    index_dir = tmp_path_factory.mktemp("e5") / "index"
    build_index(DEFAULT_CORPUS, index_dir, Config(), show_progress=False)
    return index_dir


REAL_DOCS = Path(__file__).parent / "data" / "real"
RESIDENCE_PDF = REAL_DOCS / "residence_permit_printout.pdf"
BULLETIN_PDF = REAL_DOCS / "zhoukou_bulletin_2023.pdf"
Q_ISSUER = "居住证由哪一级人民政府公安机关签发？"  # answered by 第十条 of RESIDENCE_PDF (page 1)


ARTICLE_10 = "第十条 居住证由县级人民政府公安机关签发，每年签注1次。"  # RESIDENCE_PDF page 1, its first line …
ARTICLE_10_BAND = (1330.0, 1420.0)  # … in the band of page 1 (top, bottom in points) that holds 第十条's three lines


def scanned_pdf(path: Path, band: tuple[float, float] = ARTICLE_10_BAND, pages: int = 1, stamp: str = "") -> Path:
    """A PDF without a text layer: ``pages`` pages, each one image of a band of RESIDENCE_PDF's page 1 rendered
    at 144 dpi (what a scanner makes of a printout), with ``stamp`` as a text-layer line in its corner."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    source = pdfium.PdfDocument(str(RESIDENCE_PDF))
    width, height = source[0].get_size()
    top, bottom = band
    bitmap = source[0].render(scale=2, crop=(0, height - bottom, 0, top))
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        page = pdf.new_page(width, bottom - top)
        image = pdfium.PdfImage.new(pdf)
        image.set_bitmap(bitmap)
        image.set_matrix(pdfium.PdfMatrix().scale(width, bottom - top))
        page.insert_obj(image)
        if stamp:
            text = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", 8.0)
            raw.FPDFText_SetText(text, ctypes.cast(ctypes.c_char_p((stamp + "\0").encode("utf-16-le")),
                                                   ctypes.POINTER(ctypes.c_ushort)))
            raw.FPDFPageObj_Transform(text, 1, 0, 0, 1, 10, 4)
            raw.FPDFPage_InsertObject(page.raw, text)
        page.gen_content()
    pdf.save(str(path))
    return path


def without_ocr_package(folder: Path, monkeypatch) -> None:
    """Child processes started from now on cannot import the OCR package, as where it is not installed (a folder
    first on PYTHONPATH whose rapidocr_onnxruntime fails to import)."""
    shadow = folder / "no-ocr" / "rapidocr_onnxruntime"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'rapidocr_onnxruntime'\", "
                                        "name='rapidocr_onnxruntime')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))


def share_read(expected: str, text: str) -> float:
    """The share of ``expected``'s characters that ``text`` holds in order (OCR may miss or mistake a few)."""
    import difflib

    matcher = difflib.SequenceMatcher(None, expected, text, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(expected)


@pytest.fixture(scope="session")
def pdf_index(tmp_path_factory) -> Path:
    """The two shipped real PDFs indexed with the fake embedder (built once per session)."""
    root = tmp_path_factory.mktemp("pdf")
    corpus = root / "corpus"
    corpus.mkdir()
    for pdf in (RESIDENCE_PDF, BULLETIN_PDF):
        shutil.copy(pdf, corpus / pdf.name)
    build_index(corpus, root / "index", Config(), embedder=FakeEmbedder(), show_progress=False)
    return root / "index"


@pytest.fixture(scope="session")
def e5_pdf_index(tmp_path_factory) -> Path:
    """RESIDENCE_PDF indexed with the real default embedder (built once per session); its corpus folder is
    the index folder's sibling ``corpus``."""
    root = tmp_path_factory.mktemp("e5pdf")
    (root / "corpus").mkdir()
    shutil.copy(RESIDENCE_PDF, root / "corpus" / RESIDENCE_PDF.name)
    build_index(root / "corpus", root / "index", Config(), show_progress=False)
    return root / "index"


@pytest.fixture(scope="session")
def ray_local():
    """A local Ray instance with 2 CPUs for the whole session (ray_cluster.connect); skipped if it cannot start."""
    try:
        from ray_cluster import connect

        ray = connect("local", num_cpus=2)
    except Exception as exc:  # noqa: BLE001 — not installed, no shared memory, …
        pytest.skip(f"Ray cannot start here: {exc}")
    yield ray
    ray.shutdown()


class FakeLLM:
    """Scripted LLM: replies in order (the last one repeats); a fixed P(是) when asked to check a sentence."""

    name = "fake-llm"

    def __init__(self, replies=("资料说明了答案[1]。",), p_yes=0.9):
        self.replies = list(replies)
        self.p_yes = p_yes
        self.prompts: list[str] = []
        self.grammars: list[str | None] = []

    def stream(self, prompt, max_tokens, grammar=None):
        self.prompts.append(prompt)
        self.grammars.append(grammar)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        for i in range(0, len(reply), 3):
            yield reply[i:i + 3]

    def stream_aside(self, prompt, max_tokens):
        return self.stream(prompt, max_tokens)

    def option_probabilities(self, prompt, options):
        self.prompts.append(prompt)
        if options[:2] == ["是", "否"]:
            return [self.p_yes, 1 - self.p_yes] + [0.0] * (len(options) - 2)
        return [1.0 / len(options)] * len(options)

    def choose(self, prompt, options):
        """A reader of the numbered evidence: P(0) = 1 − p_yes (no sentence answers), p_yes on the sentence that
        shares the most character bigrams with what is asked (the question, or the part the prompt names)."""
        self.prompts.append(prompt)
        asked = (re.findall(r"问题中的“(.+?)”", prompt) or re.findall(r"问题：(.+)", prompt))[-1]
        grams = lambda t: {t[i:i + 2] for i in range(len(t) - 1)}  # noqa: E731
        overlap = [len(grams(m) & grams(asked)) if m else -1
                   for m in (self._sentence(prompt, k) for k in range(1, len(options)))]
        best = 1 + max(range(len(overlap)), key=lambda i: overlap[i])
        return [1 - self.p_yes] + [self.p_yes if k == best else 0.0 for k in range(1, len(options))]

    @staticmethod
    def _sentence(prompt, k):
        found = re.findall(rf"^\[{k}\] (.+)$", prompt, re.M)
        return found[-1] if found else ""

    def count_tokens(self, text):
        return len(text)


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()


# a small document a user uploads, and a question only it answers (its place, an anchor of the gate, is nowhere
# in the report)
UPLOAD_DOC = "临江市推行企业开办“一网通办”，将企业开办时间压缩至0.8个工作日，开办费用全部由财政承担。\n"
Q_UPLOAD = "临江市把企业开办时间压缩到多少个工作日？"

# answerability calibrations for scripted tests: P(answerable) = sigmoid(bias) for every part
Q_COST = "天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省多少元？"


def _calibrations():
    from assistant.steps.gate import Calibration

    return Calibration.of(5.0), Calibration.of(-5.0)


ALWAYS, NEVER = _calibrations()


def evidence_number(retriever, question: str, needle: str) -> int:
    """The [k] under which the evidence sentence containing needle is shown to the model for this question."""
    from assistant.pipeline import Assistant

    answer = Assistant(retriever, FakeLLM(["占位[1]。"]), calibration=ALWAYS).run(question)
    return next(i for i, c in enumerate(answer.evidence, start=1) if needle in c.text)


# ---------------------------------------------------------------- malformed and hostile files

def broken_xml_docx(path):
    """A real .docx whose word/document.xml is cut in the middle (lxml XMLSyntaxError in python-docx)."""
    import zipfile

    import docx

    d = docx.Document()
    d.add_paragraph("正常的段落。")
    good = path.with_name("good-" + path.name)
    d.save(good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    good.unlink()
    return path


def zip_bomb_docx(path, unpacked_mb=40):
    """A valid .docx plus a part of zeros that unpacks ~1000× (a small zip bomb)."""
    import zipfile

    import docx

    d = docx.Document()
    d.add_paragraph("炸弹文档。")
    d.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("word/media/padding.bin", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(unpacked_mb):
                f.write(block)
    return path


def pdf_bytes(objs: list[bytes]) -> bytes:
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def page_pdf(stream_dict: bytes, data: bytes) -> bytes:
    """A one-page PDF whose content stream has the given filter entries and (encoded) data."""
    return pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                      b"/Resources << /Font << /F1 5 0 R >> >> >>",
                      b"<< /Length %d %s >>\nstream\n" % (len(data), stream_dict) + data + b"\nendstream",
                      b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def flate_bomb_pdf(megabytes: int = 80) -> bytes:
    """A content stream of well under 1 MB that inflates to ``megabytes`` MB of zeros."""
    import zlib

    z = zlib.compressobj(9)
    block = bytes(1 << 20)
    data = b"".join(z.compress(block) for _ in range(megabytes)) + z.flush()
    return page_pdf(b"/Filter /FlateDecode", data)


HOSTILE = {
    "xml.docx": lambda p: broken_xml_docx(p),
    "jbig2.pdf": lambda p: p.write_bytes(page_pdf(b"/Filter /JBIG2Decode", b"\x00" * 20)),  # DependencyError
    "random.pdf": lambda p: p.write_bytes(bytes(range(256)) * 40),
    "utf16.txt": lambda p: p.write_bytes(b"\xff\xfe" + "文本".encode("utf-16-le") + b"\x00"),  # odd length
}


def make_hostile(folder, name):
    path = folder / name
    HOSTILE[name](path)
    return path


def make_paragraph(id: str, doc_id: str, text: str, title: str = "", number: int = 1, **levels: str) -> Paragraph:
    """A paragraph under the report's heading levels (category, case, section, subsection, item, box)."""
    path = tuple(Heading(lv, levels[lv]) for lv in LEGACY_LEVELS if levels.get(lv))
    return Paragraph(id, doc_id, text, title=title, path=path, number=number)
