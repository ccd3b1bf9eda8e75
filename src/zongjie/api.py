"""User input → validated paragraphs → predict / predict_proba / predict_document.

Validation happens here, once; everything behind it trusts its input. The default model is
loaded lazily, once per process, under a lock, so the first calls from several threads share
one load. Each call reads the current model once, so a `load_model` in another thread never
gives one call the halves of two models.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, MappingView, Sequence
from collections.abc import Set as AbstractSet
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from zongjie.document import LABELS
from zongjie.model import Model
from zongjie.parallel import PARALLEL_MIN, ordered_map, worker_slices
from zongjie.segment import ZERO_WIDTH
from zongjie.text import first_surrogate

if TYPE_CHECKING:  # imported when explaining: a predicting process does without it
    from zongjie.explanation import ContextExplanation, Explanation

__all__ = [
    "check_paragraph",
    "default_model_path",
    "explain",
    "explain_document",
    "load_model",
    "predict",
    "predict_and_explain_document",
    "predict_document",
    "predict_document_proba",
    "predict_documents",
    "predict_iter",
    "predict_proba",
]

MODEL_FILENAME = "zongjie.model"
MODEL_ENV = "ZONGJIE_MODEL"

_model: Model | None = None
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


def load_model(path: str | os.PathLike[str] | None = None) -> Model:
    """Make the model at `path` (default: `default_model_path()`) the one every function here
    uses from now on, and return it. Raises FileNotFoundError or ValueError naming the file and
    what is wrong with it."""
    global _model
    from zongjie.persistence import load_model_file

    model = load_model_file(Path(path) if path is not None else default_model_path())
    with _model_lock:
        _model = model
    return model


def _current_model() -> Model:
    global _model
    model = _model
    if model is None:
        with _model_lock:
            if _model is None:
                from zongjie.persistence import load_model_file

                _model = load_model_file(default_model_path())
            model = _model
    return model


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
        check_paragraph(item, index)
    return items, single


# Blank: nothing but whitespace and the zero-width characters segment removes from each line.
_BLANK = re.compile(rf"[\s{ZERO_WIDTH}]*")


def check_paragraph(item: object, index: int) -> None:
    """Raise TypeError or ValueError, naming paragraph `index`, unless `item` is a paragraph
    `predict` accepts: a str, not blank, valid Unicode. The one check of every entry point
    (the API, the MLflow model, Spark)."""
    if not isinstance(item, str):
        raise TypeError(f"paragraph {index} is {type(item).__name__}, not str")
    if _BLANK.fullmatch(item):
        raise ValueError(f"paragraph {index} is blank")
    # A lone surrogate is not text that any encoder accepts.
    if (position := first_surrogate(item)) >= 0:
        raise ValueError(
            f"paragraph {index} is not valid Unicode: a lone surrogate "
            f"U+{ord(item[position]):04X} at character {position}"
        )


def _labels(proba: np.ndarray) -> list[str]:
    return [LABELS[i] for i in proba.argmax(axis=1).tolist()]


@overload
def predict(paragraphs: str) -> str: ...
@overload
def predict(paragraphs: Sequence[str]) -> list[str]: ...
def predict(paragraphs: str | Sequence[str]) -> str | list[str]:
    """Label each paragraph on its own, without context: one of `LABELS` per paragraph.
    A lone str gives a lone label."""
    items, single = _validate(paragraphs, "predict")
    labels = _labels(_paragraph_proba(_current_model(), items))
    return labels[0] if single else labels


def _paragraph_proba(model: Model, items: list[str]) -> np.ndarray:
    """`model.paragraph_proba(items)`; a large batch in slices over every core
    (`zongjie.parallel`), which give the same probabilities."""
    if len(items) < PARALLEL_MIN:
        return model.paragraph_proba(items)
    slices = worker_slices(items)
    return np.concatenate(list(ordered_map(model, _slice_proba, slices, serial=0)))


def _slice_proba(model: Model, items: list[str]) -> np.ndarray:
    return model.paragraph_proba(items)


def predict_iter(paragraphs: Iterable[str], batch_size: int = 512) -> Iterator[str]:
    """`predict` over a stream: labels come out in order, batch by batch, so memory holds a
    few batches however long the stream (past its first few thousand paragraphs, batches are
    labelled on every core, `zongjie.parallel`). It takes what `predict` takes, a lone str
    aside, and any other ordered iterable (a generator, a file's lines). Bad elements raise as
    in `predict`, with their index in the whole stream; a bad argument or `batch_size` raises
    at the call."""
    if not _is_stream(paragraphs):
        raise TypeError(f"predict_iter() takes an iterable of str, not {type(paragraphs).__name__}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral):
        raise TypeError(
            f"predict_iter() batch_size must be a positive int, not {type(batch_size).__name__}"
        )
    if batch_size < 1:
        raise ValueError(f"predict_iter() batch_size must be a positive int, not {batch_size}")
    return _stream_labels(paragraphs, int(batch_size))


def _is_stream(paragraphs: object) -> bool:
    """Ordered paragraphs: what `predict` takes as a sequence, or another iterable. Not a str
    (its characters), a mapping's keys, a set's members, nor the rows of a table (a DataFrame,
    a 2-D array), which iterating would label as if they were paragraphs."""
    if isinstance(paragraphs, (str, bytes, bytearray, Mapping, AbstractSet, MappingView)):
        return False
    ndim = getattr(paragraphs, "ndim", None)
    if ndim is not None:  # numpy arrays, pandas objects: only a 1-D one is a list of paragraphs
        return ndim == 1
    return isinstance(paragraphs, Iterable)


def _stream_labels(paragraphs: Iterable[str], batch_size: int) -> Iterator[str]:
    model = _current_model()
    for labels in ordered_map(model, _batch_labels, _checked_batches(paragraphs, batch_size)):
        yield from labels


def _checked_batches(paragraphs: Iterable[str], batch_size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for index, item in enumerate(paragraphs):
        check_paragraph(item, index)
        batch.append(item)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _batch_labels(model: Model, batch: list[str]) -> list[str]:
    return _labels(model.paragraph_proba(batch))


def predict_proba(paragraphs: str | Sequence[str]) -> np.ndarray:
    """Probabilities of shape (n, 3), columns in `LABELS` order, each row summing to 1: what
    `predict` decides from."""
    items, _ = _validate(paragraphs, "predict_proba")
    return _paragraph_proba(_current_model(), items)


def _document_items(paragraphs: Sequence[str], function: str) -> list[str]:
    if isinstance(paragraphs, str):
        raise TypeError(
            f"{function}() takes the paragraphs of one document as a sequence of str, "
            "not a str (use zongjie.segment(text) to split raw text)"
        )
    return _validate(paragraphs, function)[0]


@overload
def predict_document(
    paragraphs: Sequence[str], *, return_proba: Literal[False] = False
) -> list[str | None]: ...
@overload
def predict_document(
    paragraphs: Sequence[str], *, return_proba: Literal[True]
) -> tuple[list[str | None], np.ndarray]: ...
def predict_document(
    paragraphs: Sequence[str], *, return_proba: bool = False
) -> list[str | None] | tuple[list[str | None], np.ndarray]:
    """Label the paragraphs of ONE document, given in reading order, reading its structure
    (headings, lead-ins, lists, the order of its parts) as well as each paragraph's text.
    Same length out: one of `LABELS` per paragraph, or None for a paragraph with no content
    of its own (a title, an author or date line, a salutation, an empty opening or closing
    formula). With ``return_proba=True``, also the `predict_document_proba` array, from the
    same single pass."""
    labels, proba = _document_result(_current_model(), paragraphs)
    return (labels, proba) if return_proba else labels


def _document_result(
    model: Model, paragraphs: Sequence[str]
) -> tuple[list[str | None], np.ndarray]:
    items = _document_items(paragraphs, "predict_document")
    states = model.document_states(items)
    return Model.document_labels(states), Model.role_proba(states)


def predict_documents(
    documents: Iterable[tuple[object, Sequence[str] | None]],
) -> Iterator[tuple[object, tuple[list[str | None], np.ndarray] | None]]:
    """`predict_document(paragraphs, return_proba=True)` of each (key, paragraphs), in order,
    as (key, (labels, probabilities)); a large stream of documents on every core
    (`zongjie.parallel`). Paragraphs None pass through as (key, None)."""
    return ordered_map(_current_model(), _keyed_document, documents, size=_document_size)


def _keyed_document(
    model: Model, item: tuple[object, Sequence[str] | None]
) -> tuple[object, tuple[list[str | None], np.ndarray] | None]:
    key, paragraphs = item
    return key, None if paragraphs is None else _document_result(model, paragraphs)


def _document_size(item: tuple[object, Sequence[str] | None]) -> int:
    return len(item[1] or ())


def predict_document_proba(paragraphs: Sequence[str]) -> np.ndarray:
    """The role probabilities behind `predict_document`: shape (n, 3), columns in `LABELS`
    order, rows summing to 1. For a paragraph `predict_document` leaves unlabelled (None),
    they say which role it would have if it had content."""
    items = _document_items(paragraphs, "predict_document_proba")
    return Model.role_proba(_current_model().document_states(items))


def _check_top(top: object, function: str) -> int | None:
    if top is None:
        return None
    if isinstance(top, bool) or not isinstance(top, int):
        raise TypeError(
            f"{function}() top must be a positive int or None, not {type(top).__name__}"
        )
    if top < 1:
        raise ValueError(f"{function}() top must be a positive int or None, not {top}")
    return top


@overload
def explain(paragraphs: str, *, top: int | None = 5) -> Explanation: ...
@overload
def explain(paragraphs: Sequence[str], *, top: int | None = 5) -> list[Explanation]: ...
def explain(
    paragraphs: str | Sequence[str], *, top: int | None = 5
) -> Explanation | list[Explanation]:
    """Why `predict` gives each paragraph its label: its label and probabilities, and for each
    label the classifier's score taken apart, intercept plus each feature's value × weight
    (TF-IDF n-grams and lexicon cues), the `top` largest terms named (None: all) and the rest
    summed. Exact: the terms add up to the score. A lone str gives a lone `Explanation`; its
    str() is a readable summary. See `zongjie.explanation`."""
    from zongjie.explanation import explain_paragraphs

    items, single = _validate(paragraphs, "explain")
    top = _check_top(top, "explain")
    explanations = explain_paragraphs(_current_model(), items, top)
    return explanations[0] if single else explanations


def explain_document(paragraphs: Sequence[str], *, top: int | None = 5) -> list[ContextExplanation]:
    """Why `predict_document` gives each paragraph of ONE document (in reading order) its
    label, one `ContextExplanation` per paragraph: its label read alone (with `explain`'s
    explanation) and in the document, and each state's score in the sequence model taken
    apart, attribute by attribute (the heading above it, its neighbours, its place in the
    document, …) plus the transitions from the previous paragraph's state and into the next
    one's. Exact: the terms add up to the score. Its labels and probabilities are
    `predict_document`'s. See `zongjie.explanation`."""
    from zongjie.explanation import explain_document as explain_in_context

    items = _document_items(paragraphs, "explain_document")
    top = _check_top(top, "explain_document")
    return explain_in_context(_current_model(), items, top)[0]


def predict_and_explain_document(
    paragraphs: Sequence[str], top: int | None = 5
) -> tuple[list[str | None], np.ndarray, list[ContextExplanation]]:
    """`predict_document(paragraphs, return_proba=True)` and `explain_document(paragraphs)`
    from one pass over one model: what ``python -m zongjie --explain`` writes."""
    from zongjie.explanation import explain_document as explain_in_context

    items = _document_items(paragraphs, "explain_document")
    explanations, states = explain_in_context(_current_model(), items, _check_top(top, "explain"))
    return Model.document_labels(states), Model.role_proba(states), explanations
