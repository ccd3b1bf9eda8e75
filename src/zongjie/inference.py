"""Fitted model → paragraph probabilities with numpy alone: what `zongjie.predict` runs.

Importing scikit-learn takes about a second, longer than labelling ten thousand paragraphs.
The default model is a logistic regression over TF-IDF word n-grams and cue counts, so its
prediction is a handful of array operations, and they live here:

* `word_tfidf` turns paragraphs into a fitted `WordTable`'s TF-IDF entries. Training uses it
  too (`zongjie.features.WordTfidf.transform`), so both paths share one implementation.
* `LinearTextModel` holds a fitted pipeline's arrays and applies them. `from_fitted` takes
  them from a fitted pipeline, or from the objects `zongjie.persistence` reads out of a .skops
  file without scikit-learn. It works on both because it only reads attributes.

Models of other shapes (character n-grams, other classifiers) run through scikit-learn
instead (`zongjie.models.PipelineModel`).
"""

from __future__ import annotations

import itertools
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zongjie.document import LABELS
from zongjie.text import (
    CUE_WORDS,
    HEADING_ROLES,
    cue_counts,
    cue_features,
    normalize,
    tokenize,
    tokenize_rjieba,
)

__all__ = [
    "TEXT_FUNCTIONS",
    "Decoding",
    "LinearTextModel",
    "NotLinear",
    "WordTable",
    "type_name",
    "word_tfidf",
]

# The functions a fitted pipeline may call, by the name a model file gives them.
TEXT_FUNCTIONS: dict[str, Callable[..., Any]] = {
    f"{function.__module__}.{function.__qualname__}": function
    for function in (normalize, tokenize, tokenize_rjieba, cue_counts, cue_features)
}


def type_name(obj: Any) -> str:
    """`module.Class` of an object, or `module.function` of a function; a node read from a
    model file (`zongjie.persistence`) says its own."""
    stored = getattr(obj, "stored_type", None)
    if isinstance(stored, str):
        return stored
    if isinstance(obj, types.FunctionType):
        return f"{obj.__module__}.{obj.__qualname__}"
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _text_function(obj: Any) -> Callable[..., Any]:
    function = TEXT_FUNCTIONS.get(type_name(obj))
    if function is None:
        raise NotLinear(f"calls {type_name(obj)}")
    return function


class NotLinear(Exception):
    """A pipeline that `LinearTextModel` cannot run: scikit-learn has to."""


@dataclass(frozen=True, eq=False)
class WordTable:
    """A fitted `WordTfidf`'s arrays (see there for what each one holds)."""

    preprocess: Callable[[str], str]
    tokenize: Callable[[str], list[str]]
    ngram_range: tuple[int, int]
    sublinear_tf: bool
    norm: str | None
    idf: np.ndarray
    tokens: np.ndarray
    stop_tokens: np.ndarray
    ngram_keys: list[np.ndarray]
    ngram_columns: list[np.ndarray]
    unigram_columns: np.ndarray
    # token → id, stop words → -2: derived from the arrays, never saved.
    token_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index = {token: i for i, token in enumerate(self.tokens.tolist())}
        index.update(dict.fromkeys(self.stop_tokens.tolist(), -2))
        object.__setattr__(self, "token_index", index)
        if self.norm not in ("l1", "l2", None):
            raise NotLinear(f"norm={self.norm!r}")

    @classmethod
    def from_fitted(cls, fitted: Any) -> WordTable:
        """The arrays of a fitted `WordTfidf` (or of one read from a model file)."""
        low, high = (int(n) for n in fitted.ngram_range_)
        return cls(
            preprocess=_text_function(fitted.preprocessor_),
            tokenize=_text_function(fitted.tokenizer_),
            ngram_range=(low, high),
            sublinear_tf=bool(fitted.sublinear_tf_),
            norm=fitted.norm_,
            idf=np.asarray(fitted.idf_, dtype=np.float32),
            tokens=np.asarray(fitted.tokens_),
            stop_tokens=np.asarray(fitted.stop_tokens_),
            ngram_keys=[np.asarray(keys, dtype=np.int64) for keys in fitted.ngram_keys_],
            ngram_columns=[np.asarray(c, dtype=np.int64) for c in fitted.ngram_columns_],
            unigram_columns=np.asarray(fitted.unigram_columns_, dtype=np.int64),
        )

    @property
    def n_features(self) -> int:
        return len(self.idf)


def _ngram_hits(table: WordTable, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every known n-gram occurrence in `texts`, repeats included."""
    preprocess, tokenize_text = table.preprocess, table.tokenize
    lookup = table.token_index.get
    ids: list[int] = []
    lengths = np.empty(len(texts), dtype=np.int64)
    for row, text in enumerate(texts):
        tokens = tokenize_text(preprocess(text))
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
        found = np.searchsorted(known_keys, key)
        found[found == len(known_keys)] = 0
        hit = known_keys[found] == key
        rows.append(docs[starts[valid][hit]])
        columns.append(known_columns[found[hit]])
    return np.concatenate(rows), np.concatenate(columns)


def word_tfidf(table: WordTable, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The TF-IDF matrix of `texts` as sorted (row, column, value) entries, one per nonzero:
    what `TfidfVectorizer.transform` gives, sublinear term frequency and row norm included."""
    rows, columns = _ngram_hits(table, texts)
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


@dataclass(frozen=True)
class Decoding:
    """What `zongjie.context.document_proba` decodes a document with (see `DocumentClassifier`)."""

    decoder: str
    opening: str
    structure_weight: float
    emission_weight: float
    position_weight: float
    start_: np.ndarray
    transitions_: np.ndarray
    position_: np.ndarray

    @classmethod
    def from_fitted(cls, classifier: Any) -> Decoding:
        return cls(
            decoder=str(classifier.decoder),
            opening=str(classifier.opening),
            structure_weight=float(classifier.structure_weight),
            emission_weight=float(classifier.emission_weight),
            position_weight=float(classifier.position_weight),
            start_=np.asarray(classifier.start_, dtype=np.float64),
            transitions_=np.asarray(classifier.transitions_, dtype=np.float64),
            position_=np.asarray(classifier.position_, dtype=np.float64),
        )


# The dense cue blocks a feature union may hold, and the number of columns each gives.
CUE_WIDTHS: dict[Callable[..., Any], int] = {
    cue_counts: 2 * len(CUE_WORDS),
    cue_features: 2 * len(CUE_WORDS) + len(HEADING_ROLES),
}
_PIPELINE = "sklearn.pipeline.Pipeline"
_UNION = "sklearn.pipeline.FeatureUnion"
_FUNCTION_TRANSFORMER = "sklearn.preprocessing._function_transformer.FunctionTransformer"
_WORD_TFIDF = "zongjie.features.WordTfidf"
_DOCUMENT_CLASSIFIER = "zongjie.models.DocumentClassifier"
_LOGREG = "sklearn.linear_model._logistic.LogisticRegression"
_AS_TEXTS = "zongjie.models.as_texts"


class LinearTextModel:
    """A fitted pipeline of `as_texts` → word TF-IDF (+ cue counts) → logistic regression in a
    `DocumentClassifier`, applied with numpy. Thread-safe: nothing changes after construction."""

    def __init__(
        self,
        blocks: list[WordTable | Callable[..., Any]],
        coef: np.ndarray,
        intercept: np.ndarray,
        classes: list[str],
        decoding: Decoding,
    ) -> None:
        self.blocks = blocks
        self.decoding = decoding
        # Rows of coef and intercept in `LABELS` order (scikit-learn sorts classes by name).
        order = [classes.index(label) for label in LABELS]
        self.coef = np.asarray(coef, dtype=np.float64)[order]
        self.intercept = np.asarray(intercept, dtype=np.float64)[order]
        widths = [b.n_features if isinstance(b, WordTable) else CUE_WIDTHS[b] for b in blocks]
        if sum(widths) != self.coef.shape[1]:
            raise NotLinear(f"{sum(widths)} features but {self.coef.shape[1]} coefficients")
        self.offsets = np.cumsum([0, *widths])[:-1].tolist()

    @classmethod
    def from_fitted(cls, pipeline: Any) -> LinearTextModel:
        """The arrays of a fitted pipeline. Raises `NotLinear` for any other shape."""
        if type_name(pipeline) != _PIPELINE or len(pipeline.steps) != 3:
            raise NotLinear(f"a {type_name(pipeline)}")
        (_, texts), (_, features), (_, classifier) = pipeline.steps
        if type_name(texts) != _FUNCTION_TRANSFORMER or type_name(texts.func) != _AS_TEXTS:
            raise NotLinear("its first step is not as_texts")
        if type_name(features) == _UNION and not getattr(features, "transformer_weights", None):
            parts = [part for _, part in features.transformer_list]
        else:
            parts = [features]
        blocks: list[WordTable | Callable[..., Any]] = []
        for part in parts:
            if type_name(part) == _WORD_TFIDF:
                blocks.append(WordTable.from_fitted(part))
            elif (
                type_name(part) == _FUNCTION_TRANSFORMER
                and (function := _text_function(part.func)) in CUE_WIDTHS
            ):
                blocks.append(function)
            else:
                raise NotLinear(f"features from {type_name(part)}")
        if type_name(classifier) != _DOCUMENT_CLASSIFIER:
            raise NotLinear(f"a {type_name(classifier)}")
        estimator = classifier.estimator_
        coef = np.asarray(getattr(estimator, "coef_", None))
        classes = [str(label) for label in np.asarray(classifier.classes_).tolist()]
        if type_name(estimator) != _LOGREG or coef.ndim != 2 or len(coef) != len(LABELS):
            raise NotLinear(f"a {type_name(estimator)}")
        if sorted(classes) != sorted(LABELS):
            raise NotLinear(f"classes {classes}")
        return cls(blocks, coef, estimator.intercept_, classes, Decoding.from_fitted(classifier))

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probabilities (n, 3), columns in `LABELS` order, each row summing to 1: a
        multinomial logistic regression's softmax over the feature blocks' scores."""
        scores = np.tile(self.intercept, (len(texts), 1))
        for block, offset in zip(self.blocks, self.offsets, strict=True):
            if isinstance(block, WordTable):
                rows, columns, values = word_tfidf(block, texts)
                weights = self.coef[:, offset + columns]
                for k in range(len(LABELS)):
                    scores[:, k] += np.bincount(
                        rows, weights=values * weights[k], minlength=len(texts)
                    )
            else:
                cues = block(texts)
                scores += cues @ self.coef[:, offset : offset + cues.shape[1]].T
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)
