"""The arrays prediction applies with numpy alone: TF-IDF tables, linear scorers, CRF tables.
They give what scikit-learn and crfsuite give (see also test_classifier and test_decoding)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from zongjie.document import LABELS
from zongjie.inference import STATES, CrfTables, LinearScorer, WordTable, word_tfidf
from zongjie.lexicon import default_lexicon
from zongjie.text import TOKENIZERS, normalize

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


def _scorer(kind: str = "softmax", folds: int = 1) -> LinearScorer:
    table = WordTable.from_vectorizer(_vectorizer("chars"), "chars")
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(folds, 3, table.n_features))
    intercept = rng.normal(size=(folds, 3))
    if kind == "softmax":
        return LinearScorer(table, False, kind, coef, intercept)
    a, b = -np.abs(rng.normal(size=(folds, 3))), rng.normal(size=(folds, 3))
    return LinearScorer(table, False, kind, coef, intercept, a, b)


def test_softmax_scorer_is_a_softmax_of_linear_scores() -> None:
    scorer = _scorer()
    lexicon = default_lexicon()
    scores = scorer.scores(TEST, lexicon)[0]
    expected = _dense(scorer.words, TEST) @ scorer.coef[0].T + scorer.intercept[0]
    np.testing.assert_allclose(scores, expected, atol=1e-9)
    proba = scorer.proba(TEST, lexicon)
    np.testing.assert_allclose(
        proba, np.exp(expected) / np.exp(expected).sum(axis=1, keepdims=True)
    )
    assert scorer.proba([], lexicon).shape == (0, 3)


def test_calibrated_scorer_averages_its_folds_sigmoids() -> None:
    scorer = _scorer("calibrated", folds=2)
    lexicon = default_lexicon()
    scores = scorer.scores(TEST, lexicon)
    folds = []
    for fold in range(2):
        p = 1 / (1 + np.exp(scorer.sigmoid_a[fold] * scores[fold] + scorer.sigmoid_b[fold]))
        folds.append(p / p.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(scorer.proba(TEST, lexicon), np.mean(folds, axis=0), atol=1e-12)


def test_linear_scorer_refuses_bad_arrays() -> None:
    scorer = _scorer()
    with pytest.raises(ValueError, match=r"^unknown classifier kind 'tree'$"):
        LinearScorer(scorer.words, False, "tree", scorer.coef, scorer.intercept)
    with pytest.raises(ValueError, match=r"^classifier weights of shape \(3, 4\)$"):
        LinearScorer(scorer.words, False, "softmax", np.zeros((3, 4)), scorer.intercept)


def test_crf_tables_forward_backward_on_a_hand_made_chain() -> None:
    assert (*LABELS, "null") == STATES
    weights = np.array([[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0]])  # a: summary; b: plan
    transitions = np.zeros((4, 4))
    transitions[2, 0] = -50.0  # summary never follows plan
    tables = CrfTables(("a", "b"), weights, transitions)
    marginals = tables.marginals([{"a": 1.0}, {"b": 1.0, "unseen": 5.0}, {}])
    assert marginals.shape == (3, 4)
    np.testing.assert_allclose(marginals.sum(axis=1), 1.0)
    # Brute force over the 64 state sequences.
    scores = np.array([[2, 0, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0]], dtype=float)
    expected = np.zeros((3, 4))
    for s in np.ndindex(4, 4, 4):
        weight = np.exp(
            sum(scores[t, s[t]] for t in range(3))
            + transitions[s[0], s[1]]
            + transitions[s[1], s[2]]
        )
        for t in range(3):
            expected[t, s[t]] += weight
    np.testing.assert_allclose(
        marginals, expected / expected.sum(axis=1, keepdims=True), atol=1e-12
    )
    assert tables.marginals([]).shape == (0, 4)


def test_crf_tables_refuse_arrays_of_the_wrong_shape() -> None:
    with pytest.raises(
        ValueError,
        match=r"^sequence model arrays of shapes \(2, 3\) and \(4, 4\) for 2 attributes$",
    ):
        CrfTables(("a", "b"), np.zeros((2, 3)), np.zeros((4, 4)))


def test_the_key_hash_finds_exactly_the_keys() -> None:
    from zongjie.inference import _KeyHash

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
