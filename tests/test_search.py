"""The Optuna search (scripts/search.py): the space becomes Hydra overrides, trial 0 is the
default config, and a tiny search logs one parent run and registers its best trial."""

from __future__ import annotations

import subprocess
import sys

import optuna
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from conftest import GOLD, ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import search

sys.path.remove(str(ROOT / "scripts"))


def _compose(overrides: list[str]):
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def test_space_becomes_overrides_hydra_accepts() -> None:
    space = OmegaConf.to_container(_compose(["+search=optuna"]).search.space)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(12):
        trial = study.ask()
        overrides = search.suggest(trial, space)
        cfg = _compose(overrides)  # raises if an override does not fit the config
        model = cfg.model.name
        assert ("model.C" in trial.params) == (model in ("logreg", "linear_svc"))
        assert ("model.alpha" in trial.params) == (model == "complement_nb")
        study.tell(trial, 0.0)


def test_values_read_back_by_hydra() -> None:
    assert search._override_value(None) == "null"
    assert search._override_value(True) == "true"
    assert search._override_value(0.123456789) == "0.1235"
    cfg = _compose(["model.class_weight=null", "features.ngram_range=[1,3]"])
    assert cfg.model.class_weight is None and list(cfg.features.ngram_range) == [1, 3]


def test_trial_zero_is_the_default() -> None:
    cfg = _compose([])
    space = OmegaConf.to_container(_compose(["+search=optuna"]).search.space)
    defaults = search.defaults_of(cfg, space)
    assert defaults["model"] == cfg.model.name
    assert defaults["model.C"] == cfg.model.C
    assert defaults["features.ngram_range"] == "[1,2]"
    assert "model.alpha" not in defaults  # conditional on complement_nb


@pytest.mark.parametrize("trials", [2])
def test_tiny_search_registers_its_best(tmp_path, trials) -> None:
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "scripts/search.py",
            f"search.n_trials={trials}",
            "data=seeds",
            f"data.gold_path={GOLD}",
            "eval.n_splits=3",
            f"mlflow.tracking_uri={uri}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "best overrides:" in result.stdout
    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=["zongjie"], output_format="list")
    roles = sorted(r.data.tags.get("zongjie.role") for r in runs)
    assert roles == ["job"] * (trials + 1) + ["sweep"]  # the trials, the full best, the parent
    versions = mlflow.MlflowClient().search_model_versions("name = 'zongjie'")
    assert len(versions) == 1
