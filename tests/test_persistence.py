"""Model files: round trips, atomic and reproducible saves, and refusals that name the file and
say what is wrong."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from zongjie import persistence
from zongjie.features import cue_columns
from zongjie.persistence import MANIFEST, load_model_file, save_model

from conftest import ROOT, TINY_OVERRIDES

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


def test_the_file_records_versions_labels_and_the_lexicon(tiny_model, tiny_model_path) -> None:
    metadata = tiny_model.metadata
    assert metadata["zongjie"] == "0.2.0"
    assert metadata["labels"] == ["summary", "problem", "plan"]
    assert metadata["lexicon_hash"] == tiny_model.lexicon.hash
    names = sorted(_entries(tiny_model_path))
    assert names[0] == "classifier/coef.npy" and MANIFEST in names
    assert all(name == MANIFEST or name.endswith(".npy") for name in names)
    for name in names:
        if name != MANIFEST:  # every array is a plain one: no pickle anywhere
            np.load(io.BytesIO(_entries(tiny_model_path)[name]), allow_pickle=False)


def test_metadata_travels(tiny_fitted, tmp_path) -> None:
    from dataclasses import replace

    path = tmp_path / "model.zongjie"
    save_model(
        replace(tiny_fitted, metadata={"config_hash": "abc", "metrics": {"objective": 0.9}}), path
    )
    metadata = load_model_file(path).metadata
    assert metadata["config_hash"] == "abc" and metadata["metrics"] == {"objective": 0.9}


def test_saving_one_model_twice_gives_the_same_bytes(tiny_fitted, tiny_model, tmp_path) -> None:
    save_model(tiny_fitted, tmp_path / "a.model")
    save_model(tiny_model, tmp_path / "b.model")  # the reloaded model, saved again
    assert (tmp_path / "a.model").read_bytes() == (tmp_path / "b.model").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.model", "b.model"]  # no temporary


def test_entries_are_stored_and_deflated_files_still_load(tiny_model_path, tmp_path) -> None:
    # Unpacking deflated entries was a twentieth of a cold start; files saved before still load.
    with zipfile.ZipFile(tiny_model_path) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    deflated = tmp_path / "deflated.model"
    _write(deflated, _entries(tiny_model_path))
    with zipfile.ZipFile(deflated) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    texts = ["上半年共完成培训120人次。", "下半年将进一步加强领导。"]
    assert np.array_equal(
        load_model_file(deflated).paragraph_proba(texts),
        load_model_file(tiny_model_path).paragraph_proba(texts),
    )


def test_a_failed_save_leaves_the_old_model_intact(tiny_fitted, tmp_path, monkeypatch) -> None:
    path = tmp_path / "model.zongjie"
    save_model(tiny_fitted, path)
    before = path.read_bytes()
    calls = []

    def fail_midway(array):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-save
        return real(array)

    real = persistence._npy
    monkeypatch.setattr(persistence, "_npy", fail_midway)
    with pytest.raises(KeyboardInterrupt):
        save_model(tiny_fitted, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.zongjie"]


KEEP_SAVING = """
import sys
from zongjie.persistence import load_model_file, save_model
model = load_model_file(sys.argv[1])
save_model(model, sys.argv[2])
print("ready", flush=True)
while True:
    save_model(model, sys.argv[2])
"""


def test_killing_a_process_mid_save_never_leaves_a_broken_model(tiny_model_path, tmp_path) -> None:
    path = tmp_path / "model.zongjie"
    for delay in (0.05, 0.13, 0.31):
        process = subprocess.Popen(
            [sys.executable, "-c", KEEP_SAVING, str(tiny_model_path), str(path)],
            stdout=subprocess.PIPE,
        )
        assert process.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert path.read_bytes() == tiny_model_path.read_bytes()  # the last complete save


# ---------------------------------------------------------------------------- refusals


def test_a_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(
        FileNotFoundError, match=rf"^no model file at {re.escape(str(tmp_path))}/absent\.model$"
    ):
        load_model_file(tmp_path / "absent.model")


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01garbage", b"PK\x03\x04 not really a zip"],
    ids=["empty", "garbage", "zip-magic-only"],
)
def test_unreadable_files_are_named(tmp_path, content: bytes) -> None:
    path = tmp_path / "bad.model"
    path.write_bytes(content)
    _refused(path, rf"^{re.escape(str(path))} is not a readable zongjie model \(")


def test_a_truncated_file_is_named(tiny_model_path, tmp_path) -> None:
    path = tmp_path / "cut.model"
    path.write_bytes(tiny_model_path.read_bytes()[:5000])
    _refused(path, rf"^{re.escape(str(path))} is not a readable zongjie model")


@pytest.mark.slow
def test_an_entry_bigger_than_the_limit_is_refused_before_unpacking(tmp_path) -> None:
    # 513 MiB of zeros deflate to half a megabyte: the directory says how big it would be.
    path = tmp_path / "bomb.model"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, b"{}")
        with archive.open("classifier/coef.npy", "w", force_zip64=True) as entry:
            chunk = bytes(1 << 20)
            for _ in range((persistence.MAX_ENTRY_BYTES >> 20) + 1):
                entry.write(chunk)
    assert path.stat().st_size < 2 << 20
    _refused(
        path,
        rf"^{re.escape(str(path))} was refused: classifier/coef\.npy would unpack to more "
        r"than 512 MiB$",
    )


def _declare_size(path: Path, sizes: dict[str, int]) -> None:
    """Rewrite the uncompressed sizes that `path`'s zip directory (its central directory)
    declares for the named entries, leaving the data as it is: a tiny file that says it
    unpacks to gigabytes, or one that says it unpacks to less than it holds."""
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    offset = int.from_bytes(data[end + 16 : end + 20], "little")
    for _ in range(count):
        assert data[offset : offset + 4] == b"PK\x01\x02"
        name_length, extra_length, comment_length = (
            int.from_bytes(data[offset + k : offset + k + 2], "little") for k in (28, 30, 32)
        )
        name = data[offset + 46 : offset + 46 + name_length].decode()
        if name in sizes:
            data[offset + 24 : offset + 28] = sizes.pop(name).to_bytes(4, "little")
        offset += 46 + name_length + extra_length + comment_length
    assert not sizes, f"no such entries: {sorted(sizes)}"
    path.write_bytes(bytes(data))


def test_an_entry_bigger_than_a_lowered_limit_is_refused(tiny_model_path, monkeypatch) -> None:
    # The same check as the slow test above, at the scale of the tiny model.
    sizes = {n: len(d) for n, d in _entries(tiny_model_path).items()}
    name = max(sizes, key=sizes.__getitem__)
    monkeypatch.setattr(persistence, "MAX_ENTRY_BYTES", sizes[name] - 1)
    _refused(
        tiny_model_path,
        rf"^{re.escape(str(tiny_model_path))} was refused: {re.escape(name)} would unpack to "
        r"more than 0 MiB$",
    )


def test_a_tiny_file_that_declares_a_huge_entry_is_refused_unread(
    tiny_model_path, tmp_path, monkeypatch
) -> None:
    # The directory says 3.75 GiB; the file is the tiny model's size. Refused on what the
    # directory declares: not one byte of the entry is inflated.
    path = tmp_path / "declared.model"
    path.write_bytes(tiny_model_path.read_bytes())
    _declare_size(path, {"classifier/coef.npy": 0xF000_0000})
    assert path.stat().st_size < 4 << 20
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("an entry was opened"))
    _refused(
        path,
        rf"^{re.escape(str(path))} was refused: classifier/coef\.npy would unpack to more "
        r"than 512 MiB$",
    )


def test_entries_declaring_more_than_a_gigabyte_together_are_refused(
    tiny_model_path, tmp_path
) -> None:
    # Each entry under the 512 MiB limit, together over 1 GiB: the real limits, no monkeypatch.
    path = tmp_path / "total.model"
    path.write_bytes(tiny_model_path.read_bytes())
    declared = {f"sequence/{name}.npy": 400 << 20 for name in ("weights", "transitions")}
    declared["classifier/coef.npy"] = 400 << 20
    _declare_size(path, declared)
    _refused(
        path,
        rf"^{re.escape(str(path))} was refused: it would unpack to 12\d\d MiB, more than "
        r"1024 MiB$",
    )


def test_an_entry_holding_more_than_it_declares_is_not_read_past_its_size(
    tiny_model_path, tmp_path
) -> None:
    # 64 MiB of zeros declared as 200 bytes: the reader stops at the declared size, and the
    # checksum then refuses the entry, so the directory's figure bounds what is unpacked.
    entries = _entries(tiny_model_path)
    entries["classifier/intercept.npy"] = bytes(64 << 20)
    path = tmp_path / "understated.model"
    _write(path, entries)
    _declare_size(path, {"classifier/intercept.npy": 200})
    _refused(path, rf"^{re.escape(str(path))} is not a readable zongjie model \(Bad CRC-32")


def test_a_model_bigger_than_the_limit_is_refused(tiny_model_path, monkeypatch) -> None:
    total = sum(len(data) for data in _entries(tiny_model_path).values())
    monkeypatch.setattr(persistence, "MAX_MODEL_BYTES", total - 1)
    _refused(tiny_model_path, rf"was refused: it would unpack to {total >> 20} MiB, more than ")


def _npy_bytes(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _set(name: str, data: bytes) -> Callable[[dict, Entries], None]:
    def change(manifest: dict, entries: Entries) -> None:
        entries[name] = data

    return change


def _metadata(**changes) -> Callable[[dict, Entries], None]:
    def change(manifest: dict, entries: Entries) -> None:
        manifest["metadata"].update(changes)

    return change


def _drop(name: str) -> Callable[[dict, Entries], None]:
    def change(manifest: dict, entries: Entries) -> None:
        del entries[name]

    return change


def _tamper_lexicon(manifest: dict, entries: Entries) -> None:
    manifest["lexicon"]["heading_words"]["problem"].append("完成")


def _other_format(manifest: dict, entries: Entries) -> None:
    manifest["format_version"] = 1


def _future_format(manifest: dict, entries: Entries) -> None:
    manifest["format_version"] = 3


def _no_format_version(manifest: dict, entries: Entries) -> None:
    del manifest["format_version"]


def _format_version_as_text(manifest: dict, entries: Entries) -> None:
    manifest["format_version"] = "2"


def _not_ours(manifest: dict, entries: Entries) -> None:
    manifest["format"] = "other-model"


def _no_metadata(manifest: dict, entries: Entries) -> None:
    del manifest["metadata"]


PICKLED = _npy_bytes(np.array([{"command": "rm -rf /"}], dtype=object), allow_pickle=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set("payload.py", b"import os"),
            r" is not a zongjie model: unexpected entries \['payload\.py'\]$",
        ),
        (
            _set("model.pkl", b"\x80\x04."),
            r" is not a zongjie model: unexpected entries \['model\.pkl'\]$",
        ),
        (
            _set("../escape.npy", b""),
            r" is not a zongjie model: unexpected entries \['\.\./escape\.npy'\]$",
        ),
        (
            _set("sequence/transitions.npy", PICKLED),
            r": sequence/transitions\.npy is not a plain numpy array \(",
        ),
        (
            _set(MANIFEST + "x", b""),
            r" is not a zongjie model: unexpected entries \['model\.jsonx'\]$",
        ),
        (
            _drop("sequence/weights.npy"),
            r" is not a readable zongjie model \(bad content: KeyError\('sequence/weights'\)\)$",
        ),
        (_not_ours, r" is not a zongjie model$"),
        (
            _other_format,
            r" is a zongjie model of format 1; this zongjie reads format 2: retrain the model$",
        ),
        (
            _future_format,
            r" is a zongjie model of format 3; this zongjie reads format 2: retrain the model$",
        ),
        (
            _no_format_version,
            r" is a zongjie model of format None; this zongjie reads format 2: retrain the model$",
        ),
        (
            _format_version_as_text,
            r" is a zongjie model of format '2'; this zongjie reads format 2: retrain the model$",
        ),
        (
            _set("/etc/model.npy", b""),
            r" is not a zongjie model: unexpected entries \['/etc/model\.npy'\]$",
        ),
        (
            _set("classifier/", b""),
            r" is not a zongjie model: unexpected entries \['classifier/'\]$",
        ),
        (
            _set("classifier/coef.npy.exe", b"MZ"),
            r" is not a zongjie model: unexpected entries \['classifier/coef\.npy\.exe'\]$",
        ),
        (_no_metadata, r" is not a zongjie model: no metadata$"),
        (
            _metadata(zongjie="0.1.3"),
            r" was made with zongjie 0\.1\.3, this is zongjie 0\.2\.0: retrain the model$",
        ),
        (
            _metadata(zongjie="1.2.0"),
            r" was made with zongjie 1\.2\.0, this is zongjie 0\.2\.0: retrain the model$",
        ),
        (
            _metadata(labels=["summary", "plan"]),
            r" predicts the labels \('summary', 'plan'\), this zongjie predicts "
            r"\('summary', 'problem', 'plan'\): retrain it$",
        ),
        (
            _tamper_lexicon,
            r": its lexicon does not match the hash it was saved with \(\w{12}… recorded, \w{12}… "
            r"found\): the file was edited after training; retrain the model instead$",
        ),
    ],
    ids=[
        "foreign-code",
        "pickle-entry",
        "path-outside",
        "pickled-array",
        "odd-manifest-name",
        "missing-array",
        "foreign-format",
        "other-format-version",
        "future-format-version",
        "no-format-version",
        "format-version-as-text",
        "absolute-path",
        "directory-entry",
        "npy-exe",
        "no-metadata",
        "other-minor-version",
        "other-major-version",
        "other-label-set",
        "tampered-lexicon",
    ],
)
def test_files_that_are_not_this_zongjies_models_are_refused(
    tiny_model_path, tmp_path, change, message
) -> None:
    path = _rewritten(tiny_model_path, tmp_path / "changed.model", change)
    _refused(path, rf"^{re.escape(str(path))}{message}")


def test_an_archive_without_a_manifest_is_refused(tiny_model_path, tmp_path) -> None:
    entries = _entries(tiny_model_path)
    del entries[MANIFEST]
    path = tmp_path / "arrays.model"
    _write(path, entries)
    _refused(path, rf"^{re.escape(str(path))} is not a zongjie model: it has no model\.json$")


def test_a_manifest_that_is_not_json_is_refused(tiny_model_path, tmp_path) -> None:
    entries = _entries(tiny_model_path)
    entries[MANIFEST] = b"\xff{"
    path = tmp_path / "odd.model"
    _write(path, entries)
    _refused(path, rf"^{re.escape(str(path))} is not a zongjie model \(model\.json: ")


def test_repeated_entries_are_refused(tiny_model_path, tmp_path) -> None:
    path = tmp_path / "twice.model"
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, data in _entries(tiny_model_path).items():
            archive.writestr(name, data)
        archive.writestr("sequence/weights.npy", _npy_bytes(np.zeros((1, 4))))
    _refused(path, rf"^{re.escape(str(path))} is not a zongjie model: repeated entries$")


def test_another_patch_version_loads(tiny_model_path, tmp_path) -> None:
    path = _rewritten(tiny_model_path, tmp_path / "patch.model", _metadata(zongjie="0.2.9"))
    assert load_model_file(path).metadata["zongjie"] == "0.2.9"


# train.py itself, with os.fsync made to hang once the new model is written to its temporary
# file: the moment a kill does the most harm if saving is not atomic.
TRAIN_THEN_HANG_IN_SAVE = """
import os, runpy, sys, time
real_fsync = os.fsync
def fsync_then_hang(fd):
    real_fsync(fd)
    print("saving", flush=True)
    time.sleep(600)
os.fsync = fsync_then_hang
sys.argv = ["train.py", *sys.argv[1:]]
runpy.run_path("train.py", run_name="__main__")
"""


@pytest.mark.slow
def test_killing_train_py_mid_save_keeps_the_previous_model(tiny_model_path, tmp_path) -> None:
    path = tmp_path / "model.zongjie"
    path.write_bytes(tiny_model_path.read_bytes())
    process = subprocess.Popen(
        [
            *(sys.executable, "-c", TRAIN_THEN_HANG_IN_SAVE, *TINY_OVERRIDES),
            *("eval.enabled=false", "mlflow.enabled=false"),
            f"output.model_path={path}",
            f"hydra.run.dir={tmp_path / 'hydra'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        text=True,
    )
    try:
        lines = iter(process.stdout.readline, "")
        assert any(line.strip() == "saving" for line in lines), "train.py never saved"
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # caught mid-save
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert path.read_bytes() == tiny_model_path.read_bytes()


def test_every_entry_point_reads_a_model_with_the_one_reader(tiny_model_path, tmp_path) -> None:
    """Issue 12, item 11: a fast reader behind predict and serving accepted what load_model
    refused. Now one reader serves all: the API, the MLflow model, Spark and the CLI refuse a
    file with its message, and no other module opens a model archive."""
    from types import SimpleNamespace

    from zongjie import api, spark
    from zongjie.serving import MODEL_ARTIFACT, ParagraphLabeller

    path = _rewritten(tiny_model_path, tmp_path / "future.model", _future_format)
    with pytest.raises(ValueError) as reader:
        load_model_file(path)
    message = str(reader.value)
    assert "format 3" in message
    for load in (
        lambda: api.load_model(path),
        lambda: ParagraphLabeller().load_context(
            SimpleNamespace(artifacts={MODEL_ARTIFACT: str(path)})
        ),
        lambda: spark.ship_model(None, path),
    ):
        with pytest.raises(ValueError) as refused:
            load()
        assert str(refused.value) == message
    report = tmp_path / "report.txt"
    report.write_text("今年完成了任务。\n", encoding="utf-8")
    cli = subprocess.run(
        [sys.executable, "-m", "zongjie", str(report)],
        env={**os.environ, "ZONGJIE_MODEL": str(path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1 and message in cli.stderr and "Traceback" not in cli.stderr
    for module in (ROOT / "src" / "zongjie").glob("*.py"):
        # wordcut.py reads its own dictionary (wordcut.npz), never a model.
        if module.name not in ("persistence.py", "wordcut.py"):
            source = module.read_text(encoding="utf-8")
            assert "zipfile" not in source and "np.load(" not in source, module.name
