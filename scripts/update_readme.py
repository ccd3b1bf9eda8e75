"""Write the generated blocks of README.md and docs/*.md from the files that hold the figures.

    python scripts/update_readme.py          # rewrite the blocks
    python scripts/update_readme.py --check  # exit 1 if a page differs from what they give

A block sits between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``, in exactly
one of the pages; nothing between the two markers is typed by hand. The blocks:

* ``headline``: the README's summary, macro-F1 per family and track, leave one source out
  (`reports/metrics.json`).

* ``results``: the default model's grouped evaluation (`reports/metrics.json`, written by
  ``python train.py eval.reports_dir=reports`` or DVC's evaluate stage) beside the previous
  model's on the same splits (`reports/previous_model.json`, `scripts/evaluate_previous.py`).
* ``benchmark``: the output of ``python scripts/benchmark.py`` (`reports/benchmark.json`), with
  its command, date and load average.
* ``speed``: the README's summary of that run, the targets it printed (the same file).
* ``robustness``: the figures of "Security and robustness" (`reports/robustness.json`, written
  by ``python scripts/robustness.py``): characters `segment` drops per corpus, its time per MB
  on hostile input, the CLI's peak memory, the model file limits, and the outcome of two
  trainings started at once on a fresh MLflow store (pending until it is measured).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
REPORTS = ROOT / "reports"

FAMILIES = {
    "institutional": "institutional work reports (11 seed reports)",
    "personal": "personal and team work reports (30)",
    "local_gov": "county and city government reports (9)",
    "national_gov": "State Council reports (33, weak labels)",
}
TRACKS = ("isolated", "document", "headless", "raw")
SCHEMES = {"source": "leave one source out", "family": "leave one family out"}
LABELS = ("summary", "problem", "plan")


def _number(metrics: Mapping[str, float], key: str) -> str:
    return f"{metrics[key]:.3f}" if key in metrics else "–"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def headline() -> str:
    new = json.loads((REPORTS / "metrics.json").read_text(encoding="utf-8"))
    rows = [
        [name, *(_number(new, f"source_{t}_{family}_macro_f1") for t in TRACKS)]
        for family, name in FAMILIES.items()
    ]
    return (
        _table(["family", *TRACKS], rows)
        + f"\n\nFrom `reports/metrics.json`; the leave-one-family-out objective is "
        f"{_number(new, 'objective')}."
    )


def results() -> str:
    new = json.loads((REPORTS / "metrics.json").read_text(encoding="utf-8"))
    old = json.loads((REPORTS / "previous_model.json").read_text(encoding="utf-8"))
    parts = []
    for scheme, title in SCHEMES.items():
        rows = []
        for family, name in FAMILIES.items():
            cells = [
                f"{_number(old, f'{scheme}_{t}_{family}_macro_f1')} → "
                f"**{_number(new, f'{scheme}_{t}_{family}_macro_f1')}**"
                for t in TRACKS
            ]
            rows.append([name, *cells])
        rows.append(
            ["mean over families"]
            + [
                f"{_number(old, f'{scheme}_{t}_family_mean_macro_f1')} → "
                f"**{_number(new, f'{scheme}_{t}_family_mean_macro_f1')}**"
                for t in TRACKS
            ]
        )
        parts.append(
            f"**{title}**, macro-F1, previous → default:\n\n" + _table(["family", *TRACKS], rows)
        )
    rows = []
    for family, name in FAMILIES.items():
        for track in TRACKS:
            key = f"source_{track}_{family}_"
            if f"{key}macro_f1" in new:
                rows.append([name, track, *(_number(new, f"{key}f1_{label}") for label in LABELS)])
    parts.append(
        "**leave one source out, F1 per class** (default model):\n\n"
        + _table(["family", "track", *(f"F1 {label}" for label in LABELS)], rows)
    )
    nulls = (
        f"`predict_document`'s null calls (leave one source out): precision "
        f"{_number(new, 'source_document_null_precision')}, recall "
        f"{_number(new, 'source_document_null_recall')}. The raw track finds "
        f"{_number(new, 'source_raw_matched_share')} of the gold paragraphs in `segment`'s "
        f"output (previous model: {_number(old, 'source_raw_matched_share')})."
    )
    commit = old.get("commit", "")[:7]
    sources = (
        f"Sources: `reports/metrics.json` (objective {_number(new, 'objective')}) and "
        f"`reports/previous_model.json` (the model of commit `{commit}`, refitted on each "
        "split by `scripts/evaluate_previous.py`)."
    )
    return "\n\n".join([*parts, nulls, sources])


def _code(text: str) -> str:
    """`text` as inline code, whatever backticks it holds."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _drops_line(entry: Mapping) -> str:
    chars, lost = entry["characters"], entry["dropped"]
    line = f"{entry['corpus']}: {lost:,} of {chars:,} characters dropped ({lost / chars:.2%})"
    detail = ", ".join(f"{reason} {n:,}" for reason, n in entry["reasons"].items())
    return line + (f": {detail}" if detail else "")


def robustness() -> str:
    figures = json.loads((REPORTS / "robustness.json").read_text(encoding="utf-8"))
    load = figures.get("load_average", {})
    parts = [
        f"Measured by `{figures['generated_by']}` on the {figures['machine']['cores']}-core "
        f"development machine, shared with other work ({figures['date']}, zongjie "
        f"{figures['zongjie']}, load average {load.get('before')} before and "
        f"{load.get('after')} after; the run took {figures.get('minutes')} min), written to "
        "`reports/robustness.json`:"
    ]
    lost = figures["characters_lost"]
    parts.append(
        "**Characters `segment` drops**, per corpus (whitespace aside; every one of them on a "
        "line dropped for a reason the module documents, which a test checks file by file):\n\n"
        "```\n" + "\n".join(_drops_line(entry) for entry in lost) + "\n```"
    )
    examples = []
    for entry in lost:
        if entry["examples"]:
            kinds = "; ".join(
                f"{reason} " + ", ".join(_code(piece) for piece in pieces)
                for reason, pieces in entry["examples"].items()
            )
            examples.append(f"- {entry['corpus']}: {kinds}")
    if examples:
        parts.append(
            "What they are, the commonest pieces of each reason (cut at 24 characters):\n\n"
            + "\n".join(examples)
        )
    rows = [
        [row["input"], f"{row['mb']:.2f}", f"{row['seconds']:.3f}", f"{row['seconds_per_mb']:.3f}"]
        for row in figures["segment_seconds_per_mb"]
    ]
    worst = max(figures["segment_seconds_per_mb"], key=lambda row: row["seconds_per_mb"])
    parts.append(
        "**`segment`'s CPU time per MB** of UTF-8 (the long lines read as a stream with "
        "`iter_paragraphs`):\n\n"
        + _table(["input", "MB", "CPU s", "s per MB"], rows)
        + f"\n\nWorst case: {worst['seconds_per_mb']:.2f} s per MB, {worst['input']}."
    )
    rows = [
        [row["input"], f"{row['peak_mib']} MiB", f"{row['seconds']:.0f} s", str(row["status"])]
        for row in figures["cli_peak_memory"]
    ]
    parts.append(
        "**The CLI's peak memory** (`python -m zongjie FILE`, the default model, VmHWM of a "
        "fresh process):\n\n" + _table(["input", "peak memory", "time", "exit status"], rows)
    )
    limits = figures["model_limits"]
    parts.append(
        f"**The largest model file accepted** unpacks to at most {limits['max_entry_mib']} MiB "
        f"per entry and {limits['max_model_mib']:,} MiB in all, checked in the zip directory "
        f"before anything is read (the default model: a {limits['default_model_file_mib']} MiB "
        f"file, {limits['default_model_unpacked_mib']} MiB unpacked). `segment` cuts a line "
        f"at {limits['max_line_chars']:,} characters."
    )
    concurrent = figures["concurrent_first_run"]
    text = (
        f"{concurrent['outcome']} (two tiny `python train.py` started together on a new store, "
        f"{concurrent['rounds']} time{'s' if concurrent['rounds'] != 1 else ''}, "
        f"{concurrent['date']})."
    )
    parts.append(f"**Two trainings started at once on a fresh MLflow store**: {text}")
    return "\n\n".join(parts)


def benchmark() -> str:
    run = json.loads((REPORTS / "benchmark.json").read_text(encoding="utf-8"))
    load = run["load_average"]
    return (
        f"Measured with `{run['command']}` on the {run['cores']}-core development machine "
        f"({run['date']}, load average {load['before']} before and {load['after']} after; the "
        f"run took {run['minutes']} min), as it printed:\n\n```\n{run['output'].rstrip()}\n```"
    )


def speed() -> str:
    run = json.loads((REPORTS / "benchmark.json").read_text(encoding="utf-8"))
    output = run["output"]
    targets = output[output.index("targets (") :].rstrip()
    return (
        f"From one run of `{run['command']}` on the {run['cores']}-core development machine "
        f"({run['date']}), ratios against the contenders in that same run, as it printed them "
        "(the whole output, and what each figure measures: "
        f"[docs/performance.md](docs/performance.md)):\n\n```\n{targets}\n```"
    )


BLOCKS: dict[str, Callable[[], str]] = {
    "headline": headline,
    "speed": speed,
    "benchmark": benchmark,
    "results": results,
    "robustness": robustness,
}


def pages() -> list[Path]:
    """The pages that may hold generated blocks: the README and docs/*.md."""
    return [README, *sorted(DOCS.glob("*.md"))]


def _block(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.DOTALL
    )


def render(texts: Mapping[Path, str]) -> dict[Path, str]:
    """Each page's text with its blocks rewritten. Every block must sit in exactly one page."""
    texts = dict(texts)
    for name, make in BLOCKS.items():
        holders = [page for page, text in texts.items() if _block(name).search(text)]
        if len(holders) != 1:
            where = ", ".join(str(p) for p in holders) or "no page"
            raise SystemExit(f"the generated:{name} block must be in one page, found in {where}")
        body = make()
        page = holders[0]
        texts[page] = _block(name).sub(
            lambda m, body=body: m.group(1) + body + "\n" + m.group(2), texts[page]
        )
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check, change nothing")
    args = parser.parse_args(argv)
    current = {page: page.read_text(encoding="utf-8") for page in pages()}
    wanted = render(current)
    stale = [page for page in current if wanted[page] != current[page]]
    if args.check:
        for page in stale:
            message = f"{page.name} is out of date: run python scripts/update_readme.py"
            print(message, file=sys.stderr)
        return 1 if stale else 0
    for page in stale:
        page.write_text(wanted[page], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
