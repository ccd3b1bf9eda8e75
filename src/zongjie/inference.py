"""A fitted model's arrays → probabilities, with numpy alone: what prediction runs.

Importing scikit-learn takes about a second, longer than labelling ten thousand paragraphs, and
crfsuite keeps its model in a binary file of its own; neither is needed to apply what they fit.
Training (`zongjie.classifier`, `zongjie.decoding`) exports what it fitted into the
array holders here (and the TF-IDF vocabulary into `zongjie.vocabulary.WordTable`), and a
model file stores exactly these arrays:

* `LinearScorer`: the paragraph classifier's weights over TF-IDF (`zongjie.vocabulary`) and the
  lexicon cue block (`zongjie.features.cue_block`);
* `CrfTables`: the sequence model's attribute weights and transitions, decoded by
  forward-backward into each paragraph's posterior probabilities.

Both are immutable once built, so one instance serves any number of threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zongjie.document import LABELS
from zongjie.features import cue_block
from zongjie.lexicon import Lexicon
from zongjie.text import normalize
from zongjie.vocabulary import WordTable, word_tfidf

__all__ = ["CrfTables", "LinearScorer"]


# Kinds of linear classifier: `softmax` (logistic regression, complement naive Bayes: a softmax
# over linear scores) and `calibrated` (linear SVMs, each score through a fitted sigmoid, the
# calibration folds averaged, as scikit-learn's CalibratedClassifierCV does).
SCORER_KINDS = ("softmax", "calibrated")


@dataclass(frozen=True, eq=False)
class LinearScorer:
    """The paragraph classifier: TF-IDF (`words`) and, when `cues`, the lexicon cue block side
    by side, scored by linear weights. `coef` is (m, 3, features) and `intercept` (m, 3), rows
    in LABELS order; m = 1 for a softmax, one per calibration fold for `calibrated`, whose
    sigmoids are `sigmoid_a` and `sigmoid_b` (m, 3)."""

    words: WordTable
    cues: bool
    kind: str
    coef: np.ndarray
    intercept: np.ndarray
    sigmoid_a: np.ndarray | None = None
    sigmoid_b: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCORER_KINDS:
            raise ValueError(f"unknown classifier kind {self.kind!r}")
        if self.coef.ndim != 3 or self.coef.shape[1] != len(LABELS):
            raise ValueError(f"classifier weights of shape {self.coef.shape}")

    def features(
        self, paragraphs: Sequence[str], lexicon: Lexicon
    ) -> tuple[Any, np.ndarray | None]:
        """The TF-IDF entries (rows, columns, values) and the dense cue block."""
        normalized = [normalize(p) for p in paragraphs]  # once, for both blocks
        sparse_part = word_tfidf(self.words, paragraphs, normalized)
        dense = cue_block(paragraphs, lexicon, normalized) if self.cues else None
        return sparse_part, dense

    def scores(self, paragraphs: Sequence[str], lexicon: Lexicon) -> np.ndarray:
        """Linear scores (m, n, 3)."""
        return self.scores_of(self.features(paragraphs, lexicon), len(paragraphs))

    def scores_of(self, features: tuple[Any, np.ndarray | None], n: int) -> np.ndarray:
        """Linear scores (m, n, 3) of `features` (what `features` gives for n paragraphs)."""
        (rows, columns, values), dense = features
        width = self.words.n_features
        m = self.coef.shape[0]
        out = np.repeat(self.intercept[:, None, :], n, axis=1).astype(np.float64)
        for fold in range(m):
            weights = self.coef[fold][:, columns]  # (3, nnz)
            for k in range(len(LABELS)):
                out[fold, :, k] += np.bincount(rows, weights=values * weights[k], minlength=n)
            if dense is not None:
                out[fold] += dense @ self.coef[fold][:, width:].T
        return out

    def proba(self, paragraphs: Sequence[str], lexicon: Lexicon) -> np.ndarray:
        """Probabilities (n, 3), columns in LABELS order, rows summing to 1."""
        if not len(paragraphs):
            return np.empty((0, len(LABELS)))
        return self.proba_of(self.scores(paragraphs, lexicon))

    def proba_of(self, scores: np.ndarray) -> np.ndarray:
        """Probabilities (n, 3) from the linear scores (m, n, 3) of n > 0 paragraphs."""
        if self.kind == "softmax":
            scores = scores[0] - scores[0].max(axis=1, keepdims=True)
            proba = np.exp(scores)
            return proba / proba.sum(axis=1, keepdims=True)
        assert self.sigmoid_a is not None and self.sigmoid_b is not None
        folds = []
        for fold in range(scores.shape[0]):
            p = 1.0 / (1.0 + np.exp(self.sigmoid_a[fold] * scores[fold] + self.sigmoid_b[fold]))
            total = p.sum(axis=1, keepdims=True)
            p = np.where(total > 0, p / np.where(total > 0, total, 1), 1.0 / len(LABELS))
            folds.append(p)
        proba = np.mean(folds, axis=0)
        return proba / proba.sum(axis=1, keepdims=True)


# The sequence model's states: the three roles and `null` (no content: titles, bylines,
# salutations, empty formulas).
STATES: tuple[str, ...] = (*LABELS, "null")


@dataclass(frozen=True, eq=False)
class CrfTables:
    """A linear-chain CRF: `weights[a, s]` is attribute a's weight for state s (an attribute's
    value multiplies it), `transitions[s, t]` the weight of state t following s. States are
    `STATES`. Attributes the model never saw weigh nothing."""

    attributes: tuple[str, ...]
    weights: np.ndarray
    transitions: np.ndarray
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        k = len(STATES)
        if self.weights.shape != (len(self.attributes), k) or self.transitions.shape != (k, k):
            raise ValueError(
                f"sequence model arrays of shapes {self.weights.shape} and "
                f"{self.transitions.shape} for {len(self.attributes)} attributes"
            )
        object.__setattr__(self, "index", {a: i for i, a in enumerate(self.attributes)})

    def state_scores(self, attributes: Sequence[Mapping[str, float]]) -> np.ndarray:
        """(n, states): each paragraph's summed attribute weights."""
        scores = np.zeros((len(attributes), len(STATES)))
        get = self.index.get
        for t, attrs in enumerate(attributes):
            # Summed in the order of the attributes' rows: a paragraph's words come as a set,
            # whose order changes from process to process, and so would the sum's last bit.
            known = [(row, v) for a, v in attrs.items() if (row := get(a)) is not None]
            known.sort()
            if known:
                rows, values = zip(*known, strict=True)
                scores[t] = np.asarray(values) @ self.weights[list(rows)]
        return scores

    def marginals(self, attributes: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Posterior state probabilities (n, states) by forward-backward, in log space."""
        return self.marginals_of(self.state_scores(attributes))

    def marginals_of(self, scores: np.ndarray) -> np.ndarray:
        """`marginals` from the `state_scores` (n, states) of a whole document."""
        n = len(scores)
        if n == 0:
            return np.empty((0, len(STATES)))
        forward = np.empty_like(scores)
        backward = np.zeros_like(scores)
        forward[0] = scores[0]
        for t in range(1, n):
            forward[t] = _logsumexp(forward[t - 1][:, None] + self.transitions, axis=0) + scores[t]
        for t in range(n - 2, -1, -1):
            backward[t] = _logsumexp(
                self.transitions + (scores[t + 1] + backward[t + 1])[None, :], axis=1
            )
        log_z = _logsumexp(forward[-1], axis=0)
        posterior = np.exp(forward + backward - log_z)
        return posterior / posterior.sum(axis=1, keepdims=True)


def _logsumexp(values: np.ndarray, axis: int) -> np.ndarray:
    top = values.max(axis=axis, keepdims=True)
    return np.squeeze(top, axis=axis) + np.log(np.exp(values - top).sum(axis=axis))
