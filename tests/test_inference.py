"""The numpy inference path: the same probabilities as the scikit-learn pipeline, read from a
model file without importing scikit-learn, and the pipeline's way for any other model."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from zongjie.api import default_model_path
from zongjie.inference import LinearTextModel, NotLinear
from zongjie.models import (
    PipelineModel,
    predictor,
    proba_in_label_order,
)
from zongjie.persistence import load_predictor, save_pipeline

from conftest import TINY_TEXTS, fit_tiny

# Unseen words, stop words, numbers, full-width forms, a lone character: every lookup branch.
UNSEEN = ["我们的工作还有不足。", "１２３", "了", "全面完成年度目标任务,同比增长15%。", "。"]
UNSEEN += ["二、存在问题", "三、下步打算", "一、基本情况", ""]  # headings that name their part


@pytest.mark.parametrize(
    "features",
    [
        {"kind": "word", "min_df": 1, "cues": True, "tokenizer": "rjieba"},
        {"kind": "word", "min_df": 1, "ngram_range": [1, 3], "stop_words": ["的"]},
        {"kind": "word", "min_df": 1, "cues": True, "sublinear_tf": False},
        {"kind": "word", "min_df": 1, "cues": "headings", "tokenizer": "rjieba"},
    ],
)
def test_numpy_probabilities_equal_the_pipelines(features: dict) -> None:
    pipeline = fit_tiny(features)
    model = predictor(pipeline)
    assert isinstance(model, LinearTextModel)
    texts = TINY_TEXTS + UNSEEN
    np.testing.assert_allclose(
        model.predict_proba(texts), proba_in_label_order(pipeline, texts), atol=1e-6
    )


def test_the_default_model_runs_on_numpy_with_the_pipelines_labels(seed_002: str) -> None:
    from zongjie import segment
    from zongjie.persistence import load_pipeline

    paragraphs = segment(seed_002)
    pipeline = load_pipeline(default_model_path())
    model = load_predictor(default_model_path())
    assert isinstance(model, LinearTextModel)
    expected = proba_in_label_order(pipeline, paragraphs)
    np.testing.assert_allclose(model.predict_proba(paragraphs), expected, atol=1e-6)
    classifier = pipeline.named_steps["classifier"]
    np.testing.assert_array_equal(model.decoding.transitions_, classifier.transitions_)
    assert model.decoding.structure_weight == classifier.structure_weight


@pytest.mark.parametrize(
    ("features", "model"),
    [
        ({"kind": "char", "min_df": 1}, {"name": "logreg"}),
        ({"kind": "word", "min_df": 1, "cues": True}, {"name": "complement_nb"}),
    ],
)
def test_other_models_run_through_the_pipeline(tmp_path, features: dict, model: dict) -> None:
    pipeline = fit_tiny(features, model)
    with pytest.raises(NotLinear):
        LinearTextModel.from_fitted(pipeline)
    path = tmp_path / "model.skops"
    save_pipeline(pipeline, path)
    loaded = load_predictor(path)
    assert isinstance(loaded, PipelineModel)
    np.testing.assert_array_equal(
        loaded.predict_proba(TINY_TEXTS), proba_in_label_order(pipeline, TINY_TEXTS)
    )


def test_a_saved_linear_model_is_read_back_without_scikit_learn(tmp_path) -> None:
    path = tmp_path / "model.skops"
    pipeline = fit_tiny({"kind": "word", "min_df": 1, "cues": True, "tokenizer": "rjieba"})
    save_pipeline(pipeline, path)
    expected = proba_in_label_order(pipeline, TINY_TEXTS + UNSEEN).tolist()
    script = f"""
import json, sys
from zongjie.persistence import load_predictor
model = load_predictor({str(path)!r})
print(json.dumps({{
    "type": type(model).__name__,
    "proba": model.predict_proba({TINY_TEXTS + UNSEEN!r}).tolist(),
    "imported": sorted(m for m in ("sklearn", "skops", "scipy") if m in sys.modules),
}}))
"""
    result = json.loads(
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout
    )
    assert result["type"] == "LinearTextModel"
    assert result["imported"] == []
    np.testing.assert_allclose(result["proba"], expected, atol=1e-6)


def test_predict_in_a_fresh_process_never_imports_scikit_learn() -> None:
    script = (
        "import sys, zongjie\n"
        "labels = zongjie.predict(['下半年将重点做好以下工作。', '全年共培训干部560人次。'])\n"
        "document = zongjie.predict_document(['一、工作开展情况', '全年共培训干部560人次。'])\n"
        "print(labels, document, [m for m in ('sklearn', 'skops') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['plan', 'summary'] ['summary', 'summary'] []"


def test_a_foreign_type_inside_a_linear_model_is_still_refused(tmp_path) -> None:
    path = tmp_path / "model.skops"
    save_pipeline(fit_tiny({"kind": "word", "min_df": 1, "cues": True}), path)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    schema = (
        entries["schema.json"]
        .decode("utf-8")
        .replace('"__module__": "zongjie.text"', '"__module__": "os"')
    )
    assert '"os"' in schema
    tampered = tmp_path / "tampered.skops"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, schema if name == "schema.json" else data)
    with pytest.raises(ValueError, match=r"holds types a zongjie model never holds.*os\."):
        load_predictor(tampered)
