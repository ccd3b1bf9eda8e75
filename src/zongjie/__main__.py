"""`python -m zongjie FILE [FILE …]` (`-` for stdin): one JSON line per paragraph.

Each file is segmented, split into its reports, and each report labelled as a whole document.
A line holds the file, the report's number in the file, the paragraph's number in its report,
the paragraph, its label and the three probabilities.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from zongjie.document import LABELS
from zongjie.segment import iter_documents, iter_paragraphs, iter_text


def _lines(name: str) -> Iterator[str]:
    """The decoded text of a file (or stdin for -), streamed chunk by chunk."""
    if name == "-":
        yield from iter_text(sys.stdin.buffer, "stdin")
        return
    path = Path(name)
    if not path.is_file():
        raise SystemExit(f"zongjie: {name}: no such file")
    with path.open("rb") as stream:
        yield from iter_text(stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zongjie",
        description="Label every paragraph of Chinese work reports as summary, problem or plan.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="UTF-8 text files; - reads stdin")
    parser.add_argument("--model", help="a model file other than the default")
    args = parser.parse_args(argv)

    from zongjie.api import load_model, predict_document, predict_document_proba

    if args.model:
        try:
            load_model(args.model)
        except (FileNotFoundError, ValueError) as error:
            raise SystemExit(f"zongjie: {error}") from None
    out = sys.stdout
    for name in args.files:
        # Streamed: paragraphs and reports are formed as the text arrives, so memory holds one
        # report at a time whatever the size of the file.
        documents = iter_documents(iter_paragraphs(_lines(name)))
        try:
            for number, paragraphs in enumerate(documents, start=1):
                labels = predict_document(paragraphs)
                proba = predict_document_proba(paragraphs)
                for index, (paragraph, label, row) in enumerate(
                    zip(paragraphs, labels, proba, strict=True)
                ):
                    record = {
                        "file": name,
                        "document": number,
                        "index": index,
                        "paragraph": paragraph,
                        "label": label,
                        "probabilities": {
                            label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)
                        },
                    }
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
        except ValueError as error:  # undecodable bytes
            raise SystemExit(f"zongjie: {error}") from None
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
