"""Hyperparameter search with Optuna, over the Hydra config: the space is `suggest` below,
defined by run; conf/search/optuna.yaml holds the run's settings.

python scripts/search.py [search.n_trials=20] [data=seeds decoder.oof_folds=2 …]

hydra-optuna-sweeper would be the Hydra way, but it pins optuna<3, so Optuna is driven here
directly: each trial composes the config with its overrides, exactly as `python train.py KEY=VALUE`
would, and runs `zongjie.training.train`. Trials are runs nested under one MLflow parent run, opened
here, as a `train.py -m` sweep's jobs are under the one its callback opens; the objective is the
metric ``objective`` (see eval.objective). Trial 0 is the composed config. At the end the best
trial's config is trained in full (both evaluation schemes, model logged), its run registered as
the ``zongjie`` model (unless its model file is byte for byte the latest version's), and its
overrides printed.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from zongjie.tracking import Sweep, close_sweep, open_sweep, register_best
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


def suggest(trial: optuna.Trial) -> list[str]:
    """The search space, defined by run: the trial's choices as Hydra overrides, in the order
    suggested. Each parameter is named by the config key it overrides (``model`` is the config
    group); a key that depends on another is suggested under a plain ``if``. Every key must be
    one of the composed config's (tests/test_scripts.py checks it), and every categorical
    choice a value Hydra's override grammar reads back (a list as its text, ``"[1,2]"``)."""
    model = trial.suggest_categorical("model", ["logreg", "linear_svc", "complement_nb"])
    if model in ("logreg", "linear_svc"):
        trial.suggest_float("model.C", 0.25, 16.0, log=True)
    if model == "complement_nb":
        trial.suggest_float("model.alpha", 0.03, 1.0, log=True)
    if model in ("logreg", "linear_svc"):
        trial.suggest_categorical("model.class_weight", ["balanced", None])
    trial.suggest_categorical("features.ngram_range", ["[1,1]", "[1,2]", "[1,3]"])
    trial.suggest_int("features.min_df", 1, 4)
    trial.suggest_float("features.max_df", 0.5, 1.0)
    trial.suggest_categorical("features.sublinear_tf", [True, False])
    trial.suggest_categorical("features.cues", [True, False])
    trial.suggest_float("decoder.c1", 0.0, 0.5)
    trial.suggest_float("decoder.c2", 0.05, 10.0, log=True)
    if trial.suggest_categorical("decoder.words", ["rjieba", None]) is not None:
        trial.suggest_float("decoder.word_value", 0.1, 1.0, log=True)
    trial.suggest_int("decoder.weak_documents", 0, 16)
    trial.suggest_categorical("decoder.headless_copies", [True, False])
    trial.suggest_float("data.family_weights.national_gov", 0.1, 1.0)
    return [f"{key}={_override_value(value)}" for key, value in trial.params.items()]


class _DefaultTrial:
    """A stand-in for an Optuna trial that answers each of `suggest`'s questions with the
    config's own value, so that `suggest` itself says which keys trial 0 sets (its ``if``s
    follow the config's choices)."""

    def __init__(self, cfg: DictConfig) -> None:
        self.cfg = cfg
        self.params: dict[str, Any] = {}

    def _value(self, key: str) -> Any:
        if key == "model":
            value = self.cfg.model.name
        else:
            value = OmegaConf.select(self.cfg, key, throw_on_missing=True, default=KeyError)
            if value is KeyError:
                raise KeyError(f"search: {key} is not a key of the config")
        if OmegaConf.is_config(value):
            value = OmegaConf.to_container(value)
        return value

    def suggest_categorical(self, key: str, choices: Sequence[Any]) -> Any:
        value = self._value(key)
        for choice in choices:
            # A choice written as override text ("[1,2]") stands for the value it reads as.
            parsed = yaml.safe_load(choice) if isinstance(choice, str) else choice
            if parsed == value and type(parsed) is type(value):
                self.params[key] = choice
                return choice
        raise ValueError(
            f"search: the config's {key}={value!r} is not one of its choices {list(choices)}, "
            "so trial 0 could not be the default: add it"
        )

    def suggest_float(self, key: str, low: float, high: float, **kwargs: Any) -> float:
        self.params[key] = float(self._value(key))
        return self.params[key]

    def suggest_int(self, key: str, low: int, high: int, **kwargs: Any) -> int:
        self.params[key] = int(self._value(key))
        return self.params[key]


def defaults_of(cfg: DictConfig) -> dict[str, Any]:
    """The config's values of the keys `suggest` sets, as Optuna parameters: enqueued, they
    make trial 0 the config as composed (the default, to beat)."""
    trial = _DefaultTrial(cfg)
    suggest(trial)  # type: ignore[arg-type]
    return trial.params


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
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
    folder = ROOT / "multirun" / f"search-{stamp}"
    uri = base.mlflow.tracking_uri
    # One parent run; every trial's run, and the best config's, is started under it, as the
    # jobs of a `python train.py -m` sweep are (zongjie.tracking.SweepCallback).
    parent = open_sweep(uri, base.mlflow.experiment, str(folder), f"search {stamp}")
    try:
        cfg = _search(overrides, settings, base, folder, parent)
    except BaseException as error:
        status = "FAILED" if isinstance(error, Exception) else "KILLED"
        close_sweep(uri, parent, status, f"{type(error).__name__}: {error}")
        raise
    close_sweep(uri, parent)
    version = register_best(
        uri, cfg.mlflow.experiment, cfg.mlflow.registered_model, parent_run_id=parent
    )
    # The version the registry now serves: a new one, or the latest when it holds the very
    # same model file (register_best does not register a duplicate).
    print(f"models:/{version.name}/latest is version {version.version} (run {version.run_id})")


def _search(
    overrides: list[str], settings: DictConfig, base: DictConfig, folder: Path, parent: str
) -> DictConfig:
    """The trials, then the best trial's config trained in full; returns that config."""

    def objective(trial: optuna.Trial) -> float:
        choices = suggest(trial)
        trial.set_user_attr("overrides", choices)
        log.info("trial %d: %s", trial.number, " ".join(choices))
        cfg = _compose([*overrides, *settings.trial_overrides, *choices])
        sweep = Sweep(id=str(folder), parent_run_id=parent, job=trial.number)
        return train(cfg, sweep=sweep)["objective"]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(
        seed=settings.sampler_seed, n_startup_trials=settings.startup_trials
    )
    study = optuna.create_study(direction="maximize", sampler=sampler, study_name=folder.name)
    study.enqueue_trial(defaults_of(base))  # trial 0: the default, to beat
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

    # The best config, in full: every scheme, the model logged, the card.
    cfg = _compose(
        [
            *overrides,
            *best.user_attrs["overrides"],
            f"output.model_path={folder / Path(base.output.model_path or MODEL_NAME).name}",
        ]
    )
    train(cfg, sweep=Sweep(id=str(folder), parent_run_id=parent, job=len(study.trials)))
    return cfg


if __name__ == "__main__":
    main(sys.argv[1:])
