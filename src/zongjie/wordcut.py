"""Normalized paragraph text → its words, or straight to a vocabulary's ids: jieba's
segmentation in C (`zongjie._wordcut`).

This is the ``rjieba`` tokenizer (`features.tokenizer=rjieba`): the same words rjieba (jieba-rs)
cuts, from the same dictionary and HMM (jieba 0.42.1's, in `wordcut.npz` and, as the trie the
segmenter looks words up in, `wordcut_trie.npy`), which
`tests/test_wordcut.py` checks against rjieba itself. Prediction does not want the words, only
their columns: `Vocabulary.ids` segments a batch without the GIL and hands back each token's id
in a fitted vocabulary, with no Python string per token and no dict lookup, about four times
faster than rjieba plus the lookups; `Vocabulary.counts` goes on to count each paragraph's
known n-grams, what TF-IDF weighs.

The dictionary is loaded on first use, once per process (a few milliseconds); everything here
is read-only afterwards, so any number of threads may share it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zongjie import _wordcut

__all__ = ["Vocabulary", "cut"]

# Plain paths, not importlib.resources: its import alone cost a twentieth of the cold start.
TABLES_PATH = Path(__file__).with_name("wordcut.npz")
TRIE_PATH = Path(__file__).with_name("wordcut_trie.npy")

_dictionary: Any = None
_lock = threading.Lock()


def _load() -> Any:
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                _dictionary = _wordcut.load_dictionary(*_tables())
    return _dictionary


def _tables() -> tuple[Any, ...]:
    """The arguments of `_wordcut.load_dictionary`, from the files
    scripts/make_wordcut_data.py writes."""
    with np.load(TABLES_PATH, allow_pickle=False) as data:
        tables = {name: data[name] for name in data.files}
    # Mapped, not read: the loader goes through it once, front to back.
    slots, entries = np.load(TRIE_PATH, mmap_mode="r", allow_pickle=False)
    return (
        int(tables["trie_bits"]),
        np.ascontiguousarray(slots, dtype=np.uint64),
        np.ascontiguousarray(entries, dtype=np.uint64),
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
