"""Corpus folders → labelled Documents: the gold seeds, and the government work reports read in
place from the shared corpora folder (never copied into the repository) with weak labels."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from zongjie.document import Document
from zongjie.labels import load_gold, weak_labels
from zongjie.segment import segment

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


def _government_report(year: int, text: str, source: str) -> Document:
    paragraphs = segment(text)
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
        if match:
            texts[int(match.group(1))] = (path.read_text(encoding="utf-8"), str(path))
    wikisource = corpora_dir / WIKISOURCE_FILE
    if wikisource.is_file():
        for line in wikisource.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            year = record.get("year")
            if not year:  # the NPC resolutions approving a report carry no year
                continue
            content = record["content"].split(_WIKISOURCE_TAIL)[0]
            texts.setdefault(int(year), (content, f"{wikisource}#{year}"))
    if not texts:
        log.warning("no government work reports found under %s", corpora_dir)
    return [
        _government_report(year, text, source)
        for year, (text, source) in sorted(texts.items())
        if min_year <= year <= max_year
    ]
