"""The CLI streams: peak memory does not grow with the size of the corpus."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import SEEDS

# The CLI reads ZONGJIE_MODEL; labelling 6 MB takes it about 20 seconds.
pytestmark = [pytest.mark.usefixtures("use_tiny_model"), pytest.mark.slow]

PEAK_AFTER_CLI = r"""
import contextlib, os, re, sys
from zongjie.__main__ import main
with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
    main([sys.argv[1]])
# VmHWM is this process's own peak (KiB); ru_maxrss would count the parent's memory at the fork.
print(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read())[1])
"""


def _peak_kib(path) -> int:
    result = subprocess.run(
        [sys.executable, "-c", PEAK_AFTER_CLI, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def test_peak_memory_does_not_grow_with_the_corpus(tmp_path) -> None:
    report = (SEEDS / "002_354727535b141923.txt").read_bytes()  # ten reports, 72 kB
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_bytes(report * 10)  # 0.7 MB
    large.write_bytes(report * 80)  # 5.8 MB, eight times as much
    growth_mib = (_peak_kib(large) - _peak_kib(small)) / 1024
    assert growth_mib < 20, f"peak memory grew by {growth_mib:.0f} MiB for 8x the text"


def test_peak_memory_of_a_file_without_line_ends_does_not_grow(tmp_path) -> None:
    # Without line ends the whole file is one line: the CLI held it whole, then all its
    # paragraphs at once (100 MB peaked at 3.5 GB, about 35 MiB per MB). It now cuts the line at
    # sentence ends within segment.MAX_LINE and labels 1 MiB of characters (about 3 MB of this
    # text) at a time, so past that its peak stays flat. The allocator's high-water mark still
    # rises over the first few MB (3.6, 7.2, 14.4, 29 MB peaked at 151, 178, 182, 184 MiB), so
    # the sizes compared are past that.
    report = (SEEDS / "002_354727535b141923.txt").read_bytes().replace(b"\n", b"")
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_bytes(report * 100)  # 7.2 MB
    large.write_bytes(report * 200)  # 14.4 MB
    growth_mib = (_peak_kib(large) - _peak_kib(small)) / 1024
    assert growth_mib < 20, f"peak memory grew by {growth_mib:.0f} MiB for twice the text"


def test_predict_document_memory_does_not_grow_with_the_document(seed_documents) -> None:
    # Featurized in slices: three times the paragraphs, not three times the peak (whole
    # feature matrices and attribute dicts grew by ~13 MiB per 1,000 paragraphs).
    import tracemalloc

    from zongjie import predict_document

    paragraphs = [p for d in seed_documents for p in d.paragraphs]
    predict_document(paragraphs[:50])
    peaks = []
    for n in (1500, 4500):
        document = (paragraphs * (n // len(paragraphs) + 1))[:n]
        tracemalloc.start()
        predict_document(document)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    assert peaks[1] - peaks[0] < 15, f"peak grew from {peaks[0]:.0f} to {peaks[1]:.0f} MiB"
