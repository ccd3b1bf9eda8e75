"""zongjie.spark on a local[2] SparkSession: the labels equal in-process `predict` and
`predict_document` on the seed files, bad rows are kept and marked, the model loads once per
worker process, the MLflow pyfunc path agrees, and the command round-trips a folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
        reason="Spark needs Java: no java on PATH and no JAVA_HOME",
    ),
]
pytest.importorskip("pyspark", reason="pyspark is not installed: install zongjie[spark]")

import zongjie  # noqa: E402
from zongjie import spark as zspark  # noqa: E402
from zongjie.spark import ERROR, LABEL, PROBABILITIES  # noqa: E402

from conftest import ROOT, SEEDS  # noqa: E402

SEED_FILES = sorted(SEEDS.glob("*.txt"))
BATCH = 50  # rows per Arrow batch: the seeds span several batches per task


@pytest.fixture(scope="module")
def spark():
    session = zspark.session(
        "local[2]",
        app_name="zongjie-tests",
        **{
            "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "2",
            "spark.sql.execution.arrow.maxRecordsPerBatch": str(BATCH),
        },
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def documents() -> dict[str, list[str]]:
    """Each seed file segmented, as `label_files` does on the executors."""
    return {path.name: zongjie.segment(path.read_bytes()) for path in SEED_FILES}


@pytest.fixture(scope="module")
def paragraph_frame(spark, documents):
    rows = [
        (name, i, p) for name, paragraphs in documents.items() for i, p in enumerate(paragraphs)
    ]
    return spark.createDataFrame(rows, "doc string, position int, text string")


def _sorted(frame, *columns):
    return frame.toPandas().sort_values(list(columns), kind="stable").reset_index(drop=True)


def _values(column) -> list:
    """A column's values with its nulls as None (toPandas gives NaN for a null string)."""
    return [None if value is None or value != value else value for value in column]


def _expected_documents(documents) -> tuple[list[object], np.ndarray]:
    labels, proba = [], []
    for paragraphs in documents.values():
        labels += zongjie.predict_document(paragraphs)
        proba.append(zongjie.predict_document_proba(paragraphs))
    return labels, np.vstack(proba)


def test_label_paragraphs_equals_predict(paragraph_frame, documents) -> None:
    out = _sorted(zspark.label_paragraphs(paragraph_frame), "doc", "position")
    texts = [p for paragraphs in documents.values() for p in paragraphs]
    assert len(texts) > 4 * BATCH
    assert out["text"].tolist() == texts
    assert out[LABEL].tolist() == zongjie.predict(texts)
    np.testing.assert_allclose(out[list(PROBABILITIES)], zongjie.predict_proba(texts), atol=1e-9)
    assert out[ERROR].isna().all()


def test_label_documents_equals_predict_document(paragraph_frame, documents) -> None:
    shuffled = paragraph_frame.orderBy(paragraph_frame["text"]).repartition(3)  # order lost
    out = _sorted(zspark.label_documents(shuffled, "doc", "position"), "doc", "position")
    labels, proba = _expected_documents(documents)
    assert _values(out[LABEL]) == labels
    np.testing.assert_allclose(out[list(PROBABILITIES)], proba, atol=1e-9)
    assert out[ERROR].isna().all()
    assert {"summary", "problem", "plan"} <= set(labels)


def test_bad_paragraphs_are_kept_and_marked(spark) -> None:
    good = ["上半年共培训干部560人次。", "二、存在问题"]
    rows = [(0, good[0]), (1, None), (2, ""), (3, "  \n"), (4, "\u3000\u200b"), (5, good[1])]
    frame = spark.createDataFrame(rows, "id int, text string")
    out = _sorted(zspark.label_paragraphs(frame), "id")
    assert _values(out[ERROR]) == [
        None,
        "text is null",
        "text is blank",
        "text is blank",
        "text is blank",
        None,
    ]
    assert _values(out[LABEL]) == [*zongjie.predict(good[:1]), None, None, None, None, "problem"]
    assert out[list(PROBABILITIES)].iloc[1:5].isna().all().all()


def test_a_text_column_that_is_not_string_marks_every_row(spark) -> None:
    frame = spark.createDataFrame([(1, 7), (2, None)], "id int, text int")
    for labelled in (
        zspark.label_paragraphs(frame),
        zspark.label_documents(frame, "id", "id"),
    ):
        out = _sorted(labelled, "id")
        assert _values(out[ERROR]) == ["text is int, not string", "text is null"]
        assert out[LABEL].isna().all()


def test_bad_rows_inside_a_document_leave_the_rest_labelled_as_predict_document(
    spark, documents
) -> None:
    name, paragraphs = next(iter(documents.items()))
    rows = [(name, 2 * i, p) for i, p in enumerate(paragraphs)]
    rows += [
        (name, 3, None),
        (name, 5, " "),
        (name, None, "无位置的段落。"),
        (None, 1, "无文档的段落。"),
    ]
    frame = spark.createDataFrame(rows, "doc string, position int, text string")
    out = zspark.label_documents(frame, "doc", "position").toPandas()
    good = out[out[ERROR].isna()].sort_values("position")
    assert good["text"].tolist() == paragraphs
    assert _values(good[LABEL]) == zongjie.predict_document(paragraphs)
    errors = dict(zip(out["text"].fillna("<null>"), _values(out[ERROR]), strict=True))
    assert errors["<null>"] == "text is null"
    assert errors[" "] == "text is blank"
    assert errors["无位置的段落。"] == "position is null"
    assert errors["无文档的段落。"] == "doc is null"
    assert len(out) == len(rows)


def test_wrong_columns_are_named(paragraph_frame) -> None:
    with pytest.raises(ValueError, match=r"no column 'body'.*its columns: doc, position, text"):
        zspark.label_paragraphs(paragraph_frame, "body")
    with pytest.raises(ValueError, match=r"no column 'page'"):
        zspark.label_documents(paragraph_frame, "doc", "page")
    taken = paragraph_frame.withColumnRenamed("doc", LABEL)
    with pytest.raises(ValueError, match=r"already has 'label'"):
        zspark.label_paragraphs(taken)


def test_a_missing_model_file_is_named(paragraph_frame, tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.model"):
        zspark.label_paragraphs(paragraph_frame, model=tmp_path / "nowhere.model")


def test_the_model_loads_once_per_worker_process(spark, paragraph_frame) -> None:
    zspark.label_paragraphs(paragraph_frame).write.format("noop").mode("overwrite").save()

    def probe(batches):
        import pandas as pd

        from zongjie import spark as worker

        for _ in batches:
            yield pd.DataFrame(
                {
                    "pid": [os.getpid()],
                    "loads": [worker._worker_loads],
                    "batches": [worker._worker_batches],
                }
            )

    # Idle workers are reused: the probe's tasks land on the processes that labelled.
    reports = spark.range(0, 8, numPartitions=8).mapInPandas(
        probe, "pid long, loads long, batches long"
    )
    workers = reports.toPandas().drop_duplicates("pid").set_index("pid")
    busy = workers[workers["batches"] > 0]
    assert busy["batches"].sum() >= paragraph_frame.count() // BATCH
    assert (busy["loads"] == 1).all(), workers


# ------------------------------------------------------------------------------- MLflow


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """The default model logged as training logs it (the `ParagraphLabeller` pyfunc with the
    model file as its artifact) and registered as `zongjie` in a temporary store: no
    training needed, and the same model file as the in-process path."""
    mlflow = pytest.importorskip("mlflow", reason="mlflow is part of the train extra")
    from zongjie.api import default_model_path
    from zongjie.serving import MODEL_ARTIFACT, ParagraphLabeller, signature

    folder = tmp_path_factory.mktemp("mlflow")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    mlflow.set_experiment("spark")
    examples = ["上半年共培训干部560人次。", "二、存在问题"]
    with mlflow.start_run():
        mlflow.pyfunc.log_model(
            name="model",
            python_model=ParagraphLabeller(),
            artifacts={MODEL_ARTIFACT: str(default_model_path())},
            # As training logs it: the `text` column by name (an inferred signature of bare
            # strings names no column, and the UDF's pyfunc then gets a column named 0).
            signature=signature(),
            input_example={"text": examples},
            code_paths=[str(Path(zongjie.__file__).parent)],
            registered_model_name="zongjie",
        )
    yield "models:/zongjie/latest"
    mlflow.set_tracking_uri(previous)


def test_the_mlflow_pyfunc_path_agrees(registered, spark, paragraph_frame) -> None:
    bad = spark.createDataFrame([("x", 0, None), ("x", 1, " ")], paragraph_frame.schema)
    frame = paragraph_frame.unionByName(bad)
    by_pyfunc = _sorted(zspark.label_paragraphs_pyfunc(frame, registered), "doc", "position")
    by_zongjie = _sorted(zspark.label_paragraphs(frame), "doc", "position")
    assert _values(by_pyfunc[LABEL]) == _values(by_zongjie[LABEL])
    assert _values(by_pyfunc[ERROR]) == _values(by_zongjie[ERROR])
    assert by_zongjie[ERROR].notna().sum() == 2


def test_a_registered_model_labels_documents(registered, paragraph_frame) -> None:
    from_registry = zspark.label_documents(paragraph_frame, "doc", "position", model=registered)
    default = zspark.label_documents(paragraph_frame, "doc", "position")
    first = _sorted(from_registry, "doc", "position")
    second = _sorted(default, "doc", "position")
    assert _values(first[LABEL]) == _values(second[LABEL])
    np.testing.assert_allclose(first[list(PROBABILITIES)], second[list(PROBABILITIES)])


# -------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """The seeds (one re-encoded as GBK, in a subfolder), an undecodable and an empty file."""
    folder = tmp_path_factory.mktemp("reports")
    (folder / "county").mkdir()
    shutil.copy(SEED_FILES[0], folder / SEED_FILES[0].name)
    text = SEED_FILES[1].read_text(encoding="utf-8")
    (folder / "county" / SEED_FILES[1].name).write_bytes(text.encode("gbk"))
    (folder / "broken.txt").write_bytes(b"\x80\x81\xff abc")
    (folder / "empty.txt").write_bytes(b"\n \n")
    return folder


def test_the_command_labels_a_folder(spark, reports, documents, tmp_path) -> None:
    out = tmp_path / "labelled"
    assert zspark.main([str(reports), str(out)]) == 0
    assert {p.name for p in out.iterdir() if p.is_dir()} >= {"label=summary", "label=plan"}
    table = spark.read.parquet(str(out)).toPandas()
    table["name"] = table["file"].str.rsplit("/", n=1).str[-1]
    for name, paragraphs in documents.items():
        rows = table[table["name"] == name].sort_values("index")
        assert rows["text"].tolist() == paragraphs
        assert _values(rows[LABEL]) == zongjie.predict_document(paragraphs)
        assert rows[ERROR].isna().all()
    broken = table[table["name"] == "broken.txt"]
    assert broken[ERROR].str.contains("undecodable byte 0x80 at offset 0").all()
    assert broken["file"].str.endswith("broken.txt").all() and broken[LABEL].isna().all()
    assert _values(table.loc[table["name"] == "empty.txt", ERROR]) == ["file has no paragraphs"]


def test_a_file_over_sparks_limit_is_marked(spark, reports) -> None:
    spark.conf.set("spark.sql.sources.binaryFile.maxLength", "100")
    try:
        out = zspark.label_files(spark, reports).toPandas()
    finally:
        spark.conf.unset("spark.sql.sources.binaryFile.maxLength")
    large = out[out[ERROR].str.contains("over Spark's limit of 100", na=False)]
    assert len(large) == 2 and large[LABEL].isna().all()
    assert set(out["file"].str.rsplit("/", n=1).str[-1]) == {
        *(path.name for path in SEED_FILES),
        "broken.txt",
        "empty.txt",
    }


def test_the_command_labels_a_parquet_table_in_its_own_process(
    paragraph_frame, documents, tmp_path
) -> None:
    table = tmp_path / "paragraphs"
    paragraph_frame.write.parquet(str(table))
    out = tmp_path / "labelled"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "zongjie.spark", str(table), str(out)),
            *("--doc-col", "doc", "--order-col", "position", "--master", "local[2]"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for stage in ("[1/3] reading", "[2/3] labelling and writing", "[3/3] counting"):
        assert f"{stage}" in result.stderr
    labels, _ = _expected_documents(documents)
    counts = f"summary {labels.count('summary')}, problem {labels.count('problem')}"
    assert counts in result.stderr


def test_the_command_refuses_an_existing_output(reports, tmp_path, capsys) -> None:
    with pytest.raises(SystemExit):
        zspark.main([str(reports), str(tmp_path)])
    assert f"{tmp_path} exists: give a new folder" in capsys.readouterr().err


def test_the_command_names_a_missing_column(spark, paragraph_frame, tmp_path) -> None:
    table = tmp_path / "paragraphs.parquet"
    paragraph_frame.write.parquet(str(table))
    with pytest.raises(SystemExit, match=r"zongjie.spark: label_paragraphs: no column 'body'"):
        zspark.main([str(table), str(tmp_path / "out"), "--text-col", "body"])


def test_a_spark_worker_labels_in_its_own_process_only(monkeypatch) -> None:
    # Spark runs one task per core; zongjie.parallel forking a worker per core inside each
    # task's Python worker put cores × cores processes on the executor. The worker that loads
    # the model turns that pool off (unless ZONGJIE_WORKERS says otherwise).
    import pyspark

    from zongjie import parallel

    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)
    monkeypatch.setattr(pyspark.SparkFiles, "get", lambda name: str(ROOT / "models" / name))
    monkeypatch.setattr(zspark, "_worker_model", None)
    monkeypatch.setattr(zongjie, "load_model", lambda path: None)
    zspark._use_model("zongjie.model")
    assert os.environ[parallel.WORKERS_ENV] == "1" and parallel.workers() == 1
