"""A fitted TF-IDF vocabulary as arrays, and its application with numpy: tokens → n-gram
columns → TF-IDF values.

`fit_table` fits the vocabulary as scikit-learn's TfidfVectorizer does, to the last bit, but
counting token ids with numpy (`zongjie.features.WordTfidf`, which leaves the rare cases it
cannot count that way to the vectorizer); `WordTable` keeps what it learned as integer n-gram
keys (each token an integer, an n-gram the tokens' integers combined), and `word_tfidf` finds a
whole batch's n-grams with one `searchsorted` instead of a dict lookup per n-gram. With the
rjieba tokenizer (the default) the C extension does that part instead: it segments each text
straight to token ids and counts its n-grams' columns (`zongjie.wordcut.Vocabulary.counts`), and
numpy only weighs the counts. Training and prediction both featurize through `word_tfidf`, so
they share one implementation; a model file stores the table's arrays.
A table is immutable once built, so one instance serves any number of threads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np

from zongjie.text import TOKENIZERS, normalize
from zongjie.wordcut import Vocabulary

__all__ = ["WordTable", "fit_table", "word_tfidf"]


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
        return cls.from_names(
            vectorizer.get_feature_names_out().tolist(),
            vectorizer.idf_,
            tokenizer,
            (int(vectorizer.ngram_range[0]), int(vectorizer.ngram_range[1])),
            bool(vectorizer.sublinear_tf),
            vectorizer.norm,
            vectorizer.get_stop_words() or [],
        )

    @classmethod
    def from_names(
        cls,
        names: Sequence[str],
        idf: np.ndarray,
        tokenizer: str,
        ngram_range: tuple[int, int],
        sublinear_tf: bool,
        norm: str | None,
        stop_words: Iterable[str],
    ) -> WordTable:
        """The table of the n-grams `names` (tokens joined by spaces; column i is names[i])
        with inverse document frequencies `idf`."""
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
        high = ngram_range[1]
        keys, columns = [], []
        for n in range(1, high + 1):
            pairs = np.array(sorted(by_length.get(n, [])), dtype=np.int64).reshape(-1, 2)
            keys.append(pairs[:, 0].copy())
            columns.append(pairs[:, 1].copy())
        unigram = np.full(len(token_ids) + 1, -1, dtype=np.int64)
        unigram[keys[0]] = columns[0]
        return cls(
            tokenizer=tokenizer,
            ngram_range=ngram_range,
            sublinear_tf=sublinear_tf,
            norm=norm,
            idf=idf.astype(np.float32),
            tokens=np.array(list(token_ids), dtype=str),
            stop_tokens=np.array(sorted(stop_words), dtype=str),
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


def fit_table(
    normalized: Sequence[str],
    tokenizer: str,
    ngram_range: tuple[int, int],
    min_df: float,
    max_df: float,
    max_features: int | None,
    sublinear_tf: bool,
    stop_words: Sequence[str],
) -> WordTable | None:
    """The table `TfidfVectorizer(tokenizer=TOKENIZERS[tokenizer], ngram_range=..., min_df=...,
    max_df=..., max_features=..., sublinear_tf=..., stop_words=..., dtype=float32)` fitted on
    `normalized` (`normalize`d texts) gives through `from_vectorizer`, the same to the last bit;
    counted on token ids with numpy rather than on n-gram strings in dicts, and without the
    document-term matrix the vectorizer builds and training throws away (five times faster).
    Each of scikit-learn's steps is followed: document frequencies bound the terms, the
    `max_features` most frequent of them (the same argsort over the same float32 totals, in
    the terms' sorted order, so ties fall alike) are kept, and the smoothed idf is computed in
    float32. None where scikit-learn has to decide: a setting it would refuse, documents that
    leave no term, or a token with a space inside (two n-grams could then join into one
    string, which the vectorizer counts as one term)."""
    n_doc = len(normalized)
    high = max_df if isinstance(max_df, Integral) else max_df * n_doc
    low = min_df if isinstance(min_df, Integral) else min_df * n_doc
    settings_valid = all(
        value >= 0 if isinstance(value, Integral) else 0 <= value <= 1 for value in (min_df, max_df)
    ) and (max_features is None or (isinstance(max_features, Integral) and max_features > 0))
    if not settings_valid or high < low or not 1 <= ngram_range[0] <= ngram_range[1]:
        return None
    stop = frozenset(stop_words)
    tokenize_text = TOKENIZERS[tokenizer]
    token_ids: dict[str, int] = {}
    ids: list[int] = []
    lengths = np.empty(n_doc, dtype=np.int64)
    for row, text in enumerate(normalized):
        tokens = [token for token in tokenize_text(text) if token not in stop]
        ids.extend(token_ids.setdefault(token, len(token_ids)) for token in tokens)
        lengths[row] = len(tokens)
    tokens_by_id = list(token_ids)
    base = len(tokens_by_id)
    if (
        not base
        or base ** ngram_range[1] >= 2**62
        or any(" " in token and token != " " for token in tokens_by_id)
    ):
        return None
    all_ids = np.array(ids, dtype=np.int64)
    docs = np.repeat(np.arange(n_doc), lengths)
    names: list[str] = []
    frequencies: list[np.ndarray] = []  # (document frequency, total count) of each name
    for n in range(ngram_range[0], ngram_range[1] + 1):
        if len(all_ids) < n:
            continue
        starts = np.flatnonzero(docs[: len(docs) - n + 1] == docs[n - 1 :])
        key = np.zeros(len(starts), dtype=np.int64)
        for k in range(n):
            key = key * base + all_ids[starts + k]
        order = np.lexsort((docs[starts], key))
        key, doc = key[order], docs[starts][order]
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        new_pair = np.r_[True, (key[1:] != key[:-1]) | (doc[1:] != doc[:-1])]
        df = np.add.reduceat(new_pair.astype(np.int64), first)
        tf = np.diff(np.r_[first, len(key)])
        inside = (df <= high) & (df >= low)
        for gram in key[first][inside].tolist():
            parts = []
            for _ in range(n):
                gram, digit = divmod(gram, base)
                parts.append(tokens_by_id[digit])
            names.append(" ".join(reversed(parts)))
        frequencies.append(np.stack([df[inside], tf[inside]], axis=1))
    if not names:
        return None
    order = sorted(range(len(names)), key=names.__getitem__)
    df, tf = np.concatenate(frequencies)[order].T
    names = [names[i] for i in order]
    if max_features is not None and len(names) > max_features:
        kept = np.zeros(len(names), dtype=bool)
        kept[(-tf.astype(np.float32)).argsort()[:max_features]] = True
        df = df[kept]
        names = [name for name, keep in zip(names, kept.tolist(), strict=True) if keep]
    # TfidfTransformer's smoothed idf, in float32 as the vectorizer's dtype.
    smoothed = df.astype(np.float32) + 1.0
    idf = np.full_like(smoothed, fill_value=n_doc + 1, dtype=np.float32)
    idf /= smoothed
    np.log(idf, out=idf)
    idf += 1.0
    return WordTable.from_names(names, idf, tokenizer, ngram_range, sublinear_tf, "l2", stop)


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
