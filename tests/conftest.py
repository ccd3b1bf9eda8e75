"""Shared fixtures: paths to the real seed data and a tiny composed Hydra config."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw" / "seeds"
GOLD = ROOT / "data" / "labels" / "seed_gold.jsonl"
CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def seed_001() -> str:
    return (SEEDS / "001_fc0c1e1a6d6d8450.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_002() -> str:
    return (SEEDS / "002_354727535b141923.txt").read_text(encoding="utf-8")


@pytest.fixture
def tiny_cfg(tmp_path: Path):
    """The real config, composed by Hydra, shrunk to the seed documents and three folds, with
    MLflow and the model file in a temporary folder."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=[
                "data=seeds",
                f"data.gold_path={GOLD}",
                "eval.n_splits=3",
                f"output.model_path={tmp_path / 'model.skops'}",
                f"mlflow.tracking_uri=sqlite:///{tmp_path / 'mlflow.db'}",
                "mlflow.experiment=test",
            ],
        )
    return cfg
