"""Feature matrix → per-paragraph probabilities: the classifiers and the one persisted Pipeline."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from zongjie.document import LABELS
from zongjie.features import build_features

__all__ = ["as_texts", "build_classifier", "build_pipeline", "fit_pipeline", "proba_in_label_order"]

TEXT_COLUMN = "text"


def as_texts(inputs: Any) -> list[str]:
    """The paragraphs in whatever container a caller hands the pipeline: a list of str, a
    numpy array, or a pandas DataFrame (its ``text`` column, else its only column) as MLflow's
    pyfunc and model server pass them."""
    columns = getattr(inputs, "columns", None)
    if columns is not None:
        column = TEXT_COLUMN if TEXT_COLUMN in columns else columns[0]
        return [str(text) for text in inputs[column]]
    if isinstance(inputs, np.ndarray):
        return [str(text) for text in inputs.ravel()]
    return list(inputs)


def build_classifier(params: dict[str, Any], seed: int) -> Any:
    """The classifier named by ``params["name"]``: ``logreg``, ``linear_svc`` (calibrated, so
    it has probabilities) or ``complement_nb``."""
    name = params["name"]
    class_weight = params.get("class_weight")
    if name == "logreg":
        return LogisticRegression(
            C=params.get("C", 1.0),
            class_weight=class_weight,
            max_iter=params.get("max_iter", 2000),
            random_state=seed,
        )
    if name == "linear_svc":
        svc = LinearSVC(C=params.get("C", 0.5), class_weight=class_weight, random_state=seed)
        return CalibratedClassifierCV(svc, cv=params.get("calibration_folds", 3))
    if name == "complement_nb":
        return ComplementNB(alpha=params.get("alpha", 0.3))
    raise ValueError(f"model.name must be logreg, linear_svc or complement_nb, not {name!r}")


def build_pipeline(features: dict[str, Any], model: dict[str, Any], seed: int) -> Pipeline:
    """One Pipeline from raw paragraph text to label."""
    return Pipeline(
        [
            ("texts", FunctionTransformer(as_texts)),
            ("features", build_features(features)),
            ("classifier", build_classifier(model, seed)),
        ]
    )


def fit_pipeline(
    pipeline: Pipeline, texts: list[str], labels: list[str], sample_weight: np.ndarray | None = None
) -> Pipeline:
    """Fit, first shrinking a calibrated classifier's internal folds to what the rarest label
    allows (a small training set may hold only two problem paragraphs)."""
    classifier = pipeline.named_steps["classifier"]
    if isinstance(classifier, CalibratedClassifierCV):
        rarest = min(Counter(labels).values())
        if rarest < 2:
            raise ValueError(
                f"calibrating {type(classifier.estimator).__name__} needs at least 2 paragraphs "
                f"of every label; the training data has {dict(Counter(labels))}"
            )
        classifier.set_params(cv=min(classifier.cv, rarest))
    if sample_weight is None:
        return pipeline.fit(texts, labels)
    return pipeline.fit(texts, labels, classifier__sample_weight=sample_weight)


def proba_in_label_order(pipeline: Pipeline, paragraphs: list[str]) -> np.ndarray:
    """`predict_proba` with columns in `LABELS` order (scikit-learn sorts classes by name)."""
    proba = pipeline.predict_proba(paragraphs)
    columns = [list(pipeline.classes_).index(label) for label in LABELS]
    proba = np.asarray(proba[:, columns], dtype=np.float64)
    # The float32 features leave rows a few 1e-7 off 1; callers may rely on exact sums.
    return proba / proba.sum(axis=1, keepdims=True)
