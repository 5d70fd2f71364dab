"""Read documents (.txt, .md, .pdf, .docx) into structured paragraphs."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from index.blocks import Block, heading_level, join_lines, plain_blocks, text_blocks
from index.documents import Paragraph, assign_structure, doc_id_for

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MD_LEVELS = {1: "case", 2: "section", 3: "subsection"}


class DocumentError(ValueError):
    """A document that cannot be read: unsupported, corrupt, empty or undecodable."""


@dataclass(frozen=True)
class Document:
    """A loaded document: its ID, source path, content hash and paragraphs."""

    doc_id: str
    path: Path
    sha256: str
    paragraphs: list[Paragraph]


def decode_text(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 (BOM) or GB18030/GBK."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("cannot decode text: not UTF-8, UTF-16 or GB18030/GBK")


def markdown_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown document: '#' headings give the levels."""
    blocks: list[Block] = []
    buf: list[str] = []

    def flush():
        if buf:
            blocks.extend(plain_blocks("\n".join(buf)))
            buf.clear()

    for line in text.splitlines():
        m = MD_HEADING_RE.match(line)
        if m:
            flush()
            blocks.append(Block(m.group(2), MD_LEVELS.get(len(m.group(1)), "item")))
        else:
            buf.append(line)
    flush()
    return blocks


def pdf_text(path: Path) -> str:
    """Text of a PDF, one line per visual line; each page's first line is marked with a leading space."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise DocumentError(f"cannot read PDF {path.name}: {exc}") from exc
    out = []
    for page in pages:
        lines = [l for l in page.splitlines() if l.strip()]
        if lines:
            lines[0] = " " + lines[0]
        out.extend(lines)
    return "\n".join(out)


def docx_blocks(path: Path) -> list[Block]:
    """Blocks of a .docx: Heading/Title styles give levels, tables become one paragraph per row."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as exc:
        raise DocumentError(f"cannot read DOCX {path.name}: {exc}") from exc
    blocks: list[Block] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        m = re.match(r"Heading\s*(\d)", style)
        if style == "Title":
            blocks.append(Block(text, "title"))
        elif m:
            blocks.append(Block(text, MD_LEVELS.get(int(m.group(1)), "item")))
        else:
            blocks.append(Block(text, heading_level(text)))
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                blocks.append(Block(join_lines([" | ".join(dict.fromkeys(cells))])))
    return blocks


def load_document(path: str | Path, doc_id: str | None = None) -> Document:
    """Load one document file into structured paragraphs; raise DocumentError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported file type {suffix or '(none)'} for {path.name}; "
                            f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
    data = path.read_bytes()
    if suffix == ".txt":
        blocks = text_blocks(decode_text(data))
    elif suffix == ".md":
        blocks = markdown_blocks(decode_text(data))
    elif suffix == ".pdf":
        blocks = text_blocks(pdf_text(path))
    else:
        blocks = docx_blocks(path)
    doc_id = doc_id or doc_id_for(path.name)
    paragraphs = assign_structure(blocks, doc_id, default_title=path.stem)
    if not paragraphs:
        raise DocumentError(f"no text found in {path.name}")
    return Document(doc_id, path, hashlib.sha256(data).hexdigest(), paragraphs)


def corpus_files(folder: str | Path) -> list[Path]:
    """Supported document files in a folder (recursive, sorted)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DocumentError(f"corpus folder not found: {folder}")
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."))
