"""render_html: one self-contained page, tinted by role, with a digest; input stays text."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

import zongjie
from zongjie.render import LabelledFile, render_html, render_page

PARAGRAPHS = [
    "教育局半年工作总结",
    "一、主要成绩",
    "上半年共完成培训120人次。",
    "二、存在问题",
    "培训形式单一,针对性不强。",
    "三、下步打算",
    "下半年将进一步加强领导。",
]
LABELS = [None, "summary", "summary", "problem", "problem", "plan", "plan"]
PROBA = [
    [0.5, 0.2, 0.3],
    [0.9, 0.05, 0.05],
    [0.8, 0.1, 0.1],
    [0.1, 0.85, 0.05],
    [0.2, 0.7, 0.1],
    [0.05, 0.05, 0.9],
    [0.1, 0.2, 0.7],
]


class _Page(HTMLParser):
    """Start tags with their attributes, and the text under each element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def _tags(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Page()
    parser.feed(page)
    return parser.tags


def _paragraphs(page: str) -> list[dict[str, str]]:
    return [attrs for _, attrs in _tags(page) if "para" in attrs.get("class", "").split()]


def test_exported_from_the_package_and_loaded_on_first_use() -> None:
    assert zongjie.render_html is render_html
    assert "render_html" in zongjie.__all__
    # `import zongjie` alone does not load the renderer (services only predict).
    check = "import sys, zongjie; assert 'zongjie.render' not in sys.modules"
    subprocess.run([sys.executable, "-c", check], check=True)


def test_each_paragraph_carries_its_role_and_headings_stay_headings() -> None:
    page = render_html(PARAGRAPHS, LABELS, PROBA, title="report")
    roles = [attrs["data-label"] for attrs in _paragraphs(page)]
    assert roles == ["none", "summary", "summary", "problem", "problem", "plan", "plan"]
    assert '<h3 class="text">二、存在问题</h3>' in page
    assert '<p class="text">培训形式单一,针对性不强。</p>' in page


def test_the_digest_counts_roles_and_gathers_problems_and_plans() -> None:
    page = render_html(PARAGRAPHS, LABELS, PROBA)
    counts = dict(re.findall(r'<td class="count" data-role="(\w+)">(\d+)</td>', page))
    assert counts == {"summary": "2", "problem": "2", "plan": "2"}
    assert "1 without a role (context)" in page
    problems = re.search(r'data-role="problem"><h3>.*?</div>', page).group(0)
    assert re.findall(r'href="#(f1-p\d+)"', problems) == ["f1-p3", "f1-p4"]
    plans = re.search(r'data-role="plan"><h3>.*?</div>', page).group(0)
    assert re.findall(r'href="#(f1-p\d+)"', plans) == ["f1-p5", "f1-p6"]


def test_probabilities_are_in_each_paragraph() -> None:
    page = render_html(PARAGRAPHS, LABELS, PROBA)
    assert "summary 0.20 · <b>problem 0.70</b> · plan 0.10</span>" in page
    assert "no role · summary 0.50 · problem 0.20 · plan 0.30</span>" in page


def test_explanations_show_on_click_when_given() -> None:
    explanations = [None] * 6 + ["将 → plan\n下半年 → plan"]
    page = render_html(PARAGRAPHS, LABELS, PROBA, explanations=explanations)
    assert page.count('<details class="why">') == 1
    assert "将 → plan\n下半年 → plan" in page
    assert '<details class="why">' not in render_html(PARAGRAPHS, LABELS, PROBA)


def test_document_explanations_fill_the_why(use_tiny_model) -> None:
    import html

    explanations = zongjie.explain_document(PARAGRAPHS)
    labels, proba = zongjie.predict_document(PARAGRAPHS, return_proba=True)
    page = render_html(PARAGRAPHS, labels, proba, explanations=explanations)
    assert page.count('<details class="why">') == len(PARAGRAPHS)
    whys = re.findall(r'<details class="why"><summary>why</summary><div>(.*?)</div>', page, re.S)
    assert [html.unescape(why) for why in whys] == [str(e) for e in explanations]
    assert whys[6].startswith("alone: plan (")
    assert "Click “why” under one for the reasons of its label." in page
    assert "Click “why”" not in render_html(PARAGRAPHS, labels, proba)


def test_everything_from_the_input_is_escaped() -> None:
    hostile = [
        "<script>window.pwned=1</script>",
        '<img src=x onerror="window.pwned=2">',
        "\"'><style>body{display:none}</style>",
    ]
    page = render_html(
        hostile,
        ["summary", "problem", "plan"],
        [[1, 0, 0]] * 3,
        explanations=["<b>x</b>", None, None],
        title="</title><script>1</script>",
    )
    tags = [tag for tag, _ in _tags(page)]
    assert "script" not in tags and "img" not in tags and tags.count("style") == 1
    assert all(not name.startswith("on") for _, attrs in _tags(page) for name in attrs)
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page


def test_self_contained() -> None:
    page = render_html(PARAGRAPHS, LABELS, PROBA)
    assert "default-src 'none'" in page  # the browser refuses any fetch, whatever the page holds
    assert not re.search(r"https?://|@import|@font-face|url\(|<link|<script", page)


def test_several_files_make_one_page_with_contents() -> None:
    files = [
        LabelledFile("a.txt", PARAGRAPHS, LABELS, PROBA),
        LabelledFile("b.txt", PARAGRAPHS[3:], LABELS[3:], PROBA[3:]),
    ]
    page = render_page(files, title="two reports")
    contents = re.search(r'<nav class="contents".*?</nav>', page).group(0)
    assert re.findall(r'<a href="#(f\d)">([^<]+)</a>', contents) == [
        ("f1", "a.txt"),
        ("f2", "b.txt"),
    ]
    assert "all 2 files" in contents
    assert '<section class="file" id="f2"><h2>b.txt</h2>' in page
    assert 'id="f2-p3"' in page


def test_reports_in_one_file_are_marked() -> None:
    labelled = LabelledFile("a.txt", PARAGRAPHS * 2, LABELS * 2, PROBA * 2, starts=[0, 7])
    page = render_page([labelled])
    assert page.count('class="report-start"') == 2
    assert '<span class="where">report 2</span>' in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"labels": LABELS[:-1]}, "7 paragraphs but 6 labels"),
        ({"proba": PROBA[:-1]}, "7 paragraphs but 6 probability rows"),
        ({"labels": [*LABELS[:-1], "todo"]}, "label 6 is 'todo', not one of summary"),
        ({"proba": [*PROBA[:-1], [1.0]]}, "probability row 6 has 1 values, not 3"),
        ({"explanations": ["x"]}, "7 paragraphs but 1 explanations"),
    ],
)
def test_mismatched_input_is_named(change: dict, message: str) -> None:
    arguments = {"labels": LABELS, "proba": PROBA, **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        render_html(PARAGRAPHS, **arguments)


def test_a_paragraph_that_is_not_text_is_named() -> None:
    with pytest.raises(TypeError, match="paragraph 1 is int, not str"):
        render_html(["a", 1], ["plan", "plan"], [[0, 0, 1]] * 2)
