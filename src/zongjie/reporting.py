"""Evaluation results → what people read: the model card, the reports folder, the figures.

Everything here is deterministic for a given config and data, so DVC can track it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from string import Template
from typing import Any

import numpy as np

from zongjie.document import FAMILIES, LABELS, Document
from zongjie.evaluation import SCHEMES, TRACKS, Predictions, report

__all__ = ["FAMILY_NAMES", "confusion_figure", "model_card", "report_artifacts", "write_reports"]

FAMILY_NAMES = {
    "institutional": "institutional work reports (seeds, gold)",
    "personal": "personal and team work reports (gold)",
    "local_gov": "local government reports (gold)",
    "national_gov": "State Council reports (weak labels)",
}
SCHEME_NAMES = {"source": "leave one source out", "family": "leave one family out"}
COLUMNS = [*LABELS, "null", "missing"]


def confusion_figure(matrix: np.ndarray, title: str) -> Any:
    """A confusion matrix (rows: truth in LABELS order; columns: `COLUMNS`) as a figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, axes = plt.subplots(figsize=(6, 3.6))
    display = ConfusionMatrixDisplay(matrix, display_labels=None)
    display.plot(ax=axes, cmap="Blues", colorbar=False)
    axes.set_xticks(range(len(COLUMNS)), COLUMNS)
    axes.set_yticks(range(len(LABELS)), LABELS)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    figure.tight_layout()
    return figure


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _number(metrics: Mapping[str, float], key: str) -> str:
    return f"{metrics[key]:.3f}" if key in metrics else "–"


def metric_tables(metrics: Mapping[str, float]) -> str:
    """Macro-F1 per family and track for each scheme, and the per-class F1 of the
    leave-one-source-out scheme: the tables of the model card and the README."""
    parts = []
    for scheme in SCHEMES:
        rows = []
        for family in FAMILIES:
            values = [_number(metrics, f"{scheme}_{t}_{family}_macro_f1") for t in TRACKS]
            if any(v != "–" for v in values):
                rows.append([FAMILY_NAMES[family], *values])
        if rows:
            rows.append(
                ["mean over families"]
                + [_number(metrics, f"{scheme}_{t}_family_mean_macro_f1") for t in TRACKS]
            )
            parts.append(
                f"**{SCHEME_NAMES[scheme]}** (macro-F1)\n\n" + _table(["family", *TRACKS], rows)
            )
    rows = []
    for family in FAMILIES:
        for track in TRACKS:
            key = f"source_{track}_{family}_"
            if f"{key}macro_f1" in metrics:
                rows.append(
                    [FAMILY_NAMES[family], track]
                    + [_number(metrics, f"{key}f1_{label}") for label in LABELS]
                )
    if rows:
        parts.append(
            "**leave one source out, F1 per class**\n\n"
            + _table(["family", "track", *(f"F1 {label}" for label in LABELS)], rows)
        )
    return "\n\n".join(parts)


# The card's text, with $placeholders (string.Template) for what `model_card` computes.
CARD_TEMPLATE = Path(__file__).with_name("model_card_template.md")


def model_card(cfg: Any, documents: Sequence[Document], metrics: Mapping[str, float]) -> str:
    """The model card: what the model is, the data, metrics per scheme, family and track, and
    known limits. The text is `CARD_TEMPLATE`'s; this fills in its settings and tables."""
    data_rows = []
    for family in FAMILIES:
        members = [d for d in documents if d.family == family]
        if not members:
            continue
        labels = [label for d in members for label in d.labels or ()]
        counts = [labels.count(label) for label in LABELS]
        data_rows.append(
            [
                FAMILY_NAMES[family],
                str(len(members)),
                str(len({d.group for d in members})),
                *map(str, counts),
                str(labels.count(None)),
            ]
        )
    model = dict(cfg.model)
    decoder = dict(cfg.decoder)
    template = Template(CARD_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(
        tokenizer=cfg.features.tokenizer,
        ngram_range=list(cfg.features.ngram_range),
        cues=" and lexicon cues" if cfg.features.cues else "",
        model=model["name"],
        model_settings=", ".join(f"{k}={v}" for k, v in model.items() if k != "name"),
        words=f", and words (`{decoder['words']}`)" if decoder.get("words") else "",
        c1=decoder["c1"],
        c2=decoder["c2"],
        seed=cfg.seed,
        data_table=_table(["family", "documents", "sources", *LABELS, "no label"], data_rows),
        metric_tables=metric_tables(metrics),
        objective_scheme=cfg.eval.objective.scheme,
        objective_tracks=", ".join(cfg.eval.objective.tracks),
        objective=_number(metrics, "objective"),
    )


def report_artifacts(results: Mapping[str, Predictions]) -> dict[str, Any]:
    """Per scheme: the classification report of the document track and the confusion matrices
    of the isolated and document tracks, as MLflow artifacts (name → text, dict or figure)."""
    artifacts: dict[str, Any] = {}
    for scheme, predictions in results.items():
        for track in ("isolated", "document"):
            truth, predicted = predictions.subset(track)
            if not truth:
                continue
            text, matrix = report(truth, predicted)
            artifacts[f"{scheme}_{track}_classification_report.txt"] = text
            artifacts[f"{scheme}_{track}_confusion_matrix.json"] = {
                "rows": list(LABELS),
                "columns": COLUMNS,
                "matrix": matrix.tolist(),
            }
            artifacts[f"{scheme}_{track}_confusion_matrix.png"] = confusion_figure(
                matrix, f"{SCHEME_NAMES[scheme]}: {track}"
            )
    return artifacts


def write_reports(
    directory: Path, metrics: Mapping[str, float], results: Mapping[str, Predictions]
) -> None:
    """DVC's metrics and plots: ``metrics.json``, and per scheme and track a CSV of every
    scored paragraph (document, family, actual, predicted), the classification report and the
    confusion matrix figure."""
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    rounded = {key: round(value, 6) for key, value in sorted(metrics.items())}
    (directory / "metrics.json").write_text(json.dumps(rounded, indent=1) + "\n")
    for scheme, predictions in results.items():
        for track in TRACKS:
            rows = zip(
                predictions.documents[track],
                predictions.families[track],
                predictions.truth[track],
                predictions.predicted[track],
                strict=True,
            )
            text = "document,family,actual,predicted\n" + "".join(",".join(r) + "\n" for r in rows)
            (directory / f"predictions_{scheme}_{track}.csv").write_text(text)
    for name, artifact in report_artifacts(results).items():
        if isinstance(artifact, str):
            (directory / name).write_text(artifact)
        elif isinstance(artifact, dict):
            (directory / name).write_text(json.dumps(artifact) + "\n")
        else:
            artifact.savefig(directory / name, dpi=100, metadata={"Software": None})
            plt.close(artifact)
