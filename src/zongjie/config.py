"""The composed training config, checked before anything runs: every key the code reads has the
type and range it needs, so a wrong override (``features.ngram_range=abc``) fails at once,
naming the key, instead of deep inside a fit minutes later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf

from zongjie.checks import (
    Check,
    boolean,
    integer,
    is_int,
    is_number,
    list_of,
    number,
    one_of,
    optional,
    text,
)
from zongjie.document import FAMILIES

__all__ = ["check_config", "checked_keys"]


def ngram_range(value: Any) -> str | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(is_int(n) for n in value)
        and 1 <= value[0] <= value[1]
    ):
        return None
    return "[low, high]: two whole numbers with 1 ≤ low ≤ high"


def document_frequency(value: Any) -> str | None:
    if is_int(value) and value >= 1:
        return None
    if isinstance(value, float) and 0.0 < value <= 1.0:
        return None
    return "a count ≥ 1 or a share in (0, 1]"


def family_weights(value: Any) -> str | None:
    if (
        isinstance(value, dict)
        and set(value) >= set(FAMILIES)
        and all(is_number(w) and w >= 0 for w in value.values())
    ):
        return None
    return f"a number ≥ 0 for each family ({', '.join(FAMILIES)})"


def gold_corpora(value: Any) -> str | None:
    if isinstance(value, dict) and all(family in FAMILIES for family in value.values()):
        return None
    return f"folder: family pairs, each family one of {', '.join(FAMILIES)}"


def _tokenizers() -> tuple[str, ...]:
    from zongjie.text import TOKENIZERS

    return tuple(sorted(TOKENIZERS))


def _checks(config: Mapping[str, Any]) -> dict[str, Check]:
    from zongjie.classifier import CLASSIFIERS, PARAMETERS
    from zongjie.evaluation import SCHEMES, TRACKS

    tokenizers = _tokenizers()
    checks: dict[str, Check] = {
        "seed": integer(0),
        "data.seeds_gold": text,
        "data.seeds_family": one_of(*FAMILIES),
        "data.raw_root": text,
        "data.use_corpora": boolean,
        "data.corpora_dir": text,
        "data.gold_corpora": gold_corpora,
        "data.national.use": boolean,
        "data.national.min_year": integer(),
        "data.national.max_year": integer(),
        "data.family_weights": family_weights,
        "data.prepared_path": optional(text),
        "features.kind": text,  # the feature set's name (word, char), recorded with the model
        "features.tokenizer": one_of(*tokenizers),
        "features.ngram_range": ngram_range,
        "features.min_df": document_frequency,
        "features.max_df": document_frequency,
        "features.max_features": optional(integer(1)),
        "features.sublinear_tf": boolean,
        "features.stop_words": list_of(text),
        "features.cues": boolean,
        "features.lexicon": optional(text),
        "model.name": one_of(*CLASSIFIERS),
        "decoder.name": one_of("crf"),
        "decoder.c1": number(),
        "decoder.c2": number(),
        "decoder.max_iterations": integer(1),
        "decoder.epsilon": number(strict=True),
        "decoder.headless_copies": boolean,
        "decoder.weak_documents": integer(0),
        "decoder.words": optional(one_of(*tokenizers)),
        "decoder.word_value": number(strict=True),
        "decoder.oof_folds": integer(2),
        "eval.enabled": boolean,
        "eval.schemes": list_of(text, SCHEMES),
        "eval.n_jobs": integer(1),
        "eval.objective.scheme": one_of(*SCHEMES),
        "eval.objective.tracks": list_of(text, TRACKS),
        "eval.reports_dir": optional(text),
        "output.model_path": optional(text),
        "output.save_model": boolean,
        "mlflow.enabled": boolean,
        "mlflow.tracking_uri": text,
        "mlflow.experiment": text,
        "mlflow.run_name": text,
        "mlflow.log_model": boolean,
        "mlflow.registered_model": text,
        "mlflow.register_best": boolean,
    }
    # The classifier's own settings, as its module declares them: those of the one chosen.
    model = _get(config, "model.name")
    for key, check in PARAMETERS.get(model, {}).items():
        checks[f"model.{key}"] = check
    return checks


_MISSING = object()


def _get(config: Mapping[str, Any], key: str) -> Any:
    value: Any = config
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def checked_keys(config: Mapping[str, Any]) -> list[str]:
    """The keys `check_config` checks in `config` (a plain composed config): every key the
    training reads."""
    return list(_checks(config))


def check_config(cfg: DictConfig | Mapping[str, Any]) -> None:
    """Raise ValueError naming every key of `cfg` that the training code reads and that is
    missing or of the wrong type or range, with what it must be and what it is."""
    config = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    problems = []
    for key, check in _checks(config).items():
        value = _get(config, key)
        if value is _MISSING:
            problems.append(f"{key} is missing")
        elif (expected := check(value)) is not None:
            problems.append(f"{key} must be {expected}, not {value!r}")
    if problems:
        raise ValueError("bad config: " + "; ".join(problems))
