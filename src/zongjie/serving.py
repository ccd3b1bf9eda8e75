"""The MLflow pyfunc model that training logs: the saved model file behind the same answers as
`zongjie.predict` and `zongjie.predict_document`, for `mlflow.pyfunc.load_model` and
`mlflow models serve`.

Input: a DataFrame (or records, or a dict of columns) with a ``text`` column, one paragraph
per row; other columns (an ``id``, say) are ignored. Params: ``mode`` is ``paragraph`` (each
row alone, as `predict`) or ``document`` (the rows are one document in reading order, as
`predict_document`); ``probabilities`` adds one column per label. Output: a DataFrame with
``label`` (and the probabilities).

A row `predict` would refuse (null, a number, a blank string) is refused with predict's own
error naming the row: a TypeError or ValueError that is also an `MlflowException`, so the
model server answers HTTP 400 with that message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from zongjie.api import check_paragraph
from zongjie.document import LABELS
from zongjie.model import Model
from zongjie.persistence import load_model_file

__all__ = [
    "MODEL_ARTIFACT",
    "TEXT_COLUMN",
    "InvalidRequest",
    "InvalidRowType",
    "ParagraphLabeller",
    "signature",
]

MODEL_ARTIFACT = "model_file"  # the artifact key of the saved model file
TEXT_COLUMN = "text"
MODES = ("paragraph", "document")


def signature() -> Any:
    """The served model's signature: a required column ``text`` in, and the two params. MLflow
    checks requests against it before the model sees them: a request without ``text`` gets
    HTTP 400, and only ``text`` reaches the model.

    The column's type is "any", not "string": for a string column MLflow's server turns a
    null or a number of an ``inputs`` or ``instances`` request into the text "None" or "3"
    (numpy's str conversion), which would then be labelled. The model checks the type of
    each row itself, as `predict` does."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema
    from mlflow.types.schema import AnyType

    return ModelSignature(
        inputs=Schema([ColSpec(AnyType(), TEXT_COLUMN)]),
        params=ParamSchema(
            [
                ParamSpec("mode", "string", "paragraph"),
                ParamSpec("probabilities", "boolean", False),
            ]
        ),
    )


class InvalidRequest(MlflowException, ValueError):
    """A bad request, as `predict` raises ValueError for it; the server answers HTTP 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message, error_code=INVALID_PARAMETER_VALUE)


class InvalidRowType(MlflowException, TypeError):
    """A row that is not text, as `predict` raises TypeError for it; HTTP 400 too."""

    def __init__(self, message: str) -> None:
        super().__init__(message, error_code=INVALID_PARAMETER_VALUE)


def _missing(value: object) -> bool:
    """A null cell: None, or the NaN or pd.NA a frame stores a null as."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _texts(model_input: Any) -> list[str]:
    columns = getattr(model_input, "columns", None)
    if isinstance(model_input, Mapping):  # columns by name (MLflow's own input example check)
        columns = list(model_input)
    if columns is None:  # a bare list or array of paragraphs, given to the class directly
        items = list(np.asarray(model_input, dtype=object).ravel())
    elif TEXT_COLUMN not in columns:
        raise InvalidRequest(f"the input has no {TEXT_COLUMN!r} column (columns: {list(columns)})")
    else:
        value = model_input[TEXT_COLUMN]
        items = [value] if isinstance(value, str) else list(value)
        if len(items) == 1 and isinstance(items[0], (list, tuple, np.ndarray)):
            # MLflow hands a dict of lists of str ({"text": [...]}, as `inputs` requests give
            # it) over as ONE row holding the whole list: those are the rows.
            items = list(items[0])
    # A frame cannot tell a null from a NaN: both are the null the client sent.
    items = [None if _missing(item) else item for item in items]
    try:
        for index, item in enumerate(items):
            check_paragraph(item, index)
    except TypeError as error:
        raise InvalidRowType(str(error)) from None
    except ValueError as error:
        raise InvalidRequest(str(error)) from None
    return items


class ParagraphLabeller(mlflow.pyfunc.PythonModel):
    """Labels paragraphs as `zongjie.predict` does, or a whole document in order as
    `zongjie.predict_document` does (``mode="document"``)."""

    def load_context(self, context: Any) -> None:
        self.model: Model = load_model_file(Path(context.artifacts[MODEL_ARTIFACT]))

    # MLflow reads `model_input`'s hint when the class is defined, and warns on every import
    # unless it is one it can take as the schema (none here: `signature` gives it) or one that
    # says there is none, as pd.DataFrame does: what MLflow hands over. (Called directly, the
    # class also takes a list or an array of paragraphs.)
    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        params = params or {}
        mode = params.get("mode", "paragraph")
        if mode not in MODES:
            raise InvalidRequest(f"params.mode must be one of {MODES}, not {mode!r}")
        texts = _texts(model_input)
        if mode == "paragraph":
            proba = self.model.paragraph_proba(texts)
            labels: list[str | None] = [LABELS[i] for i in proba.argmax(axis=1).tolist()]
        else:
            states = self.model.document_states(texts)
            labels, proba = Model.document_labels(states), Model.role_proba(states)
        frame = pd.DataFrame({"label": pd.Series(labels, dtype=object)})
        if params.get("probabilities"):
            for k, label in enumerate(LABELS):
                frame[label] = proba[:, k] if len(texts) else []
        return frame
