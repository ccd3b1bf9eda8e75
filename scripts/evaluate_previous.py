"""Today's model (the code on `main` before the rewrite) on the new evaluation's folds.

python scripts/evaluate_previous.py [--commit f7e411b] [--n-jobs 1] [--output PATH] [overrides]

The documents, the splits of each scheme in `eval.schemes` and the headless track's paragraphs
come from this code (`zongjie.dataset.load_documents`, `zongjie.evaluation.splits`,
`zongjie.decoding.headless_indices`), composed from conf/ with the Hydra overrides given. The
old code is exported from `--commit` (`git archive`) into a temporary folder and run there in
a subprocess with its `src/` first on PYTHONPATH and its own default config (features=word,
model=logreg, context=hmm, seed 42): one pipeline fitted per split as its training did, the
gold families as genre ``work_report``, the State Council reports as ``gwr``. Its predictions
come back as JSON and are scored here with `zongjie.evaluation.Predictions`, as `train.py`
scores the new model. The old model never answers null.

The metrics (the keys of `Predictions.metrics(prefix=f"{scheme}_")`, plus ``commit``) go to
`--output`; macro-F1 per scheme, family and track and per-class F1 for ``source`` are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "reports/previous_model.json"
COMMIT = "f7e411b"
GENRES = {"national_gov": "gwr"}  # every other (gold) family: "work_report"
_SPACE = re.compile(r"\s+")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default=COMMIT, help="the old code (default: %(default)s)")
    parser.add_argument("--n-jobs", type=int, default=1, help="splits fitted in parallel")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # the old code's side
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of this code's config")
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
    else:
        compare(args)


# ------------------------------------------------------------------------ the new code's side


def compare(args: argparse.Namespace) -> None:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from zongjie.dataset import load_documents
    from zongjie.decoding import headless_indices
    from zongjie.evaluation import Predictions, splits
    from zongjie.lexicon import default_lexicon, read_lexicon

    started = time.monotonic()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=args.overrides)
    documents = load_documents(OmegaConf.to_container(cfg.data, resolve=True))
    lexicon = read_lexicon(cfg.features.lexicon) if cfg.features.lexicon else default_lexicon()
    raw_root = Path(cfg.data.raw_root)
    schemes = list(cfg.eval.schemes)
    scheme_splits = {scheme: splits(documents, scheme) for scheme in schemes}
    commit = git("rev-parse", f"{args.commit}^{{commit}}")
    job = {
        "n_jobs": args.n_jobs,
        "documents": [
            {
                "id": d.id,
                "genre": GENRES.get(d.family, "work_report"),
                "paragraphs": d.paragraphs,
                "labels": d.labels,
                "headless": headless_indices(d.paragraphs, lexicon),
                "raw_path": raw_file(d.raw_path, raw_root),
            }
            for d in documents
        ],
        "splits": {s: [[train, test] for _, train, test in scheme_splits[s]] for s in schemes},
    }
    print(
        f"{len(documents)} documents; splits: "
        + ", ".join(f"{s} {len(v)}" for s, v in scheme_splits.items())
    )

    with tempfile.TemporaryDirectory(prefix="zongjie-previous-") as tmp:
        old = Path(tmp)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "src", "conf"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        (old / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(old / "src"), os.environ.get("PYTHONPATH", "")]),
        }
        subprocess.run(
            [sys.executable, __file__, "--worker", str(old)], env=env, cwd=old, check=True
        )
        answers = json.loads((old / "predictions.json").read_text(encoding="utf-8"))

    metrics: dict[str, float | str] = {"commit": commit}
    for scheme in schemes:
        predictions = Predictions()
        for _, _, test in scheme_splits[scheme]:
            for i in test:
                add_document(predictions, documents[i], answers[scheme][documents[i].id])
        scheme_metrics = predictions.metrics(prefix=f"{scheme}_")
        metrics.update({key: round(value, 6) for key, value in sorted(scheme_metrics.items())})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    print_tables(metrics, schemes)
    print(f"wrote {args.output} ({time.monotonic() - started:.0f} s)")


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *arguments], check=True, capture_output=True, text=True
    ).stdout.strip()


def raw_file(raw_path: str | None, raw_root: Path) -> str | None:
    """The document's raw file as an absolute path, when it is there (as `predict_tracks`)."""
    if not raw_path:
        return None
    path = Path(raw_path) if Path(raw_path).is_absolute() else raw_root / raw_path
    return str(path.resolve()) if path.is_file() else None


def add_document(into: Any, document: Any, answer: dict[str, Any]) -> None:
    """The same `add` calls as `zongjie.evaluation.predict_tracks`."""
    headless = dict(zip(answer["headless_indices"], answer["headless"], strict=True))
    for i, label in enumerate(document.labels):
        truth = "null" if label is None else label
        into.add("document", truth, answer["document"][i], document.family, document.id)
        if label is None:
            continue
        into.add("isolated", truth, answer["isolated"][i], document.family, document.id)
        if i in headless:
            into.add("headless", truth, headless[i], document.family, document.id)
        if answer["raw"] is not None:
            into.add("raw", truth, answer["raw"][i], document.family, document.id)


def print_tables(metrics: dict, schemes: list[str]) -> None:
    from zongjie.document import FAMILIES, LABELS
    from zongjie.evaluation import TRACKS

    def cell(key: str) -> str:
        return f"{metrics[key]:.3f}" if key in metrics else "–"

    for scheme in schemes:
        print(f"\n{scheme}: macro-F1\n| family | " + " | ".join(TRACKS) + " |")
        print("|---" * (len(TRACKS) + 1) + "|")
        for family in FAMILIES:
            cells = [cell(f"{scheme}_{t}_{family}_macro_f1") for t in TRACKS]
            print(f"| {family} | " + " | ".join(cells) + " |")
        cells = [cell(f"{scheme}_{t}_family_mean_macro_f1") for t in TRACKS]
        print("| family mean | " + " | ".join(cells) + " |")
        print(f"raw matched share {cell(f'{scheme}_raw_matched_share')}")
    scheme = "source"
    if scheme in schemes:
        print(f"\n{scheme}: per-class F1\n| track | family | " + " | ".join(LABELS) + " |")
        print("|---" * (len(LABELS) + 2) + "|")
        for track in TRACKS:
            for family in FAMILIES:
                cells = [cell(f"{scheme}_{track}_{family}_f1_{label}") for label in LABELS]
                print(f"| {track} | {family} | " + " | ".join(cells) + " |")


# ------------------------------------------------------------------------ the old code's side


def worker(old: Path) -> None:
    """Runs with the old `src/` first on the path: fit each split, predict its test side."""
    import multiprocessing

    from hydra import compose, initialize_config_dir

    import zongjie

    assert Path(zongjie.__file__).is_relative_to(old), zongjie.__file__
    job = json.loads((old / "job.json").read_text(encoding="utf-8"))
    with initialize_config_dir(config_dir=str(old / "conf"), version_base="1.3"):
        cfg = compose(config_name="config")
    tasks = [
        (s, train, test)
        for s, scheme_splits in job["splits"].items()
        for train, test in scheme_splits
    ]
    global _JOB  # read by the forked processes
    _JOB = (cfg, job["documents"])
    if job["n_jobs"] == 1:
        results = [fit_and_predict(task) for task in tasks]
    else:
        with multiprocessing.get_context("fork").Pool(job["n_jobs"]) as pool:
            results = pool.map(fit_and_predict, tasks, chunksize=1)
    answers: dict[str, dict] = {scheme: {} for scheme in job["splits"]}
    for (scheme, _, _), result in zip(tasks, results, strict=True):
        answers[scheme].update(result)
    (old / "predictions.json").write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")


_JOB: tuple = ()


def fit_and_predict(task: tuple[str, list[int], list[int]]) -> dict[str, dict]:
    """The old pipeline fitted on a split's training documents, and its labels for each test
    document: isolated, document, headless (on the given paragraphs) and raw."""
    from zongjie.context import document_proba, isolated_proba
    from zongjie.document import LABELS, Document
    from zongjie.models import proba_in_label_order
    from zongjie.segment import segment, split_documents
    from zongjie.training import fit_documents, make_configured_pipeline

    cfg, documents = _JOB
    scheme, train, test = task
    pipeline = make_configured_pipeline(cfg)
    fit_documents(cfg, pipeline, [old_document(documents[i], Document) for i in train])
    classifier = pipeline.named_steps["classifier"]

    def labels(proba: Any) -> list[str]:
        return [LABELS[int(j)] for j in proba.argmax(axis=1)]

    raw_cache: dict[str, dict[str, str]] = {}
    answers = {}
    for i in test:
        document = documents[i]
        paragraphs, kept = document["paragraphs"], document["headless"]
        proba = proba_in_label_order(pipeline, paragraphs)
        headless = [paragraphs[j] for j in kept]
        raw = None
        if path := document["raw_path"]:
            if path not in raw_cache:
                raw_cache[path] = {}
                for report in split_documents(segment(Path(path).read_bytes())):
                    report_proba = proba_in_label_order(pipeline, report)
                    report_labels = labels(document_proba(report, report_proba, classifier))
                    for paragraph, label in zip(report, report_labels, strict=True):
                        raw_cache[path].setdefault(_SPACE.sub("", paragraph), label)
            if labelled := raw_cache[path]:
                raw = [labelled.get(_SPACE.sub("", p), "missing") for p in paragraphs]
        answers[document["id"]] = {
            "isolated": labels(isolated_proba(paragraphs, proba, classifier)),
            "document": labels(document_proba(paragraphs, proba, classifier)),
            "headless_indices": kept,
            "headless": labels(document_proba(headless, proba[kept], classifier)) if kept else [],
            "raw": raw,
        }
    print(f"{scheme}: fitted on {len(train)} documents, predicted {len(test)}", flush=True)
    return answers


def old_document(document: dict, document_type: type) -> object:
    return document_type(
        id=document["id"],
        source=document["raw_path"] or document["id"],
        genre=document["genre"],
        paragraphs=tuple(document["paragraphs"]),
        labels=tuple(document["labels"]),
    )


if __name__ == "__main__":
    main()
