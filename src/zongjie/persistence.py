"""Fitted model ⇄ file: atomic, reproducible saves and safe, bounded loads.

A model file (``.zongjie``, or any name) is a zip archive of one JSON document, ``model.json``
(settings, the frozen lexicon, the sequence model's attribute names, metadata), and numpy
arrays (``*.npy``, read with ``allow_pickle=False``). Nothing in it names a Python type or a
function, so loading builds only what this module builds: a file cannot run code.

Before anything is read, the archive's directory is checked: only the expected entry names,
each no larger (uncompressed) than `MAX_ENTRY_BYTES`, all together no larger than
`MAX_MODEL_BYTES`, so a small file that inflates to gigabytes is refused, not unpacked. The
metadata records the zongjie version, the label set, the lexicon's hash, the training config's
hash and the grouped-CV metrics; loading checks the version, the labels and the lexicon's hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from zongjie.document import LABELS
from zongjie.features import cue_columns
from zongjie.inference import CrfTables, LinearScorer
from zongjie.lexicon import Lexicon, lexicon_hash
from zongjie.model import Model
from zongjie.version import __version__
from zongjie.vocabulary import WordTable

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_ENTRY_BYTES",
    "MAX_MODEL_BYTES",
    "config_hash",
    "load_model_file",
    "save_model",
]

FORMAT = "zongjie-model"
FORMAT_VERSION = 2
MANIFEST = "model.json"
# The default model is about 10 MB unpacked; these leave room for far larger vocabularies.
MAX_ENTRY_BYTES = 512 << 20
MAX_MODEL_BYTES = 1 << 30
_ARRAY_NAME = re.compile(r"^[a-z_]+(?:/[a-z_0-9]+)*\.npy$")


def config_hash(config: Any) -> str:
    """A short stable hash of a (JSON-able) training config."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ------------------------------------------------------------------------------------ save


def _state(model: Model) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    word_settings, word_arrays = model.classifier.words.to_state()
    classifier = model.classifier
    arrays = {f"classifier/words/{name}": array for name, array in word_arrays.items()}
    arrays["classifier/coef"] = np.asarray(classifier.coef, dtype=np.float64)
    arrays["classifier/intercept"] = np.asarray(classifier.intercept, dtype=np.float64)
    if classifier.kind == "calibrated":
        arrays["classifier/sigmoid_a"] = np.asarray(classifier.sigmoid_a, dtype=np.float64)
        arrays["classifier/sigmoid_b"] = np.asarray(classifier.sigmoid_b, dtype=np.float64)
    arrays["sequence/weights"] = np.asarray(model.sequence.weights, dtype=np.float64)
    arrays["sequence/transitions"] = np.asarray(model.sequence.transitions, dtype=np.float64)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": {
            "zongjie": __version__,
            "labels": list(LABELS),
            **dict(model.metadata),
            "lexicon_hash": model.lexicon.hash,
        },
        "lexicon": dict(model.lexicon.data),
        "classifier": {
            "kind": classifier.kind,
            "cues": classifier.cues,
            # The cue block's columns, by name: a zongjie whose features compute other columns
            # refuses the file instead of weighing one cue by another's weight.
            "cue_columns": cue_columns(model.lexicon) if classifier.cues else [],
            "words": word_settings,
        },
        "sequence": {
            "attributes": list(model.sequence.attributes),
            "words": model.sequence_words,
            "stop_words": list(model.stop_words),
            "word_value": model.word_value,
        },
    }
    return manifest, arrays


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def save_model(model: Model, path: Path) -> None:
    """Write `model` to `path`.

    The archive is byte-for-byte reproducible (sorted entries, a fixed timestamp), so the same
    model always gives the same file. It is written beside `path` under a temporary name,
    flushed to disk, then renamed over `path`: a reader, or a training killed mid-save, sees
    the old model or the new one, never a torn file."""
    path = Path(path)
    manifest, arrays = _state(model)
    # Not sorted: the lexicon's groups keep their order, which the cue block's columns and the
    # numbering styles' precedence follow. The order is the same on every save of a model.
    entries = {MANIFEST: json.dumps(manifest, ensure_ascii=False).encode("utf-8")}
    entries.update({f"{name}.npy": _npy(array) for name, array in arrays.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            # Stored, not deflated: unpacking was ~13 ms of a cold start's ~0.3 s, and git, a
            # wheel and an MLflow artifact store compress the file anyway.
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
                for name in sorted(entries):
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_STORED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, entries[name])
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model file is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------ load


def load_model_file(path: Path) -> Model:
    """The model saved at `path`. Raises FileNotFoundError when there is no file, and
    ValueError naming the file and what is wrong when it is not a zongjie model this version
    can read: empty, truncated, foreign, oversized when unpacked, made by another zongjie
    version, for another label set, or with a lexicon that does not match its recorded hash."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = _checked_directory(path, archive)
            manifest = _json(path, archive.read(MANIFEST))
            _check_manifest(path, manifest)
            arrays = {
                name[: -len(".npy")]: _array(path, archive, name)
                for name in names
                if name != MANIFEST
            }
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"{path} is not a readable zongjie model ({error})") from None
    try:
        model = _model(manifest, arrays)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ValueError(
            f"{path} is not a readable zongjie model (bad content: {error!r})"
        ) from None
    _check_features(path, manifest, model)
    return model


def _checked_directory(path: Path, archive: zipfile.ZipFile) -> list[str]:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if MANIFEST not in names:
        raise ValueError(f"{path} is not a zongjie model: it has no {MANIFEST}")
    strange = [n for n in names if n != MANIFEST and not _ARRAY_NAME.match(n)]
    if strange:
        raise ValueError(f"{path} is not a zongjie model: unexpected entries {strange[:5]}")
    if len(set(names)) != len(names):
        raise ValueError(f"{path} is not a zongjie model: repeated entries")
    big = [info.filename for info in infos if info.file_size > MAX_ENTRY_BYTES]
    if big:
        raise ValueError(
            f"{path} was refused: {big[0]} would unpack to more than {MAX_ENTRY_BYTES >> 20} MiB"
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_MODEL_BYTES:
        raise ValueError(
            f"{path} was refused: it would unpack to {total >> 20} MiB, more than "
            f"{MAX_MODEL_BYTES >> 20} MiB"
        )
    return names


def _json(path: Path, data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path} is not a zongjie model ({MANIFEST}: {error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a zongjie model")
    return manifest


def _major_minor(text: str) -> tuple[str, ...]:
    return tuple(str(text).split(".")[:2])


def _check_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} is a zongjie model of format {manifest.get('format_version')!r}; this "
            f"zongjie reads format {FORMAT_VERSION}: retrain the model"
        )
    metadata = manifest.get("metadata")
    if not isinstance(metadata, dict):
        raise ValueError(f"{path} is not a zongjie model: no metadata")
    labels = tuple(metadata.get("labels") or ())
    if labels != LABELS:
        raise ValueError(
            f"{path} predicts the labels {labels}, this zongjie predicts {LABELS}: retrain it"
        )
    here = __version__
    made = metadata.get("zongjie", "unknown")
    if _major_minor(made) != _major_minor(here):
        raise ValueError(
            f"{path} was made with zongjie {made}, this is zongjie {here}: retrain the model"
        )
    recorded = metadata.get("lexicon_hash")
    actual = lexicon_hash(manifest.get("lexicon") or {})
    if recorded != actual:
        raise ValueError(
            f"{path}: its lexicon does not match the hash it was saved with "
            f"({str(recorded)[:12]}… recorded, {actual[:12]}… found): the file was edited "
            "after training; retrain the model instead"
        )


def _check_features(path: Path, manifest: Mapping[str, Any], model: Model) -> None:
    """The classifier's weights fit the features this zongjie computes: the cue block's
    columns by name (when the file records them) and the weights' width."""
    classifier = model.classifier
    expected = cue_columns(model.lexicon) if classifier.cues else []
    recorded = manifest["classifier"].get("cue_columns")
    width = classifier.words.n_features + len(expected)
    if recorded is not None and list(recorded) != expected:
        changed = [c for c in recorded if c not in expected] + [
            c for c in expected if c not in recorded
        ]
        raise ValueError(
            f"{path} was fitted on other lexicon cue features than this zongjie computes "
            f"({', '.join(changed[:6]) if changed else 'the same columns in another order'}): "
            "retrain the model"
        )
    if classifier.coef.shape[2] != width:
        raise ValueError(
            f"{path} was fitted on other paragraph features than this zongjie computes: its "
            f"classifier weighs {classifier.coef.shape[2]} features, this zongjie gives it "
            f"{width}: retrain the model"
        )


def _array(path: Path, archive: zipfile.ZipFile, name: str) -> np.ndarray:
    with archive.open(name) as handle:
        try:
            return np.load(io.BytesIO(handle.read()), allow_pickle=False)
        except ValueError as error:
            raise ValueError(f"{path}: {name} is not a plain numpy array ({error})") from None


def _model(manifest: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Model:
    lexicon = Lexicon(manifest["lexicon"])
    spec = manifest["classifier"]
    prefix = "classifier/words/"
    words = WordTable.from_state(
        spec["words"], {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
    )
    classifier = LinearScorer(
        words=words,
        cues=bool(spec["cues"]),
        kind=str(spec["kind"]),
        coef=arrays["classifier/coef"],
        intercept=arrays["classifier/intercept"],
        sigmoid_a=arrays.get("classifier/sigmoid_a"),
        sigmoid_b=arrays.get("classifier/sigmoid_b"),
    )
    sequence = manifest["sequence"]
    tables = CrfTables(
        tuple(str(a) for a in sequence["attributes"]),
        arrays["sequence/weights"],
        arrays["sequence/transitions"],
    )
    return Model(
        lexicon=lexicon,
        classifier=classifier,
        sequence=tables,
        sequence_words=sequence["words"],
        stop_words=tuple(sequence["stop_words"]),
        word_value=float(sequence["word_value"]),
        metadata=manifest["metadata"],
    )
