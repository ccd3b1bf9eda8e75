"""A training run → MLflow: params, metrics, artifacts, the pyfunc model, sweeps, the registry.

* `open_run` opens a training's run when the training starts (the flattened composed config as
  params, the config file as an artifact, the process id and host as tags); `log_run` logs into
  it the metrics (one per scheme, track and family), the reports and the model card, and the
  saved model file wrapped as a pyfunc (`zongjie.serving.ParagraphLabeller`); `close_run` ends
  it: FINISHED, FAILED with the error, or KILLED on Ctrl-C. So the run's duration is the
  training's.
* A run whose process was killed (SIGKILL) stays RUNNING: the next `open_run` on the store
  marks this host's RUNNING runs whose process is gone as KILLED.
* A new sqlite store is created once, under a lock on ``<db>.lock`` (`prepare_store`): two
  trainings starting at once on a fresh ``mlflow.db`` raced in MLflow's schema migration.
* A Hydra sweep (``python train.py -m …``) is one parent run with one nested run per job:
  `SweepCallback` opens the parent as the sweep starts and hands its id to the jobs (a file in
  the sweep's folder), each job's run is started under it, and when the sweep ends the
  callback writes the best job onto the parent, ends it and registers the best model. A sweep
  that fails or is interrupted ends its parent FAILED or KILLED as the process exits; a killed
  one leaves it to `end_dead_runs`, like any run. `scripts/search.py` nests its trials the same
  way (`open_sweep`, `close_sweep`).
* `register_best` registers the best run's model as ``zongjie`` in the MLflow model registry,
  with the model card as its description, unless its model file is byte for byte the latest
  version's.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from zongjie.document import LABELS, Document

__all__ = [
    "Sweep",
    "SweepCallback",
    "close_run",
    "close_sweep",
    "data_digest",
    "end_dead_runs",
    "log_run",
    "open_run",
    "open_sweep",
    "prepare_hydra_job",
    "prepare_store",
    "register_best",
    "sweep_children",
]

log = logging.getLogger(__name__)

CARD_NAME = "MODEL_CARD.md"
# Tags that label runs, to filter them in the UI: the sweep a run belongs to (its folder), its
# role in it (the parent ``sweep``, or a ``job``), the data it saw. Which runs make up a sweep is
# MLflow's nesting: the jobs' ``mlflow.parentRunId`` is the parent run's id.
SWEEP_TAG = "zongjie.sweep"
ROLE_TAG = "zongjie.role"
PARENT_TAG = "mlflow.parentRunId"
DATA_TAG = "zongjie.data"
MODEL_TAG = "zongjie.model"
MODEL_URI_TAG = "zongjie.model_uri"
# The process that opened a run, and how a run found dead was ended.
PID_TAG = "zongjie.pid"
HOST_TAG = "zongjie.host"
ENDED_TAG = "zongjie.ended"
# A registered version's model file, by its SHA-256: an identical file is not registered again.
MODEL_HASH_TAG = "zongjie.model_sha256"
# In a Hydra sweep's folder: the id of its parent run, which SweepCallback writes and each job
# reads (`prepare_hydra_job`), in this process or another.
PARENT_RUN_FILE = "mlflow_parent_run_id"


def data_digest(documents: Sequence[Document]) -> str:
    """A short fingerprint of the labelled data: runs are comparable only when it matches."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(json.dumps([document.id, document.labels], ensure_ascii=False).encode())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Sweep:
    """The sweep a run belongs to: MLflow nests the run under the sweep's parent run,
    `parent_run_id` (`open_sweep`); `id` names the sweep (its folder) and `job` the run's
    place in it."""

    id: str
    parent_run_id: str | None
    job: int = 0


def prepare_hydra_job(cfg: DictConfig) -> Sweep | None:
    """Called by `train.py` inside Hydra: the sweep this job is part of (None for a single
    run), with the parent run that `SweepCallback` opened for it. In a sweep each job writes
    its model into its own output folder instead of `output.model_path`, unless the command
    line set it, so a sweep never replaces the default model; the best job's model ends up in
    the registry instead."""
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
    sweep_dir = _sweep_dir(hydra_cfg)
    parent_file = sweep_dir / PARENT_RUN_FILE
    parent = parent_file.read_text(encoding="utf-8").strip() if parent_file.is_file() else None
    if parent is None and cfg.mlflow.enabled:
        log.warning(
            "no %s in %s (hydra.callbacks has no zongjie.tracking.SweepCallback?): the job's "
            "run is not nested under a parent run",
            PARENT_RUN_FILE,
            sweep_dir,
        )
    return Sweep(id=str(sweep_dir), parent_run_id=parent, job=hydra_cfg.job.num)


def _sweep_dir(hydra_cfg: Any) -> Path:
    """The sweep's folder, absolute: ``hydra.sweep.dir`` is relative to where the command ran
    (``hydra.runtime.cwd``), which is not the job's working folder when ``hydra.job.chdir``."""
    cwd = OmegaConf.select(hydra_cfg, "runtime.cwd", default=None) or os.getcwd()
    return (Path(cwd) / str(hydra_cfg.sweep.dir)).resolve()


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def open_sweep(tracking_uri: str, experiment: str, sweep_id: str, name: str) -> str:
    """Open a sweep's parent run, named `name`, and return its id: the runs of the sweep's jobs
    are started under it (`Sweep.parent_run_id`). It carries the sweep's tags and, like a
    training's run, the process's id and host, so that `end_dead_runs` ends it should the
    process be killed before `close_sweep`."""
    import mlflow

    _quiet_mlflow()
    prepare_store(tracking_uri)
    client = mlflow.MlflowClient(tracking_uri)
    end_dead_runs(client)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    tags = {
        SWEEP_TAG: sweep_id,
        ROLE_TAG: "sweep",
        PID_TAG: str(os.getpid()),
        HOST_TAG: socket.gethostname(),
    }
    run = client.create_run(experiment_id, run_name=name, tags=tags)
    log.info("opened the sweep's MLflow parent run %s (%s)", run.info.run_id, name)
    return run.info.run_id


def sweep_children(tracking_uri: str, parent_run_id: str) -> list[Any]:
    """The runs nested under the parent run `parent_run_id`, the best ``objective`` first."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    experiment_id = client.get_run(parent_run_id).info.experiment_id
    return client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{PARENT_TAG}` = {_quote(parent_run_id)}",
        order_by=["metrics.objective DESC"],
        max_results=50_000,
    )


def close_sweep(
    tracking_uri: str, parent_run_id: str, status: str = "FINISHED", note: str | None = None
) -> None:
    """End a sweep's parent run with `status`, once its jobs are done: it shows how many jobs
    ran (tag ``jobs``), the best objective (metric ``best_objective``) and which job reached it
    (tags ``best_run``, ``best_run_id``); `note` says why it ended otherwise (tag
    ``zongjie.ended``)."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    children = sweep_children(tracking_uri, parent_run_id)
    scored = [run for run in children if "objective" in run.data.metrics]
    if scored:
        best = scored[0]
        client.log_metric(parent_run_id, "best_objective", best.data.metrics["objective"])
        client.set_tag(parent_run_id, "best_run", best.info.run_name or best.info.run_id)
        client.set_tag(parent_run_id, "best_run_id", best.info.run_id)
    client.set_tag(parent_run_id, "jobs", str(len(children)))
    if note is not None:
        client.set_tag(parent_run_id, ENDED_TAG, note[:5000])
    client.set_terminated(parent_run_id, status)
    log.info("sweep parent run %s ended %s (%d jobs)", parent_run_id, status, len(children))


def _sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of a ``sqlite:///…`` tracking URI (None for other stores and for an
    in-memory database)."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    path = tracking_uri.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


_prepared_stores: set[str] = set()


def prepare_store(tracking_uri: str) -> None:
    """Make sure the store exists before anything else touches it. MLflow creates a new sqlite
    store by running its schema migrations (alembic); two processes doing so at once on a fresh
    ``mlflow.db`` break each other's migration (runs lost, at times a store left half
    migrated). So the first process creates it holding an exclusive lock on ``<db>.lock``; the
    others wait, then find its tables made. Once per store and process."""
    path = _sqlite_path(tracking_uri)
    if path is None or tracking_uri in _prepared_stores or not path.parent.is_dir():
        return  # (a missing folder: MLflow says so)
    import mlflow

    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        fcntl = None
    with open(f"{path}.lock", "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # The first call opens the store, which creates its tables if they are missing.
            mlflow.MlflowClient(tracking_uri).search_experiments(max_results=1)
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)
    _prepared_stores.add(tracking_uri)


def _process_gone(pid: int) -> bool:
    """True when no process `pid` runs on this machine (a zombie, killed but not yet reaped,
    counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def end_dead_runs(client: Any) -> list[str]:
    """Mark KILLED the RUNNING runs of the store that were opened on this host by a process
    that no longer exists (a training killed with SIGKILL, or by the machine running out of
    memory, never ends its run); return their ids. Runs of other hosts, runs without the
    ``zongjie.pid`` tag and runs whose process still runs are left alone. A pid taken over by
    a new process keeps its dead run RUNNING: that errs on the safe side."""
    if os.name != "posix":  # pragma: no cover - os.kill(pid, 0) is not a probe elsewhere
        return []
    host = socket.gethostname()
    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    running = client.search_runs(
        experiments,
        filter_string=f"attributes.status = 'RUNNING' and tags.`{HOST_TAG}` = {_quote(host)}",
        max_results=1000,
    )
    ended = []
    for run in running:
        try:
            pid = int(run.data.tags.get(PID_TAG, ""))
        except ValueError:
            continue
        if pid <= 0 or pid == os.getpid() or not _process_gone(pid):
            continue
        run_id = run.info.run_id
        client.set_tag(
            run_id,
            ENDED_TAG,
            f"KILLED by the training of pid {os.getpid()}: its process, pid {pid} on {host}, "
            "was gone",
        )
        client.set_terminated(run_id, "KILLED")
        log.warning(
            "run %s (%s): its process %d is gone, marked KILLED", run_id, run.info.run_name, pid
        )
        ended.append(run_id)
    return ended


@dataclass(frozen=True)
class OpenRun:
    """A training's MLflow run, opened by `open_run`."""

    run_id: str
    experiment_id: str


def open_run(cfg: DictConfig, sweep: Sweep | None) -> OpenRun:
    """Open the training's run, as the training starts: the active MLflow run until `close_run`
    (nested under the sweep's parent run when `sweep` is given), with the config as params and
    ``config.yaml``. First the store is prepared and this host's dead runs ended. Raises
    RuntimeError at once when a model is to be logged and zongjie is not installed
    (`_requirements`)."""
    import mlflow

    if cfg.mlflow.log_model and cfg.output.save_model:
        _requirements()  # a model that could not be logged fails now, not after the training
    _quiet_mlflow()
    prepare_store(cfg.mlflow.tracking_uri)
    mlflow.set_tracking_uri(cfg.mlflow.tracking_uri)
    experiment = mlflow.set_experiment(cfg.mlflow.experiment)
    client = mlflow.MlflowClient()
    end_dead_runs(client)
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    parent_id = None
    run_name = cfg.mlflow.run_name
    if sweep is not None:
        parent_id = sweep.parent_run_id
        tags.update({SWEEP_TAG: sweep.id, ROLE_TAG: "job"})
        run_name = f"{run_name} #{sweep.job}"
    run = mlflow.start_run(run_name=run_name, parent_run_id=parent_id, tags=tags)
    opened = OpenRun(run.info.run_id, experiment.experiment_id)
    try:
        mlflow.log_params(_flatten(OmegaConf.to_container(cfg, resolve=True)))
        mlflow.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
    except BaseException as error:
        close_run(opened, error)
        raise
    log.info("opened MLflow run %s (%s)", run.info.run_id, run_name)
    return opened


def log_run(
    cfg: DictConfig,
    documents: Sequence[Document],
    metrics: dict[str, float],
    reports: dict[str, Any],
    model_path: Path | None,
    card: str | None,
) -> None:
    """Into the active run (`open_run`): the data's digest and counts, metrics, reports (texts,
    dicts and figures by artifact name), the model card and, with `model_path`, the model file
    as a pyfunc model."""
    import matplotlib.pyplot as plt
    import mlflow

    import zongjie

    _quiet_mlflow()
    client = mlflow.MlflowClient()
    mlflow.set_tags({DATA_TAG: data_digest(documents)})
    labels = [label for d in documents for label in d.labels or () if label is not None]
    mlflow.log_params(
        {
            "n_documents": len(documents),
            "n_paragraphs": len(labels),
            **{f"n_{label}": labels.count(label) for label in LABELS},
        }
    )
    if metrics:
        mlflow.log_metrics(metrics)
    for name, artifact in reports.items():
        if isinstance(artifact, str):
            mlflow.log_text(artifact, name)
        elif isinstance(artifact, dict):
            mlflow.log_dict(artifact, name)
        else:
            mlflow.log_figure(artifact, name)
            plt.close(artifact)
    if card is not None:
        mlflow.log_text(card, CARD_NAME)
    if model_path is not None:
        from zongjie.serving import MODEL_ARTIFACT, ParagraphLabeller, signature

        # A pyfunc over the saved file: it answers as `zongjie.predict` does.
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=ParagraphLabeller(),
            artifacts={MODEL_ARTIFACT: str(model_path)},
            signature=signature(),
            input_example={"text": ["上半年共培训干部560人次。", "下半年将进一步加强培训。"]},
            # The model calls zongjie's code: ship the package with it.
            code_paths=[str(Path(zongjie.__file__).parent)],
            pip_requirements=_requirements(),
        )
        if card is not None:
            # The card travels inside the model's own folder, so the registry has it too.
            with tempfile.TemporaryDirectory() as folder:
                (Path(folder) / CARD_NAME).write_text(card, encoding="utf-8")
                client.log_model_artifact(info.model_id, str(Path(folder) / CARD_NAME))
        mlflow.set_tags({MODEL_TAG: "logged", MODEL_URI_TAG: info.model_uri})


def close_run(run: OpenRun, error: BaseException | None = None) -> None:
    """End the run `open_run` opened: FINISHED; FAILED with the error (tag ``error`` and the
    traceback as ``error.txt``); KILLED when the training was interrupted (Ctrl-C). When the
    training failed, a failure to record it is logged, not raised, so the training's own
    error is the one seen."""
    import traceback

    import mlflow

    client = mlflow.MlflowClient()
    try:
        if error is None:
            status = "FINISHED"
        elif isinstance(error, Exception):
            status = "FAILED"
            client.set_tag(run.run_id, "error", f"{type(error).__name__}: {error}"[:5000])
            client.log_text(run.run_id, "".join(traceback.format_exception(error)), "error.txt")
        else:  # KeyboardInterrupt, SystemExit
            status = "KILLED"
            client.set_tag(run.run_id, ENDED_TAG, f"interrupted: {type(error).__name__}")
        active = mlflow.active_run()
        if active is not None and active.info.run_id == run.run_id:
            mlflow.end_run(status=status)
        else:
            client.set_terminated(run.run_id, status)
        log.info("MLflow run %s ended %s", run.run_id, status)
    except Exception as failure:
        if error is None:
            raise
        log.warning("could not record the end of MLflow run %s: %s", run.run_id, failure)


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
    versions, so the logged model's environment follows pyproject.toml. They are read from the
    installed package's metadata, pyproject.toml's own record: zongjie run from a source tree
    it was not installed from has none, and then a model is not logged with a guessed list."""
    import re
    from importlib.metadata import PackageNotFoundError, requires, version

    try:
        declared = [r for r in requires("zongjie") or [] if "extra ==" not in r]
    except PackageNotFoundError:
        raise RuntimeError(
            "zongjie is not installed (no package metadata), so the requirements of the model "
            "to log are unknown: install it (make setup, or pip install -e .), or set "
            "mlflow.log_model=false"
        ) from None
    names = [re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0] for requirement in declared]
    return [f"{name}=={version(name)}" for name in names]


def register_best(
    tracking_uri: str,
    experiment: str,
    name: str = "zongjie",
    parent_run_id: str | None = None,
) -> Any:
    """Register the model of the best run (highest ``objective``) as `name` and return the
    model version; the run's model card becomes the version's description.

    The candidates are the finished runs that logged a model: those nested under the sweep's
    parent run when `parent_run_id` is given, otherwise those trained on the same data as the
    latest such run (runs on other data are not comparable). If the best run's model is
    already a version of `name`, or its model file is byte for byte the latest version's (a
    search or a retraining that found the same model again), that version is returned and
    nothing new is registered."""
    import mlflow

    _quiet_mlflow()
    mlflow.set_tracking_uri(tracking_uri)
    client = mlflow.MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise LookupError(f"no MLflow experiment {experiment!r} at {tracking_uri}")
    conditions = [f"tags.`{MODEL_TAG}` = 'logged'", "attributes.status = 'FINISHED'"]
    if parent_run_id is not None:
        conditions.append(f"tags.`{PARENT_TAG}` = {_quote(parent_run_id)}")
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
    model_uri = best.data.tags.get(MODEL_URI_TAG) or f"runs:/{run_id}/model"
    model_hash = _model_file_hash(_model_location(client, model_uri))
    if versions and model_hash is not None:
        latest = max(versions, key=lambda v: int(v.version))
        latest_hash = latest.tags.get(MODEL_HASH_TAG) or _model_file_hash(
            client.get_model_version_download_uri(name, latest.version)
        )
        if latest_hash == model_hash:
            log.info(
                "the best run %s (%s) has the model file of %s version %s (sha256 %s…): "
                "not registered again",
                run_id,
                best.info.run_name,
                name,
                latest.version,
                model_hash[:12],
            )
            return latest
    tags = {
        "objective": f"{best.data.metrics['objective']:.4f}",
        "run_name": best.info.run_name or "",
        DATA_TAG: best.data.tags.get(DATA_TAG, ""),
    }
    if model_hash is not None:
        tags[MODEL_HASH_TAG] = model_hash
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


def _model_location(client: Any, model_uri: str) -> str:
    """Where a logged model's files are: a ``models:/<model id>`` URI (MLflow 3's logged
    models) read through the tracking server, a ``runs:/…`` URI as it is."""
    if model_uri.startswith("models:/m-"):
        return client.get_logged_model(model_uri.removeprefix("models:/")).artifact_location
    return model_uri


def _model_file_hash(location: str) -> str | None:
    """The SHA-256 of the zongjie model file inside the pyfunc model at `location` (the one
    file under its ``artifacts/``), or None when it has no such single file."""
    import mlflow

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    with tempfile.TemporaryDirectory() as folder:
        try:
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=f"{location.rstrip('/')}/artifacts", dst_path=folder
            )
        except (mlflow.exceptions.MlflowException, OSError) as error:
            log.warning("no model file found in %s: %s", location, error)
            return None
        files = [path for path in Path(local).rglob("*") if path.is_file()]
        if len(files) != 1:
            log.warning("%s holds %d files under artifacts/, not one", location, len(files))
            return None
        digest = hashlib.sha256()
        with files[0].open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def _hydra_callback_base() -> type:
    try:
        from hydra.experimental.callback import Callback
    except ImportError:  # pragma: no cover - hydra is part of the train extra
        return object
    return Callback


class SweepCallback(_hydra_callback_base()):  # type: ignore[misc]
    """Hydra callback (conf/config.yaml, ``hydra.callbacks``): the MLflow parent run of a sweep.

    When the sweep starts it opens the parent run (`open_sweep`) and writes its id into the
    sweep's folder (`PARENT_RUN_FILE`), where every job finds it (`prepare_hydra_job`) and
    starts its run under it. A file rather than an environment variable: every job knows its
    sweep's folder, whichever launcher runs it, in this process or another, and needs it
    anyway for its outputs; a variable set here would outlive the sweep in this process and
    reach only the processes started from it. When the sweep ends the callback ends the parent
    with the best job (`close_sweep`) and, with `mlflow.register_best`, registers that job's
    model.

    Hydra skips `on_multirun_end` when a job failed (after the others ran) or the sweep was
    interrupted: the parent is then ended as the process exits, FAILED when a job failed,
    KILLED otherwise. A killed process runs nothing; its parent's pid tag lets `end_dead_runs`
    end it."""

    def __init__(self) -> None:
        self._parent: tuple[str, str] | None = None  # (tracking URI, parent run id)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if not config.mlflow.enabled:
            return
        sweep_dir = _sweep_dir(config.hydra)
        parent = open_sweep(
            config.mlflow.tracking_uri,
            config.mlflow.experiment,
            str(sweep_dir),
            f"sweep {sweep_dir.name}",
        )
        self._parent = (config.mlflow.tracking_uri, parent)
        atexit.register(self._end_unfinished)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        (sweep_dir / PARENT_RUN_FILE).write_text(parent + "\n", encoding="utf-8")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self._parent is None:
            return
        tracking_uri, parent = self._parent
        self._parent = None
        atexit.unregister(self._end_unfinished)
        close_sweep(tracking_uri, parent)
        if not (config.mlflow.log_model and config.mlflow.register_best):
            return
        try:
            register_best(
                tracking_uri,
                config.mlflow.experiment,
                config.mlflow.registered_model,
                parent_run_id=parent,
            )
        except LookupError as error:
            log.warning("nothing registered: %s", error)

    def _end_unfinished(self) -> None:
        """At exit, the parent of a sweep that never reached `on_multirun_end`."""
        if self._parent is None:
            return
        tracking_uri, parent = self._parent
        self._parent = None
        try:
            failed = any(
                run.info.status == "FAILED" for run in sweep_children(tracking_uri, parent)
            )
            status = "FAILED" if failed else "KILLED"
            reason = "a job failed" if failed else "it was interrupted"
            close_sweep(tracking_uri, parent, status, f"the sweep stopped before its end: {reason}")
        except Exception as error:
            log.warning("could not end the sweep's parent run %s: %s", parent, error)
