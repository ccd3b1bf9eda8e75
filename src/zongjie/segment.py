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

import codecs
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

__all__ = [
    "decode",
    "document_starts",
    "heading_level",
    "is_heading",
    "iter_documents",
    "iter_paragraphs",
    "iter_text",
    "segment",
    "split_documents",
]

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


def decode(data: bytes, name: str = "input") -> str:
    """Text from the bytes of a file: UTF-8 (with or without a BOM), UTF-16 or UTF-32 with a
    BOM, or GB18030 (which covers GBK and GB2312), the usual encodings of Chinese office files.

    UTF-8 is tried before GB18030 because a GB18030 file is almost never valid UTF-8, while
    UTF-8 text often decodes as (wrong) GB18030. Bytes that are neither raise ValueError naming
    `name` and the offset of the first bad byte.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise ValueError(
                    f"{name}: starts with a {encoding} byte-order mark but byte "
                    f"{error.start + len(bom)} is not {encoding}"
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            bad = data[utf8_error.start : utf8_error.start + 4]
            raise ValueError(
                f"{name}: neither UTF-8 nor GB18030: undecodable byte 0x{bad[0]:02x} at offset "
                f"{utf8_error.start} (next bytes {bad.hex(' ')})"
            ) from None


def _decodes(encoding: str, data: bytes, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def iter_text(stream: BinaryIO, name: str = "input", chunk_size: int = 1 << 20) -> Iterator[str]:
    """Decode a binary stream chunk by chunk, with the encoding `decode` would choose, judged on
    the first chunk (1 MiB): memory stays with one chunk whatever the file's size."""
    first = stream.read(chunk_size)
    encoding = "utf-8"
    for bom, bom_encoding in _BOMS:
        if first.startswith(bom):
            encoding, first = bom_encoding, first[len(bom) :]
            break
    else:
        final = len(first) < chunk_size
        if not _decodes("utf-8", first, final):
            if not _decodes("gb18030", first, final):
                decode(first, name)  # raises the error that names the bad byte
            encoding = "gb18030"
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, chunk = 0, first
    while chunk:
        try:
            yield decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{name}: not {encoding}: undecodable byte at offset {offset + error.start}"
            ) from None
        offset += len(chunk)
        chunk = stream.read(chunk_size)
    yield decoder.decode(b"", final=True)


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _whole_lines(chunks: Iterable[str]) -> Iterator[str]:
    """The lines of text that arrives in chunks (`iter_text`'s, or a file's lines), whatever
    the chunks cut: a line cut in two by a chunk boundary comes out whole."""
    # The pieces of the unfinished line are joined once it ends, not chunk by chunk: text
    # without line ends would otherwise be copied again with every chunk.
    unfinished: list[str] = []
    for chunk in chunks:
        first, *lines = chunk.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        unfinished.append(first)
        if lines:
            yield "".join(unfinished)
            unfinished = [lines.pop()]
            yield from lines
    yield "".join(unfinished)


def iter_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """`segment` over text that arrives in pieces: a file's lines, or chunks cut anywhere
    (`iter_text`'s). Yields each paragraph as soon as the next one starts: memory stays with
    the paragraph at hand."""
    current: str | None = None
    pending_cut = False  # the current paragraph stops mid-sentence and waits for its continuation
    for raw_line in _whole_lines(lines):
        line = _clean_line(raw_line)
        if not line or _is_page_number(line) or _is_chrome(line):
            continue
        line = _WATERMARK.sub("", line).strip()
        if not line:
            continue
        if current is not None and pending_cut and not _starts_new_paragraph(line):
            current = _join(current, line)
        else:
            if current is not None:
                yield current
            current = line
        pending_cut = _is_cut(current)
    if current is not None:
        yield current


def segment(text: str | bytes) -> list[str]:
    """Split raw report text into paragraphs, in reading order.

    Accepts a BOM, CRLF or CR line ends, full-width and non-breaking spaces, and any run of
    blank lines; bytes are decoded first (see `decode`). Each non-empty line is a paragraph,
    except that a line cut mid-sentence is joined to the next piece of text across blank
    lines, page numbers and chrome.
    """
    if isinstance(text, (bytes, bytearray)):
        text = decode(bytes(text))
    if not isinstance(text, str):
        raise TypeError(f"segment() takes a str or bytes, not {type(text).__name__}")
    return list(iter_paragraphs([text]))


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


class _DocumentTracker:
    """The running state behind `document_starts`: fed one paragraph at a time, it says
    whether a new report starts there or one paragraph earlier (its framing paragraph)."""

    def __init__(self) -> None:
        self.length = 0  # paragraphs in the current document
        self.top_level: int | None = None  # the highest heading level seen in it
        self.last_number = 0
        self.previous: str | None = None

    def feed(self, paragraph: str) -> int | None:
        """0: a new report starts at this paragraph; 1: it started at the previous one;
        None: the current report goes on."""
        level = heading_level(paragraph) if is_heading(paragraph) else None
        number = _cn_number(paragraph) if level in (1, 2) else None
        previous, self.previous = self.previous, paragraph
        restart = (
            number == 1
            and self.top_level is not None
            and level <= self.top_level
            and self.last_number >= 2
            and self.length > 1
        )
        if restart:
            back = 1 if self.length > 1 and previous is not None and _is_framing(previous) else 0
            self.length = 1 + back
            self.top_level, self.last_number = level, 1
            return back
        if (
            _REPORT_ANNOUNCEMENT.search(paragraph)
            and not is_heading(paragraph)
            and self.length >= _MIN_DOCUMENT
        ):
            self.length = 1
            self.top_level, self.last_number = None, 0
            return 0
        self.length += 1
        if number is not None and (self.top_level is None or level < self.top_level):
            self.top_level, self.last_number = level, number
        elif number is not None and level == self.top_level:
            self.last_number = number
        return None


def document_starts(paragraphs: list[str]) -> list[int]:
    """Indices where a new report starts, for files that hold several reports back to back.

    A report starts where the top-level heading numbering restarts at 一 (with the framing
    paragraph just before it, when there is one), or at a paragraph announcing a report
    (现将……总结如下:) once the current one has some paragraphs. Index 0 always starts one.
    """
    starts = [0] if paragraphs else []
    tracker = _DocumentTracker()
    for i, paragraph in enumerate(paragraphs):
        back = tracker.feed(paragraph)
        if back is not None and i - back > 0:
            starts.append(i - back)
    return starts


def split_documents(paragraphs: list[str]) -> list[list[str]]:
    """Split the paragraphs of a file into its reports (see `document_starts`)."""
    return list(iter_documents(paragraphs))


def iter_documents(paragraphs: Iterable[str], max_paragraphs: int = 5000) -> Iterator[list[str]]:
    """`split_documents` over a stream of paragraphs, yielding each report when the next one
    starts. A run longer than `max_paragraphs` with no boundary is yielded in pieces, so memory
    stays bounded whatever the input."""
    tracker = _DocumentTracker()
    current: list[str] = []
    for paragraph in paragraphs:
        back = tracker.feed(paragraph)
        if back is not None and len(current) - back > 0:
            cut = len(current) - back
            yield current[:cut]
            current = current[cut:]
        current.append(paragraph)
        if len(current) >= max_paragraphs:
            yield current
            current = []
            tracker = _DocumentTracker()
    if current:
        yield current
