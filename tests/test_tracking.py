"""MLflow tracking: one run per training with its config, metrics, reports and pyfunc model;
sweeps as one parent run with the jobs' runs nested under it; the best run registered once;
failures recorded, a killed run or sweep ended."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zongjie.document import Document
from zongjie.tracking import _flatten, data_digest, register_best

from conftest import DEFAULT_MODEL, ROOT, TINY_OVERRIDES, compose_config, mini_config, mini_gold


def test_the_data_digest_changes_with_the_labels() -> None:
    documents = [Document("a", "personal", "g", ("完成了。", "要学习。"), ("summary", "plan"))]
    digest = data_digest(documents)
    assert len(digest) == 12 and int(digest, 16) >= 0
    assert data_digest(list(documents)) == digest
    relabelled = [Document("a", "personal", "g", ("完成了。", "要学习。"), ("summary", "summary"))]
    assert data_digest(relabelled) != digest


def test_the_config_is_flattened_into_params() -> None:
    flat = _flatten(
        {"model": {"name": "logreg", "C": 4.0}, "features": {"ngram_range": [1, 2]}, "seed": 42}
    )
    assert flat == {
        "model.name": "logreg",
        "model.C": "4.0",
        "features.ngram_range": "[1, 2]",
        "seed": "42",
    }
    assert len(_flatten({"long": "x" * 7000})["long"]) == 6000


def test_a_logged_model_requires_the_declared_dependencies_pinned() -> None:
    import tomllib
    from importlib.metadata import version

    from zongjie.tracking import _requirements

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = [
        re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0] for r in declared["project"]["dependencies"]
    ]
    assert _requirements() == [f"{name}=={version(name)}" for name in names]


def test_without_package_metadata_no_model_is_logged_with_guessed_requirements(
    tmp_path, monkeypatch
) -> None:
    # It used to fall back on a list of its own (scikit-learn, jieba, numpy, scipy, joblib),
    # which pyproject.toml no longer declared (numpy, rjieba).
    import importlib.metadata

    from zongjie.tracking import _requirements, open_run

    def missing(name: str):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "requires", missing)
    with pytest.raises(RuntimeError, match=r"^zongjie is not installed \(no package metadata\)"):
        _requirements()
    # A training that would log a model stops before it starts, not after it has trained.
    cfg = compose_config([f"mlflow.tracking_uri=sqlite:///{tmp_path / 'mlflow.db'}"])
    with pytest.raises(RuntimeError, match=r"^zongjie is not installed"):
        open_run(cfg, None)
    assert not (tmp_path / "mlflow.db").exists()


@pytest.mark.slow
def test_registering_without_runs_says_so(tmp_path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(LookupError, match=r"^no MLflow experiment 'absent' at sqlite:///"):
        register_best(uri, "absent")
    import mlflow

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("empty")
    with pytest.raises(
        LookupError, match=r"^no finished run with a logged model and metrics in 'empty'$"
    ):
        register_best(uri, "empty")


@pytest.mark.slow
def test_a_training_is_one_run_with_its_model_and_registers_once(tmp_path) -> None:
    import mlflow
    import pandas as pd

    from zongjie.training import train

    cfg = mini_config(tmp_path)
    metrics = train(cfg)
    mlflow.set_tracking_uri(cfg.mlflow.tracking_uri)
    (run,) = mlflow.search_runs(experiment_names=["test"], output_format="list")
    assert run.info.status == "FINISHED" and run.info.run_name == "logreg-crf"
    params = run.data.params
    assert params["model.name"] == "logreg" and params["decoder.name"] == "crf"
    assert params["decoder.oof_folds"] == "2" and params["eval.schemes"] == "['source']"
    assert (params["n_documents"], params["n_paragraphs"]) == ("4", "108")
    assert (params["n_summary"], params["n_problem"], params["n_plan"]) == ("76", "6", "26")
    assert run.data.metrics == pytest.approx(metrics)
    assert run.data.tags["zongjie.model"] == "logged"
    client = mlflow.MlflowClient()
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {
        "config.yaml",
        "MODEL_CARD.md",
        "source_document_classification_report.txt",
        "source_document_confusion_matrix.json",
        "source_isolated_confusion_matrix.png",
    } <= artifacts
    logged = mlflow.pyfunc.load_model(run.data.tags["zongjie.model_uri"])
    answer = logged.predict(pd.DataFrame({"text": ["下半年将重点做好以下工作:", "二、存在问题"]}))
    assert list(answer["label"]) == ["plan", "problem"]
    info = mlflow.models.get_model_info(run.data.tags["zongjie.model_uri"])
    assert info.signature is not None and info.saved_input_example_info is not None

    version = register_best(cfg.mlflow.tracking_uri, "test", "zongjie")
    assert (version.name, str(version.version), version.run_id) == ("zongjie", "1", run.info.run_id)
    assert register_best(cfg.mlflow.tracking_uri, "test", "zongjie").version == version.version
    described = client.get_model_version("zongjie", version.version)
    assert described.description.startswith("# Model card: zongjie")
    assert float(described.tags["objective"]) == pytest.approx(metrics["objective"], abs=1e-4)


@pytest.mark.slow
def test_the_same_model_file_is_not_registered_twice(tmp_path) -> None:
    import hashlib

    import mlflow

    from zongjie.tracking import MODEL_HASH_TAG, Sweep, close_sweep, open_sweep
    from zongjie.training import train

    cfg = mini_config(tmp_path)
    uri = cfg.mlflow.tracking_uri
    client = mlflow.MlflowClient(uri)
    train(cfg)
    first = register_best(uri, "test", "zongjie")
    model_file = Path(cfg.output.model_path)
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert client.get_model_version("zongjie", first.version).tags[MODEL_HASH_TAG] == digest
    # The same training again: another run, the same file, byte for byte (saves are
    # reproducible), the same objective; the newer run is the best and is not registered.
    train(cfg)
    assert hashlib.sha256(model_file.read_bytes()).hexdigest() == digest
    runs = mlflow.search_runs(experiment_names=["test"], output_format="list")
    assert len(runs) == 2
    again = register_best(uri, "test", "zongjie")
    # (MLflow's sqlite store answers a version number as an int, register_model as a str.)
    assert str(again.version) == str(first.version) == "1" and again.run_id == first.run_id
    assert [str(v.version) for v in client.search_model_versions("name = 'zongjie'")] == ["1"]
    # A different model (complement naive Bayes, in a sweep of its own) is a new version.
    other = mini_config(tmp_path, extra=["model=complement_nb"])
    parent = open_sweep(uri, "test", "other", "other")
    train(other, sweep=Sweep(id="other", parent_run_id=parent))
    close_sweep(uri, parent)
    assert hashlib.sha256(model_file.read_bytes()).hexdigest() != digest
    third = register_best(uri, "test", "zongjie", parent_run_id=parent)
    assert str(third.version) == "2" and third.run_id not in {run.info.run_id for run in runs}
    assert client.get_model_version("zongjie", "2").tags[MODEL_HASH_TAG] == (
        hashlib.sha256(model_file.read_bytes()).hexdigest()
    )


def _sweep(tmp_path: Path, overrides: list[str]) -> tuple[subprocess.Popen, str, str]:
    """`python train.py -m` with `overrides`, its sweep folder `tmp_path/multirun`: the process
    (ended), its stdout and stderr."""
    process = subprocess.Popen(
        [
            *(sys.executable, "train.py", "-m"),
            *TINY_OVERRIDES,
            *overrides,
            f"hydra.sweep.dir={tmp_path / 'multirun'}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate(timeout=600)
    return process, stdout, stderr


@pytest.mark.slow
def test_a_sweep_is_one_parent_run_and_registers_its_best(tmp_path) -> None:
    import mlflow

    before = DEFAULT_MODEL.read_bytes()
    cfg = mini_config(tmp_path)  # writes the four reports' gold file
    uri = cfg.mlflow.tracking_uri
    process, _, stderr = _sweep(
        tmp_path,
        [
            "model=logreg,complement_nb",
            f"data.seeds_gold={cfg.data.seeds_gold}",
            "eval.schemes=[source]",
            "eval.objective.scheme=source",
            f"mlflow.tracking_uri={uri}",
        ],
    )
    assert process.returncode == 0, stderr[-3000:]
    # Each job wrote its model into its own folder, never over the default model.
    for job in ("0", "1"):
        assert (tmp_path / "multirun" / job / DEFAULT_MODEL.name).is_file()
    assert DEFAULT_MODEL.read_bytes() == before

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=["zongjie"], output_format="list")
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    jobs = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(jobs) == 2
    (parent,) = parents
    # The callback opened it as the sweep started, and handed its id to the jobs in the
    # sweep's folder; MLflow nested each job's run under it.
    parent_id = parent.info.run_id
    assert (tmp_path / "multirun" / "mlflow_parent_run_id").read_text().strip() == parent_id
    assert parent.info.run_name == "sweep multirun"
    assert parent.data.tags["zongjie.role"] == "sweep"
    assert parent.data.tags["zongjie.sweep"] == str(tmp_path / "multirun")
    assert parent.data.tags["zongjie.pid"] == str(process.pid)
    assert parent.data.tags["zongjie.host"] == socket.gethostname()
    assert {r.data.tags["mlflow.parentRunId"] for r in jobs} == {parent_id}
    assert {r.data.tags["zongjie.role"] for r in jobs} == {"job"}
    assert {r.info.status for r in jobs} == {"FINISHED"}
    assert {r.data.params["model.name"] for r in jobs} == {"logreg", "complement_nb"}
    # Ended by the callback when the sweep ended, with its best job.
    best = max(jobs, key=lambda r: r.data.metrics["objective"])
    assert parent.info.status == "FINISHED" and parent.info.end_time is not None
    assert parent.data.metrics["best_objective"] == pytest.approx(best.data.metrics["objective"])
    assert parent.data.tags["best_run_id"] == best.info.run_id
    assert parent.data.tags["best_run"] == best.info.run_name
    assert parent.data.tags["jobs"] == "2"
    versions = mlflow.MlflowClient(uri).search_model_versions("name = 'zongjie'")
    assert [v.run_id for v in versions] == [best.info.run_id]


@pytest.mark.slow
def test_a_sweep_whose_job_fails_ends_its_parent_failed(tmp_path) -> None:
    # Hydra runs the other jobs, then raises instead of calling on_multirun_end: the parent is
    # ended as the process exits, not left RUNNING.
    import mlflow

    missing = tmp_path / "missing.jsonl"
    process, _, stderr = _sweep(
        tmp_path,
        [
            f"data.seeds_gold={missing},{mini_gold(tmp_path)}",
            "eval.enabled=false",
            "mlflow.log_model=false",
            f"mlflow.tracking_uri=sqlite:///{tmp_path / 'mlflow.db'}",
        ],
    )
    assert process.returncode == 1, stderr[-3000:]
    runs = _all_runs(mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}"))
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    jobs = sorted(
        (r for r in runs if "mlflow.parentRunId" in r.data.tags), key=lambda r: r.info.run_name
    )
    assert [r.data.tags["mlflow.parentRunId"] for r in jobs] == [parent.info.run_id] * 2
    assert [r.info.status for r in jobs] == ["FAILED", "FINISHED"]
    assert parent.info.status == "FAILED" and parent.info.end_time is not None
    assert parent.data.tags["zongjie.ended"] == "the sweep stopped before its end: a job failed"
    assert parent.data.tags["jobs"] == "2"


def _sweep_config(folder: Path, *overrides: str):
    """The composed config with its `hydra` node, as a sweep's callbacks get it: the store in
    `folder/mlflow.db`, the sweep's folder `folder/multirun`."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose(
            config_name="config",
            overrides=[
                f"mlflow.tracking_uri=sqlite:///{folder / 'mlflow.db'}",
                f"hydra.sweep.dir={folder / 'multirun'}",
                *overrides,
            ],
            return_hydra_config=True,
        )


@pytest.mark.slow
def test_the_callback_ends_a_sweep_that_stopped_before_its_end(tmp_path, monkeypatch) -> None:
    # What the callback does at exit when on_multirun_end never came (a job failed, Ctrl-C),
    # without a real sweep: the jobs' runs are opened and closed as train() does.
    import mlflow

    from zongjie.tracking import Sweep, SweepCallback, close_run, open_run

    monkeypatch.chdir(tmp_path)  # MLflow's artifacts (./mlruns) go there
    config = _sweep_config(tmp_path)
    callback = SweepCallback()
    callback.on_multirun_start(config)
    parent_id = (tmp_path / "multirun" / "mlflow_parent_run_id").read_text().strip()
    client = mlflow.MlflowClient(config.mlflow.tracking_uri)
    assert client.get_run(parent_id).info.status == "RUNNING"
    job_cfg = compose_config([f"mlflow.tracking_uri={config.mlflow.tracking_uri}"])
    job_cfg.mlflow.log_model = False
    for job, error in enumerate([None, ValueError("no fit")]):
        run = open_run(
            job_cfg, Sweep(id=str(tmp_path / "multirun"), parent_run_id=parent_id, job=job)
        )
        if error is None:
            mlflow.log_metric("objective", 0.5)
        close_run(run, error)
    callback._end_unfinished()  # what it registered with atexit, as the process exits
    parent = client.get_run(parent_id)
    assert parent.info.status == "FAILED"
    assert parent.data.tags["zongjie.ended"] == "the sweep stopped before its end: a job failed"
    assert parent.data.metrics["best_objective"] == 0.5 and parent.data.tags["jobs"] == "2"
    assert parent.data.tags["best_run"] == "logreg-crf #0"
    # Once ended, the parent is left alone: on_multirun_end has nothing more to do.
    callback.on_multirun_end(config)
    assert client.get_run(parent_id).info.status == "FAILED"


# The callback of a sweep that starts, then its process is killed (`kill -9`) before any job.
SWEEP_THEN_DIE = f"""
import os, signal, sys
sys.path.insert(0, {str(ROOT / "tests")!r})
from pathlib import Path
from test_tracking import _sweep_config
from zongjie.tracking import SweepCallback
SweepCallback().on_multirun_start(_sweep_config(Path(sys.argv[1])))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.slow
def test_a_killed_sweeps_parent_is_ended_by_the_next_training(tmp_path) -> None:
    import mlflow

    from zongjie.tracking import end_dead_runs

    process = subprocess.run(
        [sys.executable, "-c", SWEEP_THEN_DIE, str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr[-3000:]
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    (parent,) = _all_runs(client)
    assert (
        parent.info.run_id == (tmp_path / "multirun" / "mlflow_parent_run_id").read_text().strip()
    )
    assert parent.info.status == "RUNNING"  # nothing in the process could end it
    assert parent.data.tags["zongjie.host"] == socket.gethostname()
    pid = int(parent.data.tags["zongjie.pid"])
    # What the next training (or sweep) on the store does first: its process is gone.
    assert end_dead_runs(client) == [parent.info.run_id]
    parent = client.get_run(parent.info.run_id)
    assert parent.info.status == "KILLED"
    assert f"pid {pid} on" in parent.data.tags["zongjie.ended"]


@pytest.mark.slow
def test_a_failing_training_is_a_failed_run_with_its_error(tmp_path) -> None:
    import mlflow

    from zongjie.training import train

    cfg = mini_config(tmp_path, extra=[f"data.seeds_gold={tmp_path / 'missing.jsonl'}"])
    with pytest.raises(FileNotFoundError):
        train(cfg)
    mlflow.set_tracking_uri(cfg.mlflow.tracking_uri)
    (run,) = mlflow.search_runs(experiment_names=["test"], output_format="list")
    assert run.info.status == "FAILED"
    assert run.data.tags["error"].startswith(
        "FileNotFoundError: [Errno 2] No such file or directory"
    )
    assert "missing.jsonl" in run.data.tags["error"]
    assert run.data.params["data.seeds_gold"] == str(tmp_path / "missing.jsonl")
    error_file = mlflow.MlflowClient().download_artifacts(
        run.info.run_id, "error.txt", str(tmp_path)
    )
    text = Path(error_file).read_text(encoding="utf-8")
    assert "Traceback" in text and "FileNotFoundError" in text


@pytest.mark.slow
def test_a_training_run_lasts_as_long_as_the_training(tmp_path, monkeypatch) -> None:
    # The run used to be opened once the model was fitted and saved, at the end: its duration
    # was the logging's, a few seconds, whatever the training took.
    import mlflow

    from zongjie import training

    fitted_at = []

    def timed_fit(*args, **kwargs):
        fitted_at.append(time.time())
        return fit_model(*args, **kwargs)

    fit_model = training.fit_model
    monkeypatch.setattr(training, "fit_model", timed_fit)
    monkeypatch.chdir(tmp_path)  # MLflow's artifacts (./mlruns) go there
    training.train(compose_config(_tiny_overrides(tmp_path, "model")))
    (run,) = _all_runs(mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}"))
    assert run.info.status == "FINISHED"
    saved = (tmp_path / "model" / "model.zongjie").stat().st_mtime
    assert run.info.start_time / 1000 <= fitted_at[0] <= saved <= run.info.end_time / 1000
    # The process that opened it, should it die without ending it.
    assert run.data.tags["zongjie.pid"] == str(os.getpid())
    assert run.data.tags["zongjie.host"] == socket.gethostname()


# A training in its own process, on a config given as overrides (argv). Processes run in the
# test's folder, where MLflow puts its artifacts (./mlruns).
TRAIN_IN_PROCESS = f"""
import sys
sys.path.insert(0, {str(ROOT / "tests")!r})
from conftest import compose_config
from zongjie.training import train
print("started", flush=True)
train(compose_config(sys.argv[1:]))
print("done", flush=True)
"""


def _training(folder: Path, overrides: list[str], **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", TRAIN_IN_PROCESS, *overrides], cwd=folder, text=True, **popen
    )


def _tiny_overrides(folder: Path, name: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The quickest training that still logs a run: the four mini documents, no evaluation,
    no model logged (unless `extra` says so); its model in `folder/name`, its store in
    `folder/mlflow.db` (experiment ``zongjie``)."""
    return [
        *TINY_OVERRIDES,
        f"data.seeds_gold={mini_gold(folder)}",
        "eval.enabled=false",
        "mlflow.log_model=false",
        f"output.model_path={folder / name / 'model.zongjie'}",
        f"mlflow.tracking_uri=sqlite:///{folder / 'mlflow.db'}",
        *extra,
    ]


@pytest.mark.slow
def test_two_first_trainings_at_once_share_a_new_store(tmp_path) -> None:
    # Both open a store that does not exist yet: MLflow creates its tables by migrating the
    # schema, and two migrations at once failed each other (alembic_version rows, tables that
    # already exist) and could leave the store unusable. Three rounds, each on a new store.
    import mlflow

    for round_ in range(3):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        processes = [
            _training(
                folder,
                _tiny_overrides(folder, name),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for name in ("a", "b")
        ]
        outcomes = [p.communicate(timeout=600) for p in processes]
        for process, (_, stderr) in zip(processes, outcomes, strict=True):
            assert process.returncode == 0, stderr[-3000:]
        uri = f"sqlite:///{folder / 'mlflow.db'}"
        runs = _all_runs(mlflow.MlflowClient(uri))
        assert sorted(r.info.status for r in runs) == ["FINISHED", "FINISHED"]


# train() in a process that hangs where argv[1] says: in the model's fit, or in logging the
# model (the slowest part of the run's logging, where `kill -9` most likely finds it).
TRAIN_THEN_HANG = f"""
import sys, time
import mlflow.pyfunc
sys.path.insert(0, {str(ROOT / "tests")!r})
from conftest import compose_config
from zongjie import training

def hang(*args, **kwargs):
    print("hanging", flush=True)
    time.sleep(600)

if sys.argv[1] == "fit":
    training.fit_model = hang
else:
    mlflow.pyfunc.log_model = hang
training.train(compose_config(sys.argv[2:]))
"""


def _hanging_training(folder: Path, where: str, overrides: list[str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", TRAIN_THEN_HANG, where, *overrides],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    if process.stdout.readline().strip() != "hanging":
        process.kill()
        pytest.fail(f"the training never reached its {where}")
    return process


@pytest.mark.slow
def test_a_training_killed_while_logging_does_not_stay_running(tmp_path) -> None:
    import mlflow

    started = time.time()
    process = _hanging_training(
        tmp_path, "log", _tiny_overrides(tmp_path, "killed", ("mlflow.log_model=true",))
    )
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    (killed,) = _all_runs(client)
    assert killed.info.status == "RUNNING"  # nothing in the process could end it
    # Opened when the training started: its config is there, and its clock started then.
    assert killed.data.params["decoder.oof_folds"] == "2"
    assert started * 1000 <= killed.info.start_time
    assert killed.info.start_time / 1000 < (tmp_path / "killed" / "model.zongjie").stat().st_mtime

    # The next training on this store finds the run's process gone and ends the run.
    second = _training(tmp_path, _tiny_overrides(tmp_path, "next"), stdout=subprocess.DEVNULL)
    assert second.wait(timeout=600) == 0
    runs = {r.info.run_id: r for r in _all_runs(client)}
    killed = runs.pop(killed.info.run_id)
    assert killed.info.status == "KILLED" and killed.info.end_time is not None
    assert f"pid {process.pid}" in killed.data.tags["zongjie.ended"]
    (finished,) = runs.values()
    assert finished.info.status == "FINISHED"
    # Its duration covers the training: the model was saved between its start and its end.
    saved = (tmp_path / "next" / "model.zongjie").stat().st_mtime
    assert finished.info.start_time / 1000 <= saved <= finished.info.end_time / 1000


@pytest.mark.slow
def test_only_this_hosts_runs_whose_process_is_gone_are_ended(tmp_path) -> None:
    import mlflow

    from zongjie.tracking import end_dead_runs

    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.create_experiment("any", artifact_location=str(tmp_path / "artifacts"))
    gone = subprocess.Popen(["true"])
    gone.wait()
    alive = subprocess.Popen(["sleep", "60"])
    host = socket.gethostname()
    try:
        runs = {
            name: client.create_run(experiment, run_name=name, tags=tags).info.run_id
            for name, tags in {
                "dead": {"zongjie.pid": str(gone.pid), "zongjie.host": host},
                "alive": {"zongjie.pid": str(alive.pid), "zongjie.host": host},
                "elsewhere": {"zongjie.pid": str(gone.pid), "zongjie.host": f"not-{host}"},
                "untagged": {},
            }.items()
        }
        assert end_dead_runs(client) == [runs["dead"]]
    finally:
        alive.kill()
        alive.wait()
    status = {name: client.get_run(run_id).info.status for name, run_id in runs.items()}
    assert status == {
        "dead": "KILLED",
        "alive": "RUNNING",
        "elsewhere": "RUNNING",
        "untagged": "RUNNING",
    }


@pytest.mark.slow
def test_a_training_interrupted_by_ctrl_c_is_a_killed_run(tmp_path) -> None:
    import mlflow

    process = _hanging_training(tmp_path, "fit", _tiny_overrides(tmp_path, "interrupted"))
    try:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    (run,) = _all_runs(mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}"))
    assert run.info.status == "KILLED" and run.info.end_time is not None


def _all_runs(client) -> list:
    experiment = client.get_experiment_by_name("zongjie")
    return client.search_runs([experiment.experiment_id]) if experiment else []
