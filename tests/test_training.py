"""End to end on a tiny config: grouped CV, the saved pipeline, the MLflow run, the Hydra entry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zongjie.corpus import read_seeds
from zongjie.evaluation import evaluate, grouped_folds, labelled
from zongjie.models import DocumentClassifier, build_pipeline, fit_pipeline, proba_in_label_order
from zongjie.persistence import load_model_file, load_pipeline
from zongjie.training import (
    CARD_NAME,
    genre_balance,
    load_documents,
    objective,
    sentences,
    train,
)

from conftest import GOLD, ROOT


def test_folds_never_split_a_document() -> None:
    documents = read_seeds(GOLD)
    folds = grouped_folds(documents, n_splits=3, seed=0)
    tested = [i for _, test in folds for i in test]
    assert sorted(tested) == list(range(len(documents)))  # each document tested exactly once
    for train_idx, test_idx in folds:
        assert not set(train_idx) & set(test_idx)
    predictions = evaluate(
        documents,
        folds,
        lambda: build_pipeline({"kind": "char", "min_df": 1}, {"name": "complement_nb"}, 0),
        lambda pipeline, docs: fit_pipeline(
            pipeline, *labelled(docs)[:2], doc_ids=labelled(docs)[2]
        ),
        raw_root=ROOT,
    )
    n_labelled = len(labelled(documents)[0])
    assert len(predictions.truth["isolated"]) == len(predictions.truth["document"]) == n_labelled
    assert len(predictions.truth["raw"]) == n_labelled  # every paragraph found again by text
    assert 0 < len(predictions.truth["headless"]) < n_labelled


def test_train_end_to_end(tiny_cfg) -> None:
    import mlflow

    metrics = train(tiny_cfg)
    for key in (
        "isolated_macro_f1",
        "isolated_f1_problem",
        "document_macro_f1",
        "isolated_work_report_macro_f1",
    ):
        assert 0.0 <= metrics[key] <= 1.0
    model = load_pipeline(Path(tiny_cfg.output.model_path))
    assert proba_in_label_order(model, ["下半年将重点做好以下工作:"]).shape == (1, 3)

    mlflow.set_tracking_uri(tiny_cfg.mlflow.tracking_uri)
    runs = mlflow.search_runs(experiment_names=["test"], output_format="list")
    assert len(runs) == 1
    run = runs[0]
    assert run.data.params["model.name"] == "logreg"
    assert run.data.params["features.kind"] == "word"
    assert run.data.params["eval.n_splits"] == "3"
    assert run.data.metrics["isolated_macro_f1"] == pytest.approx(metrics["isolated_macro_f1"])
    client = mlflow.MlflowClient()
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"config.yaml", "confusion_matrix.png", "classification_report.txt"} <= artifacts
    logged = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    assert list(logged.predict(["下半年将重点做好以下工作:", "二、存在问题"])) == [
        "plan",
        "problem",
    ]
    info = mlflow.models.get_model_info(f"runs:/{run.info.run_id}/model")
    assert info.signature is not None and info.saved_input_example_info is not None


def test_same_config_same_metrics(tiny_cfg) -> None:
    tiny_cfg.mlflow.log_model = False
    assert train(tiny_cfg) == train(tiny_cfg)


def test_train_py_with_overrides(tmp_path) -> None:
    model_path = tmp_path / "svc.skops"
    result = subprocess.run(
        [
            sys.executable,
            "train.py",
            "model=linear_svc",
            "features.ngram_range=[1,3]",
            "data=seeds",
            "eval.n_splits=3",
            f"output.model_path={model_path}",
            f"mlflow.tracking_uri=sqlite:///{tmp_path / 'mlflow.db'}",
            "mlflow.log_model=false",
            f"hydra.run.dir={tmp_path / 'hydra'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    classifier = load_pipeline(model_path).named_steps["classifier"]
    assert type(classifier.estimator_).__name__ == "CalibratedClassifierCV"


def test_objective_counts_each_genre_equally() -> None:
    metrics = {
        "isolated_work_report_macro_f1": 0.5,
        "isolated_gwr_macro_f1": 0.9,
        "document_work_report_macro_f1": 1.0,
        "document_gwr_macro_f1": 1.0,
        "isolated_macro_f1": 0.88,  # dominated by the larger genre: not used
    }
    assert objective(metrics, ["isolated", "document"], ["gwr", "work_report"]) == 0.85
    assert objective({"isolated_macro_f1": 0.7}, ["isolated"], []) == 0.7


def test_fit_only_evaluate_only_and_the_model_card(tiny_cfg, tmp_path) -> None:
    tiny_cfg.mlflow.enabled = False
    tiny_cfg.eval.enabled = False  # fit only
    assert train(tiny_cfg) == {}
    model_path = Path(tiny_cfg.output.model_path)
    card_path = model_path.parent / CARD_NAME
    assert model_path.is_file() and not card_path.exists()
    model_path.unlink()

    tiny_cfg.eval.enabled = True  # evaluate only: DVC's evaluate stage
    tiny_cfg.output.save_model = False
    tiny_cfg.eval.reports_dir = str(tmp_path / "reports")
    metrics = train(tiny_cfg)
    assert not model_path.exists() and not card_path.exists()
    reports = tmp_path / "reports"
    written = json.loads((reports / "metrics.json").read_text())
    assert written["objective"] == pytest.approx(metrics["objective"])
    rows = (reports / "confusion_isolated.csv").read_text().splitlines()
    assert rows[0] == "actual,predicted" and len(rows) == 1 + 237
    assert (reports / "confusion_matrix.png").stat().st_size > 1000

    tiny_cfg.output.save_model = True  # both, as `python train.py` and DVC's train stage
    tiny_cfg.eval.reports_dir = None
    assert train(tiny_cfg) == metrics
    card = card_path.read_text(encoding="utf-8")
    assert "| isolated | all |" in card and "## Known limits" in card
    assert f"{metrics['isolated_f1_plan']:.3f}" in card


def test_prepared_data_gives_the_same_model_file(tiny_cfg, tmp_path) -> None:
    """DVC's stages read the prepared file: the model file must not tell the difference."""
    from omegaconf import open_dict

    from zongjie.training import write_prepared

    tiny_cfg.mlflow.enabled = False
    tiny_cfg.eval.genre_holdout = False
    direct = train(tiny_cfg)
    first = load_model_file(Path(tiny_cfg.output.model_path))
    prepared = tmp_path / "paragraphs.jsonl"
    write_prepared(load_documents(tiny_cfg.data), prepared)
    with open_dict(tiny_cfg):
        tiny_cfg.data.prepared_path = str(prepared)
    assert train(tiny_cfg) == direct
    second = load_model_file(Path(tiny_cfg.output.model_path))
    assert second.metadata["config_hash"] == first.metadata["config_hash"]
    assert second.metadata["metrics"] == first.metadata["metrics"]
    texts = ["下半年将重点做好以下工作:", "存在的问题", "上半年共培训干部560人次。"]
    assert (second.pipeline.predict_proba(texts) == first.pipeline.predict_proba(texts)).all()


def test_sweep_is_one_parent_run_and_registers_its_best(tmp_path) -> None:
    import mlflow
    from omegaconf import OmegaConf

    default_model = ROOT / OmegaConf.load(ROOT / "conf" / "config.yaml").output.model_path
    before = default_model.stat().st_mtime_ns if default_model.exists() else None
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "train.py",
            "-m",
            "model=logreg,complement_nb",
            "data=seeds",
            "eval.n_splits=3",
            f"mlflow.tracking_uri={uri}",
            f"hydra.sweep.dir={tmp_path / 'multirun'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # Each job wrote its model into its own folder, never over the default model.
    assert (tmp_path / "multirun" / "0" / default_model.name).is_file()
    assert (tmp_path / "multirun" / "1" / default_model.name).is_file()
    after = default_model.stat().st_mtime_ns if default_model.exists() else None
    assert after == before

    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient(uri)
    runs = mlflow.search_runs(experiment_names=["zongjie"], output_format="list")
    parents = [r for r in runs if r.data.tags.get("zongjie.role") == "sweep"]
    jobs = [r for r in runs if r.data.tags.get("zongjie.role") == "job"]
    assert len(parents) == 1 and len(jobs) == 2
    parent = parents[0]
    assert {r.data.tags["mlflow.parentRunId"] for r in jobs} == {parent.info.run_id}
    assert {r.data.tags["zongjie.sweep"] for r in jobs} == {parent.data.tags["zongjie.sweep"]}
    assert {r.data.params["model.name"] for r in jobs} == {"logreg", "complement_nb"}
    best = max(jobs, key=lambda r: r.data.metrics["objective"])
    assert parent.data.metrics["best_objective"] == pytest.approx(best.data.metrics["objective"])
    versions = client.search_model_versions("name = 'zongjie'")
    assert [v.run_id for v in versions] == [best.info.run_id]


def test_genre_balance_gives_every_label_the_same_weight_within_a_genre() -> None:
    labels = ["summary"] * 6 + ["plan"] * 2 + ["summary", "plan", "plan", "problem"]
    genres = ["work_report"] * 8 + ["gwr"] * 4
    weights = genre_balance(labels, genres)
    for genre in ("work_report", "gwr"):
        totals = {}
        for label, g, w in zip(labels, genres, weights, strict=True):
            if g == genre:
                totals[label] = totals.get(label, 0.0) + w
        assert len(set(round(t, 9) for t in totals.values())) == 1
        assert sum(totals.values()) == pytest.approx(genres.count(genre))


def test_sentences_of_a_paragraph() -> None:
    paragraph = "1、源头参与力度不断加大。确立了教代会在学校领导体制中的地位;坚持了评议。"
    assert sentences(paragraph) == [
        "1、源头参与力度不断加大。",
        "确立了教代会在学校领导体制中的地位;",
    ]
    assert sentences("9、做好困难教职工的调查摸底工作,建立流动档案;") == []  # one sentence


def test_sentence_copies_teach_no_reading_order() -> None:
    labels = ["summary", "plan", "plan", "summary", "summary"]
    with_copies = DocumentClassifier(smoothing=1.0)
    with_copies._learn_order(labels, ["a", "a", "a", None, None])
    alone = DocumentClassifier(smoothing=1.0)
    alone._learn_order(labels[:3], ["a", "a", "a"])
    np.testing.assert_array_equal(with_copies.transitions_, alone.transitions_)
    np.testing.assert_array_equal(with_copies.start_, alone.start_)
