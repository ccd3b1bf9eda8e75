"""The fitted model, from paragraph text to label: what `zongjie.predict` and
`zongjie.predict_document` run, and what a model file holds.

It is three frozen parts and a few settings:

* the lexicon it was trained with (a frozen copy: editing ``lexicon.yaml`` cannot change it);
* the paragraph classifier (`zongjie.inference.LinearScorer`), which reads one paragraph;
* the sequence model (`zongjie.inference.CrfTables`), which reads a whole document in order.

Nothing in it changes after construction, so one instance serves any number of threads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zongjie.document import LABELS
from zongjie.features import iter_sequence_attributes
from zongjie.inference import STATES, CrfTables, LinearScorer
from zongjie.lexicon import Lexicon
from zongjie.parallel import CHUNK, chunks, ordered_map

__all__ = ["Model"]

NULL_STATE = STATES.index("null")


@dataclass(frozen=True, eq=False)
class Model:
    """A fitted zongjie model. `sequence_words` names the tokenizer of the sequence model's
    word attributes (None: it has none), `stop_words` and `word_value` say which words count
    and with what value (`zongjie.features.sequence_attributes`); `metadata` is what the model
    file records beside it (versions, training config hash, metrics)."""

    lexicon: Lexicon
    classifier: LinearScorer
    sequence: CrfTables
    sequence_words: str | None
    stop_words: tuple[str, ...]
    word_value: float = 1.0
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def paragraph_proba(self, paragraphs: Sequence[str]) -> np.ndarray:
        """Each paragraph read alone: (n, 3), columns in LABELS order."""
        return self.classifier.proba(paragraphs, self.lexicon)

    def document_states(self, paragraphs: Sequence[str]) -> np.ndarray:
        """The paragraphs of one document read in order: posterior probabilities (n, 4) of
        the states (LABELS, then ``null`` for a paragraph with no content)."""
        if not len(paragraphs):
            return np.empty((0, len(STATES)))
        # Featurized in slices, so a long document's memory is its slices', not its whole
        # feature matrices and attribute dicts; each row is what the whole would give. The
        # paragraph classifier's slices go to every core when there are many.
        slices = chunks(list(paragraphs))
        proba = np.concatenate(list(ordered_map(self, _slice_proba, slices)))
        attributes = self._sequence_attributes(paragraphs, proba)
        scores = [
            self.sequence.state_scores(list(itertools.islice(attributes, CHUNK)))
            for _ in range(0, len(paragraphs), CHUNK)
        ]
        return self.sequence.marginals_of(np.concatenate(scores))

    def sequence_input(
        self, paragraphs: Sequence[str], proba: np.ndarray
    ) -> list[dict[str, float]]:
        """The sequence model's attribute dict of each paragraph of one document, given the
        paragraph classifier's probabilities `proba` (n, 3) of them."""
        return list(self._sequence_attributes(paragraphs, proba))

    def _sequence_attributes(
        self, paragraphs: Sequence[str], proba: np.ndarray
    ) -> Iterator[dict[str, float]]:
        # This model's sequence settings, passed in one place.
        return iter_sequence_attributes(
            paragraphs,
            proba,
            self.lexicon,
            words=self.sequence_words,
            stop_words=self.stop_words,
            word_value=self.word_value,
        )

    @staticmethod
    def document_labels(states: np.ndarray) -> list[str | None]:
        """One label per row of `document_states`: the likeliest state, None for ``null``."""
        return [None if i == NULL_STATE else LABELS[i] for i in states.argmax(axis=1).tolist()]

    @staticmethod
    def role_proba(states: np.ndarray) -> np.ndarray:
        """`document_states` as the probabilities of the three roles, given that the paragraph
        has content: (n, 3), rows summing to 1."""
        roles = states[:, : len(LABELS)]
        total = roles.sum(axis=1, keepdims=True)
        return np.divide(roles, total, out=np.full_like(roles, 1 / len(LABELS)), where=total > 0)


def _slice_proba(model: Model, paragraphs: list[str]) -> np.ndarray:
    return model.paragraph_proba(paragraphs)
