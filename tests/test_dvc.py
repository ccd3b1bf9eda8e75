"""The DVC pipeline: its stages parse, list real files and real config values, and the prepared
data reads back as exactly what `load_documents` derives."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from zongjie.training import load_documents, read_prepared

from conftest import GOLD, ROOT

DVC = Path(sys.executable).parent / "dvc"
PIPELINE = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))


def test_stages_and_their_order() -> None:
    stages = PIPELINE["stages"]
    assert {"prepare", "train", "evaluate"} <= set(stages)
    assert "data/prepared/paragraphs.jsonl" in stages["train"]["deps"]
    assert "data/prepared/paragraphs.jsonl" in stages["evaluate"]["deps"]
    assert stages["evaluate"]["metrics"] and stages["evaluate"]["plots"]
    plots = [next(iter(p)) for p in stages["evaluate"]["plots"]]
    assert any("confusion" in p for p in plots)


def test_every_dependency_and_parameter_exists() -> None:
    produced = {
        next(iter(out)) if isinstance(out, dict) else out
        for stage in PIPELINE["stages"].values()
        for out in stage.get("outs", [])
    }
    for name, stage in PIPELINE["stages"].items():
        for dep in stage.get("deps", []):
            if dep.startswith("../") or dep in produced:
                continue  # the corpora folder beside the repository, or another stage's output
            assert (ROOT / dep).exists(), f"{name}: {dep}"
        for entry in stage.get("params", []):
            for path, keys in entry.items() if isinstance(entry, dict) else [(entry, None)]:
                config = OmegaConf.load(ROOT / path)
                for key in keys or []:
                    assert OmegaConf.select(config, key) is not None, f"{name}: {path}:{key}"


# The zongjie modules each stage's script imports: a change to any of them must rerun it.
STAGE_IMPORTS = {
    "gold": "scripts/build_gold.py",
    "prepare": "scripts/prepare.py",
    "train": "train.py",
    "evaluate": "train.py",
}


@pytest.mark.parametrize("stage", sorted(STAGE_IMPORTS))
def test_every_module_a_stage_imports_is_a_dependency(stage: str) -> None:
    script = STAGE_IMPORTS[stage]
    listing = (
        "import runpy, sys\n"
        f"sys.argv = [{script!r}]\n"
        f"runpy.run_path({script!r}, run_name='imported')\n"  # defines, does not run main()
        "print('\\n'.join(sorted(getattr(m, '__file__', None) or '' for n, m in "
        "list(sys.modules.items()) if n == 'zongjie' or n.startswith('zongjie.'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", listing], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    imported = {
        Path(path).resolve().relative_to(ROOT).as_posix()
        for path in out.split()
        if path.endswith(".py") and not path.endswith("__init__.py")
    }
    assert imported, "no zongjie module imported"
    assert sorted(imported - set(PIPELINE["stages"][stage]["deps"])) == []


def test_train_stage_tracks_the_configured_model_path() -> None:
    config = OmegaConf.load(ROOT / "conf" / "config.yaml")
    outs = [next(iter(o)) for o in PIPELINE["stages"]["train"]["outs"]]
    # templated from conf/config.yaml (`vars:`), with the model card beside it
    assert outs == ["${output.model_path}", "models/MODEL_CARD.md"]
    assert config.output.model_path


@pytest.mark.skipif(not DVC.exists(), reason="dvc is a development dependency")
def test_dvc_reads_the_pipeline() -> None:
    result = subprocess.run(
        [str(DVC), "dag", "--md"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    for stage in ("gold", "prepare", "train", "evaluate"):
        assert stage in result.stdout


def test_prepared_data_reads_back_as_derived(tmp_path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import prepare
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    output = tmp_path / "paragraphs.jsonl"
    prepare.main(["--output", str(output), "data=seeds", f"data.gold_path={GOLD}"])
    derived = load_documents(OmegaConf.create({"gold_path": str(GOLD), "use_corpora": False}))
    assert read_prepared(output) == derived
    assert (tmp_path / "stats.json").is_file()
    first = yaml.safe_load(output.read_text(encoding="utf-8").splitlines()[0])
    assert set(first) == {
        "doc_id", "genre", "source", "para_index", "text", "label", "weak_label", "label_source"
    }  # fmt: skip
    config = OmegaConf.create({"prepared_path": str(output)})
    assert load_documents(config) == derived


def test_missing_prepared_data_says_how_to_make_it(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="dvc repro prepare"):
        read_prepared(tmp_path / "absent.jsonl")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_prepared_text_of_the_corpora_is_not_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "data/prepared/paragraphs.jsonl"], cwd=ROOT, timeout=30
    )
    assert ignored.returncode == 0
