"""Feature matrix → per-paragraph probabilities: the classifiers and the one persisted Pipeline."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from zongjie.document import LABELS
from zongjie.features import build_features
from zongjie.inference import LinearTextModel, NotLinear

__all__ = [
    "DocumentClassifier",
    "PipelineModel",
    "as_texts",
    "build_classifier",
    "build_pipeline",
    "fit_pipeline",
    "predictor",
    "proba_in_label_order",
]

TEXT_COLUMN = "text"
POSITION_BINS = 5  # a report's relative position, in fifths


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


class DocumentClassifier(ClassifierMixin, BaseEstimator):
    """A paragraph classifier that also learns how roles follow one another in a report.

    `predict_proba` is the wrapped classifier's, paragraph by paragraph. Fitting with
    ``doc_ids`` (the document of each paragraph, paragraphs in reading order) also counts the
    role transitions between consecutive labelled paragraphs of a document: `start_` and
    `transitions_` (rows: from, columns: to, in `LABELS` order) are what `predict_document`
    decodes with. The decoder's own settings travel with the model so a saved file is complete.
    """

    def __init__(
        self,
        estimator: Any = None,
        decoder: str = "hmm",
        smoothing: float = 1.0,
        emission_weight: float = 1.0,
        structure_weight: float = 0.75,
        position_weight: float = 0.0,
        opening: str = "summary",
    ) -> None:
        self.estimator = estimator
        self.decoder = decoder
        self.smoothing = smoothing
        self.emission_weight = emission_weight
        self.structure_weight = structure_weight
        self.position_weight = position_weight
        self.opening = opening

    def fit(
        self, X: Any, y: Any, doc_ids: Any = None, sample_weight: Any = None
    ) -> DocumentClassifier:
        labels = list(y)
        estimator = clone(self.estimator)
        if isinstance(estimator, CalibratedClassifierCV):
            # A small training set may hold only two problem paragraphs: shrink the folds.
            rarest = min(Counter(labels).values())
            if rarest < 2:
                raise ValueError(
                    f"calibrating {type(estimator.estimator).__name__} needs at least 2 paragraphs "
                    f"of every label; the training data has {dict(Counter(labels))}"
                )
            estimator.set_params(cv=min(estimator.cv, rarest))
        if sample_weight is None:
            estimator.fit(X, labels)
        else:
            estimator.fit(X, labels, sample_weight=sample_weight)
        self.estimator_ = estimator
        self.classes_ = estimator.classes_
        self._learn_order(labels, doc_ids)
        return self

    def _learn_order(self, labels: list[str], doc_ids: Any) -> None:
        """Start, transition and position statistics of the training reports."""
        index = {label: i for i, label in enumerate(LABELS)}
        k = len(LABELS)
        starts = np.full(k, self.smoothing)
        transitions = np.full((k, k), self.smoothing)
        by_position = np.full((POSITION_BINS, k), self.smoothing)
        doc_ids = list(doc_ids) if doc_ids is not None else [None] * len(labels)
        begin = 0
        while begin < len(labels):
            end = begin
            while end < len(labels) and doc_ids[end] == doc_ids[begin]:
                end += 1
            if doc_ids[begin] is None and end - begin < len(labels):
                begin = end  # examples outside any document (sentence copies): no order
                continue
            sequence = [index[label] for label in labels[begin:end]]
            starts[sequence[0]] += 1
            for a, b in itertools.pairwise(sequence):
                transitions[a, b] += 1
            for position, state in enumerate(sequence):
                by_position[
                    min(POSITION_BINS - 1, position * POSITION_BINS // len(sequence)), state
                ] += 1.0 / len(sequence)
            begin = end
        self.start_ = starts / starts.sum()
        self.transitions_ = transitions / transitions.sum(axis=1, keepdims=True)
        position = by_position / by_position.sum(axis=1, keepdims=True)
        overall = by_position.sum(axis=0) / by_position.sum()
        # How much more (or less) likely each role is in each fifth of a report than overall.
        self.position_ = position / overall

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.estimator_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def build_pipeline(
    features: dict[str, Any],
    model: dict[str, Any],
    seed: int,
    context: dict[str, Any] | None = None,
) -> Pipeline:
    """One Pipeline from raw paragraph text to label; `context` sets how documents are decoded."""
    return Pipeline(
        [
            ("texts", FunctionTransformer(as_texts)),
            ("features", build_features(features)),
            ("classifier", DocumentClassifier(build_classifier(model, seed), **(context or {}))),
        ]
    )


def fit_pipeline(
    pipeline: Pipeline,
    texts: list[str],
    labels: list[str],
    *,
    doc_ids: list[str] | None = None,
    sample_weight: np.ndarray | None = None,
) -> Pipeline:
    """Fit on paragraphs in reading order, with the document each one belongs to."""
    return pipeline.fit(
        texts, labels, classifier__doc_ids=doc_ids, classifier__sample_weight=sample_weight
    )


class PipelineModel:
    """A fitted pipeline that `LinearTextModel` cannot run (character n-grams, other
    classifiers), behind the same two members `zongjie.api` uses."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.decoding = pipeline.named_steps["classifier"]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return proba_in_label_order(self.pipeline, texts)


def predictor(pipeline: Pipeline) -> LinearTextModel | PipelineModel:
    """What `zongjie.predict` runs for a fitted pipeline: its arrays applied with numpy when
    it is a linear model over words and cues, else the pipeline itself."""
    try:
        return LinearTextModel.from_fitted(pipeline)
    except NotLinear:
        return PipelineModel(pipeline)


def proba_in_label_order(pipeline: Pipeline, paragraphs: list[str]) -> np.ndarray:
    """`predict_proba` with columns in `LABELS` order (scikit-learn sorts classes by name)."""
    proba = pipeline.predict_proba(paragraphs)
    columns = [list(pipeline.classes_).index(label) for label in LABELS]
    proba = np.asarray(proba[:, columns], dtype=np.float64)
    # The float32 features leave rows a few 1e-7 off 1; callers may rely on exact sums.
    return proba / proba.sum(axis=1, keepdims=True)
