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
