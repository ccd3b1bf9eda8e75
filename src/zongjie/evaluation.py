"""Grouped evaluation: out-of-split predictions on four tracks, scored per family.

Splits keep every document of a group (one author, one source) on one side:

* ``source``: leave one source out, once per group, every document predicted by a model that
  never saw its source;
* ``family``: leave one family out, once per family: how the model does on a kind of report it
  has never seen (the held-out sets are mostly of this kind).

The tracks:

* ``isolated``: each paragraph alone, what `predict` does;
* ``document``: the gold paragraphs of the document in reading order, what `predict_document`
  does;
* ``headless``: the same after removing every heading, as in reports whose headings are
  missing or were lost in extraction;
* ``raw``: `segment` on the document's raw file, its reports labelled one by one, the gold
  paragraphs matched back by their text (whitespace aside). A gold paragraph that `segment`
  does not reproduce counts as wrong.

Only paragraphs with a label are scored: macro-F1 over the three labels, per family. A labelled
paragraph that the model calls ``null`` (no content) is wrong, like any other miss.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zongjie.decoding import headless_indices
from zongjie.document import FAMILIES, LABELS, Document
from zongjie.model import Model

__all__ = [
    "SCHEMES",
    "TRACKS",
    "Predictions",
    "evaluate",
    "objective",
    "report",
    "scores",
    "splits",
]

TRACKS = ("isolated", "document", "headless", "raw")
SCHEMES = ("source", "family")
MISSING = "missing"  # the raw track's prediction for a gold paragraph segment did not reproduce
NULL = "null"
_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACE.sub("", text)


def splits(documents: Sequence[Document], scheme: str) -> list[tuple[str, list[int], list[int]]]:
    """(name, training indices, test indices) of every split of `scheme`."""
    if scheme == "source":
        key = lambda d: d.group  # noqa: E731
    elif scheme == "family":
        key = lambda d: d.family  # noqa: E731
    else:
        raise ValueError(f"eval.schemes: {scheme!r} is not one of {SCHEMES}")
    names = sorted({key(d) for d in documents})
    result = []
    for name in names:
        test = [i for i, d in enumerate(documents) if key(d) == name]
        train = [i for i, d in enumerate(documents) if key(d) != name]
        if train:
            result.append((name, train, test))
    return result


@dataclass
class Predictions:
    """Out-of-split predictions: per track, the truth, the prediction and the family of each
    scored paragraph (plus, for the document track, every paragraph's null call)."""

    truth: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TRACKS})
    predicted: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TRACKS})
    families: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TRACKS})
    documents: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TRACKS})

    def add(self, track: str, truth: str, predicted: str, family: str, document: str) -> None:
        self.truth[track].append(truth)
        self.predicted[track].append(predicted)
        self.families[track].append(family)
        self.documents[track].append(document)

    def extend(self, other: Predictions) -> None:
        for track in TRACKS:
            self.truth[track] += other.truth[track]
            self.predicted[track] += other.predicted[track]
            self.families[track] += other.families[track]
            self.documents[track] += other.documents[track]

    def subset(self, track: str, family: str | None = None) -> tuple[list[str], list[str]]:
        """Truth and prediction of the labelled paragraphs of a track (and family)."""
        rows = [
            (t, p)
            for t, p, f in zip(
                self.truth[track], self.predicted[track], self.families[track], strict=True
            )
            if t != NULL and (family is None or f == family)
        ]
        return [t for t, _ in rows], [p for _, p in rows]

    def metrics(self, prefix: str = "") -> dict[str, float]:
        """Macro-F1 and per-class F1 per track and family, the mean macro-F1 over families
        per track, and the null calls of the document track (precision and recall)."""
        result: dict[str, float] = {}
        for track in TRACKS:
            means = []
            for family in FAMILIES:
                truth, predicted = self.subset(track, family)
                if not truth:
                    continue
                family_scores = scores(truth, predicted)
                result.update(
                    {f"{prefix}{track}_{family}_{k}": v for k, v in family_scores.items()}
                )
                means.append(family_scores["macro_f1"])
            if means:
                result[f"{prefix}{track}_family_mean_macro_f1"] = float(np.mean(means))
        rows = list(zip(self.truth["document"], self.predicted["document"], strict=True))
        called = sum(p == NULL for _, p in rows)
        actual = sum(t == NULL for t, _ in rows)
        right = sum(t == p == NULL for t, p in rows)
        if rows:
            result[f"{prefix}document_null_precision"] = right / called if called else 1.0
            result[f"{prefix}document_null_recall"] = right / actual if actual else 1.0
        raw_truth, raw_predicted = self.subset("raw")
        if raw_truth:
            result[f"{prefix}raw_matched_share"] = sum(p != MISSING for p in raw_predicted) / len(
                raw_predicted
            )
        return result


def scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Macro-F1 over the three labels and the F1 of each (other predictions count as misses)."""
    from sklearn.metrics import f1_score

    per_class = f1_score(truth, predicted, labels=list(LABELS), average=None, zero_division=0)
    result = {"macro_f1": float(np.mean(per_class))}
    result.update({f"f1_{label}": float(f) for label, f in zip(LABELS, per_class, strict=True)})
    return result


def report(truth: Sequence[str], predicted: Sequence[str]) -> tuple[str, np.ndarray]:
    """The classification report text and the confusion matrix (rows: truth in LABELS order;
    columns: LABELS, then null and missing, the other answers a track can give)."""
    from sklearn.metrics import classification_report, confusion_matrix

    text = classification_report(truth, predicted, labels=list(LABELS), digits=3, zero_division=0)
    columns = [*LABELS, NULL, MISSING]
    matrix = confusion_matrix(truth, predicted, labels=columns)[: len(LABELS)]
    return text, matrix


def _state(label: str | None) -> str:
    return NULL if label is None else label


def predict_tracks(
    model: Model, documents: Sequence[Document], raw_root: Path, into: Predictions
) -> None:
    """Predict `documents` on every track with a model that never saw them."""
    from zongjie.segment import segment, split_documents

    raw_cache: dict[str, dict[str, str]] = {}
    for document in documents:
        assert document.labels is not None
        paragraphs = list(document.paragraphs)
        isolated = [LABELS[i] for i in model.paragraph_proba(paragraphs).argmax(axis=1)]
        in_document = [_state(x) for x in Model.document_labels(model.document_states(paragraphs))]
        kept = headless_indices(paragraphs, model.lexicon)
        headless_states = model.document_states([paragraphs[i] for i in kept])
        headless = dict(
            zip(kept, (_state(x) for x in Model.document_labels(headless_states)), strict=True)
        )
        raw = None
        if document.raw_path:
            path = Path(document.raw_path)
            path = path if path.is_absolute() else raw_root / path
            if document.raw_path not in raw_cache:
                labelled: dict[str, str] = {}
                if path.is_file():
                    for report_paragraphs in split_documents(segment(path.read_bytes())):
                        states = model.document_states(report_paragraphs)
                        for paragraph, label in zip(
                            report_paragraphs, Model.document_labels(states), strict=True
                        ):
                            labelled.setdefault(_key(paragraph), _state(label))
                raw_cache[document.raw_path] = labelled
            raw = raw_cache[document.raw_path] or None
        for i, label in enumerate(document.labels):
            truth = _state(label)
            into.add("document", truth, in_document[i], document.family, document.id)
            if label is None:
                continue
            into.add("isolated", truth, isolated[i], document.family, document.id)
            if i in headless:
                into.add("headless", truth, headless[i], document.family, document.id)
            if raw is not None:
                predicted = raw.get(_key(paragraphs[i]), MISSING)
                into.add("raw", truth, predicted, document.family, document.id)


def evaluate(
    documents: Sequence[Document],
    scheme_splits: Sequence[tuple[str, list[int], list[int]]],
    fit: Callable[[Sequence[Document]], Model],
    raw_root: Path,
    n_jobs: int = 1,
) -> Predictions:
    """Fit on each split's training documents and predict its test documents on every track.
    Splits run in `n_jobs` processes; the result does not depend on it."""

    def one(train: list[int], test: list[int]) -> Predictions:
        predictions = Predictions()
        model = fit([documents[i] for i in train])
        predict_tracks(model, [documents[i] for i in test], raw_root, predictions)
        return predictions

    if n_jobs == 1:
        parts = [one(train, test) for _, train, test in scheme_splits]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=n_jobs)(
            delayed(one)(train, test) for _, train, test in scheme_splits
        )
    result = Predictions()
    for part in parts:
        result.extend(part)
    return result


def objective(metrics: Mapping[str, float], scheme: str, tracks: Sequence[str]) -> float:
    """Mean macro-F1 of `scheme` over `tracks`, each family counted equally (each track's
    family mean): what sweeps and the search maximise."""
    values = [
        metrics[key]
        for track in tracks
        if (key := f"{scheme}_{track}_family_mean_macro_f1") in metrics
    ]
    return float(np.mean(values)) if values else float("nan")
