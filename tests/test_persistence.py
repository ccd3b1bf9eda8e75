"""Saved models: round trips, atomic writes, refusals that say what is wrong."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from zongjie import persistence
from zongjie.api import default_model_path
from zongjie.models import proba_in_label_order
from zongjie.persistence import load_model_file, load_pipeline, save_pipeline

from conftest import TINY_TEXTS, fit_tiny

# Both ways a model file is read: the full skops load, and the plain reader `predict` uses.
LOADERS = pytest.mark.parametrize("loader", [load_pipeline, persistence.load_predictor])


def _fitted():
    return fit_tiny({"kind": "word", "min_df": 1, "cues": True})


@pytest.mark.parametrize("suffix", [".skops", ".joblib"])
def test_round_trip_gives_the_same_probabilities(tmp_path, suffix: str) -> None:
    pipeline = _fitted()
    path = tmp_path / f"model{suffix}"
    save_pipeline(pipeline, path, {"config_hash": "abc", "metrics": {"macro_f1": 0.9}})
    loaded = load_model_file(path, trust_pickle=suffix == ".joblib")
    np.testing.assert_array_equal(
        proba_in_label_order(pipeline, TINY_TEXTS),
        proba_in_label_order(loaded.pipeline, TINY_TEXTS),
    )
    assert loaded.metadata["labels"] == ["summary", "problem", "plan"]
    assert loaded.metadata["config_hash"] == "abc"
    assert loaded.metadata["metrics"] == {"macro_f1": 0.9}
    assert {"zongjie", "scikit-learn"} <= set(loaded.metadata)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_saving_one_model_twice_gives_the_same_bytes(tmp_path) -> None:
    pipeline = _fitted()
    save_pipeline(pipeline, tmp_path / "a.skops", {"config_hash": "x"})
    time.sleep(2.1)  # zip timestamps have a resolution of two seconds
    save_pipeline(pipeline, tmp_path / "b.skops", {"config_hash": "x"})
    assert (tmp_path / "a.skops").read_bytes() == (tmp_path / "b.skops").read_bytes()


def test_the_committed_default_model_loads_safely() -> None:
    assert default_model_path().suffix == ".skops"
    model = load_model_file(default_model_path())
    assert set(model.pipeline.classes_) == {"summary", "problem", "plan"}
    assert "metrics" in model.metadata and "config_hash" in model.metadata


def test_a_pickle_needs_explicit_trust(tmp_path) -> None:
    path = tmp_path / "model.joblib"
    save_pipeline(_fitted(), path)
    with pytest.raises(ValueError, match=r"is a joblib pickle, which can run code"):
        load_pipeline(path)
    assert load_pipeline(path, trust_pickle=True) is not None


def test_a_failed_save_leaves_the_old_model_intact(tmp_path, monkeypatch) -> None:
    path = tmp_path / "model.skops"
    save_pipeline(_fitted(), path)
    before = path.read_bytes()

    def fail_midway(*args, **kwargs):
        raise KeyboardInterrupt  # the user pressed Ctrl-C mid-save

    import skops.io

    monkeypatch.setattr(skops.io, "dumps", fail_midway)
    with pytest.raises(KeyboardInterrupt):
        save_pipeline(_fitted(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.skops"]


KEEP_SAVING = """
import sys
sys.path.insert(0, "tests")
from conftest import fit_tiny
from zongjie.persistence import save_pipeline
pipeline = fit_tiny({"kind": "word", "min_df": 1, "cues": True})
save_pipeline(pipeline, sys.argv[1])
print("ready", flush=True)
while True:
    save_pipeline(pipeline, sys.argv[1])
"""


def test_killing_a_process_mid_save_never_leaves_a_broken_model(tmp_path) -> None:
    path = tmp_path / "model.skops"
    for delay in (0.05, 0.13, 0.31):
        process = subprocess.Popen(
            [sys.executable, "-c", KEEP_SAVING, str(path)],
            stdout=subprocess.PIPE,
            cwd=persistence.Path(__file__).resolve().parents[1],
        )
        assert process.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert load_pipeline(path) is not None  # the last complete save, whole


@LOADERS
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"is empty"),
        (b"\x00\x01garbage", r"is not a readable zongjie model"),
    ],
)
def test_unreadable_files_give_a_clear_error(loader, tmp_path, content, message) -> None:
    path = tmp_path / "bad.skops"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        loader(path)


@LOADERS
def test_truncated_model_gives_a_clear_error(loader, tmp_path) -> None:
    path = tmp_path / "model.skops"
    save_pipeline(_fitted(), path)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ValueError, match=r"is not a readable zongjie model"):
        loader(path)


def test_unknown_suffix_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"ends in \.skops .* or \.joblib"):
        save_pipeline(_fitted(), tmp_path / "model.pkl")


class Payload:
    """Stands for any class a model file should not make us import and build."""

    def __init__(self) -> None:
        self.command = "rm -rf /"


@LOADERS
def test_a_file_with_foreign_types_is_refused_before_loading(loader, tmp_path) -> None:
    import skops.io

    path = tmp_path / "evil.skops"
    path.write_bytes(skops.io.dumps({"format": "zongjie-model", "x": Payload()}))
    with pytest.raises(
        ValueError,
        match=r"holds types a zongjie model never holds, so it was not loaded: .*Payload",
    ):
        loader(path)


@LOADERS
def test_other_skops_content_is_not_a_model(loader, tmp_path) -> None:
    import skops.io

    path = tmp_path / "dict.skops"
    path.write_bytes(skops.io.dumps({"not": "a model"}))
    with pytest.raises(ValueError, match=r"is not a zongjie model"):
        loader(path)


def _rewrite_metadata(path, **changes) -> None:
    import skops.io

    payload = skops.io.loads(path.read_bytes(), trusted=sorted(persistence.ALLOWED_TYPES))
    payload["metadata"].update(changes)
    path.write_bytes(skops.io.dumps(payload, compression=zipfile.ZIP_DEFLATED))


@LOADERS
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"labels": ["summary", "plan"]}, r"predicts the labels \('summary', 'plan'\)"),
        ({"scikit-learn": "0.24.2"}, r"was made with scikit-learn 0\.24\.2, this is scikit-learn"),
        ({"zongjie": "9.0.0"}, r"was made with zongjie 9\.0\.0, this is zongjie"),
    ],
)
def test_incompatible_models_say_what_differs(loader, tmp_path, changes, message) -> None:
    path = tmp_path / "model.skops"
    save_pipeline(_fitted(), path)
    _rewrite_metadata(path, **changes)
    with pytest.raises(ValueError, match=message):
        loader(path)


# train.py itself, with os.fsync made to hang once the new model is written to its temporary
# file: the moment a kill does the most harm if saving is not atomic.
TRAIN_THEN_HANG_IN_SAVE = """
import os, runpy, sys, time
real_fsync = os.fsync
def fsync_then_hang(fd):
    real_fsync(fd)
    print("saving", flush=True)
    time.sleep(600)
os.fsync = fsync_then_hang
sys.argv = ["train.py", *sys.argv[1:]]
runpy.run_path("train.py", run_name="__main__")
"""


def test_killing_train_py_mid_save_keeps_the_previous_model(tmp_path) -> None:
    root = persistence.Path(__file__).resolve().parents[1]
    path = tmp_path / "model.skops"
    save_pipeline(_fitted(), path, {"config_hash": "previous"})
    before = path.read_bytes()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            TRAIN_THEN_HANG_IN_SAVE,
            "data=seeds",
            "eval.enabled=false",
            "mlflow.enabled=false",
            f"output.model_path={path}",
            f"hydra.run.dir={tmp_path / 'hydra'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=root,
        text=True,
    )
    try:
        lines = iter(process.stdout.readline, "")
        assert any(line.strip() == "saving" for line in lines), "train.py never saved"
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # caught mid-save
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert path.read_bytes() == before
    assert load_model_file(path).metadata["config_hash"] == "previous"
