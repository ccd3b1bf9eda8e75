"""Paragraphs → feature matrix: TF-IDF over jieba words, character n-grams, or both.

The tokenizer and the preprocessor are module-level functions so a fitted pipeline pickles by
reference to them; jieba's dictionary is loaded once per process, on first use.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import unicodedata
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import FunctionTransformer

__all__ = [
    "TOKENIZERS",
    "WordTfidf",
    "build_features",
    "normalize",
    "tokenize",
    "tokenize_rjieba",
]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_jieba_tokenizer: Any = None
_jieba_lock = threading.Lock()


def _fold_table() -> dict[int, str | None]:
    """Full-width forms (，１Ａ), enclosed numbers (①⒈) and CJK compatibility characters to
    their NFKC forms, and every whitespace character to nothing: the common cases of NFKC at a
    fraction of its cost."""
    table: dict[int, str | None] = {}
    for low, high in (
        (0x2150, 0x2190),
        (0x2460, 0x2500),
        (0x3000, 0x3001),
        (0x3200, 0x3400),
        (0xFF00, 0xFFF0),
    ):
        for code in range(low, high):
            folded = unicodedata.normalize("NFKC", chr(code))
            if folded != chr(code):
                table[code] = folded
    for code in range(0x3001):
        if chr(code).isspace():
            table[code] = None
    return table


_FOLD = _fold_table()


def normalize(text: str) -> str:
    """Fold the two genres' conventions together: NFKC turns full-width digits, letters and
    punctuation (１９９０，) into their plain forms (1990,), spaces go, and every number becomes
    0 (amounts and dates differ between reports; that they are numbers is what matters)."""
    text = text.translate(_FOLD)
    if not unicodedata.is_normalized("NFKC", text):  # rare characters the table leaves out
        text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return _NUMBER.sub("0", text.lower())


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


def tokenize_rjieba(text: str) -> list[str]:
    """The same words from rjieba, jieba's dictionary and algorithm in Rust: about 15 times
    faster, the same segmentation on ~97% of paragraphs."""
    import rjieba  # loads its dictionary in ~0.1 s, once

    return rjieba.cut(text)


TOKENIZERS = {"jieba": tokenize, "rjieba": tokenize_rjieba}


def _tokenizer(params: dict[str, Any]) -> Any:
    name = params.get("tokenizer", "jieba")
    if name not in TOKENIZERS:
        raise ValueError(f"features.tokenizer must be one of {sorted(TOKENIZERS)}, not {name!r}")
    return TOKENIZERS[name]


class WordTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF over words: fitted by scikit-learn's TfidfVectorizer, applied with numpy.

    TfidfVectorizer looks every n-gram of every paragraph up in its vocabulary in a Python
    loop, which costs more than rjieba's tokenizing. After fitting, this maps each token to an
    integer once, forms the n-grams as integer keys for a whole batch at a time, and finds
    them with one `searchsorted`; the counts then go through the fitted vectorizer's own TF-IDF
    step. The matrix is the one `TfidfVectorizer.transform` gives (a test holds it to that).
    """

    def __init__(self, vectorizer: TfidfVectorizer | None = None) -> None:
        self.vectorizer = vectorizer

    def fit(self, X: Any, y: Any = None) -> WordTfidf:
        self.vectorizer_ = clone(self.vectorizer).fit(X)
        self._compile()
        return self

    def _compile(self) -> None:
        vocabulary = self.vectorizer_.vocabulary_
        token_ids: dict[str, int] = {}
        grams = [ngram.split(" ") for ngram in vocabulary]
        for tokens in grams:
            for token in tokens:
                token_ids.setdefault(token, len(token_ids))
        self.token_ids_ = token_ids
        base = max(1, len(token_ids))
        self.keys_: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        by_length: dict[int, list[tuple[int, int]]] = {}
        for column, tokens in zip(vocabulary.values(), grams, strict=True):
            key = 0
            for token in tokens:
                key = key * base + token_ids[token]
            by_length.setdefault(len(tokens), []).append((key, column))
        for n, pairs in by_length.items():
            keys, columns = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2).T
            self.keys_[n] = (keys, columns)
        # Unigrams need no search: a token's id indexes its column directly (-1: not a feature).
        self.unigram_columns_ = np.full(len(token_ids) + 1, -1, dtype=np.int64)
        if 1 in self.keys_:
            self.unigram_columns_[self.keys_[1][0]] = self.keys_[1][1]

    def _counts(self, texts: list[str]) -> Any:
        from scipy import sparse

        vectorizer = self.vectorizer_
        preprocess = vectorizer.build_preprocessor()
        tokenize = vectorizer.build_tokenizer()
        stop = vectorizer.get_stop_words() or frozenset()
        # Stop words get id -2 and are dropped before n-grams form, as TfidfVectorizer does.
        token_ids = {**self.token_ids_, **dict.fromkeys(stop, -2)}
        lookup = token_ids.get
        ids: list[int] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for row, text in enumerate(texts):
            tokens = tokenize(preprocess(text))
            ids.extend(map(lookup, tokens, itertools.repeat(-1, len(tokens))))
            lengths[row] = len(tokens)
        all_ids = np.array(ids, dtype=np.int64)
        all_docs = np.repeat(np.arange(len(texts)), lengths)
        kept = all_ids != -2
        ids_array, docs = all_ids[kept], all_docs[kept]
        base = max(1, len(self.token_ids_))
        rows, columns = [], []
        low, high = vectorizer.ngram_range
        for n in range(low, high + 1):
            if n not in self.keys_ or len(ids_array) < n:
                continue
            if n == 1:
                unigram = self.unigram_columns_[ids_array]  # id -1 reads the trailing -1
                rows.append(docs[unigram >= 0])
                columns.append(unigram[unigram >= 0])
                continue
            starts = np.arange(len(ids_array) - n + 1)
            same_doc = docs[starts] == docs[starts + n - 1]
            window = np.stack([ids_array[starts + k] for k in range(n)])
            valid = same_doc & (window >= 0).all(axis=0)
            key = np.zeros(int(valid.sum()), dtype=np.int64)
            for k in range(n):
                key = key * base + window[k, valid]
            known_keys, known_columns = self.keys_[n]
            found = np.searchsorted(known_keys, key)
            found[found == len(known_keys)] = 0
            hit = known_keys[found] == key
            rows.append(docs[starts[valid][hit]])
            columns.append(known_columns[found[hit]])
        row_index = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        column_index = np.concatenate(columns) if columns else np.empty(0, dtype=np.int64)
        counts = sparse.csr_matrix(
            (np.ones(len(row_index), dtype=vectorizer.dtype), (row_index, column_index)),
            shape=(len(texts), len(vectorizer.vocabulary_)),
        )
        counts.sum_duplicates()
        return counts

    def transform(self, X: Any) -> Any:
        # The fitted vectorizer's own TF-IDF step (sublinear tf, idf, l2 norm) on our counts.
        return self.vectorizer_._tfidf.transform(self._counts(list(X)), copy=False)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return self.vectorizer_.get_feature_names_out()


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
    if params.get("cues", False):
        blocks.append(("cues", FunctionTransformer(cue_counts)))
    return blocks[0][1] if len(blocks) == 1 else FeatureUnion(blocks)


# Words that mark a paragraph's role whatever the genre (ANNOTATION.md's cue column): tense and
# aspect for work done, modality for work to come, admissions for problems.
CUE_WORDS: dict[str, tuple[str, ...]] = {
    "done": (
        "了",
        "已",
        "已经",
        "完成",
        "共",
        "累计",
        "获得",
        "取得",
        "实现",
        "达到",
        "先后",
        "分别",
        "召开",
        "开展了",
        "组织了",
        "举办",
        "成立",
        "投入",
        "建成",
        "增长",
        "提高了",
        "今年以来",
        "上半年",
        "一年来",
        "去年",
        "过去",
    ),
    "future": (
        "将",
        "要",
        "拟",
        "计划",
        "力争",
        "确保",
        "争取",
        "进一步",
        "下半年",
        "明年",
        "今后",
        "下一步",
        "继续",
        "加快",
        "推进",
        "着力",
        "努力",
        "务必",
        "必须",
        "抓好",
        "做好",
        "目标",
    ),
    "problem": (
        "不足",
        "不够",
        "有待",
        "仍然",
        "仍",
        "尚未",
        "尚",
        "面临",
        "薄弱",
        "滞后",
        "难以",
        "存在",
        "问题",
        "差距",
        "不强",
        "不高",
        "欠缺",
        "困难",
        "矛盾",
        "短板",
        "突出",
        "不平衡",
        "不到位",
        "较低",
        "偏低",
        "缺乏",
        "少数",
        "个别",
        "一些",
    ),
}
_CUE_PATTERNS = [re.compile("|".join(map(re.escape, words))) for words in CUE_WORDS.values()]


def cue_counts(texts: Any) -> Any:
    """Per paragraph: log(1 + occurrences) of each cue group, and each group's share of all
    cues, so a paragraph's leaning shows whatever its length."""
    from scipy import sparse

    counts = np.array(
        [[len(pattern.findall(text)) for pattern in _CUE_PATTERNS] for text in texts],
        dtype=np.float32,
    ).reshape(-1, len(_CUE_PATTERNS))
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    return sparse.csr_matrix(np.hstack([np.log1p(counts), share]))
