"""User input → validated paragraphs → predict / predict_proba / predict_document.

Validation happens here, once; everything behind it trusts its input. The default model is
loaded lazily, once per process, under a lock, so the first calls from several threads share
one load.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from zongjie.document import LABELS

__all__ = [
    "default_model_path",
    "load_model",
    "predict",
    "predict_document",
    "predict_document_proba",
    "predict_iter",
    "predict_proba",
]

MODEL_FILENAME = "zongjie.skops"
MODEL_ENV = "ZONGJIE_MODEL"

_model: Any = None
_model_lock = threading.Lock()


def default_model_path() -> Path:
    """Where the default model lives: $ZONGJIE_MODEL, else the copy installed with the package,
    else models/ of the source checkout."""
    if env := os.environ.get(MODEL_ENV):
        return Path(env)
    here = Path(__file__).resolve().parent
    installed = here / "_model" / MODEL_FILENAME
    if installed.is_file():
        return installed
    return here.parents[1] / "models" / MODEL_FILENAME


def load_model(path: str | os.PathLike[str] | None = None, *, trust_pickle: bool = False) -> Any:
    """Make the model at `path` (default: `default_model_path()`) the one `predict` uses, and
    return its pipeline. A .skops file is checked against an allow-list of types before it is
    loaded; a .joblib file is a pickle and loads only with ``trust_pickle=True``. Raises
    FileNotFoundError or ValueError naming the file and what is wrong with it."""
    global _model
    from zongjie.models import predictor
    from zongjie.persistence import load_pipeline

    pipeline = load_pipeline(
        Path(path) if path is not None else default_model_path(), trust_pickle=trust_pickle
    )
    model = predictor(pipeline)
    with _model_lock:
        _model = model
    return pipeline


def _load_default() -> Any:
    """The default model, read without importing scikit-learn when it is a linear model (it
    is): a cold start pays for numpy and the arrays, not a second of scikit-learn imports."""
    from zongjie.persistence import load_predictor

    return load_predictor(default_model_path())


def _current_model() -> Any:
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = _load_default()
    return _model


def _validate(paragraphs: object, function: str) -> tuple[list[str], bool]:
    """The paragraphs as a list, and whether a lone str was given."""
    if isinstance(paragraphs, str):
        items, single = [paragraphs], True
    elif isinstance(paragraphs, Sequence) and not isinstance(paragraphs, (bytes, bytearray)):
        items, single = list(paragraphs), False
    elif getattr(paragraphs, "ndim", None) == 1 and hasattr(paragraphs, "tolist"):
        items, single = paragraphs.tolist(), False  # a numpy array or a pandas Series
    else:
        raise TypeError(
            f"{function}() takes a str or a sequence of str, not {type(paragraphs).__name__}"
        )
    for index, item in enumerate(items):
        _check(item, index)
    return items, single


def _check(item: object, index: int) -> None:
    if not isinstance(item, str):
        raise TypeError(f"paragraph {index} is {type(item).__name__}, not str")
    if not item or item.isspace():
        raise ValueError(f"paragraph {index} is blank")


def _classifier_proba(paragraphs: list[str]) -> np.ndarray:
    if not paragraphs:
        return np.empty((0, len(LABELS)))
    return _current_model().predict_proba(paragraphs)


def _paragraph_proba(paragraphs: list[str]) -> np.ndarray:
    """Each paragraph read alone: the classifier, and what the paragraph's own words decide."""
    from zongjie.context import predictor_isolated_proba

    return predictor_isolated_proba(_current_model(), paragraphs)


def _labels(proba: np.ndarray) -> list[str]:
    return [LABELS[i] for i in proba.argmax(axis=1)]


@overload
def predict(paragraphs: str) -> str: ...
@overload
def predict(paragraphs: Sequence[str]) -> list[str]: ...
def predict(paragraphs: str | Sequence[str]) -> str | list[str]:
    """Label each paragraph on its own, without context: one of `LABELS` per paragraph.
    A lone str gives a lone label."""
    items, single = _validate(paragraphs, "predict")
    labels = _labels(_paragraph_proba(items))
    return labels[0] if single else labels


def predict_iter(paragraphs: Iterable[str], batch_size: int = 512) -> Iterator[str]:
    """`predict` over a stream: labels come out in order, batch by batch, so memory holds one
    batch however long the stream. Bad elements raise as in `predict`, with their index in the
    whole stream."""
    if isinstance(paragraphs, (str, bytes, bytearray)) or not isinstance(paragraphs, Iterable):
        raise TypeError(f"predict_iter() takes an iterable of str, not {type(paragraphs).__name__}")
    return _stream_labels(paragraphs, batch_size)


def _stream_labels(paragraphs: Iterable[str], batch_size: int) -> Iterator[str]:
    batch: list[str] = []
    for index, item in enumerate(paragraphs):
        _check(item, index)
        batch.append(item)
        if len(batch) == batch_size:
            yield from _labels(_paragraph_proba(batch))
            batch = []
    if batch:
        yield from _labels(_paragraph_proba(batch))


def predict_proba(paragraphs: str | Sequence[str]) -> np.ndarray:
    """Probabilities of shape (n, 3), columns in `LABELS` order, each row summing to 1."""
    items, _ = _validate(paragraphs, "predict_proba")
    return _paragraph_proba(items)


def _document_proba(items: list[str]) -> np.ndarray:
    if not items:
        return np.empty((0, len(LABELS)))
    from zongjie.context import document_proba

    return document_proba(items, _classifier_proba(items), _current_model().decoding)


def _document_items(paragraphs: Sequence[str], function: str) -> list[str]:
    if isinstance(paragraphs, str):
        raise TypeError(
            f"{function}() takes the paragraphs of one document as a sequence of str, "
            "not a str (use zongjie.segment(text) to split raw text)"
        )
    return _validate(paragraphs, function)[0]


def predict_document(paragraphs: Sequence[str]) -> list[str]:
    """Label the paragraphs of ONE document, given in reading order, using its structure
    (headings, lead-ins, the order of its parts) as well as each paragraph's text. Same length
    out."""
    return _labels(_document_proba(_document_items(paragraphs, "predict_document")))


def predict_document_proba(paragraphs: Sequence[str]) -> np.ndarray:
    """The probabilities behind `predict_document`: shape (n, 3), columns in `LABELS` order,
    rows summing to 1."""
    return _document_proba(_document_items(paragraphs, "predict_document_proba"))
