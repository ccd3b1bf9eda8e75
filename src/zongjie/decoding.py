"""Documents + the paragraph classifier's probabilities → the sequence model that labels a
document in reading order (fitted with crfsuite, exported as arrays).

A linear-chain CRF learns, from the gold documents, how a paragraph's role follows from what
the classifier says of it and of its neighbours, from its shape and place, from the headings
that enclose it and from the lexicon cues (`zongjie.features.sequence_attributes`), and how
roles follow one another. It has a fourth state, ``null``, for paragraphs with no content
(titles, bylines, salutations, empty formulas), learned from the gold like the roles.

It is trained on out-of-fold probabilities: a classifier's probabilities on its own training
paragraphs are overconfident, and the CRF would learn to trust them more than it should.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from zongjie.document import Document
from zongjie.features import sequence_attributes
from zongjie.inference import STATES, CrfTables
from zongjie.lexicon import Lexicon
from zongjie.structure import shape

__all__ = ["fit_sequence_model", "headless_indices", "state_sequence"]

_NEVER = -1e4  # the weight that keeps a state the training data never showed out of every answer


def state_sequence(document: Document) -> list[str]:
    """The CRF states of a labelled document: its labels, ``null`` where there is none."""
    assert document.labels is not None
    return [label if label is not None else "null" for label in document.labels]


def headless_indices(paragraphs: Sequence[str], lexicon: Lexicon) -> list[int]:
    """The paragraphs that are not headings: a document as it reads when its headings are lost
    (in PDF extraction, or in a report written without them)."""
    return [i for i, p in enumerate(paragraphs) if not shape(p, lexicon).heading]


def fit_sequence_model(
    documents: Sequence[Document],
    probabilities: Mapping[str, np.ndarray],
    lexicon: Lexicon,
    params: Mapping[str, Any],
    words: str | None,
    stop_words: Sequence[str],
) -> CrfTables:
    """Fit the CRF on `documents` (each with its out-of-fold `probabilities[document.id]`,
    (n, 3)) and return its arrays. With `params.headless_copies`, each document is also seen
    without its headings, so the model learns to read reports that have none."""
    import sklearn_crfsuite

    sequences, targets = [], []
    for document in documents:
        paragraphs, proba, states = (
            list(document.paragraphs),
            probabilities[document.id],
            state_sequence(document),
        )
        variants = [list(range(len(paragraphs)))]
        if params["headless_copies"]:
            kept = headless_indices(paragraphs, lexicon)
            if kept and len(kept) < len(paragraphs):
                variants.append(kept)
        for kept in variants:
            sequences.append(
                sequence_attributes(
                    [paragraphs[i] for i in kept],
                    proba[kept],
                    lexicon,
                    words=words,
                    stop_words=stop_words,
                    word_value=params["word_value"],
                )
            )
            targets.append([states[i] for i in kept])
    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=params["c1"],
        c2=params["c2"],
        max_iterations=params["max_iterations"],
        epsilon=params["epsilon"],
        all_possible_transitions=True,
    )
    crf.fit(sequences, targets)
    return _export(crf)


def _export(crf: Any) -> CrfTables:
    """The CRF's weights as arrays (states in `STATES` order; attributes sorted by name, so
    the same fit always gives the same arrays)."""
    position = {state: i for i, state in enumerate(STATES)}
    # "bias" (every paragraph has it) carries the veto on states the training never showed.
    attributes = sorted({"bias", *(attribute for attribute, _ in crf.state_features_)})
    row = {attribute: i for i, attribute in enumerate(attributes)}
    weights = np.zeros((len(attributes), len(STATES)))
    for (attribute, state), weight in crf.state_features_.items():
        weights[row[attribute], position[state]] = weight
    transitions = np.zeros((len(STATES), len(STATES)))
    for (before, after), weight in crf.transition_features_.items():
        transitions[position[before], position[after]] = weight
    for state in set(STATES) - set(crf.classes_):
        weights[row["bias"], position[state]] = _NEVER
    return CrfTables(tuple(attributes), weights, transitions)
