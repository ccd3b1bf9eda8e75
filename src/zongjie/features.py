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
import weakref
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

    def _token_index(self) -> dict[str, int]:
        """token → id, stop words → -2; built once per fitted object, not saved with it."""
        index = _TOKEN_INDEX.get(self)
        if index is None:
            index = {token: i for i, token in enumerate(self.tokens_.tolist())}
            index.update(dict.fromkeys(self.stop_tokens_.tolist(), -2))
            _TOKEN_INDEX[self] = index
        return index

    def _counts(self, texts: list[str]) -> Any:
        from scipy import sparse

        preprocess, tokenize = self.preprocessor_, self.tokenizer_
        lookup = self._token_index().get
        ids: list[int] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for row, text in enumerate(texts):
            tokens = tokenize(preprocess(text))
            ids.extend(map(lookup, tokens, itertools.repeat(-1, len(tokens))))
            lengths[row] = len(tokens)
        all_ids = np.array(ids, dtype=np.int64)
        all_docs = np.repeat(np.arange(len(texts)), lengths)
        kept = all_ids != -2  # stop words go before n-grams form, as in TfidfVectorizer
        ids_array, docs = all_ids[kept], all_docs[kept]
        base = max(1, len(self.tokens_))
        rows, columns = [], []
        low, high = self.ngram_range_
        for n in range(low, high + 1):
            if len(ids_array) < n:
                continue
            if n == 1:
                unigram = self.unigram_columns_[ids_array]  # id -1 reads the trailing -1
                rows.append(docs[unigram >= 0])
                columns.append(unigram[unigram >= 0])
                continue
            known_keys, known_columns = self.ngram_keys_[n - 1], self.ngram_columns_[n - 1]
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
        row_index = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        column_index = np.concatenate(columns) if columns else np.empty(0, dtype=np.int64)
        counts = sparse.csr_matrix(
            (np.ones(len(row_index), dtype=np.float32), (row_index, column_index)),
            shape=(len(texts), len(self.feature_names_)),
        )
        counts.sum_duplicates()
        return counts

    def transform(self, X: Any) -> Any:
        from sklearn.preprocessing import normalize as normalize_rows

        tfidf = self._counts(list(X))
        if self.sublinear_tf_:
            np.log(tfidf.data, out=tfidf.data)
            tfidf.data += 1
        tfidf.data *= self.idf_[tfidf.indices]
        return normalize_rows(tfidf, norm=self.norm_, copy=False) if self.norm_ else tfidf

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return self.feature_names_.astype(object)


_TOKEN_INDEX: weakref.WeakKeyDictionary[WordTfidf, dict[str, int]] = weakref.WeakKeyDictionary()


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
