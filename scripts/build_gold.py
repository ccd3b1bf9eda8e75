"""Turn the hand-checked labels of the raw seed lines into data/labels/seed_gold.jsonl.

Kept so the gold file's provenance is reproducible: it reads the raw seeds, segments them with
`zongjie.segment`, splits the multi-report file into documents, and attaches to every paragraph
the label checked by hand for its source line (data/labels/seed_line_labels.jsonl).
"""

import json
from pathlib import Path

from zongjie.document import Document
from zongjie.labels import write_gold
from zongjie.segment import _WATERMARK, _clean_line, segment, split_documents

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "seeds"
LINE_LABELS = ROOT / "data" / "labels" / "seed_line_labels.jsonl"
GOLD = ROOT / "data" / "labels" / "seed_gold.jsonl"


def main() -> None:
    by_line = {}
    for row in map(json.loads, LINE_LABELS.read_text(encoding="utf-8").splitlines()):
        by_line[(row["file"], row["line"])] = row
    documents = []
    for path in sorted(RAW.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        paragraphs = segment(text)
        # Each kept paragraph of the seeds is one source line; find its label by line.
        kept = [
            (number, row)
            for number, line in enumerate(text.split("\n"), start=1)
            if (row := by_line.get((path.name, number))) and row["label"] != "chrome"
        ]
        assert len(kept) == len(paragraphs), (path.name, len(kept), len(paragraphs))
        labels = []
        for paragraph, (number, row) in zip(paragraphs, kept, strict=True):
            source_line = _WATERMARK.sub("", _clean_line(text.split("\n")[number - 1])).strip()
            assert source_line == paragraph, (path.name, number)
            labels.append(row["label"])
        parts = split_documents(paragraphs)
        offset = 0
        for index, part in enumerate(parts, start=1):
            doc_id = path.stem.split("_")[0] + (f"-{index:02d}" if len(parts) > 1 else "")
            documents.append(
                Document(
                    id=f"seed-{doc_id}",
                    source=f"data/raw/seeds/{path.name}",
                    genre="work_report",
                    paragraphs=tuple(part),
                    labels=tuple(labels[offset : offset + len(part)]),
                )
            )
            offset += len(part)
    write_gold(documents, GOLD)
    print(
        f"{GOLD.relative_to(ROOT)}: {len(documents)} documents, "
        f"{sum(len(d.paragraphs) for d in documents)} paragraphs"
    )


if __name__ == "__main__":
    main()
