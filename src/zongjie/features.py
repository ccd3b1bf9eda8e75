"""Paragraphs → what the models read.

* For the paragraph classifier: TF-IDF over word (or character) n-grams (`WordTfidf`) beside a
  small dense block of lexicon cues (`cue_block`): cue-word counts, lead-ins, the role words of
  a heading, the shapes of context lines.
* For the sequence model: one attribute dict per paragraph of a document
  (`sequence_attributes`): the classifier's probabilities, the paragraph's shape and place,
  the lexicon cues, the headings that enclose it and what they say, its neighbours.

Everything here is plain numpy and regular expressions except `WordTfidf` and `CueFeatures`,
the scikit-learn wrappers training fits; prediction runs the same functions without them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from zongjie.document import LABELS
from zongjie.lexicon import Lexicon
from zongjie.structure import Shape, outline, shape
from zongjie.text import TOKENIZERS, normalize
from zongjie.vocabulary import WordTable, fit_table, word_tfidf

__all__ = [
    "CueFeatures",
    "WordTfidf",
    "build_paragraph_features",
    "cue_block",
    "cue_columns",
    "iter_sequence_attributes",
    "sequence_attributes",
]


def cue_columns(lexicon: Lexicon) -> list[str]:
    """The names of `cue_block`'s columns, in order."""
    cues = lexicon.groups("cue_words")
    return [
        *(f"cue_log_{g}" for g in cues),
        *(f"cue_share_{g}" for g in cues),
        *(f"lead_in_{g}" for g in lexicon.groups("lead_ins")),
        *(f"heading_word_{g}" for g in lexicon.groups("heading_words")),
        *(f"label_word_{g}" for g in lexicon.groups("heading_words")),
        "heading",
        *(f"context_{g}" for g in lexicon.groups("context_patterns")),
    ]


_COUNTED = ("cue_words", "lead_ins")  # the word sections `cue_block` counts, in one pass


def _cue_row(paragraph: str, lexicon: Lexicon, text: str, counted: list[int]) -> list[float]:
    """The cue block's row of `paragraph` (`text`: normalized), `counted` its counts of the
    `_COUNTED` groups."""
    counts = counted[: len(lexicon.alternatives["cue_words"])]
    lead_ins = counted[len(counts) :]
    total = sum(counts) or 1
    stripped = paragraph.strip()
    context = [
        1.0 if p.search(stripped) else 0.0 for p in lexicon.patterns["context_patterns"].values()
    ]
    form = shape(stripped, lexicon, 1.0 in context)
    core = normalize(form.core) if form.heading and form.core else ""
    label = normalize(form.label) if form.label else ""
    heading_words = lexicon.words["heading_words"].values()
    row = [math.log1p(c) for c in counts]
    row += [c / total for c in counts]
    row += [1.0 if count else 0.0 for count in lead_ins]
    row += [1.0 if core and p.search(core) else 0.0 for p in heading_words]
    row += [1.0 if label and p.search(label) else 0.0 for p in heading_words]
    row.append(float(form.heading))
    row += context
    return row


def cue_block(
    paragraphs: Sequence[str], lexicon: Lexicon, normalized: Sequence[str] | None = None
) -> np.ndarray:
    """Dense lexicon cues, (n, len(cue_columns(lexicon))): the log count and the share of each
    cue-word group (a paragraph's leaning shows whatever its length), whether a lead-in of each
    role occurs, which roles the words of a heading or of an inline label (不足之处：…) name,
    whether the paragraph is a heading, and which context-line shapes it has (salutation,
    formula, byline, date). `normalized`: the paragraphs' `normalize`d texts, when the caller
    has them already."""
    if len(paragraphs) == 0:  # the rows say how wide the block is; without rows, the names do
        return np.zeros((0, len(cue_columns(lexicon))), dtype=np.float32)
    if normalized is None:
        normalized = [normalize(p) for p in paragraphs]
    counted = lexicon.count_words(normalized, _COUNTED).tolist()
    rows = [
        _cue_row(p, lexicon, t, c) for p, t, c in zip(paragraphs, normalized, counted, strict=True)
    ]
    return np.array(rows, dtype=np.float32)


def _stop_tokens(words: Sequence[str] | None) -> list[str] | None:
    return [normalize(word) for word in words or []] or None


class WordTfidf:
    """TF-IDF over token n-grams, fitted as scikit-learn's TfidfVectorizer fits them
    (`zongjie.vocabulary.fit_table`, the vectorizer itself where that cannot) and applied with
    numpy (`zongjie.vocabulary.word_tfidf`).

    TfidfVectorizer looks every n-gram of every paragraph up in a Python dict; this keeps the
    vocabulary as integer keys (each token an integer, an n-gram the tokens' integers combined)
    and finds a whole batch's n-grams with one `searchsorted`. Its state is arrays only, which
    is what a model file stores. `tokenizer` names one of `zongjie.text.TOKENIZERS`: ``rjieba``
    or ``jieba`` words, or ``chars`` for character n-grams."""

    def __init__(
        self,
        tokenizer: str,
        ngram_range: Sequence[int],
        min_df: int | float,
        max_df: int | float,
        max_features: int | None,
        sublinear_tf: bool,
        stop_words: Sequence[str] | None,
    ) -> None:
        if tokenizer not in TOKENIZERS:
            raise ValueError(
                f"features.tokenizer must be one of {sorted(TOKENIZERS)}, not {tokenizer!r}"
            )
        self.tokenizer = tokenizer
        self.ngram_range = tuple(int(n) for n in ngram_range)
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.stop_words = list(stop_words or [])

    def fit(self, paragraphs: Sequence[str]) -> WordTfidf:
        table = fit_table(
            [normalize(p) for p in paragraphs],
            self.tokenizer,
            self.ngram_range,
            self.min_df,
            self.max_df,
            self.max_features,
            self.sublinear_tf,
            _stop_tokens(self.stop_words) or [],
        )
        if table is not None:
            self.table_ = table
            return self
        # What fit_table leaves to scikit-learn: its errors, and the rare documents whose
        # n-grams only their strings tell apart.
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            preprocessor=normalize,
            tokenizer=TOKENIZERS[self.tokenizer],
            token_pattern=None,
            lowercase=False,
            stop_words=_stop_tokens(self.stop_words),
            ngram_range=self.ngram_range,
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        ).fit(paragraphs)
        self.table_ = WordTable.from_vectorizer(vectorizer, self.tokenizer)
        return self

    def transform(self, paragraphs: Sequence[str]) -> Any:
        from scipy import sparse

        texts = list(paragraphs)
        rows, columns, values = word_tfidf(self.table_, texts)
        return sparse.csr_matrix(
            (values, (rows, columns)), shape=(len(texts), self.table_.n_features)
        )


class CueFeatures:
    """`cue_block` with a lexicon, as a transformer."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def fit(self, paragraphs: Sequence[str]) -> CueFeatures:
        return self

    def transform(self, paragraphs: Sequence[str]) -> np.ndarray:
        return cue_block(paragraphs, self.lexicon)


def build_paragraph_features(params: Mapping[str, Any], lexicon: Lexicon) -> list[Any]:
    """The blocks of the paragraph classifier's feature matrix, side by side: TF-IDF over the
    tokens `params.tokenizer` makes, then, when `params.cues`, the lexicon cue block."""
    blocks: list[Any] = [
        WordTfidf(
            tokenizer=params["tokenizer"],
            ngram_range=params["ngram_range"],
            min_df=params["min_df"],
            max_df=params["max_df"],
            max_features=params["max_features"],
            sublinear_tf=params["sublinear_tf"],
            stop_words=params["stop_words"],
        )
    ]
    if params["cues"]:
        blocks.append(CueFeatures(lexicon))
    return blocks


# ------------------------------------------------------------------ sequence attributes


def _bucket(value: int, edges: Sequence[int]) -> int:
    for index, edge in enumerate(edges):
        if value <= edge:
            return index
    return len(edges)


_LENGTH_EDGES = (6, 15, 40, 120)
_SURE = 0.5  # a classifier probability that names a heading's role
_POSITION_BINS = 5


def _words(text: str, tokenizer: str, stop: frozenset[str]) -> set[str]:
    """The tokens of `text` that are words: not stop words, punctuation, numbers or markup."""
    return _normalized_words(normalize(text), tokenizer, stop)


def _normalized_words(text: str, tokenizer: str, stop: frozenset[str]) -> set[str]:
    """`_words` of a text `normalize`d already."""
    return {
        t
        for t in TOKENIZERS[tokenizer](text)
        if t not in stop and (t.isalpha() or any(c.isalpha() for c in t))
    }


def sequence_attributes(
    paragraphs: Sequence[str],
    proba: np.ndarray,
    lexicon: Lexicon,
    *,
    words: str | None,
    stop_words: Sequence[str],
    word_value: float,
) -> list[dict[str, float]]:
    """One attribute dict per paragraph of ONE document (in reading order), for the sequence
    model: what the paragraph classifier says of it (`proba`, (n, 3) in LABELS order) and of
    its neighbours and enclosing headings; its shape and place; its lexicon cues; and, when
    `words` names a tokenizer, its own words and those of the headings that enclose it, each
    with the value `word_value`. Under the CRF's L2 penalty a smaller value makes a word cost
    more to lean on, so the model prefers what carries over to reports of other kinds (the
    lexicon, the structure) and uses a word where those fall short. The three settings have no
    default here: they are the model's (`decoder.words`, `features.stop_words`,
    `decoder.word_value` when it is trained), never a second copy of conf/.

    The enclosing headings are the outermost (the part it sits in) and the innermost (its
    item); their role words and probabilities are how a heading passes its role down."""
    return list(
        iter_sequence_attributes(
            paragraphs,
            proba,
            lexicon,
            words=words,
            stop_words=stop_words,
            word_value=word_value,
        )
    )


# The attribute names that do not depend on the paragraph, made once.
_P_KEYS = tuple((k, f"p_{label}", f"logp_{label}") for k, label in enumerate(LABELS))
_HEAD_KEYS = {
    name: (
        tuple((k, f"{name}_part_p_{label}") for k, label in enumerate(LABELS)),
        tuple((k, f"{name}_p_{label}") for k, label in enumerate(LABELS)),
        tuple(f"{name}_role_{label}" for label in LABELS),
    )
    for name in ("outer", "inner")
}
_NEXT_KEYS = {
    offset: (
        tuple((k, f"next{offset}_p_{label}") for k, label in enumerate(LABELS)),
        f"next{offset}_heading",
        f"next{offset}_none",
    )
    for offset in (-1, 1)
}


def iter_sequence_attributes(
    paragraphs: Sequence[str],
    proba: np.ndarray,
    lexicon: Lexicon,
    *,
    words: str | None,
    stop_words: Sequence[str],
    word_value: float,
) -> Iterator[dict[str, float]]:
    """`sequence_attributes`, one paragraph's dict at a time: what the document as a whole
    says (shapes, outline, the parts' mean probabilities) is read first, each dict made when
    asked for, so a long document need not hold them all."""
    shapes: list[Shape] = [shape(p, lexicon) for p in paragraphs]
    enclosing = outline(shapes)
    n = len(paragraphs)
    stop = frozenset(normalize(w) for w in stop_words)
    first_sentence = next((i for i, s in enumerate(shapes) if s.ends_sentence), n)
    cores = [normalize(s.core) for s in shapes]
    heading_words = lexicon.words["heading_words"]
    # What the classifier says of a part as a whole: the mean probabilities of the paragraphs
    # under the same innermost (and outermost) heading. A part of plans reads as plans even
    # where one item alone reads as a review.
    section_mean = {}
    for depth in (0, -1):
        members: dict[int, list[int]] = {}
        for i, heads in enumerate(enclosing):
            if heads:
                members.setdefault(heads[depth], []).append(i)
        for head, rows in members.items():
            section_mean[(depth, head)] = proba[rows].mean(axis=0).tolist()
    values = proba.tolist()  # the same floats as float(proba[i, k]), read faster
    # What a heading passes down, the same for every paragraph under it: its role words, its
    # role as the classifier reads it (when sure), its words.
    heading_groups: dict[int, list[str]] = {}
    heading_role: dict[int, int | None] = {}
    heading_tokens: dict[int, set[str]] = {}
    for i, (paragraph, form) in enumerate(zip(paragraphs, shapes, strict=True)):
        a: dict[str, float] = {"bias": 1.0}
        row = values[i]
        for k, p_key, logp_key in _P_KEYS:
            a[p_key] = row[k]
            a[logp_key] = math.log(row[k] + 1e-4)
        if form.heading:
            a["heading"] = 1.0
            for group, pattern in heading_words.items():
                if pattern.search(cores[i]):
                    a[f"heading_word_{group}"] = 1.0
        if form.label:
            a["label"] = 1.0
            label = normalize(form.label)
            for group, pattern in heading_words.items():
                if pattern.search(label):
                    a[f"label_word_{group}"] = 1.0
        if form.markdown_level:
            a[f"markdown_{min(form.markdown_level, 4)}"] = 1.0
        if form.numbering:
            a[f"numbering_{form.numbering}"] = 1.0
        if form.bullet:
            a["bullet"] = 1.0
        if form.table_row:
            a["table_row"] = 1.0
        if form.ends_colon:
            a["ends_colon"] = 1.0
        if form.ends_sentence:
            a["ends_sentence"] = 1.0
        a[f"length_{_bucket(len(form.core), _LENGTH_EDGES)}"] = 1.0
        a[f"position_{min(_POSITION_BINS - 1, i * _POSITION_BINS // n)}"] = 1.0
        a[f"from_start_{min(i, 3)}"] = 1.0
        a[f"to_end_{min(n - 1 - i, 2)}"] = 1.0
        if i < first_sentence:
            a["before_first_sentence"] = 1.0
        text = normalize(paragraph)
        for group, pattern in lexicon.words["lead_ins"].items():
            if pattern.search(text):
                a[f"lead_in_{group}"] = 1.0
        stripped = paragraph.strip()
        for group, pattern in lexicon.patterns["context_patterns"].items():
            if pattern.search(stripped):
                a[f"context_{group}"] = 1.0
        outer, inner = enclosing[i][:1], enclosing[i][-1:]
        if not enclosing[i]:
            a["no_heading_above"] = 1.0
        for name, heads, depth in (("outer", outer, 0), ("inner", inner, -1)):
            part_keys, p_keys, role_keys = _HEAD_KEYS[name]
            for j in heads:
                mean = section_mean[(depth, j)]
                for k, key in part_keys:
                    a[key] = mean[k]
                groups = heading_groups.get(j)
                if groups is None:
                    core = cores[j]
                    groups = heading_groups[j] = [
                        group for group, pattern in heading_words.items() if pattern.search(core)
                    ]
                for group in groups:
                    a[f"{name}_heading_word_{group}"] = 1.0
                for k, key in p_keys:
                    a[key] = values[j][k]
                # What the classifier makes of the heading, as a category: a heading passes its
                # role down to every paragraph it encloses.
                if j not in heading_role:
                    best = int(proba[j].argmax())
                    heading_role[j] = best if proba[j, best] >= _SURE else None
                if (best := heading_role[j]) is not None:
                    a[role_keys[best]] = 1.0
        for offset in (-1, 1):
            j = i + offset
            p_keys, heading_key, none_key = _NEXT_KEYS[offset]
            if 0 <= j < n:
                for k, key in p_keys:
                    a[key] = values[j][k]
                if shapes[j].heading:
                    a[heading_key] = 1.0
            else:
                a[none_key] = 1.0
        if words:
            for token in _normalized_words(text, words, stop):
                a[f"word:{token}"] = word_value
            for j in {*outer, *inner}:
                tokens = heading_tokens.get(j)
                if tokens is None:
                    tokens = heading_tokens[j] = _words(shapes[j].core, words, stop)
                for token in tokens:
                    a[f"heading_above:{token}"] = word_value
            if form.label:
                for token in _words(form.label, words, stop):
                    a[f"label:{token}"] = word_value
        yield a
