"""What a paragraph's form says (Markdown, bullets, tables, numbering, headings, inline labels)
and which headings enclose each paragraph of a document."""

from __future__ import annotations

import pytest

from zongjie.lexicon import default_lexicon
from zongjie.structure import Shape, heading_core, is_heading, outline, shape

LEXICON = default_lexicon()


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # A personal report's Markdown part heading (issue 11: labelled summary by the old rules).
        ("## 五、2024 规划", Shape(2, False, False, "cn", True, False, False, "2024 规划", "")),
        (
            "- 完成了用户模块的重构",
            Shape(0, True, False, None, False, False, False, "完成了用户模块的重构", ""),
        ),
        (
            "| 模块 | 负责人 |",
            Shape(0, False, True, None, False, False, False, "| 模块 | 负责人 |", ""),
        ),
        ("（一）加强领导", Shape(0, False, False, "cn_paren", True, False, False, "加强领导", "")),
        ("二、存在问题", Shape(0, False, False, "cn", True, False, False, "存在问题", "")),
        (
            "第一部分 工作回顾",
            Shape(0, False, False, "chapter", True, False, False, "工作回顾", ""),
        ),
        (
            "1. 编写接口文档",
            Shape(0, False, False, "arabic", True, False, False, "编写接口文档", ""),
        ),
        (
            "一是培训形式单一。",
            Shape(0, False, False, "cn_is", False, True, False, "培训形式单一。", ""),
        ),
        ("存在问题:", Shape(0, False, False, None, True, False, True, "存在问题:", "")),
        ("**收获**", Shape(0, False, False, None, True, False, False, "收获", "")),
        (
            "上半年共完成培训120人次。",
            Shape(0, False, False, None, False, True, False, "上半年共完成培训120人次。", ""),
        ),
        # An inline label opening a paragraph of text.
        (
            "改进措施：加强学习，提高能力。",
            Shape(
                0,
                False,
                False,
                None,
                False,
                True,
                False,
                "改进措施：加强学习，提高能力。",
                "改进措施",
            ),
        ),
        (
            "**不足之处：**测试写得太少。",
            Shape(
                0, False, False, None, False, True, False, "不足之处：测试写得太少。", "不足之处"
            ),
        ),
    ],
)
def test_shape_of_a_paragraph(paragraph: str, expected: Shape) -> None:
    assert shape(paragraph, LEXICON) == expected
    assert is_heading(paragraph, LEXICON) is expected.heading
    assert heading_core(paragraph, LEXICON) == expected.core


def test_a_long_sentence_without_an_end_is_not_a_heading() -> None:
    line = "根据县委县政府的统一部署,结合我局实际,认真开展了作风建设年活动"
    assert not is_heading(line, LEXICON)
    assert is_heading("下步工作打算", LEXICON)


def _outline(paragraphs: list[str]) -> list[tuple[int, ...]]:
    return outline([shape(p, LEXICON) for p in paragraphs])


def test_outline_of_numbered_parts_and_items() -> None:
    paragraphs = [
        "一、主要成绩",  # 0
        "（一）教学",  # 1
        "1、课堂",  # 2
        "上课。",  # 3
        "（二）科研",  # 4: closes （一） and 1、
        "二、存在问题",  # 5: closes everything
        "问题一。",  # 6
    ]
    assert _outline(paragraphs) == [(), (0,), (0, 1), (0, 1, 2), (0,), (), (5,)]


def test_markdown_levels_enclose_and_close_by_level() -> None:
    paragraphs = [
        "# 2023 年终总结",
        "## 一、工作回顾",
        "### （一）项目",
        "完成了A。",
        "### （二）学习",
        "读了B。",
        "## 二、不足",
        "测试少。",
    ]
    assert _outline(paragraphs) == [(), (0,), (0, 1), (0, 1, 2), (0, 1), (0, 1, 4), (0,), (0, 6)]


def test_a_document_may_start_at_any_numbering_style() -> None:
    # Ranks follow the order a document first uses its styles, not a fixed order.
    paragraphs = ["（一）主要做法", "1、加强领导", "成立了小组。", "（二）存在问题", "经费不足。"]
    assert _outline(paragraphs) == [(), (0,), (0, 1), (), (3,)]
