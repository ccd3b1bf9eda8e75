"""Hatch build hook: the word segmenter's C extension is compiled, and a wheel or sdist carries
the committed default model.

`src/zongjie/_wordcut.c` (`zongjie.wordcut`) is compiled by setuptools' `build_ext`, which knows
each platform's compiler and flags: into the wheel, which is then platform-specific, or, for an
editable install (`make setup`), next to the source in src/zongjie/ (ignored by git).

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
EXTENSION = "zongjie._wordcut"
EXTENSION_SOURCE = "src/zongjie/_wordcut.c"


class CommittedModelHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._folder: str | None = None
        if self.target_name == "wheel":
            self._build_extension(version, build_data)
        if version == "editable":
            return
        source = self._committed_model() or Path(self.root, MODEL)
        if not source.is_file():
            raise FileNotFoundError(f"{MODEL}: no default model to package")
        destination = IN_WHEEL if self.target_name == "wheel" else MODEL
        build_data["force_include"][str(source)] = destination

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        for folder in (getattr(self, "_folder", None), getattr(self, "_extension_folder", None)):
            if folder:
                shutil.rmtree(folder, ignore_errors=True)

    def _build_extension(self, version: str, build_data: dict[str, Any]) -> None:
        from setuptools import Distribution, Extension
        from setuptools.command.build_ext import build_ext

        self._extension_folder = tempfile.mkdtemp(prefix="zongjie-extension-")
        extension = Extension(EXTENSION, [str(Path(self.root, EXTENSION_SOURCE))])
        command = build_ext(Distribution({"name": "zongjie", "ext_modules": [extension]}))
        command.build_lib = self._extension_folder
        command.build_temp = str(Path(self._extension_folder, "temp"))
        command.ensure_finalized()
        command.run()
        built = Path(command.get_ext_fullpath(EXTENSION))
        if version == "editable":  # the editable package is the source folder
            shutil.copyfile(built, Path(self.root, "src", "zongjie", built.name))
        else:
            build_data["force_include"][str(built)] = f"zongjie/{built.name}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True

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
