"""Raw text → paragraphs, and paragraphs → the documents of a multi-report file.

`segment` keeps reading order and the paragraphs' own characters (only whitespace at the edges
is trimmed and runs of spaces inside are folded to one), so its output can be matched back to
the source by text. What it drops is documented here and nowhere else:

* page numbers on a line of their own (``12``, ``- 12 -``, ``第3页``, ``第 3 页 共 9 页``, ``3/9``);
* web chrome: navigation crumbs, ``浏览次数``, ``相关推荐``, ``扫一扫``, ``59位用户关注``,
  download / print / font-size widgets and sharing bars (short lines only: a real paragraph that
  happens to mention one of these words is kept);
* scraper watermarks glued into the text (``范文top100``, ``公务员之家`` …, see `WATERMARKS`).

A paragraph that a page break cut in two (the first part ends mid-sentence; page numbers, chrome
and/or blank lines sit between the parts) is joined back into one.
"""

from __future__ import annotations

import re

__all__ = ["document_starts", "heading_level", "is_heading", "segment", "split_documents"]

# Whitespace that editors and PDF extractors leave behind: NBSP, full-width space, the
# typographic spaces, zero-width characters.
_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_SPACE_RUN = re.compile(r" {2,}")

_PAGE_NUMBER = re.compile(
    r"""^(?:
        [-—–－_~·•.\s]*\d{1,4}[-—–－_~·•.\s]*                 # 12, - 12 -, — 12 —, ·12·
      | 第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?   # 第3页, 第 3 页 共 9 页
      | \d{1,4}\s*[/／]\s*\d{1,4}                              # 3/9
      | (?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?       # Page 3 of 9
    )$""",
    re.VERBOSE | re.IGNORECASE,
)

# Lines that are page furniture rather than text. Matched only on short lines.
_CHROME = re.compile(
    r"""(?:
        ^\d+\s*位用户关注$
      | 浏览(?:次数|量)|阅读(?:次数|量)|点击(?:数|量|次数)|访问量
      | 相关推荐|相关阅读|相关文章|热门推荐|猜你喜欢|推荐阅读|延伸阅读
      | 扫一扫|扫码|二维码|分享到|一键分享|收藏本文|收藏本页|加入收藏
      | 打印本页|打印此页|【打印】|\[打印\]|关闭窗口|【关闭】|\[关闭\]|返回顶部|回到顶部
      | 字号[:：]?\s*[大中小]|【字体|字体[:：]\s*[大中小]
      | \[\s*大\s*中\s*小\s*\]|【\s*大\s*中\s*小\s*】
      | 下载(?:本文|文档|全文|word|doc|pdf)|(?:word|doc|pdf)版?下载
      | 免费下载|立即下载|点击下载|复制全文|全文阅读
      | 当前位置[:：]|您的位置[:：]|^首页\s*[>»›/]|[>»›]\s*正文$
      | 上一篇[:：]|下一篇[:：]|^上一篇|^下一篇
      | 版权所有|Copyright|ICP备|^责任编辑[:：]
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_CHROME_MAX_LEN = 60

# Watermarks that content farms splice into the middle of paragraphs.
WATERMARKS = ("范文top100", "公务员之家", "第一范文网", "范文先生网", "学习啦")
_WATERMARK = re.compile("|".join(re.escape(w) for w in WATERMARKS))

# Sentence-final punctuation: a line that ends with one of these is complete.
_SENTENCE_END = "。！？!?；;…"
_CLOSERS = "”’」』)）】》\"'"
# A line ending in one of these introduces what follows (a list or a quotation); it is complete too.
_INTRODUCER_END = ":："

_CN_NUM = "一二三四五六七八九十"
# Enumerators by level: 第一部分/一、 (1) > （一） (2) > 1、1. ⒈ (3) > （1）① (4).
_ENUMERATORS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^第[{_CN_NUM}百零]+(?:部分|章|篇|节)")),
    (1, re.compile(rf"^[{_CN_NUM}]{{1,3}}\s*[、.．,，]")),
    (2, re.compile(rf"^[(（]\s*[{_CN_NUM}]{{1,3}}\s*[)）]")),
    (3, re.compile(r"^(?:\d{1,2}\s*[、.．](?!\d)|[⒈-⒛])")),
    (4, re.compile(r"^(?:[(（]\s*\d{1,2}\s*[)）]|[①-⑳⑴-⒇])")),
)
_HEADING_MAX_LEN = 120
_UNNUMBERED_HEADING_MAX_LEN = 30


def _clean_line(line: str) -> str:
    line = _ZERO_WIDTH.sub("", line)
    line = _ODD_SPACES.sub(" ", line)
    return _SPACE_RUN.sub(" ", line).strip()


def _is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(line))


def _is_chrome(line: str) -> bool:
    # Chrome is a short line and never a finished sentence.
    return len(line) <= _CHROME_MAX_LEN and not _ends_sentence(line) and bool(_CHROME.search(line))


def heading_level(paragraph: str) -> int | None:
    """The enumerator level of a paragraph's opening (1 = 一、, 2 = （一）, 3 = 1、, 4 = （1）)."""
    for level, pattern in _ENUMERATORS:
        if pattern.match(paragraph):
            return level
    return None


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def is_heading(paragraph: str) -> bool:
    """A section heading: short, and not a sentence (no sentence-final punctuation).

    Numbered headings may be long and contain commas (``一、坚持以……为目标,高水平……``);
    an unnumbered line must be short to count, so that a title or a cut sentence is not one.
    """
    text = paragraph.strip()
    if not text or _ends_sentence(text) or re.search(r"[。！？!?]", text):
        return False  # a heading holds no finished sentence
    if text[-1] in _INTRODUCER_END:
        # 存在问题: opens a part; 具体做法是: is the end of a sentence.
        return len(text) <= 12
    if heading_level(text) is not None:
        return len(text) <= _HEADING_MAX_LEN
    return len(text) <= _UNNUMBERED_HEADING_MAX_LEN and not re.search(r"[,，、;；]", text)


def _is_cut(line: str) -> bool:
    """The line stops mid-sentence, so the next piece of text continues it."""
    if _ends_sentence(line) or line[-1] in _INTRODUCER_END:
        return False
    if line.isascii():
        return line[-1].islower()  # English cut mid-sentence: "... written for the"
    if is_heading(line):
        return False
    if line.startswith(("——", "--")) and not re.search(r"[。，,；;]", line):
        return False  # a subtitle: ——2016年3月5日在……会议上
    if re.search(r"[,，、;；。]", line):
        # Titles, dates and author lines have no commas; a sentence cut in two almost always has.
        return True
    return len(line) > _UNNUMBERED_HEADING_MAX_LEN and bool(re.search(r"[:：]", line))


def _starts_new_paragraph(line: str) -> bool:
    return heading_level(line) is not None


def _join(first: str, second: str) -> str:
    # Latin words cut at a break need their space back; Chinese needs none.
    if first[-1].isascii() and first[-1].isalnum() and second[0].isascii() and second[0].isalnum():
        return f"{first} {second}"
    return first + second


def segment(text: str) -> list[str]:
    """Split raw report text into paragraphs, in reading order.

    Accepts a BOM, CRLF or CR line ends, full-width and non-breaking spaces, and any run of
    blank lines. Each non-empty line is a paragraph, except that a line cut mid-sentence is
    joined to the next piece of text across blank lines, page numbers and chrome.
    """
    if not isinstance(text, str):
        raise TypeError(f"segment() takes a str, not {type(text).__name__}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs: list[str] = []
    pending_cut = False  # the last paragraph stops mid-sentence and waits for its continuation
    for raw_line in text.split("\n"):
        line = _clean_line(raw_line)
        if not line or _is_page_number(line) or _is_chrome(line):
            continue
        line = _WATERMARK.sub("", line).strip()
        if not line:
            continue
        if pending_cut and not _starts_new_paragraph(line):
            paragraphs[-1] = _join(paragraphs[-1], line)
        else:
            paragraphs.append(line)
        pending_cut = _is_cut(paragraphs[-1])
    return paragraphs


# Openings of the untitled framing paragraph that starts a report (ANNOTATION.md, "Documents in
# one file"), and the announcement that ends it (现将……总结如下:).
_FRAMING_OPENING = re.compile(
    r"^(?:近[几两三]?年来|[一半]年来|今年以来|[上下]半年以来|本学期|本年度|时间过得真快|转眼|光阴似箭"
    r"|根据|按照|为(?:了)?(?:深入|认真|全面|进一步)?(?:贯彻|落实|学习)"
    r"|(?:\d{2,4}|[xX×＊*#]{2,4})\s*年\s*[,，]\s*(?:是|我|在)|尊敬的)"
)
_REPORT_ANNOUNCEMENT = re.compile(r"(?:总结|汇报|报告|小结)如下\s*[:：]?$")
_MIN_DOCUMENT = 3  # paragraphs a document has before an announcement may start another one


def _cn_number(paragraph: str) -> int | None:
    match = re.match(rf"^[(（]?\s*([{_CN_NUM}]{{1,3}})", paragraph)
    if not match:
        return None
    digits = match.group(1)
    value = {c: i + 1 for i, c in enumerate(_CN_NUM)}
    if len(digits) == 1:
        return value[digits]
    if digits[0] == "十":
        return 10 + value.get(digits[1], 0)
    return value[digits[0]] * 10 + (value.get(digits[2], 0) if len(digits) == 3 else 0)


def _is_framing(paragraph: str) -> bool:
    return not is_heading(paragraph) and bool(
        _FRAMING_OPENING.match(paragraph) or _REPORT_ANNOUNCEMENT.search(paragraph)
    )


def document_starts(paragraphs: list[str]) -> list[int]:
    """Indices where a new report starts, for files that hold several reports back to back.

    A report starts where the top-level heading numbering restarts at 一 (with the framing
    paragraph just before it, when there is one), or at a paragraph announcing a report
    (现将……总结如下:) once the current one has some paragraphs. Index 0 always starts one.
    """
    starts = [0] if paragraphs else []
    top_level: int | None = None  # the highest heading level seen in the current document
    last_number = 0
    for i, paragraph in enumerate(paragraphs):
        current = starts[-1]
        level = heading_level(paragraph) if is_heading(paragraph) else None
        number = _cn_number(paragraph) if level in (1, 2) else None
        restart = (
            number == 1
            and top_level is not None
            and level <= top_level
            and last_number >= 2
            and i > current + 1
        )
        if restart:
            start = i - 1 if i - 1 > current and _is_framing(paragraphs[i - 1]) else i
            starts.append(start)
            top_level, last_number = level, 1
            continue
        if (
            _REPORT_ANNOUNCEMENT.search(paragraph)
            and not is_heading(paragraph)
            and i - current >= _MIN_DOCUMENT
        ):
            starts.append(i)
            top_level, last_number = None, 0
            continue
        if number is not None and (top_level is None or level < top_level):
            top_level, last_number = level, number
        elif number is not None and level == top_level:
            last_number = number
    return starts


def split_documents(paragraphs: list[str]) -> list[list[str]]:
    """Split the paragraphs of a file into its reports (see `document_starts`)."""
    starts = document_starts(paragraphs)
    ends = [*starts[1:], len(paragraphs)]
    return [paragraphs[a:b] for a, b in zip(starts, ends, strict=True)]
