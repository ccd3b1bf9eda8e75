"""Hatch build hook: a wheel or sdist carries the committed default model.

`models/zongjie.model` in the working tree may be a retrained model that nobody committed.
Built from a git checkout, the package takes the model from HEAD (`git show
HEAD:models/zongjie.model`) and warns when the working tree's copy differs. Built elsewhere (a
wheel built from the sdist, a clean export), it takes the file present, which is then the
committed one. Editable installs read `models/` of the checkout and need nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODEL = "models/zongjie.model"
# Where the wheel puts it: zongjie.api.default_model_path looks there first.
IN_WHEEL = "zongjie/_model/zongjie.model"


class CommittedModelHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        self._folder: str | None = None
        source = self._committed_model() or Path(self.root, MODEL)
        if not source.is_file():
            raise FileNotFoundError(f"{MODEL}: no default model to package")
        destination = IN_WHEEL if self.target_name == "wheel" else MODEL
        build_data["force_include"][str(source)] = destination

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if getattr(self, "_folder", None):
            shutil.rmtree(self._folder, ignore_errors=True)

    def _git(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True, check=False)

    def _committed_model(self) -> Path | None:
        """HEAD's model written to a temporary file, or None outside a git checkout of this
        project (an sdist unpacked somewhere, possibly inside another repository)."""
        try:
            toplevel = self._git("rev-parse", "--show-toplevel")
        except FileNotFoundError:  # no git
            return None
        if toplevel.returncode or Path(toplevel.stdout.decode().strip()) != Path(self.root):
            return None
        committed = self._git("show", f"HEAD:{MODEL}")
        if committed.returncode:
            raise RuntimeError(
                f"{MODEL} is not committed in HEAD of {self.root}; the package ships the "
                f"committed model (git: {committed.stderr.decode().strip()})"
            )
        working = Path(self.root, MODEL)
        if working.is_file() and working.read_bytes() != committed.stdout:
            self.app.display_warning(
                f"{MODEL} in the working tree differs from HEAD's: packaging HEAD's "
                "(commit the model to ship it)"
            )
        self._folder = tempfile.mkdtemp(prefix="zongjie-model-")
        path = Path(self._folder, Path(MODEL).name)
        path.write_bytes(committed.stdout)
        return path
