"""zongjie.explain and zongjie.explain_document: each score taken apart into terms that add up
to what the model computed (checked against the model's own arrays, and for the CRF against a
brute-force enumeration of every path), on real paragraphs; readable text; the API's input
checks. Answers come from the session's tiny model (conftest)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

import zongjie
from zongjie import LABELS, explain, explain_document, predict, predict_document, predict_proba
from zongjie.explanation import (
    ContextExplanation,
    Explanation,
    describe,
    explain_paragraphs,
    source,
)
from zongjie.features import cue_columns
from zongjie.inference import STATES
from zongjie.model import Model

from conftest import PLAN, PROBLEM, SUMMARY

pytestmark = pytest.mark.usefixtures("use_tiny_model")


HEADINGS = ["二、存在问题", "存在问题:", "二、2024年工会工作要点", "一、基本情况"]
# A report in miniature: a heading of problems and one, a heading of plans and one (seed 002).
REPORT = ["二、存在问题", PROBLEM, "三、下一步工作打算", PLAN]


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max())
    return exp / exp.sum()


# ------------------------------------------------------------------------- a paragraph alone


def test_the_terms_add_up_to_the_classifiers_own_scores(tiny_model) -> None:
    paragraphs = [SUMMARY, PROBLEM, PLAN, *HEADINGS]
    scores = tiny_model.classifier.scores(paragraphs, tiny_model.lexicon)[0]  # (n, 3)
    for top in (None, 1, 5):
        for r, explanation in enumerate(explain(paragraphs, top=top)):
            for k, label in enumerate(LABELS):
                s = explanation.scores[label]
                total = s.intercept + sum(value for _, value in s.top) + s.rest
                assert s.score == pytest.approx(scores[r, k], abs=1e-12)
                assert total == pytest.approx(s.score, abs=1e-9)
                if top is None:
                    assert (s.rest, s.n_rest) == (0.0, 0)
                else:
                    assert len(s.top) <= top


def test_label_and_probabilities_are_predicts_and_the_softmax_of_the_scores() -> None:
    paragraphs = [SUMMARY, PROBLEM, PLAN, *HEADINGS]
    explanations = explain(paragraphs)
    assert (
        [e.label for e in explanations]
        == predict(paragraphs)
        == [
            "summary",
            "problem",
            "plan",
            "problem",
            "problem",
            "plan",
            "summary",
        ]
    )
    proba = predict_proba(paragraphs)
    for explanation, row in zip(explanations, proba, strict=True):
        assert list(explanation.probabilities) == list(LABELS)
        assert list(explanation.probabilities.values()) == row.tolist()  # the very same floats
        scores = np.array([explanation.scores[label].score for label in LABELS])
        np.testing.assert_allclose(_softmax(scores), row, rtol=1e-12)


def test_a_term_is_the_features_value_times_its_weight(tiny_model) -> None:
    # One known word alone: its TF-IDF row is that word at 1.0 (l2 norm), and it is a heading
    # (short, no closing punctuation): the cue column `heading` is 1.0 too. Both terms are the
    # weights themselves, exactly.
    coef = tiny_model.classifier.coef[0]
    column = tiny_model.classifier.words.feature_names().index("加强")
    cue = tiny_model.classifier.words.n_features + cue_columns(tiny_model.lexicon).index("heading")
    explanation = explain("加强", top=None)
    for k, label in enumerate(LABELS):
        terms = dict(explanation.scores[label].top)
        assert terms == {"加强": coef[k, column], "heading": coef[k, cue]}
        assert explanation.scores[label].intercept == tiny_model.classifier.intercept[0, k]


def test_the_top_terms_are_the_largest_by_size_and_the_rest_is_the_others() -> None:
    full = explain(PLAN, top=None).scores["plan"]
    sizes = [abs(value) for _, value in full.top]
    assert sizes == sorted(sizes, reverse=True) and 0.0 not in sizes
    three = explain(PLAN, top=3).scores["plan"]
    assert three.top == full.top[:3]
    assert three.n_rest == len(full.top) - 3
    assert three.rest == pytest.approx(sum(value for _, value in full.top[3:]), abs=1e-12)
    # The n-grams are named as WordTable.feature_names() names them: tokens joined by spaces.
    names = [name for name, _ in full.top]
    assert "加强 领导" in names and "明确责任" in names


def test_a_calibrated_classifier_is_explained_by_its_folds_mean_score(tiny_model) -> None:
    classifier = tiny_model.classifier
    calibrated = replace(
        tiny_model,
        classifier=replace(
            classifier,
            kind="calibrated",
            coef=np.stack([classifier.coef[0], 0.5 * classifier.coef[0]]),
            intercept=np.stack([classifier.intercept[0], -classifier.intercept[0]]),
            sigmoid_a=np.full((2, 3), -1.5),
            sigmoid_b=np.full((2, 3), 0.2),
        ),
    )
    paragraphs = [SUMMARY, PROBLEM, PLAN]
    folds = calibrated.classifier.scores(paragraphs, calibrated.lexicon)
    proba = calibrated.paragraph_proba(paragraphs)
    for r, explanation in enumerate(explain_paragraphs(calibrated, paragraphs, top=2)):
        assert list(explanation.probabilities.values()) == proba[r].tolist()
        for k, label in enumerate(LABELS):
            s = explanation.scores[label]
            assert s.score == pytest.approx(folds[:, r, k].mean(), abs=1e-12)
            assert s.intercept + sum(v for _, v in s.top) + s.rest == pytest.approx(s.score)


def test_an_explanation_reads_as_text() -> None:
    text = str(explain(PLAN))
    lines = text.splitlines()
    assert lines[0].startswith("plan (summary ")
    assert lines[1].startswith("plan: score ") and "= intercept " in lines[1]
    assert "「党员 教育」" in text  # n-grams in corner brackets, named features as they are
    assert [line.split(":")[0] for line in lines if not line.startswith("  ")][1:] == [
        "plan",
        "summary",
        "problem",
    ]
    assert lines[-3].startswith("  +") and lines[-3].endswith(" other features")
    summary = str(explain(SUMMARY)).splitlines()
    assert summary[2].endswith(" cue_log_done: done cue words (log count)")


def test_an_explanation_as_json_values() -> None:
    import json

    data = explain(PLAN).to_dict(digits=4)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["label"] == "plan" and set(data["scores"]) == set(LABELS)
    assert all(round(value, 4) == value for value in data["probabilities"].values())


# ----------------------------------------------------------------------- in the document


def test_explain_document_gives_predict_documents_labels_and_probabilities(
    tiny_model, seed_documents
) -> None:
    for document in seed_documents[:6]:
        paragraphs = list(document.paragraphs)
        explanations = explain_document(paragraphs)
        assert [e.index for e in explanations] == list(range(len(paragraphs)))
        assert [e.label for e in explanations] == predict_document(paragraphs)
        # Read alone as explain reads them, in one batch (a batch of one can differ in the
        # last bit: numpy sums a dot product by blocks of its length).
        assert [e.alone for e in explanations] == explain(paragraphs)
        states = tiny_model.document_states(paragraphs)
        for e, row in zip(explanations, states, strict=True):
            assert list(e.probabilities) == list(STATES)
            assert list(e.probabilities.values()) == row.tolist()
            assert e.state == (e.label or "null")


def test_each_states_terms_add_up_to_the_crfs_scores(tiny_model, seed_documents) -> None:
    paragraphs = list(seed_documents[6].paragraphs)  # seed-002-06: review, problems, plans
    crf = tiny_model.sequence
    attributes = tiny_model.sequence_input(paragraphs, tiny_model.paragraph_proba(paragraphs))
    unary = crf.state_scores(attributes)  # (n, 4), the CRF's own matrix product
    decided = [STATES.index(e.state) for e in explain_document(paragraphs)]
    for top in (None, 3):
        for t, e in enumerate(explain_document(paragraphs, top=top)):
            assert e.previous_state == (STATES[decided[t - 1]] if t else None)
            assert e.next_state == (STATES[decided[t + 1]] if t + 1 < len(paragraphs) else None)
            for s, state in enumerate(STATES):
                x = e.scores[state]
                attribute_sum = sum(value for _, value in x.top) + x.rest
                assert attribute_sum == pytest.approx(unary[t, s], abs=1e-9)
                assert sum(x.sources.values()) == pytest.approx(unary[t, s], abs=1e-9)
                into = crf.transitions[decided[t - 1], s] if t else 0.0
                out = crf.transitions[s, decided[t + 1]] if t + 1 < len(paragraphs) else 0.0
                assert (x.transition_from_previous, x.transition_to_next) == (into, out)
                assert x.score == pytest.approx(unary[t, s] + into + out, abs=1e-9)
                if top is None:
                    assert x.n_rest == 0 and x.rest == 0.0


def test_given_its_neighbours_the_scores_give_the_crfs_probabilities(tiny_model) -> None:
    # Every path of the four states through the report, scored as the CRF scores it: the
    # probability of a paragraph's state given its neighbours' states, and its marginal.
    crf = tiny_model.sequence
    proba = tiny_model.paragraph_proba(REPORT)
    unary = crf.state_scores(tiny_model.sequence_input(REPORT, proba))
    n, k = len(REPORT), len(STATES)
    paths = np.array(list(itertools.product(range(k), repeat=n)))
    weight = np.exp(
        unary[np.arange(n), paths].sum(axis=1)
        + crf.transitions[paths[:, :-1], paths[:, 1:]].sum(axis=1)
    )
    explanations = explain_document(REPORT)
    decided = [STATES.index(e.state) for e in explanations]
    for t, e in enumerate(explanations):
        marginal = np.array([weight[paths[:, t] == s].sum() for s in range(k)]) / weight.sum()
        np.testing.assert_allclose(list(e.probabilities.values()), marginal, rtol=1e-9)
        given = np.ones(len(paths), dtype=bool)
        if t > 0:
            given &= paths[:, t - 1] == decided[t - 1]
        if t < n - 1:
            given &= paths[:, t + 1] == decided[t + 1]
        conditional = np.array([weight[given & (paths[:, t] == s)].sum() for s in range(k)])
        scores = np.array([e.scores[state].score for state in STATES])
        np.testing.assert_allclose(_softmax(scores), conditional / conditional.sum(), rtol=1e-9)


def test_what_the_context_changed_is_told_by_source(seed_001: str) -> None:
    paragraphs = zongjie.segment(seed_001)
    title = explain_document(paragraphs)[0]  # 教育局半年工作总结会议发言: a title, no role
    assert (title.alone.label, title.label, title.changed) == ("summary", None, True)
    versus = title.versus("null", "summary")
    assert sum(versus.values()) == pytest.approx(
        title.scores["null"].score - title.scores["summary"].score, abs=1e-9
    )
    assert versus["its place in the document"] > 0  # the first lines of a report
    assert versus["the state before it"] == 0.0  # nothing before it
    text = str(title)
    assert text.splitlines()[:2] == [
        f"alone: summary (summary {title.alone.probabilities['summary']:.2f} · "
        f"plan {title.alone.probabilities['plan']:.2f})",
        "in the document: no role (null) (summary 0.16 · problem 0.03 · plan 0.05 · null 0.75)"
        " — the document changed it",
    ]
    assert "null rather than summary: " in text
    assert "before_first_sentence: its place in the document (before the first full sentence)" in (
        text
    )


def test_a_paragraph_under_a_heading_hears_from_it() -> None:
    plan = explain_document(REPORT)[3]
    assert plan.label == "plan" and plan.previous_state == "plan" and plan.next_state is None
    sources = plan.scores["plan"].sources
    assert "the heading above it" in sources and "its neighbours" in sources
    names = {name for name, _ in explain_document(REPORT, top=None)[3].scores["plan"].top}
    assert {"inner_heading_word_plan", "heading_above:打算", "next-1_p_plan"} <= names
    text = str(plan)
    assert "plan: score " in text and "given plan before it and nothing after it" in text
    assert "transition plan → plan" in text


def test_every_attribute_and_cue_column_has_a_reading(tiny_model) -> None:
    for name in tiny_model.sequence.attributes:
        assert describe(name), name
        assert source(name) != "other", name
    for name in cue_columns(tiny_model.lexicon):
        assert describe(name), name


@pytest.mark.parametrize(
    ("attribute", "reading", "where"),
    [
        ("inner_heading_word_plan", "the heading above it names plan", "the heading above it"),
        ("heading_above:计划", "the heading above it (计划)", "the heading above it"),
        (
            "outer_role_problem",
            "the heading of the part it sits in reads as problem",
            "the part it sits in",
        ),
        (
            "next-1_p_summary",
            "its neighbour before it, read alone: probability of summary",
            "its neighbours",
        ),
        ("next1_none", "its neighbour after it: none (it comes last)", "its neighbours"),
        ("position_4", "its place in the document (last fifth)", "its place in the document"),
        (
            "from_start_0",
            "its place in the document (first paragraph)",
            "its place in the document",
        ),
        ("p_plan", "the paragraph read alone: probability of plan", "the paragraph alone"),
        ("word:加强", "its own word 加强", "its own words"),
        ("numbering_cn", "its shape (numbered, cn style)", "its shape"),
        ("bias", "every paragraph (bias)", "every paragraph"),
        ("加强 领导", "", "other"),
    ],
)
def test_readings_of_feature_names(attribute: str, reading: str, where: str) -> None:
    assert describe(attribute) == reading
    assert source(attribute) == where


def test_a_document_explanation_as_json_values() -> None:
    import json

    data = explain_document(REPORT)[3].to_dict(digits=4)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert (data["index"], data["label"], data["previous_state"]) == (3, "plan", "plan")
    assert set(data["scores"]) == set(STATES) and data["alone"]["label"] == "plan"


# ------------------------------------------------------------------------------- the API


def test_types_and_empty_input() -> None:
    assert isinstance(explain(PLAN), Explanation)
    assert all(isinstance(e, Explanation) for e in explain((SUMMARY, PLAN)))
    assert explain(np.array([SUMMARY]))[0] == explain(SUMMARY)
    assert explain([]) == [] and explain_document([]) == []
    assert all(isinstance(e, ContextExplanation) for e in explain_document(REPORT))


@pytest.mark.parametrize("function", [explain, explain_document])
def test_bad_input_fails_as_in_predict(function) -> None:
    name = function.__name__
    with pytest.raises(TypeError, match=r"^paragraph 1 is NoneType, not str$"):
        function([SUMMARY, None])
    with pytest.raises(ValueError, match=r"^paragraph 1 is blank$"):
        function([SUMMARY, "  \u3000\n"])
    with pytest.raises(TypeError, match=rf"^{name}\(\) takes a str or a sequence of str, not int$"):
        function(3)
    with pytest.raises(TypeError, match=rf"^{name}\(\) top must be a positive int or None, not "):
        function([SUMMARY], top=2.5)
    with pytest.raises(TypeError, match=rf"^{name}\(\) top must be a positive int or None, not "):
        function([SUMMARY], top=True)
    with pytest.raises(ValueError, match=rf"^{name}\(\) top must be a positive int or None, not 0"):
        function([SUMMARY], top=0)


def test_explain_document_refuses_raw_text() -> None:
    message = (
        r"^explain_document\(\) takes the paragraphs of one document as a sequence of str, "
        r"not a str \(use zongjie\.segment\(text\) to split raw text\)$"
    )
    with pytest.raises(TypeError, match=message):
        explain_document(SUMMARY)


def test_explanations_follow_the_loaded_model(tiny_model) -> None:
    # The same words weigh the opposite with the classifier's weights negated.
    flipped: Model = replace(
        tiny_model,
        classifier=replace(
            tiny_model.classifier,
            coef=-tiny_model.classifier.coef,
            intercept=-tiny_model.classifier.intercept,
        ),
    )
    mine = explain_paragraphs(tiny_model, [PLAN], top=None)[0].scores["plan"]
    theirs = explain_paragraphs(flipped, [PLAN], top=None)[0].scores["plan"]
    assert [(n, -v) for n, v in mine.top] == list(theirs.top)


STABLE = """
import json, sys
import zongjie
paragraphs = zongjie.segment(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps([e.to_dict() for e in zongjie.explain_document(paragraphs)], ensure_ascii=False))
"""


def test_the_same_explanation_in_every_process(tiny_model_path) -> None:
    # A paragraph's words reach the CRF as a set, iterated in an order that follows the
    # process's string hashing: neither the order of tied top terms nor the last bit of a sum
    # (the CRF's own state scores, hence the probabilities, included) may follow it.
    import subprocess
    import sys

    from conftest import SEEDS

    answers = [
        subprocess.run(
            [sys.executable, "-c", STABLE, str(SEEDS / "001_fc0c1e1a6d6d8450.txt")],
            env={"ZONGJIE_MODEL": str(tiny_model_path), "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert answers[0] == answers[1] == answers[2]
