"""Measure the figures of docs/robustness.md ("Robustness figures") and write them to
reports/robustness.json, from which `scripts/update_readme.py` renders the section's
generated block (it runs at the end, so the page follows).

    python scripts/robustness.py                  # measure everything (about 10 minutes)
    python scripts/robustness.py --cli-mb 10 --line-mb 10   # smaller inputs: quicker
    python scripts/robustness.py --concurrent-only          # no measuring: see below

What it measures:

* characters lost: for every corpus `segment` reads (the seeds, the State Council reports, the
  raw files of the gold corpora), the characters it holds (whitespace aside) and those
  `segment` drops, by documented reason, with the commonest pieces of each reason;
* `segment`'s CPU time per MB of UTF-8 on report text and on hostile inputs (lines that end
  mid-sentence, one character per line, blank lines, markers that never close, one line of
  `--line-mb` MB with and without sentence ends, read as a stream);
* the CLI's peak memory (VmHWM, in a fresh process, with the committed default model) on
  `--cli-mb` MB of reports with their line ends and with none;
* the model file limits of `zongjie.persistence`, and the default model's sizes.

* two trainings started at once on a fresh MLflow store, `--rounds` times (each a tiny
  `python train.py` on the seeds, evaluation off): how many runs end FINISHED, how many
  trainings fail. `--concurrent-only` measures only this and keeps the other figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import segment_check  # noqa: E402

sys.path.remove(str(ROOT / "scripts"))

from zongjie import __version__  # noqa: E402
from zongjie.persistence import MAX_ENTRY_BYTES, MAX_MODEL_BYTES  # noqa: E402
from zongjie.segment import MAX_LINE, iter_paragraphs, segment, segment_with_drops  # noqa: E402

OUTPUT = ROOT / "reports" / "robustness.json"
DEFAULT_MODEL = ROOT / "models" / "zongjie.model"
REPORT = ROOT / "data" / "raw" / "seeds" / "002_354727535b141923.txt"  # ten reports, 72 kB
MB = 1_000_000


# ------------------------------------------------------------------------- characters lost


def characters_lost(corpora: Path, examples: int = 3) -> list[dict]:
    """Per corpus: its characters (whitespace aside), those dropped by reason, and the
    commonest dropped pieces of each reason."""
    totals: dict[str, dict] = {}
    for corpus, path, record in segment_check.corpus_files(corpora):
        text = segment_check.read_text(path, record)
        _, dropped = segment_with_drops(text)
        entry = totals.setdefault(corpus, {"chars": 0, "reasons": Counter(), "pieces": {}})
        entry["chars"] += len(segment_check.squeeze(text))
        for reason, piece in dropped:
            squeezed = segment_check.squeeze(piece)
            entry["reasons"][reason] += len(squeezed)
            if squeezed:
                entry["pieces"].setdefault(reason, Counter())[squeezed[:24]] += 1
    return [
        {
            "corpus": corpus,
            "characters": entry["chars"],
            "dropped": sum(entry["reasons"].values()),
            "reasons": dict(entry["reasons"].most_common()),
            "examples": {
                reason: [piece for piece, _ in entry["pieces"][reason].most_common(examples)]
                for reason, _ in entry["reasons"].most_common()
            },
        }
        for corpus, entry in totals.items()
    ]


# -------------------------------------------------------------------------- segment's time


def _repeat_to(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit.encode("utf-8")))


def _timed(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def _stream(unit: str, size: int, chunk: int = MB) -> Iterator[str]:
    """`size` bytes of `unit` repeated with no line end, in chunks of about `chunk` bytes."""
    piece = _repeat_to(unit, chunk)
    for _ in range(max(1, round(size / len(piece.encode("utf-8"))))):
        yield piece


def segment_times(line_mb: float, segment_mb: float = 1) -> list[dict]:
    """CPU seconds per MB of UTF-8 for `segment` on each input of `segment_mb` MB (best of
    two), and on one line of `line_mb` MB (once, streamed)."""
    report = REPORT.read_text(encoding="utf-8")
    each = int(segment_mb * 1_000_000)
    inputs = {
        "report text (seed 002, ten reports, repeated)": _repeat_to(report, each),
        "lines that end mid-sentence (`上半年，完成了` on each line)": _repeat_to(
            "上半年，完成了\n", each
        ),
        "one character per line": _repeat_to("字\n", each),
        "blank lines between one-character paragraphs": _repeat_to("字\n\n\n", each),
        "code fences that never close (`` ```x `` on each line)": _repeat_to("```x\n", each),
        "HTML comments that never close (`<!-- x` on each line)": _repeat_to("<!-- x\n", each),
        "page numbers alone on lines between sentences": _repeat_to("今年完成了任务。\n3\n", each),
    }
    rows = []
    for name, text in inputs.items():
        size = len(text.encode("utf-8"))
        seconds = min(_timed(lambda text=text: segment(text)) for _ in range(2))
        rows.append({"input": name, "mb": round(size / 1e6, 2), "seconds": round(seconds, 3)})
    line_bytes = int(line_mb * 1_000_000)
    for name, unit in (
        (f"one {line_mb:g} MB line with sentence ends (streamed)", "今年完成了各项任务。"),
        (f"one {line_mb:g} MB line without a sentence end (streamed)", "上半年，完成了"),
    ):
        size = sum(len(c.encode("utf-8")) for c in _stream(unit, line_bytes))
        seconds = _timed(
            lambda unit=unit: sum(1 for _ in iter_paragraphs(_stream(unit, line_bytes)))
        )
        rows.append({"input": name, "mb": round(size / 1e6, 2), "seconds": round(seconds, 3)})
    for row in rows:
        row["seconds_per_mb"] = round(row["seconds"] / row["mb"], 3)
    return rows


# ------------------------------------------------------------------------ the CLI's memory

PEAK_AFTER_CLI = r"""
import contextlib, os, re, sys, time
from zongjie.__main__ import main
start = time.perf_counter()
with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
    status = main([sys.argv[1]])
seconds = time.perf_counter() - start
# VmHWM is this process's own peak (KiB).
peak = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read())[1])
print(status or 0, peak, round(seconds, 1))
"""


def cli_memory(cli_mb: float) -> list[dict]:
    report = REPORT.read_bytes()
    copies = max(1, int(cli_mb * MB) // len(report))
    rows = []
    with tempfile.TemporaryDirectory(prefix="zongjie-robustness-") as folder:
        for name, data in (
            ("with line ends", report),
            ("with no line end (one line)", report.replace(b"\r", b"").replace(b"\n", b"")),
        ):
            path = Path(folder) / "reports.txt"
            with path.open("wb") as out:
                for _ in range(copies):
                    out.write(data)
            size = path.stat().st_size
            result = subprocess.run(
                [sys.executable, "-c", PEAK_AFTER_CLI, str(path)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "ZONGJIE_MODEL": str(DEFAULT_MODEL)},
            )
            status, peak_kib, seconds = result.stdout.split()[-3:]
            rows.append(
                {
                    "input": f"{round(size / MB, 1):g} MB of reports, {name}",
                    "mb": round(size / MB, 1),
                    "status": int(status),
                    "peak_mib": round(int(peak_kib) / 1024),
                    "seconds": float(seconds),
                }
            )
            path.unlink()
    return rows


# --------------------------------------------------------------------------- model limits


def model_limits() -> dict:
    with zipfile.ZipFile(DEFAULT_MODEL) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    return {
        "max_entry_mib": MAX_ENTRY_BYTES >> 20,
        "max_model_mib": MAX_MODEL_BYTES >> 20,
        "default_model_file_mib": round(DEFAULT_MODEL.stat().st_size / (1 << 20), 1),
        "default_model_unpacked_mib": round(unpacked / (1 << 20), 1),
        "max_line_chars": MAX_LINE,
    }


# --------------------------------------------------------------------- concurrent first runs

# A training in seconds: the seeds, two out-of-fold splits, a short CRF fit, no evaluation.
TINY_TRAINING = [
    "data=seeds",
    "decoder.oof_folds=2",
    "decoder.max_iterations=60",
    "eval.enabled=false",
    "mlflow.log_model=false",
]


def concurrent_first_runs(rounds: int) -> dict:
    """`rounds` times, two `python train.py` started at once on a store that does not exist
    yet (issue 12, item 12: they raced in MLflow's schema migration)."""
    import mlflow

    started, failures, finished, errors = time.time(), 0, 0, Counter()
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            store = f"sqlite:///{folder}/mlflow.db"
            processes = [
                subprocess.Popen(
                    [
                        sys.executable,
                        str(ROOT / "train.py"),
                        *TINY_TRAINING,
                        f"mlflow.tracking_uri={store}",
                        f"output.model_path={folder}/{name}/zongjie.model",
                        f"hydra.run.dir={folder}/{name}",
                    ],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for name in ("a", "b")
            ]
            for process in processes:
                _, stderr = process.communicate(timeout=1800)
                if process.returncode != 0:
                    failures += 1
                    errors[(stderr.strip().splitlines() or ["(no message)"])[-1][:200]] += 1
            client = mlflow.MlflowClient(store)
            runs = [
                run
                for experiment in client.search_experiments()
                for run in client.search_runs([experiment.experiment_id])
            ]
            finished += sum(run.info.status == "FINISHED" for run in runs)
    trainings = 2 * rounds
    return {
        "status": "measured",
        "outcome": f"{finished} of {trainings} runs FINISHED, {failures} trainings failed",
        "rounds": rounds,
        "runs": f"{finished}/{trainings} FINISHED",
        "failures": failures,
        "errors": dict(errors),
        "date": datetime.date.today().isoformat(),
        "seconds": round(time.time() - started, 1),
    }


# ------------------------------------------------------------------------------------ main


def _load_average() -> float:
    return round(os.getloadavg()[0], 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=None, help="the shared corpora folder")
    parser.add_argument("--cli-mb", type=float, default=100, help="CLI input size (MB)")
    parser.add_argument("--line-mb", type=float, default=100, help="the one long line (MB)")
    parser.add_argument("--segment-mb", type=float, default=1, help="each other input (MB)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of two trainings at once on a new store"
    )
    parser.add_argument(
        "--concurrent-only",
        action="store_true",
        help="measure only the concurrent first runs; keep the other figures of the JSON",
    )
    parser.add_argument(
        "--limits-only",
        action="store_true",
        help="read only the model file limits (after the default model changed); keep the rest",
    )
    parser.add_argument("--no-readme", action="store_true", help="leave docs/robustness.md alone")
    args = parser.parse_args(argv)
    if args.concurrent_only or args.limits_only:
        figures = json.loads(args.output.read_text(encoding="utf-8"))
        if args.concurrent_only:
            figures["concurrent_first_run"] = concurrent_first_runs(args.rounds)
        if args.limits_only:
            figures["model_limits"] = model_limits()
    else:
        corpora = args.corpora or segment_check.default_corpora()
        started, load_before = time.time(), _load_average()
        figures = {
            "generated_by": "python scripts/robustness.py" + (" " + " ".join(argv) if argv else ""),
            "date": datetime.date.today().isoformat(),
            "zongjie": __version__,
            "machine": {
                "cores": os.cpu_count(),
                "arch": platform.machine(),
                "python": platform.python_version(),
            },
            "characters_lost": characters_lost(corpora),
            "segment_seconds_per_mb": segment_times(args.line_mb, args.segment_mb),
            "cli_peak_memory": cli_memory(args.cli_mb),
            "model_limits": model_limits(),
            "concurrent_first_run": concurrent_first_runs(args.rounds),
        }
        figures["load_average"] = {"before": load_before, "after": _load_average()}
        figures["minutes"] = round((time.time() - started) / 60, 1)
    args.output.write_text(
        json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.output}", file=sys.stderr)
    if not args.no_readme and args.output == OUTPUT:
        with contextlib.redirect_stdout(io.StringIO()):
            subprocess.run([sys.executable, str(ROOT / "scripts" / "update_readme.py")], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
