"""Fitted pipeline ⇄ file: atomic saves (never a half-written model) and checked loads."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import joblib
from sklearn.pipeline import Pipeline

from zongjie.document import LABELS

__all__ = ["load_pipeline", "save_pipeline"]


def save_pipeline(pipeline: Pipeline, path: Path) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`:
    a reader sees the old model or the new one, never a torn file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            joblib.dump(pipeline, handle, compress=3)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model file is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_pipeline(path: Path) -> Any:
    """Load a pipeline saved by `save_pipeline` and check it predicts our labels.

    joblib files are pickles: load only models you trust (a later release moves to a format
    that cannot run code on load)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        pipeline = joblib.load(path)
    except Exception as error:  # a truncated or foreign file fails in many ways inside joblib
        raise ValueError(
            f"{path} is not a readable zongjie model ({type(error).__name__}: {error})"
        ) from None
    classes = getattr(pipeline, "classes_", None)
    if not hasattr(pipeline, "predict_proba") or classes is None or set(classes) != set(LABELS):
        raise ValueError(f"{path} is not a zongjie model: it does not predict the labels {LABELS}")
    return pipeline
