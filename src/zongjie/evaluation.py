"""Document-grouped cross-validation: out-of-fold predictions and the metrics made from them.

No document ever has paragraphs on both sides of a split. Two tracks are scored: `isolated`
(each paragraph alone, what `predict` does) and `document` (the whole test document in reading
order, what `predict_document` does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from zongjie.context import document_proba
from zongjie.document import LABELS, Document
from zongjie.models import proba_in_label_order

__all__ = ["CrossValidation", "cross_validate", "labelled", "report", "scores"]


@dataclass
class CrossValidation:
    """Out-of-fold labels for every labelled paragraph, per track, with each paragraph's genre."""

    truth: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    predicted: dict[str, list[str]] = field(
        default_factory=lambda: {"isolated": [], "document": []}
    )


def labelled(documents: Sequence[Document]) -> tuple[list[str], list[str], list[str], list[str]]:
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


def cross_validate(
    documents: Sequence[Document],
    make_pipeline: Callable[[], Pipeline],
    fit: Callable[[Pipeline, Sequence[Document]], None],
    n_splits: int,
    seed: int,
) -> CrossValidation:
    """Fit on the training documents of each fold; predict the held-out documents both ways."""
    doc_ids = [d.id for d in documents]
    # Stratify documents by their most frequent label so each fold sees every genre and role.
    doc_labels = [max(LABELS, key=lambda label, d=d: d.labels.count(label)) for d in documents]
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    result = CrossValidation()
    for train_idx, test_idx in folds.split(doc_ids, doc_labels, groups=doc_ids):
        pipeline = make_pipeline()
        fit(pipeline, [documents[i] for i in train_idx])
        for i in test_idx:
            document = documents[i]
            paragraphs = list(document.paragraphs)
            proba = proba_in_label_order(pipeline, paragraphs)
            tracks = {"isolated": proba, "document": document_proba(paragraphs, proba)}
            for j, label in enumerate(document.labels):
                if label is None:
                    continue
                result.truth.append(label)
                result.genres.append(document.genre)
                for track, track_proba in tracks.items():
                    result.predicted[track].append(LABELS[int(track_proba[j].argmax())])
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
