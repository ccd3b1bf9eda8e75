"""Property-based checks: any Unicode text gets a well-formed answer or a documented error."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zongjie import LABELS, api, predict, predict_document, predict_document_proba, predict_proba
from zongjie.segment import decode, segment


@pytest.fixture(scope="module", autouse=True)
def _tiny_model(tiny_model):
    """The API answers with the session's tiny model (a module-scoped fixture: hypothesis runs
    each test many times)."""
    previous, api._model = api._model, tiny_model
    yield
    api._model = previous


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Not blank: whitespace and zero-width characters alone are refused (a documented error).
paragraph_text = st.text(min_size=1, max_size=300).filter(lambda t: not api._BLANK.fullmatch(t))
# Report-like text: Chinese words, punctuation, spaces and line breaks, nothing that segment
# documents as chrome (page numbers are digit-only lines, so no digits; no chrome words).
SAFE_CHARS = "今年我们完成了各项任务将推进问题不足存在下步打算一二三、，。：；“”（）\u3000 \n\r"
report_text = st.text(alphabet=SAFE_CHARS, max_size=400)


@SETTINGS
@given(st.text(max_size=500))
def test_segment_gives_clean_paragraphs_for_any_text(text: str) -> None:
    paragraphs = segment(text)
    assert all(isinstance(p, str) and p and p == p.strip() for p in paragraphs)
    assert all("\n" not in p and "\r" not in p for p in paragraphs)


@SETTINGS
@given(report_text)
def test_segment_loses_no_text_but_whitespace(text: str) -> None:
    def squeeze(value: str) -> str:
        return re.sub(r"\s+", "", value)

    assert squeeze("".join(segment(text))) == squeeze(text)


@SETTINGS
@given(st.binary(max_size=300))
def test_decode_any_bytes_gives_text_or_a_named_error(data: bytes) -> None:
    try:
        text = decode(data, "blob")
    except ValueError as error:
        assert str(error).startswith("blob: ")
    else:
        assert isinstance(text, str)


@SETTINGS
@given(st.lists(paragraph_text, max_size=12))
def test_predict_and_proba_are_well_formed(paragraphs: list[str]) -> None:
    labels = predict(paragraphs)
    proba = predict_proba(paragraphs)
    assert len(labels) == len(paragraphs) and set(labels) <= set(LABELS)
    assert proba.shape == (len(paragraphs), 3)
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()
    assert [LABELS[i] for i in proba.argmax(axis=1)] == labels


@SETTINGS
@given(st.lists(paragraph_text, max_size=20))
def test_predict_document_is_well_formed(paragraphs: list[str]) -> None:
    labels = predict_document(paragraphs)
    proba = predict_document_proba(paragraphs)
    assert len(labels) == len(paragraphs) and set(labels) <= {*LABELS, None}
    assert proba.shape == (len(paragraphs), 3) and np.allclose(proba.sum(axis=1), 1.0)
    # Where predict_document gives a role, it is the likeliest given content.
    for label, row in zip(labels, proba, strict=True):
        assert label is None or label == LABELS[int(row.argmax())]


@SETTINGS
@given(
    st.lists(paragraph_text, max_size=5),
    st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text())),
    st.integers(min_value=0, max_value=5),
)
def test_a_non_str_element_is_named_by_index(paragraphs, bad, position) -> None:
    position = min(position, len(paragraphs))
    items = [*paragraphs[:position], bad, *paragraphs[position:]]
    for function in (predict, predict_proba, predict_document, predict_document_proba):
        with pytest.raises(TypeError, match=rf"^paragraph {position} is {type(bad).__name__}, "):
            function(items)


DOCUMENTED_VALUE_ERROR = (
    r"^paragraph \d+ is (blank|not valid Unicode: a lone surrogate U\+D[89A-F][0-9A-F]{2} "
    r"at character \d+)$"
)


@SETTINGS
@given(st.lists(st.text(st.characters(codec=None, exclude_categories=()), max_size=50), max_size=6))
def test_any_str_elements_get_labels_or_a_documented_error(paragraphs: list[str]) -> None:
    # Surrogates included (hypothesis leaves them out of text() by default).
    for function in (predict, predict_document):
        try:
            labels = function(paragraphs)
        except ValueError as error:
            assert re.match(DOCUMENTED_VALUE_ERROR, str(error)), error
        else:
            assert len(labels) == len(paragraphs)
