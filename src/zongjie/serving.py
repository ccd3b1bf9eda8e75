"""The MLflow pyfunc model that training logs: the saved pipeline behind the same answers as
`zongjie.predict`, for `mlflow.pyfunc.load_model` and `mlflow models serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np

from zongjie.context import predictor_isolated_proba
from zongjie.document import LABELS
from zongjie.models import as_texts
from zongjie.persistence import load_predictor

__all__ = ["MODEL_ARTIFACT", "ParagraphLabeller"]

MODEL_ARTIFACT = "model_file"  # the artifact key of the saved .skops file


class ParagraphLabeller(mlflow.pyfunc.PythonModel):
    """Labels each paragraph on its own, as `zongjie.predict` does: the classifier, and what a
    paragraph's own words decide (a heading naming its part, a lead-in). A list of str, a numpy
    array or a DataFrame (its ``text`` column) in; an array of labels out."""

    # MLflow would wrap `predict` to validate its input against type hints, and warns when
    # there are none; the model takes a list, an array or a DataFrame, as `as_texts` does.
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        self.model = load_predictor(Path(context.artifacts[MODEL_ARTIFACT]))

    def predict(self, context, model_input, params=None):
        proba = predictor_isolated_proba(self.model, as_texts(model_input))
        return np.array([LABELS[i] for i in proba.argmax(axis=1)], dtype=object)
