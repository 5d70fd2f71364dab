"""Read documents (.txt, .md, .pdf, .docx) into structured paragraphs."""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import textutil
from errors import RagError
from index.blocks import Block, heading_level, join_lines, plain_blocks, text_blocks
from index.documents import Paragraph, assign_structure, doc_id_for
from settings import LimitsConfig

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
# bumped whenever parsing changes what a file yields: an index made by another version is read again
# (2: a plain-text file's first short line is its title)
PARSER_VERSION = 2
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MD_LEVELS = {1: "case", 2: "section", 3: "subsection"}


class DocumentError(RagError, ValueError):
    """A document that cannot be read: unsupported, corrupt, empty, undecodable or over a limit."""


class DocumentTooLarge(DocumentError):
    """A file, a .docx's packed contents or an upload's chunk count over the configured limit."""


MIB = 1 << 20
# .docx parts smaller than this are never called bombs, whatever their compression ratio
_SMALL_PART = 1 * MIB


@dataclass(frozen=True)
class Document:
    """A loaded document: its ID, source path, content hash and paragraphs."""

    doc_id: str
    path: Path
    sha256: str
    paragraphs: list[Paragraph]


def decode_text(data: bytes) -> str:
    """Decode a text document (see textutil.decode_text); DocumentError when it is not text."""
    try:
        return textutil.decode_text(data)
    except UnicodeError as exc:
        raise DocumentError(str(exc)) from exc


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


def _parser_failed(kind: str, path: Path, exc: Exception) -> DocumentError:
    return DocumentError(f"cannot read {kind} {path.name}: {type(exc).__name__}: {exc}")


def pdf_text(path: Path) -> str:
    """Text of a PDF, one line per visual line; each page's first line is marked with a leading space."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except MemoryError:
        raise
    except Exception as exc:  # pypdf on an untrusted file: PdfReadError, LimitReachedError (bombs),
        # DependencyError (JBIG2/Brotli streams), and plain KeyError/TypeError/… on malformed objects
        raise _parser_failed("PDF", path, exc) from exc
    out = []
    for page in pages:
        lines = [l for l in page.splitlines() if l.strip()]
        if lines:
            lines[0] = " " + lines[0]
        out.extend(lines)
    return "\n".join(out)


def check_docx_package(path: Path, limits: LimitsConfig | None = None) -> None:
    """Refuse a .docx whose zip would unpack to too much (a zip bomb) before any part is parsed.

    Uses the sizes in the zip directory; Python's zipfile never inflates a member beyond its
    declared size, so they bound what the parser can be made to read.
    """
    limits = limits or LimitsConfig()
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(f"cannot read DOCX {path.name}: not a valid .docx (zip) file: {exc}") from exc
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.max_docx_unpacked_mb * MIB:
        raise DocumentTooLarge(f"DOCX {path.name} would unpack to {unpacked / MIB:.0f} MB; the limit is "
                               f"{limits.max_docx_unpacked_mb:g} MB ([limits] max_docx_unpacked_mb)")
    for i in infos:
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > _SMALL_PART and ratio > limits.max_docx_ratio:
            raise DocumentTooLarge(f"DOCX {path.name} looks like a zip bomb: part {i.filename} unpacks "
                                   f"{ratio:.0f}× ({i.file_size / MIB:.0f} MB); the limit is "
                                   f"{limits.max_docx_ratio:g}× ([limits] max_docx_ratio)")


def _docx_items(path: Path) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """(text, style name) of every paragraph and the cell texts of every table row."""
    import docx

    try:
        document = docx.Document(str(path))
        paragraphs = [(para.text, (para.style.name if para.style is not None else "") or "")
                      for para in document.paragraphs]
        rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    except MemoryError:
        raise
    except Exception as exc:  # python-docx/lxml on an untrusted file: BadZipFile, KeyError (missing part),
        # lxml XMLSyntaxError (broken XML), PackageNotFoundError, ValueError, …
        raise _parser_failed("DOCX", path, exc) from exc
    return paragraphs, rows


def docx_blocks(path: Path, limits: LimitsConfig | None = None) -> list[Block]:
    """Blocks of a .docx: Heading/Title styles give levels, tables become one paragraph per row."""
    check_docx_package(path, limits)
    paragraphs, rows = _docx_items(path)
    blocks: list[Block] = []
    for text, style in paragraphs:
        text = text.strip()
        if not text:
            continue
        m = re.match(r"Heading\s*(\d)", style)
        if style == "Title":
            blocks.append(Block(text, "title"))
        elif m:
            blocks.append(Block(text, MD_LEVELS.get(int(m.group(1)), "item")))
        else:
            blocks.append(Block(text, heading_level(text)))
    for row in rows:
        cells = [c.strip() for c in row if c.strip()]
        if cells:
            blocks.append(Block(join_lines([" | ".join(dict.fromkeys(cells))])))
    return blocks


def check_file_size(path: str | Path, limits: LimitsConfig | None = None) -> int:
    """Size of a file to be added; DocumentTooLarge above ``[limits] max_upload_mb``."""
    limits = limits or LimitsConfig()
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"no such file: {path}") from exc
    if size > limits.max_upload_mb * MIB:
        raise DocumentTooLarge(f"{path.name} is {size / MIB:.1f} MB; the limit for one document is "
                               f"{limits.max_upload_mb:g} MB ([limits] max_upload_mb in rag.toml)")
    return size


def load_document(path: str | Path, doc_id: str | None = None, limits: LimitsConfig | None = None) -> Document:
    """Load one document file into structured paragraphs; raise DocumentError if unusable.

    Every parser failure becomes a DocumentError naming the file; a .docx is checked for a
    zip bomb before it is parsed (``limits``, default: the settings' defaults).
    """
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported file type {suffix or '(none)'} for {path.name}; "
                            f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read {path.name}: {exc}") from exc
    if suffix == ".txt":
        blocks = text_blocks(decode_text(data))
    elif suffix == ".md":
        blocks = markdown_blocks(decode_text(data))
    elif suffix == ".pdf":
        blocks = text_blocks(pdf_text(path))
    else:
        blocks = docx_blocks(path, limits)
    doc_id = doc_id or doc_id_for(path.name)
    paragraphs = assign_structure(blocks, doc_id, default_title=path.stem)
    if not paragraphs:
        raise DocumentError(f"no text found in {path.name}")
    return Document(doc_id, path, hashlib.sha256(data).hexdigest(), paragraphs)


def corpus_files(folder: str | Path) -> list[Path]:
    """Supported document files in a folder (recursive, sorted); hidden files and folders are not documents."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DocumentError(f"corpus folder not found: {folder}")
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))
