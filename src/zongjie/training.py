"""cfg → fitted pipeline, grouped-CV metrics and one MLflow run.

`train(cfg)` is a plain function of a composed config (Hydra's or any OmegaConf DictConfig);
`train.py` at the project root is only the command-line entry around it. Beside it:

* `load_documents` is the one loader of labelled documents; `write_prepared` writes what it
  returns as JSON Lines (DVC's ``prepare`` stage), and `data.prepared_path` reads that back.
* A Hydra sweep (``python train.py -m …``) logs one MLflow run per job under one parent run;
  `SweepCallback` closes the sweep by registering its best model.
* `register_best` registers the best run's model as ``zongjie`` in the MLflow model registry,
  with the model card (`model_card`) as its description.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from sklearn.pipeline import Pipeline

from zongjie.document import LABELS, Document, documents_from_rows
from zongjie.evaluation import Predictions, evaluate, grouped_folds, labelled, report
from zongjie.models import build_pipeline, fit_pipeline
from zongjie.persistence import config_hash, save_pipeline
from zongjie.segment import is_heading

__all__ = [
    "Sweep",
    "SweepCallback",
    "fit_documents",
    "load_documents",
    "make_configured_pipeline",
    "model_card",
    "objective",
    "prepare_hydra_job",
    "read_prepared",
    "register_best",
    "train",
    "without_headings",
    "write_prepared",
]

log = logging.getLogger(__name__)

CARD_NAME = "MODEL_CARD.md"
GENRE_NAMES = {
    "work_report": "work reports (gold labels)",
    "gwr": "government work reports (weak labels)",
}
# Tags that group runs: the sweep a run belongs to, the sweep's parent run, the data it saw.
SWEEP_TAG = "zongjie.sweep"
ROLE_TAG = "zongjie.role"
DATA_TAG = "zongjie.data"
MODEL_TAG = "zongjie.model"
MODEL_URI_TAG = "zongjie.model_uri"


# ---------------------------------------------------------------------------------- data


def load_documents(data: DictConfig) -> list[Document]:
    """The labelled documents of `data`: the prepared JSON Lines file when `data.prepared_path`
    is set (see `write_prepared`); otherwise the seed documents with gold labels, plus the
    weakly labelled government work reports when `data.use_corpora` is set (skipped with a
    warning if the folder is absent)."""
    from zongjie.corpus import read_government_reports, read_seeds

    prepared = data.get("prepared_path")
    if prepared:
        return read_prepared(Path(prepared))
    documents = read_seeds(Path(data.gold_path))
    if data.use_corpora:
        documents += read_government_reports(
            Path(data.corpora_dir), min_year=data.min_year, max_year=data.max_year
        )
    return documents


def write_prepared(documents: Sequence[Document], path: Path) -> None:
    """One JSON object per paragraph, documents in order: ``doc_id``, ``genre``, ``source``,
    ``para_index``, ``text``, ``label`` (what training uses: the gold label for the seeds, the
    weak label for the corpora; null for titles and dates), ``weak_label`` (what the weak
    labeller says, for every genre) and ``label_source`` (``gold`` or ``weak``)."""
    from zongjie.labels import weak_labels

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for document in documents:
        assert document.labels is not None
        weak = weak_labels(document.paragraphs)
        source = "gold" if document.genre == "work_report" else "weak"
        for index, (text, label) in enumerate(
            zip(document.paragraphs, document.labels, strict=True)
        ):
            row = {
                "doc_id": document.id,
                "genre": document.genre,
                "source": document.source,
                "para_index": index,
                "text": text,
                "label": label,
                "weak_label": weak[index],
                "label_source": source,
            }
            lines.append(json.dumps(row, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_prepared(path: Path) -> list[Document]:
    """The documents `write_prepared` wrote, exactly as `load_documents` had returned them."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no prepared data at {path}: run `dvc repro prepare` first")
    lines = path.read_text(encoding="utf-8").splitlines()
    return documents_from_rows(json.loads(line) for line in lines if line.strip())


def data_digest(documents: Sequence[Document]) -> str:
    """A short fingerprint of the labelled data: runs are comparable only when it matches."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(json.dumps([document.id, document.labels], ensure_ascii=False).encode())
    return digest.hexdigest()[:12]


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


# ------------------------------------------------------------------------------ fitting


def _fit(
    pipeline: Pipeline,
    documents: Sequence[Document],
    genre_weights: dict[str, float],
    headless_copies: bool,
    class_balance: str = "none",
    sentence_weight: float = 0.0,
) -> None:
    if headless_copies:
        # The decoder learns how roles follow one another with and without headings between.
        documents = [*documents, *map(without_headings, documents)]
    texts, labels, doc_ids, genres = labelled(documents)
    weights = np.array([genre_weights.get(genre, 1.0) for genre in genres])
    if class_balance == "genre":
        weights = weights * genre_balance(labels, genres)
    elif class_balance != "none":
        raise ValueError(f"data.class_balance must be none or genre, not {class_balance!r}")
    if sentence_weight:
        # Each sentence of a paragraph, as a short example of its paragraph's label: a 工作要点
        # item reads like one sentence of a plan, not like a whole paragraph of one.
        extra = [
            (sentence, label, weight * sentence_weight)
            for text, label, weight in zip(texts, labels, weights, strict=True)
            for sentence in sentences(text)
        ]
        if extra:
            texts = [*texts, *(e[0] for e in extra)]
            labels = [*labels, *(e[1] for e in extra)]
            doc_ids = [*doc_ids, *([None] * len(extra))]  # no reading order to learn from
            weights = np.concatenate([weights, [e[2] for e in extra]])
    fit_pipeline(pipeline, texts, labels, doc_ids=doc_ids, sample_weight=weights)


_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")


def sentences(paragraph: str, min_chars: int = 8) -> list[str]:
    """The sentences of a paragraph that holds more than one (split after 。；！？), those of at
    least `min_chars` characters; [] for a one-sentence paragraph."""
    parts = [part.strip() for part in _SENTENCE_END.split(paragraph) if part.strip()]
    if len(parts) < 2:
        return []
    return [part for part in parts if len(part) >= min_chars]


def genre_balance(labels: Sequence[str], genres: Sequence[str]) -> np.ndarray:
    """Per paragraph: the weight that gives every label the same total within its genre (and
    every genre its paragraph count), as ``class_weight="balanced"`` does, genre by genre.

    Work reports are mostly review and government reports mostly plans, so words of a genre's
    subject would otherwise stand in for its usual label: a plan item in a school union's report
    read as a summary because schools and unions appear in reviews."""
    weights = np.ones(len(labels))
    for genre in set(genres):
        members = [i for i, g in enumerate(genres) if g == genre]
        counts: dict[str, int] = {}
        for i in members:
            counts[labels[i]] = counts.get(labels[i], 0) + 1
        for i in members:
            weights[i] = len(members) / (len(counts) * counts[labels[i]])
    return weights


def make_configured_pipeline(cfg: DictConfig) -> Pipeline:
    """The unfitted pipeline that `cfg` describes (features, model, context, seed)."""
    features = OmegaConf.to_container(cfg.features, resolve=True)
    model = OmegaConf.to_container(cfg.model, resolve=True)
    context = OmegaConf.to_container(cfg.context, resolve=True)
    return build_pipeline(features, model, cfg.seed, context)


def fit_documents(cfg: DictConfig, pipeline: Pipeline, documents: Sequence[Document]) -> None:
    """Fit `pipeline` on `documents` as training does: genre weights, optional headless copies."""
    _fit(
        pipeline,
        documents,
        dict(cfg.data.genre_weights),
        cfg.data.headless_copies,
        cfg.data.get("class_balance", "none"),
        cfg.data.get("sentence_weight", 0.0),
    )


def objective(metrics: dict[str, float], tracks: Sequence[str], genres: Sequence[str]) -> float:
    """Mean macro-F1 over `tracks` and `genres`, each genre counted equally: the eleven
    hand-labelled work reports weigh as much as the thirty-odd weakly labelled government
    reports, whose many paragraphs would otherwise decide alone."""
    values = [
        metrics[key]
        for track in tracks
        for genre in genres
        if (key := f"{track}_{genre}_macro_f1") in metrics
    ]
    if not values:
        values = [
            metrics[f"{track}_macro_f1"] for track in tracks if f"{track}_macro_f1" in metrics
        ]
    return float(np.mean(values)) if values else float("nan")


@dataclass
class Evaluation:
    """Grouped-CV predictions and everything derived from them."""

    metrics: dict[str, float]
    predictions: Predictions
    report_text: str
    matrix: np.ndarray


def _progress(total: int, description: str) -> Any:
    """A progress bar on stderr when it is a terminal (CI logs stay clean)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="fit", disable=None, leave=False)


def _ticking(items: Iterable[Any], bar: Any) -> Iterator[Any]:
    """The items, advancing `bar` once each has been processed."""
    for item in items:
        yield item
        bar.update()


def cross_validate(
    cfg: DictConfig, documents: Sequence[Document], make_pipeline: Any, fit: Any
) -> Evaluation:
    """Document-grouped CV (and the leave-one-genre-out check when `eval.genre_holdout`)."""
    from tqdm.contrib.logging import logging_redirect_tqdm

    raw_root = Path(cfg.data.raw_root)
    genres = sorted({d.genre for d in documents})
    holdouts = genres if cfg.eval.genre_holdout and len(genres) > 1 else []
    folds = grouped_folds(documents, cfg.eval.n_splits, cfg.seed)
    log.info(
        "cross-validating %s on %d documents: %d grouped folds%s",
        cfg.model.name,
        len(documents),
        len(folds),
        f" and {len(holdouts)} genre hold-outs" if holdouts else "",
    )
    with (
        logging_redirect_tqdm(),
        _progress(len(folds) + len(holdouts), f"{cfg.model.name} CV") as bar,
    ):
        cv = evaluate(documents, _ticking(folds, bar), make_pipeline, fit, raw_root)
        metrics = cv.metrics()
        for genre in holdouts:
            # Leave one genre out: train on the other genres, test on every report of this one.
            test = [i for i, d in enumerate(documents) if d.genre == genre]
            train_idx = [i for i, d in enumerate(documents) if d.genre != genre]
            split = _ticking([(train_idx, test)], bar)
            held_out = evaluate(documents, split, make_pipeline, fit, raw_root)
            metrics.update(held_out.metrics(prefix=f"holdout_{genre}_"))
    metrics["objective"] = objective(metrics, list(cfg.eval.objective_tracks), genres)
    report_text, matrix = report(cv.truth["isolated"], cv.predicted["isolated"])
    log.info("grouped %d-fold CV, isolated paragraphs:\n%s", cfg.eval.n_splits, report_text)
    for track in ("isolated", "document", "headless", "raw"):
        if f"{track}_macro_f1" in metrics:
            by_genre = ", ".join(
                f"{genre} {metrics[key]:.3f}"
                for genre in genres
                if (key := f"{track}_{genre}_macro_f1") in metrics
            )
            log.info("%-8s macro-F1 %.3f (%s)", track, metrics[f"{track}_macro_f1"], by_genre)
    tracks = ", ".join(cfg.eval.objective_tracks)
    log.info("objective (mean macro-F1 of %s by genre): %.4f", tracks, metrics["objective"])
    return Evaluation(metrics, cv, report_text, matrix)


# ------------------------------------------------------------------------------ reports


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


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


_LIMITS = """\
- **Gold labels are few** (the work-report row of the data table): one paragraph more or less
  moves the per-class F1 of a rare role, problem above all, in large steps.
- **The government reports carry weak labels** from the same structure rules that
  `predict_document` uses, so the document track on them measures consistency more than accuracy.
  The headless and isolated tracks do not share this bias.
- **The decoder's weights were picked on these folds** (`conf/context/hmm.yaml`), so its numbers
  are slightly optimistic.
- **Isolated work-report paragraphs are the weak spot**: terse plan items without a heading above
  them read as summaries. Prefer `predict_document` on whole reports.
- **The decoder learns the order of roles from the training genres.** A genre laid out unlike
  both (e.g. a report that opens with its problems) is decoded towards review → problems → plans.
- **Chinese only**, and official prose: other text gets a label, not a meaningful one.
- Load model files only from sources you trust."""


def model_card(cfg: DictConfig, documents: Sequence[Document], metrics: dict[str, float]) -> str:
    """The model card: what the model is, the data and labels, metrics per class and track
    (overall and per genre), the genre hold-outs, and known limits. Deterministic for a given
    config and data, so DVC can track it."""
    _, labels, _, genres = labelled(documents)
    genre_list = sorted(set(genres))
    data_rows = []
    for genre in genre_list:
        doc_count = sum(d.genre == genre for d in documents)
        counts = [
            sum(g == genre and lab == label for g, lab in zip(genres, labels, strict=True))
            for label in LABELS
        ]
        data_rows.append(
            [GENRE_NAMES.get(genre, genre), str(doc_count), str(sum(counts)), *map(str, counts)]
        )
    totals = [sum(int(row[i]) for row in data_rows) for i in range(1, 3 + len(LABELS))]
    data_rows.append(["all", *map(str, totals)])

    def f(key: str) -> str:
        return f"{metrics[key]:.3f}" if key in metrics else "–"

    metric_rows = []
    for track in ("isolated", "document", "headless", "raw"):
        for genre in [None, *genre_list]:
            part = f"{track}_" if genre is None else f"{track}_{genre}_"
            if f"{part}macro_f1" not in metrics:
                continue
            name = "all" if genre is None else GENRE_NAMES.get(genre, genre)
            metric_rows.append(
                [track, name, f(f"{part}macro_f1"), *(f(f"{part}f1_{lab}") for lab in LABELS)]
            )
    holdout_rows = [
        [GENRE_NAMES.get(genre, genre), track, f(f"holdout_{genre}_{track}_macro_f1")]
        for genre in genre_list
        for track in ("isolated", "document", "headless", "raw")
        if f"holdout_{genre}_{track}_macro_f1" in metrics
    ]
    features = cfg.features
    model = OmegaConf.to_container(cfg.model, resolve=True)
    settings = ", ".join(f"{k}={v}" for k, v in model.items() if k != "name")
    sections = [
        "# Model card: zongjie",
        "Labels every paragraph of a Chinese work report (工作总结, 自查报告, 述职报告, "
        "政府工作报告 …) as `summary`, `problem` or `plan`. Generated by `zongjie.training."
        "model_card` from the run's config and grouped cross-validation; do not edit by hand.",
        "## Model",
        "\n".join(
            [
                f"- features: `{features.kind}` TF-IDF"
                + (" plus cue-word counts" if features.get("cues") else ""),
                f"- classifier: `{model['name']}` ({settings})",
                f"- document decoder: `{cfg.context.decoder}` (`predict_document`)",
                f"- seed {cfg.seed}; reproduce with `python train.py` on the same config",
            ]
        ),
        "## Intended use",
        "Sorting the paragraphs of official Chinese reports by role: what was done, what is "
        "still wrong, what comes next. `predict` labels paragraphs one by one; "
        "`predict_document` labels a whole report in reading order and is the more accurate.",
        "## Labels",
        _table(
            ["label", "the paragraph …"],
            [
                ["`summary`", "reports work done and achieved (and background, methods, intro)"],
                ["`problem`", "admits a shortcoming, difficulty or risk that is still open"],
                ["`plan`", "states work to come: targets, arrangements, measures"],
            ],
        )
        + "\n\nDefinitions and edge cases: the annotation guide (`../shared/ANNOTATION.md`).",
        "## Data",
        _table(["genre", "documents", "labelled paragraphs", *LABELS], data_rows),
        "## Metrics",
        f"{cfg.eval.n_splits}-fold cross-validation grouped by document: every paragraph is "
        "predicted by a model that never saw its report. Tracks: `isolated` is `predict`; "
        "`document` is `predict_document`; `headless` is `predict_document` with the headings "
        "removed; `raw` is `predict_document(segment(file))`. F1 per class, macro-F1 their mean.",
        _table(["track", "genre", "macro-F1", *(f"F1 {lab}" for lab in LABELS)], metric_rows),
        f"Objective (mean macro-F1 over {', '.join(cfg.eval.objective_tracks)}, each genre "
        f"counted equally): **{f('objective')}**.",
    ]
    if holdout_rows:
        sections += [
            "### Leave one genre out",
            "Trained without the genre, tested on all of its reports (macro-F1):",
            _table(["held-out genre", "track", "macro-F1"], holdout_rows),
        ]
    sections += ["## Known limits", _LIMITS]
    return "\n\n".join(sections) + "\n"


def write_reports(directory: Path, evaluation: Evaluation) -> None:
    """DVC's metrics and plots: ``metrics.json``, one ``confusion_<track>.csv`` per track (a row
    per paragraph: actual, predicted), ``confusion_matrix.png`` and the classification report."""
    import matplotlib.pyplot as plt

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    metrics = {key: round(value, 6) for key, value in sorted(evaluation.metrics.items())}
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    for track in ("isolated", "document"):
        rows = zip(
            evaluation.predictions.truth[track],
            evaluation.predictions.predicted[track],
            strict=True,
        )
        text = "actual,predicted\n" + "".join(f"{a},{p}\n" for a, p in rows)
        (directory / f"confusion_{track}.csv").write_text(text)
    (directory / "classification_report.txt").write_text(evaluation.report_text)
    figure = _confusion_figure(evaluation.matrix, "grouped CV, isolated paragraphs")
    figure.savefig(directory / "confusion_matrix.png", dpi=100, metadata={"Software": None})
    plt.close(figure)


# --------------------------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class Sweep:
    """The sweep a run belongs to: runs of one sweep share the tag ``zongjie.sweep = id`` and
    sit under one parent run named `name` in the MLflow UI."""

    id: str
    name: str
    job: int = 0


def prepare_hydra_job(cfg: DictConfig) -> Sweep | None:
    """Called by `train.py` inside Hydra: the sweep this job is part of (None for a single
    run). In a sweep each job writes its model into its own output folder instead of
    `output.model_path`, unless the command line set it, so a sweep never replaces the
    default model; the best job's model ends up in the registry instead."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized():
        return None
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return None
    if not any(o.startswith("output.model_path=") for o in hydra_cfg.overrides.task):
        name = Path(cfg.output.model_path).name
        cfg.output.model_path = str(Path(hydra_cfg.runtime.output_dir) / name)
    sweep_dir = Path(hydra_cfg.sweep.dir)
    return Sweep(id=str(sweep_dir.resolve()), name=f"sweep {sweep_dir.name}", job=hydra_cfg.job.num)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _parent_run(client: Any, experiment_id: str, sweep: Sweep) -> str:
    """The sweep's parent run, created by its first job."""
    found = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{SWEEP_TAG}` = {_quote(sweep.id)} and tags.`{ROLE_TAG}` = 'sweep'",
    )
    if found:
        return found[0].info.run_id
    run = client.create_run(
        experiment_id, run_name=sweep.name, tags={SWEEP_TAG: sweep.id, ROLE_TAG: "sweep"}
    )
    return run.info.run_id


def _sweep_children(client: Any, experiment_id: str, sweep_id: str) -> list[Any]:
    return client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{SWEEP_TAG}` = {_quote(sweep_id)} and tags.`{ROLE_TAG}` = 'job'",
        order_by=["metrics.objective DESC"],
    )


def _update_parent(client: Any, experiment_id: str, parent_id: str, sweep: Sweep) -> None:
    """The parent run shows the sweep's best objective so far and which job reached it."""
    children = _sweep_children(client, experiment_id, sweep.id)
    scored = [run for run in children if "objective" in run.data.metrics]
    if scored:
        best = scored[0]
        client.log_metric(
            parent_id, "best_objective", best.data.metrics["objective"], step=sweep.job
        )
        client.set_tag(parent_id, "best_run", best.info.run_name or best.info.run_id)
        client.set_tag(parent_id, "best_run_id", best.info.run_id)
    client.set_tag(parent_id, "jobs", str(len(children)))
    client.set_terminated(parent_id, "FINISHED")


# ---------------------------------------------------------------------------------- train


def train(cfg: DictConfig, sweep: Sweep | None = None) -> dict[str, float]:
    """Cross-validate on document-grouped folds, fit on all documents, save the pipeline and log
    everything to one MLflow run (a child of the sweep's parent run when `sweep` is given).
    Returns the metrics (``isolated_macro_f1`` …, and ``objective``); empty when
    `eval.enabled` is false. A training that fails leaves an MLflow run marked FAILED with the
    error and its traceback (``error.txt``), then raises the error."""
    try:
        return _train(cfg, sweep)
    except Exception as error:
        if cfg.mlflow.enabled:
            _log_failure(cfg, error)
        raise


def _log_failure(cfg: DictConfig, error: Exception) -> None:
    import traceback

    import mlflow

    _quiet_mlflow()
    mlflow.set_tracking_uri(cfg.mlflow.tracking_uri)
    mlflow.set_experiment(cfg.mlflow.experiment)
    run_name = cfg.mlflow.run_name
    with mlflow.start_run(
        run_name=run_name, tags={"error": f"{type(error).__name__}: {error}"[:5000]}
    ):
        mlflow.log_params(_flatten(OmegaConf.to_container(cfg, resolve=True)))
        mlflow.log_text("".join(traceback.format_exception(error)), "error.txt")
        mlflow.end_run(status="FAILED")


def _train(cfg: DictConfig, sweep: Sweep | None) -> dict[str, float]:
    documents = load_documents(cfg.data)
    if len(documents) < cfg.eval.n_splits:
        raise ValueError(
            f"{len(documents)} documents cannot fill {cfg.eval.n_splits} document-grouped folds"
        )
    model = OmegaConf.to_container(cfg.model, resolve=True)

    def make_pipeline() -> Pipeline:
        return make_configured_pipeline(cfg)

    def fit(pipeline: Pipeline, train_docs: Sequence[Document]) -> None:
        fit_documents(cfg, pipeline, train_docs)

    evaluation = cross_validate(cfg, documents, make_pipeline, fit) if cfg.eval.enabled else None
    metrics = evaluation.metrics if evaluation else {}

    log_model = cfg.mlflow.enabled and cfg.mlflow.log_model
    pipeline = None
    if cfg.output.save_model or log_model:
        log.info("fitting %s on all %d documents", model["name"], len(documents))
        pipeline = make_pipeline()
        fit(pipeline, documents)
    model_path = Path(cfg.output.model_path)
    if cfg.output.save_model:
        save_pipeline(pipeline, model_path, _model_metadata(cfg, metrics))
        log.info("saved the fitted pipeline to %s", model_path)
    card = model_card(cfg, documents, metrics) if evaluation else None
    if card is not None and cfg.output.save_model:
        card_path = model_path.parent / CARD_NAME
        card_path.parent.mkdir(parents=True, exist_ok=True)
        card_path.write_text(card, encoding="utf-8")
        log.info("wrote the model card to %s", card_path)
    if evaluation and cfg.eval.reports_dir:
        write_reports(Path(cfg.eval.reports_dir), evaluation)
        log.info("wrote metrics and plots to %s", cfg.eval.reports_dir)
    if cfg.mlflow.enabled:
        saved = model_path if cfg.output.save_model else None
        _log_run(cfg, documents, evaluation, pipeline if log_model else None, saved, card, sweep)
    return metrics


def _model_metadata(cfg: DictConfig, metrics: dict[str, float]) -> dict[str, Any]:
    """What the model file records: the hash of what decides the model (data, features,
    classifier, decoder, seed) and its grouped-CV metrics. Where the documents were read from
    (`data.prepared_path`, DVC's copy of the same documents) is left out of the hash, so
    `python train.py` and `dvc repro` write the same file."""
    decisive = {}
    for key in ("data", "features", "model", "context", "seed"):
        value = cfg[key]
        if isinstance(value, DictConfig):
            value = OmegaConf.to_container(value, resolve=True)
            if key == "data":
                value.pop("prepared_path", None)
        decisive[key] = value
    return {
        "config_hash": config_hash(decisive),
        "metrics": {k: round(v, 6) for k, v in metrics.items()},
    }


def _log_run(
    cfg: DictConfig,
    documents: Sequence[Document],
    evaluation: Evaluation | None,
    pipeline: Pipeline | None,
    saved: Path | None,
    card: str | None,
    sweep: Sweep | None,
) -> None:
    """One MLflow run: config, metrics, reports and, with `pipeline`, the model (the file
    `output.model_path` already holds when `saved`, else a fresh save)."""
    import matplotlib.pyplot as plt
    import mlflow

    import zongjie

    _quiet_mlflow()
    mlflow.set_tracking_uri(cfg.mlflow.tracking_uri)
    experiment = mlflow.set_experiment(cfg.mlflow.experiment)
    client = mlflow.MlflowClient()
    tags = {DATA_TAG: data_digest(documents)}
    parent_id = None
    run_name = cfg.mlflow.run_name
    if sweep is not None:
        parent_id = _parent_run(client, experiment.experiment_id, sweep)
        tags.update({SWEEP_TAG: sweep.id, ROLE_TAG: "job"})
        run_name = f"{run_name} #{sweep.job}"
    resolved = OmegaConf.to_container(cfg, resolve=True)
    with mlflow.start_run(run_name=run_name, parent_run_id=parent_id, tags=tags) as run:
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
        if evaluation is not None:
            mlflow.log_metrics(evaluation.metrics)
            mlflow.log_text(evaluation.report_text, "classification_report.txt")
            mlflow.log_dict(
                {"labels": list(LABELS), "matrix": evaluation.matrix.tolist()},
                "confusion_matrix.json",
            )
            figure = _confusion_figure(evaluation.matrix, f"{cfg.model.name}: grouped CV")
            mlflow.log_figure(figure, "confusion_matrix.png")
            plt.close(figure)
        if card is not None:
            mlflow.log_text(card, CARD_NAME)
        if pipeline is not None:
            from mlflow.models import infer_signature

            from zongjie.serving import MODEL_ARTIFACT, ParagraphLabeller

            examples = texts[:3]
            signature = infer_signature(examples, np.array(pipeline.predict(examples)))
            with tempfile.TemporaryDirectory() as folder:
                model_file = saved or Path(folder) / "zongjie.skops"
                if saved is None:
                    metrics = evaluation.metrics if evaluation is not None else {}
                    save_pipeline(pipeline, model_file, _model_metadata(cfg, metrics))
                # A pyfunc, not the sklearn flavour: it answers as `zongjie.predict` does,
                # which also reads a paragraph's own structure (`context.isolated_proba`).
                info = mlflow.pyfunc.log_model(
                    name="model",
                    python_model=ParagraphLabeller(),
                    artifacts={MODEL_ARTIFACT: str(model_file)},
                    signature=signature,
                    input_example=examples,
                    # The model calls zongjie's text functions: ship the package with it.
                    code_paths=[str(Path(zongjie.__file__).parent)],
                    pip_requirements=_requirements(),
                )
            if card is not None:
                # The card travels inside the model's own folder, so the registry has it too.
                with tempfile.TemporaryDirectory() as folder:
                    (Path(folder) / CARD_NAME).write_text(card, encoding="utf-8")
                    client.log_model_artifact(info.model_id, str(Path(folder) / CARD_NAME))
            mlflow.set_tags({MODEL_TAG: "logged", MODEL_URI_TAG: info.model_uri})
        log.info("logged MLflow run %s (%s)", run.info.run_id, run_name)
    if parent_id is not None and sweep is not None:
        _update_parent(client, experiment.experiment_id, parent_id, sweep)


def _quiet_mlflow() -> None:
    """MLflow logs its database migrations and environment guesses at INFO, warns when it
    pickles the pyfunc model, and draws a progress bar for the artifacts it copies while
    logging the model: keep the console to our own lines. A user's own setting wins."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    for name in ("mlflow.pyfunc", "mlflow.utils.environment", "mlflow.models.model"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _flatten(config: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)[:6000]  # MLflow's limit on a param value
    return flat


def _requirements() -> list[str]:
    """The package's runtime dependencies (what `predict` needs), pinned to the installed
    versions, so the logged model's environment follows pyproject.toml."""
    import re
    from importlib.metadata import PackageNotFoundError, requires, version

    try:
        declared = [r for r in requires("zongjie") or [] if "extra ==" not in r]
    except PackageNotFoundError:
        declared = ["scikit-learn", "jieba", "numpy", "scipy", "joblib"]
    names = [re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0] for requirement in declared]
    return [f"{name}=={version(name)}" for name in names]


# ------------------------------------------------------------------------------- registry


def register_best(
    tracking_uri: str,
    experiment: str,
    name: str = "zongjie",
    sweep_id: str | None = None,
) -> Any:
    """Register the model of the best run (highest ``objective``) as `name` and return the
    model version; the run's model card becomes the version's description.

    The candidates are the finished runs that logged a model: those of one sweep when
    `sweep_id` is given, otherwise those trained on the same data as the latest such run (runs
    on other data are not comparable). If the best run's model is already a version of
    `name`, that version is returned and nothing new is registered."""
    import mlflow

    _quiet_mlflow()
    mlflow.set_tracking_uri(tracking_uri)
    client = mlflow.MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise LookupError(f"no MLflow experiment {experiment!r} at {tracking_uri}")
    conditions = [f"tags.`{MODEL_TAG}` = 'logged'", "attributes.status = 'FINISHED'"]
    if sweep_id is not None:
        conditions.append(f"tags.`{SWEEP_TAG}` = {_quote(sweep_id)}")
    else:
        latest = client.search_runs(
            [found.experiment_id],
            filter_string=" and ".join(conditions),
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
        if latest and DATA_TAG in latest[0].data.tags:
            conditions.append(f"tags.`{DATA_TAG}` = {_quote(latest[0].data.tags[DATA_TAG])}")
    runs = [
        run
        for run in client.search_runs(
            [found.experiment_id],
            filter_string=" and ".join(conditions),
            order_by=["metrics.objective DESC", "attributes.start_time DESC"],
        )
        if "objective" in run.data.metrics
    ]
    if not runs:
        raise LookupError(f"no finished run with a logged model and metrics in {experiment!r}")
    best = runs[0]
    run_id = best.info.run_id
    try:
        versions = client.search_model_versions(f"name = {_quote(name)}")
    except mlflow.exceptions.MlflowException:
        versions = []
    for version in versions:
        if version.run_id == run_id:
            log.info("%s version %s is already the best run %s", name, version.version, run_id)
            return version
    tags = {
        "objective": f"{best.data.metrics['objective']:.4f}",
        "run_name": best.info.run_name or "",
        DATA_TAG: best.data.tags.get(DATA_TAG, ""),
    }
    model_uri = best.data.tags.get(MODEL_URI_TAG) or f"runs:/{run_id}/model"
    version = mlflow.register_model(model_uri, name, tags=tags)
    try:
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        card = mlflow.artifacts.load_text(f"runs:/{run_id}/{CARD_NAME}")
        client.update_model_version(name, version.version, description=card)
    except Exception as error:  # a run logged before model cards existed
        log.warning("run %s has no model card: %s", run_id, error)
    log.info(
        "registered run %s (%s, objective %.4f) as %s version %s",
        run_id,
        best.info.run_name,
        best.data.metrics["objective"],
        name,
        version.version,
    )
    return version


def _hydra_callback_base() -> type:
    try:
        from hydra.experimental.callback import Callback
    except ImportError:  # pragma: no cover - hydra is part of the train extra
        return object
    return Callback


class SweepCallback(_hydra_callback_base()):  # type: ignore[misc]
    """Hydra callback (conf/config.yaml, ``hydra.callbacks``): when a sweep ends, register its
    best job's model when `mlflow.register_best` is set."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if not (config.mlflow.enabled and config.mlflow.log_model and config.mlflow.register_best):
            return
        sweep_id = str(Path(config.hydra.sweep.dir).resolve())
        try:
            register_best(
                config.mlflow.tracking_uri,
                config.mlflow.experiment,
                config.mlflow.registered_model,
                sweep_id=sweep_id,
            )
        except LookupError as error:
            log.warning("nothing registered: %s", error)
