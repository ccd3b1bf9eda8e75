"""Labelled paragraphs → one self-contained HTML page that a person reads.

Each paragraph is tinted by its role and shows its probabilities on hover (or keyboard focus);
headings stay headings. Above the text a digest counts the paragraphs of each role and gathers
the problem and plan paragraphs in two lists that link to them. Several files make one page
with a table of contents.

The page needs nothing outside itself: the CSS is inline, there is no script and no web font
(the system's CJK font, whatever it is, renders the text), and a Content-Security-Policy
forbids every fetch, so even a page someone edited cannot call out. All input text is escaped.
Paragraphs whose label is None (titles, dates, salutations) are shown untinted, as context,
and left out of the digest.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zongjie.document import LABELS
from zongjie.segment import heading_level, is_heading

__all__ = ["LabelledFile", "render_html", "render_page"]

ROLE_NAMES = {"summary": "总结", "problem": "问题", "plan": "计划"}
# The two roles whose paragraphs the digest gathers: what an analyst reads a stack of reports for.
GATHERED = ("problem", "plan")


@dataclass(frozen=True)
class LabelledFile:
    """One file of the page: its paragraphs in reading order, their labels (one of `LABELS`,
    or None for a paragraph with no role), their probabilities (rows in `LABELS` order), an
    optional explanation per paragraph (shown on click: a text, or any object shown as its
    str(), such as `zongjie.explain_document`'s), and the indices where each report of a
    multi-report file starts."""

    name: str
    paragraphs: Sequence[str]
    labels: Sequence[str | None]
    proba: Any  # (n, 3): a numpy array or nested sequences
    explanations: Sequence[object | None] | None = None
    starts: Sequence[int] = field(default=(0,))

    def __post_init__(self) -> None:
        where = f"{self.name}: " if self.name else ""
        n = len(self.paragraphs)
        if len(self.labels) != n:
            raise ValueError(f"{where}{n} paragraphs but {len(self.labels)} labels")
        if len(self.proba) != n:
            raise ValueError(f"{where}{n} paragraphs but {len(self.proba)} probability rows")
        if self.explanations is not None and len(self.explanations) != n:
            raise ValueError(f"{where}{n} paragraphs but {len(self.explanations)} explanations")
        for index, paragraph in enumerate(self.paragraphs):
            if not isinstance(paragraph, str):
                raise TypeError(f"{where}paragraph {index} is {type(paragraph).__name__}, not str")
        for index, label in enumerate(self.labels):
            if label is not None and label not in LABELS:
                raise ValueError(
                    f"{where}label {index} is {label!r}, not one of {', '.join(LABELS)} or None"
                )
        for index, row in enumerate(self.proba):
            if len(row) != len(LABELS):
                raise ValueError(
                    f"{where}probability row {index} has {len(row)} values, not {len(LABELS)}"
                )
        if any(not 0 <= start < max(n, 1) for start in self.starts):
            raise ValueError(f"{where}report starts {list(self.starts)} outside 0..{n - 1}")


def render_html(
    paragraphs: Sequence[str],
    labels: Sequence[str | None],
    proba: Any,
    *,
    explanations: Sequence[object | None] | None = None,
    title: str = "",
) -> str:
    """One document as a self-contained HTML page: `labels[i]` (one of `LABELS` or None) and
    `proba[i]` (three probabilities in `LABELS` order) belong to `paragraphs[i]`; an
    explanation, when given, opens when its "why" is clicked: a text, or an explanation
    object shown as its str(), e.g. ``explanations=zongjie.explain_document(paragraphs)``."""
    labelled = LabelledFile(title, paragraphs, labels, proba, explanations)
    return render_page([labelled], title=title)


def render_page(files: Sequence[LabelledFile], title: str = "") -> str:
    """Several files on one page, a table of contents first when there is more than one."""
    if not files:
        raise ValueError("render_page() needs at least one file")
    several = len(files) > 1
    if not title:
        title = f"{len(files)} labelled files" if several else files[0].name or "Labelled report"
    parts = [
        _HEAD.format(title=_text(title), css=_CSS),
        f"<header><h1>{_text(title)}</h1>{_legend(_explained(files))}</header>",
    ]
    if several:
        parts.append(_contents(files))
    # One file: its name is the page's title, not repeated above its digest.
    parts.extend(_file(f"f{number}", labelled, several) for number, labelled in enumerate(files, 1))
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


def _counts(labelled: LabelledFile) -> dict[str, int]:
    counts = dict.fromkeys(LABELS, 0)
    for label in labelled.labels:
        if label is not None:
            counts[label] += 1
    return counts


def _role(label: str) -> str:
    return f"{label} {ROLE_NAMES[label]}"


def _explained(files: Sequence[LabelledFile]) -> bool:
    return any(
        labelled.explanations is not None and any(labelled.explanations) for labelled in files
    )


def _legend(explained: bool) -> str:
    keys = "".join(f'<span class="key role-{label}">{_role(label)}</span>' for label in LABELS)
    why = " Click “why” under one for the reasons of its label." if explained else ""
    return (
        f'<p class="legend">{keys}<span class="key role-none">no role (context)</span>'
        f"<span>Hover a paragraph for its probabilities.{why}</span></p>"
    )


def _contents(files: Sequence[LabelledFile]) -> str:
    head = "".join(f'<th scope="col">{_role(label)}</th>' for label in LABELS)
    rows, totals = [], dict.fromkeys(LABELS, 0)
    for number, labelled in enumerate(files, 1):
        counts = _counts(labelled)
        cells = "".join(f'<td class="count role-{label}">{counts[label]}</td>' for label in LABELS)
        rows.append(
            f'<tr><th scope="row"><a href="#f{number}">{_text(labelled.name)}</a></th>{cells}</tr>'
        )
        for label in LABELS:
            totals[label] += counts[label]
    total = "".join(f'<td class="count">{totals[label]}</td>' for label in LABELS)
    return (
        '<nav class="contents" aria-label="Contents"><h2>Contents</h2><table>'
        f'<thead><tr><th scope="col">file</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>"
        f'<tfoot><tr><th scope="row">all {len(files)} files</th>{total}</tr></tfoot>'
        "</table></nav>"
    )


def _report_numbers(labelled: LabelledFile) -> list[int]:
    """The report (1, 2, …) that each paragraph belongs to."""
    starts = sorted(set(labelled.starts) | {0})
    numbers, report = [], 0
    for index in range(len(labelled.paragraphs)):
        if report < len(starts) and index == starts[report]:
            report += 1
        numbers.append(report)
    return numbers


def _digest(key: str, labelled: LabelledFile, reports: list[int]) -> str:
    counts = _counts(labelled)
    cells = "".join(
        f'<tr class="role-{label}"><th scope="row">{_role(label)}</th>'
        f'<td class="count" data-role="{label}">{counts[label]}</td></tr>'
        for label in LABELS
    )
    unlabelled = len(labelled.labels) - sum(counts.values())
    context = (
        f'<p class="context-count">{unlabelled} without a role (context)</p>' if unlabelled else ""
    )
    several = max(reports, default=1) > 1
    lists = []
    for role in GATHERED:
        items = []
        for index, (paragraph, label) in enumerate(
            zip(labelled.paragraphs, labelled.labels, strict=True)
        ):
            if label != role:
                continue
            where = f'<span class="where">report {reports[index]}</span>' if several else ""
            kind = ' class="heading"' if is_heading(paragraph) else ""
            link = f'<a href="#{key}-p{index}">{_text(paragraph)}</a>'
            items.append(f"<li{kind}>{link}{where}</li>")
        body = f"<ol>{''.join(items)}</ol>" if items else '<p class="none">none</p>'
        lists.append(
            f'<div class="gathered role-{role}" data-role="{role}">'
            f"<h3>{_role(role)} ({counts[role]})</h3>{body}</div>"
        )
    return (
        f'<div class="digest"><table class="counts"><caption>Paragraphs by role</caption>'
        f"<tbody>{cells}</tbody></table>{context}{''.join(lists)}</div>"
    )


def _probabilities(label: str | None, row: Sequence[float]) -> str:
    """The three probabilities, the paragraph's own label in bold."""
    values = []
    for name, p in zip(LABELS, row, strict=True):
        value = f"{name} {float(p):.2f}"
        values.append(f"<b>{value}</b>" if name == label else value)
    lead = "no role · " if label is None else ""
    return f'<span class="proba" role="tooltip">{lead}{" · ".join(values)}</span>'


def _paragraph(key: str, index: int, labelled: LabelledFile) -> str:
    paragraph = labelled.paragraphs[index]
    label = labelled.labels[index]
    role = label or "none"
    if is_heading(paragraph):
        level = min(2 + (heading_level(paragraph) or 1), 6)  # h1, h2: the page and the file
        text = f'<h{level} class="text">{_text(paragraph)}</h{level}>'
        kind = " heading"
    else:
        text = f'<p class="text">{_text(paragraph)}</p>'
        kind = ""
    explanation = labelled.explanations[index] if labelled.explanations is not None else None
    why = (
        f'<details class="why"><summary>why</summary><div>{_text(explanation)}</div></details>'
        if explanation
        else ""
    )
    return (
        f'<div class="para role-{role}{kind}" id="{key}-p{index}" data-label="{role}" tabindex="0">'
        f"{text}{_probabilities(label, labelled.proba[index])}{why}</div>"
    )


def _file(key: str, labelled: LabelledFile, named: bool) -> str:
    reports = _report_numbers(labelled)
    several = max(reports, default=1) > 1
    body = []
    for index in range(len(labelled.paragraphs)):
        if several and (index == 0 or reports[index] != reports[index - 1]):
            number = reports[index]
            body.append(f'<div class="report-start" id="{key}-r{number}">report {number}</div>')
        body.append(_paragraph(key, index, labelled))
    name = f"<h2>{_text(labelled.name)}</h2>" if named and labelled.name else ""
    return (
        f'<section class="file" id="{key}">{name}{_digest(key, labelled, reports)}'
        f'<article class="text-body">{"".join(body)}</article></section>'
    )


_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="zongjie">
<title>{title}</title>
<style>{css}</style>
</head>
<body>"""

# Okabe-Ito hues (blue, orange, bluish green): told apart with the common colour-vision
# deficiencies too; each paragraph also names its role in the margin, for print and greyscale.
_CSS = """
:root {
  --summary: #0072b2; --summary-bg: #e3eff8;
  --problem: #d55e00; --problem-bg: #fbe9dc;
  --plan: #009e73;    --plan-bg: #ddf3ec;
  --none: #9a9a9a;
}
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem 4rem; color: #1d1d1d; background: #fff;
  font-family: "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
    "Source Han Sans SC", "WenQuanYi Micro Hei", "Noto Sans SC", system-ui, sans-serif;
  line-height: 1.7;
}
h1 { font-size: 1.5rem; margin: .5rem 0; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #ccc; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1rem; font-size: .85rem; color: #555; }
.key { padding: 0 .5rem; border-left: .3rem solid; }
.key.role-summary { border-color: var(--summary); background: var(--summary-bg); }
.key.role-problem { border-color: var(--problem); background: var(--problem-bg); }
.key.role-plan { border-color: var(--plan); background: var(--plan-bg); }
.key.role-none { border-color: var(--none); border-left-style: dashed; }
table { border-collapse: collapse; }
th, td { padding: .15rem .6rem; text-align: left; }
td.count { text-align: right; font-variant-numeric: tabular-nums; }
.contents table { width: 100%; }
.contents tbody tr:nth-child(odd) { background: #f5f5f5; }
.contents tfoot { border-top: 1px solid #999; font-weight: bold; }
.digest {
  display: grid; grid-template-columns: 1fr 1fr; gap: .5rem 1.5rem; margin: 1rem 0 2rem;
  padding: .75rem 1rem; background: #fafafa; border: 1px solid #e0e0e0; border-radius: .4rem;
}
.digest .counts, .digest .context-count { grid-column: 1 / -1; }
.digest .counts { justify-self: start; min-width: 18rem; }
.digest caption { text-align: left; font-weight: bold; }
.counts tr { border-left: .3rem solid; }
.counts tr.role-summary { border-color: var(--summary); }
.counts tr.role-problem { border-color: var(--problem); }
.counts tr.role-plan { border-color: var(--plan); }
.context-count { margin: 0; color: #666; font-size: .9rem; }
.gathered h3 {
  font-size: 1rem; margin: .5rem 0 .25rem; padding-left: .4rem; border-left: .3rem solid;
}
.gathered.role-problem h3 { border-color: var(--problem); }
.gathered.role-plan h3 { border-color: var(--plan); }
.gathered ol {
  margin: 0; padding-left: 1.6rem; max-height: 22rem; overflow: auto; font-size: .9rem;
}
.gathered li { margin-bottom: .3rem; }
.gathered li.heading { font-weight: bold; }
.gathered a { color: inherit; text-decoration: none; }
.gathered a:hover, .gathered a:focus { text-decoration: underline; }
.where { margin-left: .4rem; color: #777; font-size: .8rem; white-space: nowrap; }
.none { color: #777; margin: 0; }
.report-start {
  margin: 2rem 0 .5rem; color: #555; font-size: .85rem; text-transform: uppercase;
  letter-spacing: .05em; border-top: 2px solid #bbb;
}
.para {
  position: relative; margin: .35rem 0; padding: .3rem .75rem .3rem 1rem; border-left: .3rem solid;
  border-radius: 0 .3rem .3rem 0; outline-offset: 2px; scroll-margin-top: 2rem;
}
.para::before {
  content: attr(data-label); position: absolute; left: -4.6rem; top: .35rem; width: 4rem;
  text-align: right; font-size: .7rem; color: #777;
}
.para.role-none::before { content: ""; }
.para.role-summary { background: var(--summary-bg); border-color: var(--summary); }
.para.role-problem { background: var(--problem-bg); border-color: var(--problem); }
.para.role-plan { background: var(--plan-bg); border-color: var(--plan); }
.para.role-none { border-color: var(--none); border-left-style: dashed; color: #555; }
.para .text { margin: 0; }
.para h3.text { font-size: 1.15rem; }
.para h4.text, .para h5.text, .para h6.text { font-size: 1rem; }
.para:target { box-shadow: 0 0 0 2px #333; }
.proba {
  display: none; position: absolute; z-index: 1; right: .5rem; bottom: calc(100% - .2rem);
  padding: .15rem .5rem; background: #222; color: #fff; border-radius: .25rem;
  font-size: .8rem; white-space: nowrap; font-variant-numeric: tabular-nums;
}
.para:hover > .proba, .para:focus > .proba, .para:focus-within > .proba { display: block; }
.why { margin-top: .2rem; font-size: .85rem; color: #444; }
.why summary { cursor: pointer; color: #666; }
.why div { white-space: pre-wrap; font-variant-numeric: tabular-nums; }
@media (max-width: 70rem) { .para::before { display: none; } }
@media (max-width: 40rem) { .digest { grid-template-columns: 1fr; } }
@media print {
  .proba { display: none !important; }
  .gathered ol { max-height: none; overflow: visible; }
  .para::before { display: none; }
}
"""
