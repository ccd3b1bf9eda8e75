"""Per-paragraph probabilities + reading order → document labels.

A paragraph whose role the document's structure decides (a heading carrying its part's role down,
a lead-in such as 我们也清醒认识到…) takes that role; the classifier decides the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zongjie.document import LABELS
from zongjie.labels import UNDECIDED, structural_roles

__all__ = ["document_proba"]

# How much a structural decision outweighs the classifier: enough that it always wins (the
# classifier's share can never exceed 1 - STRUCTURE_WEIGHT < STRUCTURE_WEIGHT), while the
# probabilities still show how sure the classifier was.
STRUCTURE_WEIGHT = 0.75


def document_proba(paragraphs: Sequence[str], paragraph_proba: np.ndarray) -> np.ndarray:
    """Probabilities (n, 3) for one document's paragraphs in reading order."""
    proba = paragraph_proba.copy()
    for i, role in enumerate(structural_roles(paragraphs)):
        if role is None or role == UNDECIDED:
            continue
        onehot = np.zeros(len(LABELS))
        onehot[LABELS.index(role)] = 1.0
        proba[i] = STRUCTURE_WEIGHT * onehot + (1 - STRUCTURE_WEIGHT) * paragraph_proba[i]
    return proba
