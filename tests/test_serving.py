"""The MLflow pyfunc model: a DataFrame with a `text` column in, labels (and probabilities) out,
paragraph by paragraph as `predict` or as one document as `predict_document`; then the same
through the registry and over HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import re
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


def test_importing_the_server_model_warns_of_nothing() -> None:
    # `model_input: Any` made MLflow print a red UserWarning (a type hint it cannot read as a
    # schema) on every import, and no hint a yellow one; a fresh process, as MLflow checks the
    # class once, when it is defined.
    result = subprocess.run(
        [sys.executable, "-c", "import zongjie.serving"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == ""


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


# Requests whose text column holds what `predict` refuses, and predict's own message for each.
# A frame stores a null as NaN, so a null or a NaN reads as the null it stands for.
BAD_ROWS = [
    (None, r"^paragraph 1 is NoneType, not str$"),
    (float("nan"), r"^paragraph 1 is NoneType, not str$"),
    (3, r"^paragraph 1 is int, not str$"),
    (2.5, r"^paragraph 1 is float, not str$"),
    ("", r"^paragraph 1 is blank$"),
    (" \u3000\n", r"^paragraph 1 is blank$"),
    ("\u200b", r"^paragraph 1 is blank$"),
]
BAD_IDS = ["null", "nan", "int", "float", "empty", "spaces", "zero-width"]


@pytest.mark.slow
def test_the_registered_model_labels_the_text_column(registry) -> None:
    import mlflow

    mlflow.set_tracking_uri(registry["uri"])
    model = mlflow.pyfunc.load_model("models:/zongjie/latest")
    expected = _expected(registry["model_path"])
    ids = [f"p{i}" for i in range(len(PARAGRAPHS))]  # strings too: the ids must not be labelled
    for given in (
        pd.DataFrame({"id": ids, "text": PARAGRAPHS}),
        pd.DataFrame({"text": PARAGRAPHS, "id": range(3)}),
        [{"id": i, "text": p} for i, p in zip(ids, PARAGRAPHS, strict=True)],
        {"text": PARAGRAPHS},
        {"id": ids, "text": PARAGRAPHS},
    ):
        assert list(model.predict(given)["label"]) == expected, given
    # One paragraph alone, as a dict of one string.
    assert list(model.predict({"text": PARAGRAPHS[2]})["label"]) == expected[2:]


@pytest.mark.slow
@pytest.mark.parametrize(("bad", "message"), BAD_ROWS, ids=BAD_IDS)
def test_the_registered_model_refuses_bad_rows_as_predict_does(registry, bad, message) -> None:
    import mlflow

    import zongjie

    mlflow.set_tracking_uri(registry["uri"])
    model = mlflow.pyfunc.load_model("models:/zongjie/latest")
    error = TypeError if "not str" in message else ValueError
    raw = None if bad != bad else bad  # predict is given the null a NaN stands for
    with pytest.raises(error, match=message):
        zongjie.predict([PARAGRAPHS[0], raw])
    for given in (
        pd.DataFrame({"id": [1, 2], "text": [PARAGRAPHS[0], bad]}),
        [{"id": 1, "text": PARAGRAPHS[0]}, {"id": 2, "text": bad}],
        {"text": [PARAGRAPHS[0], bad]},
    ):
        with pytest.raises(error, match=message):
            model.predict(given)


@pytest.mark.slow
def test_the_registered_model_refuses_a_frame_without_text(registry) -> None:
    import mlflow

    mlflow.set_tracking_uri(registry["uri"])
    model = mlflow.pyfunc.load_model("models:/zongjie/latest")
    with pytest.raises(mlflow.exceptions.MlflowException, match=r"missing inputs \['text'\]"):
        model.predict(pd.DataFrame({"id": [1], "paragraph": [PARAGRAPHS[0]]}))


@pytest.fixture(scope="module")
def server(registry, tmp_path_factory):
    """`mlflow models serve` on the registered model, as `make serve` runs it: its base URL."""
    if not MLFLOW.exists():
        pytest.skip("mlflow is part of the train extra")
    port = _free_port()
    # The server execs `uvicorn` from PATH, as under `uv run` or an activated .venv.
    path = f"{MLFLOW.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": registry["uri"], "PATH": path}
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
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
            assert process.poll() is None, log_path.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/ping", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "the model server did not start in 120 s"
            time.sleep(0.5)
        yield base
    finally:
        _stop(process)
        log.close()


def _request(base: str, payload: dict) -> tuple[int, dict]:
    """POST `payload` to /invocations: the status and the JSON body, errors included."""
    data = json.dumps(payload, ensure_ascii=False).encode()  # NaN as JSON's NaN, as clients send it
    request = urllib.request.Request(
        f"{base}/invocations", data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_the_model_server_labels_the_text_column(registry, server) -> None:
    expected = [{"label": label} for label in _expected(registry["model_path"])]
    ids = [[7], [8], [9]]
    for payload in (
        {"dataframe_split": {"columns": ["text"], "data": [[p] for p in PARAGRAPHS]}},
        {
            "dataframe_split": {
                "columns": ["id", "text"],
                "data": [[i, p] for (i,), p in zip(ids, PARAGRAPHS, strict=True)],
            }
        },
        {"dataframe_records": [{"id": f"p{i}", "text": p} for i, p in enumerate(PARAGRAPHS)]},
        {"inputs": PARAGRAPHS},
        {"inputs": {"text": PARAGRAPHS}},
        {"instances": [{"id": i, "text": p} for i, p in enumerate(PARAGRAPHS)]},
    ):
        assert _request(server, payload) == (200, {"predictions": expected}), payload


@pytest.mark.slow
@pytest.mark.parametrize(("bad", "message"), BAD_ROWS, ids=BAD_IDS)
def test_the_model_server_answers_400_naming_the_bad_row(server, bad, message) -> None:
    rows = [PARAGRAPHS[0], bad, PARAGRAPHS[2]]
    for payload in (
        {
            "dataframe_split": {
                "columns": ["id", "text"],
                "data": [[i, r] for i, r in enumerate(rows)],
            }
        },
        {"dataframe_records": [{"id": i, "text": r} for i, r in enumerate(rows)]},
        {"inputs": rows},
        {"inputs": {"text": rows}},
        {"instances": rows},
        # Not `instances` as records: MLflow's server makes each of their columns one numpy
        # array before the model sees it, so 3 and NaN arrive as the text "3" and "nan".
    ):
        status, body = _request(server, payload)
        assert status == 400, (payload, body)
        assert body["error_code"] == "INVALID_PARAMETER_VALUE", body
        # MLflow puts the request before the model's message: predict's own words end it.
        assert re.search(message.lstrip("^"), body["message"].splitlines()[-1]), body["message"]


@pytest.mark.slow
def test_the_model_server_refuses_a_request_without_text(server) -> None:
    status, body = _request(
        server, {"dataframe_split": {"columns": ["id", "paragraph"], "data": [[1, PARAGRAPHS[0]]]}}
    )
    assert status == 400 and "missing inputs ['text']" in body["message"]
    status, body = _request(server, {"dataframe_records": [{"id": 1}]})
    assert status == 400 and "missing inputs ['text']" in body["message"]


@pytest.mark.slow
def test_the_model_server_takes_the_params(registry, server) -> None:
    from zongjie.persistence import load_model_file

    model = load_model_file(registry["model_path"])
    states = model.document_states(PARAGRAPHS)
    records = [{"text": p} for p in PARAGRAPHS]
    status, body = _request(
        server,
        {"dataframe_records": records, "params": {"mode": "document", "probabilities": True}},
    )
    assert status == 200
    rows = body["predictions"]
    assert [row["label"] for row in rows] == Model.document_labels(states)
    assert rows[0]["label"] is None  # the title line: no role in a document
    assert [list(row) for row in rows] == [["label", *LABELS]] * 3
    np.testing.assert_allclose(
        [[row[label] for label in LABELS] for row in rows], Model.role_proba(states)
    )
    status, body = _request(server, {"dataframe_records": records, "params": {"mode": "document"}})
    assert status == 200 and body["predictions"] == [
        {"label": label} for label in Model.document_labels(states)
    ]
    status, body = _request(server, {"inputs": PARAGRAPHS, "params": {"probabilities": True}})
    assert status == 200
    np.testing.assert_allclose(
        [[row[label] for label in LABELS] for row in body["predictions"]],
        model.paragraph_proba(PARAGRAPHS),
    )
    status, body = _request(server, {"inputs": PARAGRAPHS, "params": {"mode": "pages"}})
    assert status == 400
    assert body["message"].endswith(
        "params.mode must be one of ('paragraph', 'document'), not 'pages'"
    )


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
