"""Another service installs zongjie from a wheel: the wheel carries the committed default
model (not the working tree's), installs into a fresh venv and predicts there."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from zongjie.document import LABELS
from zongjie.model import Model
from zongjie.persistence import load_model_file

from conftest import ROOT

pytestmark = pytest.mark.slow

# What a build reads.
PROJECT_FILES = ("pyproject.toml", "hatch_build.py", "README.md", ".gitignore")
GIT = (
    "git",
    "-c",
    "user.name=test",
    "-c",
    "user.email=test@localhost",
    "-c",
    "init.defaultBranch=main",
)


def _checkout(folder: Path) -> Path:
    """A git checkout of the project's build files with the model committed."""
    folder.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, folder / name)
    shutil.copytree(ROOT / "src", folder / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "models").mkdir()
    shutil.copy2(ROOT / "models" / "zongjie.model", folder / "models" / "zongjie.model")
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "project"]):
        subprocess.run([*GIT, *command], cwd=folder, check=True)
    return folder


def _run(
    *command: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes, str]:
    """The sdist and the wheel (built from the sdist, as `uv build` does) of a checkout whose
    working-tree model was overwritten after the commit; the committed model; the output."""
    folder = tmp_path_factory.mktemp("build")
    project = _checkout(folder / "project")
    committed = (project / "models" / "zongjie.model").read_bytes()
    (project / "models" / "zongjie.model").write_bytes(b"a retrained model nobody committed")
    dist = folder / "dist"
    build = _run(sys.executable, "-m", "uv", "build", "--out-dir", dist, cwd=project)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    return wheel, sdist, committed, build.stdout + build.stderr


def test_the_wheel_and_the_sdist_carry_the_committed_model(built) -> None:
    wheel, sdist, committed, output = built
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("zongjie/_model/zongjie.model") == committed
        # The package's data files travel with it: the lexicon, the model card's text.
        for name in ("lexicon.yaml", "model_card_template.md"):
            assert archive.read(f"zongjie/{name}") == (ROOT / "src" / "zongjie" / name).read_bytes()
    with tarfile.open(sdist) as archive:
        member = next(name for name in archive.getnames() if name.endswith("models/zongjie.model"))
        assert archive.extractfile(member).read() == committed
    assert "differs from HEAD's: packaging HEAD's" in output


def test_a_fresh_venv_installs_the_wheel_and_predicts(built, tmp_path: Path) -> None:
    wheel, _, _, _ = built
    venv = tmp_path / "service"
    _run(
        sys.executable,
        "-m",
        "uv",
        "venv",
        "--quiet",
        "--python",
        sys.executable,
        venv,
        cwd=tmp_path,
    )
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        wheel,
        cwd=tmp_path,
    )
    # Away from the checkout, with no model configured: the model inside the package is used.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"ZONGJIE_MODEL", "VIRTUAL_ENV", "PYTHONPATH"}
    }
    script = (
        "import zongjie, zongjie.api\n"
        "print(zongjie.api.default_model_path())\n"
        "print(zongjie.predict(['上半年共完成培训120人次。', '下半年将重点做好以下几项工作:']))\n"
    )
    model_path, labels = _run(python, "-c", script, cwd=tmp_path, env=env).stdout.splitlines()
    assert model_path.startswith(str(venv)) and model_path.endswith("zongjie/_model/zongjie.model")
    committed = load_model_file(ROOT / "models" / "zongjie.model")
    proba = committed.paragraph_proba(
        ["上半年共完成培训120人次。", "下半年将重点做好以下几项工作:"]
    )
    assert labels == str([LABELS[i] for i in proba.argmax(axis=1)])
    cli = subprocess.run(
        [python, "-m", "zongjie", "-", "--format", "csv"],
        input="二、存在问题\n学校布局调整的任务仍然很重。\n".encode(),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    rows = list(csv.DictReader(io.StringIO(cli.stdout.decode("utf-8"))))
    document = ["二、存在问题", "学校布局调整的任务仍然很重。"]
    states = committed.document_states(document)
    assert [row["paragraph"] for row in rows] == document
    assert [row["label"] or None for row in rows] == Model.document_labels(states)
