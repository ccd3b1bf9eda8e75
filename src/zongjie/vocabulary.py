"""A fitted TF-IDF vocabulary as arrays, and its application with numpy: tokens → n-gram
columns → TF-IDF values.

scikit-learn's TfidfVectorizer fits the vocabulary (`zongjie.features.WordTfidf`); `WordTable`
keeps what it learned as integer n-gram keys (each token an integer, an n-gram the tokens'
integers combined), and `word_tfidf` finds a whole batch's n-grams with one `searchsorted`
instead of a dict lookup per n-gram. With the rjieba tokenizer (the default) the C extension
does that part instead: it segments each text straight to token ids and counts its n-grams'
columns (`zongjie.wordcut.Vocabulary.counts`), and numpy only weighs the counts. Training and
prediction both featurize through `word_tfidf`, so they share one implementation; a model file
stores the table's arrays.
A table is immutable once built, so one instance serves any number of threads.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zongjie.text import TOKENIZERS, normalize
from zongjie.wordcut import Vocabulary

__all__ = ["WordTable", "word_tfidf"]


@dataclass(frozen=True, eq=False)
class WordTable:
    """A fitted TF-IDF vocabulary. Each token has an integer id (its index in `tokens`); an
    n-gram's key is its tokens' ids read as digits in base ``len(tokens)``. `ngram_keys[n-1]`
    holds the sorted keys of the vocabulary's n-grams and `ngram_columns[n-1]` their columns;
    `unigram_columns[id]` is a token's own column (-1: not a feature)."""

    tokenizer: str
    ngram_range: tuple[int, int]
    sublinear_tf: bool
    norm: str | None
    idf: np.ndarray
    tokens: np.ndarray
    stop_tokens: np.ndarray
    ngram_keys: tuple[np.ndarray, ...]
    ngram_columns: tuple[np.ndarray, ...]
    unigram_columns: np.ndarray
    # token → id, stop words → -2: derived from the arrays, never saved.
    token_index: dict[str, int] = field(init=False, repr=False)
    # n → a hash of ngram_keys[n-1], made on first use: derived, never saved.
    _hashes: dict[int, _KeyHash] = field(init=False, repr=False)
    # The table for the native segmenter (tokenizer rjieba), made on first use: derived.
    _native: list[Vocabulary] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.tokenizer not in TOKENIZERS:
            raise ValueError(f"unknown tokenizer {self.tokenizer!r}")
        if self.norm not in ("l1", "l2", None):
            raise ValueError(f"unknown TF-IDF norm {self.norm!r}")
        index = {token: i for i, token in enumerate(self.tokens.tolist())}
        index.update(dict.fromkeys(self.stop_tokens.tolist(), -2))
        object.__setattr__(self, "token_index", index)
        object.__setattr__(self, "_hashes", {})
        object.__setattr__(self, "_native", [])

    def native(self) -> Vocabulary:
        """This table for the native segmenter (`zongjie.wordcut`), made once."""
        if not self._native:  # two threads may both make it: the same table either way
            ngrams = (
                self.ngram_range,
                max(1, len(self.tokens)),
                self.unigram_columns,
                self.ngram_keys,
                self.ngram_columns,
            )
            self._native[:] = [Vocabulary(self.tokens.tolist(), self.stop_tokens.tolist(), ngrams)]
        return self._native[0]

    def key_hash(self, n: int) -> _KeyHash:
        """The hash of the n-gram keys (n >= 2), made once."""
        found = self._hashes.get(n)
        if found is None:  # two threads may both make it: the same table either way
            found = self._hashes[n] = _KeyHash(self.ngram_keys[n - 1])
        return found

    @classmethod
    def from_vectorizer(cls, vectorizer: Any, tokenizer: str) -> WordTable:
        """The arrays of a fitted scikit-learn `TfidfVectorizer` whose tokens came from
        `TOKENIZERS[tokenizer]` (its feature names are the n-grams' tokens joined by spaces)."""
        names = vectorizer.get_feature_names_out()
        token_ids: dict[str, int] = {}
        grams = [name.split(" ") for name in names]
        for tokens in grams:
            for token in tokens:
                token_ids.setdefault(token, len(token_ids))
        base = max(1, len(token_ids))
        by_length: dict[int, list[tuple[int, int]]] = {}
        for column, tokens in enumerate(grams):
            key = 0
            for token in tokens:
                key = key * base + token_ids[token]
            by_length.setdefault(len(tokens), []).append((key, column))
        high = int(vectorizer.ngram_range[1])
        keys, columns = [], []
        for n in range(1, high + 1):
            pairs = np.array(sorted(by_length.get(n, [])), dtype=np.int64).reshape(-1, 2)
            keys.append(pairs[:, 0].copy())
            columns.append(pairs[:, 1].copy())
        unigram = np.full(len(token_ids) + 1, -1, dtype=np.int64)
        unigram[keys[0]] = columns[0]
        return cls(
            tokenizer=tokenizer,
            ngram_range=(int(vectorizer.ngram_range[0]), high),
            sublinear_tf=bool(vectorizer.sublinear_tf),
            norm=vectorizer.norm,
            idf=vectorizer.idf_.astype(np.float32),
            tokens=np.array(list(token_ids), dtype=str),
            stop_tokens=np.array(sorted(vectorizer.get_stop_words() or []), dtype=str),
            ngram_keys=tuple(keys),
            ngram_columns=tuple(columns),
            unigram_columns=unigram,
        )

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def feature_names(self) -> list[str]:
        """The n-gram of each column (tokens joined by spaces), for explanations."""
        names = [""] * self.n_features
        base = max(1, len(self.tokens))
        for n, (keys, columns) in enumerate(
            zip(self.ngram_keys, self.ngram_columns, strict=True), 1
        ):
            for key, column in zip(keys.tolist(), columns.tolist(), strict=True):
                parts = []
                for _ in range(n):
                    key, digit = divmod(key, base)
                    parts.append(str(self.tokens[digit]))
                names[column] = " ".join(reversed(parts))
        return names

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Its settings (JSON) and arrays, as a model file stores them."""
        settings = {
            "tokenizer": self.tokenizer,
            "ngram_range": list(self.ngram_range),
            "sublinear_tf": self.sublinear_tf,
            "norm": self.norm,
        }
        arrays = {
            "idf": self.idf,
            "tokens": self.tokens,
            "stop_tokens": self.stop_tokens,
            "unigram_columns": self.unigram_columns,
        }
        for n, (keys, columns) in enumerate(
            zip(self.ngram_keys, self.ngram_columns, strict=True), 1
        ):
            arrays[f"ngram_keys_{n}"] = keys
            arrays[f"ngram_columns_{n}"] = columns
        return settings, arrays

    @classmethod
    def from_state(cls, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> WordTable:
        low, high = (int(n) for n in settings["ngram_range"])
        return cls(
            tokenizer=str(settings["tokenizer"]),
            ngram_range=(low, high),
            sublinear_tf=bool(settings["sublinear_tf"]),
            norm=settings["norm"],
            idf=np.asarray(arrays["idf"], dtype=np.float32),
            tokens=np.asarray(arrays["tokens"], dtype=str),
            stop_tokens=np.asarray(arrays["stop_tokens"], dtype=str),
            ngram_keys=tuple(
                np.asarray(arrays[f"ngram_keys_{n}"], dtype=np.int64) for n in range(1, high + 1)
            ),
            ngram_columns=tuple(
                np.asarray(arrays[f"ngram_columns_{n}"], dtype=np.int64) for n in range(1, high + 1)
            ),
            unigram_columns=np.asarray(arrays["unigram_columns"], dtype=np.int64),
        )


# n-grams to look up from which a batch uses the hash (made once, in ~10 ms) rather than a
# binary search: about 90 paragraphs.
_HASH_MIN = 4096


class _KeyHash:
    """Distinct non-negative int64 keys → their index, by open addressing with linear probing:
    `find` looks a whole batch up in a few vectorized probes, where a binary search of the
    40,000 bigram keys takes 16 (3 µs a paragraph less). Exact: a key is found or not."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray) -> None:
        bits = max(4, (4 * len(keys)).bit_length())  # at most a quarter full: short probes
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._slots = np.full(1 << bits, -1, dtype=np.int64)
        self._index = np.full(1 << bits, -1, dtype=np.int64)
        pending = np.arange(len(keys))
        where = self._home(keys)
        while len(pending):
            # Each free slot wanted goes to the first key that wants it; every other key
            # moves on to the next slot (its slot is taken now, or was).
            free = np.flatnonzero(self._slots[where] == -1)
            slots, first = np.unique(where[free], return_index=True)
            winners = pending[free[first]]
            self._slots[slots] = keys[winners]
            self._index[slots] = winners
            placed = np.zeros(len(pending), dtype=bool)
            placed[free[first]] = True
            pending, where = pending[~placed], (where[~placed] + 1) & self._mask

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * self._MULTIPLIER) >> self._shift).astype(np.int64)

    def find(self, queries: np.ndarray) -> np.ndarray:
        """The index of each query among the keys, -1 where it is not one."""
        result = np.full(len(queries), -1, dtype=np.int64)
        todo = np.arange(len(queries))
        where = self._home(queries)
        while len(todo):
            seen = self._slots[where]
            match = seen == queries[todo]
            result[todo[match]] = self._index[where[match]]
            going = (seen != -1) & ~match
            todo, where = todo[going], (where[going] + 1) & self._mask
        return result


def _ngram_hits(table: WordTable, normalized: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every known n-gram occurrence in `normalized` (`normalize`d texts),
    repeats included."""
    texts = normalized
    tokenize_text = TOKENIZERS[table.tokenizer]
    lookup = table.token_index.get
    ids: list[int] = []
    lengths = np.empty(len(texts), dtype=np.int64)
    for row, text in enumerate(texts):
        tokens = tokenize_text(text)
        ids.extend(map(lookup, tokens, itertools.repeat(-1, len(tokens))))
        lengths[row] = len(tokens)
    all_ids = np.array(ids, dtype=np.int64)
    all_docs = np.repeat(np.arange(len(texts)), lengths)
    kept = all_ids != -2  # stop words go before n-grams form, as in TfidfVectorizer
    ids_array, docs = all_ids[kept], all_docs[kept]
    base = max(1, len(table.tokens))
    rows, columns = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    low, high = table.ngram_range
    for n in range(low, high + 1):
        if len(ids_array) < n:
            continue
        if n == 1:
            unigram = table.unigram_columns[ids_array]  # id -1 reads the trailing -1
            rows.append(docs[unigram >= 0])
            columns.append(unigram[unigram >= 0])
            continue
        known_keys, known_columns = table.ngram_keys[n - 1], table.ngram_columns[n - 1]
        if not len(known_keys):
            continue
        starts = np.arange(len(ids_array) - n + 1)
        same_doc = docs[starts] == docs[starts + n - 1]
        window = np.stack([ids_array[starts + k] for k in range(n)])
        valid = same_doc & (window >= 0).all(axis=0)
        key = np.zeros(int(valid.sum()), dtype=np.int64)
        for k in range(n):
            key = key * base + window[k, valid]
        if len(key) >= _HASH_MIN:
            found = table.key_hash(n).find(key)
            hit = found >= 0
        else:  # a few paragraphs (a cold start's first call): not worth making the hash
            found = np.searchsorted(known_keys, key)
            found[found == len(known_keys)] = 0
            hit = known_keys[found] == key
        rows.append(docs[starts[valid][hit]])
        columns.append(known_columns[found[hit]])
    return np.concatenate(rows), np.concatenate(columns)


def word_tfidf(
    table: WordTable, texts: Sequence[str], normalized: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The TF-IDF matrix of `texts` as sorted (row, column, value) entries, one per nonzero:
    what `TfidfVectorizer.transform` gives, sublinear term frequency and row norm included.
    `normalized`: the texts `normalize`d, when the caller has them already."""
    if normalized is None:
        normalized = [normalize(text) for text in texts]
    if table.tokenizer == "rjieba":  # segmented and counted in C (zongjie.wordcut)
        rows, columns, counts = table.native().counts(list(normalized))
    else:
        rows, columns = _ngram_hits(table, normalized)
        width = max(1, table.n_features)
        cells, counts = np.unique(rows * width + columns, return_counts=True)
        rows, columns = cells // width, cells % width
    values = counts.astype(np.float32)
    if table.sublinear_tf:
        values = np.log(values) + np.float32(1)
    values *= table.idf[columns]
    if table.norm is not None:
        mass = values * values if table.norm == "l2" else np.abs(values)
        norms = np.bincount(rows, weights=mass, minlength=len(texts))
        norms = np.sqrt(norms) if table.norm == "l2" else norms
        norms[norms == 0] = 1.0
        values = (values / norms[rows]).astype(np.float32)
    return rows, columns, values
