"""Label paragraphs on Apache Spark.

- `label_paragraphs(df, text_col)`: each paragraph on its own, as `zongjie.predict_proba`, in a
  pandas UDF over Arrow batches.
- `label_documents(df, doc_col, order_col, text_col)`: each document in reading order, as
  `zongjie.predict_document`, through ``groupBy(doc).applyInPandas``.
- `label_files(spark, folder)`: a folder of text files, one document per file, read and
  segmented on the executors.
- `label_paragraphs_pyfunc(df, model_uri, text_col)`: the labels of an MLflow model logged by
  training (`zongjie.serving.ParagraphLabeller`), through ``mlflow.pyfunc.spark_udf``.
- ``python -m zongjie.spark INPUT OUTPUT``: a folder of text files or a Parquet table of
  paragraphs in, Parquet with labels out.

Each adds the columns `label`, `p_summary`, `p_problem`, `p_plan` (the probabilities, in
`zongjie.LABELS` order) and `error`. A row that cannot be labelled (null, blank or non-string
text, an undecodable file) is kept, with a null label and the reason in `error`; it never fails
the job. In `label_documents` the label may also be null where `predict_document` gives none.

The executors need zongjie installed. The model file goes from the driver to every executor
with `SparkContext.addFile` and is loaded once per Python worker process (workers are reused
across tasks and batches), so the executors run the driver's model, or the one named by
`model`: a model file or an MLflow model URI such as ``models:/zongjie/latest``.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

try:
    import numpy as np
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as error:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"zongjie.spark needs pyspark, pandas and pyarrow ({error.name} is missing): "
        "install zongjie[spark]"
    ) from error

import zongjie
from zongjie import LABELS
from zongjie.api import check_paragraph
from zongjie.parallel import WORKERS_ENV
from zongjie.segment import ZERO_WIDTH

__all__ = [
    "ERROR",
    "LABEL",
    "OUTPUT_COLUMNS",
    "PROBABILITIES",
    "label_documents",
    "label_files",
    "label_paragraphs",
    "label_paragraphs_pyfunc",
    "main",
    "output_fields",
    "session",
    "ship_model",
    "text_error",
]

LABEL = "label"
ERROR = "error"
PROBABILITIES = tuple(f"p_{label}" for label in LABELS)
OUTPUT_COLUMNS = (LABEL, *PROBABILITIES, ERROR)
_SCORED = "__zongjie_scored"


# ----------------------------------------------------------------------------- the session


def session(master: str | None = None, app_name: str = "zongjie", **conf: str) -> SparkSession:
    """The active SparkSession, or a new one. Under spark-submit, its settings stand. Otherwise
    `master` (default ``local[*]``): a local session runs its Python workers with this
    interpreter, listens on loopback only and has no web UI unless `conf` says otherwise."""
    builder = SparkSession.builder.appName(app_name)
    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # set when spark-submit started this process
        master = master or "local[*]"
        if master.startswith("local"):
            # Workers would run the first python3 on PATH, which may lack zongjie.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # before the JVM starts
            local = {
                "spark.driver.bindAddress": "127.0.0.1",
                "spark.driver.host": "127.0.0.1",
                "spark.ui.enabled": "false",
            }
            conf = {**local, **conf}
    if master:
        builder = builder.master(master)
    for key, value in {"spark.ui.showConsoleProgress": "false", **conf}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


# ------------------------------------------------------------------------------- the model

_copies: dict[str, Path] = {}  # SparkFiles name → the driver's copy under that name
_shipped: set[tuple[str, str]] = set()  # (application id, SparkFiles name) already added
_worker_model: str | None = None  # the SparkFiles name of the model this worker has loaded
_worker_loads = 0  # models this worker process has loaded, and batches it has labelled: a
_worker_batches = 0  # test checks that one load serves many batches


def _is_mlflow_uri(model: str) -> bool:
    return "://" in model or model.startswith(("models:/", "runs:/"))


def _mlflow_model_file(uri: str) -> Path:
    """The model file inside the MLflow model at `uri` (a `zongjie.serving.ParagraphLabeller`
    logged by training), downloaded to the driver."""
    try:
        import mlflow
        from mlflow.models import Model
    except ImportError as error:
        raise ImportError(f"the MLflow model {uri} needs mlflow: install zongjie[train]") from error
    from zongjie.serving import MODEL_ARTIFACT

    folder = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    pyfunc = Model.load(str(folder)).flavors.get("python_function", {})
    artifact = pyfunc.get("artifacts", {}).get(MODEL_ARTIFACT)
    if artifact is None:
        raise ValueError(
            f"the MLflow model {uri} has no {MODEL_ARTIFACT!r} artifact: it is not a zongjie "
            "model logged by training (zongjie.serving.ParagraphLabeller)"
        )
    return folder / artifact["path"]


def _model_file(model: str | os.PathLike[str] | None) -> Path:
    from zongjie.api import default_model_path

    if model is None:
        return default_model_path()
    if isinstance(model, str) and _is_mlflow_uri(model):
        return _mlflow_model_file(model)
    path = Path(model)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} does not exist")
    return path


def ship_model(spark: SparkSession, model: str | os.PathLike[str] | None = None) -> str:
    """Send the model file to every executor and return its SparkFiles name.

    `model` is a model file, an MLflow model URI, or None for the driver's default model
    (``$ZONGJIE_MODEL`` or the packaged one), so the executors run the model the driver
    would. The file is checked on the driver first, so a broken one fails here, named."""
    from zongjie.persistence import load_model_file

    path = _model_file(model)
    load_model_file(path)  # raises ValueError naming the file if it is not a usable model
    # Named by content: two models never share a name, and one model is added once.
    name = f"zongjie-{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}.model"
    if name not in _copies:
        folder = Path(tempfile.mkdtemp(prefix="zongjie-spark-"))
        atexit.register(shutil.rmtree, folder, True)
        _copies[name] = folder / name
        shutil.copyfile(path, _copies[name])
    context = spark.sparkContext
    if (context.applicationId, name) not in _shipped:
        context.addFile(str(_copies[name]))
        _shipped.add((context.applicationId, name))
    return name


def _use_model(name: str) -> None:
    """Make the shipped model `name` zongjie's model in this worker process, once: PySpark
    reuses a Python worker for task after task (spark.python.worker.reuse), so a batch that
    finds it loaded costs nothing."""
    global _worker_model, _worker_loads, _worker_batches
    _worker_batches += 1
    if _worker_model != name:
        from pyspark import SparkFiles

        # Spark runs one task per core already: a task's batch forking a worker per core
        # (zongjie.parallel) would put cores × cores processes on the executor's cores.
        os.environ.setdefault(WORKERS_ENV, "1")
        zongjie.load_model(SparkFiles.get(name))
        _worker_model = name
        _worker_loads += 1


# ----------------------------------------------------------------------- scoring (workers)


def text_error(value: object) -> str | None:
    """Why `value` cannot be labelled as a paragraph, or None when it can."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "text is null"
    if not isinstance(value, str):
        return f"text is {type(value).__name__}, not str"
    try:
        check_paragraph(value, 0)
    except (
        ValueError
    ) as error:  # blank, or a lone surrogate: the API's reason, without "paragraph 0"
        return "text" + str(error).removeprefix("paragraph 0")
    return None


def output_fields() -> list[T.StructField]:
    return [
        T.StructField(LABEL, T.StringType()),
        *(T.StructField(column, T.DoubleType()) for column in PROBABILITIES),
        T.StructField(ERROR, T.StringType()),
    ]


def _output(
    errors: Sequence[str | None],
    rows: Sequence[int],
    labels: Sequence[str | None],
    proba: np.ndarray,
) -> pd.DataFrame:
    """The output columns for len(errors) rows; `rows` were labelled, the others get nulls."""
    n = len(errors)
    label_column = np.full(n, None, dtype=object)
    probabilities = np.full((n, len(LABELS)), np.nan)
    if len(rows):
        label_column[list(rows)] = list(labels)
        probabilities[list(rows)] = proba
    return pd.DataFrame(
        {
            LABEL: pd.Series(label_column, dtype=object),
            **{column: probabilities[:, j] for j, column in enumerate(PROBABILITIES)},
            ERROR: pd.Series(list(errors), dtype=object),
        }
    )


def _label_texts(texts: pd.Series, model: str) -> pd.DataFrame:
    """One Arrow batch of `label_paragraphs`."""
    _use_model(model)
    values = texts.tolist()
    errors = [text_error(value) for value in values]
    rows = [i for i, error in enumerate(errors) if error is None]
    proba = zongjie.predict_proba([values[i] for i in rows]) if rows else np.empty((0, 3))
    # predict's label is the argmax of predict_proba (one decision, shown two ways).
    return _output(errors, rows, [LABELS[i] for i in proba.argmax(axis=1)], proba)


def _label_document(
    paragraphs: Sequence[object], errors: list[str | None]
) -> tuple[list[int], list[str | None], np.ndarray]:
    """Label one document's `paragraphs` (in reading order) with `predict_document`, leaving
    out the bad ones (marked in `errors`, which gains the text errors). The rows labelled,
    their labels and their probabilities."""
    for i, value in enumerate(paragraphs):
        if errors[i] is None:
            errors[i] = text_error(value)
    rows = [i for i, error in enumerate(errors) if error is None]
    if not rows:
        return rows, [], np.empty((0, len(LABELS)))
    texts = [paragraphs[i] for i in rows]
    # The label is predict_document's own, not the argmax of its probabilities: it may be None
    # for a paragraph with no role (a title, a date line), which the argmax would hide.
    return rows, *zongjie.predict_document(texts, return_proba=True)


def _label_group(
    group: pd.DataFrame, doc_cols: list[str], order_col: str, text_col: str, model: str
) -> pd.DataFrame:
    """One document of `label_documents`: its rows in reading order, with the output columns."""
    _use_model(model)
    group = group.sort_values(order_col, kind="stable", na_position="last").reset_index(drop=True)
    no_document = group[doc_cols].isna().any(axis=1).tolist()
    no_order = group[order_col].isna().tolist()
    errors: list[str | None] = [
        f"{', '.join(doc_cols)} is null" if nodoc else f"{order_col} is null" if noorder else None
        for nodoc, noorder in zip(no_document, no_order, strict=True)
    ]
    rows, labels, proba = _label_document(group[text_col].tolist(), errors)
    return pd.concat([group, _output(errors, rows, labels, proba)], axis=1)


def _label_file(path: str, content: bytes, model: str) -> pd.DataFrame:
    """The paragraphs of one file (one document), labelled; one error row if it has none."""
    from zongjie.segment import decode

    try:
        paragraphs = zongjie.segment(decode(bytes(content), name=path))
        error = None if paragraphs else "file has no paragraphs"
    except (ValueError, TypeError) as failure:  # undecodable bytes name the file and offset
        paragraphs, error = [], str(failure)
    if error is not None:
        frame = _file_frame(path, [None], [None])
        return pd.concat([frame, _output([error], [], [], np.empty((0, 3)))], axis=1)
    errors: list[str | None] = [None] * len(paragraphs)
    rows, labels, proba = _label_document(paragraphs, errors)
    frame = _file_frame(path, list(range(len(paragraphs))), paragraphs)
    return pd.concat([frame, _output(errors, rows, labels, proba)], axis=1)


def _file_frame(path: str, index: list[int | None], texts: list[str | None]) -> pd.DataFrame:
    # Object columns: pyspark 4.3 cannot convert pandas 3's Arrow-backed `str` columns.
    return pd.DataFrame(
        {
            "file": pd.Series([path] * len(texts), dtype=object),
            "index": pd.Series(index, dtype=object),
            "text": pd.Series(texts, dtype=object),
        }
    )


def _label_file_batches(
    batches: Iterator[pd.DataFrame], model: str, rows_per_batch: int = 10_000
) -> Iterator[pd.DataFrame]:
    _use_model(model)
    pending: list[pd.DataFrame] = []
    size = 0
    for batch in batches:
        for path, content in zip(batch["path"], batch["content"], strict=True):
            pending.append(_label_file(path, content, model))
            size += len(pending[-1])
            if size >= rows_per_batch:
                yield pd.concat(pending, ignore_index=True)
                pending, size = [], 0
    if pending:
        yield pd.concat(pending, ignore_index=True)


# ------------------------------------------------------------------------ the DataFrame API


def _col(name: str) -> Column:
    """A column by its exact name, dots and all."""
    return F.col(f"`{name.replace('`', '``')}`")


def _check_columns(df: DataFrame, needed: Sequence[str], function: str) -> None:
    missing = [name for name in needed if name not in df.columns]
    if missing:
        raise ValueError(
            f"{function}: no column {', '.join(map(repr, missing))} in the DataFrame "
            f"(its columns: {', '.join(df.columns)})"
        )
    taken = [name for name in OUTPUT_COLUMNS if name in df.columns]
    if taken:
        raise ValueError(
            f"{function}: the DataFrame already has {', '.join(map(repr, taken))}, which "
            "would be overwritten: rename or drop it first"
        )


def _not_text(df: DataFrame, text_col: str) -> DataFrame:
    """Every row marked: the text column is not of string type."""
    kind = df.schema[text_col].dataType.simpleString()
    error = F.when(_col(text_col).isNull(), "text is null").otherwise(f"text is {kind}, not string")
    return df.select(
        "*",
        F.lit(None).cast("string").alias(LABEL),
        *(F.lit(None).cast("double").alias(column) for column in PROBABILITIES),
        error.alias(ERROR),
    )


def label_paragraphs(
    df: DataFrame, text_col: str = "text", *, model: str | os.PathLike[str] | None = None
) -> DataFrame:
    """`df` with `label`, `p_summary`, `p_problem`, `p_plan` and `error`: each paragraph of
    `text_col` labelled on its own, as `zongjie.predict_proba` and `zongjie.predict` do.
    `model`: a model file or an MLflow model URI (default: the driver's default model)."""
    _check_columns(df, [text_col], "label_paragraphs")
    if not isinstance(df.schema[text_col].dataType, T.StringType):
        return _not_text(df, text_col)
    name = ship_model(df.sparkSession, model)

    @F.pandas_udf(T.StructType(output_fields()))
    def label_texts(texts: pd.Series) -> pd.DataFrame:
        return _label_texts(texts, name)

    scored = df.withColumn(_SCORED, label_texts(_col(text_col)))
    return scored.select(
        *(_col(column) for column in df.columns),
        *(F.col(f"{_SCORED}.{column}").alias(column) for column in OUTPUT_COLUMNS),
    )


def label_documents(
    df: DataFrame,
    doc_col: str | Sequence[str],
    order_col: str,
    text_col: str = "text",
    *,
    model: str | os.PathLike[str] | None = None,
) -> DataFrame:
    """`df` with `label`, `p_summary`, `p_problem`, `p_plan` and `error`: the paragraphs of
    each document (rows sharing `doc_col`, one column or several) labelled together in
    `order_col` order, as `zongjie.predict_document` does. A document is labelled whole, in
    one worker, whatever its length. The label is null where the row is bad (see `error`: a
    null document id or position counts too) or where `predict_document` gives no label."""
    doc_cols = [doc_col] if isinstance(doc_col, str) else list(doc_col)
    _check_columns(df, [*doc_cols, order_col, text_col], "label_documents")
    if not isinstance(df.schema[text_col].dataType, T.StringType):
        return _not_text(df, text_col)
    name = ship_model(df.sparkSession, model)
    schema = T.StructType([*df.schema.fields, *output_fields()])

    def label_group(group: pd.DataFrame) -> pd.DataFrame:
        return _label_group(group, doc_cols, order_col, text_col, name)

    return df.groupBy(*(_col(column) for column in doc_cols)).applyInPandas(label_group, schema)


def label_files(
    spark: SparkSession,
    folder: str | os.PathLike[str],
    *,
    model: str | os.PathLike[str] | None = None,
) -> DataFrame:
    """Every file under `folder` (recursively; names starting with . or _ are skipped) as one
    document: read, decoded (UTF-8, UTF-16/32 with a BOM, GB18030) and segmented on the
    executors, then labelled as `zongjie.predict_document(zongjie.segment(text))`. Columns:
    `file` (its path), `index` (the paragraph's number in the file), `text` and the output
    columns. A file that cannot be read as text, or holds no paragraph, gives one row with a
    null `index` and `text` and the reason in `error`."""
    name = ship_model(spark, model)
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(str(folder))
    limit = int(spark.conf.get("spark.sql.sources.binaryFile.maxLength", str(2**31 - 1)))
    schema = T.StructType(
        [
            T.StructField("file", T.StringType()),
            T.StructField("index", T.IntegerType()),
            T.StructField("text", T.StringType()),
            *output_fields(),
        ]
    )

    def label_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return _label_file_batches(batches, name)

    # Spark refuses to read a file over its limit and would fail the job: those are marked.
    readable = files.filter(F.col("length") <= limit).select("path", "content")
    labelled = readable.mapInPandas(label_batches, schema)
    too_large = files.filter(F.col("length") > limit).select(
        F.col("path").alias("file"),
        F.lit(None).cast("int").alias("index"),
        F.lit(None).cast("string").alias("text"),
        F.lit(None).cast("string").alias(LABEL),
        *(F.lit(None).cast("double").alias(column) for column in PROBABILITIES),
        F.format_string(f"file is %d bytes, over Spark's limit of {limit}", "length").alias(ERROR),
    )
    return labelled.unionByName(too_large)


def label_paragraphs_pyfunc(df: DataFrame, model_uri: str, text_col: str = "text") -> DataFrame:
    """`df` with `label` and `error`: the labels of the MLflow model at `model_uri` (a
    `zongjie.serving.ParagraphLabeller`), through ``mlflow.pyfunc.spark_udf``. The pyfunc
    gives labels only, no probabilities. Null and blank texts are kept and marked as in
    `label_paragraphs`, and never reach the model."""
    _check_columns(df, [text_col], "label_paragraphs_pyfunc")
    if not isinstance(df.schema[text_col].dataType, T.StringType):
        return _not_text(df, text_col).drop(*PROBABILITIES)
    import mlflow.pyfunc

    udf = mlflow.pyfunc.spark_udf(
        df.sparkSession, model_uri, result_type="string", env_manager="local"
    )
    text = _col(text_col)
    # (?U): \s is Unicode whitespace, as str.isspace is (full-width spaces included); with the
    # zero-width characters, what the API calls blank.
    blank = rf"(?U)^[\s{ZERO_WIDTH}]*$"
    error = F.when(text.isNull(), "text is null").when(text.rlike(blank), "text is blank")
    # Spark evaluates a Python UDF on every row whatever a `when` around it says, so bad rows
    # reach the model as a harmless stand-in and their labels are dropped after.
    stand_in = F.when(error.isNull(), text).otherwise(F.lit("。"))
    return df.select("*", F.when(error.isNull(), udf(stand_in)).alias(LABEL), error.alias(ERROR))


# ---------------------------------------------------------------------------- the command


class _Progress:
    """One line per stage on stderr, and, while a stage runs long, Spark's task counts."""

    def __init__(self, spark: SparkSession, stages: int, every: float = 30.0) -> None:
        self.spark, self.stages, self.every = spark, stages, every
        self.number = 0

    def stage(self, what: str) -> _Stage:
        self.number += 1
        return _Stage(self, f"[{self.number}/{self.stages}] {what}")


class _Stage:
    def __init__(self, progress: _Progress, title: str) -> None:
        self.progress, self.title = progress, title
        self.result = ""
        self._done = threading.Event()

    def __enter__(self) -> _Stage:
        self.start = time.perf_counter()
        print(f"{self.title} …", file=sys.stderr, flush=True)
        threading.Thread(target=self._watch, daemon=True).start()
        return self

    def _watch(self) -> None:
        tracker = self.progress.spark.sparkContext.statusTracker()
        while not self._done.wait(self.progress.every):
            for stage_id in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage_id)
                if info is not None:
                    print(
                        f"    … Spark stage {stage_id}: {info.numCompletedTasks}/{info.numTasks}"
                        f" tasks done, {time.perf_counter() - self.start:.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if exc[0] is None:
            seconds = time.perf_counter() - self.start
            print(f"{self.title}: {self.result} ({seconds:.1f} s)", file=sys.stderr, flush=True)


def _is_parquet(path: Path) -> bool:
    if path.is_file():
        return path.suffix == ".parquet"
    return any(path.rglob("*.parquet"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m zongjie.spark",
        description="Label Chinese work reports on Spark: a folder of text files (one document "
        "per file) or a Parquet table of paragraphs in, Parquet with labels out.",
    )
    parser.add_argument("input", type=Path, help="a folder of text files, or a Parquet table")
    parser.add_argument("output", type=Path, help="the Parquet folder to write (must not exist)")
    parser.add_argument("--text-col", default="text", help="Parquet: the paragraph column")
    parser.add_argument("--doc-col", action="append", help="Parquet: the document id column(s)")
    parser.add_argument("--order-col", help="Parquet: the paragraph's position in its document")
    parser.add_argument("--model", help="a model file or an MLflow model URI (default: packaged)")
    parser.add_argument("--master", help="Spark master (default: spark-submit's, else local[*])")
    parser.add_argument(
        "--partition-by",
        default=LABEL,
        help=f"output partition column(s), comma-separated, or none (default: {LABEL})",
    )
    return parser


def _label_input(spark: SparkSession, args: argparse.Namespace) -> tuple[DataFrame, list[str], str]:
    """The labelled DataFrame, the columns that order a document's rows, and what was read."""
    if _is_parquet(args.input):
        frame = spark.read.parquet(str(args.input))
        read = f"a Parquet table of {frame.count():,} paragraphs"
        if args.doc_col:
            labelled = label_documents(
                frame, args.doc_col, args.order_col, args.text_col, model=args.model
            )
            return labelled, [*args.doc_col, args.order_col], read
        return label_paragraphs(frame, args.text_col, model=args.model), [], read
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
    read = f"{files.load(str(args.input)).select('path').count():,} files"
    return label_files(spark, args.input, model=args.model), ["file", "index"], read


def main(argv: Sequence[str] | None = None) -> int:
    # pyspark 4.3 warns on every pandas UDF that its pandas 3 support is incomplete; the tests
    # check these paths on pandas 3, so the warning would only bury the progress lines.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.input.exists():
        parser.error(f"{args.input}: no such file or folder")
    if args.output.exists():
        parser.error(f"{args.output} exists: give a new folder")
    if bool(args.doc_col) != bool(args.order_col):
        parser.error("--doc-col and --order-col go together")
    partition_by = [] if args.partition_by == "none" else args.partition_by.split(",")

    spark = session(args.master, app_name="zongjie.spark")
    progress = _Progress(spark, stages=3)
    with progress.stage(f"reading {args.input}") as stage:
        try:
            labelled, order, stage.result = _label_input(spark, args)
        except (ValueError, FileNotFoundError, ImportError) as error:  # a column, the model
            raise SystemExit(f"zongjie.spark: {error}") from None
    unknown = [column for column in partition_by if column not in labelled.columns]
    if unknown:
        raise SystemExit(f"zongjie.spark: --partition-by: no column {', '.join(unknown)}")
    with progress.stage(f"labelling and writing {args.output}") as stage:
        # Rows of one document stay together and in order in each output file.
        writer = labelled.sortWithinPartitions(*(_col(c) for c in order)).write
        writer.partitionBy(*partition_by).parquet(str(args.output))
        stage.result = f"{sum(1 for _ in args.output.rglob('*.parquet')):,} Parquet files"
    with progress.stage("counting") as stage:
        written = spark.read.parquet(str(args.output))
        counts = {
            (row[LABEL], row["bad"]): row["count"]
            for row in written.groupBy(LABEL, F.col(ERROR).isNotNull().alias("bad"))
            .count()
            .collect()
        }
        labelled_counts = ", ".join(
            f"{label} {counts.get((label, False), 0):,}" for label in LABELS
        )
        unlabelled = counts.get((None, False), 0)
        bad = sum(count for (_, is_bad), count in counts.items() if is_bad)
        stage.result = f"{labelled_counts}, no label {unlabelled:,}, errors {bad:,}"
    return 0


if __name__ == "__main__":
    # Run the importable module's main, not this __main__ copy's: cloudpickle ships functions of
    # __main__ by value, with fresh globals in every task, so the worker's model cache would
    # last one task instead of the worker's life.
    from zongjie.spark import main as run

    sys.exit(run())
