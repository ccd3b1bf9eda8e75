"""Per-paragraph probabilities + reading order → document labels.

Two decoders, chosen by the model's ``decoder`` setting (Hydra's ``context=`` group):

* ``rules``: a paragraph whose role the document's structure decides (a heading carrying its
  part's role down, a lead-in such as 我们也清醒认识到…) takes that role; the classifier
  decides the rest, each paragraph on its own.
* ``hmm``: the same evidence, but decoded along the document as a hidden Markov chain whose
  transitions were learned from training reports (summary tends to come first, problems next,
  plans last). Forward–backward gives each paragraph's posterior, so a paragraph with weak
  cues follows its neighbours, and a report stripped of its headings still reads in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zongjie.document import LABELS
from zongjie.labels import SUMMARY, UNDECIDED, own_role, structural_roles
from zongjie.segment import document_starts

__all__ = ["document_proba", "isolated_proba", "predictor_isolated_proba"]

DEFAULT_STRUCTURE_WEIGHT = 0.75


def _structured(paragraph_proba: np.ndarray, roles: list[str | None], weight: float) -> np.ndarray:
    """Mix each decided paragraph's probabilities with its structural role. With weight > 0.5
    the role always wins, and the probabilities still show how sure the classifier was."""
    proba = paragraph_proba.copy()
    for i, role in enumerate(roles):
        if role is not None and role != UNDECIDED:
            onehot = np.zeros(len(LABELS))
            onehot[LABELS.index(role)] = 1.0
            proba[i] = weight * onehot + (1 - weight) * paragraph_proba[i]
    return proba


def _forward_backward(
    emissions: np.ndarray, start: np.ndarray, transitions: np.ndarray
) -> np.ndarray:
    """Posterior state probabilities of a chain, scaled at each step to stay in range."""
    n, k = emissions.shape
    forward = np.empty((n, k))
    backward = np.ones((n, k))
    forward[0] = start * emissions[0]
    forward[0] /= forward[0].sum()
    for t in range(1, n):
        forward[t] = (forward[t - 1] @ transitions) * emissions[t]
        forward[t] /= forward[t].sum()
    for t in range(n - 2, -1, -1):
        backward[t] = transitions @ (emissions[t + 1] * backward[t + 1])
        backward[t] /= backward[t].sum()
    posterior = forward * backward
    return posterior / posterior.sum(axis=1, keepdims=True)


def isolated_proba(
    paragraphs: Sequence[str], paragraph_proba: np.ndarray, classifier: Any = None
) -> np.ndarray:
    """Probabilities (n, 3) for paragraphs read each on its own, without context: the
    classifier's, except where a paragraph's own words decide its role (`labels.own_role`: a
    heading naming its part, a lead-in, a closing look-back), as they would in a document.

    The classifier alone reads 二、存在问题 as a summary: its few words are as common in review
    headings, and headings are a small share of the training paragraphs."""
    weight = getattr(classifier, "structure_weight", DEFAULT_STRUCTURE_WEIGHT)
    return _structured(paragraph_proba, [own_role(p) for p in paragraphs], weight)


def predictor_isolated_proba(predictor: Any, paragraphs: list[str]) -> np.ndarray:
    """`isolated_proba` with a predictor's (`models.predictor`, `persistence.load_predictor`)
    own probabilities and decoding settings: what `zongjie.predict_proba` returns."""
    if not paragraphs:
        return np.empty((0, len(LABELS)))
    return isolated_proba(paragraphs, predictor.predict_proba(paragraphs), predictor.decoding)


def document_proba(
    paragraphs: Sequence[str], paragraph_proba: np.ndarray, classifier: Any = None
) -> np.ndarray:
    """Probabilities (n, 3) for one document's paragraphs in reading order.

    `classifier` is the fitted `DocumentClassifier` (for its transitions and settings); without
    one, or with ``decoder="rules"``, structure overrides the paragraph probabilities directly.
    """
    # Before the first heading, `rules` assumes a review (reports open with one); `hmm` assumes
    # nothing and lets the classifier and the chain decide, which holds up without headings.
    opening = UNDECIDED if getattr(classifier, "opening", "summary") == "undecided" else SUMMARY
    starts = document_starts(list(paragraphs))
    roles = structural_roles(paragraphs, opening=opening, starts=starts)
    weight = getattr(classifier, "structure_weight", DEFAULT_STRUCTURE_WEIGHT)
    structured = _structured(paragraph_proba, roles, weight)
    if getattr(classifier, "decoder", "rules") != "hmm" or len(paragraphs) == 0:
        return structured
    # Titles, dates and salutations carry no role: they keep their own probabilities and do
    # not break the chain. A new report inside the text restarts it.
    emissions = np.clip(structured, 1e-6, None) ** classifier.emission_weight
    proba = structured.copy()
    bounds = [*starts[1:], len(paragraphs)]
    for begin, end in zip(starts, bounds, strict=True):
        chain = [i for i in range(begin, end) if roles[i] is not None]
        if not chain:
            continue
        chain_emissions = emissions[chain]
        if classifier.position_weight:
            bins = [j * classifier.position_.shape[0] // len(chain) for j in range(len(chain))]
            chain_emissions = (
                chain_emissions * classifier.position_[bins] ** classifier.position_weight
            )
        proba[chain] = _forward_backward(
            chain_emissions, classifier.start_, classifier.transitions_
        )
    return proba
