"""Every core for large inputs (`zongjie.parallel`): the worker processes give exactly the
labels and probabilities one process gives, in order, errors where they were; small inputs
start no pool. The thresholds are lowered so that the seeds' 241 paragraphs use the pool."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import numpy as np
import pytest

from zongjie import api, parallel, predict, predict_iter, predict_proba
from zongjie.dataset import read_seeds
from zongjie.persistence import load_model_file

from conftest import DEFAULT_MODEL, GOLD, SEEDS, alone

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    return [p for d in read_seeds(GOLD) for p in d.paragraphs]


@pytest.fixture
def small_thresholds(monkeypatch):
    monkeypatch.setattr(api, "_model", load_model_file(DEFAULT_MODEL))
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 100)
    monkeypatch.setattr(api, "PARALLEL_MIN", 100)
    monkeypatch.setattr(parallel, "CHUNK", 30)
    parallel._drop_pool()
    yield monkeypatch
    parallel._drop_pool()


def _workers(monkeypatch, count: int) -> None:
    monkeypatch.setenv(parallel.WORKERS_ENV, str(count))


@alone
def test_predict_on_two_workers_is_predict_in_one_process(small_thresholds, paragraphs) -> None:
    _workers(small_thresholds, 1)
    labels, proba = predict(paragraphs), predict_proba(paragraphs)
    assert parallel._pool is None
    _workers(small_thresholds, 2)
    assert predict(paragraphs) == labels
    assert parallel._pool is not None  # the pool did the work
    assert np.array_equal(predict_proba(paragraphs), proba)


def test_small_inputs_start_no_pool(small_thresholds, paragraphs) -> None:
    _workers(small_thresholds, 2)
    predict(paragraphs[:99])
    assert list(predict_iter(paragraphs[:90], batch_size=7))
    assert parallel._pool is None


@alone
def test_predict_iter_on_two_workers(small_thresholds, paragraphs) -> None:
    _workers(small_thresholds, 1)
    expected = list(predict_iter(iter(paragraphs), batch_size=7))
    _workers(small_thresholds, 2)
    assert list(predict_iter(iter(paragraphs), batch_size=7)) == expected
    assert parallel._pool is not None
    # A bad element far into the stream: the labels of every batch before its own, then
    # its error, as in one process.
    bad = [*paragraphs[:200], "  ", *paragraphs[200:]]
    for workers in (1, 2):
        _workers(small_thresholds, workers)
        seen: list[str] = []
        with pytest.raises(ValueError, match="paragraph 200 is blank"):
            seen.extend(predict_iter(iter(bad), batch_size=7))
        assert seen == expected[: 200 // 7 * 7]


@alone
def test_the_cli_on_two_workers_writes_what_one_process_writes(small_thresholds, tmp_path):
    from zongjie.__main__ import main

    files = sorted(SEEDS.glob("*.txt"))
    output = {}
    for workers in (1, 2):
        _workers(small_thresholds, workers)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            assert main([str(f) for f in files]) == 0
        output[workers] = buffer.getvalue()
    assert parallel._pool is not None
    assert output[1] == output[2]
    assert output[1].count("\n") > 200


def test_chunks_are_even_each_a_group_and_cover_the_input() -> None:
    items = list(range(3071))
    parts = parallel.chunks(items, 1024)
    # At least a group's worth each, so that no worker is sent two (they were 2 of ~1000,
    # which left one worker idle for up to a tenth of a 20,000-paragraph batch).
    assert [len(p) for p in parts] == [1535, 1536]
    assert [x for p in parts for x in p] == items
    assert [len(p) for p in parallel.chunks(list(range(1000)), 1024)] == [1000]
    assert parallel.chunks([], 10) == [[]]


def test_chunks_come_in_a_multiple_of_the_workers() -> None:
    # 19 slices on 2 workers: one of them labels the 19th alone while the other waits.
    assert len(parallel.chunks(list(range(20000)), 1024)) == 19
    parts = parallel.chunks(list(range(20000)), 1024, multiple=2)
    assert len(parts) == 18 and min(map(len, parts)) >= 1024
    assert [x for p in parts for x in p] == list(range(20000))
    # Fewer slices than workers: as many as there are, none shorter.
    assert len(parallel.chunks(list(range(3000)), 1024, multiple=4)) == 2


def test_a_large_batch_gives_each_worker_a_few_long_slices(monkeypatch) -> None:
    # Each slice costs a task's sending and a cold start of the caches: 18 slices of ~1,100
    # paragraphs labelled 20,000 on 2 workers ~6% slower than 8 of 2,500.
    _workers(monkeypatch, 2)
    assert [len(p) for p in parallel.worker_slices(list(range(20000)))] == [2500] * 8
    assert [len(p) for p in parallel.worker_slices(list(range(4096)))] == [1024] * 4
    # A long batch: slices no longer than about 4 x CHUNK, still a multiple of the workers.
    parts = parallel.worker_slices(list(range(200_000)))
    assert len(parts) % 2 == 0 and max(map(len, parts)) <= 2 * 4 * parallel.CHUNK
    assert [x for p in parts for x in p] == list(range(200_000))
    _workers(monkeypatch, 3)
    assert len(parallel.worker_slices(list(range(20000)))) == 12


@alone
def test_a_large_predict_sends_each_slice_to_a_worker_alone(small_thresholds, paragraphs):
    _workers(small_thresholds, 2)
    sent: list[int] = []
    submit = parallel._submit

    def counted(pool, function, group):
        sent.append(sum(map(len, group)))
        return submit(pool, function, group)

    small_thresholds.setattr(parallel, "_submit", counted)
    predict(paragraphs)
    assert len(sent) == len(paragraphs) // 30 and sum(sent) == len(paragraphs), sent
    # 7 slices' worth: 6, so that each worker gets 3.
    sent.clear()
    predict(paragraphs[: 30 * 7 + 5])
    assert len(sent) == 6 and sum(sent) == 30 * 7 + 5, sent


@alone
def test_a_started_pool_labels_a_stream_from_its_first_paragraph(small_thresholds, paragraphs):
    # Paragraphs labelled here while the pool is up would leave the other cores idle.
    _workers(small_thresholds, 2)
    predict(paragraphs)
    expected = predict(paragraphs[:50])
    sent: list[int] = []
    submit = parallel._submit
    small_thresholds.setattr(parallel, "_submit", lambda *a: sent.append(len(a[2])) or submit(*a))
    assert list(predict_iter(iter(paragraphs[:50]), batch_size=10)) == expected
    assert sum(sent) == 5  # batches, all of them sent


def test_a_process_that_used_the_pool_exits_without_a_traceback() -> None:
    # The pool left to the interpreter's last clean-up was at times collected after
    # `multiprocessing` and printed "AttributeError: 'NoneType' object has no attribute
    # 'debug'" (a wrapper of `_results` from __main__ made that order certain).
    script = """
import zongjie
from zongjie import parallel
results = parallel._results
def wrapped(*args):
    return results(*args)
parallel._results = wrapped
print(len(zongjie.predict(["上半年共完成培训120人次。", "下半年将进一步加强领导。"] * 2100)))
assert parallel._pool is not None
"""
    env = {**os.environ, parallel.WORKERS_ENV: "2"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "4200\n", "")


@alone
def test_a_pool_shut_down_midway_leaves_the_work_to_this_process(
    small_thresholds, paragraphs
) -> None:
    # Another thread loading another model shuts the pool down under a running stream: its
    # cancelled and refused groups are labelled here, the same labels in the same order.
    _workers(small_thresholds, 1)
    expected = list(predict_iter(iter(paragraphs), batch_size=7))
    _workers(small_thresholds, 2)
    stream = predict_iter(iter(paragraphs), batch_size=7)
    seen = [next(stream) for _ in range(130)]
    assert parallel._pool is not None
    parallel._drop_pool()
    assert seen + list(stream) == expected
