"""The notebooks execute top to bottom (nbmake) on the seed reports against the committed default
model, and are committed with their outputs stripped."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_both_notebooks_exist() -> None:
    names = [path.name for path in NOTEBOOKS]
    assert names == ["01-data-exploration.ipynb", "02-error-analysis.ipynb"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_outputs_are_stripped(notebook) -> None:
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell["source"][:80]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs(notebook, tmp_path) -> None:
    # As on a fresh clone: no MLflow store yet, so notebook 02 logs its tiny runs to a temp store.
    env = {
        **os.environ,
        "ZONGJIE_NOTEBOOK_MLFLOW_DB": str(tmp_path / "absent.db"),
        "MPLBACKEND": "Agg",
    }
    env.pop("ZONGJIE_NOTEBOOK_DATA", None)
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("--nbmake", "--nbmake-timeout=600", str(notebook)),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
