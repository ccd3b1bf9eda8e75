"""The composed config (`zongjie.config`): every option of every group of conf/ composes, passes
the check and fits; a wrong override is refused, naming its key, before anything runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zongjie.config import check_config
from zongjie.dataset import read_seeds, write_prepared
from zongjie.persistence import load_model_file
from zongjie.training import train

from conftest import GOLD, ROOT, compose_config, tiny_config

# Every option of every config group, read from conf/ itself: a new option is tested the
# moment it is added. (search/ configures scripts/search.py, not a training.)
GROUPS = ("data", "features", "model", "decoder")
OPTIONS = [
    f"{group}={path.stem}"
    for group in GROUPS
    for path in sorted((ROOT / "conf" / group).glob("*.yaml"))
]


def test_the_options_are_read_from_conf() -> None:
    assert {"data=default", "data=seeds", "data=prepared", "features=word", "features=char"} <= set(
        OPTIONS
    )
    assert {"model=logreg", "model=linear_svc", "model=complement_nb", "decoder=crf"} <= set(
        OPTIONS
    )


@pytest.mark.parametrize("option", OPTIONS)
def test_every_option_composes_and_passes_the_check(option: str) -> None:
    from omegaconf import OmegaConf

    cfg = compose_config([option])
    check_config(cfg)
    group, name = option.split("=")
    # The option's own values are the composed ones (over any option it extends).
    own = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / group / f"{name}.yaml"))
    own.pop("defaults", None)
    composed = OmegaConf.to_container(cfg[group], resolve=False)
    assert {key: composed[key] for key in own} == own


def _leaves(node: dict, prefix: str = "") -> list[str]:
    # Mappings whose keys are data (folders, families) are one value each.
    return [
        leaf
        for key, value in node.items()
        for leaf in (
            _leaves(value, f"{prefix}{key}.")
            if isinstance(value, dict) and key not in ("gold_corpora", "family_weights")
            else [f"{prefix}{key}"]
        )
    ]


@pytest.mark.parametrize("option", OPTIONS)
def test_every_key_of_every_option_is_checked(option: str) -> None:
    """The check reads the config strictly: no key goes unchecked, and none it reads is
    missing (hydra's own and the search's settings aside)."""
    from omegaconf import OmegaConf

    from zongjie.config import checked_keys

    config = OmegaConf.to_container(compose_config([option]), resolve=True)
    config.pop("hydra", None)
    assert sorted(_leaves(config)) == sorted(checked_keys(config))


@pytest.mark.slow
@pytest.mark.parametrize("option", OPTIONS)
def test_every_option_fits_a_model_that_predicts(option: str, tmp_path: Path) -> None:
    """Each option on a small set, the eleven seed reports, fitted without evaluation or
    MLflow (fewer leave linear_svc's calibration folds without two plans)."""
    gold = GOLD
    data = [f"data.seeds_gold={gold}", "data.use_corpora=false"]
    if option == "data=prepared":
        prepared = tmp_path / "paragraphs.jsonl"
        write_prepared(read_seeds(gold), prepared)
        data.append(f"data.prepared_path={prepared}")
    cfg = tiny_config(tmp_path, extra=[option, *data, "eval.enabled=false", "mlflow.enabled=false"])
    assert train(cfg) == {}
    model = load_model_file(Path(cfg.output.model_path))
    # Read back on the documents it was fitted on, the model gives (nearly) their labels: the
    # option's parts were all fitted and exported, not left at their defaults.
    right = total = 0
    for document in read_seeds(gold):
        labels = model.document_labels(model.document_states(list(document.paragraphs)))
        right += sum(a == b for a, b in zip(labels, document.labels, strict=True))
        total += len(labels)
    assert right / total >= 0.9, f"{right} of {total}"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "features.ngram_range=abc",
            "features.ngram_range must be [low, high]: two whole numbers with 1 ≤ low ≤ high, "
            "not 'abc'",
        ),
        (
            "features.ngram_range=[2,1]",
            "features.ngram_range must be [low, high]: two whole numbers with 1 ≤ low ≤ high, "
            "not [2, 1]",
        ),
        (
            "features.min_df=often",
            "features.min_df must be a count ≥ 1 or a share in (0, 1], not 'often'",
        ),
        ("features.cues=maybe", "features.cues must be true or false, not 'maybe'"),
        (
            "features.tokenizer=spaces",
            "features.tokenizer must be one of 'chars', 'jieba', 'rjieba', not 'spaces'",
        ),
        ("model.C=-1", "model.C must be a number > 0, not -1"),
        ("model.max_iter=1.5", "model.max_iter must be a whole number ≥ 1, not 1.5"),
        # Was not checked: scikit-learn refused it after the corpora were read, inside a fit.
        (
            "model.solver=newton",
            "model.solver must be one of 'lbfgs', 'newton-cg', 'newton-cholesky', 'sag', "
            "'saga', not 'newton'",
        ),
        ("model=complement_nb model.alpha=-1", "model.alpha must be a number ≥ 0, not -1"),
        ("decoder.oof_folds=one", "decoder.oof_folds must be a whole number ≥ 2, not 'one'"),
        ("seed=true", "seed must be a whole number ≥ 0, not True"),
        (
            "eval.schemes=[source,author]",
            "eval.schemes must be a list, each item one of 'source', 'family', "
            "not ['source', 'author']",
        ),
        (
            "data.family_weights.personal=heavy",
            "data.family_weights must be a number ≥ 0 for each family",
        ),
        ("~model.tol", "model.tol is missing"),
    ],
)
def test_a_wrong_override_names_its_key_before_anything_runs(tmp_path, override, message) -> None:
    cfg = tiny_config(tmp_path, extra=override.split())
    with pytest.raises(ValueError, match=rf"^bad config: .*{re.escape(message)}"):
        train(cfg)
    assert not (tmp_path / "mlflow.db").exists()  # no run: nothing ran
    assert not (tmp_path / "model.zongjie").exists()


def test_no_code_default_stands_beside_conf() -> None:
    """The functions that take the model's settings take them without a default: a default in
    code would be a second source that can contradict conf/ (word_value was 1.0 here and 0.3
    there)."""
    import inspect

    from omegaconf import OmegaConf

    from zongjie.classifier import fit_paragraph_classifier
    from zongjie.decoding import fit_sequence_model
    from zongjie.features import WordTfidf, iter_sequence_attributes, sequence_attributes

    keys = {
        key
        for option in OPTIONS
        for group in ("features", "decoder", "model")
        for key in OmegaConf.to_container(compose_config([option])[group])
    }
    defaulted = sorted(
        f"{function.__qualname__}({name})"
        for function in (
            sequence_attributes,
            iter_sequence_attributes,
            fit_sequence_model,
            fit_paragraph_classifier,
            WordTfidf.__init__,
        )
        for name, parameter in inspect.signature(function).parameters.items()
        if name in keys and parameter.default is not inspect.Parameter.empty
    )
    assert defaulted == []
