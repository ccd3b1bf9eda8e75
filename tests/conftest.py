"""Shared fixtures: paths to the real data, the composed Hydra config shrunk to the seeds, and
ONE tiny model (fitted once per session on the seed documents) that the API tests share."""

from __future__ import annotations

import functools
import inspect
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw" / "seeds"
GOLD = ROOT / "data" / "labels" / "seed_gold.jsonl"
CORPORA = ROOT.parent / "shared" / "corpora"
DEFAULT_MODEL = ROOT / "models" / "zongjie.model"
LEXICON = ROOT / "src" / "zongjie" / "lexicon.yaml"

# Real paragraphs of seed 002 (lines 3, 70, 118).
SUMMARY = (
    "##镇幅员面积为144.5平方公里,辖20个村委会42个村民小组,总人口55983人。目前,全镇有初级中学2所,"
    "7个中心完小和4所小学,在校学生有845人,教师733人。适龄儿童入学率和初等教育完成率均为100%。"
)
PROBLEM = (
    "2、师德师风建设仍有不少薄弱环节。如,有些教师教育方法不当,法纪观念不强,不能平等对待学生;"
    "有些教师钻研业务不够刻苦,在教学方法上不能适应素质教育的要求。"
)
PLAN = (
    "1、加强领导,明确责任。镇党委结合各村、各单位实际,负责具体安排落实,调动广大党员参与的积极性,"
    "扎实开展党员教育的各项活动,保证党员教育的质量和覆盖面,认真组织好民主评议活动。"
)

# What shrinks a training to seconds: the seed documents only, two out-of-fold folds for the
# CRF's training probabilities, a short CRF fit, one process. With eleven documents the words
# have to carry full value, and the penalty be light, for the model to learn its own training
# reports well.
TINY_OVERRIDES = [
    "data=seeds",
    f"data.seeds_gold={GOLD}",
    f"data.raw_root={ROOT}",
    "decoder.oof_folds=2",
    "decoder.max_iterations=60",
    "decoder.word_value=1.0",
    "decoder.c2=1.0",
    "eval.n_jobs=1",
]


ALONE_ENV = "ZONGJIE_TEST_ALONE"


def alone(test: Callable) -> Callable:
    """Run `test` in a process of its own when this one runs other threads. Forking worker
    processes needs a process with no other Python thread (a child would inherit their locks
    held), and tests that ran before (Spark's py4j, MLflow, a browser driver) leave threads
    behind; alone, the test forks as a user's process would."""
    module = inspect.getsourcefile(test)

    @functools.wraps(test)
    def run(*args, **kwargs):
        if threading.active_count() == 1 or os.environ.get(ALONE_ENV):
            return test(*args, **kwargs)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"{module}::{test.__name__}",
            ],
            cwd=ROOT,
            env={**os.environ, ALONE_ENV: "1"},
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert re.search(r"\b1 passed", result.stdout), result.stdout[-2000:]

    return run


def compose_config(overrides: Sequence[str] = ()):
    """The real config (conf/), composed by Hydra as `python train.py` composes it."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def tiny_config(folder: Path, experiment: str = "test", extra: Sequence[str] = ()):
    """`TINY_OVERRIDES`, with the model file and the MLflow store (experiment `experiment`) in
    `folder`."""
    return compose_config(
        [
            *TINY_OVERRIDES,
            f"output.model_path={folder / 'model.zongjie'}",
            f"mlflow.tracking_uri=sqlite:///{folder / 'mlflow.db'}",
            f"mlflow.experiment={experiment}",
            *extra,
        ]
    )


# Four seed reports: the title and salutation lines (seed-001), problems and plans (002-03,
# 002-06, 002-08). Leave-one-source-out over them is four fits of three documents: an
# end-to-end training with evaluation in seconds.
MINI_DOCUMENTS = ("seed-001", "seed-002-03", "seed-002-06", "seed-002-08")


def mini_gold(folder: Path) -> Path:
    """`MINI_DOCUMENTS`' gold records, written (once) to `folder/mini_gold.jsonl`."""
    from zongjie.dataset import read_seeds, write_seeds

    gold = folder / "mini_gold.jsonl"
    if not gold.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        write_seeds([d for d in read_seeds(GOLD) if d.id in MINI_DOCUMENTS], gold)
    return gold


def mini_config(folder: Path, experiment: str = "test", extra: Sequence[str] = ()):
    """`tiny_config` on `MINI_DOCUMENTS` (written to `folder/mini_gold.jsonl`), evaluated by
    leave-one-source-out only, which is also the objective."""
    gold = mini_gold(folder)
    return tiny_config(
        folder,
        experiment,
        [
            f"data.seeds_gold={gold}",
            "eval.schemes=[source]",
            "eval.objective.scheme=source",
            *extra,
        ],
    )


@pytest.fixture
def tiny_cfg(tmp_path: Path):
    """`tiny_config` in the test's temporary folder."""
    return tiny_config(tmp_path)


@pytest.fixture(scope="session")
def seed_001() -> str:
    return (SEEDS / "001_fc0c1e1a6d6d8450.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_002() -> str:
    return (SEEDS / "002_354727535b141923.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_documents():
    from zongjie.dataset import read_seeds

    return read_seeds(GOLD)


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory) -> Path:
    """Where the tiny model lives, beside the copy of lexicon.yaml it was trained with."""
    folder = tmp_path_factory.mktemp("tiny")
    shutil.copy(LEXICON, folder / "lexicon.yaml")
    return folder


@pytest.fixture(scope="session")
def tiny_fitted(tiny_folder: Path, seed_documents):
    """The tiny model as fitted, in memory: on the seed documents (`TINY_OVERRIDES`), with the
    lexicon read from `tiny_folder/lexicon.yaml`."""
    from zongjie.lexicon import read_lexicon
    from zongjie.training import fit_model

    cfg = tiny_config(tiny_folder, extra=[f"features.lexicon={tiny_folder / 'lexicon.yaml'}"])
    return fit_model(seed_documents, cfg, read_lexicon(cfg.features.lexicon))


@pytest.fixture(scope="session")
def tiny_model_path(tiny_folder: Path, tiny_fitted) -> Path:
    """The tiny model's file, saved as `save_model` saves any model."""
    from zongjie.persistence import save_model

    path = tiny_folder / "tiny.model"
    save_model(tiny_fitted, path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tiny_model_path: Path):
    """The tiny model, read back from its file."""
    from zongjie.persistence import load_model_file

    return load_model_file(tiny_model_path)


@pytest.fixture
def use_tiny_model(tiny_model, tiny_model_path, monkeypatch) -> Iterator[None]:
    """The zongjie API answers with the tiny model (in this process, and in the processes the
    test starts, through ZONGJIE_MODEL)."""
    from zongjie import api

    monkeypatch.setattr(api, "_model", tiny_model)
    monkeypatch.setenv("ZONGJIE_MODEL", str(tiny_model_path))
    yield
