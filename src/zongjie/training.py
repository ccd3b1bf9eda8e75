"""cfg → fitted pipeline, grouped-CV metrics and one MLflow run.

`train(cfg)` is a plain function of a composed config (Hydra's or any OmegaConf DictConfig);
`train.py` at the project root is only the command-line entry around it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from sklearn.pipeline import Pipeline

from zongjie.corpus import read_government_reports, read_seeds
from zongjie.document import LABELS, Document
from zongjie.evaluation import evaluate, grouped_folds, labelled, report
from zongjie.models import build_pipeline, fit_pipeline
from zongjie.persistence import save_pipeline
from zongjie.segment import is_heading

__all__ = ["load_documents", "train", "without_headings"]

log = logging.getLogger(__name__)


def load_documents(data: DictConfig) -> list[Document]:
    """The seed documents with gold labels, plus the weakly labelled government work reports
    when `data.use_corpora` is set (skipped with a warning if the folder is absent)."""
    documents = read_seeds(Path(data.gold_path))
    if data.use_corpora:
        documents += read_government_reports(
            Path(data.corpora_dir), min_year=data.min_year, max_year=data.max_year
        )
    return documents


def without_headings(document: Document) -> Document:
    """The document as it reads when its headings are lost: heading-like paragraphs removed."""
    keep = [i for i, paragraph in enumerate(document.paragraphs) if not is_heading(paragraph)]
    assert document.labels is not None
    return replace(
        document,
        id=f"{document.id}~headless",
        paragraphs=tuple(document.paragraphs[i] for i in keep),
        labels=tuple(document.labels[i] for i in keep),
    )


def _fit(
    pipeline: Pipeline,
    documents: Sequence[Document],
    genre_weights: dict[str, float],
    headless_copies: bool,
) -> None:
    if headless_copies:
        # The decoder learns how roles follow one another with and without headings between.
        documents = [*documents, *map(without_headings, documents)]
    texts, labels, doc_ids, genres = labelled(documents)
    weights = np.array([genre_weights.get(genre, 1.0) for genre in genres])
    fit_pipeline(pipeline, texts, labels, doc_ids=doc_ids, sample_weight=weights)


def _flatten(config: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)[:6000]  # MLflow's limit on a param value
    return flat


def _confusion_figure(matrix: np.ndarray, title: str) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4.5, 4))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(LABELS)), LABELS)
    axes.set_yticks(range(len(LABELS)), LABELS)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    for (row, column), count in np.ndenumerate(matrix):
        color = "white" if count > matrix.max() / 2 else "black"
        axes.text(column, row, str(count), ha="center", va="center", color=color)
    figure.tight_layout()
    return figure


def train(cfg: DictConfig) -> dict[str, float]:
    """Cross-validate on document-grouped folds, fit on all documents, save the pipeline and log
    everything to one MLflow run. Returns the metrics (``isolated_macro_f1`` … )."""
    import mlflow

    import zongjie

    documents = load_documents(cfg.data)
    if len(documents) < cfg.eval.n_splits:
        raise ValueError(
            f"{len(documents)} documents cannot fill {cfg.eval.n_splits} document-grouped folds"
        )
    features = OmegaConf.to_container(cfg.features, resolve=True)
    model = OmegaConf.to_container(cfg.model, resolve=True)
    context = OmegaConf.to_container(cfg.context, resolve=True)
    genre_weights = dict(cfg.data.genre_weights)
    raw_root = Path(cfg.data.raw_root)

    def make_pipeline() -> Pipeline:
        return build_pipeline(features, model, cfg.seed, context)

    def fit(pipeline: Pipeline, train_docs: Sequence[Document]) -> None:
        _fit(pipeline, train_docs, genre_weights, cfg.data.headless_copies)

    log.info("cross-validating %s on %d documents", model["name"], len(documents))
    folds = grouped_folds(documents, cfg.eval.n_splits, cfg.seed)
    cv = evaluate(documents, folds, make_pipeline, fit, raw_root)
    metrics = cv.metrics()
    genres = sorted({d.genre for d in documents})
    if cfg.eval.genre_holdout and len(genres) > 1:
        # Leave one genre out: train on the other genres, test on every report of this one.
        for genre in genres:
            test = [i for i, d in enumerate(documents) if d.genre == genre]
            train_idx = [i for i, d in enumerate(documents) if d.genre != genre]
            held_out = evaluate(documents, [(train_idx, test)], make_pipeline, fit, raw_root)
            metrics.update(held_out.metrics(prefix=f"holdout_{genre}_"))
    report_text, matrix = report(cv.truth["isolated"], cv.predicted["isolated"])
    log.info("grouped %d-fold CV, isolated paragraphs:\n%s", cfg.eval.n_splits, report_text)
    for track in ("isolated", "document", "headless", "raw"):
        if f"{track}_macro_f1" in metrics:
            log.info("%s macro-F1 %.3f", track, metrics[f"{track}_macro_f1"])

    pipeline = make_pipeline()
    fit(pipeline, documents)
    model_path = Path(cfg.output.model_path)
    save_pipeline(pipeline, model_path)
    log.info("saved the fitted pipeline to %s", model_path)

    mlflow.set_tracking_uri(cfg.mlflow.tracking_uri)
    mlflow.set_experiment(cfg.mlflow.experiment)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    with mlflow.start_run(run_name=cfg.mlflow.run_name):
        mlflow.log_params(_flatten(resolved))
        mlflow.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
        texts, labels, _, _ = labelled(documents)
        mlflow.log_params(
            {
                "n_documents": len(documents),
                "n_paragraphs": len(texts),
                **{f"n_{label}": labels.count(label) for label in LABELS},
            }
        )
        mlflow.log_metrics(metrics)
        mlflow.log_text(report_text, "classification_report.txt")
        mlflow.log_dict(
            {"labels": list(LABELS), "matrix": matrix.tolist()}, "confusion_matrix.json"
        )
        figure = _confusion_figure(matrix, f"{model['name']}: grouped CV")
        mlflow.log_figure(figure, "confusion_matrix.png")
        import matplotlib.pyplot as plt

        plt.close(figure)
        if cfg.mlflow.log_model:
            from mlflow.models import infer_signature

            examples = texts[:3]
            signature = infer_signature(examples, pipeline.predict(examples))
            mlflow.sklearn.log_model(
                pipeline,
                name="model",
                signature=signature,
                input_example=examples,
                # The pipeline calls zongjie.features.tokenize: ship the package with it.
                code_paths=[str(Path(zongjie.__file__).parent)],
                pip_requirements=_requirements(),
                # skops, MLflow's default, takes half a minute over a 60k-word vocabulary.
                serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
            )
    return metrics


def _requirements() -> list[str]:
    from importlib.metadata import version

    return [
        f"{name}=={version(name)}" for name in ("scikit-learn", "jieba", "numpy", "scipy", "joblib")
    ]
