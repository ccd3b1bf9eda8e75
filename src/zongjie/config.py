"""The composed training config, checked before anything runs: every key the code reads has the
type and range it needs, so a wrong override (``features.ngram_range=abc``) fails at once,
naming the key, instead of deep inside a fit minutes later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf

from zongjie.document import FAMILIES

__all__ = ["check_config"]

# A check takes a value and returns None when it fits, else what the key must be.
Check = Callable[[Any], str | None]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "a non-empty string"


def optional(check: Check) -> Check:
    def optional_check(value: Any) -> str | None:
        return None if value is None else (f"null or {what}" if (what := check(value)) else None)

    return optional_check


def integer(low: int | None = None) -> Check:
    def integer_check(value: Any) -> str | None:
        if _is_int(value) and (low is None or value >= low):
            return None
        return "a whole number" + (f" ≥ {low}" if low is not None else "")

    return integer_check


def number(low: float = 0.0, strict: bool = False) -> Check:
    def number_check(value: Any) -> str | None:
        if _is_number(value) and (value > low if strict else value >= low):
            return None
        return f"a number {'>' if strict else '≥'} {low:g}"

    return number_check


def one_of(*choices: Any) -> Check:
    def one_of_check(value: Any) -> str | None:
        return None if value in choices else f"one of {', '.join(map(repr, choices))}"

    return one_of_check


def list_of(check: Check, allowed: tuple[Any, ...] | None = None) -> Check:
    def list_check(value: Any) -> str | None:
        if (
            isinstance(value, list)
            and not any(check(item) for item in value)
            and (allowed is None or all(item in allowed for item in value))
        ):
            return None
        items = f"one of {', '.join(map(repr, allowed))}" if allowed else check(None)
        return f"a list, each item {items}"

    return list_check


def ngram_range(value: Any) -> str | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(_is_int(n) for n in value)
        and 1 <= value[0] <= value[1]
    ):
        return None
    return "[low, high]: two whole numbers with 1 ≤ low ≤ high"


def document_frequency(value: Any) -> str | None:
    if _is_int(value) and value >= 1:
        return None
    if isinstance(value, float) and 0.0 < value <= 1.0:
        return None
    return "a count ≥ 1 or a share in (0, 1]"


def family_weights(value: Any) -> str | None:
    if (
        isinstance(value, dict)
        and set(value) >= set(FAMILIES)
        and all(_is_number(w) and w >= 0 for w in value.values())
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
    from zongjie.classifier import CLASSIFIERS
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
        "decoder.c1": number(),
        "decoder.c2": number(),
        "decoder.max_iterations": integer(1),
        "decoder.epsilon": number(strict=True),
        "decoder.headless_copies": boolean,
        "decoder.weak_documents": integer(0),
        "decoder.words": optional(one_of(*tokenizers)),
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
    # The classifier's own settings: those of the one chosen.
    model = _get(config, "model.name")
    if model in ("logreg", "linear_svc"):
        checks["model.C"] = number(strict=True)
        checks["model.class_weight"] = optional(one_of("balanced"))
        checks["model.tol"] = number(strict=True)
    if model == "logreg":
        checks["model.max_iter"] = integer(1)
    if model == "linear_svc":
        checks["model.calibration_folds"] = integer(2)
    if model == "complement_nb":
        checks["model.alpha"] = number()
    return checks


_MISSING = object()


def _get(config: Mapping[str, Any], key: str) -> Any:
    value: Any = config
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


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
