"""The MLflow pyfunc model: a DataFrame with a `text` column in, labels (and probabilities) out,
paragraph by paragraph as `predict` or as one document as `predict_document`; then the same
through the registry and over HTTP."""

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
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from zongjie.document import LABELS
from zongjie.model import Model
from zongjie.serving import MODEL_ARTIFACT, ParagraphLabeller, signature

from conftest import mini_config

MLFLOW = Path(sys.executable).parent / "mlflow"
PARAGRAPHS = ["教育局半年工作总结会议发言", "二、存在问题", "上半年共培训干部560人次。"]


@pytest.fixture(scope="module")
def labeller(tiny_model_path) -> ParagraphLabeller:
    labeller = ParagraphLabeller()
    labeller.load_context(SimpleNamespace(artifacts={MODEL_ARTIFACT: str(tiny_model_path)}))
    return labeller


def test_paragraph_mode_answers_as_predict(labeller, tiny_model) -> None:
    frame = pd.DataFrame({"id": [7, 8, 9], "text": PARAGRAPHS})  # other columns are ignored
    result = labeller.predict(None, frame)
    proba = tiny_model.paragraph_proba(PARAGRAPHS)
    assert list(result.columns) == ["label"]
    assert list(result["label"]) == [LABELS[i] for i in proba.argmax(axis=1)]
    with_proba = labeller.predict(None, frame, params={"probabilities": True})
    assert list(with_proba.columns) == ["label", *LABELS]
    np.testing.assert_allclose(with_proba[list(LABELS)].to_numpy(), proba)
    # A list of paragraphs, as MLflow passes `inputs`.
    assert list(labeller.predict(None, PARAGRAPHS)["label"]) == list(result["label"])


def test_document_mode_answers_as_predict_document(labeller, tiny_model, seed_documents) -> None:
    paragraphs = list(seed_documents[0].paragraphs)
    result = labeller.predict(
        None, pd.DataFrame({"text": paragraphs}), params={"mode": "document", "probabilities": True}
    )
    states = tiny_model.document_states(paragraphs)
    assert list(result["label"]) == Model.document_labels(states)
    assert list(result["label"][:5]) == [None, None, None, None, "summary"]
    np.testing.assert_allclose(result[list(LABELS)].to_numpy(), Model.role_proba(states))


def test_bad_requests_say_what_is_wrong(labeller) -> None:
    with pytest.raises(
        ValueError, match=r"^the input has no 'text' column \(columns: \['paragraph'\]\)$"
    ):
        labeller.predict(None, pd.DataFrame({"paragraph": PARAGRAPHS}))
    with pytest.raises(
        ValueError, match=r"^params\.mode must be one of \('paragraph', 'document'\), not 'pages'$"
    ):
        labeller.predict(None, pd.DataFrame({"text": PARAGRAPHS}), params={"mode": "pages"})
    with pytest.raises(ValueError, match=r"^paragraph 1 is blank$"):
        labeller.predict(None, pd.DataFrame({"text": ["完成了。", " "]}))
    with pytest.raises(TypeError, match=r"^paragraph 0 is NoneType, not str$"):
        labeller.predict(None, pd.DataFrame({"text": [None]}))
    assert labeller.predict(
        None, pd.DataFrame({"text": []}), params={"probabilities": True}
    ).shape == (0, 4)


def test_the_signature() -> None:
    spec = signature()
    assert spec.inputs.input_names() == ["text"]
    assert {p.name: p.default for p in spec.params.params} == {
        "mode": "paragraph",
        "probabilities": False,
    }


# ------------------------------------------------------------------- registry and server


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A tracking store holding one run on four seed reports, registered as `zongjie`."""
    from zongjie.tracking import register_best
    from zongjie.training import train

    folder = tmp_path_factory.mktemp("registry")
    cfg = mini_config(folder, experiment="serving")
    train(cfg)
    version = register_best(cfg.mlflow.tracking_uri, "serving", "zongjie")
    return {
        "uri": cfg.mlflow.tracking_uri,
        "version": version,
        "model_path": Path(cfg.output.model_path),
    }


def _expected(model_path: Path) -> list[str]:
    from zongjie.persistence import load_model_file

    proba = load_model_file(model_path).paragraph_proba(PARAGRAPHS)
    return [LABELS[i] for i in proba.argmax(axis=1)]


@pytest.mark.slow
def test_the_registered_model_answers_with_params(registry) -> None:
    import mlflow

    mlflow.set_tracking_uri(registry["uri"])
    model = mlflow.pyfunc.load_model("models:/zongjie/latest")
    expected = _expected(registry["model_path"])
    assert list(model.predict(pd.DataFrame({"text": PARAGRAPHS}))["label"]) == expected
    document = model.predict(
        pd.DataFrame({"text": PARAGRAPHS}), params={"mode": "document", "probabilities": True}
    )
    assert list(document.columns) == ["label", *LABELS]
    assert document["label"][0] is None  # the title line
    info = mlflow.models.get_model_info("models:/zongjie/latest")
    assert info.signature.inputs.input_names() == ["text"]


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


@pytest.mark.slow
@pytest.mark.skipif(not MLFLOW.exists(), reason="mlflow is part of the train extra")
def test_the_model_server_answers_with_labels(registry, tmp_path) -> None:
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
        expected = [{"label": label} for label in _expected(registry["model_path"])]
        frame = {"dataframe_split": {"columns": ["text"], "data": [[p] for p in PARAGRAPHS]}}
        assert _post(f"{base}/invocations", frame)["predictions"] == expected
        records = {
            "dataframe_records": [{"text": p} for p in PARAGRAPHS],
            "params": {"mode": "document"},
        }
        labels = [row["label"] for row in _post(f"{base}/invocations", records)["predictions"]]
        assert labels[0] is None and len(labels) == 3
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
