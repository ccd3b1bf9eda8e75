"""The one type that crosses module lines: a document's paragraphs, with labels when known."""

from __future__ import annotations

from dataclasses import dataclass

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
