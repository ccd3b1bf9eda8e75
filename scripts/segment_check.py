"""How many gold paragraphs `segment` reproduces exactly, on the raw files of the gold corpora.

Each folder under the corpora path that has `raw/<id>.txt` and `gold/<id>.json` is checked: a
gold paragraph counts as reproduced when one of the paragraphs `segment` gives for the raw bytes
equals it with all whitespace removed (the gold texts are slices of the raw files, whitespace
aside). Prints the share per file, per folder and in total.

    python scripts/segment_check.py [--corpora PATH] [--folder NAME ...] [--quiet] [--drops]

`--corpora` defaults to $ZONGJIE_CORPORA, else ../shared/corpora beside the project. A folder
that is missing is skipped with a warning. `--drops` prints instead, for every corpus segment
reads (the seeds too), how many characters it drops and why.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from zongjie.segment import decode, segment, segment_with_drops

ROOT = Path(__file__).resolve().parents[1]
GOLD_FOLDERS = ("work-reports-2007-2024", "gwr-local-2015-2024")
SEEDS = ROOT / "data" / "raw" / "seeds"
PLAIN_FOLDER = "gwr-state-council-1954-2017"
WIKISOURCE = "gwr-state-council-wikisource/government_work_reports.jsonl"
# Zero-width characters count as whitespace: segment removes them, and some gold texts keep them.
_WHITESPACE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")


@dataclass(frozen=True)
class FileResult:
    folder: str
    doc: str
    reproduced: int
    total: int


def default_corpora() -> Path:
    return Path(os.environ.get("ZONGJIE_CORPORA") or ROOT.parent / "shared" / "corpora")


def squeeze(text: str) -> str:
    return _WHITESPACE.sub("", text)


def check_file(raw_path: Path, gold_path: Path, folder: str) -> FileResult:
    gold = [squeeze(p["text"]) for p in json.loads(gold_path.read_text("utf-8"))["paragraphs"]]
    produced = {squeeze(p) for p in segment(raw_path.read_bytes())}
    reproduced = sum(1 for paragraph in gold if paragraph in produced)
    return FileResult(folder, gold_path.stem, reproduced, len(gold))


def check(corpora: Path, folders: tuple[str, ...] = GOLD_FOLDERS) -> list[FileResult]:
    """One result per gold file of each folder that exists (a missing one gives a warning)."""
    results = []
    for folder in folders:
        gold_dir, raw_dir = corpora / folder / "gold", corpora / folder / "raw"
        if not gold_dir.is_dir() or not raw_dir.is_dir():
            print(f"warning: {corpora / folder}: no gold/ or raw/ folder, skipped", file=sys.stderr)
            continue
        for gold_path in sorted(gold_dir.glob("*.json")):
            raw_path = raw_dir / f"{gold_path.stem}.txt"
            if not raw_path.is_file():
                print(f"warning: {raw_path}: missing, skipped", file=sys.stderr)
                continue
            results.append(check_file(raw_path, gold_path, folder))
    return results


def share(results: list[FileResult]) -> float:
    total = sum(r.total for r in results)
    return sum(r.reproduced for r in results) / total if total else 0.0


def corpus_files(corpora: Path) -> list[tuple[str, Path, int | None]]:
    """(corpus, file, record) of every text segment reads: the seeds, the State Council
    reports (a Wikisource record by its line number), the raw files of the gold corpora."""
    files: list[tuple[str, Path, int | None]] = [
        ("seeds", path, None) for path in sorted(SEEDS.glob("*.txt"))
    ]
    files += [(PLAIN_FOLDER, p, None) for p in sorted((corpora / PLAIN_FOLDER).glob("*.txt"))]
    if (jsonl := corpora / WIKISOURCE).is_file():
        lines = jsonl.read_text("utf-8").splitlines()
        files += [(WIKISOURCE.split("/")[0], jsonl, number) for number in range(len(lines))]
    for folder in GOLD_FOLDERS:
        files += [(folder, p, None) for p in sorted((corpora / folder / "raw").glob("*.txt"))]
    return files


_JSONL_CACHE: dict[Path, list[str]] = {}


def read_text(path: Path, record: int | None) -> str:
    """A corpus file's text, or the content of a JSON Lines file's record."""
    if record is None:
        return decode(path.read_bytes(), str(path))
    if path not in _JSONL_CACHE:
        _JSONL_CACHE[path] = path.read_text("utf-8").splitlines()
    return json.loads(_JSONL_CACHE[path][record])["content"]


def drops(corpora: Path) -> dict[str, tuple[int, Counter]]:
    """Per corpus: the characters it holds (whitespace aside), and those segment drops by
    reason."""
    totals: dict[str, tuple[int, Counter]] = {}
    for corpus, path, record in corpus_files(corpora):
        text = read_text(path, record)
        _, dropped = segment_with_drops(text)
        chars, reasons = totals.get(corpus, (0, Counter()))
        for reason, piece in dropped:
            reasons[reason] += len(squeeze(piece))
        totals[corpus] = (chars + len(squeeze(text)), reasons)
    return totals


def print_drops(corpora: Path) -> None:
    for corpus, (chars, reasons) in drops(corpora).items():
        lost = sum(reasons.values())
        detail = ", ".join(f"{reason} {n:,}" for reason, n in reasons.most_common())
        print(f"{corpus}: {lost:,} of {chars:,} characters dropped ({lost / chars:.2%})", end="")
        print(f": {detail}" if detail else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=None, help="the shared corpora folder")
    parser.add_argument("--folder", action="append", help="a gold folder (default: all)")
    parser.add_argument("--quiet", action="store_true", help="totals only")
    parser.add_argument("--drops", action="store_true", help="characters dropped, per corpus")
    args = parser.parse_args(argv)
    corpora = args.corpora or default_corpora()
    if args.drops:
        print_drops(corpora)
        return 0
    results = check(corpora, tuple(args.folder or GOLD_FOLDERS))
    if not results:
        print(f"warning: no gold files found under {corpora}, nothing checked", file=sys.stderr)
        return 0
    for folder in dict.fromkeys(r.folder for r in results):
        mine = [r for r in results if r.folder == folder]
        if not args.quiet:
            for r in mine:
                print(f"  {r.reproduced:4d}/{r.total:<4d} {r.reproduced / r.total:6.1%}  {r.doc}")
        n, total = sum(r.reproduced for r in mine), sum(r.total for r in mine)
        print(f"{folder}: {n}/{total} gold paragraphs reproduced ({share(mine):.1%})")
    n, total = sum(r.reproduced for r in results), sum(r.total for r in results)
    print(f"total: {n}/{total} ({share(results):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
