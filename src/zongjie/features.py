"""Paragraphs → feature matrix: TF-IDF over jieba words, character n-grams, or both.

The tokenizer and the preprocessor are module-level functions so a fitted pipeline pickles by
reference to them; jieba's dictionary is loaded once per process, on first use.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

__all__ = ["build_features", "normalize", "tokenize"]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SPACE = re.compile(r"\s+")
_jieba_tokenizer: Any = None
_jieba_lock = threading.Lock()


def normalize(text: str) -> str:
    """Fold the two genres' conventions together: NFKC turns full-width digits, letters and
    punctuation (１９９０，) into their plain forms (1990,), every number becomes 0 (amounts and
    dates differ between reports; that they are numbers is what matters), spaces go."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACE.sub("", _NUMBER.sub("0", text))


def _jieba() -> Any:
    global _jieba_tokenizer
    if _jieba_tokenizer is None:
        with _jieba_lock:
            if _jieba_tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba_tokenizer = tokenizer
    return _jieba_tokenizer


def tokenize(text: str) -> list[str]:
    """jieba words of a normalized paragraph (see `normalize`)."""
    return _jieba().lcut(text)


def _word_tfidf(params: dict[str, Any]) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalize,
        tokenizer=tokenize,
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
    if kind == "word":
        return _word_tfidf(params)
    if kind == "char":
        return _char_tfidf(params)
    if kind == "word+char":
        return FeatureUnion([("word", _word_tfidf(params)), ("char", _char_tfidf(params))])
    raise ValueError(f"features.kind must be word, char or word+char, not {kind!r}")
