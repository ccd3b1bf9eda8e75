"""Hyperparameter search with Optuna, over the Hydra config (conf/search/optuna.yaml).

python scripts/search.py [search.n_trials=20] [data=seeds decoder.oof_folds=2 …]

hydra-optuna-sweeper would be the Hydra way, but it pins optuna<3, so Optuna is driven here
directly: each trial composes the config with its overrides, exactly as `python train.py KEY=VALUE`
would, and runs `zongjie.training.train`. Trials share one MLflow parent run; the objective is the
metric ``objective`` (see eval.objective). Trial 0 is the default config. At the end the best
trial's config is trained in full (both evaluation schemes, model logged), its run registered as
the ``zongjie`` model (unless its model file is byte for byte the latest version's), and its
overrides printed.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import optuna
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from zongjie.tracking import Sweep, register_best
from zongjie.training import MODEL_NAME, train

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("search")


def _compose(overrides: list[str]) -> DictConfig:
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def _override_value(value: Any) -> str:
    """A value as Hydra's override grammar reads it back."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}"  # readable, and finer than any difference the folds can tell
    return str(value)


def suggest(trial: optuna.Trial, space: dict[str, Any]) -> list[str]:
    """The trial's choices as Hydra overrides, in the order of `space`."""
    chosen: dict[str, Any] = {}
    for key, spec in space.items():
        condition = spec.get("if") or {}
        if any(
            str(chosen.get(other)) not in map(str, allowed) for other, allowed in condition.items()
        ):
            continue
        if "choices" in spec:
            value = trial.suggest_categorical(key, list(spec["choices"]))
        elif isinstance(spec["low"], int) and isinstance(spec["high"], int):
            value = trial.suggest_int(key, spec["low"], spec["high"], log=spec.get("log", False))
        else:
            low, high = float(spec["low"]), float(spec["high"])
            value = trial.suggest_float(key, low, high, log=spec.get("log", False))
        chosen[key] = value
    return [f"{key}={_override_value(value)}" for key, value in chosen.items()]


def defaults_of(cfg: DictConfig, space: dict[str, Any]) -> dict[str, Any]:
    """The default config's values of the searched keys, as Optuna parameters (to enqueue)."""
    values: dict[str, Any] = {}
    for key, spec in space.items():
        condition = spec.get("if") or {}
        if any(
            str(values.get(other)) not in map(str, allowed) for other, allowed in condition.items()
        ):
            continue
        value = OmegaConf.select(cfg, key)
        if key == "model":
            value = cfg.model.name
        if OmegaConf.is_config(value):
            value = OmegaConf.to_container(value)
        if "choices" in spec:
            text = lambda v: yaml.safe_dump(v, default_flow_style=True).strip()  # noqa: E731
            by_text = {text(yaml.safe_load(str(choice))): choice for choice in spec["choices"]}
            value = by_text.get(text(value), value)
            if value not in spec["choices"]:
                continue
        values[key] = value
    return values


def main(argv: list[str]) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )  # fmt: skip
    for noisy in ("jieba", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    own = [a for a in argv if a.startswith("search.")]
    overrides = [a for a in argv if not a.startswith("search.")]
    settings = _compose(["+search=optuna", *own]).search
    base = _compose(overrides)
    space = OmegaConf.to_container(settings.space)
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
    folder = ROOT / "multirun" / f"search-{stamp}"
    sweep_id = str(folder)

    def objective(trial: optuna.Trial) -> float:
        choices = suggest(trial, space)
        trial.set_user_attr("overrides", choices)
        log.info("trial %d: %s", trial.number, " ".join(choices))
        cfg = _compose([*overrides, *settings.trial_overrides, *choices])
        sweep = Sweep(id=sweep_id, name=f"search {stamp}", job=trial.number)
        return train(cfg, sweep=sweep)["objective"]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(
        seed=settings.sampler_seed, n_startup_trials=settings.startup_trials
    )
    study = optuna.create_study(direction="maximize", sampler=sampler, study_name=folder.name)
    study.enqueue_trial(defaults_of(base, space))  # trial 0: the default, to beat
    study.optimize(
        objective,
        n_trials=settings.n_trials,
        timeout=settings.timeout_minutes * 60,
        show_progress_bar=sys.stderr.isatty(),
        # A config the data cannot fit (linear_svc calibrated on folds with a single problem
        # paragraph) fails its trial, logged as a failed MLflow run; the search goes on.
        catch=(ValueError,),
    )
    default, best = study.trials[0], study.best_trial
    print(f"\n{len(study.trials)} trials; default objective {default.value:.4f}")
    print(f"best: trial {best.number}, objective {best.value:.4f}")
    print("best overrides: " + " ".join(best.user_attrs["overrides"]))

    # The best config, in full: every scheme, the model logged, the card, then the registry.
    cfg = _compose(
        [
            *overrides,
            *best.user_attrs["overrides"],
            f"output.model_path={folder / Path(base.output.model_path or MODEL_NAME).name}",
        ]
    )
    train(cfg, sweep=Sweep(id=sweep_id, name=f"search {stamp}", job=len(study.trials)))
    version = register_best(
        cfg.mlflow.tracking_uri, cfg.mlflow.experiment, cfg.mlflow.registered_model, sweep_id
    )
    # The version the registry now serves: a new one, or the latest when it holds the very
    # same model file (register_best does not register a duplicate).
    print(f"models:/{version.name}/latest is version {version.version} (run {version.run_id})")


if __name__ == "__main__":
    main(sys.argv[1:])
