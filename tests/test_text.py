"""Normalized text and its tokens: what every feature is made of."""

from __future__ import annotations

import pytest

from zongjie import text
from zongjie.text import TOKENIZERS, normalize, token_cache


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("１９９０年，ＧＤＰ增长８.５％", "0年,gdp增长0%"),  # full width folded, numbers are 0
        ("我局完成了2,300项", "我们完成了0项"),  # a unit's name for itself is 我们
        ("我镇 坚持\u3000发展", "我们坚持发展"),  # every space goes
        ("我国经济", "我国经济"),  # the country, not the speaker
        ("自我校正", "自我校正"),
        ("①加强领导", "0加强领导"),
        ("WELL", "well"),
    ],
)
def test_normalize(raw: str, normalized: str) -> None:
    assert normalize(raw) == normalized


def test_the_tokenizers() -> None:
    sentence = "下半年我们将进一步加强领导"
    words = ["下半年", "我们", "将", "进一步", "加强", "领导"]
    assert TOKENIZERS["rjieba"](sentence) == words
    assert TOKENIZERS["jieba"](sentence) == words
    assert TOKENIZERS["chars"]("下半年") == ["下", "半", "年"]
    assert sorted(TOKENIZERS) == ["chars", "jieba", "rjieba"]
    assert TOKENIZERS["rjieba"].__name__ == "tokenize_rjieba"


def test_token_cache_holds_results_inside_its_block_only() -> None:
    tokenize = TOKENIZERS["rjieba"]
    assert text._cache is None
    with token_cache():
        first = tokenize("我们完成了任务")
        assert tokenize("我们完成了任务") is first  # remembered
        with token_cache():  # nested: the same cache
            assert tokenize("我们完成了任务") is first
        assert text._cache == {("rjieba", "我们完成了任务"): first}
    assert text._cache is None
    assert tokenize("我们完成了任务") is not first  # outside: computed again
    assert tokenize("我们完成了任务") == first


def _reference_normalize(raw: str) -> str:
    """`normalize` as it was first written: one `str.translate` over the whole table."""
    import unicodedata

    folded = raw.translate(text._FOLD)
    if not unicodedata.is_normalized("NFKC", folded):
        folded = unicodedata.normalize("NFKC", folded).translate(text._FOLD)
    return text._SELF_REFERENCE.sub("我们", text._NUMBER.sub("0", folded.lower()))


def test_fast_folding_is_the_translate_table() -> None:
    # Each character alone, repeated, and beside the common ones (the replace chain folds
    # them first): the same as one `str.translate`, which folds every character once.
    for code in [*text._FOLD, 0xFFE3, 0x3000, 0xFB01, 0x0661]:
        char = chr(code)
        for raw in (char, f"我{char}局１，{char}{char} ￣２０"):
            assert text._fold(raw) == raw.translate(text._FOLD), hex(code)
            assert normalize(raw) == _reference_normalize(raw), hex(code)


def test_normalize_matches_the_reference_on_every_seed_line() -> None:
    from conftest import SEEDS

    lines = [
        line
        for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert len(lines) > 100
    assert [normalize(line) for line in lines] == [_reference_normalize(x) for x in lines]
