"""The DVC pipeline: its stages parse, in order, depend on the package folder and on real
files, read real config values, and their commands are configs Hydra composes."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from conftest import CORPORA, ROOT, compose_config

DVC = Path(sys.executable).parent / "dvc"
PIPELINE = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
STAGES = PIPELINE["stages"]


def _paths(entries: list) -> list[str]:
    return [next(iter(e)) if isinstance(e, dict) else e for e in entries]


def test_stages_and_their_order() -> None:
    assert list(STAGES) == ["gold", "prepare", "train", "evaluate"]
    assert "data/labels/seed_gold.jsonl" in _paths(STAGES["gold"]["outs"])
    assert "data/labels/seed_gold.jsonl" in STAGES["prepare"]["deps"]
    assert "data/prepared/paragraphs.jsonl" in _paths(STAGES["prepare"]["outs"])
    for stage in ("train", "evaluate"):
        assert "data/prepared/paragraphs.jsonl" in STAGES[stage]["deps"]
    assert _paths(STAGES["train"]["outs"]) == ["outputs/dvc/zongjie.model"]
    assert _paths(STAGES["evaluate"]["metrics"]) == ["outputs/dvc/reports/metrics.json"]


def test_every_stage_depends_on_the_whole_package() -> None:
    for name, stage in STAGES.items():
        assert "src/zongjie" in stage["deps"], name
        assert not [d for d in stage["deps"] if d.startswith("src/zongjie/")], name


def test_train_fits_only_and_evaluate_writes_only_reports() -> None:
    train = shlex.split(STAGES["train"]["cmd"])
    assert train[:2] == ["python", "train.py"]
    assert {"data=prepared", "eval.enabled=false", "mlflow.enabled=false"} <= set(train)
    evaluate = shlex.split(STAGES["evaluate"]["cmd"])
    assert {
        "data=prepared",
        "eval.enabled=true",
        "output.save_model=false",
        "mlflow.enabled=false",
        "eval.reports_dir=outputs/dvc/reports",
    } <= set(evaluate)
    assert "output.model_path=outputs/dvc/zongjie.model" in train


@pytest.mark.parametrize("stage", ["train", "evaluate"])
def test_the_commands_compose(stage: str) -> None:
    overrides = [a for a in shlex.split(STAGES[stage]["cmd"])[2:] if not a.startswith("hydra.")]
    cfg = compose_config(overrides)
    assert cfg.data.prepared_path == "data/prepared/paragraphs.jsonl"
    assert cfg.mlflow.enabled is False


def test_every_dependency_and_parameter_exists() -> None:
    produced = {path for stage in STAGES.values() for path in _paths(stage.get("outs", []))}
    for name, stage in STAGES.items():
        for dep in stage["deps"]:
            if dep.startswith("../") or dep in produced:
                continue  # the corpora folder beside the repository, or another stage's output
            assert (ROOT / dep).exists(), f"{name}: {dep}"
        for entry in stage.get("params", []):
            for path, keys in entry.items():
                config = OmegaConf.load(ROOT / path)
                for key in keys or []:
                    assert OmegaConf.select(config, key) is not None, f"{name}: {path}:{key}"


def test_the_parameter_files_are_the_default_choices() -> None:
    defaults = OmegaConf.load(ROOT / "conf" / "config.yaml").defaults
    chosen = {
        f"conf/{group}/{choice}.yaml"
        for entry in defaults
        if isinstance(entry, dict) or OmegaConf.is_dict(entry)
        for group, choice in entry.items()
        if group in ("data", "features", "model", "decoder")
    }
    assert chosen == {
        "conf/data/default.yaml",
        "conf/features/word.yaml",
        "conf/model/logreg.yaml",
        "conf/decoder/crf.yaml",
    }
    for stage in ("train", "evaluate"):
        files = {path for entry in STAGES[stage]["params"] for path in entry}
        assert chosen <= files, stage


def _outputs(stage: dict) -> list[str]:
    return [path for kind in ("outs", "metrics", "plots") for path in _paths(stage.get(kind, []))]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_repro_changes_no_committed_file() -> None:
    """`make repro --force` leaves git's files as they were: train and evaluate write into
    outputs/dvc/, which git ignores (the committed model and reports/ are `make release`'s);
    gold and prepare write committed files that they reproduce byte for byte (the tests
    below and test_build_gold_reproduces_the_seed_gold_byte_for_byte); dvc.lock, this
    machine's record, is not committed (nor git-ignored, which DVC refuses)."""
    config = OmegaConf.load(ROOT / "conf" / "config.yaml")
    assert config.output.model_path is None  # python train.py writes into its run folder
    for name in ("train", "evaluate"):
        for path in _outputs(STAGES[name]):
            assert path.startswith("outputs/dvc/"), (name, path)
            ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, timeout=30)
            assert ignored.returncode == 0, path
    committed = subprocess.run(
        ["git", "ls-files", "--", *(p for s in ("gold", "prepare") for p in _outputs(STAGES[s]))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert committed == ["data/labels/seed_gold.jsonl", "data/prepared/stats.json"]
    tracked = subprocess.run(
        ["git", "ls-files", "--", "dvc.lock", "outputs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert tracked.stdout == ""


@pytest.mark.skipif(not CORPORA.is_dir(), reason="needs the shared corpora")
def test_prepare_reproduces_the_committed_stats_byte_for_byte(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "scripts/prepare.py", "--output", str(tmp_path / "paragraphs.jsonl")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    committed = ROOT / "data" / "prepared" / "stats.json"
    assert (tmp_path / "stats.json").read_bytes() == committed.read_bytes()


@pytest.mark.skipif(not DVC.exists(), reason="dvc is a development dependency")
def test_dvc_reads_the_pipeline() -> None:
    result = subprocess.run(
        [str(DVC), "dag", "--md"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    for stage in ("gold", "prepare", "train", "evaluate"):
        assert stage in result.stdout


@pytest.mark.skipif(not DVC.exists(), reason="dvc is a development dependency")
def test_dvc_repro_dry_run_lists_every_stage() -> None:
    result = subprocess.run(
        [str(DVC), "repro", "--dry", "--force"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for stage in ("gold", "prepare", "train", "evaluate"):
        assert f"Running stage '{stage}'" in result.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_prepared_text_of_the_corpora_is_not_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "data/prepared/paragraphs.jsonl"], cwd=ROOT, timeout=30
    )
    assert ignored.returncode == 0
