"""Paragraph text → what the features are made of: normalized text, words, cue-word counts.

Nothing here imports scikit-learn, so the inference path (`zongjie.inference`) can use it in a
process that never loads scikit-learn. The functions are module-level so a fitted pipeline
refers to them by name; jieba's dictionary is loaded once per process, on first use.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import Any

import numpy as np

from zongjie.labels import heading_role
from zongjie.segment import is_heading

__all__ = [
    "CUE_WORDS",
    "TOKENIZERS",
    "cue_counts",
    "cue_features",
    "normalize",
    "tokenize",
    "tokenize_rjieba",
]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A reporting unit speaking of itself (我镇, 我局, 我校, 我省 …; not 自我校正), where the
# government reports say 我们. 我国 is left alone: it names the country, not the speaker.
_SELF_REFERENCE = re.compile(
    r"(?<!自)我(?:省|市|县|区|镇|乡|村|校|院|所|局|委|办|厅|处|科|站|园|部|社|司|单位|公司|中心)"
)
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
    punctuation (１９９０，) into their plain forms (1990,), spaces go, every number becomes
    0 (amounts and dates differ between reports; that they are numbers is what matters), and a
    unit's name for itself becomes 我们 (我镇坚持… reads as the reviews' 我们坚持…)."""
    text = text.translate(_FOLD)
    if not unicodedata.is_normalized("NFKC", text):  # rare characters the table leaves out
        text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return _SELF_REFERENCE.sub("我们", _NUMBER.sub("0", text.lower()))


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


def cue_counts(texts: Any) -> np.ndarray:
    """Per paragraph: log(1 + occurrences) of each cue group, and each group's share of all
    cues, so a paragraph's leaning shows whatever its length. Dense, (n, 2 × groups)."""
    counts = np.array(
        [[len(pattern.findall(text)) for pattern in _CUE_PATTERNS] for text in texts],
        dtype=np.float32,
    ).reshape(-1, len(_CUE_PATTERNS))
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    return np.hstack([np.log1p(counts), share])


HEADING_ROLES = ("summary", "problem", "plan")


def cue_features(texts: Any) -> np.ndarray:
    """`cue_counts`, then whether the paragraph is a heading that names its part's role
    (二、存在问题 → problem, 三、下步打算 → plan, 一、基本情况 → summary; `labels.heading_role`),
    one column per role. Alone, such a heading has few words to go by, and its cue words
    (问题, 存在) are as common in paragraphs about problems solved. Dense, (n, 6 + 3)."""
    texts = list(texts)
    roles = [heading_role(text) if is_heading(text.strip()) else None for text in texts]
    named = np.array(
        [[float(role == wanted) for wanted in HEADING_ROLES] for role in roles], dtype=np.float32
    ).reshape(-1, len(HEADING_ROLES))
    return np.hstack([cue_counts(texts), named])
