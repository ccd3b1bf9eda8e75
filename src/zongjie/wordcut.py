"""Normalized paragraph text → its words, or straight to a vocabulary's ids: jieba's
segmentation in C (`zongjie._wordcut`).

This is the ``rjieba`` tokenizer (`features.tokenizer=rjieba`): the same words rjieba (jieba-rs)
cuts, from the same dictionary and HMM (jieba 0.42.1's, in `wordcut.npz`), which
`tests/test_wordcut.py` checks against rjieba itself. Prediction does not want the words, only
their columns: `TokenIds.ids` segments a batch without the GIL and hands back each token's id
in a fitted vocabulary, with no Python string per token and no dict lookup, about four times
faster than rjieba plus the lookups.

The dictionary is loaded on first use, once per process (~0.2 s); everything here is
read-only afterwards, so any number of threads may share it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np

from zongjie import _wordcut

__all__ = ["TokenIds", "cut"]

_dictionary: Any = None
_lock = threading.Lock()


def _load() -> Any:
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                with resources.files("zongjie").joinpath("wordcut.npz").open("rb") as file:
                    data = np.load(file, allow_pickle=False)
                    tables = {name: data[name] for name in data.files}
                _dictionary = _wordcut.build_dictionary(
                    tables["words"].tobytes().decode("utf-8"),
                    np.ascontiguousarray(tables["codes"], dtype=np.int32).tobytes(),
                    np.ascontiguousarray(tables["frequencies"], dtype=np.int64).tobytes(),
                    int(tables["total"]),
                    *(
                        np.ascontiguousarray(tables[k], dtype=np.float64).tobytes()
                        for k in ("start", "trans", "emit")
                    ),
                )
    return _dictionary


def cut(text: str) -> list[str]:
    """The words of `text`, as `rjieba.cut(text)` gives them."""
    if not isinstance(text, str):
        raise TypeError(f"text is {type(text).__name__}, not str")
    return _wordcut.cut(_load(), text)


class TokenIds:
    """A vocabulary for `ids`: `tokens[i]` has id i, each of `stop_tokens` id -2 (a stop token
    that is also in `tokens` is a stop token), any other token -1."""

    def __init__(self, tokens: Sequence[str], stop_tokens: Sequence[str] = ()) -> None:
        self._tokens, self._stop_tokens = list(tokens), list(stop_tokens)
        words = [*self._tokens, *self._stop_tokens]
        numbers = [*range(len(self._tokens)), *([-2] * len(self._stop_tokens))]
        self._vocabulary = _wordcut.build_vocabulary(_load(), words, numbers)

    def __reduce__(self) -> tuple[Any, ...]:
        # A process pool sends models to its workers; the C table is rebuilt there.
        return (TokenIds, (self._tokens, self._stop_tokens))

    def ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, lengths): the ids of every token of every text, one text after another
        (int64), and how many tokens each text has (int64)."""
        ids, lengths = _wordcut.ids(self._vocabulary, texts)
        return np.frombuffer(ids, dtype=np.int64), np.frombuffer(lengths, dtype=np.int64)
