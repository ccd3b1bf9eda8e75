"""Saved models: round trips, atomic writes, clear errors on files that are not models."""

from __future__ import annotations

import joblib
import numpy as np
import pytest

from zongjie import persistence
from zongjie.api import default_model_path
from zongjie.models import build_pipeline, proba_in_label_order
from zongjie.persistence import load_pipeline, save_pipeline

TEXTS = [
    "上半年共完成培训120人次,新建校舍3处。",
    "全年累计投入资金500万元,完成了目标任务。",
    "培训形式单一,针对性不强,仍有待改进。",
    "部分学校师资力量薄弱,发展不平衡。",
    "下半年将进一步加强领导,力争完成全年任务。",
    "明年要确保各项工作落到实处。",
] * 3
LABELS_ = ["summary", "summary", "problem", "problem", "plan", "plan"] * 3


def _fitted():
    pipeline = build_pipeline({"kind": "word", "min_df": 1}, {"name": "logreg"}, seed=0)
    return pipeline.fit(TEXTS, LABELS_)


def test_round_trip_gives_the_same_probabilities(tmp_path) -> None:
    pipeline = _fitted()
    path = tmp_path / "model.joblib"
    save_pipeline(pipeline, path)
    loaded = load_pipeline(path)
    np.testing.assert_array_equal(
        proba_in_label_order(pipeline, TEXTS), proba_in_label_order(loaded, TEXTS)
    )
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]  # no temporary file left


def test_the_committed_default_model_loads_and_predicts() -> None:
    model = load_pipeline(default_model_path())
    assert set(model.classes_) == {"summary", "problem", "plan"}


def test_a_failed_save_leaves_the_old_model_intact(tmp_path, monkeypatch) -> None:
    path = tmp_path / "model.joblib"
    save_pipeline(_fitted(), path)
    before = path.read_bytes()

    def dump_half_then_fail(value, handle, **kwargs):
        handle.write(b"half a model")
        raise KeyboardInterrupt  # the user pressed Ctrl-C mid-save

    monkeypatch.setattr(persistence.joblib, "dump", dump_half_then_fail)
    with pytest.raises(KeyboardInterrupt):
        save_pipeline(_fitted(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is not a readable zongjie model"),
        (b"\x00\x01garbage", "is not a readable zongjie model"),
    ],
)
def test_unreadable_files_give_a_clear_error(tmp_path, content, message) -> None:
    path = tmp_path / "bad.joblib"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_pipeline(path)


def test_truncated_model_gives_a_clear_error(tmp_path) -> None:
    path = tmp_path / "model.joblib"
    save_pipeline(_fitted(), path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="is not a readable zongjie model"):
        load_pipeline(path)


def test_a_pickle_of_something_else_is_refused(tmp_path) -> None:
    path = tmp_path / "other.joblib"
    joblib.dump({"not": "a model"}, path)
    with pytest.raises(ValueError, match="is not a zongjie model"):
        load_pipeline(path)
