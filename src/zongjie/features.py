"""Paragraphs → feature matrix: TF-IDF over words, character n-grams, or both, and cue words.

The text functions the features call (normalize, the tokenizers, cue counts) live in
`zongjie.text`, which does not import scikit-learn; the TF-IDF arithmetic a fitted `WordTfidf`
applies lives in `zongjie.inference`, which `predict` runs without scikit-learn.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import FunctionTransformer

from zongjie.inference import WordTable, word_tfidf
from zongjie.text import TOKENIZERS, cue_counts, cue_features, normalize

__all__ = ["WordTfidf", "build_features"]


def _tokenizer(params: dict[str, Any]) -> Any:
    name = params.get("tokenizer", "jieba")
    if name not in TOKENIZERS:
        raise ValueError(f"features.tokenizer must be one of {sorted(TOKENIZERS)}, not {name!r}")
    return TOKENIZERS[name]


class WordTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF over words: fitted by scikit-learn's TfidfVectorizer, applied with numpy.

    TfidfVectorizer looks every n-gram of every paragraph up in its vocabulary in a Python
    loop, which costs more than rjieba's tokenizing. After fitting, this keeps the vocabulary
    as integer keys (each token an integer, an n-gram the tokens' integers combined), forms the
    n-grams of a whole batch at once, and finds them with indexing and one `searchsorted`. Its
    state is arrays only, so a saved model is small and quick to load. The matrix equals
    `TfidfVectorizer.transform`'s (a test holds it to that).
    """

    def __init__(self, vectorizer: TfidfVectorizer | None = None) -> None:
        self.vectorizer = vectorizer

    def fit(self, X: Any, y: Any = None) -> WordTfidf:
        vectorizer = clone(self.vectorizer).fit(X)
        self.preprocessor_ = vectorizer.preprocessor
        self.tokenizer_ = vectorizer.tokenizer
        self.ngram_range_ = tuple(vectorizer.ngram_range)
        self.sublinear_tf_ = bool(vectorizer.sublinear_tf)
        self.norm_ = vectorizer.norm
        self.stop_tokens_ = np.array(sorted(vectorizer.get_stop_words() or []), dtype=str)
        self.idf_ = vectorizer.idf_.astype(np.float32)
        names = vectorizer.get_feature_names_out()
        self.feature_names_ = np.array(names, dtype=str)
        token_ids: dict[str, int] = {}
        grams = [name.split(" ") for name in names]
        for tokens in grams:
            for token in tokens:
                token_ids.setdefault(token, len(token_ids))
        self.tokens_ = np.array(list(token_ids), dtype=str)
        base = max(1, len(token_ids))
        by_length: dict[int, list[tuple[int, int]]] = {}
        for column, tokens in enumerate(grams):
            key = 0
            for token in tokens:
                key = key * base + token_ids[token]
            by_length.setdefault(len(tokens), []).append((key, column))
        # ngram_keys_[n - 1] and ngram_columns_[n - 1]: the sorted keys of n-grams, their columns.
        self.ngram_keys_, self.ngram_columns_ = [], []
        for n in range(1, self.ngram_range_[1] + 1):
            pairs = np.array(sorted(by_length.get(n, [])), dtype=np.int64).reshape(-1, 2)
            self.ngram_keys_.append(pairs[:, 0].copy())
            self.ngram_columns_.append(pairs[:, 1].copy())
        # Unigrams need no search: a token's id indexes its column directly (-1: not a feature).
        self.unigram_columns_ = np.full(len(token_ids) + 1, -1, dtype=np.int64)
        self.unigram_columns_[self.ngram_keys_[0]] = self.ngram_columns_[0]
        return self

    def table(self) -> WordTable:
        """The fitted arrays as a `WordTable`, built once per fitted object (not saved)."""
        table = _TABLES.get(self)
        if table is None:
            table = WordTable.from_fitted(self)
            _TABLES[self] = table
        return table

    def transform(self, X: Any) -> Any:
        from scipy import sparse

        texts = list(X)
        rows, columns, values = word_tfidf(self.table(), texts)
        return sparse.csr_matrix(
            (values, (rows, columns)), shape=(len(texts), len(self.feature_names_))
        )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return self.feature_names_.astype(object)


# features.cues: true (or "counts") and "headings" (see `zongjie.text.cue_features`).
CUE_BLOCKS = {"counts": cue_counts, "headings": cue_features}

_TABLES: weakref.WeakKeyDictionary[WordTfidf, WordTable] = weakref.WeakKeyDictionary()


def _word_tfidf(params: dict[str, Any]) -> WordTfidf:
    return WordTfidf(
        TfidfVectorizer(
            preprocessor=normalize,
            tokenizer=_tokenizer(params),
            token_pattern=None,
            lowercase=False,
            stop_words=[normalize(word) for word in params.get("stop_words") or []] or None,
            ngram_range=tuple(params.get("ngram_range", (1, 2))),
            min_df=params.get("min_df", 2),
            max_df=params.get("max_df", 1.0),
            max_features=params.get("max_features"),
            sublinear_tf=params.get("sublinear_tf", True),
            dtype=np.float32,
        )
    )


def _char_tfidf(params: dict[str, Any]) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalize,
        analyzer="char",
        lowercase=False,
        ngram_range=tuple(params.get("char_ngram_range", (1, 3))),
        min_df=params.get("min_df", 2),
        max_df=params.get("max_df", 1.0),
        max_features=params.get("char_max_features"),
        sublinear_tf=params.get("sublinear_tf", True),
        dtype=np.float32,
    )


def build_features(params: dict[str, Any]) -> TfidfVectorizer | FeatureUnion:
    """The featurizer named by ``params["kind"]``: ``word`` (jieba TF-IDF), ``char``
    (character n-gram TF-IDF) or ``word+char`` (both, side by side)."""
    kind = params.get("kind", "word")
    blocks = {
        "word": [("word", _word_tfidf(params))],
        "char": [("char", _char_tfidf(params))],
        "word+char": [("word", _word_tfidf(params)), ("char", _char_tfidf(params))],
    }.get(kind)
    if blocks is None:
        raise ValueError(f"features.kind must be word, char or word+char, not {kind!r}")
    cues = params.get("cues", False)
    if cues:
        # true (or "counts"): cue-word counts; "headings": those plus the role a heading names.
        if cues not in CUE_BLOCKS and cues is not True:
            raise ValueError(f"features.cues must be false, true or one of {sorted(CUE_BLOCKS)}")
        blocks.append(("cues", FunctionTransformer(CUE_BLOCKS.get(cues, cue_counts))))
    return blocks[0][1] if len(blocks) == 1 else FeatureUnion(blocks)
