"""Document-grouped evaluation: out-of-fold predictions on four tracks, and their metrics.

No document ever has paragraphs on both sides of a split. The tracks:

* ``isolated``: each paragraph alone, what `predict` does;
* ``document``: the whole test document in reading order, what `predict_document` does;
* ``headless``: the same after removing every heading-like paragraph (short, no sentence end),
  as in reports whose headings are missing or were lost in extraction;
* ``raw``: `predict_document(segment(raw_text))` on the document's source file (a file may hold
  several reports), its paragraphs matched back to the labelled ones by text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from zongjie.context import document_proba, isolated_proba
from zongjie.document import LABELS, Document
from zongjie.models import proba_in_label_order
from zongjie.segment import is_heading, segment

__all__ = [
    "TRACKS",
    "Predictions",
    "evaluate",
    "grouped_folds",
    "labelled",
    "report",
    "scores",
]

TRACKS = ("isolated", "document", "headless", "raw")


@dataclass
class Predictions:
    """Out-of-fold labels per track for the labelled paragraphs, with each one's genre."""

    truth: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TRACKS})
    genres: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TRACKS})
    predicted: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TRACKS})

    def add(self, track: str, truth: str, predicted: str, genre: str) -> None:
        self.truth[track].append(truth)
        self.predicted[track].append(predicted)
        self.genres[track].append(genre)

    def metrics(self, prefix: str = "") -> dict[str, float]:
        """Macro and per-class F1 per track, overall and per genre."""
        result: dict[str, float] = {}
        for track in TRACKS:
            truth, predicted, genres = self.truth[track], self.predicted[track], self.genres[track]
            if not truth:
                continue
            result.update({f"{prefix}{track}_{k}": v for k, v in scores(truth, predicted).items()})
            for genre in sorted(set(genres)):
                keep = [g == genre for g in genres]
                sub_truth = [t for t, k in zip(truth, keep, strict=True) if k]
                sub_predicted = [p for p, k in zip(predicted, keep, strict=True) if k]
                genre_scores = scores(sub_truth, sub_predicted)
                result.update({f"{prefix}{track}_{genre}_{k}": v for k, v in genre_scores.items()})
        return result


def labelled(
    documents: Sequence[Document],
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Texts, labels, document ids and genres of the paragraphs that carry a label."""
    texts, labels, groups, genres = [], [], [], []
    for document in documents:
        assert document.labels is not None
        for text, label in zip(document.paragraphs, document.labels, strict=True):
            if label is not None:
                texts.append(text)
                labels.append(label)
                groups.append(document.id)
                genres.append(document.genre)
    return texts, labels, groups, genres


def grouped_folds(
    documents: Sequence[Document], n_splits: int, seed: int
) -> list[tuple[list[int], list[int]]]:
    """Document indices of each fold's training and test side, stratified by each document's
    most frequent label so every fold sees every genre and role."""
    doc_ids = [d.id for d in documents]
    doc_labels = [max(LABELS, key=lambda label, d=d: d.labels.count(label)) for d in documents]
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(list(train), list(test)) for train, test in folds.split(doc_ids, doc_labels, doc_ids)]


def _labels(proba: np.ndarray) -> list[str]:
    return [LABELS[int(i)] for i in proba.argmax(axis=1)]


def _predict_tracks(
    pipeline: Pipeline, documents: Sequence[Document], raw_root: Path, into: Predictions
) -> None:
    classifier = pipeline.named_steps["classifier"]
    raw_cache: dict[str, dict[str, str]] = {}
    for document in documents:
        paragraphs = list(document.paragraphs)
        proba = proba_in_label_order(pipeline, paragraphs)
        isolated = _labels(isolated_proba(paragraphs, proba, classifier))
        in_document = _labels(document_proba(paragraphs, proba, classifier))
        body = [i for i, p in enumerate(paragraphs) if not is_heading(p)]
        headless_paragraphs = [paragraphs[i] for i in body]
        headless = dict(
            zip(
                body,
                _labels(document_proba(headless_paragraphs, proba[body], classifier)),
                strict=True,
            )
        )
        raw = _raw_labels(pipeline, document, raw_root, raw_cache)
        for i, label in enumerate(document.labels):
            if label is None:
                continue
            into.add("isolated", label, isolated[i], document.genre)
            into.add("document", label, in_document[i], document.genre)
            if i in headless:
                into.add("headless", label, headless[i], document.genre)
            if raw is not None and paragraphs[i] in raw:
                into.add("raw", label, raw[paragraphs[i]], document.genre)


def _raw_labels(
    pipeline: Pipeline, document: Document, raw_root: Path, cache: dict[str, dict[str, str]]
) -> dict[str, str] | None:
    """Labels by paragraph text from the whole source file run through `segment` and the
    document decoder, as a user would run it (None when the source file is not at hand)."""
    if "#" in document.source:
        return None  # a Wikisource report is one record of a JSON Lines file, not a text file
    source = document.source
    if source not in cache:
        path = Path(source) if Path(source).is_absolute() else raw_root / source
        if path.is_file():
            paragraphs = segment(path.read_bytes())  # decoded as `decode` would
            proba = proba_in_label_order(pipeline, paragraphs)
            classifier = pipeline.named_steps["classifier"]
            labels = _labels(document_proba(paragraphs, proba, classifier))
            cache[source] = dict(zip(paragraphs, labels, strict=True))
        else:
            cache[source] = {}
    return cache[source] or None


def evaluate(
    documents: Sequence[Document],
    splits: Iterable[tuple[list[int], list[int]]],
    make_pipeline: Callable[[], Pipeline],
    fit: Callable[[Pipeline, Sequence[Document]], None],
    raw_root: Path,
) -> Predictions:
    """Fit on each split's training documents and predict its test documents on every track."""
    result = Predictions()
    for train_idx, test_idx in splits:
        pipeline = make_pipeline()
        fit(pipeline, [documents[i] for i in train_idx])
        _predict_tracks(pipeline, [documents[i] for i in test_idx], raw_root, result)
    return result


def scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Macro-F1 over the three labels and the F1 of each."""
    per_class = f1_score(truth, predicted, labels=list(LABELS), average=None, zero_division=0)
    result = {"macro_f1": float(np.mean(per_class))}
    result.update({f"f1_{label}": float(f) for label, f in zip(LABELS, per_class, strict=True)})
    return result


def report(truth: Sequence[str], predicted: Sequence[str]) -> tuple[str, np.ndarray]:
    """The classification report text and the confusion matrix (rows: truth, in LABELS order)."""
    text = classification_report(truth, predicted, labels=list(LABELS), digits=3, zero_division=0)
    return text, confusion_matrix(truth, predicted, labels=list(LABELS))
