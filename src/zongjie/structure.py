"""Paragraphs of one document → what their form says, paragraph by paragraph.

Nothing here decides a label. It reads each paragraph's shape (a Markdown heading, a bullet, a
table row, a numbered item and its numbering style, a short line without a sentence end) and
the document's outline (which headings enclose each paragraph), and hands these facts to the
features that the sequence model weighs (`zongjie.features.sequence_features`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from zongjie.lexicon import Lexicon

__all__ = ["Shape", "heading_core", "is_heading", "outline", "shape"]

_MARKDOWN_HEADING = re.compile(r"^(#{1,6})[ \t]*(?=\S)")
_BULLET = re.compile(r"^[-*+•·▪●○◆■][ \t]+(?=\S)")
_TABLE_ROW = re.compile(r"^\|.*\|")
_BOLD_LINE = re.compile(r"^\*\*([^*]+)\*\*\s*[:：]?$")
_EMPHASIS = re.compile(r"\*\*|__")
# Sentence-final punctuation: a paragraph that ends with one is a sentence, not a heading.
_SENTENCE_END = "。！？!?；;…"
_CLOSERS = "”’」』)）】》\"'"
_INNER_SENTENCE = re.compile(r"[。！？!?]")
# An inline label opening a paragraph (工作中的不足？…, 改进措施：…, **发展意向：** …): a few
# words, then a colon or question mark, before the paragraph's own text.
_LABEL = re.compile(
    r"^\*{0,2}([^，。；;：:？?！!*,]{1,16}?)\s*\*{0,2}\s*[：:？?]\s*\*{0,2}\s*(?=\S)"
)
_CLAUSE_BREAK = re.compile(r"[,，;；]")
_HEADING_MAX = 60  # a numbered or marked heading rarely runs longer
_PLAIN_HEADING_MAX = 30  # an unmarked line must be short to be a heading, not a cut sentence
# 存在问题： opens a part; a longer line ending in a colon (具体做法主要有以下几点：) usually
# introduces a list inside one.
_COLON_HEADING_MAX = 14


class Shape(NamedTuple):
    """The form of one paragraph. (A named tuple: made for every paragraph `predict` reads, and
    a frozen dataclass took 1.4 µs of the 4.9 µs `shape` costs to build.)"""

    markdown_level: int  # 1-6 for a Markdown heading (# … ######), else 0
    bullet: bool  # a Markdown or typographic bullet item
    table_row: bool
    numbering: str | None  # the lexicon's numbering style of its opening (cn, arabic, …)
    heading: bool  # a heading: marked as one, or short and not a sentence
    ends_sentence: bool
    ends_colon: bool
    core: str  # the text without Markdown markers, emphasis and numbering
    label: str  # an inline label opening a paragraph of text (改进措施：…), else ""


def _strip_markers(stripped: str) -> tuple[str, int, bool]:
    text = stripped
    level = 0
    if match := _MARKDOWN_HEADING.match(text):
        level = len(match.group(1))
        text = text[match.end() :].rstrip("#").strip()
    bullet = False
    if match := _BULLET.match(text):
        bullet = True
        text = text[match.end() :]
        # A heading marker inside a list item (+ ### …) marks emphasis, not a part.
        if match := _MARKDOWN_HEADING.match(text):
            text = text[match.end() :].rstrip("#").strip()
    return text, level, bullet


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def shape(paragraph: str, lexicon: Lexicon, context_line: bool | None = None) -> Shape:
    """The form of `paragraph` (one element of `segment`'s output); `context_line`: whether it
    is a salutation, byline or date line, when the caller knows already (None: find out if
    needed)."""
    stripped = paragraph.strip()
    text, level, bullet = _strip_markers(stripped)
    bold = bool(_BOLD_LINE.match(text))
    plain = _EMPHASIS.sub("", text).strip() if "**" in text or "__" in text else text.strip()
    numbering = None
    core = plain
    if lexicon.any_numbering is None or lexicon.any_numbering.match(plain):
        for name, pattern in lexicon.numbering:
            if match := pattern.match(plain):
                numbering = name
                core = plain[match.end() :].strip()
                break
    table_row = bool(_TABLE_ROW.match(stripped))
    ends_sentence = _ends_sentence(plain)
    ends_colon = plain.endswith((":", "："))
    if level:
        heading = True
    elif _is_context_line(stripped, lexicon) if context_line is None else context_line:
        heading = False  # a salutation, byline or date line opens no part
    elif table_row or not plain or ends_sentence or _INNER_SENTENCE.search(plain):
        heading = False
    elif bold:
        heading = True
    elif ends_colon:
        heading = len(core) <= _COLON_HEADING_MAX
    elif numbering is not None or bullet:
        heading = len(plain) <= _HEADING_MAX and not bullet
    else:
        heading = len(plain) <= _PLAIN_HEADING_MAX and not _CLAUSE_BREAK.search(plain)
    match = None if heading else _LABEL.match(core)
    label = match.group(1).strip() if match else ""
    return Shape(
        level, bullet, table_row, numbering, heading, ends_sentence, ends_colon, core, label
    )


def _is_context_line(paragraph: str, lexicon: Lexicon) -> bool:
    stripped = paragraph.strip()
    return any(p.search(stripped) for p in lexicon.patterns["context_patterns"].values())


def is_heading(paragraph: str, lexicon: Lexicon) -> bool:
    """Whether `paragraph` reads as a heading (see `shape`)."""
    return shape(paragraph, lexicon).heading


def heading_core(paragraph: str, lexicon: Lexicon) -> str:
    """A heading's words: without Markdown markers, emphasis or numbering."""
    return shape(paragraph, lexicon).core


def _style(item: Shape) -> str:
    if item.markdown_level:
        return f"md{item.markdown_level}"
    return item.numbering or "plain"


def outline(shapes: Sequence[Shape]) -> list[tuple[int, ...]]:
    """For each paragraph, the indices of the headings that enclose it, outermost first.

    A heading's rank is its style's: Markdown levels by their number, other styles in the
    order the document first uses them (reports nest 一、 > （一） > 1、 but may start at any
    of them). A heading closes every open heading of its rank or a deeper one. A heading is
    enclosed by the headings above it, not by itself."""
    ranks: dict[str, float] = {}
    open_headings: list[tuple[float, int]] = []  # (rank, paragraph index), outermost first
    result: list[tuple[int, ...]] = []
    for index, item in enumerate(shapes):
        if not item.heading:
            result.append(tuple(i for _, i in open_headings))
            continue
        style = _style(item)
        if style not in ranks:
            # Markdown levels sit above every other style of their document.
            ranks[style] = item.markdown_level - 10 if item.markdown_level else len(ranks)
        rank = ranks[style]
        while open_headings and open_headings[-1][0] >= rank:
            open_headings.pop()
        result.append(tuple(i for _, i in open_headings))
        open_headings.append((rank, index))
    return result
