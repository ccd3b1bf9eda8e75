"""Model files: round trips, atomic and reproducible saves, and refusals that name the file and
say what is wrong."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from zongjie import persistence
from zongjie.features import cue_columns
from zongjie.persistence import MANIFEST, load_model_file, save_model

from conftest import ROOT

Entries = dict[str, bytes]


def _entries(path: Path) -> Entries:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(path: Path, entries: Entries) -> None:
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # a repeated name, on purpose
        for name, data in entries.items():
            archive.writestr(name, data)


def _rewritten(source: Path, target: Path, change: Callable[[dict, Entries], None]) -> Path:
    """`source`'s entries, `change`d (the manifest as a dict, the other entries as bytes),
    written to `target`."""
    entries = _entries(source)
    manifest = json.loads(entries[MANIFEST])
    change(manifest, entries)
    entries[MANIFEST] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    _write(target, entries)
    return target


def _refused(path: Path, message: str) -> None:
    """Loading `path` raises ValueError matching `message` and naming the file."""
    with pytest.raises(ValueError, match=message) as error:
        load_model_file(path)
    assert str(path) in str(error.value)


# ------------------------------------------------------------- features the file was fit on


def test_weights_for_another_number_of_features_are_refused(tiny_model_path, tmp_path) -> None:
    # A model fitted before the cue block gained columns: its weights are narrower than the
    # features this zongjie computes. Refused on load, not with a shape error on first predict.
    def drop_the_last_three_columns(manifest: dict, entries: Entries) -> None:
        del manifest["classifier"]["cue_columns"]
        coef = np.load(io.BytesIO(entries["classifier/coef.npy"]))
        buffer = io.BytesIO()
        np.save(buffer, coef[:, :, :-3])
        entries["classifier/coef.npy"] = buffer.getvalue()

    path = _rewritten(tiny_model_path, tmp_path / "narrow.model", drop_the_last_three_columns)
    width = np.load(io.BytesIO(_entries(tiny_model_path)["classifier/coef.npy"])).shape[2]
    _refused(
        path,
        rf"^{re.escape(str(path))} was fitted on other paragraph features than this zongjie "
        rf"computes: its classifier weighs {width - 3} features, this zongjie gives it {width}: "
        "retrain the model$",
    )


def test_other_cue_columns_are_refused_by_name(tiny_model, tiny_model_path, tmp_path) -> None:
    columns = cue_columns(tiny_model.lexicon)
    assert json.loads(_entries(tiny_model_path)[MANIFEST])["classifier"]["cue_columns"] == columns

    def rename_one(manifest: dict, entries: Entries) -> None:
        manifest["classifier"]["cue_columns"][-1] = "context_old_name"

    path = _rewritten(tiny_model_path, tmp_path / "renamed.model", rename_one)
    _refused(
        path,
        rf"was fitted on other lexicon cue features than this zongjie computes "
        rf"\(context_old_name, {columns[-1]}\): retrain the model$",
    )

    def reorder(manifest: dict, entries: Entries) -> None:
        manifest["classifier"]["cue_columns"].reverse()

    path = _rewritten(tiny_model_path, tmp_path / "reordered.model", reorder)
    _refused(path, r"\(the same columns in another order\): retrain the model$")


# ------------------------------------------------------------------------------ round trips


def test_a_saved_and_reloaded_model_gives_identical_probabilities(
    tiny_fitted, tiny_model, seed_documents
) -> None:
    paragraphs = [p for d in seed_documents for p in d.paragraphs]
    np.testing.assert_array_equal(
        tiny_model.paragraph_proba(paragraphs), tiny_fitted.paragraph_proba(paragraphs)
    )
    for document in seed_documents:
        np.testing.assert_array_equal(
            tiny_model.document_states(document.paragraphs),
            tiny_fitted.document_states(document.paragraphs),
        )
    # The lexicon comes back as it was, its groups in their order: the cue block's columns
    # and the numbering styles' precedence follow that order.
    assert json.dumps(tiny_model.lexicon.data) == json.dumps(tiny_fitted.lexicon.data)
    assert cue_columns(tiny_model.lexicon) == cue_columns(tiny_fitted.lexicon)
