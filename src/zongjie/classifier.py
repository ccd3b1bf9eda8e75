"""Paragraphs + labels → the paragraph classifier (fitted with scikit-learn, exported as arrays).

The classifier reads one paragraph at a time: TF-IDF over its tokens and the lexicon cue block
(`zongjie.features`), scored by a linear model. `fit_paragraph_classifier` fits it and returns
a `zongjie.inference.LinearScorer`, the arrays prediction applies with numpy; scikit-learn is
needed to fit, never to predict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from zongjie.checks import Check, integer, number, one_of, optional
from zongjie.document import LABELS
from zongjie.features import CueFeatures, WordTfidf, build_paragraph_features
from zongjie.inference import LinearScorer
from zongjie.lexicon import Lexicon

__all__ = ["CLASSIFIERS", "PARAMETERS", "fit_paragraph_classifier"]

# Each classifier's settings (conf/model/<name>.yaml) and what each must be: `zongjie.config`
# checks them before anything runs, `_estimator` reads them. A new classifier is an entry here,
# its branches in `_estimator` and `_export`, and its YAML file.
PARAMETERS: dict[str, dict[str, Check]] = {
    "logreg": {
        "C": number(strict=True),
        "class_weight": optional(one_of("balanced")),
        "solver": one_of("lbfgs", "newton-cg", "newton-cholesky", "sag", "saga"),
        "tol": number(strict=True),
        "max_iter": integer(1),
    },
    "complement_nb": {"alpha": number()},
    "linear_svc": {
        "C": number(strict=True),
        "class_weight": optional(one_of("balanced")),
        "tol": number(strict=True),
        "calibration_folds": integer(2),
    },
}
CLASSIFIERS = tuple(PARAMETERS)


def _estimator(params: Mapping[str, Any], seed: int, labels: Sequence[str]) -> Any:
    name = params["name"]
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=params["C"],
            class_weight=params["class_weight"],
            solver=params["solver"],
            max_iter=params["max_iter"],
            tol=params["tol"],
            random_state=seed,
        )
    if name == "complement_nb":
        from sklearn.naive_bayes import ComplementNB

        return ComplementNB(alpha=params["alpha"])
    if name == "linear_svc":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        # A small training set may hold only a couple of problem paragraphs: shrink the folds.
        rarest = min(Counter(labels).values())
        if rarest < 2:
            raise ValueError(
                "calibrating linear_svc needs at least 2 paragraphs of every label; the "
                f"training data has {dict(Counter(labels))}"
            )
        svc = LinearSVC(
            C=params["C"], class_weight=params["class_weight"], tol=params["tol"], random_state=seed
        )
        return CalibratedClassifierCV(svc, cv=min(params["calibration_folds"], rarest))
    raise ValueError(f"model.name must be one of {CLASSIFIERS}, not {name!r}")


def _matrix(blocks: Sequence[Any], paragraphs: Sequence[str]) -> Any:
    from scipy import sparse

    parts = [block.transform(paragraphs) for block in blocks]
    return sparse.hstack([sparse.csr_matrix(p) for p in parts], format="csr")


def fit_paragraph_classifier(
    paragraphs: Sequence[str],
    labels: Sequence[str],
    features: Mapping[str, Any],
    model: Mapping[str, Any],
    lexicon: Lexicon,
    seed: int,
    sample_weight: np.ndarray | None = None,
) -> LinearScorer:
    """Fit the classifier `model` names on `features` of labelled paragraphs (labels in
    LABELS) and return its arrays. A label absent from `labels` is never predicted."""
    blocks = build_paragraph_features(features, lexicon)
    for block in blocks:
        block.fit(paragraphs)
    matrix = _matrix(blocks, paragraphs)
    estimator = _estimator(model, seed, labels)
    estimator.fit(matrix, list(labels), sample_weight=sample_weight)
    words = next(b for b in blocks if isinstance(b, WordTfidf)).table_
    cues = any(isinstance(b, CueFeatures) for b in blocks)
    return _export(estimator, words, cues)


_ABSENT = -1e4  # the score of a label the training data never showed: never chosen


def _softmax_rows(
    classes: Sequence[str], coef: np.ndarray, intercept: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (3, d) and intercepts (3,) in LABELS order for a softmax over the classes the
    training data held. A binary model's one row scores its second class against the first
    (a sigmoid is a softmax over [0, score]); a label it never saw scores `_ABSENT`."""
    classes = [str(c) for c in classes]
    if len(classes) == 2 and coef.shape[0] == 1:
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]])
    full_coef = np.zeros((len(LABELS), coef.shape[1]))
    full_intercept = np.full(len(LABELS), _ABSENT)
    for row, label in enumerate(classes):
        full_coef[LABELS.index(label)] = coef[row]
        full_intercept[LABELS.index(label)] = intercept[row]
    return full_coef, full_intercept


# The sigmoid offset of a label the training data never showed: its probability is 0.
_ABSENT_SIGMOID = 700.0


def _calibrated_rows(
    classes: Sequence[str], calibrated: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One calibration fold of a CalibratedClassifierCV as weights (3, d), intercepts (3,) and
    sigmoid parameters a, b (3,) in LABELS order, such that each label's probability is
    1 / (1 + exp(a * score + b)), normalised over the labels, as scikit-learn computes it.

    With two classes the SVM has one row, scoring the second class, and one sigmoid: the
    second class gets it, the first its complement (the same score, the sigmoid negated, since
    1 - 1/(1 + exp(x)) = 1/(1 + exp(-x))); a label the training data never showed gets
    probability 0."""
    classes = [str(c) for c in classes]
    svc = calibrated.estimator
    calibrators = calibrated.calibrators
    d = svc.coef_.shape[1]
    coef, intercept = np.zeros((len(LABELS), d)), np.zeros(len(LABELS))
    a, b = np.zeros(len(LABELS)), np.full(len(LABELS), _ABSENT_SIGMOID)
    if len(classes) == 2 and svc.coef_.shape[0] == 1:
        for label, sign in zip(classes, (-1.0, 1.0), strict=True):
            row = LABELS.index(label)
            coef[row], intercept[row] = svc.coef_[0], svc.intercept_[0]
            a[row], b[row] = sign * calibrators[0].a_, sign * calibrators[0].b_
        return coef, intercept, a, b
    if not set(classes) <= set(LABELS) or len(classes) != svc.coef_.shape[0]:
        raise ValueError(f"the classifier learned the classes {classes}, not {list(LABELS)}")
    for i, label in enumerate(classes):
        row = LABELS.index(label)
        coef[row], intercept[row] = svc.coef_[i], svc.intercept_[i]
        a[row], b[row] = calibrators[i].a_, calibrators[i].b_
    return coef, intercept, a, b


def _export(estimator: Any, words: Any, cues: bool) -> LinearScorer:
    name = type(estimator).__name__
    if name == "LogisticRegression":
        coef, intercept = _softmax_rows(estimator.classes_, estimator.coef_, estimator.intercept_)
        return LinearScorer(words, cues, "softmax", coef[None], intercept[None])
    if name == "ComplementNB":
        zero = np.zeros(len(estimator.classes_))
        coef, intercept = _softmax_rows(estimator.classes_, estimator.feature_log_prob_, zero)
        return LinearScorer(words, cues, "softmax", coef[None], intercept[None])
    if name == "CalibratedClassifierCV":
        coef, intercept, a, b = [], [], [], []
        for calibrated in estimator.calibrated_classifiers_:
            arrays = _calibrated_rows(estimator.classes_, calibrated)
            for collected, array in zip((coef, intercept, a, b), arrays, strict=True):
                collected.append(array)
        return LinearScorer(
            words,
            cues,
            "calibrated",
            np.array(coef),
            np.array(intercept),
            np.array(a, dtype=np.float64),
            np.array(b, dtype=np.float64),
        )
    raise ValueError(f"cannot export a {name}")  # pragma: no cover - _estimator builds these
