"""The sequence model: a linear-chain CRF fitted with crfsuite and exported as arrays whose
forward-backward gives crfsuite's own marginals."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn_crfsuite

from zongjie import decoding
from zongjie.decoding import fit_sequence_model, headless_indices, state_sequence
from zongjie.document import Document
from zongjie.features import sequence_attributes
from zongjie.inference import STATES
from zongjie.lexicon import default_lexicon

LEXICON = default_lexicon()
PARAMS = {
    "c1": 0.05,
    "c2": 0.5,
    "max_iterations": 60,
    "epsilon": 1e-5,
    "headless_copies": True,
    "word_value": 1.0,
}


@pytest.fixture(scope="module")
def sequences(seed_documents, tiny_model):
    """The seeds' attribute sequences (with the tiny model's paragraph probabilities) and
    their states."""
    attributes, states = [], []
    for document in seed_documents:
        proba = tiny_model.paragraph_proba(document.paragraphs)
        attributes.append(
            sequence_attributes(
                document.paragraphs,
                proba,
                LEXICON,
                words="rjieba",
                stop_words=["。"],
                word_value=1.0,
            )
        )
        states.append(state_sequence(document))
    return attributes, states


def test_numpy_marginals_equal_crfsuites(sequences) -> None:
    attributes, states = sequences
    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs", c1=0.05, c2=0.5, max_iterations=60, all_possible_transitions=True
    )
    crf.fit(attributes[:8], states[:8])
    tables = decoding._export(crf)
    # Held-out documents too: their unseen attributes weigh nothing in both.
    unseen = [{"bias": 1.0, "word:从未见过": 1.0}, {"bias": 1.0, "p_plan": 0.9}]
    for sequence in [*attributes, unseen, unseen[:1]]:
        theirs = crf.predict_marginals_single(sequence)
        expected = np.array([[m.get(state, 0.0) for state in STATES] for m in theirs])
        # crfsuite hands its weights out rounded to six decimals (pycrfsuite parses its text
        # dump), so the exported CRF differs from crfsuite's own by up to about 1e-6 per weight.
        np.testing.assert_allclose(tables.marginals(sequence), expected, rtol=0, atol=1e-5)
    assert set(crf.classes_) == set(STATES)
    # Same weights, same marginals: with crfsuite's weights as exported, its forward-backward
    # and ours agree to within the rounding.
    assert (
        crf.state_features_[("bias", "summary")]
        == tables.weights[tables.attributes.index("bias"), 0]
    )


def test_export_is_deterministic_and_sorted(sequences) -> None:
    attributes, states = sequences
    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs", c2=0.5, max_iterations=30, all_possible_transitions=True
    )
    crf.fit(attributes, states)
    first, second = decoding._export(crf), decoding._export(crf)
    assert first.attributes == tuple(sorted(first.attributes)) == second.attributes
    np.testing.assert_array_equal(first.weights, second.weights)
    np.testing.assert_array_equal(first.transitions, second.transitions)


def test_a_state_the_gold_never_shows_is_never_decoded(seed_documents, tiny_model) -> None:
    documents = [d for d in seed_documents if None not in d.labels]  # seed-001 holds the nulls
    probabilities = {d.id: tiny_model.paragraph_proba(d.paragraphs) for d in documents}
    tables = fit_sequence_model(documents, probabilities, LEXICON, PARAMS, None, ())
    bias = tables.attributes.index("bias")
    assert tables.weights[bias, STATES.index("null")] == -1e4
    title = ["教育局半年工作总结会议发言", "时间:2022-09-10 09:52:00", "同志们:"]
    attributes = sequence_attributes(
        title, tiny_model.paragraph_proba(title), LEXICON, words=None, stop_words=(), word_value=1.0
    )
    assert tables.marginals(attributes)[:, STATES.index("null")].max() < 1e-100


def test_states_of_a_document_and_its_paragraphs_without_headings() -> None:
    document = Document(
        "d",
        "personal",
        "g",
        ("# 总结", "## 不足", "测试少。", "## 展望"),
        (None, "problem", "problem", "plan"),
    )
    assert state_sequence(document) == ["null", "problem", "problem", "plan"]
    assert headless_indices(document.paragraphs, LEXICON) == [2]


def test_headless_copies_are_extra_training_sequences(
    monkeypatch, seed_documents, tiny_model
) -> None:
    fitted: list[list[list[str]]] = []

    class Recording(sklearn_crfsuite.CRF):
        def fit(self, X, y, **kwargs):
            fitted.append(y)
            return super().fit(X, y, **kwargs)

    monkeypatch.setattr(sklearn_crfsuite, "CRF", Recording)
    documents = seed_documents[1:3]
    probabilities = {d.id: tiny_model.paragraph_proba(d.paragraphs) for d in documents}
    fit_sequence_model(documents, probabilities, LEXICON, {**PARAMS, "max_iterations": 5}, None, ())
    fit_sequence_model(
        documents,
        probabilities,
        LEXICON,
        {**PARAMS, "max_iterations": 5, "headless_copies": False},
        None,
        (),
    )
    with_copies, without = fitted
    assert without == [state_sequence(d) for d in documents]
    kept = [headless_indices(d.paragraphs, LEXICON) for d in documents]
    assert with_copies == [
        without[0],
        [without[0][i] for i in kept[0]],
        without[1],
        [without[1][i] for i in kept[1]],
    ]
