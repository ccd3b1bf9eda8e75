"""Raw text → paragraphs, and paragraphs → the documents of a multi-report file.

`segment` keeps reading order and the paragraphs' own characters (only whitespace at the edges
is trimmed and runs of spaces inside are folded to one), so its output can be matched back to
the source by text. Markdown keeps its markers (``## 二、计划``, ``- 完成了…``, ``**重点**``,
``| 时间 | 项目 |``). What it drops is documented here and nowhere else:

* page numbers on a line of their own (``- 12 -``, ``第3页``, ``第 3 页 共 9 页``, ``3/9``,
  and ``12`` between paragraphs: a number alone inside a sentence, like the subscript of
  ``广义货币M`` / ``2`` / ``和社会融资…`` that a web page set on its own line, is text) and a
  newspaper's page jumps (``下转7版``, ``（上接第4版）``);
* web chrome, by its shape: a counter with its number (``浏览次数:1024``, ``59位用户关注``),
  navigation crumbs, links to the previous or next article, a ``相关推荐`` label, copyright
  and source lines (``来源URL：https://…``, ``（来源：解放日报）``), a scraper's ``正文：``
  label, a reading-time badge, share / scan / print / font-size / download widgets, a blog's
  licence notice. Only short lines that are neither a finished sentence nor numbered: a
  heading like ``三、下半年推进扫码办事工作打算`` or a paragraph that mentions 扫码 is kept;
* scraper watermarks glued into the text (``范文top100``, ``公务员之家`` …, see `WATERMARKS`);
* Markdown and HTML that is not text: the front matter of a blog post except its ``title:``
  line (docs/labelling.md §12), code blocks, HTML comments, lines of nothing but HTML tags,
  image links, horizontal rules and setext underlines, table borders (``|---|---|``,
  ``+---+---+``), a figure placeholder left by a lost image (``图3``) and an end marker
  (``--EOF``, ``（完）``).

`DROP_REASONS` names these; `python scripts/segment_check.py --drops` counts, per corpus, the
characters dropped for each.

Paragraph boundaries:

* lines end at every Unicode line separator (LF, CR, CRLF, VT, FF, NEL, U+2028, U+2029 and
  the information separators U+001C–U+001E); a form feed is also a page break;
* every line is a paragraph, unless it continues the one before (below);
* a line that holds several paragraphs is split: text whose line breaks became runs of spaces
  (a whole report on one line, ``。 　　二、…``) is split at those runs, a run of tabs or
  spaces after a sentence or before a numbered item ends a paragraph, and a numbered heading
  glued to the end of a sentence (``…完成了任务。二、存在问题``) is its own paragraph;
* a paragraph that a page break cut in two (the first part ends mid-sentence; page numbers,
  chrome and/or a form feed sit between the parts) is joined back into one (docs/labelling.md §7);
  a blank line ends a paragraph unless the paragraph stops at a comma, and a heading, a list
  item, a table row or an image always starts one;
* in an indented block, a line indented deeper than the one that opened its paragraph
  continues it, and a line at the same indentation opens the next one;
* a Markdown table is a paragraph per row (a grid table's row of several lines is one);
* text set vertically, one character a line, is one paragraph;
* no line or paragraph is longer than `MAX_LINE` characters: a longer line is cut at its last
  sentence end within the bound, so the cost and memory of segmenting stay linear and bounded
  whatever the input.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

__all__ = [
    "MAX_LINE",
    "decode",
    "document_starts",
    "heading_level",
    "is_heading",
    "iter_documents",
    "iter_paragraphs",
    "iter_text",
    "segment",
    "segment_with_drops",
    "split_documents",
]

# The longest line, and the longest paragraph, segment holds. A longer line is cut at its
# last sentence end within the bound (at the bound if it has none), and a paragraph stops
# taking lines at it: memory stays bounded whatever the input, even 100 MB with no line end.
MAX_LINE = 1 << 16

# Whitespace that editors and PDF extractors leave behind: NBSP, full-width space, the
# typographic spaces, zero-width characters.
_SPACES = " \t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
# Zero-width space, non-joiner and joiner, word joiner, BOM: removed from every line, and a
# paragraph of them alone is blank to the API too (zongjie.api).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH}]")
_INNER_RUN = re.compile(f"[{_SPACES}]+")

_PAGE_NUMBER = re.compile(
    r"""^(?:
        [-—–－_~·•.\s]*\d{1,4}[-—–－_~·•.\s]*                 # 12, - 12 -, — 12 —, ·12·
      | 第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?   # 第3页, 第 3 页 共 9 页
      | \d{1,4}\s*[/／]\s*\d{1,4}                              # 3/9
      | (?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?       # Page 3 of 9
      | [(（]?\s*(?:上接|下转|接|转)第?\s*\d{1,3}\s*版\s*[)）]?  # a newspaper's page jump
    )$""",
    re.VERBOSE | re.IGNORECASE,
)

# Site boilerplate, by its shape: a counter with its number, navigation crumbs, links to the
# previous and next article, a recommendation block's label, copyright and source lines, a
# scraper's 正文： label, a reading-time badge. Matched only on short lines that are neither a
# finished sentence nor numbered: a numbered heading is content, whatever its words.
_CHROME = re.compile(
    r"""(?:
        ^\d+\s*位用户关注$
      | (?:浏览|阅读|点击|访问)(?:次数|量|数|人次)\s*[:：]?\s*\d
      | ^\d+\s*(?:次浏览|次阅读|人阅读|人浏览|次点击|人关注)
      | ^(?:相关推荐|相关阅读|相关文章|热门推荐|猜你喜欢|推荐阅读|延伸阅读|热门文章|最新文章)
      | 当前位置[:：]|您的位置[:：]|^首页\s*[>»›/]|[>»›]\s*正文$
      | ^上一篇|^下一篇
      | 版权所有|Copyright|©|ICP备|^责任编辑[:：]
      | ^[(（]?\s*(?:来源|稿源|出处|原文链接|原文地址|本文链接)\s*(?:URL|网址|链接)?\s*[:：]
      | ^(?:正文|全文)\s*[:：]?$
      | 阅读(?:时间|时长)\s*[:：]?\s*约?\s*\d+\s*分钟
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_CHROME_MAX_LEN = 60
# Page widgets: share, scan, print, close, font size, download. A widget is a few words; a
# line that goes on about 扫码 or 下载 is text.
_WIDGET = re.compile(
    r"""(?:
        扫一扫|扫码(?:关注|阅读|分享|下载|查看|访问|收藏|打开)|(?:扫描|长按|识别)\S{0,6}二维码
      | ^(?:手机|微信)?(?:扫码|二维码)[:：]?$
      | 分享到|一键分享|收藏本文|收藏本页|加入收藏
      | 打印本页|打印此页|【打印】|\[打印\]|关闭窗口|【关闭】|\[关闭\]|返回顶部|回到顶部
      | 字号[:：]?\s*[大中小]|【字体|字体[:：]\s*[大中小]
      | \[\s*大\s*中\s*小\s*\]|【\s*大\s*中\s*小\s*】
      | 下载(?:本文|文档|全文|word|doc|pdf)|(?:word|doc|pdf)版?下载
      | 免费下载|立即下载|点击下载|复制全文|全文阅读
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_WIDGET_MAX_LEN = 30
# A blog's licence notice is chrome too: a sentence, and longer than a widget.
_LICENCE = re.compile(
    r"CC\s*BY\b|creativecommons\.org|知识共享\S{0,12}(?:许可|协议)|转载请注明|(?:欢迎|谢绝|禁止|不得)转载"
    r"|^版权声明",
    re.IGNORECASE,
)
_LICENCE_MAX_LEN = 200

# Watermarks that content farms splice into the middle of paragraphs.
WATERMARKS = ("范文top100", "公务员之家", "第一范文网", "范文先生网", "学习啦")
_WATERMARK = re.compile("|".join(re.escape(w) for w in WATERMARKS))

# Sentence-final punctuation: a line that ends with one of these is complete.
_SENTENCE_END = "。！？!?；;…"
_CLOSERS = "”’」』)）】》\"'"
# No paragraph ends with a comma.
_CLAUSE_END = "，,、"
# A line ending in one of these introduces what follows (a list or a quotation); it is complete too.
_INTRODUCER_END = ":："

_CN_NUM = "一二三四五六七八九十"
# Enumerators by level: 第一部分/一、 (1) > （一） (2) > 1、1. ⒈ (3) > （1）① (4).
_ENUMERATORS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"第[{_CN_NUM}百零]+(?:部分|章|篇|节)")),
    (1, re.compile(rf"[{_CN_NUM}]{{1,3}}\s*[、.．,，]")),
    (2, re.compile(rf"[(（]\s*[{_CN_NUM}]{{1,3}}\s*[)）]")),
    (3, re.compile(r"(?:\d{1,2}\s*[、.．](?!\d)|[⒈-⒛])")),
    (4, re.compile(r"(?:[(（]\s*\d{1,2}\s*[)）]|[①-⑳⑴-⒇])")),
)
_HEADING_MAX_LEN = 120
_UNNUMBERED_HEADING_MAX_LEN = 30

# The opening of a list item, beyond the heading enumerators: bullets, 1) 1） 1，, 第一，,
# 需求一、 (a label and a Chinese numeral), Markdown headings and block quotes.
_ITEM_MARKER = re.compile(
    rf"""(?:
        [-*+][ \t]+ | [•·●○■□◆◇▪►▶➢✓√※]\s*
      | \d{{1,2}}\s*[)）] | \d{{1,2}}\s*[，,](?!\d)
      | (?:第|其)[{_CN_NUM}]{{1,3}}\s*[、，,：:]
      | [\u4e00-\u9fff]{{1,4}}[{_CN_NUM}]{{1,3}}、
    )""",
    re.VERBOSE,
)
_MD_HEADING = re.compile(r"#{1,6}(?!#)")
# A piece of a line that is nothing but a list marker (``-``, ``####``, ``1.``, ``>``).
_MARKER_ONLY = re.compile(r"[-*+>#•·●○■□◆◇▪►▶➢✓√※]+|\d{1,2}[.)、]|[(（]?\d{1,2}[)）]")
# A line that opens with an HTML block element (<h2><center>年终总结</h2>) stands alone.
_HTML_BLOCK = re.compile(
    r"<(?:h[1-6]|p|div|center|table|tr|td|th|ul|ol|li|blockquote|section|header|footer)\b",
    re.IGNORECASE,
)

# Lines that are Markdown or HTML structure rather than text.
_RULE = re.compile(r"(?:[-=_*~—－＝]\s*){3,}")  # horizontal rule, setext underline
_TABLE_BORDER = re.compile(r"\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?")
_GRID_BORDER = re.compile(r"\+(?:[-=:]+\+)+")
_IMAGE = re.compile(
    r"(?:\[?!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])(?:\]\([^)]*\))?\s*)+"
    r"|!\[[^\]]*\]\(.*\)"  # an image whose address has parentheses of its own
    r"|<img\b[^>]*>",
    re.IGNORECASE,
)
_HTML_ONLY = re.compile(r"(?:<[^<>]+>\s*)+")
_FIGURE = re.compile(r"(?:图|fig\.?|figure)\s*\d{1,3}(?:[-.．]\d{1,3})?", re.IGNORECASE)
_END_MARKER = re.compile(
    r"[-—=~*]+\s*(?:EOF|END)\s*[-—=~*]*|[（(]\s*(?:完|全文完)\s*[)）]|全文完|EOF", re.IGNORECASE
)
_FENCE = re.compile(r"(`{3,}|~{3,})")
_FRONT_MATTER_KEY = re.compile(r"[A-Za-z_][\w -]*:")
_FRONT_MATTER_TITLE = re.compile(r"title\s*:", re.IGNORECASE)
# How far a fenced block (code, HTML comment, front matter) may run before it is taken for a
# stray marker and its lines are read as text again.
_MAX_FENCED_LINES = 500
_MAX_FRONT_MATTER_LINES = 60

# A whole report on one line: long, with runs of spaces after at least this many sentences.
_FLATTENED_MIN_LEN = 200
_FLATTENED_MIN_BREAKS = 3
# Sentence ends after which a run of spaces can end a paragraph (a full-width colon too:
# 各位代表：　　现在…).
_BREAK_AFTER = "。！？；："
# A numbered heading glued to the end of the sentence before it.
_GLUED_HEADING = re.compile(
    rf"""^(?P<before>.*[。！？!?；;][{_CLOSERS}]*)
         (?P<heading>(?:\#{{1,6}}\s*)?(?:第[{_CN_NUM}]+部分|[{_CN_NUM}]{{1,3}}[、.．]
                     |[(（][{_CN_NUM}]{{1,3}}[)）])[^。！？!?；;，,]{{1,40}})$""",
    re.VERBOSE,
)

# Line kinds. _TEXT may continue the paragraph before it; _ITEM opens a paragraph that may go
# on; _HEADING and _ROW stand alone; _ROW_CONTINUED is the next line of a table row.
_TEXT, _ITEM, _HEADING, _ROW, _ROW_CONTINUED = "text", "item", "heading", "row", "row+"


def _clean_line(line: str) -> str:
    return _fold_spaces(_ZERO_WIDTH.sub("", line))


def _fold_spaces(line: str) -> str:
    return _INNER_RUN.sub(" ", line).strip()


def _is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(line))


def _is_chrome(line: str) -> bool:
    if len(line) <= _LICENCE_MAX_LEN and _LICENCE.search(line):
        return True
    # Chrome is a short line, never a finished sentence, never numbered.
    if _ends_sentence(line) or line.startswith("#") or _item_marker_end(line) > 0:
        return False
    return (len(line) <= _CHROME_MAX_LEN and bool(_CHROME.search(line))) or (
        len(line) <= _WIDGET_MAX_LEN and bool(_WIDGET.search(line))
    )


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

    This is the segmenter's test of a line (a heading ends the paragraph before it and is never
    joined to the next), made on raw text before any lexicon is at hand; the weak labeller and
    the HTML view read it too. What the model sees of a paragraph's form, numbering styles and
    all, is `zongjie.structure.shape`, from the lexicon the model was trained with.

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


# Every enumerator, then every other list marker, in one pattern: one match a line.
_ANY_MARKER = re.compile(
    "|".join(f"(?:{pattern.pattern})" for _, pattern in _ENUMERATORS)
    + f"|(?:{_ITEM_MARKER.pattern})",
    re.VERBOSE,
)


def _item_marker_end(text: str, pos: int = 0) -> int:
    """Where the list marker or enumerator opening `text` at `pos` ends (`pos` if none)."""
    match = _ANY_MARKER.match(text, pos)
    return match.end() if match else pos


def _indent(line: str) -> int:
    """The width of a line's indentation (a tab counts 4, a full-width space 2)."""
    width = 0
    for char in line:
        if char == "\t":
            width += 4
        elif char == "\u3000":
            width += 2
        elif char in " \u00a0\u2000\u2001\u2002\u2003\u202f":
            width += 1
        else:
            break
    return width


def _previous_char(text: str, end: int) -> str:
    """The character before `end`, looking through closing quotes and brackets."""
    position = end - 1
    while position > 0 and text[position] in _CLOSERS:
        position -= 1
    return text[position] if position >= 0 else ""


def _split_runs(line: str) -> list[str]:
    """The paragraphs of one line whose paragraph breaks became runs of spaces or tabs.

    A run is a break when it follows a sentence end or precedes a numbered item and is wide
    (a tab, two spaces, a full-width space). In a flattened report (a long line with such runs
    after several sentences) the run that follows most sentences is a break wherever it
    stands, and so is any run holding an ASCII space (``市长　应勇 各位代表：``): a lone
    full-width space is the spacing inside a name. Never a break: a space between two Latin
    letters or digits (a word space), a run right after a list marker (``- 1、``), or one that
    would leave a single character alone (a letter-spaced name: ``龚 正``).
    """
    runs = list(_INNER_RUN.finditer(line))
    if not runs:
        return [line]
    after_end: list[str] = []
    for run in runs:
        if _previous_char(line, run.start()) in _BREAK_AFTER and not line[run.end()].isascii():
            after_end.append(run.group())
    separator = None
    if len(line) >= _FLATTENED_MIN_LEN and len(after_end) >= _FLATTENED_MIN_BREAKS:
        separator = Counter(after_end).most_common(1)[0][0]
    pieces, start = [], 0
    for number, run in enumerate(runs):
        before, after = line[run.start() - 1], line[run.end()]
        if before.isascii() and before.isalnum() and after.isascii() and after.isalnum():
            continue
        if _MARKER_ONLY.fullmatch(line, start, run.start()):
            continue
        following = runs[number + 1].start() if number + 1 < len(runs) else len(line)
        if run.start() - start == 1 or following - run.end() == 1:
            continue
        spaces = run.group()
        wide = len(spaces) >= 2 or "\t" in spaces or "\u3000" in spaces
        at_break = (
            _previous_char(line, run.start()) in _BREAK_AFTER
            or _item_marker_end(line, run.end()) > run.end()
            or bool(_MD_HEADING.match(line, run.end()))
        )
        flattened = separator is not None
        if (
            (at_break and (wide or flattened))
            or spaces == separator
            or (flattened and " " in spaces)
        ):
            pieces.append(line[start : run.start()])
            start = run.end()
    pieces.append(line[start:])
    return pieces


def _split_glued_heading(piece: str) -> list[str]:
    """``…完成了任务。二、存在问题``: the numbered heading at the end is a paragraph of its own."""
    if len(piece) < 4 or _ends_sentence(piece):
        return [piece]
    match = _GLUED_HEADING.match(piece)
    if match and is_heading(match.group("heading")):
        return [match.group("before"), match.group("heading")]
    return [piece]


@dataclass(slots=True)
class _Line:
    text: str
    indent: int
    kind: str


_CLAUSE_MARK = re.compile(r"[,，、;；。]")
_COLON = re.compile(r"[:：]")
_SUBTITLE_PUNCT = re.compile(r"[。，,；;]")
_TAIL = 16  # enough of a paragraph's end to see its last punctuation through closers


class _Paragraph:
    """A paragraph being assembled from lines. What `is_cut` asks of the whole text is kept
    up to date piece by piece, and the text is joined once, at the end: re-reading the
    paragraph at each line made joining many cut lines quadratic."""

    __slots__ = (
        "ascii",
        "bare_marker",
        "clause",
        "colon",
        "first",
        "length",
        "pieces",
        "scanned",
        "subtitle_punct",
        "tail",
        "vertical",
    )

    def __init__(self, line: _Line) -> None:
        text = line.text
        self.first = line
        self.pieces = [text]
        self.length = len(text)
        self.tail = text[-_TAIL:]
        self.vertical = _is_ideograph(text)  # so far one character a line
        # Read from the pieces when is_cut first needs them (most paragraphs never ask).
        self.scanned = 0
        self.ascii = True
        self.bare_marker = self.clause = self.colon = self.subtitle_punct = False

    def add(self, text: str) -> None:
        # Latin words cut at a break need their space back; Chinese needs none, nor a number
        # after a letter (M2, PM10: the subscripts a web page set on lines of their own).
        last = self.tail[-1]
        if last.isascii() and last.isalpha() and text[0].isascii() and text[0].isalpha():
            self.pieces.append(" ")
            self.length += 1
        self.pieces.append(text)
        self.length += len(text)
        self.tail = (self.tail + text)[-_TAIL:]
        self.vertical = self.vertical and _is_ideograph(text)

    def _scan(self) -> None:
        """Bring the flags up to date with the pieces added since the last look."""
        for piece in self.pieces[self.scanned :]:
            if self.scanned == 0:
                body = piece[_item_marker_end(piece) :]
                self.bare_marker = not body  # an enumerator alone (第一，) goes on
                self.clause = bool(_CLAUSE_MARK.search(body))  # its enumerator (需求一、) aside
            else:
                self.bare_marker = False
                self.clause = self.clause or bool(_CLAUSE_MARK.search(piece))
            self.ascii = self.ascii and piece.isascii()
            self.colon = self.colon or bool(_COLON.search(piece))
            self.subtitle_punct = self.subtitle_punct or bool(_SUBTITLE_PUNCT.search(piece))
            self.scanned += 1

    def text(self) -> str:
        return "".join(self.pieces)

    def is_heading(self) -> bool:
        # No heading is longer than a numbered one may be: long paragraphs are not joined.
        return self.length <= _HEADING_MAX_LEN and is_heading(self.text())

    def is_cut(self) -> bool:
        """The paragraph stops mid-sentence, so the next piece of text continues it."""
        if _ends_sentence(self.tail) or self.tail[-1] in _INTRODUCER_END:
            return False
        self._scan()
        if self.ascii:
            return self.tail[-1].islower()  # English cut mid-sentence: "... written for the"
        if self.is_heading():
            return False
        if self.pieces[0].startswith(("——", "--")) and not self.subtitle_punct:
            return False  # a subtitle: ——2016年3月5日在……会议上
        # Titles, dates and author lines have no commas; a sentence cut in two almost always
        # has.
        if self.bare_marker or self.clause:
            return True
        return self.length > _UNNUMBERED_HEADING_MAX_LEN and self.colon


@dataclass(slots=True)
class _Fenced:
    """A block that ends at a closing line: a code fence, an HTML comment, front matter."""

    kind: str
    closer: str
    lines: list[str]


# Events from _Reader: a content line, a blank line, dropped page furniture (which a cut
# paragraph continues across), a dropped boundary (which ends the paragraph before it), text
# dropped from inside a line (which changes nothing around it), and a number alone on its
# line: a page number between paragraphs, text inside a sentence (广义货币M / 2 / 和社会融资).
_LINE, _BLANK, _FURNITURE, _BOUNDARY = "line", "blank", "furniture", "boundary"
_DROPPED, _NUMBER = "dropped", "number"
_Event = tuple

# Why text was dropped: what the events above carry, and all that `segment` drops.
DROP_REASONS = frozenset(
    {
        "page number",
        "page break",
        "chrome",
        "watermark",
        "invisible",
        "front matter",
        "front matter marker",
        "code",
        "code marker",
        "html comment",
        "html tags",
        "image",
        "rule",
        "table border",
        "figure placeholder",
        "end marker",
    }
)
_Event = tuple


class _Reader:
    """Physical lines → events, with the state that Markdown needs (fences, tables)."""

    def __init__(self) -> None:
        self.started = False  # some text has been seen: front matter can no longer open
        self.fenced: _Fenced | None = None
        self.table: str | None = None  # "pipe" after a |---| line, "grid" after a +---+ line
        self.row_open = False  # a grid row has started since the last border
        # Lines of an unclosed block being read again open no block of their own: else a
        # run of markers that never close would be read once per marker.
        self.rereading = False

    def feed(self, raw: str) -> Iterator[_Event]:
        line = _ZERO_WIDTH.sub("", raw)
        if raw and not line:
            # A line of zero-width characters is an extraction artefact (a wiki link's seam),
            # not a blank line: a sentence cut around it goes on, as across a page break.
            yield (_FURNITURE, "invisible", "")
            return
        if line == _PAGE_BREAK:
            yield (_FURNITURE, "page break", "")
            return
        if self.fenced is not None:
            yield from self._feed_fenced(line)
            return
        stripped = line.strip(_SPACES)
        if not stripped:
            self.table = None
            yield (_BLANK,)
            return
        started, self.started = self.started, True
        if self.rereading:
            yield from self._feed_line(line, stripped)
            return
        if fence := _FENCE.match(stripped):
            self.fenced = _Fenced("code", fence.group(1), [line])
            return
        if stripped.startswith("<!--"):
            if "-->" in stripped:
                rest = stripped[stripped.index("-->") + 3 :].strip(_SPACES)
                if rest:
                    yield from self.feed(rest)
                else:
                    yield (_BOUNDARY, "html comment", stripped)
                return
            self.fenced = _Fenced("comment", "-->", [line])
            return
        if stripped == "---" and not started:
            self.fenced = _Fenced("front matter", "---", [line])
            return
        yield from self._feed_line(line, stripped)

    def finish(self) -> Iterator[_Event]:
        if self.fenced is not None:
            yield from self._reread()
            yield from self.finish()

    def _feed_fenced(self, line: str) -> Iterator[_Event]:
        fenced = self.fenced
        assert fenced is not None
        stripped = line.strip(_SPACES)
        fenced.lines.append(line)
        if fenced.kind == "code":
            closed = stripped.startswith(fenced.closer) and not stripped.strip(fenced.closer[0])
        elif fenced.kind == "comment":
            closed = fenced.closer in stripped
        else:
            closed = stripped in ("---", "...")
            if not closed and stripped and not self._front_matter_like(line, stripped):
                yield from self._reread()
                return
        if closed:
            self.fenced = None
            for number, kept in enumerate(fenced.lines):
                text = _fold_spaces(kept)
                if fenced.kind == "front matter" and _FRONT_MATTER_TITLE.match(text):
                    yield (_LINE, _Line(text, 0, _HEADING))
                elif text:
                    yield (_BOUNDARY if number == 0 else _FURNITURE, fenced.kind, text)
        elif len(fenced.lines) > (
            _MAX_FRONT_MATTER_LINES if fenced.kind == "front matter" else _MAX_FENCED_LINES
        ):
            yield from self._reread()

    @staticmethod
    def _front_matter_like(line: str, stripped: str) -> bool:
        return bool(
            _FRONT_MATTER_KEY.match(stripped) or stripped.startswith("- ") or line[:1] in " \t"
        )

    def _reread(self) -> Iterator[_Event]:
        """An unclosed block was no block: its opening marker goes, its lines are read again."""
        fenced = self.fenced
        assert fenced is not None
        self.fenced = None
        opener, *rest = fenced.lines
        if fenced.kind == "comment":
            yield from self._feed_line(opener, opener.strip(_SPACES))
        else:
            yield (_BOUNDARY, f"{fenced.kind} marker", opener.strip(_SPACES))
        self.rereading = True
        try:
            for line in rest:
                yield from self.feed(line)
        finally:
            self.rereading = False

    def _feed_line(self, line: str, stripped: str) -> Iterator[_Event]:
        if self.table == "grid" and stripped.startswith("|"):
            kind = _ROW_CONTINUED if self.row_open else _ROW
            self.row_open = True
            yield (_LINE, _Line(_fold_spaces(line), 0, kind))
            return
        if "|" in stripped and _TABLE_BORDER.fullmatch(stripped) and "-" in stripped:
            self.table = "pipe"
            yield (_BOUNDARY, "table border", stripped)
            return
        if stripped[0] == "+" and _GRID_BORDER.fullmatch(stripped):
            self.table, self.row_open = "grid", False
            yield (_BOUNDARY, "table border", stripped)
            return
        if self.table == "pipe":
            if "|" in stripped:
                # A row whose first cell is empty carries on the row above (a multi-line row).
                continued = re.match(r"\|[ \t]*\|", stripped) is not None
                yield (_LINE, _Line(_fold_spaces(line), 0, _ROW_CONTINUED if continued else _ROW))
                return
            self.table = None
        if stripped[0] in _STRUCTURE_OPENERS:
            for reason, pattern in _STRUCTURE:
                if pattern.fullmatch(stripped):
                    yield (_BOUNDARY, reason, stripped)
                    return
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            yield (_LINE, _Line(_fold_spaces(line), 0, _ROW))  # a table's header row
            return
        indent = _indent(line)
        kind = _line_kind(stripped)
        if kind in (_HEADING, _ROW):
            yield from self._piece(stripped, indent, kind)
            return
        pieces = _split_runs(stripped)
        for number, piece in enumerate(pieces):
            for glued_number, part in enumerate(_split_glued_heading(piece)):
                if number or glued_number:
                    yield (_BOUNDARY, "", "")
                    indent, kind = 0, _line_kind(part)
                yield from self._piece(part, indent, kind, alone=len(pieces) == 1)

    def _piece(self, text: str, indent: int, kind: str, alone: bool = True) -> Iterator[_Event]:
        """One paragraph's worth of a line; `alone`: the whole line."""
        text = _fold_spaces(text)
        if not text:
            return
        if alone and text.isdigit() and len(text) <= 4:
            yield (_NUMBER, "page number", text)  # _assemble decides by what is around it
            return
        if _is_page_number(text):
            yield (_FURNITURE, "page number", text)
            return
        if _is_chrome(text):
            yield (_FURNITURE, "chrome", text)
            return
        cleaned = _WATERMARK.sub("", text).strip()
        if cleaned != text:
            yield (_DROPPED, "watermark", "".join(_WATERMARK.findall(text)))
        if cleaned:
            yield (_LINE, _Line(cleaned, indent, kind))


# Whole lines that are structure, not text, and end the paragraph before them.
_STRUCTURE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rule", _RULE),
    ("image", _IMAGE),
    ("html tags", _HTML_ONLY),
    ("figure placeholder", _FIGURE),
    ("end marker", _END_MARKER),
)


# The characters that can open one of those lines: most lines are not looked at further.
_STRUCTURE_OPENERS = frozenset("-=_*~—－＝[!<图fF（(全Ee")


def _line_kind(text: str) -> str:
    opener = text[:1]
    if (opener == "#" and _MD_HEADING.match(text)) or (opener == "<" and _HTML_BLOCK.match(text)):
        return _HEADING
    if opener == ">" or _item_marker_end(text) > 0:
        return _ITEM
    return _TEXT


def _is_ideograph(text: str) -> bool:
    return len(text) == 1 and "\u4e00" <= text <= "\u9fff"


def _continues(paragraph: _Paragraph, line: _Line, blank: bool, furniture: bool) -> bool:
    """Whether `line` carries on `paragraph` rather than opening a paragraph of its own."""
    if paragraph.length + len(line.text) > MAX_LINE:
        return False  # the bound on what one paragraph holds
    first = paragraph.first
    if paragraph.vertical and not blank and _is_ideograph(line.text):
        return True  # text set vertically, one character a line: 调 / 薪 / 申 / 请
    if line.kind == _ROW_CONTINUED:
        return first.kind in (_ROW, _ROW_CONTINUED)
    if line.kind != _TEXT or first.kind in (_HEADING, _ROW, _ROW_CONTINUED):
        return False
    if blank and not furniture and paragraph.tail[-1] not in _CLAUSE_END:
        # A blank line ends a paragraph, unless a page break (furniture) sits in it too, or
        # the paragraph stops at a comma, where no paragraph ends.
        return False
    if first.indent > 0 and not (blank or furniture) and not paragraph.is_heading():
        if line.indent > first.indent:
            return True  # a hanging indent: the item's text goes on
        if line.indent == first.indent:
            return False  # an indented block opens a paragraph at each line
    return paragraph.is_cut()


def _assemble(
    events: Iterable[_Event], on_drop: Callable[[str, str], None] | None = None
) -> Iterator[str]:
    """Events → paragraphs: join the lines that continue one another. `on_drop(reason, text)`
    hears of every piece of text dropped."""
    current: _Paragraph | None = None
    blank = furniture = False
    number: str | None = None  # a number alone after a cut line, waiting for the next line
    for event in events:
        kind = event[0]
        if number is not None:
            line = event[1] if kind == _LINE else None
            if current is not None and line is not None and line.kind == _TEXT:
                current.add(number)  # inside a sentence: text
            else:
                furniture = True
                if on_drop:
                    on_drop("page number", number)
            number = None
        if kind == _NUMBER:
            text = event[2]
            if (
                current is not None
                and not (blank or furniture)
                and current.length + len(text) <= MAX_LINE
                and current.is_cut()
            ):
                number = text
                continue
            kind = _FURNITURE  # between paragraphs: a page number
        if kind in (_FURNITURE, _BOUNDARY, _DROPPED) and on_drop and event[2]:
            on_drop(event[1], event[2])
        if kind == _BLANK:
            blank = True
        elif kind == _FURNITURE:
            furniture = True
        elif kind == _BOUNDARY:
            if current is not None:
                yield current.text()
            current = None
            blank = furniture = False
        elif kind == _LINE:
            line = event[1]
            if current is not None and _continues(current, line, blank, furniture):
                current.add(line.text)
            else:
                if current is not None:
                    yield current.text()
                current = _Paragraph(line)
            blank = furniture = False
    if number is not None and on_drop:
        on_drop("page number", number)
    if current is not None:
        yield current.text()


def _events(lines: Iterable[str]) -> Iterator[_Event]:
    reader = _Reader()
    for line in _whole_lines(lines):
        yield from reader.feed(line)
    yield from reader.finish()


def _warn_big5(name: str) -> None:
    # logging is imported here, on the first Big5 file: `import zongjie` stays without it.
    import logging

    logging.getLogger(__name__).warning("%s: decoded as Big5 (traditional Chinese)", name)


def decode(data: bytes, name: str = "input") -> str:
    """Text from the bytes of a file: UTF-8 (with or without a BOM), UTF-16 or UTF-32 with a
    BOM, GB18030 (which covers GBK and GB2312), the usual encodings of Chinese office files,
    or Big5 (reports from Taiwan and Hong Kong), said with a logged warning.

    The encoding is judged on the bytes from the first non-ASCII one on (`_choose_encoding`),
    as `iter_text` judges a stream. Japanese (Shift-JIS) and Korean (EUC-KR) text, and bytes
    that are none of these, raise ValueError naming `name`, the encoding and the offset.
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
    start = _first_non_ascii(data)
    if start < 0:
        return data.decode("ascii")
    sample = data[start : start + _SAMPLE_BYTES]
    encoding = _choose_encoding(sample, start + _SAMPLE_BYTES >= len(data), start, name)
    if encoding == _BIG5:
        _warn_big5(name)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise _undecodable(name, encoding, data, error.start) from None


# The bytes from the first non-ASCII byte on that decide a file's encoding, in `decode` and
# in `iter_text` alike (ASCII reads the same in every candidate, so it decides nothing).
_SAMPLE_BYTES = 1 << 16
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# A sample's letters (ideographs, kana, Hangul …) that say which encoding it is in: fewer than
# this is too little to judge, and the sample is read as GB18030 if it decodes as such.
_MIN_JUDGED = 10
# The share of a sample's letters that must be common characters of a Chinese encoding
# (decoded with the wrong one, most letters are rare characters, kana or symbols).
_COMMON_SHARE = 0.8
_BIG5 = "big5hkscs"  # Big5 with the Hong Kong characters
_NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030", _BIG5: "Big5"}


def _first_non_ascii(data: bytes) -> int:
    match = _NON_ASCII.search(data)
    return match.start() if match else -1


def _decoded(encoding: str, data: bytes, final: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)().decode(data, final=final)
    except UnicodeDecodeError:
        return None


@functools.cache
def _common_characters(encoding: str, leads: range, trails: range) -> frozenset[str]:
    characters = set()
    for lead in leads:
        for trail in trails:
            with contextlib.suppress(UnicodeDecodeError):  # a hole in the table
                characters.add(bytes((lead, trail)).decode(encoding))
    return frozenset(characters)


def _gb2312_common() -> frozenset[str]:
    # GB2312's first level: its 3,755 most used characters.
    return _common_characters("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))


def _big5_common() -> frozenset[str]:
    # Big5's 5,401 frequently used characters (A440–C67E).
    return _common_characters("big5", range(0xA4, 0xC7), range(0x40, 0xFF))


def _letters(text: str) -> list[str]:
    """The non-ASCII letters of `text` (ideographs, kana, Hangul, Greek …) and private-use
    characters: what tells encodings apart, where punctuation and symbols do not."""
    return [
        c
        for c in text
        if c > "\x7f" and (unicodedata.category(c)[0] == "L" or "\ue000" <= c <= "\uf8ff")
    ]


def _looks_like(text: str, common: frozenset[str]) -> bool:
    letters = _letters(text)
    if len(letters) < _MIN_JUDGED:
        return True  # too short to tell
    return sum(c in common for c in letters) >= _COMMON_SHARE * len(letters)


def _looks_japanese(text: str) -> bool:
    letters = _letters(text)
    kana = sum("\u3040" <= c <= "\u30ff" for c in letters)
    return kana >= _MIN_JUDGED // 2 and kana >= 0.15 * len(letters)


def _looks_korean(text: str) -> bool:
    # Korean puts spaces between words; Chinese read as Korean has Hangul but no spaces.
    hangul = len(re.findall(r"[\uac00-\ud7a3]", text))
    spaced = len(re.findall(r"[\uac00-\ud7a3] (?=[\uac00-\ud7a3])", text))
    return hangul >= _MIN_JUDGED and hangul >= 0.5 * len(_letters(text)) and spaced >= 0.1 * hangul


def _choose_encoding(sample: bytes, final: bool, offset: int, name: str) -> str:
    """The encoding of a file from `sample`, its bytes from the first non-ASCII one (at
    `offset`) on; `final`: the sample runs to the end of the file.

    UTF-8 first (GB18030 bytes are almost never valid UTF-8, while UTF-8 often decodes as
    wrong GB18030); then Japanese and Korean, refused by name; then GB18030 and Big5, each
    only when most letters it gives are common characters of its own (Big5 read as GB18030
    gives rare characters, kana and Greek; GB read as Big5 mostly fails). Never a guess:
    bytes that read as none of these raise ValueError naming the offset.
    """
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=final)
        return "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error.start
    for encoding, label, looks in (
        ("cp932", "Shift-JIS (Japanese)", _looks_japanese),
        ("cp949", "EUC-KR (Korean)", _looks_korean),
    ):
        if (text := _decoded(encoding, sample, final)) is not None and looks(text):
            raise ValueError(
                f"{name}: {label} text at offset {offset}: zongjie reads Chinese in UTF-8, "
                "GB18030/GBK or Big5; convert the file to UTF-8"
            )
    gb = _decoded("gb18030", sample, final)
    if gb is not None and _looks_like(gb, _gb2312_common()):
        return "gb18030"
    big5 = _decoded(_BIG5, sample, final)
    if big5 is not None and _looks_like(big5, _big5_common()):
        return _BIG5
    if gb is not None or big5 is not None:
        raise ValueError(
            f"{name}: the bytes from offset {offset} are not recognisably UTF-8, GB18030/GBK "
            "or Big5 text (read as GB18030 they give rare characters): refusing to guess"
        )
    bad = sample[utf8_error : utf8_error + 4]
    raise ValueError(
        f"{name}: neither UTF-8 nor GB18030: undecodable byte 0x{bad[0]:02x} at offset "
        f"{offset + utf8_error} (next bytes {bad.hex(' ')})"
    )


def _undecodable(
    name: str, encoding: str, data: bytes, position: int, offset: int = 0
) -> ValueError:
    """The error for an undecodable byte at `position` of `data`, which starts at `offset`."""
    label = _NAMES.get(encoding, encoding)
    byte = f" 0x{data[position]:02x}" if 0 <= position < len(data) else ""
    return ValueError(f"{name}: not {label}: undecodable byte{byte} at offset {offset + position}")


def iter_text(stream: BinaryIO, name: str = "input", chunk_size: int = 1 << 20) -> Iterator[str]:
    """Decode a binary stream chunk by chunk, with the encoding `decode` would choose, judged
    on the same bytes (from the first non-ASCII one on, `_SAMPLE_BYTES` of them): memory stays
    with a chunk and the sample whatever the file's size."""
    chunk = stream.read(chunk_size)
    for bom, encoding in _BOMS:
        if chunk.startswith(bom):
            yield from _decode_stream(
                stream, chunk[len(bom) :], encoding, name, chunk_size, len(bom)
            )
            return
    offset = 0
    while chunk and (start := _first_non_ascii(chunk)) < 0:
        yield chunk.decode("ascii")
        offset += len(chunk)
        chunk = stream.read(chunk_size)
    if not chunk:
        return
    ended = False
    while len(chunk) - start < _SAMPLE_BYTES:
        if not (more := stream.read(chunk_size)):
            ended = True
            break
        chunk += more
    sample = chunk[start : start + _SAMPLE_BYTES]
    final = ended and len(chunk) - start <= _SAMPLE_BYTES
    encoding = _choose_encoding(sample, final, offset + start, name)
    yield from _decode_stream(stream, chunk, encoding, name, chunk_size, offset)


def _decode_stream(
    stream: BinaryIO, chunk: bytes, encoding: str, name: str, chunk_size: int, offset: int
) -> Iterator[str]:
    """`chunk` (at byte `offset` of the file) and the rest of `stream`, decoded."""
    if encoding == _BIG5:
        _warn_big5(name)
    decoder = codecs.getincrementaldecoder(encoding)()
    while True:
        pending = len(decoder.getstate()[0])  # bytes of a character cut by the last chunk
        try:
            yield decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            raise _undecodable(
                name, encoding, error.object, error.start, offset - pending
            ) from None
        if not chunk:
            return
        offset += len(chunk)
        chunk = stream.read(chunk_size)


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


# Every line separator Unicode knows (str.splitlines' set). A form feed also marks a page
# break: it becomes a line of its own, which _Reader takes for page furniture.
_LINE_END = re.compile(r"\r\n|[\n\r\v\x1c-\x1e\x85\u2028\u2029]")
_PAGE_BREAK = "\f"


def _whole_lines(chunks: Iterable[str]) -> Iterator[str]:
    """The lines of text that arrives in chunks (`iter_text`'s, or a file's lines), whatever
    the chunks cut: a line cut in two by a chunk boundary comes out whole, unless it is
    longer than MAX_LINE (see `_bounded`)."""
    # The pieces of the unfinished line are joined once it ends, not chunk by chunk: text
    # without line ends would otherwise be copied again with every chunk.
    unfinished: list[str] = []
    size = 0
    carry = ""  # a chunk's final \r, which may be the first half of a \r\n
    for chunk in chunks:
        if carry:
            chunk, carry = carry + chunk, ""
        if chunk.endswith("\r"):
            chunk, carry = chunk[:-1], "\r"
        if _PAGE_BREAK in chunk:
            chunk = chunk.replace(_PAGE_BREAK, f"\n{_PAGE_BREAK}\n")
        first, *lines = _LINE_END.split(chunk)
        unfinished.append(first)
        size += len(first)
        if lines:
            last = lines.pop()
            for line in ("".join(unfinished), *lines):
                pieces, rest = _bounded(line)
                yield from pieces
                yield rest
            unfinished, size = [last], len(last)
        if size > MAX_LINE:
            pieces, rest = _bounded("".join(unfinished))
            yield from pieces
            unfinished, size = [rest], len(rest)
    if carry:
        yield "".join(unfinished)
        unfinished = []
    pieces, rest = _bounded("".join(unfinished))
    yield from pieces
    yield rest


# A line's last sentence end (with its closing quotes) within a window: greedy, so the last.
_LAST_SENTENCE_END = re.compile(rf".*[。！？!?；;…][{_CLOSERS}]*", re.DOTALL)


def _bounded(line: str) -> tuple[list[str], str]:
    """`line` cut into pieces of at most MAX_LINE characters, each ending at the last
    sentence end it holds (at MAX_LINE if none), and the rest, shorter than MAX_LINE."""
    pieces: list[str] = []
    start = 0
    while len(line) - start > MAX_LINE:
        match = _LAST_SENTENCE_END.match(line, start, start + MAX_LINE)
        end = match.end() if match else start + MAX_LINE
        pieces.append(line[start:end])
        start = end
    return pieces, line[start:] if start else line


def iter_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """`segment` over text that arrives in pieces: a file's lines, or chunks cut anywhere
    (`iter_text`'s). Yields each paragraph as soon as the next one starts: memory stays with
    the paragraph at hand."""
    yield from _assemble(_events(lines))


def segment(text: str | bytes) -> list[str]:
    """Split raw report text into paragraphs, in reading order.

    Accepts a BOM, CRLF or CR line ends, full-width and non-breaking spaces, and any run of
    blank lines; bytes are decoded first (see `decode`). Plain text and Markdown: each line is
    a paragraph, except that a line cut mid-sentence is joined to the next across page numbers
    and chrome, and a line that holds several paragraphs (a report flattened onto one line) is
    split. See the module's documentation for what is dropped.
    """
    if isinstance(text, (bytes, bytearray)):
        text = decode(bytes(text))
    if not isinstance(text, str):
        raise TypeError(f"segment() takes a str or bytes, not {type(text).__name__}")
    return list(iter_paragraphs([text]))


def segment_with_drops(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """`segment`, and every piece of text it dropped with the reason (one of DROP_REASONS)."""
    drops: list[tuple[str, str]] = []
    paragraphs = list(
        _assemble(_events([text]), on_drop=lambda reason, dropped: drops.append((reason, dropped)))
    )
    return paragraphs, drops


# Openings of the untitled framing paragraph that starts a report
# (docs/labelling.md#several-reports), and the announcement that ends it (现将……总结如下:).
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


def iter_documents(
    paragraphs: Iterable[str], max_paragraphs: int = 5000, max_chars: int = 1 << 20
) -> Iterator[list[str]]:
    """`split_documents` over a stream of paragraphs, yielding each report when the next one
    starts. A run longer than `max_paragraphs` paragraphs or `max_chars` characters with no
    boundary is yielded in pieces, so memory stays bounded whatever the input."""
    tracker = _DocumentTracker()
    current: list[str] = []
    chars = 0
    for paragraph in paragraphs:
        back = tracker.feed(paragraph)
        if back is not None and len(current) - back > 0:
            cut = len(current) - back
            yield current[:cut]
            current = current[cut:]
            chars = sum(map(len, current))
        if current and chars + len(paragraph) > max_chars:
            yield current
            current, chars = [], 0
            tracker = _DocumentTracker()
            tracker.feed(paragraph)
        current.append(paragraph)
        chars += len(paragraph)
        if len(current) >= max_paragraphs:
            yield current
            current, chars = [], 0
            tracker = _DocumentTracker()
    if current:
        yield current
