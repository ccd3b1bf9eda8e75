"""A training that fails leaves a FAILED MLflow run with the error, and re-raises it."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest


def test_a_failing_training_is_marked_failed_with_its_error(tiny_cfg, tmp_path) -> None:
    from zongjie.training import train

    tiny_cfg.data.gold_path = str(tmp_path / "missing.jsonl")
    with pytest.raises(FileNotFoundError):
        train(tiny_cfg)
    mlflow.set_tracking_uri(tiny_cfg.mlflow.tracking_uri)
    runs = mlflow.search_runs(experiment_names=["test"], output_format="list")
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FAILED"
    assert "missing.jsonl" in run.data.tags["error"]
    assert run.data.params["data.gold_path"].endswith("missing.jsonl")
    client = mlflow.MlflowClient()
    error_file = client.download_artifacts(run.info.run_id, "error.txt", str(tmp_path))
    text = Path(error_file).read_text(encoding="utf-8")
    assert "FileNotFoundError" in text and "Traceback" in text
