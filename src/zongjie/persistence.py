"""Fitted pipeline ⇄ file: atomic saves, safe loads, and metadata checked on load.

The default format is skops (``.skops``): a zip of JSON and numpy arrays that names every type
it holds. Loading first reads those names and refuses any type outside `ALLOWED_TYPES` before
anything is built, so a model file from someone else cannot run code. joblib (``.joblib``, a
pickle, which runs whatever it holds) stays available for those who ask for it explicitly.

Every file carries metadata: the zongjie and scikit-learn versions it was made with, its label
set, the hash of its training config and its metrics. Loading checks the label set and the
versions, and says what differs when they do not fit.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

from zongjie.document import LABELS

__all__ = [
    "ALLOWED_TYPES",
    "ModelFile",
    "config_hash",
    "load_pipeline",
    "load_predictor",
    "save_pipeline",
]

FORMAT_VERSION = 1

# The types a zongjie model may hold beyond the ones skops trusts by default (builtins, numpy,
# scipy sparse). Anything else in a .skops file is refused before it is loaded.
ALLOWED_TYPES = frozenset(
    {
        "zongjie.features.WordTfidf",
        "zongjie.text.cue_counts",
        "zongjie.text.cue_features",
        "zongjie.text.normalize",
        "zongjie.text.tokenize",
        "zongjie.text.tokenize_rjieba",
        "zongjie.models.DocumentClassifier",
        "zongjie.models.as_texts",
        "functools.partial",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.naive_bayes.ComplementNB",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._function_transformer.FunctionTransformer",
        "sklearn.svm._classes.LinearSVC",
        "sklearn.utils._bunch.Bunch",
        "builtins.frozenset",
        "builtins.slice",
    }
)


class ModelFile:
    """A loaded model file: the pipeline and its metadata."""

    def __init__(self, pipeline: Any, metadata: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.metadata = metadata


def config_hash(config: Any) -> str:
    """A short stable hash of a (JSON-able) training config."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _versions() -> dict[str, str]:
    return {"zongjie": version("zongjie"), "scikit-learn": version("scikit-learn")}


def save_pipeline(pipeline: Any, path: Path, metadata: dict[str, Any] | None = None) -> None:
    """Write `pipeline` with its metadata, as skops or joblib by `path`'s suffix.

    The file is written beside `path` under a temporary name, flushed to disk, then renamed
    over `path`: a reader, or a training killed mid-save, sees the old model or the new one,
    never a torn file."""
    path = Path(path)
    kind = _kind(path)
    payload = {
        "format": "zongjie-model",
        "format_version": FORMAT_VERSION,
        "metadata": {**_versions(), "labels": list(LABELS), **(metadata or {})},
        "pipeline": pipeline,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if kind == "skops":
                import skops.io

                handle.write(_deterministic(skops.io.dumps(payload)))
            else:
                import joblib

                joblib.dump(payload, handle, compress=3)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model file is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _deterministic(archive: bytes) -> bytes:
    """The same skops zip, made byte-for-byte reproducible: skops names array files and
    memo entries after `id()` of the objects (memory addresses) and stamps entries with the
    save time. Ids are renumbered in the order the schema meets them and every entry is dated
    1980-01-01, so saving one model twice gives one file (and DVC sees no change)."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    renumbered: dict[int, int] = {}

    def number(old: int) -> int:
        return renumbered.setdefault(old, len(renumbered) + 1)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            result = {}
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int):
                    result[key] = number(value)
                elif key == "file" and isinstance(value, str) and value.endswith(".npy"):
                    result[key] = f"{number(int(value[:-4]))}.npy"
                else:
                    result[key] = walk(value)
            return result
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    schema = walk(json.loads(source.read("schema.json")))
    entries = {"schema.json": json.dumps(schema, sort_keys=True).encode("utf-8")}
    for name in source.namelist():
        if name.endswith(".npy") and name[:-4].isdigit():
            entries[f"{number(int(name[:-4]))}.npy"] = source.read(name)
        elif name != "schema.json":
            entries[name] = source.read(name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, entries[name])
    return out.getvalue()


def _kind(path: Path) -> str:
    if path.suffix == ".skops":
        return "skops"
    if path.suffix == ".joblib":
        return "joblib"
    raise ValueError(f"{path}: a model file ends in .skops (safe, the default) or .joblib (pickle)")


def load_pipeline(path: Path, *, trust_pickle: bool = False) -> Any:
    """The pipeline saved at `path` (see `load_model_file`)."""
    return load_model_file(path, trust_pickle=trust_pickle).pipeline


def load_predictor(path: Path, *, trust_pickle: bool = False) -> Any:
    """What `zongjie.predict` runs for the model file at `path`: a `LinearTextModel` when the
    file holds one (read as JSON and numpy arrays, without importing scikit-learn or skops),
    else the pipeline loaded by `load_model_file`, wrapped for prediction."""
    path = Path(path)
    if path.suffix == ".skops" and path.is_file():
        stored = _read_linear(path)
        if stored is not None:
            return stored
    from zongjie.models import predictor

    return predictor(load_pipeline(path, trust_pickle=trust_pickle))


class _Unreadable(Exception):
    """A schema node the plain reader does not take: skops reads the file instead."""


class _Stored:
    """An object as a .skops schema describes it: its type's name and its attributes. Nothing
    is constructed and no module is imported to read it."""

    def __init__(self, stored_type: str, attributes: dict[str, Any]) -> None:
        self.__dict__.update(attributes)
        self.stored_type = stored_type


def _read_linear(path: Path) -> Any:
    """The `LinearTextModel` in a .skops file, or None when the file holds anything else or
    anything the plain reader does not take (then skops loads it, with its own checks)."""
    from zongjie.inference import LinearTextModel, NotLinear

    try:
        with zipfile.ZipFile(path) as archive:
            payload = _SchemaReader(archive).read(json.loads(archive.read("schema.json")))
        if not isinstance(payload, dict) or payload.get("format") != "zongjie-model":
            return None
        metadata = payload.get("metadata")
        pipeline = payload.get("pipeline")
    except (_Unreadable, OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile):
        return None
    if not isinstance(metadata, dict):
        return None
    _check_compatible(path, metadata)
    try:
        return LinearTextModel.from_fitted(pipeline)
    except (NotLinear, AttributeError, TypeError, ValueError):
        return None


class _SchemaReader:
    """Reads the schema of a skops file (protocol 2) into dicts, lists, numpy arrays and
    `_Stored` objects, taking only the node kinds a zongjie model is made of and only the
    types in `ALLOWED_TYPES`; numpy arrays load with ``allow_pickle=False``."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.memo: dict[int, Any] = {}

    def read(self, node: Any) -> Any:
        if not isinstance(node, dict):
            raise _Unreadable(f"a {type(node).__name__} node")
        loader = node.get("__loader__")
        if loader == "CachedNode":
            return self.memo[node["__id__"]]
        value = self._build(loader, node)
        if "__id__" in node:
            self.memo[node["__id__"]] = value
        return value

    def _build(self, loader: Any, node: dict[str, Any]) -> Any:
        name = f"{node.get('__module__')}.{node.get('__class__')}"
        content = node.get("content")
        if loader == "JsonNode" and node.get("is_json"):
            return json.loads(content)
        if loader == "DictNode":
            return {key: self.read(value) for key, value in content.items()}
        if loader == "ListNode":
            return [self.read(value) for value in content]
        if loader == "TupleNode":
            return tuple(self.read(value) for value in content)
        if loader == "NdArrayNode" and node.get("type") == "numpy":
            import numpy as np

            with self.archive.open(node["file"]) as handle:
                return np.load(handle, allow_pickle=False)
        if loader == "TypeNode" and node.get("__module__") in ("builtins", "numpy"):
            return _Stored(name, {})
        if loader == "FunctionNode" and name in ALLOWED_TYPES:
            return _Stored(name, {})
        if loader == "ObjectNode" and name in ALLOWED_TYPES:
            state = self.read(content)
            if not isinstance(state, dict):
                raise _Unreadable(f"{name} with a {type(state).__name__} state")
            return _Stored(name, state)
        raise _Unreadable(f"{loader} {name}")


def load_model_file(path: Path, *, trust_pickle: bool = False) -> ModelFile:
    """Load a model file, refusing what is not a zongjie model with a message that says why:
    a missing, empty, truncated or foreign file; a .skops file holding types outside
    `ALLOWED_TYPES`; a .joblib file unless `trust_pickle` (a pickle runs code when loaded);
    a label set or a scikit-learn version that differs from this installation's."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    kind = _kind(path)
    data = path.read_bytes()
    if not data:
        raise ValueError(f"{path} is empty: not a zongjie model")
    if kind == "joblib":
        if not trust_pickle:
            raise ValueError(
                f"{path} is a joblib pickle, which can run code when loaded; save models as "
                ".skops, or pass trust_pickle=True for a file you trust"
            )
        payload = _load_joblib(path)
    else:
        payload = _load_skops(path, data)
    if not isinstance(payload, dict) or payload.get("format") != "zongjie-model":
        raise ValueError(f"{path} is not a zongjie model: it holds {type(payload).__name__}")
    metadata = payload.get("metadata") or {}
    _check_compatible(path, metadata)
    return ModelFile(payload["pipeline"], metadata)


def _load_joblib(path: Path) -> Any:
    import joblib

    try:
        return joblib.load(path)
    except Exception as error:  # a torn or foreign file fails in many ways inside joblib
        raise ValueError(
            f"{path} is not a readable zongjie model ({type(error).__name__}: {error})"
        ) from None


def _load_skops(path: Path, data: bytes) -> Any:
    import skops.io

    try:
        declared = skops.io.get_untrusted_types(data=data)
    except Exception as error:  # not a zip, a truncated zip, no schema …
        raise ValueError(
            f"{path} is not a readable zongjie model ({type(error).__name__}: {error})"
        ) from None
    refused = sorted(set(declared) - ALLOWED_TYPES)
    if refused:
        raise ValueError(
            f"{path} holds types a zongjie model never holds, so it was not loaded: "
            + ", ".join(refused)
        )
    try:
        return skops.io.loads(data, trusted=declared)
    except Exception as error:
        raise ValueError(
            f"{path} is not a readable zongjie model ({type(error).__name__}: {error})"
        ) from None


def _major_minor(text: str) -> tuple[str, ...]:
    return tuple(text.split(".")[:2])


def _check_compatible(path: Path, metadata: dict[str, Any]) -> None:
    labels = tuple(metadata.get("labels") or ())
    if labels != LABELS:
        raise ValueError(
            f"{path} predicts the labels {labels}, this zongjie predicts {LABELS}: retrain it"
        )
    made, here = metadata.get("scikit-learn", "unknown"), version("scikit-learn")
    if _major_minor(made) != _major_minor(here):
        raise ValueError(
            f"{path} was made with scikit-learn {made}, this is scikit-learn {here}: install "
            f"scikit-learn {'.'.join(_major_minor(made))}.* or retrain the model"
        )
    made, here = metadata.get("zongjie", "unknown"), version("zongjie")
    if _major_minor(made) != _major_minor(here):
        raise ValueError(
            f"{path} was made with zongjie {made}, this is zongjie {here}: retrain the model"
        )
