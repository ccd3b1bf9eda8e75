"""`make setup` on any Python 3.11+: it makes .venv with `python -m venv`, puts uv inside it and
syncs .venv from uv.lock, installing nothing into the Python it was given."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT

# What `make setup` reads: the project's own files, without .venv, data or caches.
PROJECT_FILES = (
    "Makefile",
    "pyproject.toml",
    "uv.lock",
    ".python-version",
    "README.md",
    "hatch_build.py",
)


def test_the_makefile_installs_the_uv_that_uv_lock_keeps() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE).group(1)
    assert f'"uv=={pinned}"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'name = "uv"\nversion = "{pinned}"' in (ROOT / "uv.lock").read_text(encoding="utf-8")


def _copy_project(destination: Path) -> Path:
    destination.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(ROOT / "src", destination / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (destination / "models").mkdir()
    shutil.copy2(ROOT / "models" / "zongjie.model", destination / "models" / "zongjie.model")
    return destination


def _externally_managed(python: str) -> bool:
    stdlib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return bool(stdlib) and (Path(stdlib) / "EXTERNALLY-MANAGED").is_file()


def _distribution_pythons() -> list[str]:
    """Debian's or Ubuntu's own python3 (externally managed), where there is one."""
    found = []
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK) and _externally_managed(candidate):
            found.append(candidate)
    return found[:1]


def _refusing_python(folder: Path, log: Path) -> str:
    """A python3 that behaves as an externally-managed one does for pip (it refuses), runs
    everything else with the real interpreter, and logs every call."""
    real = Path(sys.base_prefix) / "bin" / f"python{sysconfig.get_python_version()}"
    script = folder / "python3"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        'case "$*" in *"-m pip"*)\n'
        '  echo "error: externally-managed-environment" >&2; exit 1;;\n'
        "esac\n"
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def _make_setup(project: Path, python: str) -> subprocess.CompletedProcess:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {"VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "PYTHONDONTWRITEBYTECODE"}
    }
    return subprocess.run(
        ["make", "setup", f"PYTHON={python}"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _check_setup(project: Path, python: str) -> None:
    result = _make_setup(project, python)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "installing uv" in output and "Bytecode compiled" not in output
    venv_python = project / ".venv" / "bin" / "python"
    uv = subprocess.run([venv_python, "-m", "uv", "--version"], capture_output=True, text=True)
    assert uv.stdout.startswith("uv "), uv.stderr
    label = subprocess.run(
        [
            venv_python,
            "-c",
            "import zongjie; print(zongjie.predict('下半年,我局将重点做好以下几项工作:'))",
        ],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert label.stdout.strip() == _committed_label("下半年,我局将重点做好以下几项工作:"), (
        label.stderr
    )
    # Again: .venv and its uv are kept, nothing is reinstalled.
    again = _make_setup(project, python)
    assert again.returncode == 0 and "installing uv" not in again.stdout + again.stderr


@pytest.mark.slow
def test_setup_never_installs_into_the_given_python(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    python = _refusing_python(tmp_path, log)
    project = _copy_project(tmp_path / "project")
    _check_setup(project, python)
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls == ["-m venv .venv"]  # only the venv: no pip, no uv in the given Python


@pytest.mark.slow
@pytest.mark.skipif(not _distribution_pythons(), reason="no externally-managed system python3")
def test_setup_on_the_distributions_own_python(tmp_path: Path) -> None:
    python = _distribution_pythons()[0]
    has_uv = "import importlib.util as u; print(u.find_spec('uv') is not None)"
    before = subprocess.run([python, "-c", has_uv], capture_output=True, text=True).stdout
    _check_setup(_copy_project(tmp_path / "project"), python)
    after = subprocess.run([python, "-c", has_uv], capture_output=True, text=True).stdout
    assert after == before  # uv was not installed into it


def test_setup_compiles_bytecode_only_where_python_would_not_cache_it() -> None:
    def planned(**environment: str) -> str:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        return subprocess.run(
            ["make", "-n", "setup"],
            cwd=ROOT,
            env={**env, **environment},
            capture_output=True,
            text=True,
        ).stdout

    assert "--compile-bytecode" not in planned()
    assert "--compile-bytecode" in planned(PYTHONDONTWRITEBYTECODE="1")


def _committed_label(paragraph: str) -> str:
    """What the committed default model says of `paragraph`, read in this process."""
    from zongjie.document import LABELS
    from zongjie.persistence import load_model_file

    proba = load_model_file(ROOT / "models" / "zongjie.model").paragraph_proba([paragraph])
    return LABELS[int(proba.argmax())]
