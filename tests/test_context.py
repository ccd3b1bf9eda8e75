"""The document decoder: learned order of roles, with and without headings."""

from __future__ import annotations

import numpy as np
from sklearn.dummy import DummyClassifier

from zongjie import LABELS, predict, predict_document, predict_document_proba
from zongjie.context import document_proba, isolated_proba
from zongjie.labels import load_gold
from zongjie.models import DocumentClassifier
from zongjie.segment import is_heading

from conftest import GOLD

S, P, L = (LABELS.index(label) for label in ("summary", "problem", "plan"))


def _decoder(**settings) -> DocumentClassifier:
    """A decoder fitted on reports that run review → problems → plans."""
    labels = ["summary"] * 6 + ["problem"] * 2 + ["plan"] * 6
    doc_ids = ["a"] * 14 + ["b"] * 14
    settings = {"decoder": "hmm", "opening": "undecided", **settings}
    return DocumentClassifier(DummyClassifier(), **settings).fit(
        np.zeros((28, 1)), labels * 2, doc_ids=doc_ids
    )


def test_transitions_are_learned_from_the_order_of_parts() -> None:
    decoder = _decoder()
    assert decoder.start_.argmax() == S
    assert decoder.transitions_[S, S] > 0.5 and decoder.transitions_[L, L] > 0.5
    assert decoder.transitions_[L, S] < 0.2  # plans are not followed by a review
    assert np.allclose(decoder.transitions_.sum(axis=1), 1)


def test_paragraphs_outside_any_document_teach_no_order() -> None:
    labels = (["summary"] * 6 + ["problem"] * 2 + ["plan"] * 6) * 2
    extra = ["plan", "summary", "problem", "summary"]  # sentences split from paragraphs
    with_extra = DocumentClassifier(DummyClassifier(), decoder="hmm").fit(
        np.zeros((32, 1)), labels + extra, doc_ids=["a"] * 14 + ["b"] * 14 + [None] * 4
    )
    without = _decoder(opening="summary")
    for name in ("start_", "transitions_", "position_"):
        np.testing.assert_array_equal(getattr(with_extra, name), getattr(without, name))


def test_a_weak_paragraph_follows_its_neighbours() -> None:
    paragraphs = [
        "全年完成了各项任务。",
        "同时开展了督查。",
        "这项工作意义重大。",
        "要抓好落实。",
        "要确保完成任务。",
    ]
    proba = np.array(
        [[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.4, 0.2, 0.4], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]]
    )
    labels = [LABELS[i] for i in document_proba(paragraphs, proba, _decoder()).argmax(axis=1)]
    assert labels[:2] == ["summary", "summary"] and labels[3:] == ["plan", "plan"]
    rules = DocumentClassifier(DummyClassifier(), decoder="rules")
    assert document_proba(paragraphs, proba, rules).argmax(axis=1)[2] == S  # no context: a tie


def test_headings_decide_over_the_classifier() -> None:
    paragraphs = [
        "二、存在问题",
        "学校布局调整的任务仍然很重。",
        "三、下步打算",
        "全年共完成培训120人次。",
    ]
    proba = np.tile([0.8, 0.1, 0.1], (4, 1))
    result = document_proba(paragraphs, proba, _decoder(structure_weight=0.9))
    assert [LABELS[i] for i in result.argmax(axis=1)] == ["problem", "problem", "plan", "plan"]


def test_a_paragraph_alone_keeps_what_its_own_words_decide() -> None:
    paragraphs = [
        "二、存在问题",  # a heading naming its part
        "下半年,我局将重点做好以下几项工作:",  # a lead-in to the plans
        "一、加强队伍建设",  # a neutral heading: the classifier decides
        "学校布局调整的任务仍然很重。",
    ]
    proba = np.tile([0.8, 0.1, 0.1], (4, 1))
    result = isolated_proba(paragraphs, proba, _decoder(structure_weight=0.9))
    assert [LABELS[i] for i in result.argmax(axis=1)] == ["problem", "plan", "summary", "summary"]
    np.testing.assert_allclose(result[2:], proba[2:])
    np.testing.assert_allclose(result.sum(axis=1), 1.0)
    assert result[0, P] == 0.9 + 0.1 * 0.1  # the classifier's share stays visible


def test_document_probabilities_are_well_formed() -> None:
    document = load_gold(GOLD)[5]
    proba = predict_document_proba(list(document.paragraphs))
    assert proba.shape == (len(document.paragraphs), 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert [LABELS[i] for i in proba.argmax(axis=1)] == predict_document(list(document.paragraphs))


def _agreement(paragraphs, gold, labels) -> float:
    pairs = [(g, p) for g, p in zip(gold, labels, strict=True) if g is not None]
    return sum(g == p for g, p in pairs) / len(pairs)


def test_seed_report_with_and_without_headings() -> None:
    # Seed 002's town training report: review, 存在问题, 下步打算 (the default model saw it in
    # training; this checks the decoder keeps the parts apart, not generalisation).
    document = next(d for d in load_gold(GOLD) if d.id == "seed-002-06")
    paragraphs, gold = list(document.paragraphs), list(document.labels)
    assert _agreement(paragraphs, gold, predict_document(paragraphs)) == 1.0
    body = [i for i, p in enumerate(paragraphs) if not is_heading(p)]
    headless = [paragraphs[i] for i in body]
    headless_gold = [gold[i] for i in body]
    labels = predict_document(headless)
    assert _agreement(headless, headless_gold, labels) >= 0.9
    assert labels[-1] == "plan" and labels[0] == "summary"
    assert _agreement(headless, headless_gold, labels) >= _agreement(
        headless, headless_gold, predict(headless)
    )
