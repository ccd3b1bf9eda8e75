"""The one type that crosses module lines: a document's paragraphs, with labels when known."""

from __future__ import annotations

from dataclasses import dataclass

LABELS: tuple[str, str, str] = ("summary", "problem", "plan")

# The kinds of report the evaluation reports on, one per corpus family.
FAMILIES: tuple[str, ...] = ("institutional", "personal", "local_gov", "national_gov")


@dataclass(frozen=True)
class Document:
    """One report.

    `labels[i]` is the role of `paragraphs[i]`, or None where the paragraph carries no content
    (titles, author and date lines, salutations, empty formulas: context, never scored).
    `family` is the kind of report (one of `FAMILIES`); `group` is its author or source: the
    documents of one group always sit on the same side of a split. `raw_path` is the file the
    paragraphs were cut from, when there is one, so evaluation can segment it again.
    `label_source` says whether the labels were checked by hand (``gold``) or derived from the
    document's structure (``weak``)."""

    id: str
    family: str
    group: str
    paragraphs: tuple[str, ...]
    labels: tuple[str | None, ...] | None = None
    raw_path: str | None = None
    label_source: str = "gold"

    def __post_init__(self) -> None:
        if self.labels is not None and len(self.labels) != len(self.paragraphs):
            raise ValueError(
                f"document {self.id}: {len(self.labels)} labels for "
                f"{len(self.paragraphs)} paragraphs"
            )
