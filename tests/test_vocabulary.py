"""The TF-IDF vocabulary as arrays (`zongjie.vocabulary`): it gives what scikit-learn's
TfidfVectorizer gives, for every tokenizer and setting the config offers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from zongjie.text import TOKENIZERS, normalize
from zongjie.vocabulary import WordTable, word_tfidf

TRAIN = [
    "上半年共完成培训120人次,新建校舍3处。",
    "全年累计投入资金500万元,完成了目标任务。",
    "培训形式单一,针对性不强,仍有待改进。",
    "部分学校师资力量薄弱,发展不平衡。",
    "下半年将进一步加强领导,力争完成全年任务。",
    "明年要确保各项工作落到实处。",
    "二、存在问题",
    "三、下步打算",
]
# Unknown words, repeats, stop words only, and text with no token at all.
TEST = [*TRAIN, "培训培训培训,完成完成。", "的和与", "🙂", "Python 和 Rust 的学习计划", "完成"]


def _vectorizer(tokenizer: str, **settings) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalize,
        tokenizer=TOKENIZERS[tokenizer],
        token_pattern=None,
        lowercase=False,
        dtype=np.float32,
        **settings,
    ).fit(TRAIN)


def _dense(table: WordTable, texts: list[str]) -> np.ndarray:
    rows, columns, values = word_tfidf(table, texts)
    return sparse.csr_matrix(
        (values, (rows, columns)), shape=(len(texts), table.n_features)
    ).toarray()


@pytest.mark.parametrize(
    ("tokenizer", "settings"),
    [
        (
            "rjieba",
            {"ngram_range": (1, 2), "sublinear_tf": True, "stop_words": ["的", "和", "与", ","]},
        ),
        ("rjieba", {"ngram_range": (1, 1), "sublinear_tf": False, "norm": "l1"}),
        ("jieba", {"ngram_range": (2, 3), "norm": None}),
        ("chars", {"ngram_range": (1, 3), "sublinear_tf": True, "min_df": 2, "max_features": 40}),
    ],
    ids=["words-1-2-stop", "words-l1", "jieba-2-3-unnormed", "chars-1-3-pruned"],
)
def test_word_table_gives_what_tfidf_vectorizer_gives(tokenizer: str, settings: dict) -> None:
    vectorizer = _vectorizer(tokenizer, **settings)
    table = WordTable.from_vectorizer(vectorizer, tokenizer)
    np.testing.assert_allclose(
        _dense(table, TEST), vectorizer.transform(TEST).toarray(), rtol=0, atol=1e-6
    )
    assert table.feature_names() == list(vectorizer.get_feature_names_out())
    again = WordTable.from_state(*table.to_state())
    np.testing.assert_array_equal(_dense(again, TEST), _dense(table, TEST))


def test_word_tfidf_entries_are_sorted_and_empty_input_is_empty() -> None:
    table = WordTable.from_vectorizer(_vectorizer("rjieba"), "rjieba")
    rows, columns, _ = word_tfidf(table, TEST)
    order = rows * table.n_features + columns
    assert (np.diff(order) > 0).all()
    assert [len(a) for a in word_tfidf(table, [])] == [0, 0, 0]


def test_word_table_refuses_unknown_settings() -> None:
    settings, arrays = WordTable.from_vectorizer(_vectorizer("rjieba"), "rjieba").to_state()
    with pytest.raises(ValueError, match=r"^unknown tokenizer 'pkuseg'$"):
        WordTable.from_state({**settings, "tokenizer": "pkuseg"}, arrays)
    with pytest.raises(ValueError, match=r"^unknown TF-IDF norm 'max'$"):
        WordTable.from_state({**settings, "norm": "max"}, arrays)


def test_the_key_hash_finds_exactly_the_keys() -> None:
    from zongjie.vocabulary import _KeyHash

    rng = np.random.default_rng(0)
    for size, high in ((0, 10), (1, 10), (50, 60), (40_000, 11_279**2), (3000, 1 << 62)):
        keys = np.unique(rng.integers(0, high, size=size, dtype=np.int64))
        queries = np.concatenate([keys, rng.integers(0, high, size=5000, dtype=np.int64)])
        found = _KeyHash(keys).find(queries)
        expected = np.searchsorted(keys, queries)
        expected[expected == len(keys)] = 0
        known = (keys[expected] == queries) if len(keys) else np.zeros(len(queries), bool)
        assert np.array_equal(found >= 0, known)
        assert np.array_equal(found[known], expected[known])
