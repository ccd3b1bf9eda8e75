"""Every core for large inputs (`zongjie.parallel`): the worker processes give exactly the
labels and probabilities one process gives, in order, errors where they were; small inputs
start no pool. The thresholds are lowered so that the seeds' 241 paragraphs use the pool."""

from __future__ import annotations

import contextlib
import io
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


def test_chunks_are_even_and_cover_the_input() -> None:
    items = list(range(2049))
    parts = parallel.chunks(items, 1024)
    assert [len(p) for p in parts] == [683, 683, 683]
    assert [x for p in parts for x in p] == items
    assert parallel.chunks([], 10) == [[]]


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
