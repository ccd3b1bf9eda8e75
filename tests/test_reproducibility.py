"""The same config and data give the same metrics and the same model, run after run."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zongjie.labels import load_gold
from zongjie.models import proba_in_label_order
from zongjie.persistence import load_pipeline

from conftest import GOLD


def test_two_trainings_give_identical_metrics_and_predictions(tiny_cfg, tmp_path) -> None:
    from zongjie.training import train

    tiny_cfg.mlflow.log_model = False
    tiny_cfg.eval.genre_holdout = False
    results = []
    for run in ("first", "second"):
        tiny_cfg.output.model_path = str(tmp_path / run / "model.skops")
        metrics = train(tiny_cfg)
        results.append((metrics, load_pipeline(Path(tiny_cfg.output.model_path))))
    (metrics_a, model_a), (metrics_b, model_b) = results
    assert metrics_a == metrics_b
    paragraphs = [p for d in load_gold(GOLD) for p in d.paragraphs]
    np.testing.assert_array_equal(
        proba_in_label_order(model_a, paragraphs), proba_in_label_order(model_b, paragraphs)
    )
