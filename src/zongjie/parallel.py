"""Every core for large inputs: a model's work on batches of paragraphs in worker processes.

The segmenter releases the GIL, but the shape and context patterns and numpy's many small steps
hold it, so threads would not help much; processes do.
The pool is forked from this process, once, and inherits the model (nothing is pickled but
the paragraphs going out and the arrays coming back), then serves every later call with the
same model. Results come back in order and are the ones this process would compute: each
batch is worked on exactly as it would be here.

No pool is started where it would not pay or not be safe: for small inputs (`predict` of fewer
than `PARALLEL_MIN` paragraphs, the first batches of a stream; once the pool is up, a stream
uses it from its first batch), on one usable core, where ``fork`` is not the way to start
processes (only Linux forks safely), or when this process runs other Python threads (a forked
child would inherit their locks held). ``ZONGJIE_WORKERS`` sets the number of worker processes
(1: none).
"""

from __future__ import annotations

import atexit
import itertools
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # concurrent.futures is imported with the pool: small inputs never need it
    from concurrent.futures import Executor, Future

__all__ = [
    "CHUNK",
    "PARALLEL_MIN",
    "WORKERS_ENV",
    "chunks",
    "ordered_map",
    "worker_slices",
    "workers",
]

WORKERS_ENV = "ZONGJIE_WORKERS"
# Fewer paragraphs than this are labelled here: starting the pool costs tens of milliseconds,
# and a chunk must be long enough for the workers' share to outweigh sending it.
PARALLEL_MIN = 4096
CHUNK = 1024  # paragraphs a worker labels at a time
# A large batch's slices per worker (`worker_slices`): each slice costs its worker a task's
# sending and a cold start of its caches, and a few each keep the workers even to the end.
SLICES_PER_WORKER = 4

T = TypeVar("T")
R = TypeVar("R")

_pool: Executor | None = None
_pool_model: Any = None
_pool_lock = threading.Lock()
_worker_model: Any = None


def workers() -> int:
    """How many worker processes large inputs get: $ZONGJIE_WORKERS, else the cores this
    process may run on; 1 means none (everything runs here)."""
    if value := os.environ.get(WORKERS_ENV):
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(f"{WORKERS_ENV} must be a whole number, not {value!r}") from None
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _usable() -> bool:
    return sys.platform == "linux" and workers() > 1 and _worker_model is None


def _init(model: Any) -> None:
    global _worker_model
    _worker_model = model


def _call(function: Callable[[Any, Any], Any], group: list[Any]) -> list[Any]:
    return [function(_worker_model, item) for item in group]


def _get_pool(model: Any) -> Executor | None:
    """The pool serving `model`, started if need be; None where no pool should run."""
    global _pool, _pool_model
    if not _usable():
        return None
    with _pool_lock:
        if _pool is not None and _pool_model is not model:
            _pool.shutdown(wait=True, cancel_futures=True)  # its threads end: we fork anew
            _pool, _pool_model = None, None
        if _pool is None:
            if threading.active_count() > 1:
                return None  # a forked child would inherit the other threads' locks held
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # Forked: the workers start with the model in memory (initargs are not pickled).
            _pool = ProcessPoolExecutor(
                max_workers=workers(),
                mp_context=multiprocessing.get_context("fork"),
                initializer=_init,
                initargs=(model,),
            )
            _pool_model = model
        return _pool


def _drop_pool() -> None:
    global _pool, _pool_model
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool, _pool_model = None, None


# At exit, while the modules it uses are still whole: left to the interpreter's last clean-up,
# the pool was at times collected after `multiprocessing` was, and printed a traceback.
atexit.register(_drop_pool)


def ordered_map(
    model: T,
    function: Callable[[T, Any], R],
    items: Iterable[Any],
    size: Callable[[Any], int] = len,
    serial: int | None = None,
) -> Iterator[R]:
    """`function(model, item)` for each item, in order. Here until the items seen hold
    `serial` paragraphs (`size(item)` each; default `PARALLEL_MIN`, none once the pool is up),
    then in the worker processes when a pool is usable (here otherwise), sent in groups of
    about `CHUNK` paragraphs, a few groups in flight at a time: memory holds a few groups'
    work however long `items` is. An error raised while drawing the next item comes after the
    results of every item before it, as it would without workers. `function` must be a
    module-level function (the workers find it by name)."""
    iterator = iter(items)
    seen = 0
    serial = PARALLEL_MIN if serial is None else serial
    if _pool is not None and _pool_model is model:
        # The pool is up: items labelled here would leave the other cores idle meanwhile.
        serial = 0
    if serial > 0:
        for item in iterator:
            yield function(model, item)
            seen += size(item)
            if seen >= serial:
                break
        else:
            return
    pool = _get_pool(model)
    if pool is None:
        for item in iterator:
            yield function(model, item)
        return
    window = 2 * workers()
    pending: deque[tuple[list[Any], Future[list[R]] | None]] = deque()
    exhausted = False
    try:
        while pending or not exhausted:
            while not exhausted and len(pending) < window:
                group, grouped = [], 0
                while grouped < CHUNK:
                    try:
                        item = next(iterator)
                    except StopIteration:
                        exhausted = True
                        break
                    except BaseException:
                        # The input failed: the results of every item before the failure
                        # (those of the unfinished group computed here), then its error.
                        while pending:
                            yield from _results(model, function, *pending.popleft())
                        for done in group:
                            yield function(model, done)
                        raise
                    group.append(item)
                    grouped += size(item)
                if group:
                    pending.append((group, _submit(pool, function, group)))
            if pending:
                yield from _results(model, function, *pending.popleft())
    finally:
        for _, future in pending:  # the consumer stopped early
            if future is not None:
                future.cancel()


def _submit(
    pool: Executor, function: Callable[[Any, Any], Any], group: list[Any]
) -> Future[list[Any]] | None:
    try:
        return pool.submit(_call, function, group)
    except RuntimeError:  # shut down meanwhile (another thread loaded another model)
        return None


def _results(
    model: T, function: Callable[[T, Any], R], group: list[Any], future: Future[list[R]] | None
) -> list[R]:
    """The group's results from its worker, or made here when the pool failed it."""
    from concurrent.futures import CancelledError
    from concurrent.futures.process import BrokenProcessPool

    if future is not None:
        try:
            return future.result()
        except BrokenProcessPool:  # a worker died (killed, out of memory): carry on here
            _drop_pool()
        except CancelledError:  # the pool was shut down for another model meanwhile
            pass
    return [function(model, item) for item in group]


def worker_slices(items: list[T]) -> list[list[T]]:
    """A large batch cut for the workers (`chunks`): `SLICES_PER_WORKER` slices for each
    worker where that keeps slices of `CHUNK` to 4 × `CHUNK` paragraphs, more of that length
    where the batch is longer, their number a multiple of the workers'. (18 slices of ~1,100
    paragraphs labelled 20,000 on 2 workers ~6% slower than 8 of 2,500.)"""
    count = workers()
    size = min(max(CHUNK, len(items) // (SLICES_PER_WORKER * count)), 4 * CHUNK)
    return chunks(items, size, multiple=count)


def chunks(items: list[T], size: int | None = None, multiple: int = 1) -> list[list[T]]:
    """`items` in consecutive even slices of `size` (default `CHUNK`) to twice as many, all
    of them when fewer: each slice fills a worker's group alone, and none is much shorter (a
    slice of one paragraph would be scored by another BLAS routine, to another last bit).
    Where there are `multiple` slices or more, their number is a multiple of it: given the
    number of workers, every worker gets as many slices (19 slices on 2 workers left one idle
    for the last of them, 5% of the batch)."""
    count = max(1, len(items) // (size or CHUNK))
    if count >= multiple:
        count -= count % multiple
    bounds = [len(items) * k // count for k in range(count + 1)]
    return [items[a:b] for a, b in itertools.pairwise(bounds)]
