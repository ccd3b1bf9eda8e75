"""Raw text → paragraphs: normalisation, chrome and page numbers, page-break joins, documents."""

from __future__ import annotations

import io

import pytest

from zongjie.segment import (
    decode,
    document_starts,
    is_heading,
    iter_documents,
    iter_paragraphs,
    iter_text,
    segment,
    split_documents,
)

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


def test_streamed_undecodable_bytes_name_the_offset() -> None:
    data = io.BytesIO("今年完成了任务。".encode() * 100 + b"\xff\xfe\xfd" + "明年".encode())
    with pytest.raises(ValueError, match=r"^f\.txt: not utf-8: undecodable byte at offset 2400$"):
        "".join(iter_text(data, "f.txt", chunk_size=999))


def test_long_runs_without_boundaries_are_cut_into_bounded_pieces() -> None:
    paragraphs = [f"第{i}段完成了。" for i in range(12)]
    pieces = list(iter_documents(paragraphs, max_paragraphs=5))
    assert [len(p) for p in pieces] == [5, 5, 2]
    assert [p for piece in pieces for p in piece] == paragraphs
