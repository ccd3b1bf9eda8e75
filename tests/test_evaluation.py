"""Grouped evaluation: splits that never put one group on both sides, out-of-split predictions
on four tracks, and metrics per family with exact numbers on a hand-made example."""

from __future__ import annotations

import math

import pytest

from zongjie.decoding import headless_indices
from zongjie.document import Document
from zongjie.evaluation import Predictions, evaluate, objective, report, scores, splits

from conftest import ROOT


def _document(doc_id: str, family: str, group: str) -> Document:
    return Document(doc_id, family, group, ("完成了。",), ("summary",))


DOCUMENTS = [
    _document("a1", "personal", "alice"),
    _document("b1", "personal", "bob"),
    _document("a2", "personal", "alice"),
    _document("s1", "institutional", "seed-1"),
    _document("g1", "national_gov", "state-council"),
    _document("g2", "national_gov", "state-council"),
]


def test_leave_one_source_out_never_splits_a_group() -> None:
    result = splits(DOCUMENTS, "source")
    assert [(name, test) for name, _, test in result] == [
        ("alice", [0, 2]),
        ("bob", [1]),
        ("seed-1", [3]),
        ("state-council", [4, 5]),
    ]
    for _, train, test in result:
        assert sorted(train + test) == list(range(len(DOCUMENTS)))
        assert not {DOCUMENTS[i].group for i in train} & {DOCUMENTS[i].group for i in test}


def test_leave_one_family_out() -> None:
    result = splits(DOCUMENTS, "family")
    assert [(name, train, test) for name, train, test in result] == [
        ("institutional", [0, 1, 2, 4, 5], [3]),
        ("national_gov", [0, 1, 2, 3], [4, 5]),
        ("personal", [3, 4, 5], [0, 1, 2]),
    ]


def test_a_scheme_with_one_group_has_no_split_and_unknown_schemes_are_named() -> None:
    assert splits(DOCUMENTS[:1], "source") == []
    with pytest.raises(
        ValueError, match=r"^eval\.schemes: 'genre' is not one of \('source', 'family'\)$"
    ):
        splits(DOCUMENTS, "genre")


def _hand_made() -> Predictions:
    predictions = Predictions()
    for truth, predicted in [
        ("summary", "summary"),
        ("summary", "plan"),
        ("problem", "problem"),
        ("plan", "plan"),
    ]:
        predictions.add("isolated", truth, predicted, "institutional", "d1")
    for truth, predicted in [("plan", "plan"), ("problem", "summary")]:
        predictions.add("isolated", truth, predicted, "personal", "d2")
    for truth, predicted in [
        ("null", "null"),
        ("summary", "null"),
        ("null", "summary"),
        ("plan", "plan"),
    ]:
        predictions.add("document", truth, predicted, "institutional", "d1")
    for truth, predicted in [("summary", "summary"), ("plan", "missing"), ("problem", "problem")]:
        predictions.add("raw", truth, predicted, "institutional", "d1")
    return predictions


def test_metrics_of_a_hand_made_example() -> None:
    metrics = _hand_made().metrics(prefix="source_")
    expected = {
        # summary P 1 R 1/2, problem 1, plan P 1/2 R 1
        "source_isolated_institutional_macro_f1": 7 / 9,
        "source_isolated_institutional_f1_summary": 2 / 3,
        "source_isolated_institutional_f1_problem": 1.0,
        "source_isolated_institutional_f1_plan": 2 / 3,
        # the problem called a summary: summary and problem both 0
        "source_isolated_personal_macro_f1": 1 / 3,
        "source_isolated_personal_f1_summary": 0.0,
        "source_isolated_personal_f1_problem": 0.0,
        "source_isolated_personal_f1_plan": 1.0,
        "source_isolated_family_mean_macro_f1": 5 / 9,  # each family counts once
        # only labelled paragraphs are scored: a summary called null is a miss
        "source_document_institutional_macro_f1": 1 / 3,
        "source_document_institutional_f1_summary": 0.0,
        "source_document_institutional_f1_problem": 0.0,
        "source_document_institutional_f1_plan": 1.0,
        "source_document_family_mean_macro_f1": 1 / 3,
        "source_document_null_precision": 0.5,
        "source_document_null_recall": 0.5,
        # a gold paragraph segment did not reproduce is wrong
        "source_raw_institutional_macro_f1": 2 / 3,
        "source_raw_institutional_f1_summary": 1.0,
        "source_raw_institutional_f1_problem": 1.0,
        "source_raw_institutional_f1_plan": 0.0,
        "source_raw_family_mean_macro_f1": 2 / 3,
        "source_raw_matched_share": 2 / 3,
    }
    assert metrics == pytest.approx(expected, abs=1e-12)
    assert sorted(metrics) == sorted(expected)


def test_predictions_extend_and_subset() -> None:
    merged = Predictions()
    merged.extend(_hand_made())
    merged.extend(_hand_made())
    truth, predicted = merged.subset("document")
    assert truth == ["summary", "plan"] * 2 and predicted == ["null", "plan"] * 2
    assert merged.subset("isolated", "personal") == (
        ["plan", "problem"] * 2,
        ["plan", "summary"] * 2,
    )
    assert merged.metrics() == pytest.approx(_hand_made().metrics())


def test_scores_and_report() -> None:
    assert scores(["summary", "plan", "problem"], ["summary", "null", "problem"]) == pytest.approx(
        {"macro_f1": 2 / 3, "f1_summary": 1.0, "f1_problem": 1.0, "f1_plan": 0.0}
    )
    text, matrix = report(["summary", "plan", "plan"], ["summary", "null", "missing"])
    assert matrix.tolist() == [[1, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 1]]
    assert "summary" in text and "macro avg" in text


def test_evaluate_predicts_each_document_once_with_a_model_that_never_saw_its_group(
    seed_documents, tiny_model
) -> None:
    trained_on: list[set[str]] = []

    def fit(documents):
        trained_on.append({d.group for d in documents})
        return tiny_model  # stands for a model fitted on `documents`

    scheme_splits = splits(seed_documents, "source")
    predictions = evaluate(seed_documents, scheme_splits, fit, ROOT)
    assert len(trained_on) == len(seed_documents) == 11
    for groups, (name, _, _) in zip(trained_on, scheme_splits, strict=True):
        assert name not in groups and len(groups) == 10
    labelled = sum(x is not None for d in seed_documents for x in d.labels)
    assert len(predictions.truth["isolated"]) == len(predictions.truth["raw"]) == labelled == 237
    assert len(predictions.truth["document"]) == 241  # every paragraph: nulls are scored too
    headless = sum(
        d.labels[i] is not None
        for d in seed_documents
        for i in headless_indices(d.paragraphs, tiny_model.lexicon)
    )
    assert len(predictions.truth["headless"]) == headless
    assert 0 < headless < labelled
    assert predictions.documents["isolated"][:2] == ["seed-001", "seed-001"]
    assert "missing" not in predictions.predicted["raw"]  # segment reproduces the seeds
    metrics = predictions.metrics()
    assert metrics["raw_matched_share"] == 1.0
    # The tiny model was fitted on these very documents: it gets them right.
    assert metrics["document_institutional_macro_f1"] == 1.0


@pytest.mark.slow
def test_parallel_evaluation_gives_the_same_predictions(seed_documents, tiny_model) -> None:
    scheme_splits = splits(seed_documents, "source")[:4]
    one = evaluate(seed_documents, scheme_splits, lambda _: tiny_model, ROOT, n_jobs=1)
    two = evaluate(seed_documents, scheme_splits, lambda _: tiny_model, ROOT, n_jobs=2)
    assert one == two


def test_objective_is_the_mean_of_the_family_means_of_its_tracks() -> None:
    metrics = {
        "family_isolated_family_mean_macro_f1": 0.5,
        "family_document_family_mean_macro_f1": 0.9,
        "family_raw_family_mean_macro_f1": 0.7,
        "source_isolated_family_mean_macro_f1": 0.1,  # another scheme: not used
        "family_isolated_personal_macro_f1": 0.0,  # one family alone: not used
    }
    assert objective(metrics, "family", ["isolated", "document"]) == pytest.approx(0.7)
    assert objective(
        metrics, "family", ["isolated", "document", "headless", "raw"]
    ) == pytest.approx(0.7)
    assert math.isnan(objective(metrics, "source", ["raw"]))
