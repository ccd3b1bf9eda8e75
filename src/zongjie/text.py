"""Paragraph text → what the features are made of: normalized text and its tokens.

Nothing here imports scikit-learn, so the inference path (`zongjie.inference`) can use it in a
process that never loads scikit-learn. The functions are module-level so a fitted pipeline
refers to them by name; jieba's dictionary is loaded once per process, on first use.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from zongjie import _wordcut

__all__ = [
    "TOKENIZERS",
    "first_surrogate",
    "normalize",
    "token_cache",
    "tokenize",
    "tokenize_chars",
    "tokenize_rjieba",
]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A reporting unit speaking of itself (我镇, 我局, 我校, 我省 …; not 自我校正), where the
# government reports say 我们. 我国 is left alone: it names the country, not the speaker.
_SELF_WORDS = (
    *"省市县区镇乡村校院所局委办厅处科站园部社司",
    *("单位", "公司", "中心"),
)
_SELF_REFERENCE = re.compile(r"(?<!自)我(?:" + "|".join(_SELF_WORDS) + ")")
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
# `str.translate(_FOLD)` costs ~16 µs a paragraph (a dict lookup per character). The same
# folding, faster: `str.replace` for the characters reports are full of (the full-width comma
# is 93% of what gets folded), then one regular expression for the other characters of the
# table, its replacements read from the table. Same result as translate, which replaces each
# character once: none of these replacements holds a character of the table, so the later
# passes never fold what an earlier one wrote (the last pass does not rescan its own output).
_COMMON = "，；：（）！？％． \u3000０１２３４５６７８９"
_REPLACE = tuple((char, _FOLD[ord(char)] or "") for char in _COMMON)
assert not any(ord(c) in _FOLD for _, folded in _REPLACE for c in folded)
_FOLD_REST = re.compile(
    "[" + "".join(re.escape(chr(code)) for code in sorted(_FOLD) if chr(code) not in _COMMON) + "]"
)


def _fold_match(match: re.Match[str]) -> str:
    return _FOLD[ord(match.group())] or ""


def _fold(text: str) -> str:
    """`text.translate(_FOLD)`."""
    for char, folded in _REPLACE:
        text = text.replace(char, folded)
    if _FOLD_REST.search(text):
        text = _FOLD_REST.sub(_fold_match, text)
    return text


def normalize(text: str) -> str:
    """Fold the conventions of different reports together: NFKC turns full-width digits,
    letters and punctuation (１９９０，) into their plain forms (1990,), spaces go, every number
    becomes 0 (amounts and dates differ between reports; that they are numbers is what
    matters), and a unit's name for itself becomes 我们 (我镇坚持… reads as 我们坚持…).

    `_normalize` says it in Python; the C extension does the same in one pass (~3 µs instead of
    ~15) for every text but those with characters NFKC or lower() would change beyond the fold
    table, which it leaves to `_normalize` (tests/test_text.py holds the two equal)."""
    folded = _wordcut.normalize(_NATIVE, text)
    return _normalize(text) if folded is None else folded


def _normalize(text: str) -> str:
    """`normalize`, the definition."""
    text = _fold(text)
    if not unicodedata.is_normalized("NFKC", text):  # rare characters the table leaves out
        text = _fold(unicodedata.normalize("NFKC", text))
    text = _NUMBER.sub("0", text.lower())
    return _SELF_REFERENCE.sub("我们", text) if "我" in text else text


def first_surrogate(text: str) -> int:
    """Where the first lone surrogate (U+D800..U+DFFF: half a UTF-16 pair, or a byte decoded
    with surrogateescape) of `text` is, -1 if it has none; in C, ~0.1 µs a paragraph (a regular
    expression's scan took ~3)."""
    return _wordcut.first_surrogate(text)


# The fold table and the self-reference words, for the C extension's `normalize`.
_NATIVE = _wordcut.build_normalizer(_FOLD, list(_SELF_WORDS), unicodedata.is_normalized)


def _jieba() -> Any:
    global _jieba_tokenizer
    if _jieba_tokenizer is None:
        with _jieba_lock:
            if _jieba_tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba_tokenizer = tokenizer
    return _jieba_tokenizer


# Training tokenizes the same paragraphs once per fold; while `token_cache` is on, each
# tokenizer remembers what it returned (prediction never turns it on, so memory stays flat).
_cache: dict[tuple[str, str], list[str]] | None = None
_CACHE_LIMIT = 1 << 20


@contextmanager
def token_cache() -> Iterator[None]:
    """Within this block (training), every tokenizer caches its results in this process."""
    global _cache
    previous, _cache = _cache, {} if _cache is None else _cache
    try:
        yield
    finally:
        _cache = previous


def _cached(name: str, function: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    def tokenizer(text: str) -> list[str]:
        cache = _cache
        if cache is None:
            return function(text)
        key = (name, text)
        tokens = cache.get(key)
        if tokens is None:
            tokens = function(text)
            if len(cache) < _CACHE_LIMIT:
                cache[key] = tokens
        return tokens

    tokenizer.__name__ = tokenizer.__qualname__ = f"tokenize_{name}"
    tokenizer.__doc__ = function.__doc__
    return tokenizer


def tokenize(text: str) -> list[str]:
    """jieba words of a normalized paragraph (see `normalize`)."""
    return _jieba().lcut(text)


def tokenize_rjieba(text: str) -> list[str]:
    """The words rjieba (jieba-rs) cuts, from jieba's dictionary and HMM: the same segmentation
    as jieba's on ~97% of paragraphs, about 20 times faster. `zongjie.wordcut` cuts them in C
    (identical to rjieba's; prediction takes them as vocabulary ids from there)."""
    from zongjie import wordcut  # loads its dictionary in a few milliseconds, once

    return wordcut.cut(text)


def tokenize_chars(text: str) -> list[str]:
    """The characters of a normalized paragraph: n-grams of them are character n-grams."""
    return list(text)


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {
    name: _cached(name, function)
    for name, function in (
        ("jieba", tokenize),
        ("rjieba", tokenize_rjieba),
        ("chars", tokenize_chars),
    )
}
