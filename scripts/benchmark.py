"""Speed of zongjie beside its contenders, in the same run, on the same paragraphs.

    python scripts/benchmark.py [--repeat 5] [--corpora ../shared/corpora] [--stream-mb 100]

On one core (the run pins itself to --cpu): `predict` throughput (paragraphs/s, chars/s) next
to `jieba.lcut` and `rjieba.cut` over the same paragraphs, and next to what a user writes by
hand: `TfidfVectorizer(tokenizer=jieba.lcut)` + `LogisticRegression`, the same on rjieba, and
(when the `fasttext` module is installed: ``pip install fasttext-wheel``) fastText on rjieba
tokens. Each contender is trained on the default model's documents; its accuracy (macro-F1,
leave one source out, the mean over families, as the model card's isolated track) is printed
beside its speed. Then `predict` and `predict_iter` on every core against one, beside the
machine's ceiling (one independent process per core, each labelling a share), a long
document's `predict_document` (time and peak memory), the cold start of
`import zongjie; predict([...])` in fresh processes, and the CLI over a 1/10 and a full
--stream-mb corpus with the peak memory of each (--stream-mb 0 skips that), and last the
training: `python train.py` fitting the default config (no evaluation, no MLflow) on every core,
and the fit on a quarter, a half and all of the documents, to see how it grows with the data
(--no-training skips it). Timings are the best of --repeat rounds (of --parallel-rounds for
every core against one), the contenders of a round run in turn; every ratio the performance
targets name is printed at the end.

What it prints is also written to reports/benchmark.json (with the command, the date and the
load average), from which `scripts/update_readme.py` renders the benchmark block of
docs/performance.md (it runs at the end). --output writes the JSON elsewhere and leaves the
page alone; --no-docs writes neither.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COLD_START = """
import time
start = time.perf_counter()
import zongjie
zongjie.predict(["上半年共完成培训120人次。", "下半年将进一步加强领导。"])
print(time.perf_counter() - start)
"""
LABELS = ("summary", "problem", "plan")


def best_of_each(repeat: int, works: Mapping[str, Callable[[], object]]) -> dict[str, float]:
    """The best time of each of `works` over `repeat` rounds, a round running each once: the
    runs alternate, so that the machine's drifting speed weighs on each alike and a ratio of
    two of them compares like with like (run one after the other, a contender timed in a fast
    minute and another in a slow one gave predict / jieba.lcut anywhere from 11 to 17)."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(repeat):
        for name, work in works.items():
            start = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def best_of(repeat: int, work: Callable[[], object]) -> float:
    return best_of_each(repeat, {"work": work})["work"]


def load_paragraphs(corpora: Path | None) -> list[str]:
    from zongjie.dataset import read_national_reports, read_seeds

    documents = read_seeds(ROOT / "data" / "labels" / "seed_gold.jsonl")
    if corpora is not None:
        documents += read_national_reports(corpora, min_year=2014, max_year=2100)
    return [p for d in documents for p in d.paragraphs]


def training_documents(corpora: Path | None) -> list[Any]:
    """The default model's documents (conf/data/default.yaml): the seeds, the gold folders
    and the State Council reports of 1992-."""
    from zongjie.dataset import read_gold_folder, read_national_reports, read_seeds

    documents = read_seeds(ROOT / "data" / "labels" / "seed_gold.jsonl")
    if corpora is not None:
        documents += read_gold_folder(corpora / "work-reports-2007-2024", "personal")
        documents += read_gold_folder(corpora / "gwr-local-2015-2024", "local_gov")
        documents += read_national_reports(corpora, min_year=1992, max_year=2100)
    return documents


def labelled(documents: Sequence[Any]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(paragraphs, labels, groups, families) of the paragraphs with a role."""
    rows = [
        (p, label, d.group, d.family)
        for d in documents
        for p, label in zip(d.paragraphs, d.labels, strict=True)
        if label is not None
    ]
    return tuple(list(column) for column in zip(*rows, strict=True))  # type: ignore[return-value]


# ------------------------------------------------------------------ the contenders


def hand_pipeline(tokenize: Callable[[str], list[str]]) -> Any:
    """What a user writes by hand: TF-IDF over a Chinese tokenizer's words, then logistic
    regression (scikit-learn's defaults)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False),
        LogisticRegression(max_iter=1000),
    )


class FastText:
    """fastText supervised on rjieba tokens of the raw paragraph (its defaults, 25 epochs
    and word bigrams, as its text classification tutorial suggests)."""

    def __init__(self, paragraphs: Sequence[str], labels: Sequence[str]) -> None:
        import tempfile

        import fasttext
        import rjieba

        self._cut = rjieba.cut
        with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as file:
            for paragraph, label in zip(paragraphs, labels, strict=True):
                file.write(f"__label__{label} {self._line(paragraph)}\n")
            file.flush()
            self.model = fasttext.train_supervised(
                file.name, epoch=25, wordNgrams=2, verbose=0, thread=1, seed=0
            )

    def _line(self, paragraph: str) -> str:
        return " ".join(self._cut(paragraph.replace("\n", " ")))

    def predict(self, paragraphs: Sequence[str]) -> list[str]:
        # The binding itself: fasttext's own predict() breaks on numpy 2 (np.array(copy=False)).
        lines = [self._line(p) + "\n" for p in paragraphs]
        labels, _ = self.model.f.multilinePredict(lines, 1, 0.0, "strict")
        return [label[0][len("__label__") :] if label else LABELS[0] for label in labels]


def fasttext_available() -> bool:
    try:
        import fasttext  # noqa: F401
    except ImportError:
        return False
    return True


def grouped_macro_f1(
    fit_predict: Callable[[list[str], list[str], list[str]], list[str]],
    paragraphs: list[str],
    labels: list[str],
    groups: list[str],
    families: list[str],
) -> float:
    """Leave one source out: each group predicted by a model fitted without it; macro-F1
    over the three labels within each family, then the mean over families (the model card's
    `source_isolated_family_mean_macro_f1`)."""
    from sklearn.metrics import f1_score

    predicted = [""] * len(paragraphs)
    for group in sorted(set(groups)):
        test = [i for i, g in enumerate(groups) if g == group]
        train = [i for i, g in enumerate(groups) if g != group]
        answers = fit_predict(
            [paragraphs[i] for i in train],
            [labels[i] for i in train],
            [paragraphs[i] for i in test],
        )
        for i, answer in zip(test, answers, strict=True):
            predicted[i] = answer
    per_family = []
    for family in sorted(set(families)):
        rows = [i for i, f in enumerate(families) if f == family]
        per_family.append(
            f1_score(
                [labels[i] for i in rows],
                [predicted[i] for i in rows],
                labels=list(LABELS),
                average="macro",
                zero_division=0,
            )
        )
    return float(statistics.mean(per_family))


def zongjie_macro_f1() -> float | None:
    path = ROOT / "reports" / "metrics.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("source_isolated_family_mean_macro_f1")


# ------------------------------------------------------------------ processes


def cold_start(runs: int) -> tuple[float, float]:
    """Median in-process time of import + first predict, and median whole-process wall time."""
    inside, whole = [], []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True
        )
        whole.append(time.perf_counter() - start)
        inside.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(inside), statistics.median(whole)


PEAK_AFTER_CLI = r"""
import contextlib, os, re, sys, time
from zongjie.__main__ import main
start = time.perf_counter()
with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
    main([sys.argv[1]])
# VmHWM is this process's own peak (KiB); ru_maxrss would count the parent's memory at the fork.
peak_kib = re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read())[1]
print(time.perf_counter() - start, peak_kib)
"""

# One long document: its time, and its peak resident memory over what the process held
# before the call (the peak is reset first: /proc/self/clear_refs).
DOCUMENT_PEAK = r"""
import json, re, sys, time
import zongjie
paragraphs = json.loads(sys.stdin.read())
zongjie.predict_document(paragraphs[:300])
def kib(key):
    return int(re.search(key + r":\s+(\d+)", open("/proc/self/status").read())[1])
with open("/proc/self/clear_refs", "w") as file:
    file.write("5")
before = kib("VmRSS")
start = time.perf_counter()
zongjie.predict_document(paragraphs)
print(time.perf_counter() - start, (kib("VmHWM") - before) / 1024)
"""


def document_run(paragraphs: list[str], cpus: set[int]) -> tuple[float, float]:
    """(seconds, peak MiB over the baseline) of `predict_document` of `paragraphs` as one
    document, in a fresh process on `cpus`."""
    out = subprocess.run(
        [sys.executable, "-c", DOCUMENT_PEAK],
        input=json.dumps(paragraphs, ensure_ascii=False),
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.sched_setaffinity(0, cpus),
    ).stdout.split()
    return float(out[-2]), float(out[-1])


def stream(megabytes: int) -> list[tuple[float, float, float]]:
    """(MB, seconds, peak MiB) of the CLI labelling the seeds repeated to 1/10 of and then
    `megabytes` of text, in fresh processes."""
    import tempfile

    report = (ROOT / "data" / "raw" / "seeds" / "002_354727535b141923.txt").read_bytes()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in (megabytes / 10, megabytes):
            path = Path(folder) / "corpus.txt"
            path.write_bytes(report * max(1, round(size * 1e6 / len(report))))
            out = subprocess.run(
                [sys.executable, "-c", PEAK_AFTER_CLI, str(path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            results.append((path.stat().st_size / 1e6, float(out[-2]), int(out[-1]) / 1024))
    return results


# Fitting the default config on a share of its documents (whole groups, drawn with a fixed
# seed), in a fresh process on every core, as `python train.py` fits: the wall time of each
# share, to see how training grows with the data.
TRAINING_SCALING = """
import json, os, random, sys, time
from hydra import compose, initialize_config_dir
from zongjie.dataset import load_documents
from zongjie.lexicon import default_lexicon
from zongjie.training import fit_model
from omegaconf import OmegaConf

root, shares, data = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
with initialize_config_dir(config_dir=root + "/conf", version_base="1.3"):
    cfg = compose(config_name="config", overrides=["mlflow.enabled=false", *data])
documents = load_documents(OmegaConf.to_container(cfg.data, resolve=True))
groups = sorted({d.group for d in documents})
random.Random(0).shuffle(groups)
parts = [
    [d for d in documents if d.group in set(groups[: max(2, round(share * len(groups)))])]
    for share in shares
]
processes = len(os.sched_getaffinity(0))
fit_model(parts[0], cfg, default_lexicon(), processes=processes)  # imports and caches: untimed
result = []
for share, part in zip(shares, parts):
    paragraphs = sum(len(d.paragraphs) for d in part)
    start = time.perf_counter()
    fit_model(part, cfg, default_lexicon(), processes=processes)
    result.append([share, len(part), paragraphs, time.perf_counter() - start])
print(json.dumps(result))
"""


def training_time(
    all_cpus: set[int], corpora: Path | None, shares: list[float]
) -> tuple[float, list[list[float]]]:
    """The wall time of `python train.py` fitting the default config without evaluation or
    MLflow (into a temporary folder), in a fresh process on every core; then, in another, the
    fit's time on each share of the documents [share, documents, paragraphs, seconds], after
    one untimed fit. The corpora are read from `corpora` (None: the seeds alone)."""
    import tempfile

    data = [f"data.corpora_dir={corpora}"] if corpora else ["data.use_corpora=false"]
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, all_cpus)
    try:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            subprocess.run(
                [
                    *(sys.executable, "train.py", "eval.enabled=false", "mlflow.enabled=false"),
                    *data,
                    f"output.model_path={folder}/zongjie.model",
                    f"hydra.run.dir={folder}/run",
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            wall = time.perf_counter() - start
        scaling = subprocess.run(
            [sys.executable, "-c", TRAINING_SCALING, str(ROOT), json.dumps(shares), *data],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        os.sched_setaffinity(0, pinned)
    return wall, json.loads(scaling.stdout.splitlines()[-1])


# One of the independent processes of `every_core`: labels its share of the paragraphs, with
# no pool, each time it reads a line, and prints how long that took.
INDEPENDENT_SHARE = r"""
import json, os, sys, time
os.environ["ZONGJIE_WORKERS"] = "1"
import zongjie
paragraphs = json.loads(open(sys.argv[1], encoding="utf-8").read())
zongjie.predict(paragraphs[:2])
print("ready", flush=True)
for _ in sys.stdin:
    start = time.perf_counter()
    zongjie.predict(paragraphs)
    print(time.perf_counter() - start, flush=True)
"""


def every_core(
    big: list[str], cpu: int, all_cpus: set[int], rounds: int
) -> list[tuple[str, float, str]]:
    """`predict` and `predict_iter` of `big` on one core and on every core, and the machine's
    own ceiling: one independent process per core, each pinned to its core and labelling its
    share of `big` at the same moment, no pool and nothing sent between them (the most any
    pool could reach here; two cores of a shared virtual machine slow each other down).
    The runs alternate, so that the machine's drifting speed weighs on each alike; each figure
    is the best of `rounds`, and the median of the rounds' own ratios is printed beside it."""
    import tempfile

    import zongjie
    from zongjie import parallel

    cores = len(all_cpus)
    os.sched_setaffinity(0, all_cpus)
    workers = parallel.workers()
    zongjie.predict(big[: parallel.PARALLEL_MIN])  # start the pool (once a process)
    times: dict[str, list[float]] = {}

    def timed(name: str, work: Callable[[], object]) -> None:
        start = time.perf_counter()
        work()
        times.setdefault(name, []).append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        independent = []
        # Consecutive shares, as the pool's slices are: every other paragraph of the repeated
        # corpus is the same half of its paragraphs over and over, whose smaller working set
        # (the words of the trie in cache) made the ceiling higher than any pool could reach.
        shares = [big[len(big) * k // cores : len(big) * (k + 1) // cores] for k in range(cores)]
        for k, core in enumerate(sorted(all_cpus)):
            share = Path(folder) / f"share{k}.json"
            share.write_text(json.dumps(shares[k], ensure_ascii=False), encoding="utf-8")
            process = subprocess.Popen(
                [sys.executable, "-c", INDEPENDENT_SHARE, str(share)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                preexec_fn=lambda core=core: os.sched_setaffinity(0, {core}),
            )
            stack.callback(process.wait)
            stack.callback(process.stdin.close)
            assert process.stdout.readline().strip() == "ready"
            independent.append(process)

        def at_once() -> None:
            for process in independent:
                process.stdin.write("go\n")
                process.stdin.flush()
            for process in independent:
                float(process.stdout.readline())

        for _ in range(rounds):
            os.sched_setaffinity(0, {cpu})
            timed("one", lambda: zongjie.predict(big))
            timed("one_iter", lambda: list(zongjie.predict_iter(iter(big))))
            os.sched_setaffinity(0, all_cpus)
            timed("every", lambda: zongjie.predict(big))
            timed("every_iter", lambda: list(zongjie.predict_iter(iter(big))))
            timed("independent", at_once)
    os.sched_setaffinity(0, {cpu})
    best = {name: min(values) for name, values in times.items()}

    def paired(one: str, every: str) -> float:
        return statistics.median(a / b for a, b in zip(times[one], times[every], strict=True))

    print(
        f"predict of {len(big)} paragraphs: {best['one']:.2f} s on one core, "
        f"{best['every']:.2f} s on {cores} ({workers} workers); predict_iter "
        f"{best['one_iter']:.2f} s, {best['every_iter']:.2f} s; {cores} independent "
        f"processes, one per core, a share each: {best['independent']:.2f} s (best of {rounds} "
        f"rounds); the median of the rounds' own ratios: predict {paired('one', 'every'):.2f}, "
        f"predict_iter {paired('one_iter', 'every_iter'):.2f}, the independent processes "
        f"{paired('one', 'independent'):.2f}"
    )
    return [
        (f"predict on {cores} cores / on 1", best["one"] / best["every"], ">= 1.8"),
        (f"predict_iter on {cores} cores / on 1", best["one_iter"] / best["every_iter"], ">= 1.8"),
        (
            f"{cores} independent processes / 1 (the ceiling)",
            best["one"] / best["independent"],
            "",
        ),
    ]


def row(name: str, count: int, chars: int, seconds: float, extra: str = "") -> None:
    print(f"{name:40}{count / seconds:12,.0f}{chars / seconds:14,.0f}{seconds:9.3f}  {extra}")


OUTPUT = ROOT / "reports" / "benchmark.json"


class _Tee(io.TextIOBase):
    """stdout that also keeps what it is given, for the JSON."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.kept = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    tee, load_before, started = _Tee(sys.stdout), os.getloadavg()[0], time.time()
    with contextlib.redirect_stdout(tee):
        args = _benchmark(argv)
    if args.no_docs:
        return
    figures = {
        "command": " ".join(["python scripts/benchmark.py", *argv]),
        "date": datetime.date.today().isoformat(),
        "cores": os.cpu_count(),
        "load_average": {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)},
        "minutes": round((time.time() - started) / 60, 1),
        "output": tee.kept.getvalue(),
    }
    args.output.write_text(
        json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.output}", file=sys.stderr)
    if args.output.resolve() == OUTPUT:  # the committed figures: the docs follow them
        subprocess.run([sys.executable, str(ROOT / "scripts" / "update_readme.py")], check=True)


def _positive(text: str) -> int:
    """A count of rounds: each figure is the best of them, and there is no best of none."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return value


def _benchmark(argv: list[str]) -> argparse.Namespace:
    """Measure and print; the parsed arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=_positive, default=5)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--cpu", type=int, default=0, help="pin the one-core runs to this core")
    parser.add_argument("--stream-mb", type=int, default=100, help="corpus size for memory")
    parser.add_argument(
        "--parallel-paragraphs",
        type=int,
        default=20000,
        help="paragraphs of the every-core runs (the corpus repeated; 0 skips them)",
    )
    parser.add_argument(
        "--parallel-rounds",
        type=_positive,
        default=15,
        help="rounds of the every-core runs (more than --repeat: a run on every core is at its "
        "best only when every core is at once, and this machine's cores each drift)",
    )
    parser.add_argument(
        "--document-paragraphs",
        type=int,
        default=50000,
        help="paragraphs of the long document (0 skips it)",
    )
    parser.add_argument(
        "--no-accuracy", action="store_true", help="skip the contenders' grouped accuracy"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=OUTPUT,
        help="the JSON (default reports/benchmark.json, which also rewrites docs/performance.md)",
    )
    parser.add_argument("--no-docs", action="store_true", help="write no JSON and no docs")
    parser.add_argument(
        "--no-training",
        dest="training",
        action="store_false",
        help="skip timing `python train.py` and the fit on shares of the documents",
    )
    parser.add_argument(
        "--training-shares",
        default="0.25,0.5,1",
        help="the shares of the documents (whole groups) the training's growth is timed on",
    )
    args = parser.parse_args(argv)
    all_cpus = os.sched_getaffinity(0)
    # One core, as a service worker has: every contender gets the same one, in the same run.
    os.sched_setaffinity(0, {args.cpu})

    import jieba
    import rjieba

    import zongjie
    from zongjie import wordcut
    from zongjie.text import normalize

    corpora = args.corpora if args.corpora.is_dir() else None
    paragraphs = load_paragraphs(corpora)
    chars = sum(map(len, paragraphs))
    n = len(paragraphs)
    zongjie.predict(paragraphs[:2])  # load the model and the dictionaries once
    jieba.initialize()

    # The contenders, trained on the default model's documents (not timed).
    train_texts, train_labels, groups, families = labelled(training_documents(corpora))
    contenders: dict[str, Any] = {
        "jieba": hand_pipeline(jieba.lcut).fit(train_texts, train_labels),
        "rjieba": hand_pipeline(rjieba.cut).fit(train_texts, train_labels),
    }
    if fasttext_available():
        contenders["fasttext"] = FastText(train_texts, train_labels)

    normalized = [normalize(p) for p in paragraphs]
    seconds = best_of_each(
        args.repeat,
        {
            "jieba.lcut": lambda: [jieba.lcut(p) for p in paragraphs],
            "jieba.lcut normalized": lambda: [jieba.lcut(p) for p in normalized],
            "rjieba.cut": lambda: [rjieba.cut(p) for p in paragraphs],
            "wordcut.cut": lambda: [wordcut.cut(p) for p in paragraphs],
            "predict": lambda: zongjie.predict(paragraphs),
            **{
                name: lambda model=model: model.predict(paragraphs)
                for name, model in contenders.items()
            },
        },
    )

    accuracy: dict[str, float | None] = {"predict": zongjie_macro_f1()}
    if not args.no_accuracy:
        tokens = {p: rjieba.cut(p) for p in train_texts}

        def rjieba_pipeline(texts: list[str], labels: list[str], test: list[str]) -> list[str]:
            # rjieba's tokens made once (the folds reuse them): the same model as by hand.
            model = hand_pipeline(tokens.__getitem__).fit(texts, labels)
            return list(model.predict(test))

        def fasttext_model(texts: list[str], labels: list[str], test: list[str]) -> list[str]:
            return FastText(texts, labels).predict(test)

        accuracy["rjieba"] = grouped_macro_f1(
            rjieba_pipeline, train_texts, train_labels, groups, families
        )
        if "fasttext" in contenders:
            accuracy["fasttext"] = grouped_macro_f1(
                fasttext_model, train_texts, train_labels, groups, families
            )

    def f1(name: str) -> str:
        value = accuracy.get(name)
        return "" if value is None else f"macro-F1 {value:.3f}"

    source = "seeds + government work reports 2014-" if corpora else "seeds"
    print(f"paragraphs: {n} ({chars} chars) from {source}; pinned to core {args.cpu}")
    print(f"{'':40}{'paragraphs/s':>12}{'chars/s':>14}{'seconds':>9}  accuracy (grouped, isolated)")
    row("jieba.lcut (raw text)", n, chars, seconds["jieba.lcut"])
    row("jieba.lcut (normalized text)", n, chars, seconds["jieba.lcut normalized"])
    row("rjieba.cut (raw text)", n, chars, seconds["rjieba.cut"])
    row("zongjie.wordcut.cut (raw text)", n, chars, seconds["wordcut.cut"])
    row("TF-IDF(jieba) + LogisticRegression", n, chars, seconds["jieba"])
    row("TF-IDF(rjieba) + LogisticRegression", n, chars, seconds["rjieba"], f1("rjieba"))
    if "fasttext" in seconds:
        row("fastText on rjieba tokens", n, chars, seconds["fasttext"], f1("fasttext"))
    else:
        print("fastText on rjieba tokens: not installed (pip install fasttext-wheel)")
    row("zongjie.predict", n, chars, seconds["predict"], f1("predict"))

    ratios: list[tuple[str, float, str]] = [
        ("predict / jieba.lcut", seconds["jieba.lcut"] / seconds["predict"], ">= 10"),
        ("predict / TF-IDF(jieba) + LR", seconds["jieba"] / seconds["predict"], ""),
        ("predict / TF-IDF(rjieba) + LR", seconds["rjieba"] / seconds["predict"], ""),
    ]
    if "fasttext" in seconds:
        ratios.append(
            ("predict / fastText on rjieba", seconds["fasttext"] / seconds["predict"], ">= 1.3")
        )
    ratios.append(
        ("predict time / rjieba.cut time", seconds["predict"] / seconds["rjieba.cut"], "")
    )

    # Every core against one: the same paragraphs, the corpus repeated to a large batch.
    if args.parallel_paragraphs and len(all_cpus) > 1:
        big = (paragraphs * (args.parallel_paragraphs // n + 1))[: args.parallel_paragraphs]
        ratios += every_core(big, args.cpu, all_cpus, args.parallel_rounds)

    report = paragraphs[:200]
    document_seconds = best_of(args.repeat, lambda: zongjie.predict_document(report))
    print(f"predict_document, {len(report)}-paragraph report: {document_seconds * 1000:.1f} ms")
    if args.document_paragraphs:
        size = args.document_paragraphs
        long = (paragraphs * (size // n + 1))[:size]
        tenth, _ = document_run(long[: size // 10], {args.cpu})
        whole, peak = document_run(long, {args.cpu})
        print(
            f"predict_document, one {size}-paragraph document (one core): {whole:.1f} s "
            f"({size // 10} paragraphs: {tenth:.1f} s), peak memory {peak:.0f} MiB over the "
            "process's baseline"
        )
        ratios.append(
            (
                f"predict_document time, {size} / {size // 10} paragraphs",
                whole / tenth,
                "~10 (linear)",
            )
        )
        ratios.append((f"predict_document peak MiB, {size} paragraphs", peak, "< 100"))
    inside, wall = cold_start(max(3, args.repeat))
    print(f"cold start (import zongjie + first predict): {inside:.2f} s in process, ", end="")
    print(f"{wall:.2f} s wall")
    ratios.append(("cold start, median s in process", inside, "<= 0.3"))
    if args.stream_mb > 0:
        for size_mb, took, peak_mib in stream(args.stream_mb):
            print(
                f"CLI over {size_mb:6.1f} MB of reports: {took:6.1f} s, "
                f"peak memory {peak_mib:.0f} MiB"
            )
    if args.training:
        import math

        shares = [float(share) for share in args.training_shares.split(",")]
        wall, scaling = training_time(all_cpus, corpora, shares)
        print(
            f"python train.py, fit only (eval.enabled=false mlflow.enabled=false), "
            f"{len(all_cpus)} cores: {wall:.1f} s wall"
        )
        for share, documents, count, took in scaling:
            print(
                f"  fit on {share:4.0%} of the documents ({documents} documents, "
                f"{count} paragraphs): {took:5.1f} s"
            )
        (_, _, n_low, t_low), (_, _, n_high, t_high) = scaling[0], scaling[-1]
        exponent = math.log(t_high / t_low) / math.log(n_high / n_low)
        print(f"  training time grows as paragraphs^{exponent:.2f}")
        ratios.append(("python train.py fit only, s wall", wall, "<= 15"))
        ratios.append(("training time exponent (paragraphs^k)", exponent, "~1 (linear)"))
    print("\ntargets (issue 16): figure, target")
    for name, value, target in ratios:
        print(f"  {name:52}{value:8.2f}  {target}")
    return args


if __name__ == "__main__":
    main()
