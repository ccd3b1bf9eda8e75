"""The MLflow pyfunc model that training logs: the saved model file behind the same answers as
`zongjie.predict` and `zongjie.predict_document`, for `mlflow.pyfunc.load_model` and
`mlflow models serve`.

Input: a DataFrame (or records) with a ``text`` column, one paragraph per row; other columns
(an ``id``, say) are ignored. Params: ``mode`` is ``paragraph`` (each row alone, as `predict`)
or ``document`` (the rows are one document in reading order, as `predict_document`);
``probabilities`` adds one column per label. Output: a DataFrame with ``label`` (and the
probabilities).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np

from zongjie.api import _check
from zongjie.document import LABELS
from zongjie.model import Model
from zongjie.persistence import load_model_file

__all__ = ["MODEL_ARTIFACT", "TEXT_COLUMN", "ParagraphLabeller", "signature"]

MODEL_ARTIFACT = "model_file"  # the artifact key of the saved model file
TEXT_COLUMN = "text"
MODES = ("paragraph", "document")


def signature() -> Any:
    """The served model's signature: a required string column ``text`` in, and the two
    params; MLflow checks requests against it before the model sees them."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

    return ModelSignature(
        inputs=Schema([ColSpec("string", TEXT_COLUMN)]),
        params=ParamSchema(
            [
                ParamSpec("mode", "string", "paragraph"),
                ParamSpec("probabilities", "boolean", False),
            ]
        ),
    )


def _texts(model_input: Any) -> list[str]:
    columns = getattr(model_input, "columns", None)
    if columns is None:
        items = list(np.asarray(model_input, dtype=object).ravel())
    elif TEXT_COLUMN in columns:
        items = list(model_input[TEXT_COLUMN])
    else:
        raise ValueError(f"the input has no {TEXT_COLUMN!r} column (columns: {list(columns)})")
    for index, item in enumerate(items):
        _check(item, index)
    return items


class ParagraphLabeller(mlflow.pyfunc.PythonModel):
    """Labels paragraphs as `zongjie.predict` does, or a whole document in order as
    `zongjie.predict_document` does (``mode="document"``)."""

    def load_context(self, context: Any) -> None:
        self.model: Model = load_model_file(Path(context.artifacts[MODEL_ARTIFACT]))

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        import pandas as pd

        params = params or {}
        mode = params.get("mode", "paragraph")
        if mode not in MODES:
            raise ValueError(f"params.mode must be one of {MODES}, not {mode!r}")
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
