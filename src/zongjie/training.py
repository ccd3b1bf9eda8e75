"""cfg → a fitted model, its grouped evaluation, and one MLflow run.

`train(cfg)` is the recipe: load the documents, evaluate by leave-one-source-out and
leave-one-family-out, fit on everything, save, report, track. `fit_model` is what every split
and the final fit run: the paragraph classifier's out-of-fold probabilities, the sequence model
on them, then the classifier on all the training documents.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from zongjie.classifier import fit_paragraph_classifier
from zongjie.config import check_config
from zongjie.dataset import load_documents
from zongjie.decoding import fit_sequence_model
from zongjie.document import Document
from zongjie.evaluation import Predictions, evaluate, objective, splits
from zongjie.inference import LinearScorer
from zongjie.lexicon import Lexicon, default_lexicon, read_lexicon
from zongjie.model import Model
from zongjie.persistence import config_hash, save_model
from zongjie.text import token_cache

__all__ = ["fit_model", "out_of_fold_proba", "train"]

log = logging.getLogger(__name__)

# The model file's name when `output.model_path` is null and `python train.py` writes it into
# its run folder; the committed default model is models/zongjie.model (`make release`).
MODEL_NAME = "zongjie.model"


def _plain(node: Any) -> Any:
    return OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node


def _lexicon(cfg: DictConfig) -> Lexicon:
    path = cfg.features.lexicon
    return read_lexicon(path) if path else default_lexicon()


def _fit_classifier(
    documents: Sequence[Document], cfg: DictConfig, lexicon: Lexicon
) -> LinearScorer:
    weights = _plain(cfg.data.family_weights)
    texts, labels, sample_weight = [], [], []
    for document in documents:
        assert document.labels is not None
        for text, label in zip(document.paragraphs, document.labels, strict=True):
            if label is not None:
                texts.append(text)
                labels.append(label)
                sample_weight.append(weights[document.family])
    return fit_paragraph_classifier(
        texts,
        labels,
        _plain(cfg.features),
        _plain(cfg.model),
        lexicon,
        cfg.seed,
        np.asarray(sample_weight, dtype=np.float64),
    )


def out_of_fold_proba(
    documents: Sequence[Document], cfg: DictConfig, lexicon: Lexicon
) -> dict[str, np.ndarray]:
    """Each document's paragraph probabilities from a classifier that did not see its group:
    the groups are dealt into `decoder.oof_folds` folds (shuffled with the seed)."""
    result: dict[str, np.ndarray] = {}
    for held_out, rest in _folds(documents, cfg):
        result.update(_fold_proba(held_out, rest, cfg, lexicon))
    return result


def _folds(
    documents: Sequence[Document], cfg: DictConfig
) -> list[tuple[list[Document], list[Document]]]:
    """(held out, rest) of each out-of-fold fold, in order."""
    groups = sorted({d.group for d in documents})
    random.Random(cfg.seed).shuffle(groups)
    folds = min(cfg.decoder.oof_folds, len(groups))
    fold_of = {group: i % folds for i, group in enumerate(groups)}
    result = []
    for fold in range(folds):
        held_out = [d for d in documents if fold_of[d.group] == fold]
        rest = [d for d in documents if fold_of[d.group] != fold]
        result.append((held_out, rest or held_out))  # one group only: nothing to hold out from
    return result


def _fold_proba(
    held_out: Sequence[Document], rest: Sequence[Document], cfg: DictConfig, lexicon: Lexicon
) -> dict[str, np.ndarray]:
    scorer = _fit_classifier(rest, cfg, lexicon)
    return {document.id: scorer.proba(document.paragraphs, lexicon) for document in held_out}


# What the forked fitting processes read (inherited at the fork, never pickled).
_WORK: tuple[Any, ...] = ()


def _work(index: int) -> Any:
    from threadpoolctl import threadpool_limits

    folds, documents, cfg, lexicon = _WORK
    with threadpool_limits(limits=1), token_cache():  # as `train` fits: one BLAS thread
        if index < len(folds):
            return _fold_proba(*folds[index], cfg, lexicon)
        return _fit_classifier(documents, cfg, lexicon)


def _can_fork() -> bool:
    """Whether fitting may fork processes: on Linux, from a main process (not an evaluation's
    worker) that runs no other Python thread (a child would inherit their locks held)."""
    import multiprocessing
    import sys
    import threading

    return (
        sys.platform == "linux"
        and multiprocessing.parent_process() is None
        and threading.active_count() == 1
    )


def _fit_in_processes(
    documents: Sequence[Document],
    cfg: DictConfig,
    lexicon: Lexicon,
    processes: int,
    fit_sequence: Callable[[dict[str, np.ndarray]], Any],
) -> tuple[Any, LinearScorer]:
    """`fit_sequence(out_of_fold_proba(...))` and the classifier on all `documents`, the
    classifier's fits side by side in `processes` forked processes: the same fits, so the same
    arrays. The folds go first, the largest first; the final classifier, which nothing else
    waits for, is fitted while this process fits the sequence model on the folds' output."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORK
    # scikit-learn and sklearn-crfsuite take ~2 s to import: here, once, before the fork, not
    # in each fitting process and then again in this one for the sequence model after the folds.
    import sklearn.linear_model  # noqa: F401
    import sklearn_crfsuite  # noqa: F401

    folds = _folds(documents, cfg)
    _WORK = (folds, documents, cfg, lexicon)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(processes, len(folds) + 1), mp_context=context) as pool:
            order = sorted(range(len(folds)), key=lambda i: -_paragraph_count(folds[i][1]))
            fold_futures = {index: pool.submit(_work, index) for index in order}
            final = pool.submit(_work, len(folds))
            probabilities: dict[str, np.ndarray] = {}
            for index in range(len(folds)):
                probabilities.update(fold_futures[index].result())
            sequence = fit_sequence(probabilities)
            classifier = final.result()
    finally:
        _WORK = ()
    return sequence, classifier


def _paragraph_count(documents: Sequence[Document]) -> int:
    return sum(len(d.paragraphs) for d in documents)


def _sequence_documents(documents: Sequence[Document], weak: int) -> list[Document]:
    """What the sequence model learns structure from: every gold document, and `weak` of the
    weakly labelled ones, evenly spread over them (their labels come from structure rules, so
    a few teach how government reports are laid out; all of them would outweigh the gold)."""
    gold = [d for d in documents if d.label_source == "gold"]
    others = [d for d in documents if d.label_source != "gold"]
    if weak <= 0 or not others:
        return gold
    step = max(1, len(others) / weak)
    chosen = {int(i * step) for i in range(min(weak, len(others)))}
    return gold + [d for i, d in enumerate(others) if i in chosen]


def fit_model(
    documents: Sequence[Document], cfg: DictConfig, lexicon: Lexicon, processes: int = 1
) -> Model:
    """The model `cfg` describes, fitted on `documents`. With `processes` > 1 (and where a
    process may fork, `_can_fork`), the paragraph classifier's fits (each out-of-fold fold's
    and the final one) run side by side in that many processes, one BLAS thread each, the
    last beside the sequence model's fit: the same model, byte for byte."""
    sequence_documents = _sequence_documents(documents, cfg.decoder.weak_documents)
    stop_words = tuple(cfg.features.stop_words)

    def fit_sequence(probabilities: dict[str, np.ndarray]) -> Any:
        return fit_sequence_model(
            sequence_documents or documents,
            probabilities,
            lexicon,
            _plain(cfg.decoder),
            cfg.decoder.words,
            stop_words,
        )

    with token_cache():
        if processes > 1 and _can_fork():
            sequence, classifier = _fit_in_processes(
                documents, cfg, lexicon, processes, fit_sequence
            )
        else:
            sequence = fit_sequence(out_of_fold_proba(documents, cfg, lexicon))
            classifier = _fit_classifier(documents, cfg, lexicon)
    return Model(
        lexicon, classifier, sequence, cfg.decoder.words, stop_words, cfg.decoder.word_value
    )


def _cores() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _fitter(cfg: DictConfig, lexicon: Lexicon) -> Any:
    from functools import partial

    return partial(fit_model, cfg=cfg, lexicon=lexicon)


def _evaluate(
    cfg: DictConfig, documents: Sequence[Document], lexicon: Lexicon
) -> tuple[dict[str, float], dict[str, Predictions]]:
    metrics: dict[str, float] = {}
    results: dict[str, Predictions] = {}
    for scheme in cfg.eval.schemes:
        scheme_splits = splits(documents, scheme)
        log.info("evaluating: %d splits, %s", len(scheme_splits), scheme)
        predictions = evaluate(
            documents,
            scheme_splits,
            _fitter(cfg, lexicon),
            Path(cfg.data.raw_root),
            cfg.eval.n_jobs,
        )
        results[scheme] = predictions
        metrics.update(predictions.metrics(prefix=f"{scheme}_"))
    metrics["objective"] = objective(
        metrics, cfg.eval.objective.scheme, list(cfg.eval.objective.tracks)
    )
    for key in sorted(metrics):
        if key.endswith("family_mean_macro_f1") or key == "objective":
            log.info("%-40s %.3f", key, metrics[key])
    return metrics, results


def _metadata(cfg: DictConfig, metrics: Mapping[str, float]) -> dict[str, Any]:
    """What the model file records: the hash of what decides the model (data, features,
    classifier, decoder, seed; not where the documents were read from) and its metrics."""
    decisive = {key: _plain(cfg[key]) for key in ("data", "features", "model", "decoder", "seed")}
    decisive["data"].pop("prepared_path", None)
    return {
        "config_hash": config_hash(decisive),
        "metrics": {k: round(v, 6) for k, v in metrics.items()},
    }


def train(cfg: DictConfig, sweep: Any = None) -> dict[str, float]:
    """Evaluate, fit on all documents, save the model and its card, write the reports and log
    the run to MLflow (a child of the sweep's parent run when `sweep` is given). Returns the
    metrics (empty when `eval.enabled` is false). The MLflow run opens as the training starts
    and ends with it: FINISHED, FAILED with the error (which is then raised), or KILLED on
    Ctrl-C. A config with a key of the wrong type or range raises ValueError naming it before
    anything runs (`zongjie.config.check_config`)."""
    from threadpoolctl import threadpool_limits

    check_config(cfg)
    if cfg.output.save_model and cfg.output.model_path is None:
        raise ValueError(
            "output.model_path is null: name the model file, or set output.save_model=false "
            "(python train.py names one in its run folder)"
        )
    run = None
    if cfg.mlflow.enabled:
        from zongjie.tracking import open_run

        run = open_run(cfg, sweep)
    error: BaseException | None = None
    try:
        # The solvers' vectors are small: BLAS threads only fight over the cores with each other
        # (and with the evaluation's processes), which made a fit twice as slow.
        with threadpool_limits(limits=1):
            return _train(cfg, log_to_mlflow=run is not None)
    except BaseException as caught:
        error = caught
        raise
    finally:
        if run is not None:
            from zongjie.tracking import close_run

            close_run(run, error)


def _train(cfg: DictConfig, log_to_mlflow: bool) -> dict[str, float]:
    from zongjie.reporting import model_card, report_artifacts, write_reports

    documents = load_documents(_plain(cfg.data))
    if not documents:
        raise ValueError(
            "no labelled documents to train on: check data.seeds_gold and data.corpora_dir"
        )
    lexicon = _lexicon(cfg)
    metrics, results = _evaluate(cfg, documents, lexicon) if cfg.eval.enabled else ({}, {})

    log.info("fitting on all %d documents", len(documents))
    model = fit_model(documents, cfg, lexicon, processes=_cores())
    model_path = Path(cfg.output.model_path) if cfg.output.save_model else None
    card = model_card(cfg, documents, metrics) if metrics else None
    if model_path is not None:
        save_model(replace(model, metadata=_metadata(cfg, metrics)), model_path)
        log.info("saved the model to %s", model_path)
        if card is not None:
            (model_path.parent / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    if results and cfg.eval.reports_dir:
        write_reports(Path(cfg.eval.reports_dir), metrics, results)
        log.info("wrote metrics and plots to %s", cfg.eval.reports_dir)
    if log_to_mlflow:
        from zongjie.tracking import log_run

        saved = model_path if cfg.mlflow.log_model else None
        log_run(cfg, documents, metrics, report_artifacts(results), saved, card)
    return metrics
