"""train.py, the Hydra entry point."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


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
