"""Why a paragraph got its label: the two models' scores, taken apart term by term.

Both models are linear in what they read, so each score is a sum whose terms name their
features, and the explanation is exact: the terms add up to the score the model computed.

* A paragraph read alone (`explain_paragraphs`, behind `zongjie.explain`): the classifier's
  score for each label is its intercept plus, for each TF-IDF n-gram of the paragraph and each
  column of the lexicon cue block, the feature's value × its weight for that label. The
  probabilities are the softmax of the three scores. (For a calibrated linear SVM, each
  calibration fold's scores go through its own sigmoids; the scores taken apart here are the
  folds' mean, which is linear too.)
* A paragraph in its document (`explain_document`, behind `zongjie.explain_document`): the
  sequence model, a linear-chain CRF, scores each state of a paragraph (the three roles, and
  ``null``: no content) by its attributes, each attribute's value × its weight for the state,
  and scores each pair of consecutive states by a transition weight. Here a state's score is
  its attributes' sum plus the transition from the previous paragraph's state and the
  transition into the next paragraph's (their states as `predict_document` decides them).
  Given those two neighbours, the softmax of the four scores is exactly the probability the
  CRF gives each state; the document's own probabilities (`probabilities`) also weigh every
  other state the neighbours could have, so they can differ.

Each score keeps its `top` terms (largest first, by size) and sums the others into `rest`, so
``score == intercept + sum(top) + rest`` (alone) and ``score == sum(top) + rest +
transition_from_previous + transition_to_next`` (in the document) hold whatever `top` is.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from zongjie.document import LABELS
from zongjie.features import cue_columns
from zongjie.inference import STATES
from zongjie.model import Model
from zongjie.vocabulary import WordTable

__all__ = [
    "ClassScore",
    "ContextExplanation",
    "Contribution",
    "Explanation",
    "StateScore",
    "describe",
    "explain_document",
    "explain_paragraphs",
    "source",
]

NULL = STATES[-1]


class Contribution(NamedTuple):
    """One term of a score: a feature (a TF-IDF n-gram, a cue column, a CRF attribute) and
    its value × its weight."""

    feature: str
    contribution: float


@dataclass(frozen=True)
class ClassScore:
    """The paragraph classifier's score for one label: ``score == intercept + sum of every
    contribution``; `top` holds the largest (by size, largest first) and `rest` the sum of
    the others (`n_rest` of them)."""

    score: float
    intercept: float
    top: tuple[Contribution, ...]
    rest: float
    n_rest: int


@dataclass(frozen=True)
class Explanation:
    """A paragraph read alone, as `zongjie.predict` reads it: its label, the probabilities
    (label → probability, in `LABELS` order) and each label's score taken apart."""

    paragraph: str
    label: str
    probabilities: dict[str, float]
    scores: dict[str, ClassScore]

    def __str__(self) -> str:
        lines = [f"{self.label} ({_probabilities(self.probabilities, self.label)})"]
        lines.extend(_class_lines(self.label, self.scores[self.label], full=True))
        for label in LABELS:
            if label != self.label:
                lines.extend(_class_lines(label, self.scores[label], full=False))
        return "\n".join(lines)

    def to_dict(self, digits: int | None = None) -> dict[str, Any]:
        """As plain JSON values (numbers rounded to `digits` when given)."""
        return {
            "label": self.label,
            "probabilities": _rounded(self.probabilities, digits),
            "scores": {
                label: {
                    "score": _round(s.score, digits),
                    "intercept": _round(s.intercept, digits),
                    "top": [[name, _round(value, digits)] for name, value in s.top],
                    "rest": _round(s.rest, digits),
                }
                for label, s in self.scores.items()
            },
        }


@dataclass(frozen=True)
class StateScore:
    """The sequence model's score for one state of a paragraph, given its neighbours' states:
    ``score == sum of every attribute's contribution + transition_from_previous +
    transition_to_next``; `top` holds the largest attribute contributions, `rest` the sum of
    the others (`n_rest`), and `sources` every attribute contribution summed by `source`
    (the heading above it, its neighbours, its place in the document, …)."""

    score: float
    top: tuple[Contribution, ...]
    rest: float
    n_rest: int
    transition_from_previous: float
    transition_to_next: float
    sources: dict[str, float]


@dataclass(frozen=True)
class ContextExplanation:
    """A paragraph in its document, as `zongjie.predict_document` reads it: `alone` is the
    paragraph read alone (`zongjie.explain`); `label` is its label in the document (None: no
    content), `probabilities` the four states' (`STATES`: the labels, then ``null``), and
    `scores` each state's score taken apart, given the states of the paragraphs before and
    after it (`previous_state`, `next_state`: None at either end of the document)."""

    index: int
    paragraph: str
    alone: Explanation
    label: str | None
    probabilities: dict[str, float]
    previous_state: str | None
    next_state: str | None
    scores: dict[str, StateScore]

    @property
    def state(self) -> str:
        """The paragraph's state in the document: its label, or ``null``."""
        return self.label if self.label is not None else NULL

    @property
    def changed(self) -> bool:
        """Whether the document gives it another label than it has alone."""
        return self.label != self.alone.label

    def versus(self, state: str, other: str) -> dict[str, float]:
        """What makes `state` score above (or below) `other` for this paragraph, by source:
        the difference of their attribute sums per source, and of their transitions. The
        values add up to ``scores[state].score - scores[other].score``."""
        a, b = self.scores[state], self.scores[other]
        difference = {
            name: a.sources.get(name, 0.0) - b.sources.get(name, 0.0)
            for name in _ordered_sources({*a.sources, *b.sources})
        }
        difference["the state before it"] = a.transition_from_previous - b.transition_from_previous
        difference["the state after it"] = a.transition_to_next - b.transition_to_next
        return difference

    def __str__(self) -> str:
        alone, state = self.alone, self.state
        shown = self.label or "no role (null)"
        lines = [
            f"alone: {alone.label} ({_probabilities(alone.probabilities, alone.label)})",
            f"in the document: {shown} ({_probabilities(self.probabilities, state)})"
            + (" — the document changed it" if self.changed else ""),
        ]
        if alone.label != state:
            reasons = sorted(
                ((v, k) for k, v in self.versus(state, alone.label).items() if abs(v) >= 0.005),
                key=lambda item: -abs(item[0]),
            )
            lines.append(
                f"{state} rather than {alone.label}: "
                + " · ".join(f"{name} {value:+.2f}" for value, name in reasons)
            )
        lines.extend(self._state_lines(state))
        others = [f"{name} {self.scores[name].score:.2f}" for name in STATES if name != state]
        lines.append("other states' scores: " + " · ".join(others))
        words = alone.scores[alone.label]
        lines.append(
            f"read alone as {alone.label} for: "
            + " · ".join(f"{_name(n)} {v:+.2f}" for n, v in words.top)
        )
        return "\n".join(lines)

    def _state_lines(self, state: str) -> list[str]:
        s = self.scores[state]
        before = self.previous_state or "nothing"
        after = self.next_state or "nothing"
        lines = [
            f"{state}: score {s.score:.2f}, given {before} before it and {after} after it",
            "  by source: " + " · ".join(f"{k} {v:+.2f}" for k, v in s.sources.items()),
        ]
        for name, value in s.top:
            reading = describe(name)
            lines.append(f"  {value:+.2f} {name}" + (f": {reading}" if reading else ""))
        if s.n_rest:
            lines.append(f"  {s.rest:+.2f} the {s.n_rest} other attributes")
        if self.previous_state is not None:
            lines.append(
                f"  {s.transition_from_previous:+.2f} transition {self.previous_state} → {state}"
            )
        if self.next_state is not None:
            lines.append(f"  {s.transition_to_next:+.2f} transition {state} → {self.next_state}")
        return lines

    def to_dict(self, digits: int | None = None) -> dict[str, Any]:
        """As plain JSON values (numbers rounded to `digits` when given)."""
        return {
            "index": self.index,
            "label": self.label,
            "probabilities": _rounded(self.probabilities, digits),
            "previous_state": self.previous_state,
            "next_state": self.next_state,
            "scores": {
                state: {
                    "score": _round(s.score, digits),
                    "top": [[name, _round(value, digits)] for name, value in s.top],
                    "rest": _round(s.rest, digits),
                    "transition_from_previous": _round(s.transition_from_previous, digits),
                    "transition_to_next": _round(s.transition_to_next, digits),
                    "sources": _rounded(s.sources, digits),
                }
                for state, s in self.scores.items()
            },
            "alone": self.alone.to_dict(digits),
        }


# ------------------------------------------------------------------------- computing them


def explain_paragraphs(
    model: Model, paragraphs: Sequence[str], top: int | None = 5
) -> list[Explanation]:
    """Each paragraph read alone by `model`'s classifier, its scores taken apart."""
    return _explain_alone(model, paragraphs, top)[0]


def explain_document(
    model: Model, paragraphs: Sequence[str], top: int | None = 5
) -> tuple[list[ContextExplanation], np.ndarray]:
    """Each paragraph of ONE document (in reading order) as `model` reads the document, and
    the posterior state probabilities (n, 4) that `Model.document_states` gives."""
    if not len(paragraphs):
        return [], np.empty((0, len(STATES)))
    alone, proba = _explain_alone(model, paragraphs, top)
    attributes = model.sequence_input(paragraphs, proba)
    states = model.sequence.marginals(attributes)
    decided = states.argmax(axis=1).tolist()
    crf = model.sequence
    n = len(paragraphs)
    result = []
    for t, attrs in enumerate(attributes):
        # In the order of their names: a paragraph's words come as a set, whose order (and so
        # the last bit of a sum) changes from process to process.
        known = sorted((name, value) for name, value in attrs.items() if name in crf.index)
        names = [name for name, _ in known]
        rows = [crf.index[name] for name in names]
        values = np.asarray([value for _, value in known], dtype=np.float64)
        terms = values[:, None] * crf.weights[rows]  # (attributes, states)
        previous = decided[t - 1] if t > 0 else None
        following = decided[t + 1] if t < n - 1 else None
        scores = {}
        for s, state in enumerate(STATES):
            column = terms[:, s]
            chosen, rest, n_rest = _top(column, names, top)
            into = float(crf.transitions[previous, s]) if previous is not None else 0.0
            out = float(crf.transitions[s, following]) if following is not None else 0.0
            sums: dict[str, float] = {}
            for name, value in zip(names, column.tolist(), strict=True):
                if value:
                    key = source(name)
                    sums[key] = sums.get(key, 0.0) + value
            scores[state] = StateScore(
                score=float(column.sum()) + into + out,
                top=tuple(Contribution(names[i], float(column[i])) for i in chosen),
                rest=rest,
                n_rest=n_rest,
                transition_from_previous=into,
                transition_to_next=out,
                sources={key: sums[key] for key in _ordered_sources(sums)},
            )
        label = None if decided[t] == STATES.index(NULL) else LABELS[decided[t]]
        result.append(
            ContextExplanation(
                index=t,
                paragraph=paragraphs[t],
                alone=alone[t],
                label=label,
                probabilities=dict(zip(STATES, states[t].tolist(), strict=True)),
                previous_state=STATES[previous] if previous is not None else None,
                next_state=STATES[following] if following is not None else None,
                scores=scores,
            )
        )
    return result, states


def _explain_alone(
    model: Model, paragraphs: Sequence[str], top: int | None
) -> tuple[list[Explanation], np.ndarray]:
    """The explanations, and the probabilities (n, 3) exactly as `Model.paragraph_proba`
    computes them."""
    if not len(paragraphs):
        return [], np.empty((0, len(LABELS)))
    classifier = model.classifier
    features = classifier.features(paragraphs, model.lexicon)
    fold_scores = classifier.scores_of(features, len(paragraphs))
    proba = classifier.proba_of(fold_scores)
    scores = fold_scores.mean(axis=0)
    weights = classifier.coef.mean(axis=0)  # (3, features): the folds' mean is linear too
    intercept = classifier.intercept.mean(axis=0)
    (rows, columns, values), dense = features
    width = classifier.words.n_features
    word_names = _feature_names(classifier.words)
    cue_names = cue_columns(model.lexicon) if classifier.cues else []
    bounds = np.searchsorted(rows, np.arange(len(paragraphs) + 1))  # rows are sorted
    result = []
    for r, paragraph in enumerate(paragraphs):
        cols = columns[bounds[r] : bounds[r + 1]]
        vals = values[bounds[r] : bounds[r + 1]].astype(np.float64)
        terms = vals[None, :] * weights[:, cols]  # (3, n-grams)
        names = [word_names[c] for c in cols.tolist()]
        if dense is not None:
            terms = np.concatenate([terms, dense[r][None, :] * weights[:, width:]], axis=1)
            names.extend(cue_names)
        by_label = {}
        for k, label in enumerate(LABELS):
            chosen, rest, n_rest = _top(terms[k], names, top)
            by_label[label] = ClassScore(
                score=float(scores[r, k]),
                intercept=float(intercept[k]),
                top=tuple(Contribution(names[i], float(terms[k, i])) for i in chosen),
                rest=rest,
                n_rest=n_rest,
            )
        result.append(
            Explanation(
                paragraph=paragraph,
                label=LABELS[int(proba[r].argmax())],
                probabilities=dict(zip(LABELS, proba[r].tolist(), strict=True)),
                scores=by_label,
            )
        )
    return result, proba


def _top(terms: np.ndarray, names: Sequence[str], top: int | None) -> tuple[list[int], float, int]:
    """The indices of the `top` largest nonzero terms by size (all of them for None), largest
    first, ties in the order of their names (a paragraph's words come as a set, in an order
    that changes from process to process); the sum of the other nonzero terms, and their
    number."""
    values = terms.tolist()
    order = sorted(
        (i for i, value in enumerate(values) if value), key=lambda i: (-abs(values[i]), names[i])
    )
    chosen = order if top is None else order[:top]
    others = order[len(chosen) :]
    return chosen, float(terms[others].sum()), len(others)


# The n-gram of each TF-IDF column, per vocabulary: decoded once (a few ms per 10,000 columns).
_names: weakref.WeakKeyDictionary[WordTable, list[str]] = weakref.WeakKeyDictionary()
_names_lock = threading.Lock()


def _feature_names(table: WordTable) -> list[str]:
    names = _names.get(table)
    if names is None:
        with _names_lock:
            names = _names.get(table)
            if names is None:
                names = _names[table] = table.feature_names()
    return names


# ---------------------------------------------------------------- reading the feature names

_SOURCES = (
    "the paragraph alone",
    "its own words",
    "its shape",
    "the heading above it",
    "the part it sits in",
    "its neighbours",
    "its place in the document",
    "every paragraph",
    "other",
)
_PLACE = re.compile(
    r"^(position_\d+|from_start_\d+|to_end_\d+|before_first_sentence|no_heading_above)$"
)
_SHAPE = re.compile(
    r"^(heading|heading_word_\w+|label|label_word_\w+|markdown_\d+|numbering_\w+|bullet|"
    r"table_row|ends_colon|ends_sentence|length_\d+|lead_in_\w+|context_\w+)$"
)


def source(attribute: str) -> str:
    """What a sequence-model attribute is about, in a few words: ``the paragraph alone``
    (the classifier's probabilities), ``its own words``, ``its shape``, ``the heading above
    it``, ``the part it sits in``, ``its neighbours``, ``its place in the document``,
    ``every paragraph`` (the bias), or ``other``."""
    if re.match(r"^(log)?p_\w+$", attribute):
        return "the paragraph alone"
    if attribute.startswith(("word:", "label:")):
        return "its own words"
    if attribute.startswith(("inner_", "heading_above:")):
        return "the heading above it"
    if attribute.startswith("outer_"):
        return "the part it sits in"
    if attribute.startswith(("next-1_", "next1_")):
        return "its neighbours"
    if _PLACE.match(attribute):
        return "its place in the document"
    if _SHAPE.match(attribute):
        return "its shape"
    if attribute == "bias":
        return "every paragraph"
    return "other"


def _ordered_sources(names: Any) -> list[str]:
    return [name for name in _SOURCES if name in names]


_HEADS = {"inner": "the heading above it", "outer": "the heading of the part it sits in"}
_SIDES = {"next-1": "its neighbour before it", "next1": "its neighbour after it"}
_ORDINALS = ("first", "second", "third", "fourth or later")
_FROM_END = ("last", "second to last", "third to last or earlier")
_FIFTHS = ("first", "second", "third", "fourth", "last")


def describe(feature: str) -> str:
    """A short human reading of a feature's name (a sequence-model attribute or a cue
    column), or "" for a TF-IDF n-gram and names it does not know."""
    if feature == "bias":
        return "every paragraph (bias)"
    if m := re.fullmatch(r"(log)?p_(\w+)", feature):
        return f"the paragraph read alone: {'log ' if m[1] else ''}probability of {m[2]}"
    if m := re.fullmatch(r"(inner|outer)_(heading_word|part_p|p|role)_(\w+)", feature):
        head, kind, label = _HEADS[m[1]], m[2], m[3]
        if kind == "heading_word":
            return f"{head} names {label}"
        if kind == "p":
            return f"{head}, read alone: probability of {label}"
        if kind == "role":
            return f"{head} reads as {label}"
        part = "its section" if m[1] == "inner" else "the part it sits in"
        return f"{part}, its paragraphs read alone: mean probability of {label}"
    if feature.startswith("heading_above:"):
        return f"the heading above it ({feature.partition(':')[2]})"
    if m := re.fullmatch(r"(next-1|next1)_(\w+)", feature):
        side, what = _SIDES[m[1]], m[2]
        if what == "none":
            return f"{side}: none ({'it comes first' if m[1] == 'next-1' else 'it comes last'})"
        if what == "heading":
            return f"{side} is a heading"
        return f"{side}, read alone: probability of {what.removeprefix('p_')}"
    if m := re.fullmatch(r"position_(\d)", feature):
        return f"its place in the document ({_pick(_FIFTHS, m[1])} fifth)"
    if m := re.fullmatch(r"from_start_(\d)", feature):
        return f"its place in the document ({_pick(_ORDINALS, m[1])} paragraph)"
    if m := re.fullmatch(r"to_end_(\d)", feature):
        return f"its place in the document ({_pick(_FROM_END, m[1])})"
    if feature == "before_first_sentence":
        return "its place in the document (before the first full sentence)"
    if feature == "no_heading_above":
        return "its place in the document (no heading above it)"
    if feature.startswith("word:"):
        return f"its own word {feature.partition(':')[2]}"
    if feature.startswith("label:"):
        return f"its inline label ({feature.partition(':')[2]})"
    return _describe_shape(feature)


def _describe_shape(feature: str) -> str:
    if m := re.fullmatch(r"cue_(log|share)_(\w+)", feature):
        return f"{m[2]} cue words ({'log count' if m[1] == 'log' else 'share'})"
    if m := re.fullmatch(r"lead_in_(\w+)", feature):
        return f"a lead-in of {m[1]}"
    if m := re.fullmatch(r"heading_word_(\w+)", feature):
        return f"it is a heading naming {m[1]}"
    if m := re.fullmatch(r"label_word_(\w+)", feature):
        return f"its inline label names {m[1]}"
    if m := re.fullmatch(r"context_(\w+)", feature):
        return f"a context line ({m[1]})"
    if m := re.fullmatch(r"markdown_(\d)", feature):
        return f"its shape (a Markdown heading of level {m[1]})"
    if m := re.fullmatch(r"numbering_(\w+)", feature):
        return f"its shape (numbered, {m[1]} style)"
    if m := re.fullmatch(r"length_(\d)", feature):
        return f"its shape (length class {m[1]} of 0-4)"
    shapes = {
        "heading": "it is a heading",
        "label": "it has an inline label (…：)",
        "bullet": "its shape (a bullet item)",
        "table_row": "its shape (a table row)",
        "ends_colon": "its shape (ends with a colon)",
        "ends_sentence": "its shape (ends a sentence)",
    }
    return shapes.get(feature, "")


def _pick(names: Sequence[str], digit: str) -> str:
    return names[min(int(digit), len(names) - 1)]


# -------------------------------------------------------------------------------- helpers


def _name(feature: str) -> str:
    """A feature as the text shows it: an n-gram in corner brackets, a named feature as is."""
    return feature if describe(feature) else f"「{feature}」"


def _probabilities(probabilities: dict[str, float], chosen: str) -> str:
    return " · ".join(
        f"{name} {p:.2f}" for name, p in probabilities.items() if name == chosen or p >= 0.005
    )


def _class_lines(label: str, score: ClassScore, full: bool) -> list[str]:
    if not full:
        terms = " · ".join(f"{_name(n)} {v:+.2f}" for n, v in score.top[:3])
        return [f"{label}: score {score.score:.2f}" + (f"; {terms}" if terms else "")]
    lines = [f"{label}: score {score.score:.2f} = intercept {score.intercept:+.2f}"]
    for name, value in score.top:
        reading = describe(name)
        lines.append(f"  {value:+.2f} {_name(name)}" + (f": {reading}" if reading else ""))
    if score.n_rest:
        lines.append(f"  {score.rest:+.2f} the {score.n_rest} other features")
    return lines


def _round(value: float, digits: int | None) -> float:
    return value if digits is None else round(value, digits)


def _rounded(values: dict[str, float], digits: int | None) -> dict[str, float]:
    return {key: _round(value, digits) for key, value in values.items()}
