"""The API other services import: its contract, labels on real snippets, and bad input."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import zongjie
from zongjie import (
    LABELS,
    api,
    predict,
    predict_document,
    predict_document_proba,
    predict_iter,
    predict_proba,
    segment,
)

# Real paragraphs: seed 002 (lines 3, 70, 118) and the 2016 government work report.
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
GWR_PLAN = "今后五年，要在已经确定的全面建成小康社会目标要求的基础上，努力实现以下目标。"


def test_public_names_are_exactly_the_api() -> None:
    assert LABELS == ("summary", "problem", "plan")
    assert set(zongjie.__all__) == {
        "LABELS",
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
    assert predict([SUMMARY, PROBLEM, PLAN, GWR_PLAN]) == ["summary", "problem", "plan", "plan"]


def test_a_heading_that_names_its_part_labels_itself() -> None:
    # The first three are seed 002's; out of fold, the classifier alone read the first two as
    # summary and plan.
    headings = ["二、存在问题", "存在问题:", "二、2024年工会工作要点", "一、基本情况"]
    assert predict(headings) == ["problem", "problem", "plan", "summary"]
    assert list(predict_proba(headings).argmax(axis=1)) == [1, 1, 2, 0]
    assert list(predict_iter(headings)) == predict(headings)


def test_one_str_in_one_label_out() -> None:
    assert predict(PLAN) == "plan"


def test_empty_in_empty_out() -> None:
    assert predict([]) == []
    assert predict_proba([]).shape == (0, 3)
    assert predict_document([]) == []
    assert predict_document_proba([]).shape == (0, 3)


def test_probabilities_are_in_label_order_and_sum_to_one() -> None:
    proba = predict_proba([SUMMARY, PROBLEM, PLAN])
    assert proba.shape == (3, 3)
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert list(proba.argmax(axis=1)) == [0, 1, 2]
    assert predict_proba(PLAN).shape == (1, 3)


def test_numpy_arrays_and_tuples_are_sequences() -> None:
    assert predict(np.array([SUMMARY, PLAN])) == ["summary", "plan"]
    assert predict((SUMMARY,)) == ["summary"]


def test_predict_document_uses_headings(seed_002: str) -> None:
    paragraphs = ["二、存在问题", "学校布局调整的任务仍然很重。", "三、下步打算", "加强培训。"]
    assert predict_document(paragraphs) == ["problem", "problem", "plan", "plan"]


def test_whole_document_path(seed_002: str) -> None:
    paragraphs = segment(seed_002)
    labels = predict_document(paragraphs)
    assert len(labels) == len(paragraphs) and set(labels) <= set(LABELS)
    assert labels[paragraphs.index("二、存在问题")] == "problem"
    assert labels[paragraphs.index("三、下步打算")] == "plan"


@pytest.mark.parametrize(
    "function", [predict, predict_proba, predict_document, predict_document_proba]
)
def test_element_of_wrong_type_names_its_index_and_type(function) -> None:
    with pytest.raises(TypeError, match=r"^paragraph 1 is NoneType, not str$"):
        function([SUMMARY, None])
    with pytest.raises(TypeError, match=r"^paragraph 0 is int, not str$"):
        function([3])
    with pytest.raises(TypeError, match=r"^paragraph 2 is bytes, not str$"):
        function([SUMMARY, PLAN, b"x"])


@pytest.mark.parametrize(
    "function", [predict, predict_proba, predict_document, predict_document_proba]
)
def test_blank_element_names_its_index(function) -> None:
    with pytest.raises(ValueError, match=r"^paragraph 1 is blank$"):
        function([SUMMARY, "  \u3000\n"])
    with pytest.raises(ValueError, match=r"^paragraph 0 is blank$"):
        function([""])


@pytest.mark.parametrize("bad", [None, 3, 2.5, b"bytes", {"a": "b"}, {SUMMARY}])
@pytest.mark.parametrize(
    "function", [predict, predict_proba, predict_document, predict_document_proba]
)
def test_argument_of_wrong_type(function, bad) -> None:
    with pytest.raises(TypeError, match=r"takes a str or a sequence of str, not"):
        function(bad)


def test_blank_single_str() -> None:
    with pytest.raises(ValueError, match=r"^paragraph 0 is blank$"):
        predict("   ")


@pytest.mark.parametrize("function", [predict_document, predict_document_proba])
def test_document_functions_refuse_raw_text(function) -> None:
    with pytest.raises(TypeError, match=r"use zongjie\.segment"):
        function(SUMMARY)


@pytest.mark.parametrize(
    "text",
    ["The county finished all its targets.", "😀🎉", "。。。!!!", "1234", "中国" * 100_000],
    ids=["english", "emoji", "punctuation", "digits", "200k-chars"],
)
def test_any_other_text_gets_a_label(text: str) -> None:
    assert predict(text) in LABELS
    assert predict_document([text, text]) and set(predict_document([text])) <= set(LABELS)


def test_default_model_loads_once_across_threads(monkeypatch) -> None:
    monkeypatch.setattr(api, "_model", None)
    loads = []
    real_load = api._load_default

    def counting_load():
        loads.append(threading.get_ident())
        return real_load()

    monkeypatch.setattr(api, "_load_default", counting_load)
    paragraphs = [SUMMARY, PROBLEM, PLAN] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: predict(paragraphs), range(16)))
    assert len(loads) == 1
    assert all(result == results[0] for result in results)


def test_load_model_errors_name_the_file(tmp_path) -> None:
    missing = tmp_path / "missing.skops"
    with pytest.raises(FileNotFoundError, match=r"missing\.skops"):
        zongjie.load_model(missing)
    foreign = tmp_path / "foreign.skops"
    foreign.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match=r"foreign\.skops is not a readable zongjie model"):
        zongjie.load_model(foreign)


def test_predict_iter_streams_in_order() -> None:
    paragraphs = [SUMMARY, PROBLEM, PLAN] * 7
    stream = predict_iter(iter(paragraphs), batch_size=4)
    assert next(stream) == "summary"  # a label is out before the stream is consumed
    assert [predict(SUMMARY), *stream] == predict(paragraphs)
    assert list(predict_iter([])) == []


def test_predict_iter_names_bad_elements_by_stream_index() -> None:
    with pytest.raises(TypeError, match=r"^paragraph 5 is NoneType, not str$"):
        list(predict_iter([SUMMARY] * 5 + [None], batch_size=2))
    with pytest.raises(TypeError, match=r"predict_iter\(\) takes an iterable of str, not str"):
        predict_iter(SUMMARY)


def test_eight_threads_give_the_labels_one_thread_gives() -> None:
    paragraphs = [SUMMARY, PROBLEM, PLAN, GWR_PLAN] * 50
    expected = predict(paragraphs)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: predict(paragraphs), range(32)))
    assert all(result == expected for result in results)
