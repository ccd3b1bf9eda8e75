"""Normalized paragraph text → its words, or straight to a vocabulary's ids: jieba's
segmentation in C (`zongjie._wordcut`).

This is the ``rjieba`` tokenizer (`features.tokenizer=rjieba`): the same words rjieba (jieba-rs)
cuts, from the same dictionary and HMM (jieba 0.42.1's, in `wordcut.npz`), which
`tests/test_wordcut.py` checks against rjieba itself. Prediction does not want the words, only
their columns: `Vocabulary.ids` segments a batch without the GIL and hands back each token's id
in a fitted vocabulary, with no Python string per token and no dict lookup, about four times
faster than rjieba plus the lookups; `Vocabulary.counts` goes on to count each paragraph's
known n-grams, what TF-IDF weighs.

The dictionary is loaded on first use, once per process (~0.05 s), or ahead of it in a thread
(`load_in_background`: its trie is built without the GIL); everything here is read-only
afterwards, so any number of threads may share it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zongjie import _wordcut

__all__ = ["Vocabulary", "cut", "load_in_background"]

# A plain path, not importlib.resources: its import alone costs a twentieth of the cold start.
DICTIONARY_PATH = Path(__file__).with_name("wordcut.npz")

_dictionary: Any = None
_lock = threading.Lock()


def _forget_lock() -> None:
    # A child forked while a thread of its parent was loading would wait on that lock forever.
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_lock)


def load_in_background() -> threading.Thread | None:
    """Start loading the dictionary unless it is loaded, and return the thread that builds it
    (join it to wait): the file is read here, the trie is built in the thread without the GIL,
    so the caller's own start-up (reading a model file) goes on meanwhile. Whatever uses the
    dictionary next waits for it, or meets the error the thread met."""
    if _dictionary is not None:
        return None
    try:
        tables = _tables()  # read here: in the new thread it would mostly wait for the GIL
        thread = threading.Thread(target=_build_quietly, args=(tables,), name="zongjie-dictionary")
        thread.start()
    except Exception:  # the first use of the dictionary meets it
        return None
    return thread


def _build_quietly(tables: tuple[Any, ...]) -> None:
    # An error here is not lost: the next _load(), in the caller's thread, raises it again.
    with contextlib.suppress(Exception):
        _load(tables)


def _load(tables: tuple[Any, ...] | None = None) -> Any:
    """The dictionary, built from `tables` (else from its file) unless it is built already."""
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                _dictionary = _wordcut.build_dictionary(*(tables or _tables()))
    return _dictionary


def _tables() -> tuple[Any, ...]:
    """The arguments of `_wordcut.build_dictionary`, read from `wordcut.npz`."""
    with np.load(DICTIONARY_PATH, allow_pickle=False) as data:
        tables = {name: data[name] for name in data.files}
    return (
        tables["words"],  # UTF-8, decoded in C
        np.ascontiguousarray(tables["codes"], dtype=np.int32),
        np.ascontiguousarray(tables["frequencies"], dtype=np.int64),
        int(tables["total"]),
        *(np.ascontiguousarray(tables[k], dtype=np.float64) for k in ("start", "trans", "emit")),
    )


def cut(text: str) -> list[str]:
    """The words of `text`, as `rjieba.cut(text)` gives them."""
    if not isinstance(text, str):
        raise TypeError(f"text is {type(text).__name__}, not str")
    return _wordcut.cut(_load(), text)


class Vocabulary:
    """A fitted vocabulary for the native path: `tokens[i]` has id i, each of `stop_tokens`
    id -2 (a stop token that is also in `tokens` is a stop token), any other token -1; with
    `ngrams`, the columns of its n-grams (`zongjie.vocabulary.WordTable`'s arrays: the n-gram
    range, the base of the keys, each token's own column, and per n >= 2 the keys and their
    columns), for `counts`."""

    def __init__(
        self,
        tokens: Sequence[str],
        stop_tokens: Sequence[str] = (),
        ngrams: tuple[tuple[int, int], int, np.ndarray, Sequence[np.ndarray], Sequence[np.ndarray]]
        | None = None,
    ) -> None:
        self._arguments = (list(tokens), list(stop_tokens), ngrams)
        words = [*self._arguments[0], *self._arguments[1]]
        numbers = [*range(len(tokens)), *([-2] * len(stop_tokens))]
        self._vocabulary = _wordcut.build_vocabulary(_load(), words, numbers)
        self._ngrams = None
        if ngrams is not None:
            (low, high), base, unigram, keys, columns = ngrams
            self._ngrams = _wordcut.build_ngrams(
                self._vocabulary,
                low,
                high,
                base,
                _int64_bytes(unigram),
                [_int64_bytes(k) for k in keys[1:high]],
                [_int64_bytes(c) for c in columns[1:high]],
            )

    def __reduce__(self) -> tuple[Any, ...]:
        # A process pool sends models to its workers; the C tables are rebuilt there.
        return (Vocabulary, self._arguments)

    def ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, lengths): the ids of every token of every text, one text after another
        (int64), and how many tokens each text has (int64)."""
        ids, lengths = _wordcut.ids(self._vocabulary, texts)
        return np.frombuffer(ids, dtype=np.int64), np.frombuffer(lengths, dtype=np.int64)

    def counts(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, columns, counts), int64: how often each known n-gram occurs in each text, one
        entry per text and column, sorted by text, then column. Stop tokens go before n-grams
        form; an n-gram with a token outside the vocabulary is none (as in TfidfVectorizer)."""
        if self._ngrams is None:
            raise ValueError("this vocabulary was made without its n-grams")
        rows, columns, counts = _wordcut.counts(self._ngrams, texts)
        return tuple(np.frombuffer(a, dtype=np.int64) for a in (rows, columns, counts))


def _int64_bytes(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array, dtype=np.int64).tobytes()
