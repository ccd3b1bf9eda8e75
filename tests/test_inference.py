"""The arrays prediction applies with numpy alone: linear scorers, CRF tables (the TF-IDF
vocabulary: test_vocabulary).
They give what scikit-learn and crfsuite give (see also test_classifier and test_decoding)."""

from __future__ import annotations

import numpy as np
import pytest

from zongjie.document import LABELS
from zongjie.inference import STATES, CrfTables, LinearScorer
from zongjie.lexicon import default_lexicon
from zongjie.vocabulary import WordTable

from test_vocabulary import TEST, _dense, _vectorizer


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
