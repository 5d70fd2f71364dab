"""Page images of indexed PDFs: rendered once with PDFium in a capped child process, cached under the index folder.

A page image's path is made from the document's ID, its content hash as the index manifest records it, and
the page number — never from anything a request sends: ``<index>/pages/<doc_id>/<sha256[:16]>-p<page>.png``.
A page is rendered only from the file the manifest records, and only while that file still has the recorded
hash, so a cached image always shows the indexed text. Rendering runs like reading (index.pdf_reader): in a
child whose address space is capped (``[limits] max_pdf_memory_mb``), with a time limit (``pdf_timeout_s``).
The image carries its page's size in PDF points (PNG text ``page-size``), the unit of the paragraphs' boxes.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from errors import RagError
from index.capped import cap_memory, child_error, run_capped
from index.store import sha256_file
from settings import LimitsConfig

PAGES_DIR = "pages"
SCALE = 2.0  # pixels per PDF point: sharp on a laptop's high-density screen
MAX_PIXELS = 16_000_000  # a larger page (a long web printout) is rendered at a lower scale
SAFE_ID_RE = re.compile(r"[\w\u4e00-\u9fff][\w\u4e00-\u9fff-]*")  # what index.documents.doc_id_for makes


class PageUnavailable(RagError):
    """A page that cannot be shown: not a PDF, a changed or missing file, no such page, or PDFium failed."""


@dataclass(frozen=True)
class PageImage:
    """A rendered page: the image file and the page's size in PDF points."""

    path: Path
    width: float
    height: float


def pages_root(index_dir: str | Path) -> Path:
    """The folder of all cached page images of an index (the only folder of it the app serves)."""
    return Path(index_dir) / PAGES_DIR


def page_image_path(index_dir: str | Path, doc_id: str, sha256: str, page: int) -> Path:
    """Where the image of one page of one version of a document is cached; ValueError for an ID, hash or page
    that could name anything else."""
    if not SAFE_ID_RE.fullmatch(doc_id) or not re.fullmatch(r"[0-9a-f]{16,64}", sha256):
        raise ValueError(f"not a document ID and hash: {doc_id!r} {sha256!r}")
    if not isinstance(page, int) or page < 1:
        raise ValueError(f"not a page number: {page!r}")
    return pages_root(index_dir) / doc_id / f"{sha256[:16]}-p{page:04d}.png"


def page_image(index_dir: str | Path, documents: dict, doc_id: str, page: int,
               limits: LimitsConfig | None = None) -> PageImage:
    """The image of a page of an indexed PDF (``documents``: the manifest's), rendered on first use.

    Rendering a new version of a document removes the images of its older versions, and those of documents
    no longer in ``documents``.
    """
    info = documents.get(doc_id)
    if info is None:
        raise PageUnavailable(f"文档 {doc_id} 不在当前索引中")
    target = page_image_path(index_dir, doc_id, info["sha256"], page)
    if not target.is_file():
        source = Path(info["path"])
        if source.suffix.lower() != ".pdf":
            raise PageUnavailable(f"{source.name} 不是 PDF，没有页面图像")
        if not source.is_file() or sha256_file(source) != info["sha256"]:
            raise PageUnavailable(f"{source.name} 在建立索引后已更改或被删除：请先更新索引（python -m index build）")
        _render(source, page, target, limits or LimitsConfig())
        _forget_other_versions(target.parent, info["sha256"][:16], set(documents))
    return _read(target)


def _render(source: Path, page: int, target: Path, limits: LimitsConfig) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        done = run_capped("webapp.page_images", [str(source), str(page), str(tmp)], limits)
        if done.returncode != 0:
            raise PageUnavailable(f"无法显示 {source.name} 第{page}页：{child_error(done)}")
        os.replace(tmp, target)
    except subprocess.TimeoutExpired as exc:
        raise PageUnavailable(f"无法显示 {source.name} 第{page}页：渲染超过 {limits.pdf_timeout_s:g} 秒") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _forget_other_versions(folder: Path, version: str, doc_ids: set[str]) -> None:
    for old in folder.glob("*.png"):
        if not old.name.startswith(f"{version}-"):
            old.unlink(missing_ok=True)
    for other in folder.parent.iterdir():
        if other.is_dir() and other.name not in doc_ids:
            shutil.rmtree(other, ignore_errors=True)


def _read(path: Path) -> PageImage:
    from PIL import Image

    with Image.open(path) as im:  # reads the header and text chunks only
        width, height = (float(v) for v in im.text["page-size"].split())
    return PageImage(path, width, height)


def render_scale(width: float, height: float) -> float:
    """SCALE, or less for a page that would make more than MAX_PIXELS pixels."""
    return min(SCALE, (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)


def main(argv: list[str]) -> int:
    """Child entry: cap the address space, render one page (1-based) of a PDF to a PNG file."""
    source, page, out = argv[0], int(argv[1]), argv[2]
    cap_memory(float(argv[3]))
    import pypdfium2 as pdfium
    from PIL.PngImagePlugin import PngInfo

    pdf = pdfium.PdfDocument(source)
    try:
        if not 1 <= page <= len(pdf):
            print(f"没有第{page}页（共{len(pdf)}页）", file=sys.stderr)
            return 2
        pdf_page = pdf[page - 1]
        width, height = pdf_page.get_size()
        image = pdf_page.render(scale=render_scale(width, height)).to_pil()
        meta = PngInfo()
        meta.add_text("page-size", f"{width:.2f} {height:.2f}")
        image.save(out, format="PNG", pnginfo=meta)
    finally:
        pdf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
