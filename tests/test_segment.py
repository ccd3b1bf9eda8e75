"""Raw text → paragraphs: normalisation, chrome and page numbers, page-break joins, documents."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from zongjie.segment import (
    DROP_REASONS,
    MAX_LINE,
    decode,
    document_starts,
    is_heading,
    iter_documents,
    iter_paragraphs,
    iter_text,
    segment,
    segment_with_drops,
    split_documents,
)

from conftest import ROOT

REVIEW = "一、坚持以满足群众教育需求为目标,高水平、高质量地普及农村义务教育"
BODY = "⒈大力改善办学条件。一是加大“六有”工程和“校校通”工程的建设力度,全县上半年投入资金多万元。"


def test_each_line_is_a_paragraph_in_reading_order(seed_002: str) -> None:
    paragraphs = segment(seed_002)
    assert paragraphs[0].startswith("近几年来,镇党委、政府")
    assert paragraphs[1] == "一、 基本情况"
    assert paragraphs[-1].startswith("2、持续推进校园文化建设")
    assert len(paragraphs) == 208  # 216 lines less 8 lines of `59位用户关注` chrome


def test_bom_crlf_and_odd_spaces_are_normalised() -> None:
    text = "\ufeff\u3000\u3000同志们:\r\n\r\n\r\n\r\n\u00a0今年以来,我们完成了任务。\u3000\r\n"
    assert segment(text) == ["同志们:", "今年以来,我们完成了任务。"]


def test_blank_line_runs_separate_paragraphs_once() -> None:
    assert segment("第一段完成了。\n\n\n\n\n第二段也完成了。\n") == [
        "第一段完成了。",
        "第二段也完成了。",
    ]


def test_cr_only_line_ends() -> None:
    assert segment("甲完成了。\r乙完成了。") == ["甲完成了。", "乙完成了。"]


@pytest.mark.parametrize(
    "chrome",
    [
        "59位用户关注",
        "浏览次数:1024",
        "相关推荐",
        "扫一扫 分享到微信",
        "首页 > 范文大全 > 工作总结",
        "当前位置:首页>>工作总结",
        "【字体:大 中 小】 【打印】 【关闭】",
        "下载本文 | 打印本页",
        "上一篇:2023年工作总结",
        "12",
        "- 3 -",
        "第 4 页 共 9 页",
        "3/9",
    ],
)
def test_chrome_and_page_numbers_are_dropped(chrome: str) -> None:
    assert segment(f"今年完成了任务。\n{chrome}\n明年继续努力。") == [
        "今年完成了任务。",
        "明年继续努力。",
    ]


def test_a_long_paragraph_mentioning_a_chrome_word_is_kept() -> None:
    paragraph = (
        "我们在各校门口张贴二维码,家长扫一扫即可反馈意见,全年共收到意见建议三百余条,已全部办结。"
    )
    assert segment(paragraph) == [paragraph]


def test_spliced_watermarks_are_cut_out(seed_001: str, seed_002: str) -> None:
    assert not any("公务员之家" in p for p in segment(seed_001))
    assert not any("范文top100" in p for p in segment(seed_002))
    assert any(p.startswith("3、积极推行“三转二”改革") for p in segment(seed_002))


def test_page_break_joins_a_cut_paragraph(seed_001: str) -> None:
    whole = segment(seed_001)[7]
    assert whole.startswith("⒉加强农村学校师资队伍建设") and whole.endswith("。")
    cut = whole.index("教学质量") + 4
    text = f"{REVIEW}\n\n{whole[:cut]}\n\n- 7 -\n\n{whole[cut:]}\n\n三、下步打算"
    assert segment(text) == [REVIEW, whole, "三、下步打算"]


def test_page_break_join_across_chrome_and_bare_page_number() -> None:
    text = "今年以来,全县共新建校舍三处,改造危房\n12\n59位用户关注\n两千平方米,全部投入使用。\n"
    assert segment(text) == ["今年以来,全县共新建校舍三处,改造危房两千平方米,全部投入使用。"]


def test_headings_titles_and_complete_lines_are_not_joined() -> None:
    title = "教育局半年工作总结会议发言\n\n时间:2022-09-10 09:52:00"
    text = f"{title}\n\n{REVIEW}\n{BODY}\n存在问题:\n1、发展不平衡。"
    assert segment(text) == [
        "教育局半年工作总结会议发言",
        "时间:2022-09-10 09:52:00",
        REVIEW,
        BODY,
        "存在问题:",
        "1、发展不平衡。",
    ]


def test_latin_words_cut_at_a_break_keep_their_space() -> None:
    assert segment("The report was written for the\n\n2\n\ncounty bureau.") == [
        "The report was written for the county bureau."
    ]


def test_heading_detection() -> None:
    assert is_heading(REVIEW)
    assert is_heading("二、存在问题")
    assert is_heading("存在问题:")
    assert not is_heading(BODY)
    assert not is_heading("具体做法是:我们首先召开了动员大会,然后逐校检查落实情况:")


def test_seed_002_splits_into_its_reports(seed_002: str) -> None:
    paragraphs = segment(seed_002)
    # Found by reading the file: each report's first line (1-based line numbers of the file).
    assert [i + 1 for i in document_starts(paragraphs)] == [
        1,
        14,
        52,
        71,
        90,
        101,
        121,
        137,
        177,
        184,
    ]
    documents = split_documents(paragraphs)
    assert sum(map(len, documents)) == len(paragraphs)
    assert documents[1][0] == "一、 全乡基本概况"  # a report that starts with no framing paragraph
    assert documents[2][0].startswith("2024年,我们镇江教育局")
    assert documents[6][0].startswith("时间过得真快")


def test_a_single_report_is_one_document(seed_001: str) -> None:
    assert len(split_documents(segment(seed_001))) == 1


def test_segment_rejects_non_text() -> None:
    with pytest.raises(TypeError, match=r"segment\(\) takes a str or bytes, not int"):
        segment(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "gb18030", "gbk"])
def test_every_usual_encoding_gives_the_same_paragraphs(seed_002: str, encoding: str) -> None:
    text = seed_002.replace("\u2022", "")  # GBK has no bullet; the seeds have none anyway
    assert segment(text.encode(encoding)) == segment(text)
    assert decode(text.encode(encoding)) == text


def test_utf8_seeds_are_not_mistaken_for_gb18030(seed_001: str, seed_002: str) -> None:
    for text in (seed_001, seed_002):
        assert decode(text.encode("utf-8")) == text


def test_undecodable_bytes_name_the_file_and_offset() -> None:
    data = "今年完成了任务。".encode() + b"\xff\xfe\xfd\x80" + "明年".encode()
    with pytest.raises(ValueError, match=r"^report\.txt: neither UTF-8 nor GB18030: .* offset 24"):
        decode(data, "report.txt")


def test_streaming_gives_what_the_whole_text_gives(seed_002: str, tmp_path) -> None:
    path = tmp_path / "seed.txt"
    path.write_text(seed_002.replace("\n", "\r\n"), encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as lines:
        streamed = list(iter_paragraphs(lines))
    assert streamed == segment(seed_002)
    assert list(iter_documents(iter(streamed))) == split_documents(streamed)


@pytest.mark.parametrize("chunk_size", [7, 100, 1001])
def test_chunks_that_cut_lines_anywhere_give_the_same_paragraphs(
    seed_001: str, chunk_size: int
) -> None:
    text = seed_001.replace("\n", "\r\n")  # a CRLF cut between its \r and \n, too
    data = io.BytesIO(text.encode("utf-8"))
    streamed = list(iter_paragraphs(iter_text(data, "seed", chunk_size=chunk_size)))
    assert streamed == segment(seed_001)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_streamed_bytes_decode_across_chunk_boundaries(seed_002: str, encoding: str) -> None:
    data = io.BytesIO(seed_002.encode(encoding))
    assert "".join(iter_text(data, "seed", chunk_size=1001)) == seed_002


def test_streamed_undecodable_bytes_name_the_offset_as_decode_does() -> None:
    sentence = "今年完成了任务。".encode()
    for data, message in [
        (
            sentence * 100 + b"\xff\xfe\xfd" + "明年".encode(),
            r"^f\.txt: neither UTF-8 nor GB18030: undecodable byte 0xff at offset 2400 ",
        ),
        # Past the bytes the encoding is judged on: UTF-8, until this byte.
        (
            sentence * 10_000 + b"\xff",
            r"^f\.txt: not UTF-8: undecodable byte 0xff at offset 240000$",
        ),
    ]:
        with pytest.raises(ValueError, match=message) as streamed:
            "".join(iter_text(io.BytesIO(data), "f.txt", chunk_size=999))
        with pytest.raises(ValueError) as whole:
            decode(data, "f.txt")
        assert str(streamed.value) == str(whole.value)


def test_long_runs_without_boundaries_are_cut_into_bounded_pieces() -> None:
    paragraphs = [f"第{i}段完成了。" for i in range(12)]
    pieces = list(iter_documents(paragraphs, max_paragraphs=5))
    assert [len(p) for p in pieces] == [5, 5, 2]
    assert [p for piece in pieces for p in piece] == paragraphs


# Real snippets of the gold corpora (../shared/corpora, work-reports-2007-2024 and
# gwr-local-2015-2024), a few lines each, with what their gold files keep.

MARKDOWN_REPORT = """---
title: 计算机协会07-08年度上半学期工作总结及下半学期工作开展计划
tags:
- 计算机协会
- 总结
date: 2007-11-01
---

# 工作总结

通过计算机协会所有成员的努力，使计算机协会上半学期的工作开展的十分顺利及成功。我们的工作情况简表如下：

| **活动时间**       | **活动主题**       | **结果及成果**     |
|--------------------|--------------------|--------------------|
| **十月十一日**     | 招新               | 成功招收会员70多个，并让全校各个地 |
|                    |                    | 方的同学都感受到计算机协会的气息。 |
|--------------------|--------------------|--------------------|
| **十月十八日**     | 电脑维护讲座       | 150人的教室无一空位。 |

上半学期中，陆陆续续进行过一些人事变动，最终情况如下：
------------------------------------------------------

```
      会长：梁爽
    副会长：XXX
```

* 电脑技术：XXX
* 编程技术：XXX

![技术](https://gimg2.baidu.com/image_search/src=http%3A%2F%2Fnimg.ws.126.net%2F%3Furl%3D)

## 2.工作上的不足
+ ### 团队协调方面还是差了一点，有时候信息传达不准确或者不够快。这个还是需要多沟通
+ ### 处理问题思路简单，不够成熟。这个有待提高自己的工作水平
  - #### 转述分享给别人，这个可以和别人分享自己的知识点之外，还可以让一些大佬指导一些技术

工作计划
========
"""


def test_a_markdown_report_keeps_its_text_and_markers_and_drops_the_rest() -> None:
    assert segment(MARKDOWN_REPORT) == [
        "title: 计算机协会07-08年度上半学期工作总结及下半学期工作开展计划",
        "# 工作总结",
        "通过计算机协会所有成员的努力，使计算机协会上半学期的工作开展的十分顺利及成功。"
        "我们的工作情况简表如下：",
        "| **活动时间** | **活动主题** | **结果及成果** |",
        "| **十月十一日** | 招新 | 成功招收会员70多个，并让全校各个地 |"
        "| | | 方的同学都感受到计算机协会的气息。 |",
        "| **十月十八日** | 电脑维护讲座 | 150人的教室无一空位。 |",
        "上半学期中，陆陆续续进行过一些人事变动，最终情况如下：",
        "* 电脑技术：XXX",
        "* 编程技术：XXX",
        "## 2.工作上的不足",
        "+ ### 团队协调方面还是差了一点，有时候信息传达不准确或者不够快。这个还是需要多沟通",
        "+ ### 处理问题思路简单，不够成熟。这个有待提高自己的工作水平",
        "- #### 转述分享给别人，这个可以和别人分享自己的知识点之外，还可以让一些大佬指导一些技术",
        "工作计划",
    ]


def test_a_plus_bordered_grid_table_gives_one_paragraph_per_row() -> None:
    table = (
        "+------------+----------------------+\n"
        "| 十月十一日 | 成功招收会员70多个， |\n"
        "|            | 并让全校同学都感受到 |\n"
        "+============+======================+\n"
        "| 十月十八日 | 教室无一空位。       |\n"
        "+------------+----------------------+\n"
    )
    assert [p.replace(" ", "") for p in segment(table)] == [
        "|十月十一日|成功招收会员70多个，|||并让全校同学都感受到|",
        "|十月十八日|教室无一空位。|",
    ]


def test_pipe_table_rows_without_outer_pipes_and_their_border() -> None:
    text = (
        "整理这一年完成的工作内容，主要包括28项需求及32个bugs，详细内容如下：\n\n"
        "|需求 （28项）|Bug（32个）|\n--|--\n"
        "oto8窗口记忆功能|oto8：最大化窗口后再以桌面模式重启，窗口会没有标题栏；\n"
        "--|bug：aosp9 StartupMenu点击uninstall应用时无反应。\n"
    )
    assert segment(text)[1:] == [
        "|需求 （28项）|Bug（32个）|",
        "oto8窗口记忆功能|oto8：最大化窗口后再以桌面模式重启，窗口会没有标题栏；",
        "--|bug：aosp9 StartupMenu点击uninstall应用时无反应。",
    ]


def test_html_headings_stay_and_comments_and_bare_tags_go() -> None:
    text = (
        "<h2><center>年终总结</h2>\n<h6 align='right'>王燃鹏</h6>\n<!-- 草稿\n不要 -->\n<br>\n"
        "###一、关于今年\n   来公司半年多时间，在这半年多时间学到了很多东西。\n"
    )
    assert segment(text) == [
        "<h2><center>年终总结</h2>",
        "<h6 align='right'>王燃鹏</h6>",
        "###一、关于今年",
        "来公司半年多时间，在这半年多时间学到了很多东西。",
    ]


def test_bullets_and_numbered_items_are_paragraphs_item_by_item() -> None:
    text = (
        "中台：\n需求一、更新《个人征信授权书》的申请需求\n需求二、生成合同支持合同生成背景需求\n"
        "前端中心：\n"
        " - 时间段：2020年01、02、06、07、12\n - 参与类型：主要开发\n"
        "        1，奥运数据源：发送xml源数据\n        2，php后台  ：转换xml数据为原始json数据\n"
    )
    assert segment(text) == [
        "中台：",
        "需求一、更新《个人征信授权书》的申请需求",
        "需求二、生成合同支持合同生成背景需求",
        "前端中心：",
        "- 时间段：2020年01、02、06、07、12",
        "- 参与类型：主要开发",
        "1，奥运数据源：发送xml源数据",
        "2，php后台 ：转换xml数据为原始json数据",
    ]


# 上海 2020 and 2022: a whole report on one line, paragraphs separated by " 　　" in one year
# and by two spaces in the other; 2024 carries a newspaper's page jump.
SHANGHAI_2020 = (
    "上海市市长　应勇 各位代表： 　　现在，我代表上海市人民政府，向大会报告工作，请予审议。"
    "请各位政协委员和其他列席人员提出意见。 　　一、2019年工作回顾 　　过去一年，在以习近平同志"
    "为核心的党中央坚强领导下，完成了市十五届人大二次会议确定的主要目标任务。 　　一年来，我们主要"
    "做了以下工作。 　　（一）全力实施“三大任务、一大平台”，实现改革开放新作为 　　上海自贸试验区"
    "临港新片区正式设立。落实国务院批准的总体方案，出台管理办法，完善体制机制。 "
)
SHANGHAI_2022 = (
    "上海市市长　龚 正  各位代表：    现在，我代表上海市人民政府，向大会报告工作，请予审议。"
    "请各位政协委员和其他列席人员提出意见。    一、2021年工作回顾    过去一年，面对百年变局和世纪"
    "疫情，PM 2.5年均浓度为27微克/立方米。    我们主要做了以下工作。    （一）全力以赴抗击疫情，"
    "坚决守住城市安全底线    坚持人民至上、生命至上，全力保障人民群众生命安全和身体健康，"
    "慎终如始抓好常态化疫情防控。  "
)
SHANGHAI_2024 = (
    "各位代表： 现在，我代表上海市人民政府，向大会报告工作，请予审议。 一、2023年工作回顾 "
    "过去一年，我们坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的二十大精神，完整、准确、全面"
    "贯彻新发展理念。 发布新一批“上海标准”和“上海品牌”。"
    " 下转7版 （上接第4版） （三）进一步推进高水平改革开放，增强发展动力和竞争力。"
    "坚持系统集成、协同高效，全方位大力度推进首创性改革、引领性开放。 （来源：解放日报）"
)


def test_a_report_flattened_onto_one_line_is_split_at_its_paragraph_breaks() -> None:
    assert segment(SHANGHAI_2020) == [
        "上海市市长 应勇",
        "各位代表：",
        "现在，我代表上海市人民政府，向大会报告工作，请予审议。请各位政协委员和其他列席人员提出意见。",
        "一、2019年工作回顾",
        "过去一年，在以习近平同志为核心的党中央坚强领导下，完成了市十五届人大二次会议确定的主要目标任务。",
        "一年来，我们主要做了以下工作。",
        "（一）全力实施“三大任务、一大平台”，实现改革开放新作为",
        "上海自贸试验区临港新片区正式设立。落实国务院批准的总体方案，出台管理办法，完善体制机制。",
    ]
    assert segment(SHANGHAI_2022)[:4] == [
        "上海市市长 龚 正",  # a letter-spaced name is not split
        "各位代表：",
        "现在，我代表上海市人民政府，向大会报告工作，请予审议。请各位政协委员和其他列席人员提出意见。",
        "一、2021年工作回顾",
    ]
    assert "疫情，PM 2.5年均浓度为27微克/立方米。" in segment(SHANGHAI_2022)[4]


def test_page_jumps_and_the_source_credit_of_a_flattened_report_are_dropped() -> None:
    assert segment(SHANGHAI_2024) == [
        "各位代表：",
        "现在，我代表上海市人民政府，向大会报告工作，请予审议。",
        "一、2023年工作回顾",
        "过去一年，我们坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的二十大精神，"
        "完整、准确、全面贯彻新发展理念。",
        "发布新一批“上海标准”和“上海品牌”。",
        "（三）进一步推进高水平改革开放，增强发展动力和竞争力。坚持系统集成、协同高效，"
        "全方位大力度推进首创性改革、引领性开放。",
    ]


def test_tab_runs_separate_items_on_one_line() -> None:
    text = (
        "\t1、STDO相应模块开发：完成检查报告书和TMF文书管理的开发。\t\t\t\t2、列表可拖拽列宽变更："
        "完成列表画面的可调整列宽功能。\t\t\t\n二、收获与心得\t\t\t\t\t\t1、技术学习：主要学习了Java"
        "编程语言和Vue框架。\n三、\t今后的工作：\n"
    )
    assert segment(text) == [
        "1、STDO相应模块开发：完成检查报告书和TMF文书管理的开发。",
        "2、列表可拖拽列宽变更：完成列表画面的可调整列宽功能。",
        "二、收获与心得",
        "1、技术学习：主要学习了Java编程语言和Vue框架。",
        "三、 今后的工作：",  # a tab after the enumerator is not a break
    ]


def test_a_heading_glued_to_the_end_of_the_line_before_is_split_off() -> None:
    text = (
        "在整个开发过程中，我体会到了年轻狼性团队的韧劲，但同样也看到了自身业务、经验的不足。二、不足之处：\n"
        "这四个多月的时间里，导致对中台系统和前端中心业务不够熟悉。\n"
    )
    assert segment(text) == [
        "在整个开发过程中，我体会到了年轻狼性团队的韧劲，但同样也看到了自身业务、经验的不足。",
        "二、不足之处：",
        "这四个多月的时间里，导致对中台系统和前端中心业务不够熟悉。",
    ]
    # A sentence that goes on after an inline enumeration is not a heading.
    inline = "主要原因有两点。一、投入不足，二、人员短缺。"
    assert segment(inline) == [inline]


def test_scraper_header_lines_and_figure_placeholders() -> None:
    text = (
        "标题：高阳县2015年政府工作报告\n发文时间：2015-04-28\n"
        "来源URL：https://gaoyang.gov.cn/info_show.asp?infoid=1941\n\n正文：\n\n"
        "各位代表：\n高斯功率谱的实现\n\n图1\n"
        "同样的检验标准可以用2，3阶上，3阶的情况下，理论大概为53.82139，将\n图6\n"
        "2，3阶的情况下，该值和1阶有相同的规律，都是逐渐靠近理论值。\n"
        "本文使用「署名 4.0 国际 (CC BY 4.0)」许可协议，"
        "欢迎转载、或重新修改使用，但需要注明来源。\n"
        "阅读时间: 5分钟阅读\n--EOF\n"
    )
    assert segment(text) == [
        "标题：高阳县2015年政府工作报告",
        "发文时间：2015-04-28",
        "各位代表：",
        "高斯功率谱的实现",
        "同样的检验标准可以用2，3阶上，3阶的情况下，理论大概为53.82139，将",
        "2，3阶的情况下，该值和1阶有相同的规律，都是逐渐靠近理论值。",
    ]


def test_indentation_marks_items_and_their_hanging_lines() -> None:
    text = (
        "总得方面:\n"
        "    心态上的升华，遇事也不再慌张，就是一件件小事了\n"
        "    个人能力，工作中，项目把控力越来越顺，\n"
        "            个人最大的体现，这里我还蛮感谢部门内部旧带新的机制，\n"
        "            所以后面自己在跨部门合作中沟通顺畅多多\n"
        "    \n"
        "需要进步的地方也有很多\n"
        "    提高自己的设计上的审美观，这样设计稿还原度更高，\n"
        "    应该尽可能的多站在其他人的角度看待问题\n"
    )
    assert segment(text) == [
        "总得方面:",
        "心态上的升华，遇事也不再慌张，就是一件件小事了",
        "个人能力，工作中，项目把控力越来越顺，个人最大的体现，这里我还蛮感谢部门内部旧带新的机制，"
        "所以后面自己在跨部门合作中沟通顺畅多多",
        "需要进步的地方也有很多",
        "提高自己的设计上的审美观，这样设计稿还原度更高，",
        "应该尽可能的多站在其他人的角度看待问题",
    ]


def test_a_blank_line_ends_a_paragraph_unless_it_stops_at_a_comma() -> None:
    text = (
        "热爱自己的本职工作，能够认真的对待每一项工作，尽最大的力量去把工作\n"
        "完成到最优。\n\n"
        "这个是15年的项目，之后都在改bug\n\n第二个是印象深刻的是e3c的第一版\n\n"
        "我们只有把客户服务各项工作合起来,全员服务，营造良好的服务氛围，\n\n"
        "国寿服务需要我们每一个客户服务人员去全面诠释。\n"
    )
    assert segment(text) == [
        "热爱自己的本职工作，能够认真的对待每一项工作，尽最大的力量去把工作完成到最优。",
        "这个是15年的项目，之后都在改bug",
        "第二个是印象深刻的是e3c的第一版",
        "我们只有把客户服务各项工作合起来,全员服务，营造良好的服务氛围，"
        "国寿服务需要我们每一个客户服务人员去全面诠释。",
    ]


def test_text_set_one_character_a_line_is_one_paragraph() -> None:
    assert segment("\n\n调\n薪\n申\n请\n汇\n告\n\n\n尊敬的领导：\n") == [
        "调薪申请汇告",
        "尊敬的领导：",
    ]


def test_an_unclosed_fence_or_front_matter_is_read_as_text() -> None:
    assert segment("```\n今年完成了任务。\n明年继续努力。") == [
        "今年完成了任务。",
        "明年继续努力。",
    ]
    assert segment("---\n今年完成了任务，\n明年继续努力。") == ["今年完成了任务，明年继续努力。"]


def _segment_check():
    """scripts/segment_check.py, imported from its path."""
    spec = importlib.util.spec_from_file_location(
        "segment_check", ROOT / "scripts" / "segment_check.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# The share of gold paragraphs reproduced exactly when this test was written, rounded down:
# segment may get better, not worse.
GOLD_SHARE_FLOOR = 0.98


@pytest.mark.slow
def test_segment_reproduces_the_gold_paragraphs_of_the_corpora() -> None:
    checker = _segment_check()
    corpora = checker.default_corpora()
    missing = [f for f in checker.GOLD_FOLDERS if not (corpora / f / "gold").is_dir()]
    if missing:
        pytest.skip(
            f"gold corpora not found under {corpora} ({', '.join(missing)}); "
            "set ZONGJIE_CORPORA to run this check"
        )
    results = checker.check(corpora)
    assert checker.share(results) >= GOLD_SHARE_FLOOR, [
        (r.doc, r.reproduced, r.total) for r in results if r.reproduced < r.total
    ]


@pytest.mark.parametrize(
    "separator", ["\f", "\v", "\u2028", "\u2029", "\x85", "\x1c", "\x1d", "\x1e", "\r\n", "\r"]
)
def test_every_line_separator_ends_a_line(separator: str) -> None:
    text = separator.join(["一、基本情况", "今年完成了任务。", "二、存在问题", "发展不平衡。"])
    assert segment(text) == ["一、基本情况", "今年完成了任务。", "二、存在问题", "发展不平衡。"]
    chunks = iter_text(io.BytesIO(text.encode("utf-8")), "f", chunk_size=5)
    assert list(iter_paragraphs(chunks)) == segment(text)


def test_a_form_feed_is_a_page_break_that_a_cut_sentence_continues_across() -> None:
    text = "今年以来,全县共新建校舍三处,改造危房\n\n\f\n两千平方米,全部投入使用。\f二、存在问题"
    assert segment(text) == [
        "今年以来,全县共新建校舍三处,改造危房两千平方米,全部投入使用。",
        "二、存在问题",
    ]


def test_a_crlf_cut_by_a_chunk_boundary_is_one_line_end() -> None:
    # A stray blank line between the \r and the \n would end the cut paragraph.
    text = "今年以来,全县共新建校舍三处,改造危房\r\n两千平方米,全部投入使用。"
    cut = text.index("\n")
    assert (
        list(iter_paragraphs([text[:cut], text[cut:]]))
        == segment(text)
        == ["今年以来,全县共新建校舍三处,改造危房两千平方米,全部投入使用。"]
    )


def test_joining_many_cut_lines_takes_linear_time() -> None:
    # Each line ends mid-sentence, so every one is joined to the paragraph before it: done
    # by re-reading the paragraph each time, 20,000 lines took 24 s.
    text = "上半年，完成了\n" * 20_000
    start = time.process_time()  # this process's time, whatever else runs on the machine
    paragraphs = segment(text)
    elapsed = time.process_time() - start
    assert "".join(paragraphs) == text.replace("\n", "")
    assert elapsed < 1.0, f"{elapsed:.1f} s for 20,000 cut lines"


def _chunks_counted(chunk: str, count: int, consumed: list[int]) -> Iterator[str]:
    for number in range(count):
        consumed[0] = number + 1
        yield chunk


@pytest.mark.parametrize(
    "sentence",
    ["今年完成了各项任务。", "上半年，完成了"],  # sentence ends to split at, and none at all
)
def test_a_line_without_end_is_read_in_bounded_pieces(sentence: str) -> None:
    # 24 chunks of 100,000 characters with no line end: paragraphs come out before the
    # input ends, none longer than segment's line bound, and nothing is lost.
    chunk = sentence * (100_000 // len(sentence))
    consumed = [0]
    paragraphs = iter_paragraphs(_chunks_counted(chunk, 24, consumed))
    first = next(paragraphs)
    assert consumed[0] <= 2
    rest = list(paragraphs)
    assert max(len(p) for p in [first, *rest]) <= MAX_LINE
    assert sum(map(len, [first, *rest])) == len(chunk) * 24
    if sentence.endswith("。"):
        assert all(p.endswith("。") for p in [first, *rest])  # split at sentence ends


def test_documents_of_long_paragraphs_are_cut_into_bounded_pieces() -> None:
    paragraphs = ["今年完成了任务。" * 1000] * 12  # 8,000 characters each
    pieces = list(iter_documents(paragraphs, max_chars=20_000))
    assert [len(p) for p in pieces] == [2] * 6
    assert [p for piece in pieces for p in piece] == paragraphs


@pytest.mark.parametrize(
    "heading",
    [
        "三、下半年推进扫码办事工作打算",
        "（三）推进扫码支付",
        "二、加强二维码管理",
        "（二）网站访问量稳步提升",
        "四、版权所有权益保护",
        "1、免费下载服务上线",
        "## 相关推荐算法的落地",
    ],
)
def test_a_numbered_heading_with_a_chrome_word_is_kept(heading: str) -> None:
    text = f"今年完成了任务。\n{heading}\n明年继续努力。"
    assert segment(text) == ["今年完成了任务。", heading, "明年继续努力。"]


@pytest.mark.parametrize(
    "line",
    [
        "工作结果：使用户能够方便使用微信扫码以及微信提供获取用户手机号的功能，提升用户体验",
        "CodeReview目的是（1）提升代码质量，（2）同时促进团队内部知识共享，提高团队整体水平。",
    ],
)
def test_a_line_that_mentions_a_chrome_word_in_passing_is_kept(line: str) -> None:
    assert segment(f"### 5. PC 端登录页为小程序引流\n{line}") == [
        "### 5. PC 端登录页为小程序引流",
        line,
    ]


@pytest.mark.parametrize(
    "text",
    [
        # Subscripts the Wikisource copy of the State Council reports sets on lines of their own.
        "稳健的货币政策要松紧适度。广义货币M\n2\n和社会融资规模增速要与国内生产总值名义增速相匹配。",
        "以雾霾频发的特大城市和区域为重点，以细颗粒物（PM\n2.5\n）和可吸入颗粒物（PM\n10\n）"
        "治理为突破口，抓住产业结构等关键环节。",
    ],
)
def test_a_number_alone_inside_a_sentence_is_text_not_a_page_number(text: str) -> None:
    assert segment(text) == [text.replace("\n", "")]


def test_a_number_between_paragraphs_is_a_page_number() -> None:
    assert segment("今年以来,全县共新建校舍三处,改造危房\n\n12\n\n两千平方米,全部投入使用。") == [
        "今年以来,全县共新建校舍三处,改造危房两千平方米,全部投入使用。"
    ]
    assert segment("今年完成了任务。\n3\n明年继续努力，争取更好成绩\n4") == [
        "今年完成了任务。",
        "明年继续努力，争取更好成绩",
    ]


def _squeeze(text: str) -> str:
    return re.sub(r"[\s\u200b-\u200d\u2060\ufeff]+", "", text)


CHECKER = _segment_check()
CORPUS_FILES = CHECKER.corpus_files(CHECKER.default_corpora())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("corpus", "path", "record"),
    CORPUS_FILES,
    ids=[f"{c}/{p.name}" + (f"#{r}" if r is not None else "") for c, p, r in CORPUS_FILES],
)
def test_every_character_of_a_corpus_file_is_kept_or_dropped_for_a_documented_reason(
    corpus: str, path, record: int | None
) -> None:
    text = CHECKER.read_text(path, record)
    paragraphs, drops = segment_with_drops(text)
    assert {reason for reason, _ in drops} <= DROP_REASONS
    kept = _squeeze("".join(paragraphs))
    dropped = _squeeze("".join(piece for _, piece in drops))
    # Characters lost are exactly the characters of the dropped lines…
    assert Counter(_squeeze(text)) == Counter(kept) + Counter(dropped)
    # …and what is kept is in reading order.
    rest = iter(_squeeze(text))
    assert all(char in rest for char in kept)


# A report from Taiwan or Hong Kong (Big5), and two that zongjie cannot read (Shift-JIS,
# EUC-KR): each decoded as GB18030 gives mojibake that would still get labels.
BIG5_REPORT = (
    "二、存在問題\n學校布局調整的任務仍然很重，部分學校師資力量薄弱。\n三、下半年工作打算\n"
)
JAPANESE_REPORT = (
    "二、課題\n今年、私たちの部署はさまざまな業務を無事に完了しました。来年はさらに頑張ります。\n"
)
KOREAN_REPORT = (
    "둘째, 문제점\n올해 우리 부서는 여러 가지 업무를 성공적으로 완료했습니다. "
    "내년에는 더 노력하겠습니다.\n"
)


def test_big5_is_decoded_and_said_so(caplog) -> None:
    data = BIG5_REPORT.encode("big5")
    with caplog.at_level("WARNING", logger="zongjie.segment"):
        assert decode(data, "tw.txt") == BIG5_REPORT
    assert "tw.txt: decoded as Big5" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="zongjie.segment"):
        assert "".join(iter_text(io.BytesIO(data), "tw.txt", chunk_size=7)) == BIG5_REPORT
    assert "tw.txt: decoded as Big5" in caplog.text
    assert segment(data)[1] == "學校布局調整的任務仍然很重，部分學校師資力量薄弱。"


@pytest.mark.parametrize(
    ("text", "encoding", "named"),
    [(JAPANESE_REPORT, "shift_jis", "Shift-JIS"), (KOREAN_REPORT, "euc_kr", "EUC-KR")],
)
def test_japanese_and_korean_bytes_are_refused_by_name_and_offset(text, encoding, named) -> None:
    data = b"report 2024\n" + text.encode(encoding)
    with pytest.raises(ValueError, match=rf"^jp\.txt: .*{named}.* at offset 12") as whole:
        decode(data, "jp.txt")
    with pytest.raises(ValueError) as streamed:
        "".join(iter_text(io.BytesIO(data), "jp.txt", chunk_size=5))
    assert str(streamed.value) == str(whole.value)
    with pytest.raises(ValueError, match=named):
        segment(data)


def test_the_encoding_is_judged_on_the_first_non_ascii_bytes_not_the_first_chunk() -> None:
    # A GBK report after 1.1 MiB of ASCII: judged on its first chunk (all ASCII, so UTF-8),
    # the stream used to fail in the middle, after printing part of the file.
    text = "x" * (1 << 20) + "y" * 100_000 + "\n二、存在问题\n学校布局调整的任务仍然很重。\n"
    data = text.encode("gbk")
    assert decode(data) == text
    assert "".join(iter_text(io.BytesIO(data), "f.txt")) == text


@pytest.mark.parametrize("marker", ["```x", "<!-- x", "~~~ x"])
def test_markers_that_never_close_cost_no_more_than_text(marker: str) -> None:
    # Each opens a block that is read again as text when it does not close: were the lines
    # read again allowed to open blocks of their own, every line would be read 500 times.
    text = f"{marker}\n" * 10_000
    start = time.process_time()
    paragraphs = segment(text)
    elapsed = time.process_time() - start
    assert elapsed < 1.0, f"{elapsed:.1f} s for 10,000 lines"  # 7 s before
    assert "".join(paragraphs).count(marker) >= 9_950  # read as text, but one opener in 500
