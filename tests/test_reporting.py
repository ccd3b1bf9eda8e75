"""Reports of an evaluation (`zongjie.reporting`): the files DVC reads, their exact contents on
a small hand-made set of predictions, and the model card."""

from __future__ import annotations

import json

import pytest

from zongjie import training
from zongjie.evaluation import Predictions
from zongjie.persistence import load_model_file
from zongjie.reporting import metric_tables, write_reports

from conftest import CORPORA, ROOT, compose_config


def _predictions() -> Predictions:
    predictions = Predictions()
    rows = [
        ("summary", "summary", "personal", "a"),
        ("problem", "summary", "personal", "a"),
        ("plan", "plan", "local_gov", "b"),
        ("null", "null", "local_gov", "b"),
    ]
    for track in ("isolated", "document", "headless", "raw"):
        for truth, predicted, family, document in rows:
            predictions.add(track, truth, predicted, family, document)
    return predictions


def test_write_reports_writes_what_dvc_reads(tmp_path) -> None:
    predictions = _predictions()
    metrics = predictions.metrics(prefix="source_")
    write_reports(tmp_path, metrics, {"source": predictions})
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written == {key: round(value, 6) for key, value in metrics.items()}
    # Macro-F1 over the three labels, whichever a family holds. personal: summary right, a
    # problem called summary → F1 summary 2/3, problem 0, plan 0; local_gov: one plan, right.
    assert written["source_document_personal_macro_f1"] == pytest.approx(2 / 9, abs=1e-6)
    assert written["source_document_local_gov_macro_f1"] == pytest.approx(1 / 3, abs=1e-6)
    assert written["source_document_personal_f1_summary"] == pytest.approx(2 / 3, abs=1e-6)
    assert written["source_document_null_precision"] == 1.0
    assert (tmp_path / "predictions_source_document.csv").read_text().splitlines() == [
        "document,family,actual,predicted",
        "a,personal,summary,summary",
        "a,personal,problem,summary",
        "b,local_gov,plan,plan",
        "b,local_gov,null,null",
    ]
    matrix = json.loads((tmp_path / "source_document_confusion_matrix.json").read_text())
    # Rows: the truth, labels only (the null paragraph is scored by the null calls instead).
    assert matrix["columns"] == ["summary", "problem", "plan", "null", "missing"]
    assert matrix["matrix"] == [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 1, 0, 0]]
    assert (tmp_path / "source_document_confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"


def test_metric_tables_show_each_family_and_track() -> None:
    tables = metric_tables(_predictions().metrics(prefix="source_"))
    assert "0.222" in tables and "0.333" in tables


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="needs the shared corpora")
def test_the_committed_model_card_is_what_model_card_makes_of_the_committed_model(
    monkeypatch,
) -> None:
    # `make release` wrote models/MODEL_CARD.md from the default config, all the data and the
    # evaluation, whose metrics the model file keeps: the card's text (model_card_template.md)
    # and the code that fills it in must still make it, byte for byte.
    from omegaconf import OmegaConf

    from zongjie.dataset import load_documents
    from zongjie.reporting import model_card

    # The config as `make release` composes it, in the checkout (the corpora's folder, relative
    # to it, is part of the model's config hash).
    monkeypatch.delenv("ZONGJIE_CORPORA", raising=False)
    monkeypatch.chdir(ROOT)
    cfg = compose_config([])
    committed = load_model_file(ROOT / "models" / "zongjie.model").metadata
    assert training._metadata(cfg, {})["config_hash"] == committed["config_hash"]
    documents = load_documents(OmegaConf.to_container(cfg.data, resolve=True))
    card = model_card(cfg, documents, committed["metrics"])
    assert card == (ROOT / "models" / "MODEL_CARD.md").read_text(encoding="utf-8")
