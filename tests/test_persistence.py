"""Model files: round trips, atomic and reproducible saves, and refusals that name the file and
say what is wrong."""

from __future__ import annotations

import json
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from zongjie.features import cue_columns
from zongjie.persistence import MANIFEST, load_model_file

Entries = dict[str, bytes]


def _entries(path: Path) -> Entries:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(path: Path, entries: Entries) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with warnings.catch_warnings():
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
