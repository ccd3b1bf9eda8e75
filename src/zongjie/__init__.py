"""zongjie (总结): label the paragraphs of Chinese work reports as summary, problem or plan."""

from zongjie.api import (
    load_model,
    predict,
    predict_document,
    predict_document_proba,
    predict_iter,
    predict_proba,
)
from zongjie.document import LABELS
from zongjie.segment import segment

__all__ = [
    "LABELS",
    "load_model",
    "predict",
    "predict_document",
    "predict_document_proba",
    "predict_iter",
    "predict_proba",
    "segment",
]
__version__ = "0.2.0"
