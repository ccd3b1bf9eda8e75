"""Training: the out-of-fold probabilities the CRF learns from, what each part is fitted on,
and `train` / `train.py` end to end on tiny configs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zongjie import training
from zongjie.dataset import write_prepared
from zongjie.document import Document
from zongjie.lexicon import default_lexicon
from zongjie.persistence import load_model_file
from zongjie.training import fit_model, out_of_fold_proba, train

from conftest import (
    ROOT,
    TINY_OVERRIDES,
    alone,
    mini_config,
    tiny_config,
)


def test_train_py_composes_the_config() -> None:
    result = subprocess.run(
        [sys.executable, "train.py", "--cfg", "job", "data=seeds", "model=complement_nb"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "name: complement_nb" in result.stdout
    assert "use_corpora: false" in result.stdout


def _documents() -> list[Document]:
    groups = ["a", "a", "b", "c", "d", "e", "e"]
    return [
        Document(f"doc{i}", "personal", group, ("完成了。", "经费不足。"), ("summary", "problem"))
        for i, group in enumerate(groups)
    ]


class _Scorer:
    """Stands for a fitted classifier: its probabilities say which fit made them."""

    def __init__(self, number: int) -> None:
        self.number = number

    def proba(self, paragraphs, lexicon) -> np.ndarray:
        return np.full((len(paragraphs), 3), float(self.number))


def test_out_of_fold_probabilities_come_from_a_classifier_that_never_saw_the_group(
    tmp_path, monkeypatch
) -> None:
    fits: list[set[str]] = []

    def fake_fit(documents, cfg, lexicon):
        fits.append({d.group for d in documents})
        return _Scorer(len(fits) - 1)

    monkeypatch.setattr(training, "_fit_classifier", fake_fit)
    cfg = tiny_config(tmp_path, extra=["decoder.oof_folds=3"])
    documents = _documents()
    result = out_of_fold_proba(documents, cfg, default_lexicon())
    assert len(fits) == 3
    assert sorted(result) == sorted(d.id for d in documents)
    for document in documents:
        fit = int(result[document.id][0, 0])
        assert document.group not in fits[fit]
    # A group's documents share a fold.
    assert result["doc0"][0, 0] == result["doc1"][0, 0]
    assert result["doc5"][0, 0] == result["doc6"][0, 0]
    # More folds than groups: one fold per group.
    fits.clear()
    out_of_fold_proba(
        documents, tiny_config(tmp_path, extra=["decoder.oof_folds=9"]), default_lexicon()
    )
    assert len(fits) == 5


def test_what_each_part_is_fitted_on(tmp_path, monkeypatch) -> None:
    classifier_fits, sequence_fits = [], []

    def fake_classifier(texts, labels, features, model, lexicon, seed, sample_weight):
        classifier_fits.append((list(texts), list(labels), sample_weight.tolist()))
        return _Scorer(0)

    def fake_sequence(documents, probabilities, lexicon, params, words, stop_words):
        sequence_fits.append([d.id for d in documents])
        return "tables"

    monkeypatch.setattr(training, "fit_paragraph_classifier", fake_classifier)
    monkeypatch.setattr(training, "fit_sequence_model", fake_sequence)
    documents = [
        Document("seed", "institutional", "s", ("总结", "完成了。"), (None, "summary")),
        Document("gwr", "national_gov", "sc", ("要推进。",), ("plan",), label_source="weak"),
    ]
    cfg = tiny_config(tmp_path, extra=["decoder.weak_documents=0"])
    model = fit_model(documents, cfg, default_lexicon())
    # The classifier: every labelled paragraph (no null), the weak labels at half weight.
    assert classifier_fits[-1] == (["完成了。", "要推进。"], ["summary", "plan"], [1.0, 0.5])
    # The CRF: the gold documents, and as many weak ones as decoder.weak_documents says.
    assert sequence_fits == [["seed"]]
    assert model.sequence == "tables" and model.sequence_words == "rjieba"
    assert model.stop_words == tuple(cfg.features.stop_words)
    fit_model(
        documents, tiny_config(tmp_path, extra=["decoder.weak_documents=1"]), default_lexicon()
    )
    assert sequence_fits[-1] == ["seed", "gwr"]


def test_training_without_documents_says_where_to_look(tmp_path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    cfg = tiny_config(tmp_path, extra=[f"data.seeds_gold={empty}", "mlflow.enabled=false"])
    with pytest.raises(
        ValueError, match=r"^no labelled documents to train on: check data\.seeds_gold"
    ):
        train(cfg)


def test_the_same_config_gives_the_same_model_file_and_so_does_the_prepared_data(
    tmp_path, seed_documents
) -> None:
    """DVC's stages read the prepared file: the model file must not tell the difference."""
    cfg = tiny_config(tmp_path, extra=["eval.enabled=false", "mlflow.enabled=false"])
    cfg.output.model_path = str(tmp_path / "first.model")
    assert train(cfg) == {}
    cfg.output.model_path = str(tmp_path / "second.model")
    train(cfg)
    prepared = tmp_path / "paragraphs.jsonl"
    write_prepared(seed_documents, prepared)
    cfg = tiny_config(
        tmp_path,
        extra=["eval.enabled=false", "mlflow.enabled=false", f"data.prepared_path={prepared}"],
    )
    cfg.output.model_path = str(tmp_path / "prepared.model")
    train(cfg)
    first = (tmp_path / "first.model").read_bytes()
    assert (tmp_path / "second.model").read_bytes() == first
    assert (tmp_path / "prepared.model").read_bytes() == first
    assert not (tmp_path / "MODEL_CARD.md").exists()  # no evaluation, no card
    metadata = load_model_file(tmp_path / "first.model").metadata
    assert metadata["metrics"] == {} and len(metadata["config_hash"]) == 16


@pytest.mark.slow
def test_train_evaluates_saves_the_model_card_and_the_reports(tmp_path) -> None:
    cfg = mini_config(
        tmp_path, extra=["mlflow.enabled=false", f"eval.reports_dir={tmp_path / 'reports'}"]
    )
    metrics = train(cfg)
    tracks = ("isolated", "document", "headless", "raw")
    expected = {
        "objective",
        "source_document_null_precision",
        "source_document_null_recall",
        "source_raw_matched_share",
    }
    for track in tracks:
        expected.add(f"source_{track}_family_mean_macro_f1")
        expected |= {
            f"source_{track}_institutional_{k}"
            for k in ("macro_f1", "f1_summary", "f1_problem", "f1_plan")
        }
    assert set(metrics) == expected
    assert metrics["objective"] == pytest.approx(
        np.mean([metrics[f"source_{t}_family_mean_macro_f1"] for t in tracks])
    )
    assert metrics["source_raw_matched_share"] == 1.0
    model = load_model_file(Path(cfg.output.model_path))
    assert model.metadata["metrics"] == {k: round(v, 6) for k, v in metrics.items()}
    card = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card.startswith("# Model card: zongjie")
    assert "| institutional work reports (seeds, gold) | 4 | 4 | 76 | 6 | 26 | 4 |" in card
    assert f"| document | {metrics['source_document_institutional_f1_summary']:.3f} |" in card
    reports = tmp_path / "reports"
    assert json.loads((reports / "metrics.json").read_text())["objective"] == round(
        metrics["objective"], 6
    )
    rows = (reports / "predictions_source_isolated.csv").read_text().splitlines()
    assert rows[0] == "document,family,actual,predicted" and len(rows) == 1 + 108
    for name in (
        "source_document_classification_report.txt",
        "source_document_confusion_matrix.png",
    ):
        assert (reports / name).stat().st_size > 100
    matrix = json.loads((reports / "source_isolated_confusion_matrix.json").read_text())
    assert matrix["columns"] == ["summary", "problem", "plan", "null", "missing"]
    assert sum(map(sum, matrix["matrix"])) == 76 + 6 + 26


@pytest.mark.slow
def test_evaluate_only_writes_no_model(tmp_path) -> None:
    cfg = mini_config(
        tmp_path,
        extra=[
            "mlflow.enabled=false",
            "output.save_model=false",
            f"eval.reports_dir={tmp_path / 'reports'}",
        ],
    )
    metrics = train(cfg)
    assert not Path(cfg.output.model_path).exists() and not (tmp_path / "MODEL_CARD.md").exists()
    assert json.loads((tmp_path / "reports" / "metrics.json").read_text()) == {
        k: round(v, 6) for k, v in sorted(metrics.items())
    }


@pytest.mark.slow
def test_train_py_with_overrides(tmp_path) -> None:
    model_path = tmp_path / "svc.model"
    result = subprocess.run(
        [
            *(sys.executable, "train.py"),
            *(
                "model=linear_svc",
                "features.ngram_range=[1,3]",
                "eval.enabled=false",
                "mlflow.enabled=false",
            ),
            *("data=seeds", "decoder.oof_folds=2", "decoder.max_iterations=60"),
            f"output.model_path={model_path}",
            f"hydra.run.dir={tmp_path / 'hydra'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    model = load_model_file(model_path)
    assert model.classifier.kind == "calibrated" and model.classifier.coef.shape[0] == 3
    assert model.classifier.words.ngram_range == (1, 3)


@pytest.mark.slow
def test_train_py_by_default_writes_its_run_folder_and_no_committed_file(tmp_path) -> None:
    """The quick start's `make train`: `python train.py` with the default output settings puts
    the model and its card into the run's folder under outputs/, which git ignores, and leaves
    every tracked file as it was (models/ and reports/ are `make release`'s)."""
    gold = mini_config(tmp_path).data.seeds_gold  # writes the four mini documents
    overrides = [o for o in TINY_OVERRIDES if not o.startswith("data.seeds_gold=")]
    committed = [ROOT / "models" / "zongjie.model", ROOT / "models" / "MODEL_CARD.md"]
    committed += sorted((ROOT / "reports").iterdir())

    def state() -> tuple:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return status, [(p.stat().st_mtime_ns, p.read_bytes()) for p in committed]

    before = state()
    result = subprocess.run(
        [
            *(sys.executable, "train.py", *overrides, f"data.seeds_gold={gold}"),
            *("eval.schemes=[source]", "eval.objective.scheme=source", "mlflow.enabled=false"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    saved = re.search(r"saved the model to (\S+)", result.stderr + result.stdout)
    assert saved, result.stderr[-3000:]
    model_path = ROOT / saved.group(1)
    run_dir = model_path.parent
    try:
        assert run_dir.relative_to(ROOT / "outputs") and model_path.name == "zongjie.model"
        assert load_model_file(model_path).metadata["metrics"]
        assert (run_dir / "MODEL_CARD.md").read_text(encoding="utf-8").startswith("# Model card")
        ignored = subprocess.run(["git", "check-ignore", "-q", str(model_path)], cwd=ROOT)
        assert ignored.returncode == 0
        assert state() == before
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def test_a_library_training_without_a_model_path_says_so(tmp_path) -> None:
    cfg = tiny_config(tmp_path, extra=["mlflow.enabled=false", "eval.enabled=false"])
    cfg.output.model_path = None
    with pytest.raises(ValueError, match=r"^output.model_path is null"):
        train(cfg)
    cfg.output.save_model = False  # nothing to write: no path needed
    assert train(cfg) == {}


@pytest.mark.skipif(sys.platform != "linux", reason="the fits are forked on Linux")
@alone
def test_fits_in_processes_give_the_same_model_file(tmp_path, seed_documents) -> None:
    # The out-of-fold folds and the final classifier fitted side by side in forked processes:
    # the model file is byte for byte the one fitting them in turn writes.
    from threadpoolctl import threadpool_limits

    from zongjie.persistence import save_model

    cfg = tiny_config(tmp_path, extra=["decoder.oof_folds=3"])
    files = []
    for processes in (1, 2):
        with threadpool_limits(limits=1):  # as train() fits
            model = fit_model(seed_documents, cfg, default_lexicon(), processes=processes)
        save_model(model, tmp_path / f"{processes}.zongjie")
        files.append((tmp_path / f"{processes}.zongjie").read_bytes())
    assert training._can_fork()
    assert files[0] == files[1]
