"""Corpus folders → labelled Documents: the gold seeds, and the government work reports read in
place from the shared corpora folder (never copied into the repository) with weak labels."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from zongjie.document import Document
from zongjie.labels import load_gold, weak_labels
from zongjie.segment import decode, heading_level, is_heading, segment

__all__ = ["read_government_reports", "read_seeds"]

log = logging.getLogger(__name__)

PLAIN_TEXT_FOLDER = "gwr-state-council-1954-2017"
WIKISOURCE_FILE = "gwr-state-council-wikisource/government_work_reports.jsonl"
# Wikisource appends its licence template to every report.
_WIKISOURCE_TAIL = "本作品是中华人民共和国的"
_YEAR_IN_NAME = re.compile(r"^(\d{4})")


def read_seeds(gold_path: Path) -> list[Document]:
    """The hand-labelled seed documents."""
    return load_gold(gold_path)


def _government_report(year: int, text: str, source: str) -> Document | None:
    """The weakly labelled report, or None with a warning when it cannot be labelled: no
    paragraphs, or no headings for the weak labeller to read its parts from."""
    paragraphs = segment(text)
    if not paragraphs:
        log.warning("skipping %s: no paragraphs", source)
        return None
    if not any(is_heading(p) and heading_level(p) is not None for p in paragraphs):
        log.warning("skipping %s: no numbered headings, so no parts to label it by", source)
        return None
    return Document(
        id=f"gwr-{year}",
        source=source,
        genre="gwr",
        paragraphs=tuple(paragraphs),
        labels=tuple(weak_labels(paragraphs)),
    )


def read_government_reports(corpora_dir: Path, min_year: int, max_year: int) -> list[Document]:
    """State Council government work reports from `corpora_dir`, one Document per year (the
    two folders overlap; the plain-text copy wins, Wikisource fills the other years), weakly
    labelled. A missing folder gives a warning and no documents, so training still runs on the
    seeds alone."""
    corpora_dir = Path(corpora_dir)
    if not corpora_dir.is_dir():
        log.warning(
            "corpora folder %s not found: training on the seed documents only "
            "(set data.corpora_dir or ZONGJIE_CORPORA to use the government work reports)",
            corpora_dir,
        )
        return []
    texts: dict[int, tuple[str, str]] = {}
    plain = corpora_dir / PLAIN_TEXT_FOLDER
    for path in sorted(plain.glob("*.txt")) if plain.is_dir() else []:
        match = _YEAR_IN_NAME.match(path.name)
        if not match:
            log.warning("skipping %s: its name does not start with the report's year", path)
            continue
        if (text := _read_text(path)) is not None:
            texts[int(match.group(1))] = (text, str(path))
    wikisource = corpora_dir / WIKISOURCE_FILE
    if wikisource.is_file() and (jsonl := _read_text(wikisource)) is not None:
        for number, line in enumerate(jsonl.splitlines(), start=1):
            try:
                record = json.loads(line)
                year = record.get("year")
                content = record["content"]
            except (ValueError, AttributeError, KeyError, TypeError) as error:
                log.warning(
                    "skipping %s line %d: not a report record (%s)", wikisource, number, error
                )
                continue
            if not year:  # the NPC resolutions approving a report carry no year
                continue
            texts.setdefault(
                int(year), (content.split(_WIKISOURCE_TAIL)[0], f"{wikisource}#{year}")
            )
    if not texts:
        log.warning("no government work reports found under %s", corpora_dir)
    documents = []
    for year, (text, source) in sorted(texts.items()):
        if min_year <= year <= max_year and (document := _government_report(year, text, source)):
            documents.append(document)
    return documents


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
