"""The scripts: build_gold reproduces the seed gold, prepare writes what training reads back,
register says when there is nothing to register, search explores existing config keys and
registers its best trial, benchmark runs."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import optuna
import pytest
from omegaconf import OmegaConf

from zongjie.dataset import load_documents, read_prepared

from conftest import GOLD, ROOT, compose_config, mini_config

sys.path.insert(0, str(ROOT / "scripts"))
import build_gold
import prepare
import robustness
import search
import update_readme

sys.path.remove(str(ROOT / "scripts"))


def test_build_gold_reproduces_the_seed_gold_byte_for_byte(tmp_path) -> None:
    output = tmp_path / "gold.jsonl"
    build_gold.main(["--output", str(output)])
    assert output.read_bytes() == GOLD.read_bytes()


def test_build_gold_imports_no_private_helper() -> None:
    source = (ROOT / "scripts" / "build_gold.py").read_text(encoding="utf-8")
    assert "import _" not in source and ", _" not in source


def test_prepare_writes_what_training_reads_back(tmp_path, seed_documents) -> None:
    output = tmp_path / "prepared" / "paragraphs.jsonl"
    prepare.main(["--output", str(output), "data=seeds", f"data.seeds_gold={GOLD}"])
    assert read_prepared(output) == seed_documents
    data = OmegaConf.to_container(compose_config([f"data.prepared_path={output}"]).data)
    assert load_documents(data) == seed_documents
    stats = json.loads((output.parent / "stats.json").read_text(encoding="utf-8"))
    assert stats == {
        "institutional": {
            "documents": 11,
            "sources": 11,
            "paragraphs": 241,
            "labelled": 237,
            "summary": 200,
            "problem": 6,
            "plan": 31,
            "label_source": "gold",
        }
    }


@pytest.mark.slow
def test_register_without_runs_says_so(tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "scripts/register.py",
            f"mlflow.tracking_uri=sqlite:///{tmp_path / 'm.db'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"register: no MLflow experiment 'zongjie' at sqlite:///{tmp_path / 'm.db'}"
    )


# --------------------------------------------------------------------------------- search


def _trials(count: int, cfg=None) -> list[tuple[optuna.Trial, list[str]]]:
    """`count` trials of a random search, each with the overrides `search.suggest` made of it;
    trial 0 is `cfg`'s defaults, as the search enqueues them."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    if cfg is not None:
        study.enqueue_trial(search.defaults_of(cfg))
    trials = []
    for _ in range(count):
        trial = study.ask()
        trials.append((trial, search.suggest(trial)))
        study.tell(trial, 0.0)
    return trials


def test_every_searched_key_is_a_config_key() -> None:
    trials = _trials(40)
    seen = {key for trial, _ in trials for key in trial.params}
    assert {"model.C", "model.alpha", "model.class_weight", "decoder.word_value"} <= seen
    for trial, _ in trials:
        chosen = compose_config([f"model={trial.params['model']}"])
        for key in trial.params:
            if key != "model":
                assert OmegaConf.select(chosen, key, default="absent") != "absent", key


def test_the_space_becomes_overrides_hydra_accepts() -> None:
    for trial, overrides in _trials(12):
        cfg = compose_config(overrides)  # raises if an override does not fit the config
        model = cfg.model.name
        assert ("model.C" in trial.params) == (model in ("logreg", "linear_svc"))
        assert ("model.alpha" in trial.params) == (model == "complement_nb")
        assert ("decoder.word_value" in trial.params) == (cfg.decoder.words is not None)
        assert cfg.decoder.c2 == pytest.approx(float(trial.params["decoder.c2"]), rel=1e-3)
        weight = float(trial.params["data.family_weights.national_gov"])
        assert cfg.data.family_weights.national_gov == pytest.approx(weight, rel=1e-3)


def test_values_read_back_by_hydra() -> None:
    assert search._override_value(None) == "null"
    assert search._override_value(True) == "true"
    assert search._override_value(0.123456789) == "0.1235"
    cfg = compose_config(
        ["model.class_weight=null", "features.ngram_range=[1,3]", "decoder.words=null"]
    )
    assert cfg.model.class_weight is None and list(cfg.features.ngram_range) == [1, 3]
    assert cfg.decoder.words is None


@pytest.mark.parametrize(
    "overrides", [[], ["model=complement_nb", "decoder.words=null"], ["model=linear_svc"]]
)
def test_trial_zero_is_the_composed_config(overrides) -> None:
    # The search enqueues the composed config's values of the keys `suggest` sets: trial 0's
    # overrides give back that config, whatever the command line composed.
    cfg = compose_config(overrides)
    (trial, chosen), *_ = _trials(2, cfg)
    assert trial.params == search.defaults_of(cfg)
    assert OmegaConf.to_container(compose_config(chosen)) == OmegaConf.to_container(cfg)


def test_trial_zero_of_the_default_config() -> None:
    assert search.defaults_of(compose_config([])) == {
        "model": "logreg",
        "model.C": 4.0,
        "model.class_weight": "balanced",
        "features.ngram_range": "[1,2]",
        "features.min_df": 2,
        "features.max_df": 0.9,
        "features.sublinear_tf": True,
        "features.cues": True,
        "decoder.c1": 0.0,
        "decoder.c2": 3.0,
        "decoder.words": "rjieba",
        "decoder.word_value": 0.3,
        "decoder.weak_documents": 8,
        "decoder.headless_copies": True,
        "data.family_weights.national_gov": 0.5,
    }
    # A default that is not one of its key's choices could not be trial 0: it says so.
    with pytest.raises(ValueError, match=r"features.ngram_range=\[1, 4\] is not one of"):
        search.defaults_of(compose_config(["features.ngram_range=[1,4]"]))


def test_trials_evaluate_the_objectives_scheme_only() -> None:
    trial = list(compose_config(["+search=optuna"]).search.trial_overrides)
    assert compose_config(trial).eval.schemes == ["family"]
    assert compose_config(["eval.objective.scheme=source", *trial]).eval.schemes == ["source"]


@pytest.mark.slow
def test_a_tiny_search_registers_its_best(tmp_path) -> None:
    import mlflow

    cfg = mini_config(tmp_path)  # four seed reports, leave-one-source-out as the objective
    overrides = [
        "data=seeds",
        f"data.seeds_gold={cfg.data.seeds_gold}",
        f"data.raw_root={ROOT}",
        "decoder.oof_folds=2",
        "decoder.max_iterations=60",
        "eval.n_jobs=1",
        "eval.objective.scheme=source",
        f"mlflow.tracking_uri={cfg.mlflow.tracking_uri}",
    ]
    before = set((ROOT / "multirun").glob("search-*"))
    result = subprocess.run(
        [
            *(sys.executable, "scripts/search.py", "search.n_trials=2"),
            *overrides,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "best overrides:" in result.stdout and "trials; default objective" in result.stdout
    mlflow.set_tracking_uri(cfg.mlflow.tracking_uri)
    runs = mlflow.search_runs(experiment_names=["zongjie"], output_format="list")
    # One parent run, opened by the script; the two trials and the best config trained in full
    # nested under it.
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    jobs = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert {r.data.tags["mlflow.parentRunId"] for r in jobs} == {parent.info.run_id}
    assert len(jobs) == 3
    # A trial that draws linear_svc (trial 1 does, with the sampler's seed) fails: it cannot be
    # calibrated on folds of so few problem paragraphs. Its run is FAILED; the search goes on.
    for run in jobs:
        assert run.info.status == "FINISHED" or (
            run.info.status == "FAILED" and run.data.params["model.name"] == "linear_svc"
        ), run.info.run_name
    assert parent.data.tags["zongjie.role"] == "sweep" and parent.info.run_name.startswith(
        "search "
    )
    assert parent.info.status == "FINISHED" and parent.data.tags["jobs"] == "3"
    assert parent.data.tags["zongjie.host"] == socket.gethostname()
    versions = mlflow.MlflowClient().search_model_versions("name = 'zongjie'")
    (full,) = [r for r in jobs if r.data.tags.get("zongjie.model") == "logged"]
    assert [v.run_id for v in versions] == [full.info.run_id]
    for folder in set((ROOT / "multirun").glob("search-*")) - before:
        shutil.rmtree(folder)  # the best trial's model, trained in full


@pytest.mark.slow
def test_benchmark_runs(tmp_path) -> None:
    result = subprocess.run(
        [
            *(sys.executable, "scripts/benchmark.py"),
            *("--repeat", "1", "--stream-mb", "1", "--corpora", str(tmp_path / "none")),
            *("--document-paragraphs", "500", "--parallel-paragraphs", "600", "--no-accuracy"),
            *("--parallel-rounds", "2"),
            # Fewer than 7 of the 11 seed reports leave a fold with one label only.
            *("--training-shares", "0.6,1", "--output", str(tmp_path / "benchmark.json")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("paragraphs: 241 (") and lines[0].endswith(
        "from seeds; pinned to core 0"
    )
    names = [line.split()[0] for line in lines[2:10]]
    assert names[:6] == [
        "jieba.lcut",
        "jieba.lcut",
        "rjieba.cut",
        "zongjie.wordcut.cut",
        "TF-IDF(jieba)",
        "TF-IDF(rjieba)",
    ]
    assert names[-1] == "zongjie.predict"
    assert any(line.startswith("CLI over    1.0 MB of reports:") for line in lines)
    # Training on the seeds alone (no corpora): train.py's wall time and fits on shares of the
    # eleven documents, whole groups of them.
    fits = [line for line in lines if line.startswith("  fit on ")]
    assert [line.split("(")[1].split(",")[0] for line in fits] == ["7 documents", "11 documents"]
    assert any(line.startswith("python train.py, fit only") for line in lines)
    assert any(line.startswith("  training time grows as paragraphs^") for line in lines)
    # What it printed is what the docs will show, with the command that printed it.
    run = json.loads((tmp_path / "benchmark.json").read_text(encoding="utf-8"))
    assert run["output"] == result.stdout
    assert run["command"].startswith("python scripts/benchmark.py --repeat 1 --stream-mb 1")
    targets = lines[lines.index("targets (issue 16): figure, target") + 1 :]
    assert targets[0].split()[:3] == ["predict", "/", "jieba.lcut"]
    assert any("cold start" in line for line in targets)
    if len(os.sched_getaffinity(0)) > 1:  # every core against one, and the machine's ceiling
        every = [line for line in lines if line.startswith("predict of 600 paragraphs: ")]
        assert len(every) == 1 and "(best of 2 rounds); the median of the rounds' own" in every[0]
        assert any("independent processes / 1 (the ceiling)" in line for line in targets)


@pytest.mark.parametrize("flag", ["--repeat", "--parallel-rounds"])
def test_benchmark_refuses_no_rounds(flag, capsys) -> None:
    # A best of no rounds was a ValueError from min() deep in the run, after the model loaded.
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import benchmark
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    with pytest.raises(SystemExit) as exit_:
        benchmark.main([flag, "0", "--no-docs"])
    assert exit_.value.code == 2
    message = f"argument {flag}: must be a whole number of 1 or more, not '0'"
    assert message in capsys.readouterr().err


def test_the_readme_shows_the_figures_of_the_reports() -> None:
    # The README's generated blocks are what scripts/update_readme.py makes of reports/*.json:
    # a retraining that is not followed by the script fails here.
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "update_readme.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_stale_block_is_caught_in_the_readme_and_in_docs(tmp_path, monkeypatch) -> None:
    module = update_readme
    readme, docs = tmp_path / "README.md", tmp_path / "docs"
    docs.mkdir()
    readme.write_text(
        "intro\n<!-- generated:headline -->\n<!-- /generated:headline -->\n"
        "<!-- generated:speed -->\n<!-- /generated:speed -->\n",
        encoding="utf-8",
    )
    page = docs / "results.md"
    page.write_text(
        "intro\n<!-- generated:results -->\nold figures\n<!-- /generated:results -->\n"
        "<!-- generated:robustness -->\n<!-- /generated:robustness -->\n"
        "<!-- generated:benchmark -->\n<!-- /generated:benchmark -->\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(module, "README", readme)
    monkeypatch.setattr(module, "DOCS", docs)
    assert module.main(["--check"]) == 1
    assert module.main([]) == 0
    assert "old figures" not in page.read_text(encoding="utf-8")
    assert "| personal and team work reports (30) |" in readme.read_text(encoding="utf-8")
    assert module.main(["--check"]) == 0
    # A block in two pages, or in none, is an error naming it.
    (docs / "copy.md").write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(
        SystemExit, match=r"generated:\w+ block must be in one page, found in .*copy.md"
    ):
        module.main([])


# ------------------------------------------------------------------------------- robustness


@pytest.mark.slow
def test_robustness_measures_every_figure_and_the_readme_renders_them(
    tmp_path, monkeypatch
) -> None:
    output = tmp_path / "robustness.json"
    args = ["--cli-mb", "0.1", "--line-mb", "0.2", "--segment-mb", "0.02", "--no-readme"]
    assert robustness.main([*args, "--rounds", "1", "--output", str(output)]) == 0
    figures = json.loads(output.read_text(encoding="utf-8"))
    seeds = next(e for e in figures["characters_lost"] if e["corpus"] == "seeds")
    assert seeds["dropped"] == sum(seeds["reasons"].values()) > 0
    assert "59位用户关注" in seeds["examples"]["chrome"]
    assert len(figures["segment_seconds_per_mb"]) == 9
    assert [row["status"] for row in figures["cli_peak_memory"]] == [0, 0]
    assert figures["model_limits"]["max_entry_mib"] == 512
    # Two real trainings at once on a new store: both runs finish.
    concurrent = figures["concurrent_first_run"]
    assert (concurrent["runs"], concurrent["failures"]) == ("2/2 FINISHED", 0)

    for name in ("metrics.json", "previous_model.json"):
        shutil.copy(ROOT / "reports" / name, tmp_path / name)
    monkeypatch.setattr(update_readme, "REPORTS", tmp_path)
    block = update_readme.robustness()
    assert "2 of 2 runs FINISHED, 0 trainings failed (two tiny `python train.py`" in block
    assert "on a new store, 1 time," in block
    assert "59位用户关注" in block and "| 0.1 MB of reports, with line ends |" in block
    assert "<!--" not in block.replace("`<!-- x`", "")  # no marker opens a comment

    # --concurrent-only measures that again and keeps every other figure.
    only = ["--concurrent-only", "--rounds", "1", "--no-readme", "--output", str(output)]
    assert robustness.main(only) == 0
    again = json.loads(output.read_text(encoding="utf-8"))
    assert again["concurrent_first_run"]["failures"] == 0
    assert {k: v for k, v in again.items() if k != "concurrent_first_run"} == {
        k: v for k, v in figures.items() if k != "concurrent_first_run"
    }
