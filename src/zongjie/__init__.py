"""zongjie (总结): label the paragraphs of Chinese work reports as summary, problem or plan."""

from zongjie.api import (
    explain,
    explain_document,
    load_model,
    predict,
    predict_document,
    predict_document_proba,
    predict_iter,
    predict_proba,
)
from zongjie.document import LABELS
from zongjie.segment import segment
from zongjie.version import __version__ as __version__

__all__ = [
    "LABELS",
    "explain",
    "explain_document",
    "load_model",
    "predict",
    "predict_document",
    "predict_document_proba",
    "predict_iter",
    "predict_proba",
    "render_html",
    "segment",
]


def __getattr__(name: str) -> object:
    # render_html is imported on first use: `import zongjie` stays as light as a service needs.
    if name == "render_html":
        from zongjie.render import render_html

        return render_html
    raise AttributeError(f"module 'zongjie' has no attribute {name!r}")
