"""Load and validate a gold question set (JSONL, one question per line).

Each line: ``{"id", "question", "answer", "evidence": [verbatim quotes], "keywords": [...],
"type": "fact"|"number"|"multi"|"overview"|"unanswerable"}`` and optionally ``"case"`` (label, default ""),
``"paragraph_ids"``, ``"parts"`` (``[{"ask", "keywords", "answerable"}]``, what each part of the question asks
and the strings a correct answer to it must contain), on unanswerable items ``"trap"`` (why the question
looks answerable: one of :data:`TRAPS`), and for sets over a library ``"doc"`` (the file), ``"pages"`` (the
evidence's 1-based PDF pages), ``"tags"`` (kinds to report by) and ``"premise"`` (a false premise's wrong
claim). See ``eval/README_sets.md``.
A text *contains* a quote when the quote occurs in it once all whitespace is removed from both; a paragraph's
or chunk's heading path counts as part of its text (:attr:`index.documents.Paragraph.haystack`, :func:`labelled`).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from textutil import squash

TYPES = ("fact", "number", "multi", "overview", "unanswerable")
UNANSWERABLE = "unanswerable"
OVERVIEW = "overview"
TRAPS = ("missing_fact", "near_miss", "wrong_case", "out_of_scope")
_STR_FIELDS = ("id", "question", "answer", "type")
_OPTIONAL_STR_FIELDS = ("case", "trap", "doc", "premise")
_LIST_FIELDS = ("evidence", "keywords")


class DatasetError(ValueError):
    """The question set cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Part:
    """One thing a question asks: a short description and the strings a correct answer to it must contain.

    An unanswerable part (the documents do not give it) has no keywords.
    """

    ask: str
    keywords: tuple[str, ...] = ()
    answerable: bool = True


@dataclass(frozen=True)
class EvalItem:
    """One gold question."""

    id: str
    question: str
    answer: str
    evidence: tuple[str, ...]
    keywords: tuple[str, ...]
    type: str
    case: str = ""
    paragraph_ids: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()
    trap: str = ""
    doc: str = ""  # the file the question is about (sets over a library)
    pages: tuple[int, ...] = ()  # 1-based PDF pages the evidence stands on
    tags: tuple[str, ...] = ()  # kinds for reporting: article, table, page_break, paraphrase, false_premise, …
    premise: str = ""  # a false-premise question: the wrong claim it makes

    @property
    def answerable(self) -> bool:
        """False for questions the documents cannot answer."""
        return self.type != UNANSWERABLE

    def answer_parts(self) -> tuple[Part, ...]:
        """The given parts; else one part made of the top-level keywords (none for an unanswerable item)."""
        if self.parts:
            return self.parts
        if not self.answerable:
            return ()
        return (Part(self.question, self.keywords, True),)


def contains(text: str, quote: str) -> bool:
    """True when the quote occurs in the text, whitespace ignored in both."""
    return squash(quote) in squash(text)


def labelled(text: str, label: str = "") -> str:
    """A chunk's or cited paragraph's text preceded by its heading label: what it "contains" for the metrics."""
    return f"{label}\n{text}" if label else text


def _check_parts(obj: dict) -> list[str]:
    """Problems with the optional ``parts`` field (only called when the rest of the line is well-formed)."""
    parts = obj["parts"]
    if not (isinstance(parts, list) and parts):
        return ["field 'parts' must be a non-empty list of objects"]
    problems = []
    for i, part in enumerate(parts, start=1):
        if not isinstance(part, dict):
            problems.append(f"part {i} is not an object")
            continue
        unknown = sorted(set(part) - {"ask", "keywords", "answerable"})
        if unknown:
            problems.append(f"part {i} has unknown field(s) {', '.join(unknown)}")
        if not (isinstance(part.get("ask"), str) and part["ask"].strip()):
            problems.append(f"part {i}: 'ask' must be a non-empty string")
        kws = part.get("keywords")
        if not (isinstance(kws, list) and all(isinstance(k, str) and squash(k) for k in kws)):
            problems.append(f"part {i}: 'keywords' must be a list of non-empty strings")
            continue
        answerable = part.get("answerable", True)
        if not isinstance(answerable, bool):
            problems.append(f"part {i}: 'answerable' must be true or false")
        elif answerable and not kws:
            problems.append(f"part {i}: an answerable part needs at least one keyword")
        elif not answerable and kws:
            problems.append(f"part {i}: an unanswerable part must have empty keywords")
    if problems:
        return problems
    answerable_parts = [p for p in parts if p.get("answerable", True)]
    if obj["type"] == UNANSWERABLE:
        if answerable_parts:
            problems.append("unanswerable item cannot have answerable parts")
    elif not answerable_parts:
        problems.append("answerable item needs at least one answerable part")
    else:
        joined = [k for p in answerable_parts for k in p["keywords"]]
        if joined != obj["keywords"]:
            problems.append(f"'keywords' {obj['keywords']} must equal the answerable parts' keywords in order {joined}")
    return problems


def _check_fields(obj: dict) -> list[str]:
    problems = []
    for name in (*_STR_FIELDS, *_LIST_FIELDS):
        if name not in obj:
            problems.append(f"missing field {name!r}")
    for name in (*_STR_FIELDS, *_OPTIONAL_STR_FIELDS):
        if name in obj and not isinstance(obj[name], str):
            problems.append(f"field {name!r} must be a string")
    # An empty question is allowed (outside sets have a few; it is scored as a miss), an empty id is not.
    if isinstance(obj.get("id"), str) and not obj["id"].strip():
        problems.append("field 'id' is empty")
    for name in _LIST_FIELDS:
        value = obj.get(name)
        if name in obj and not (isinstance(value, list) and all(isinstance(v, str) and squash(v) for v in value)):
            problems.append(f"field {name!r} must be a list of non-empty strings")
    if "paragraph_ids" in obj and not (isinstance(obj["paragraph_ids"], list)
                                       and all(isinstance(v, str) for v in obj["paragraph_ids"])):
        problems.append("field 'paragraph_ids' must be a list of strings")
    if "tags" in obj and not (isinstance(obj["tags"], list) and all(isinstance(v, str) for v in obj["tags"])):
        problems.append("field 'tags' must be a list of strings")
    if "pages" in obj and not (isinstance(obj["pages"], list)
                               and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in obj["pages"])):
        problems.append("field 'pages' must be a list of page numbers (1, 2, …)")
    if problems:
        return problems
    if obj["type"] not in TYPES:
        problems.append(f"unknown type {obj['type']!r} (use one of {', '.join(TYPES)})")
    elif obj["type"] == UNANSWERABLE and (obj["evidence"] or obj["keywords"]):
        problems.append("unanswerable item must have empty evidence and keywords")
    elif obj["type"] != UNANSWERABLE and not obj["evidence"]:
        problems.append("answerable item has no evidence")
    if "trap" in obj:
        if obj["type"] != UNANSWERABLE:
            problems.append("'trap' is only for unanswerable items")
        elif obj["trap"] not in TRAPS:
            problems.append(f"unknown trap {obj['trap']!r} (use one of {', '.join(TRAPS)})")
    if "parts" in obj:
        problems += _check_parts(obj)
    elif obj["type"] == OVERVIEW:
        problems.append("overview item needs 'parts' (one per heading the answer must list)")
    return problems


def _parts(obj: dict) -> tuple[Part, ...]:
    return tuple(Part(p["ask"].strip(), tuple(p["keywords"]), p.get("answerable", True)) for p in obj.get("parts", ()))


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
                              tuple(obj["keywords"]), obj["type"], obj.get("case", ""),
                              tuple(obj.get("paragraph_ids", ())), _parts(obj), obj.get("trap", ""),
                              obj.get("doc", ""), tuple(obj.get("pages", ())), tuple(obj.get("tags", ())),
                              obj.get("premise", "")))
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


def check_against_corpus(items: Iterable[EvalItem], paragraphs: Mapping, source: str = "<set>") -> None:
    """Require every quote to occur inside one paragraph (and given paragraph_ids to exist).

    ``paragraphs`` maps paragraph ID -> text; callers pass ``Paragraph.haystack`` so that a quote of a
    heading (a case title, ``（三）探索数据知识产权保护规则``) is accepted. A value that is not a string is taken
    to be a paragraph and turned into its haystack. Raises one DatasetError naming all offending ids.
    """
    texts = [squash(t if isinstance(t, str) else t.haystack) for t in paragraphs.values()]
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
