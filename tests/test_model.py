"""The fitted model: paragraph probabilities, document states, labels and role probabilities."""

from __future__ import annotations

import numpy as np

from zongjie.inference import STATES
from zongjie.model import NULL_STATE, Model


def test_document_labels_are_the_likeliest_state_none_for_null() -> None:
    states = np.array(
        [
            [0.1, 0.1, 0.1, 0.7],
            [0.6, 0.2, 0.1, 0.1],
            [0.2, 0.5, 0.0, 0.3],
            [0.1, 0.2, 0.4, 0.3],
        ]
    )
    assert Model.document_labels(states) == [None, "summary", "problem", "plan"]
    assert Model.document_labels(np.empty((0, 4))) == []
    assert STATES[NULL_STATE] == "null"


def test_role_proba_is_given_content() -> None:
    states = np.array([[0.1, 0.1, 0.2, 0.6], [0.0, 0.0, 0.0, 1.0], [0.5, 0.25, 0.25, 0.0]])
    np.testing.assert_allclose(
        Model.role_proba(states),
        [[0.25, 0.25, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.25, 0.25]],
    )


def test_probabilities_of_a_real_report(tiny_model, seed_documents) -> None:
    paragraphs = list(seed_documents[0].paragraphs)
    proba = tiny_model.paragraph_proba(paragraphs)
    states = tiny_model.document_states(paragraphs)
    assert proba.shape == (33, 3) and states.shape == (33, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(states.sum(axis=1), 1.0)
    assert tiny_model.document_states([]).shape == (0, 4)
    # A document is read as a whole: the same paragraph in another document can change.
    alone = tiny_model.document_states(paragraphs[4:6])
    assert not np.allclose(alone, states[4:6])


def test_the_model_learned_the_seeds_it_was_fitted_on(tiny_model, seed_documents) -> None:
    for document in seed_documents:
        labels = Model.document_labels(tiny_model.document_states(document.paragraphs))
        assert labels == list(document.labels), document.id
