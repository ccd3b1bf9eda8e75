"""Shared fixtures: paths to the real seed data and a tiny composed Hydra config."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw" / "seeds"
GOLD = ROOT / "data" / "labels" / "seed_gold.jsonl"
CORPORA = ROOT.parent / "shared" / "corpora"


# Two paragraphs of each label, three times over as three documents: enough to fit a model.
TINY_TEXTS = [
    "上半年共完成培训120人次,新建校舍3处。",
    "全年累计投入资金500万元,完成了目标任务。",
    "培训形式单一,针对性不强,仍有待改进。",
    "部分学校师资力量薄弱,发展不平衡。",
    "下半年将进一步加强领导,力争完成全年任务。",
    "明年要确保各项工作落到实处。",
] * 3
TINY_LABELS = ["summary", "summary", "problem", "problem", "plan", "plan"] * 3
TINY_DOC_IDS = ["a"] * 6 + ["b"] * 6 + ["c"] * 6


def fit_tiny(features: dict, model: dict | None = None):
    """A pipeline built from `features` and `model` (default: logreg), fitted on TINY_TEXTS."""
    from zongjie.models import build_pipeline, fit_pipeline

    pipeline = build_pipeline(features, model or {"name": "logreg"}, 0)
    return fit_pipeline(pipeline, TINY_TEXTS, TINY_LABELS, doc_ids=TINY_DOC_IDS)


@pytest.fixture(scope="session")
def seed_001() -> str:
    return (SEEDS / "001_fc0c1e1a6d6d8450.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_002() -> str:
    return (SEEDS / "002_354727535b141923.txt").read_text(encoding="utf-8")


def tiny_config(folder: Path, experiment: str = "test"):
    """The real config, composed by Hydra, shrunk to the seed documents and three folds, with
    MLflow (experiment `experiment`) and the model file in `folder`."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose(
            config_name="config",
            overrides=[
                "data=seeds",
                f"data.gold_path={GOLD}",
                "eval.n_splits=3",
                f"output.model_path={folder / 'model.skops'}",
                f"mlflow.tracking_uri=sqlite:///{folder / 'mlflow.db'}",
                f"mlflow.experiment={experiment}",
            ],
        )


@pytest.fixture
def tiny_cfg(tmp_path: Path):
    """`tiny_config` in the test's temporary folder."""
    return tiny_config(tmp_path)
