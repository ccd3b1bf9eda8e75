"""The API other services import: its contract, labels on real snippets, bad input, threads and
what a predicting process imports. Answers come from the session's tiny model (fitted on the
seeds, see conftest); tests/test_default_model.py checks the committed default model."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import zongjie
from zongjie import (
    LABELS,
    api,
    persistence,
    predict,
    predict_document,
    predict_document_proba,
    predict_iter,
    predict_proba,
)
from zongjie.persistence import save_model

from conftest import DEFAULT_MODEL, PLAN, PROBLEM, ROOT, SUMMARY

pytestmark = pytest.mark.usefixtures("use_tiny_model")

FUNCTIONS = [predict, predict_proba, predict_document, predict_document_proba]


def test_public_names_are_exactly_the_api() -> None:
    assert LABELS == ("summary", "problem", "plan")
    assert zongjie.__version__ == "0.2.0"
    # A model file's version is checked against __version__: it must be the package's.
    from importlib.metadata import version

    assert zongjie.__version__ == version("zongjie")
    assert set(zongjie.__all__) == {
        "LABELS",
        "explain",
        "explain_document",
        "load_model",
        "predict",
        "predict_document",
        "predict_document_proba",
        "predict_iter",
        "predict_proba",
        "render_html",
        "segment",
    }


def test_labels_of_real_snippets() -> None:
    assert predict([SUMMARY, PROBLEM, PLAN]) == ["summary", "problem", "plan"]
    assert predict(PLAN) == "plan"  # one str in, one label out


def test_a_heading_that_names_its_part_labels_itself() -> None:
    headings = ["二、存在问题", "存在问题:", "二、2024年工会工作要点", "一、基本情况"]
    assert predict(headings) == ["problem", "problem", "plan", "summary"]
    assert list(predict_proba(headings).argmax(axis=1)) == [1, 1, 2, 0]
    assert list(predict_iter(headings)) == predict(headings)


def test_predict_document_reads_a_whole_report(seed_documents) -> None:
    report = seed_documents[6]  # seed-002-06: review, problems, plans
    assert report.id == "seed-002-06"
    assert predict_document(list(report.paragraphs)) == list(report.labels)


def test_predict_document_gives_no_role_to_a_title_a_date_or_a_salutation(seed_001: str) -> None:
    paragraphs = zongjie.segment(seed_001)
    assert paragraphs[:4] == [
        "教育局半年工作总结会议发言",
        "时间:2022-09-10 09:52:00",
        "教育局半年工作总结会议发言",
        "同志们:",
    ]
    assert predict_document(paragraphs)[:6] == [None, None, None, None, "summary", "summary"]
    # predict stays three-way: a title read alone still gets a role.
    assert all(isinstance(label, str) for label in predict(paragraphs[:4]))
    proba = predict_document_proba(paragraphs)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(proba[4:6].argmax(axis=1)) == [0, 0]


def test_empty_in_empty_out() -> None:
    assert predict([]) == []
    assert predict_proba([]).shape == (0, 3)
    assert predict_document([]) == []
    assert predict_document_proba([]).shape == (0, 3)
    assert list(predict_iter([])) == []


def test_probabilities_are_in_label_order_and_sum_to_one() -> None:
    proba = predict_proba([SUMMARY, PROBLEM, PLAN])
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert list(proba.argmax(axis=1)) == [0, 1, 2]
    assert predict_proba(PLAN).shape == (1, 3)


def test_numpy_arrays_and_tuples_are_sequences() -> None:
    assert predict(np.array([SUMMARY, PLAN])) == ["summary", "plan"]
    assert predict((SUMMARY,)) == ["summary"]
    assert predict_document(np.array([SUMMARY, PLAN])) == predict_document([SUMMARY, PLAN])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_element_of_wrong_type_names_its_index_and_type(function) -> None:
    with pytest.raises(TypeError, match=r"^paragraph 1 is NoneType, not str$"):
        function([SUMMARY, None])
    with pytest.raises(TypeError, match=r"^paragraph 3 is NoneType, not str$"):
        function([SUMMARY, PROBLEM, PLAN, None])
    with pytest.raises(TypeError, match=r"^paragraph 0 is int, not str$"):
        function([3])
    with pytest.raises(TypeError, match=r"^paragraph 2 is bytes, not str$"):
        function([SUMMARY, PLAN, b"x"])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_blank_element_names_its_index(function) -> None:
    with pytest.raises(ValueError, match=r"^paragraph 1 is blank$"):
        function([SUMMARY, "  \u3000\n"])
    with pytest.raises(ValueError, match=r"^paragraph 0 is blank$"):
        function([""])


@pytest.mark.parametrize(
    "blank",
    ["\u200b\u200b", "\ufeff", "\u200c\u200d\u2060", " \u200b\u3000\n", "\u00a0\u00a0"],
    ids=["zero-width-spaces", "bom", "joiners", "mixed", "nbsp"],
)
@pytest.mark.parametrize("function", [*FUNCTIONS, lambda items: list(predict_iter(items))])
def test_zero_width_only_is_blank_as_nbsp_only_is(function, blank) -> None:
    # The characters segment removes from every line: a paragraph of them alone has no text.
    with pytest.raises(ValueError, match=r"^paragraph 1 is blank$"):
        function([SUMMARY, blank])
    assert zongjie.segment(f"{SUMMARY}\n{blank}\n{PLAN}") == [SUMMARY, PLAN]


@pytest.mark.parametrize(
    ("text", "where"),
    [("存在\ud800问题", "U\\+D800 at character 2"), ("\udfff", "U\\+DFFF at character 0")],
)
@pytest.mark.parametrize("function", [*FUNCTIONS, lambda items: list(predict_iter(items))])
def test_a_lone_surrogate_is_named_with_its_paragraph(function, text, where) -> None:
    # Not text any encoder accepts (a broken UTF-16 pair, or bytes decoded with
    # surrogateescape): the tokenizer would fail deep inside with a bare UnicodeEncodeError.
    with pytest.raises(
        ValueError, match=rf"^paragraph 2 is not valid Unicode: a lone surrogate {where}$"
    ):
        function([SUMMARY, PLAN, text])


@pytest.mark.parametrize("bad", [None, 3, 2.5, b"bytes", {"a": "b"}, {SUMMARY}])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_argument_of_wrong_type(function, bad) -> None:
    name = function.__name__
    with pytest.raises(
        TypeError, match=rf"^{name}\(\) takes a str or a sequence of str, not {type(bad).__name__}$"
    ):
        function(bad)


def test_blank_single_str() -> None:
    with pytest.raises(ValueError, match=r"^paragraph 0 is blank$"):
        predict("   ")


@pytest.mark.parametrize("function", [predict_document, predict_document_proba])
def test_document_functions_refuse_raw_text(function) -> None:
    message = (
        rf"^{function.__name__}\(\) takes the paragraphs of one document as a sequence of str, "
        r"not a str \(use zongjie\.segment\(text\) to split raw text\)$"
    )
    with pytest.raises(TypeError, match=message):
        function(SUMMARY)


@pytest.mark.parametrize(
    "text",
    ["The county finished all its targets.", "😀🎉", "。。。!!!", "1234", "中国" * 100_000],
    ids=["english", "emoji", "punctuation", "digits", "200k-chars"],
)
def test_any_other_text_gets_an_answer(text: str) -> None:
    proba = predict_proba([text, text])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert predict(text) == LABELS[int(proba[0].argmax())]
    states = predict_document_proba([text, text])
    np.testing.assert_allclose(states.sum(axis=1), 1.0)
    assert len(predict_document([text, text])) == 2


def test_predict_iter_streams_in_order() -> None:
    paragraphs = [SUMMARY, PROBLEM, PLAN] * 7
    stream = predict_iter(iter(paragraphs), batch_size=4)
    assert next(stream) == "summary"  # a label is out before the stream is consumed
    assert ["summary", *stream] == predict(paragraphs)


def test_predict_iter_names_bad_elements_by_stream_index() -> None:
    with pytest.raises(TypeError, match=r"^paragraph 5 is NoneType, not str$"):
        list(predict_iter([SUMMARY] * 5 + [None], batch_size=2))
    with pytest.raises(TypeError, match=r"^predict_iter\(\) takes an iterable of str, not str$"):
        predict_iter(SUMMARY)
    with pytest.raises(TypeError, match=r"^predict_iter\(\) takes an iterable of str, not int$"):
        predict_iter(3)


@pytest.mark.parametrize(
    "bad",
    [
        {SUMMARY: PLAN},
        {SUMMARY, PLAN},
        frozenset({SUMMARY}),
        {SUMMARY: PLAN}.keys(),
        {SUMMARY: PLAN}.values(),
        np.array([[SUMMARY, PLAN]]),
        None,
        3,
        b"bytes",
    ],
    ids=[
        "dict",
        "set",
        "frozenset",
        "dict-keys",
        "dict-values",
        "2d-array",
        "none",
        "int",
        "bytes",
    ],
)
def test_predict_iter_refuses_what_predict_refuses(bad) -> None:
    # A dict's keys, a set's members or a table's rows are not a stream of paragraphs: refused
    # when called, as predict refuses them, not labelled.
    name = type(bad).__name__
    with pytest.raises(
        TypeError, match=rf"^predict\(\) takes a str or a sequence of str, not {name}$"
    ):
        predict(bad)
    with pytest.raises(
        TypeError, match=rf"^predict_iter\(\) takes an iterable of str, not {name}$"
    ):
        predict_iter(bad)


def test_predict_iter_refuses_a_dataframe_as_predict_does() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": [1, 2], "text": [SUMMARY, PLAN]})
    with pytest.raises(
        TypeError, match=r"^predict\(\) takes a str or a sequence of str, not DataFrame$"
    ):
        predict(frame)
    with pytest.raises(
        TypeError, match=r"^predict_iter\(\) takes an iterable of str, not DataFrame$"
    ):
        predict_iter(frame)
    # Its text column is a Series: accepted by both.
    assert list(predict_iter(frame["text"])) == predict(frame["text"]) == ["summary", "plan"]


def test_predict_iter_accepts_what_predict_accepts_and_streams() -> None:
    paragraphs = [SUMMARY, PROBLEM, PLAN]
    expected = predict(paragraphs)
    for given in (paragraphs, tuple(paragraphs), np.array(paragraphs), range(0)):
        assert list(predict_iter(given)) == (expected if len(given) else [])
    assert list(predict_iter(iter(paragraphs))) == expected
    assert list(predict_iter(p for p in paragraphs)) == expected


@pytest.mark.parametrize(
    ("batch_size", "error", "message"),
    [
        (0, ValueError, "0"),
        (-1, ValueError, "-1"),
        (2.0, TypeError, "float"),
        ("8", TypeError, "str"),
        (True, TypeError, "bool"),
        (None, TypeError, "NoneType"),
    ],
)
def test_predict_iter_batch_size_is_a_positive_int(batch_size, error, message) -> None:
    # Refused when called: a batch size that never fills would hold the whole stream.
    with pytest.raises(
        error, match=rf"^predict_iter\(\) batch_size must be a positive int, not {message}$"
    ):
        predict_iter([SUMMARY], batch_size=batch_size)
    assert list(predict_iter([SUMMARY] * 3, batch_size=np.int64(2))) == ["summary"] * 3


# ----------------------------------------------------------------------- the model in use


def test_load_model_errors_name_the_file(tmp_path) -> None:
    missing = tmp_path / "missing.model"
    with pytest.raises(FileNotFoundError, match=r"^no model file at .*missing\.model$"):
        zongjie.load_model(missing)
    foreign = tmp_path / "foreign.model"
    foreign.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match=r"foreign\.model is not a readable zongjie model"):
        zongjie.load_model(foreign)


def test_load_model_switches_the_model_every_function_uses(tiny_model, tiny_model_path) -> None:
    loaded = zongjie.load_model(tiny_model_path)
    assert api._model is loaded and loaded is not tiny_model
    np.testing.assert_array_equal(predict_proba([SUMMARY]), tiny_model.paragraph_proba([SUMMARY]))


def test_the_default_model_path(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ZONGJIE_MODEL", str(tmp_path / "mine.model"))
    assert api.default_model_path() == tmp_path / "mine.model"
    monkeypatch.delenv("ZONGJIE_MODEL")
    assert api.default_model_path() == DEFAULT_MODEL  # a source checkout: models/


def test_the_default_model_loads_once_across_threads(monkeypatch, tiny_model_path) -> None:
    monkeypatch.setattr(api, "_model", None)
    loads = []
    real_load = persistence.load_model_file

    def counting_load(path):
        loads.append(path)
        return real_load(path)

    monkeypatch.setattr(persistence, "load_model_file", counting_load)
    paragraphs = [SUMMARY, PROBLEM, PLAN] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: predict(paragraphs), range(16)))
    assert loads == [tiny_model_path]  # ZONGJIE_MODEL, once
    assert all(result == results[0] for result in results)


def test_eight_threads_give_the_answers_one_thread_gives(seed_documents) -> None:
    documents = [list(d.paragraphs) for d in seed_documents]
    paragraphs = [p for d in documents for p in d]
    expected = (predict(paragraphs), [predict_document(d) for d in documents])
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda _: (predict(paragraphs), [predict_document(d) for d in documents]), range(16)
            )
        )
    assert all(result == expected for result in results)


def test_a_model_swapped_mid_call_never_mixes_two_models(tiny_model, tmp_path) -> None:
    # A second model that answers differently: the same model, its classifier's weights negated.
    flipped = replace(
        tiny_model,
        classifier=replace(tiny_model.classifier, coef=-tiny_model.classifier.coef),
    )
    paths = [tmp_path / "a.model", tmp_path / "b.model"]
    save_model(tiny_model, paths[0])
    save_model(flipped, paths[1])
    paragraphs = [SUMMARY, PROBLEM, PLAN] * 30
    answers = [m.paragraph_proba(paragraphs) for m in (tiny_model, flipped)]
    assert not np.allclose(*answers)
    stop = threading.Event()

    def swap() -> None:
        i = 0
        while not stop.is_set():
            zongjie.load_model(paths[i % 2])
            i += 1

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda _: predict_proba(paragraphs), range(40)))
    finally:
        stop.set()
        swapper.join()
    assert all(any(np.array_equal(r, a) for a in answers) for r in results)


def test_a_model_swapped_mid_document_never_mixes_two_models(
    tiny_model, tmp_path, seed_documents
) -> None:
    # predict_document runs the classifier, then the sequence model on its output: a call that
    # read the current model once for each would, during a swap, decode one model's
    # probabilities with the other's transitions. The second model differs in both parts.
    other = replace(
        tiny_model,
        classifier=replace(tiny_model.classifier, coef=-tiny_model.classifier.coef),
        sequence=replace(tiny_model.sequence, transitions=-tiny_model.sequence.transitions),
    )
    paths = [tmp_path / "a.model", tmp_path / "b.model"]
    save_model(tiny_model, paths[0])
    save_model(other, paths[1])
    documents = [list(d.paragraphs) for d in seed_documents[:4]]

    def answer(document: list[str]) -> tuple[list[str | None], np.ndarray, np.ndarray]:
        labels, proba = predict_document(document, return_proba=True)
        return labels, proba, predict_document_proba(document)

    expected = []
    for path in paths:
        zongjie.load_model(path)
        expected.append([answer(d) for d in documents])
    assert expected[0][0][0] != expected[1][0][0]  # the two models label differently

    def one_models_answer(got: tuple, index: int) -> bool:
        # Labels and probabilities of one call come from one model; the second call
        # (predict_document_proba) may see the other.
        labels, proba, _ = got
        return any(
            labels == e[index][0] and np.array_equal(proba, e[index][1]) for e in expected
        ) and any(np.array_equal(got[2], e[index][2]) for e in expected)

    stop = threading.Event()
    swaps = 0

    def swap() -> None:
        nonlocal swaps
        while not stop.is_set():
            zongjie.load_model(paths[swaps % 2])
            swaps += 1

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(lambda i: (i % 4, answer(documents[i % 4])), range(4 * 30)))
    finally:
        stop.set()
        swapper.join()
    assert swaps > 10  # the models did change under the calls
    torn = [i for i, got in results if not one_models_answer(got, i)]
    assert torn == []


NO_TRAINING_STACK = """
import sys
import zongjie
print(zongjie.predict(["上半年共完成培训120人次。", "下半年将进一步加强领导。"]))
print(zongjie.predict_document(["二、存在问题", "经费不足。"]))
print(zongjie.explain("下半年将进一步加强领导。"))
print(zongjie.explain_document(["二、存在问题", "经费不足。"])[1])
heavy = ("sklearn", "scipy", "sklearn_crfsuite", "pycrfsuite", "mlflow", "hydra", "omegaconf",
         "pandas", "joblib", "jieba")
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
"""


def _last_line_of_fresh_process(script: str, model_path: Path) -> str:
    """The last line `script` prints in a new Python process using the model at `model_path`."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"ZONGJIE_MODEL": str(model_path), "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.splitlines()[-1]


def test_a_predicting_process_never_imports_the_training_stack(tiny_model_path) -> None:
    assert _last_line_of_fresh_process(NO_TRAINING_STACK, tiny_model_path) == "[]"


COLD_START_IMPORTS = """
import sys
import zongjie
zongjie.predict(["上半年共完成培训120人次。", "下半年将进一步加强领导。"])
late = ("importlib.metadata", "importlib.resources", "tempfile", "logging",
        "concurrent.futures", "zongjie.explanation", "zongjie.render")
print(sorted(m for m in late if m in sys.modules))
"""


def test_a_first_predict_imports_only_what_it_needs(tiny_model_path) -> None:
    # What docs/performance.md says a cold start leaves out: each import is milliseconds of it.
    assert _last_line_of_fresh_process(COLD_START_IMPORTS, tiny_model_path) == "[]"
