"""Turn the hand-checked labels of the raw seed lines into data/labels/seed_gold.jsonl.

Kept so the gold file's provenance is reproducible: it reads the raw seeds, segments them with
`zongjie.segment`, splits the multi-report file into documents, and attaches to every paragraph
the label checked by hand for its source line (data/labels/seed_line_labels.jsonl). The file is
written by `zongjie.dataset.write_seeds` and read by `zongjie.dataset.read_seeds`.

    python scripts/build_gold.py [--output PATH]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from zongjie.dataset import write_seeds
from zongjie.document import Document
from zongjie.segment import segment, split_documents

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "seeds"
LINE_LABELS = ROOT / "data" / "labels" / "seed_line_labels.jsonl"
GOLD = ROOT / "data" / "labels" / "seed_gold.jsonl"


def seed_documents() -> list[Document]:
    """The seed reports, one Document per report, with the hand-checked line labels."""
    by_line = {}
    for row in map(json.loads, LINE_LABELS.read_text(encoding="utf-8").splitlines()):
        by_line[(row["file"], row["line"])] = row
    documents = []
    for path in sorted(RAW.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        paragraphs = segment(text)
        # Each kept paragraph of the seeds is one source line; find its label by line.
        kept = [
            (number, row)
            for number, line in enumerate(lines, start=1)
            if (row := by_line.get((path.name, number))) and row["label"] != "chrome"
        ]
        if len(kept) != len(paragraphs):
            raise SystemExit(
                f"{path.name}: {len(paragraphs)} paragraphs, {len(kept)} labelled lines"
            )
        labels = []
        for paragraph, (number, row) in zip(paragraphs, kept, strict=True):
            if segment(lines[number - 1]) != [paragraph]:
                raise SystemExit(f"{path.name} line {number} is not the paragraph {paragraph!r}")
            labels.append(row["label"])
        parts = split_documents(paragraphs)
        offset = 0
        for index, part in enumerate(parts, start=1):
            doc_id = path.stem.split("_")[0] + (f"-{index:02d}" if len(parts) > 1 else "")
            documents.append(
                Document(
                    id=f"seed-{doc_id}",
                    family="institutional",
                    group=f"seed-{doc_id}",
                    paragraphs=tuple(part),
                    labels=tuple(labels[offset : offset + len(part)]),
                    raw_path=f"data/raw/seeds/{path.name}",
                )
            )
            offset += len(part)
    return documents


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=GOLD, help="default: %(default)s")
    args = parser.parse_args(argv)
    documents = seed_documents()
    write_seeds(documents, args.output)
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(
        f"{shown}: {len(documents)} documents, "
        f"{sum(len(d.paragraphs) for d in documents)} paragraphs"
    )


if __name__ == "__main__":
    main()
