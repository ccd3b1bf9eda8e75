"""DVC's prepare stage: the labelled documents → one JSON Lines file of paragraphs, and stats.

python scripts/prepare.py [--output PATH] [Hydra overrides, e.g. data=seeds]

It composes the same config as `python train.py`, loads the documents with
`zongjie.dataset.load_documents` (the one loader: the seed gold, the gold folders of the shared
corpora, the State Council reports with weak labels) and writes them with
`zongjie.dataset.write_prepared`, one paragraph per line: doc_id, family, group, raw_path,
label_source, para_index, text, label. `python train.py data=prepared` reads that file back.
Beside it, stats.json counts documents, sources, paragraphs and labels per family.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf, open_dict

from zongjie.dataset import load_documents, write_prepared
from zongjie.document import FAMILIES, LABELS, Document

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path("data/prepared/paragraphs.jsonl")


def family_stats(documents: list[Document]) -> dict[str, dict[str, object]]:
    """Per family (in `FAMILIES` order, those present): documents, sources, paragraphs, the
    labelled ones and each label's count, and where the labels come from."""
    stats: dict[str, dict[str, object]] = {}
    for family in FAMILIES:
        members = [d for d in documents if d.family == family]
        if not members:
            continue
        labels = [label for d in members for label in d.labels or ()]
        counts = Counter(label for label in labels if label is not None)
        stats[family] = {
            "documents": len(members),
            "sources": len({d.group for d in members}),
            "paragraphs": sum(len(d.paragraphs) for d in members),
            "labelled": sum(counts.values()),
            **{label: counts[label] for label in LABELS},
            "label_source": "/".join(sorted({d.label_source for d in members})),
        }
    return stats


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
    documents = load_documents(OmegaConf.to_container(cfg.data, resolve=True))
    write_prepared(documents, args.output)
    stats = family_stats(documents)
    stats_path = args.output.parent / "stats.json"
    stats_path.write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{args.output}: {len(documents)} documents, "
        f"{sum(len(d.paragraphs) for d in documents)} paragraphs ("
        + ", ".join(f"{family}: {s['documents']}" for family, s in stats.items())
        + ")"
    )


if __name__ == "__main__":
    main()
