"""DVC's prepare stage: raw documents → one JSON Lines file of paragraphs with labels.

python scripts/prepare.py [--output PATH] [Hydra overrides, e.g. data=seeds]

It composes the same config as `python train.py`, loads the documents with
`zongjie.training.load_documents` (the one loader: seeds with gold labels, government work reports
read in place from data.corpora_dir with weak labels) and writes them with
`zongjie.training.write_prepared`: doc_id, genre, source, para_index, text, label, weak_label,
label_source. `python train.py data=prepared` reads that file back. Beside it, stats.json counts
documents and labels per genre and how often the weak labeller agrees with the gold labels.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import open_dict

from zongjie.document import LABELS
from zongjie.training import load_documents, write_prepared

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path("data/prepared/paragraphs.jsonl")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, as for train.py")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=args.overrides)
    with open_dict(cfg):
        cfg.data.prepared_path = None  # derive the documents, never read them back
    documents = load_documents(cfg.data)
    write_prepared(documents, args.output)

    rows = [json.loads(line) for line in args.output.read_text(encoding="utf-8").splitlines()]
    stats: dict[str, dict[str, float]] = {}
    for genre in sorted({row["genre"] for row in rows}):
        mine = [row for row in rows if row["genre"] == genre]
        labelled = [row for row in mine if row["label"] is not None]
        counts = Counter(row["label"] for row in labelled)
        agree = sum(row["weak_label"] == row["label"] for row in labelled)
        stats[genre] = {
            "documents": len({row["doc_id"] for row in mine}),
            "paragraphs": len(mine),
            "labelled": len(labelled),
            **{label: counts[label] for label in LABELS},
            "weak_label_agreement": round(agree / len(labelled), 4) if labelled else 0.0,
        }
    stats_path = args.output.parent / "stats.json"
    stats_path.write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    print(
        f"{args.output}: {len(documents)} documents, {len(rows)} paragraphs "
        + ", ".join(f"({genre}: {s['documents']} documents)" for genre, s in stats.items())
    )


if __name__ == "__main__":
    main()
