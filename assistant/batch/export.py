"""Answers handed on: answer records as a CSV table, or as a memo in Markdown or .docx, each written atomically.

Input: answer records (``Answer.to_record``, the batch JSONL lines). The CSV has one row per answer with its
cited paragraphs' labels. In a memo each answer keeps its [n] markers as note references; each citation becomes
one numbered note that names the document title and the paragraph's label (which ends with its page for a PDF)
and quotes the paragraph verbatim. Markdown uses footnotes (``[^n]``; ``[^t-n]`` for answer t of several); the
.docx has, after each answer, an 引用 section with one numbered note per citation — endnote style, not Word
footnotes (python-docx cannot write those) — the quote a paragraph of its own in Word's Quote style.
The chat's downloads, the batch tab's and ``python -m assistant batch --format`` all come from here.
"""
from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.steps.citations import MARKER_RE
from index.documents import LABEL_SEP

FORMATS = ("csv", "md", "docx")
NOTES_HEADING = "引用"
BATCH_TITLE = "批量回答"


def note_source(citation: dict) -> str:
    """'《title》 label' of a citation (the label without the title when it starts with it)."""
    title, label = citation.get("title", ""), citation["label"]
    if not title:
        return label
    return f"《{title}》 {label.removeprefix(title + LABEL_SEP)}"


def _note_ids(records: Sequence[dict]) -> list[dict[int, str]]:
    """Per record, the note id of each of its citations: 'n', or 't-n' when there are several records."""
    return [{c["n"]: (f"{t}-{c['n']}" if len(records) > 1 else str(c["n"])) for c in r.get("citations", [])}
            for t, r in enumerate(records, start=1)]


def _heading(record: dict, several: bool) -> str:
    qid = str(record.get("id", ""))
    prefix = f"{qid} · " if several and qid and not qid.isdigit() else ""
    return f"{prefix}问：{record['question']}"


def export_markdown(records: Sequence[dict], title: str) -> str:
    """The answers as Markdown: a section per question, the answer with footnote references, its notes."""
    out = [f"# {title}", ""]
    for record, ids in zip(records, _note_ids(records)):
        out += [f"## {_heading(record, len(records) > 1)}", ""]
        answer = MARKER_RE.sub(lambda m: f"[^{ids[int(m.group(1))]}]" if int(m.group(1)) in ids else m.group(0),
                               record["answer"])
        out += ["  \n".join(answer.splitlines()), ""]
        for c in record.get("citations", []):
            quote = "\n    ".join(c["text"].splitlines())
            out.append(f"[^{ids[c['n']]}]: {note_source(c)}：「{quote}」")
        if record.get("citations"):
            out.append("")
    return "\n".join(out)


def _write_markdown(records: Sequence[dict], title: str, path: Path) -> None:
    path.write_text(export_markdown(records, title), encoding="utf-8")


def _write_docx(records: Sequence[dict], title: str, path: Path) -> None:
    """The answers as a Word document (see the module's note style)."""
    from docx import Document

    doc = Document()
    doc.add_heading(title, level=1)
    for record, ids in zip(records, _note_ids(records)):
        doc.add_heading(_heading(record, len(records) > 1), level=2)
        for line in record["answer"].splitlines():
            para, at = doc.add_paragraph(), 0
            for m in MARKER_RE.finditer(line):
                if int(m.group(1)) not in ids:
                    continue
                para.add_run(line[at:m.start()])
                para.add_run(f"[{ids[int(m.group(1))]}]").font.superscript = True
                at = m.end()
            para.add_run(line[at:])
        if record.get("citations"):
            doc.add_heading(NOTES_HEADING, level=3)
        for c in record.get("citations", []):
            head = doc.add_paragraph()
            head.add_run(f"[{ids[c['n']]}] ").bold = True
            head.add_run(note_source(c))
            doc.add_paragraph(c["text"], style="Quote")
    doc.save(str(path))


def _write_csv(records: Sequence[dict], title: str, path: Path) -> None:
    """A table of the answers with their cited paragraph labels and the model sentences the checks removed (the
    title is not part of a table)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "answer", "refused", "citations", "rejected_sentences"])
        for r in records:
            cites = "; ".join(f"[{c['n']}] {c['label']}" for c in r["citations"])
            w.writerow([r["id"], r["question"], r["answer"], r["refused"], cites,
                        " | ".join(x["sentence"] for x in r.get("rejected", []))])


WRITERS: dict[str, Callable[[Sequence[dict], str, Path], None]] = {
    "csv": _write_csv, "md": _write_markdown, "docx": _write_docx}


def write_answers(records: Sequence[dict], path: str | Path, fmt: str, title: str = BATCH_TITLE) -> Path:
    """The answers in one of FORMATS at ``path``, replaced atomically (a temporary file renamed over it)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        WRITERS[fmt](records, title, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_exports(records: Sequence[dict], title: str, folder: str | Path, stem: str) -> tuple[Path, Path]:
    """``<stem>.md`` and ``<stem>.docx`` of the answers in ``folder``."""
    folder = Path(folder)
    return tuple(write_answers(records, folder / f"{stem}.{fmt}", fmt, title) for fmt in ("md", "docx"))
