"""Normalized text and its tokens: what every feature is made of."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# The C extension's normalize is `_normalize` in one pass: the characters it must get right.
NATIVE_CASES = [
    "",
    "我局１２３，４５６．７８元；我镇和自我校正",  # full-width digits, a number with a point
    "1,234.5万元，12.3%，3.4.5",  # thousands and decimals fold to one 0; 3.4.5 too
    "ⅣⅫ①⒈㈠℃㎡",  # enclosed and compatibility characters: the table or NFKC
    "ABC Def\u3000G\tH\nI",  # ASCII lowered, white space dropped
    "ΣΑΣ İstanbul Straße ǅ",  # cased letters beyond ASCII: left to the Python definition
    "٣٤٥ and ४२",  # digits of other scripts are numbers too
    "我我镇，自我局，我单位、我公司与我中心",  # after 自 a 我 is no unit
    "ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ",
    "\ufb01\u2126\u212b\u1e9b\u0323",  # NFKC beyond the table: left to the Python definition
    "𠀀𠀁中国\U0001f46a",
]


@pytest.mark.parametrize("raw", NATIVE_CASES)
def test_native_normalize_is_the_definition(raw: str) -> None:
    from zongjie import _wordcut

    native = _wordcut.normalize(text._NATIVE, raw)
    assert native is None or native == text._normalize(raw)
    assert normalize(raw) == text._normalize(raw) == _reference_normalize(raw)


def test_native_normalize_takes_nearly_every_report_line() -> None:
    from zongjie import _wordcut

    from conftest import SEEDS

    lines = [
        line
        for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    native = [_wordcut.normalize(text._NATIVE, line) for line in lines]
    assert sum(n is None for n in native) <= len(lines) // 100
    assert [n for n in native if n is not None] == [
        text._normalize(line) for line, n in zip(lines, native, strict=True) if n is not None
    ]


@pytest.mark.slow
def test_native_normalize_is_the_definition_on_every_character() -> None:
    from zongjie import _wordcut

    different = []
    for code in range(0x110000):
        raw = f"a{chr(code)}1"
        native = _wordcut.normalize(text._NATIVE, raw)
        if native is not None and native != text._normalize(raw):
            different.append(hex(code))
    assert different == []


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=40))
def test_native_normalize_is_the_definition_on_any_text(raw: str) -> None:
    assert normalize(raw) == text._normalize(raw)


@pytest.mark.parametrize(
    ("raw", "position"),
    [
        ("", -1),
        ("plain ascii", -1),
        ("中文，没有", -1),
        ("𠀀 four-byte, none", -1),
        ("中\ud800文", 1),  # two-byte text
        ("𠀀ab\udfff", 3),  # four-byte text
        ("\udc80", 0),  # a byte decoded with surrogateescape
    ],
)
def test_first_surrogate(raw: str, position: int) -> None:
    assert text.first_surrogate(raw) == position


def test_a_fold_table_with_long_replacements_fits_the_native_buffers() -> None:
    import unicodedata

    from zongjie import _wordcut

    # The packaged table folds a character into at most 6; another table may say more.
    table = {ord("①"): "ab" * 40, ord(" "): None}
    normalizer = _wordcut.build_normalizer(table, ["局"], unicodedata.is_normalized)
    assert _wordcut.normalize(normalizer, "①" * 500 + " 我局") == "ab" * 20000 + "我们"
