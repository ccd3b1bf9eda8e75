"""Corpus folders → labelled Documents, one family each.

* ``institutional``: the hand-labelled seed reports of local bureaus (in the repository).
* ``personal`` and ``local_gov``: the hand-labelled gold folders of the shared corpora
  (``<folder>/gold/<id>.json`` beside ``<folder>/raw/<id>.txt`` and ``manifest.csv``).
* ``national_gov``: the State Council government work reports, labelled weakly from their
  very regular structure (`zongjie.weak_labels`).

The corpora are read in place and never copied into the repository; a missing folder gives a
warning naming it, and the other families still load. Each document carries its `group`: the
documents of one author or source stay on one side of every split.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from zongjie.document import FAMILIES, LABELS, Document
from zongjie.segment import decode, segment

__all__ = [
    "documents_from_rows",
    "load_documents",
    "read_gold_folder",
    "read_national_reports",
    "read_prepared",
    "read_seeds",
    "rows_of",
    "write_prepared",
    "write_seeds",
]

log = logging.getLogger(__name__)

NATIONAL_PLAIN_FOLDER = "gwr-state-council-1954-2017"
NATIONAL_JSONL = "gwr-state-council-wikisource/government_work_reports.jsonl"
NATIONAL_GROUP = "state-council"
# Wikisource appends its licence template to every report.
_WIKISOURCE_TAIL = "本作品是中华人民共和国的"
_YEAR_IN_NAME = re.compile(r"^(\d{4})")


def load_documents(data: Mapping[str, Any]) -> list[Document]:
    """The labelled documents that `data` (the composed ``data`` config) names: the prepared
    file when `prepared_path` is set, else the seeds and, when `use_corpora`, the gold folders
    and (when `national.use`) the weakly labelled State Council reports."""
    if data.get("prepared_path"):
        return read_prepared(Path(data["prepared_path"]))
    documents = read_seeds(Path(data["seeds_gold"]), data["seeds_family"])
    if not data["use_corpora"]:
        return documents
    corpora = Path(data["corpora_dir"])
    if not corpora.is_dir():
        log.warning(
            "corpora folder %s not found: training on the seed documents only (set "
            "data.corpora_dir or ZONGJIE_CORPORA to use the gold corpora and the State "
            "Council reports)",
            corpora,
        )
        return documents
    for folder, family in data["gold_corpora"].items():
        documents += read_gold_folder(corpora / folder, family)
    national = data["national"]
    if national["use"]:
        documents += read_national_reports(corpora, national["min_year"], national["max_year"])
    return documents


def read_seeds(gold_path: Path, family: str = "institutional") -> list[Document]:
    """The hand-labelled seed documents: one JSON object per paragraph with ``doc_id``,
    ``para_index``, ``text``, ``label`` (one of LABELS or null) and ``source`` (the raw file).
    Each seed report is its own group: the reports pasted into one seed file come from
    different units and authors."""
    rows = []
    for number, line in enumerate(gold_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        _check_label(row.get("label"), f"{gold_path} line {number}")
        rows.append(
            {
                **row,
                "family": family,
                "group": row["doc_id"],
                "raw_path": row["source"],
                "label_source": "gold",
            }
        )
    return documents_from_rows(rows)


def write_seeds(documents: Sequence[Document], path: Path) -> None:
    """Write labelled documents in the seed gold file's format, the one `read_seeds` reads:
    one JSON object per paragraph with ``doc_id``, ``para_index``, ``label``, ``text`` and
    ``source`` (the document's `raw_path`)."""
    lines = []
    for document in documents:
        if document.labels is None:
            raise ValueError(f"document {document.id} has no labels to write")
        for index, (text, label) in enumerate(
            zip(document.paragraphs, document.labels, strict=True)
        ):
            _check_label(label, f"document {document.id} paragraph {index}")
            row = {
                "doc_id": document.id,
                "para_index": index,
                "label": label,
                "text": text,
                "source": document.raw_path,
            }
            lines.append(json.dumps(row, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_gold_folder(folder: Path, family: str) -> list[Document]:
    """The documents of one gold folder, in the order of their ids. The group of a document
    is its manifest's ``source_repo`` (one author or team), else the document itself."""
    if family not in FAMILIES:
        raise ValueError(f"{folder}: family {family!r} is not one of {FAMILIES}")
    gold = folder / "gold"
    if not gold.is_dir():
        log.warning("gold folder %s not found: no %s documents", gold, family)
        return []
    groups = _manifest_groups(folder / "manifest.csv")
    documents = []
    for path in sorted(gold.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            paragraphs = record["paragraphs"]
            texts = tuple(str(p["text"]) for p in paragraphs)
            labels = tuple(p.get("label") for p in paragraphs)
            for index, label in enumerate(labels):
                _check_label(label, f"{path} paragraph {index}")
        except (ValueError, KeyError, TypeError) as error:
            log.warning("skipping %s: not a gold record (%s)", path, error)
            continue
        doc_id = str(record.get("doc") or path.stem)
        raw = folder / "raw" / f"{path.stem}.txt"
        documents.append(
            Document(
                id=doc_id,
                family=family,
                group=groups.get(doc_id, doc_id),
                paragraphs=texts,
                labels=labels,
                raw_path=str(raw) if raw.is_file() else None,
            )
        )
    return documents


def _manifest_groups(path: Path) -> dict[str, str]:
    if not path.is_file():
        log.warning("%s not found: each document is its own group", path)
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row.get("source_repo") or row["id"] for row in csv.DictReader(handle)}


def _check_label(label: object, where: str) -> None:
    if label is not None and label not in LABELS:
        raise ValueError(f"{where}: label {label!r} is not one of {LABELS} or null")


def read_national_reports(corpora_dir: Path, min_year: int, max_year: int) -> list[Document]:
    """The State Council government work reports of `min_year`..`max_year`, one per year (the
    plain-text folder wins where both folders hold a year), weakly labelled from their
    structure. They form one group: one institution, and largely one drafting office."""
    from zongjie.weak_labels import weak_labels

    texts: dict[int, tuple[str, str | None]] = {}
    plain = corpora_dir / NATIONAL_PLAIN_FOLDER
    for path in sorted(plain.glob("*.txt")) if plain.is_dir() else []:
        match = _YEAR_IN_NAME.match(path.name)
        if not match:
            log.warning("skipping %s: its name does not start with the report's year", path)
            continue
        if (text := _read_text(path)) is not None:
            texts[int(match.group(1))] = (text, str(path))
    wikisource = corpora_dir / NATIONAL_JSONL
    if wikisource.is_file() and (jsonl := _read_text(wikisource)) is not None:
        for number, line in enumerate(jsonl.splitlines(), start=1):
            try:
                year, content = _report_record(line)
            except ValueError as error:
                log.warning(
                    "skipping %s line %d: not a report record (%s)", wikisource, number, error
                )
                continue
            if year is None:  # the NPC resolutions approving a report carry no year
                continue
            texts.setdefault(year, (content.split(_WIKISOURCE_TAIL)[0], None))
    if not texts:
        log.warning("no State Council reports found under %s", corpora_dir)
    documents = []
    for year, (text, raw_path) in sorted(texts.items()):
        if not min_year <= year <= max_year:
            continue
        paragraphs = segment(text)
        if not paragraphs:
            log.warning("skipping the %d report: no paragraphs", year)
            continue
        documents.append(
            Document(
                id=f"gwr-{year}",
                family="national_gov",
                group=NATIONAL_GROUP,
                paragraphs=tuple(paragraphs),
                labels=tuple(weak_labels(paragraphs)),
                raw_path=raw_path,
                label_source="weak",
            )
        )
    return documents


def _report_record(line: str) -> tuple[int | None, str]:
    """The year (None when the record has none) and text of one Wikisource record; ValueError
    saying what is wrong with any other line."""
    record = json.loads(line)  # a JSONDecodeError is a ValueError
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    if "content" not in record:
        raise ValueError("no content")
    content, year = record["content"], record.get("year")
    if not isinstance(content, str):
        raise ValueError(f"content is {type(content).__name__}, not text")
    if year is None or year == "":
        return None, content
    # A whole number, or its digits as text: not a bool, a fraction or a list, which int()
    # would turn into some year (True is year 1, 2018.5 is 2018) or fail on with a vaguer error.
    if isinstance(year, int) and not isinstance(year, bool):
        return year, content
    if isinstance(year, str) and year.strip().isascii() and year.strip().isdigit():
        return int(year), content
    raise ValueError(f"year {year!r} is not a number")


def _read_text(path: Path) -> str | None:
    """A file's text, or None with a warning naming it when it is empty or not text."""
    data = path.read_bytes()
    if not data.strip():
        log.warning("skipping %s: the file is empty", path)
        return None
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        log.warning("skipping %s: binary data, not text", path)
        return None
    try:
        return decode(data, str(path))
    except ValueError as error:
        log.warning("skipping %s", error)
        return None


# ------------------------------------------------------------------- the prepared file


def rows_of(documents: Iterable[Document]) -> Iterable[dict[str, Any]]:
    """One row per paragraph: the document's fields, ``para_index``, ``text`` and ``label``."""
    for document in documents:
        labels = document.labels or (None,) * len(document.paragraphs)
        for index, (text, label) in enumerate(zip(document.paragraphs, labels, strict=True)):
            yield {
                "doc_id": document.id,
                "family": document.family,
                "group": document.group,
                "raw_path": document.raw_path,
                "label_source": document.label_source,
                "para_index": index,
                "text": text,
                "label": label,
            }


def documents_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Document]:
    """Documents from paragraph rows (`rows_of`'s fields), in the order they first appear."""
    by_document: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_document.setdefault(row["doc_id"], []).append(row)
    documents = []
    for doc_id, doc_rows in by_document.items():
        doc_rows = sorted(doc_rows, key=lambda row: row["para_index"])
        first = doc_rows[0]
        documents.append(
            Document(
                id=doc_id,
                family=first["family"],
                group=first["group"],
                paragraphs=tuple(row["text"] for row in doc_rows),
                labels=tuple(row["label"] for row in doc_rows),
                raw_path=first.get("raw_path"),
                label_source=first.get("label_source", "gold"),
            )
        )
    return documents


def write_prepared(documents: Sequence[Document], path: Path) -> None:
    """The documents as JSON Lines, one paragraph per line (see `rows_of`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(row, ensure_ascii=False) for row in rows_of(documents)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_prepared(path: Path) -> list[Document]:
    """The documents `write_prepared` wrote."""
    if not path.is_file():
        raise FileNotFoundError(f"no prepared data at {path}: run `dvc repro prepare` first")
    lines = path.read_text(encoding="utf-8").splitlines()
    return documents_from_rows(json.loads(line) for line in lines if line.strip())
