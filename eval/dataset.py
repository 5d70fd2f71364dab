"""Load and validate a gold question set (JSONL, one question per line).

Each line: ``{"id", "question", "answer", "evidence": [verbatim quotes], "keywords": [...],
"type": "fact"|"number"|"multi"|"unanswerable", "case": label}`` and optionally ``"paragraph_ids"``.
A text *contains* a quote when the quote occurs in it once all whitespace is removed from both.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant.support import squash

TYPES = ("fact", "number", "multi", "unanswerable")
UNANSWERABLE = "unanswerable"
_STR_FIELDS = ("id", "question", "answer", "type", "case")
_LIST_FIELDS = ("evidence", "keywords")


class DatasetError(ValueError):
    """The question set cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class EvalItem:
    """One gold question."""

    id: str
    question: str
    answer: str
    evidence: tuple[str, ...]
    keywords: tuple[str, ...]
    type: str
    case: str
    paragraph_ids: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        """False for questions the documents cannot answer."""
        return self.type != UNANSWERABLE


def contains(text: str, quote: str) -> bool:
    """True when the quote occurs in the text, whitespace ignored in both."""
    return squash(quote) in squash(text)


def _check_fields(obj: dict) -> list[str]:
    problems = []
    for name in (*_STR_FIELDS, *_LIST_FIELDS):
        if name not in obj:
            problems.append(f"missing field {name!r}")
    for name in _STR_FIELDS:
        if name in obj and not isinstance(obj[name], str):
            problems.append(f"field {name!r} must be a string")
    for name in ("id", "question"):
        if isinstance(obj.get(name), str) and not obj[name].strip():
            problems.append(f"field {name!r} is empty")
    for name in _LIST_FIELDS:
        value = obj.get(name)
        if name in obj and not (isinstance(value, list) and all(isinstance(v, str) and squash(v) for v in value)):
            problems.append(f"field {name!r} must be a list of non-empty strings")
    if "paragraph_ids" in obj and not (isinstance(obj["paragraph_ids"], list)
                                       and all(isinstance(v, str) for v in obj["paragraph_ids"])):
        problems.append("field 'paragraph_ids' must be a list of strings")
    if problems:
        return problems
    if obj["type"] not in TYPES:
        problems.append(f"unknown type {obj['type']!r} (use one of {', '.join(TYPES)})")
    elif obj["type"] == UNANSWERABLE and (obj["evidence"] or obj["keywords"]):
        problems.append("unanswerable item must have empty evidence and keywords")
    elif obj["type"] != UNANSWERABLE and not obj["evidence"]:
        problems.append("answerable item has no evidence")
    return problems


def json_objects(lines: Iterable[str], errors: list[str]) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each JSON-object line; malformed lines are added to errors."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            errors.append(f"line {n}: malformed JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"line {n}: not a JSON object")
            continue
        yield n, obj


def parse_items(lines: Iterable[str], source: str = "<set>") -> list[EvalItem]:
    """Items from JSONL lines (blank lines skipped); raises DatasetError listing every bad line."""
    items: list[EvalItem] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for n, obj in json_objects(lines, errors):
        problems = _check_fields(obj)
        if problems:
            errors.append(f"line {n} (id {obj.get('id')!r}): " + "; ".join(problems))
            continue
        if obj["id"] in seen:
            errors.append(f"line {n}: duplicate id {obj['id']!r} (first on line {seen[obj['id']]})")
            continue
        seen[obj["id"]] = n
        items.append(EvalItem(obj["id"], obj["question"].strip(), obj["answer"], tuple(obj["evidence"]),
                              tuple(obj["keywords"]), obj["type"], obj["case"],
                              tuple(obj.get("paragraph_ids", ()))))
    if errors:
        raise DatasetError(f"{source}: {len(errors)} problem(s):\n  " + "\n  ".join(errors))
    if not items:
        raise DatasetError(f"{source}: no questions")
    return items


def read_lines(path: str | Path, what: str) -> list[str]:
    """Lines of a UTF-8 text file; DatasetError naming `what` if it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{what} not found: {path}")
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc


def load_dataset(path: str | Path) -> list[EvalItem]:
    """Read and validate a question set file (UTF-8 JSONL); raises DatasetError."""
    return parse_items(read_lines(path, "question set"), str(path))


def check_against_corpus(items: Iterable[EvalItem], paragraphs: Mapping[str, str], source: str = "<set>") -> None:
    """Require every quote to occur inside one paragraph text (and given paragraph_ids to exist).

    ``paragraphs`` maps paragraph ID -> text. Raises one DatasetError naming all offending ids.
    """
    texts = [squash(t) for t in paragraphs.values()]
    missing: dict[str, list[str]] = {}
    unknown: dict[str, list[str]] = {}
    for item in items:
        for quote in item.evidence:
            if not any(squash(quote) in t for t in texts):
                missing.setdefault(item.id, []).append(quote)
        bad_ids = [p for p in item.paragraph_ids if p not in paragraphs]
        if bad_ids:
            unknown[item.id] = bad_ids
    lines = [f"{qid}: quote not in any paragraph: {q!r}" for qid, quotes in missing.items() for q in quotes]
    lines += [f"{qid}: unknown paragraph id(s) {', '.join(ids)}" for qid, ids in unknown.items()]
    if lines:
        ids = list(dict.fromkeys([*missing, *unknown]))
        raise DatasetError(f"{source}: evidence does not match the index paragraphs for id(s) "
                           f"{', '.join(ids)}:\n  " + "\n  ".join(lines))
