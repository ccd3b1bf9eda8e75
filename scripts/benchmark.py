"""Speed of zongjie beside plain jieba, in the same run, on the same paragraphs.

    python scripts/benchmark.py [--repeat 5] [--corpora ../shared/corpora] [--stream-mb 100]

Prints `predict` throughput (paragraphs/s, chars/s) next to `jieba.lcut` over the same
paragraphs, `predict_document` on a long report, and the cold start of
`import zongjie; predict([...])` in fresh processes. Timings are the best of --repeat runs.
Then it labels a 1/10 and a full --stream-mb corpus with the CLI and prints the peak memory
of each (--stream-mb 0 skips that).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD_START = """
import time
start = time.perf_counter()
import zongjie
zongjie.predict(["上半年共完成培训120人次。", "下半年将进一步加强领导。"])
print(time.perf_counter() - start)
"""


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def load_paragraphs(corpora: Path | None) -> list[str]:
    from zongjie.dataset import read_national_reports, read_seeds

    documents = read_seeds(ROOT / "data" / "labels" / "seed_gold.jsonl")
    if corpora is not None:
        documents += read_national_reports(corpora, min_year=2014, max_year=2100)
    return [p for d in documents for p in d.paragraphs]


def cold_start(runs: int) -> tuple[float, float]:
    """Median in-process time of import + first predict, and median whole-process wall time."""
    inside, whole = [], []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True
        )
        whole.append(time.perf_counter() - start)
        inside.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(inside), statistics.median(whole)


PEAK_AFTER_CLI = r"""
import contextlib, os, re, sys, time
from zongjie.__main__ import main
start = time.perf_counter()
with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
    main([sys.argv[1]])
# VmHWM is this process's own peak (KiB); ru_maxrss would count the parent's memory at the fork.
peak_kib = re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read())[1]
print(time.perf_counter() - start, peak_kib)
"""


def stream(megabytes: int) -> list[tuple[float, float, float]]:
    """(MB, seconds, peak MiB) of the CLI labelling the seeds repeated to 1/10 of and then
    `megabytes` of text, in fresh processes."""
    import tempfile

    report = (ROOT / "data" / "raw" / "seeds" / "002_354727535b141923.txt").read_bytes()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in (megabytes / 10, megabytes):
            path = Path(folder) / "corpus.txt"
            path.write_bytes(report * max(1, round(size * 1e6 / len(report))))
            out = subprocess.run(
                [sys.executable, "-c", PEAK_AFTER_CLI, str(path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            results.append((path.stat().st_size / 1e6, float(out[-2]), int(out[-1]) / 1024))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--cpu", type=int, default=0, help="pin the run to this core")
    parser.add_argument("--stream-mb", type=int, default=100, help="corpus size for memory")
    args = parser.parse_args()
    # One core, as a service worker has: both contenders get the same one, in the same run.
    os.sched_setaffinity(0, {args.cpu})

    import jieba

    import zongjie
    from zongjie.text import normalize

    corpora = args.corpora if args.corpora.is_dir() else None
    paragraphs = load_paragraphs(corpora)
    chars = sum(map(len, paragraphs))
    zongjie.predict(paragraphs[:2])  # load the model and jieba's dictionary once
    jieba.initialize()

    jieba_seconds = best_of(args.repeat, lambda: [jieba.lcut(p) for p in paragraphs])
    predict_seconds = best_of(args.repeat, lambda: zongjie.predict(paragraphs))
    normalized = [normalize(p) for p in paragraphs]
    jieba_normalized = best_of(args.repeat, lambda: [jieba.lcut(p) for p in normalized])

    report = paragraphs[:200]
    document_seconds = best_of(args.repeat, lambda: zongjie.predict_document(report))
    inside, whole = cold_start(max(3, args.repeat))

    source = "seeds + government work reports 2014-" if corpora else "seeds"
    print(f"paragraphs: {len(paragraphs)} ({chars} chars) from {source}; pinned to core {args.cpu}")
    print(f"{'':34}{'paragraphs/s':>14}{'chars/s':>14}{'seconds':>10}")
    rows = [
        ("jieba.lcut (raw text)", jieba_seconds),
        ("jieba.lcut (normalized text)", jieba_normalized),
        ("zongjie.predict", predict_seconds),
    ]
    for name, seconds in rows:
        print(f"{name:34}{len(paragraphs) / seconds:14,.0f}{chars / seconds:14,.0f}{seconds:10.3f}")
    print(f"predict throughput / jieba throughput: {jieba_seconds / predict_seconds:.1f}x")
    print(f"predict_document, {len(report)}-paragraph report: {document_seconds * 1000:.1f} ms")
    print(f"cold start (import zongjie + first predict): {inside:.2f} s in process, ", end="")
    print(f"{whole:.2f} s wall")
    if args.stream_mb > 0:
        for size, seconds, peak in stream(args.stream_mb):
            print(
                f"CLI over {size:6.1f} MB of reports: {seconds:6.1f} s, peak memory {peak:.0f} MiB"
            )


if __name__ == "__main__":
    main()
