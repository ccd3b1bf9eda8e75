"""The MLflow registry and model server: a tiny run registered as `zongjie`, loaded back with
`mlflow.pyfunc` from a DataFrame and a list, and served over HTTP on a loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from zongjie.context import predictor_isolated_proba
from zongjie.document import LABELS
from zongjie.persistence import load_predictor
from zongjie.training import CARD_NAME, register_best, train

from conftest import tiny_config

MLFLOW = Path(sys.executable).parent / "mlflow"
PARAGRAPHS = ["下半年,我局将重点做好以下几项工作:", "上半年共培训干部560人次。", "二、存在问题"]


def _predicted(model_path: Path) -> list[str]:
    """What `zongjie.predict` gives for PARAGRAPHS with the model file at `model_path`."""
    proba = predictor_isolated_proba(load_predictor(model_path), PARAGRAPHS)
    return [LABELS[i] for i in proba.argmax(axis=1)]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A tracking store holding one tiny run (seeds, three folds) registered as `zongjie`."""
    folder = tmp_path_factory.mktemp("registry")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    cfg = tiny_config(folder, experiment="serving")
    train(cfg)
    version = register_best(uri, "serving", "zongjie")
    return {"uri": uri, "version": version, "model_path": folder / "model.skops"}


def test_best_run_is_registered_once(registry) -> None:
    import mlflow

    version = registry["version"]
    assert version.name == "zongjie" and str(version.version) == "1"
    again = register_best(registry["uri"], "serving", "zongjie")
    assert again.version == version.version  # the same best run: no new version
    client = mlflow.MlflowClient(registry["uri"])
    described = client.get_model_version("zongjie", version.version)
    assert described.description.startswith("# Model card")
    assert float(described.tags["objective"]) > 0


def test_pyfunc_predicts_from_a_dataframe_and_a_list(registry) -> None:
    import mlflow
    import pandas as pd

    mlflow.set_tracking_uri(registry["uri"])
    model = mlflow.pyfunc.load_model("models:/zongjie/latest")
    expected = _predicted(registry["model_path"])
    from_frame = model.predict(pd.DataFrame({"text": PARAGRAPHS}))
    from_list = model.predict(PARAGRAPHS)
    assert list(from_frame) == list(from_list) == expected
    assert expected[2] == "problem"  # a heading naming its part: its own words decide


def test_model_card_travels_with_the_model(registry) -> None:
    import mlflow

    mlflow.set_tracking_uri(registry["uri"])
    folder = Path(mlflow.artifacts.download_artifacts("models:/zongjie/latest"))
    card = (folder / CARD_NAME).read_text(encoding="utf-8")
    for section in ("## Data", "## Labels", "## Metrics", "## Known limits", "F1 problem"):
        assert section in card


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(url: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.skipif(not MLFLOW.exists(), reason="mlflow is part of the train extra")
def test_model_server_answers_with_labels(registry, tmp_path) -> None:
    port = _free_port()
    # The server execs `uvicorn` from PATH, as under `uv run` or an activated .venv.
    path = f"{MLFLOW.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": registry["uri"], "PATH": path}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            *(str(MLFLOW), "models", "serve", "-m", "models:/zongjie/latest"),
            *("--env-manager", "local", "--host", "127.0.0.1", "--port", str(port)),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the workers stop with it
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/ping", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "the model server did not start in 120 s"
            time.sleep(0.5)
        expected = _predicted(registry["model_path"])
        frame = {"dataframe_split": {"columns": ["text"], "data": [[p] for p in PARAGRAPHS]}}
        assert _post(f"{base}/invocations", frame)["predictions"] == expected
        assert _post(f"{base}/invocations", {"inputs": PARAGRAPHS})["predictions"] == expected
    finally:
        _stop(server)
        log.close()


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(server.pid, sig)
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
