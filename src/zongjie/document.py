"""The one type that crosses module lines: a document's paragraphs, with labels when known."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

LABELS: tuple[str, str, str] = ("summary", "problem", "plan")


@dataclass(frozen=True)
class Document:
    """One report. `labels[i]` is the role of `paragraphs[i]`, or None for titles, dates,
    salutations and signatures (kept as context, never scored). `genre` names the kind of
    report (``work_report`` for the seeds, ``gwr`` for government work reports) so splits can
    hold a whole genre out."""

    id: str
    source: str
    genre: str
    paragraphs: tuple[str, ...]
    labels: tuple[str | None, ...] | None = None

    def __post_init__(self) -> None:
        if self.labels is not None and len(self.labels) != len(self.paragraphs):
            raise ValueError(
                f"document {self.id}: {len(self.labels)} labels for "
                f"{len(self.paragraphs)} paragraphs"
            )


def documents_from_rows(rows: Iterable[dict[str, Any]], genre: str | None = None) -> list[Document]:
    """Documents from paragraph rows (``doc_id``, ``para_index``, ``text``, ``label``,
    ``source`` and, unless `genre` is given, ``genre``), in the order documents first appear."""
    by_document: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_document.setdefault(row["doc_id"], []).append(row)
    documents = []
    for doc_id, doc_rows in by_document.items():
        doc_rows.sort(key=lambda row: row["para_index"])
        documents.append(
            Document(
                id=doc_id,
                source=doc_rows[0]["source"],
                genre=genre or doc_rows[0]["genre"],
                paragraphs=tuple(row["text"] for row in doc_rows),
                labels=tuple(row["label"] for row in doc_rows),
            )
        )
    return documents
