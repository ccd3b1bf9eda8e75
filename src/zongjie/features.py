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
from sklearn.preprocessing import FunctionTransformer

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

    rows = []
    for text in texts:
        counts = np.array([len(p.findall(text)) for p in _CUE_PATTERNS], dtype=np.float32)
        share = counts / counts.sum() if counts.sum() else counts
        rows.append(np.concatenate([np.log1p(counts), share]))
    return sparse.csr_matrix(np.array(rows, dtype=np.float32).reshape(len(rows), -1))
