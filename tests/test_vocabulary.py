"""The TF-IDF vocabulary as arrays (`zongjie.vocabulary`): it gives what scikit-learn's
TfidfVectorizer gives, for every tokenizer and setting the config offers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from zongjie.dataset import read_seeds
from zongjie.features import WordTfidf
from zongjie.text import TOKENIZERS, normalize
from zongjie.vocabulary import WordTable, fit_table, word_tfidf

from conftest import GOLD

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


def _vectorizer(tokenizer: str, texts: list[str] = TRAIN, **settings) -> TfidfVectorizer:
    """The vectorizer as WordTfidf configures it, fitted on `texts`."""
    return TfidfVectorizer(
        preprocessor=normalize,
        tokenizer=TOKENIZERS[tokenizer],
        token_pattern=None,
        lowercase=False,
        dtype=np.float32,
        **settings,
    ).fit(texts)


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


# ------------------------------------------------------------------ fitting without sklearn


def _same_table(a: WordTable, b: WordTable) -> bool:
    (settings_a, arrays_a), (settings_b, arrays_b) = a.to_state(), b.to_state()
    return (
        settings_a == settings_b
        and arrays_a.keys() == arrays_b.keys()
        and all(
            arrays_a[k].dtype == arrays_b[k].dtype and np.array_equal(arrays_a[k], arrays_b[k])
            for k in arrays_a
        )
    )


def _both(texts: list[str], tokenizer: str, **settings) -> tuple[WordTable | None, WordTable]:
    """fit_table's table and the vectorizer's, fitted on `texts` with `settings`."""
    full = {"ngram_range": (1, 1), "min_df": 1, "max_df": 1.0, "max_features": None}
    full |= {"sublinear_tf": False, "stop_words": [], **settings}
    fitted = fit_table([normalize(t) for t in texts], tokenizer, **full)
    vectorizer = _vectorizer(tokenizer, texts, **{**full, "stop_words": full["stop_words"] or None})
    return fitted, WordTable.from_vectorizer(vectorizer, tokenizer)


SEED_TEXTS = [p for d in read_seeds(GOLD) for p in d.paragraphs]


@pytest.mark.parametrize(
    ("tokenizer", "settings"),
    [
        # The default config's, and tighter limits: ties in the term counts at the cut.
        ("rjieba", {"ngram_range": (1, 2), "min_df": 2, "max_df": 0.9, "max_features": 60000}),
        ("rjieba", {"ngram_range": (1, 2), "min_df": 2, "max_df": 0.9, "max_features": 700}),
        ("rjieba", {"ngram_range": (1, 3), "max_features": 5, "sublinear_tf": True}),
        ("rjieba", {"ngram_range": (2, 2), "min_df": 0.01, "max_df": 40}),
        ("jieba", {"ngram_range": (1, 2), "stop_words": ["的", "和", ",", "。"]}),
        ("chars", {"ngram_range": (1, 3), "min_df": 2, "max_features": 3000}),
    ],
    ids=["default", "limit-700", "trigrams-limit-5", "bigrams-df-bounds", "jieba-stop", "chars"],
)
def test_fit_table_gives_the_vectorizers_table(tokenizer: str, settings: dict) -> None:
    fitted, expected = _both(SEED_TEXTS, tokenizer, **settings)
    assert fitted is not None and _same_table(fitted, expected)


def test_fit_table_leaves_to_sklearn_what_it_must(monkeypatch) -> None:
    # Tokens with spaces inside (none after `normalize`, which drops whitespace, but a
    # tokenizer could make them): "a b"+"c" and "a"+"b c" both join into "a b c", one term
    # to the vectorizer, so only the strings can count it.
    monkeypatch.setitem(TOKENIZERS, "chars", lambda text: text.split("|"))
    assert fit_table(["a b|c", "a|b c"], "chars", (1, 2), 1, 1.0, None, False, []) is None
    monkeypatch.undo()
    # Settings scikit-learn refuses, and documents that leave no term: None, so that
    # WordTfidf.fit raises scikit-learn's error.
    texts = ["上半年完成培训", "完成任务", "形式单一"]
    words = [normalize(t) for t in texts]
    assert fit_table(words, "rjieba", (1, 1), 1, 1.0, None, False, []) is not None
    assert fit_table(words, "rjieba", (1, 1), 3, 1.0, None, False, []) is None
    assert fit_table(words, "rjieba", (1, 1), 1, 1.5, None, False, []) is None
    assert fit_table(words, "rjieba", (1, 1), 2, 1, None, False, []) is None
    assert fit_table(words, "rjieba", (1, 1), 1, 1.0, 0, False, []) is None
    assert fit_table(["的"], "rjieba", (1, 1), 1, 1.0, None, False, ["的"]) is None
    with pytest.raises(ValueError, match="After pruning, no terms remain"):
        WordTfidf("rjieba", (1, 1), 3, 1.0, None, False, []).fit(texts)
    with pytest.raises(ValueError, match="max_df corresponds to < documents than min_df"):
        WordTfidf("rjieba", (1, 1), 2, 1, None, False, []).fit(texts)
    with pytest.raises(ValueError, match="empty vocabulary"):
        WordTfidf("rjieba", (1, 1), 1, 1.0, None, False, ["的"]).fit(["的"])
