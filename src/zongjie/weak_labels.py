"""Weak labels from document structure, for the State Council reports (`zongjie.dataset`).

The weak labeller reads a report the way docs/labelling.md describes it: headings carry the role
of the part they open (§1: 存在的问题 → problem, 下步打算 / 工作要点 / 重点工作 → plan,
工作回顾 → summary),
lead-ins switch the role of their paragraph (我们也清醒认识到…, 但也存在…) or of the part they
introduce (§2: 下半年,我局将重点做好以下几项工作:), and parts follow the order review → problems →
plans. `structural_roles` returns what structure alone decides (UNDECIDED where it cannot);
`weak_labels` fills the gaps from cue words so any corpus becomes training data.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from zongjie.document import LABELS
from zongjie.lexicon import default_lexicon
from zongjie.segment import document_starts, heading_level, is_heading

__all__ = [
    "UNDECIDED",
    "Role",
    "Undecided",
    "cue_label",
    "heading_role",
    "own_role",
    "structural_roles",
    "weak_labels",
]

SUMMARY, PROBLEM, PLAN = LABELS
NO_LABEL = None


class Undecided(enum.Enum):
    """What `structural_roles` gives where structure cannot tell: neither a label nor None (no
    label), so it can never be mistaken for either; `weak_labels` decides these."""

    UNDECIDED = "undecided"


UNDECIDED = Undecided.UNDECIDED
# A paragraph's role as structure reads it: a label, None (no label) or UNDECIDED.
Role = str | None | Undecided

_STRIP_ENUMERATOR = re.compile(
    r"^(?:第[一二三四五六七八九十百零]+(?:部分|章|篇|节)|[一二三四五六七八九十]{1,3}\s*[、.．,，]"
    r"|[(（]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|\d{1,2}\s*[、.．]|[⒈-⒛①-⑳⑴-⒇])\s*"
)

# Section headings that name their part. Problem is tried first: 存在问题及下步打算 opens problems.
_PROBLEM_HEADING = re.compile(
    r"存在(?:的)?(?:主要)?(?:问题|不足|困难|差距)|(?:问题|困难|不足|差距|短板)(?:和|与|及|、)(?:不足|困难|差距|问题|建议|对策|原因)"
    r"|不足之处|^(?:主要)?(?:问题|不足|差距|困难|短板|教训)[:：]?$|面临的(?:困难|问题|挑战)|薄弱环节"
)
# Plan parts are named by nouns (下步打算, 工作要点, 2016年重点工作); verb phrases such as
# 坚持以……为目标 or 精心部署 head items of the review, so 目标 and 部署 alone do not count.
_PLAN_HEADING = re.compile(
    r"打算|计划|安排|思路|要点|设想|展望|努力方向|今后(?:的)?(?:工作|方向|任务)|下步|下一步|明年|来年"
    r"|下半年|下阶段|重点工作$|工作重点$|目标任务|主要任务|工作任务|总体要求|政策取向|意见建议|工作建议"
    r"|工作的建议|奋斗目标|主要目标|目标和任务|总体部署|工作部署|政府自身建设"
)
_SUMMARY_HEADING = re.compile(
    r"回顾|总结|做法|成绩|成效|成果|基本情况|概况|进展|完成情况|执行情况|开展情况|落实情况|工作情况"
    r"|主要工作|取得|经验|亮点|特色|收获"
)
_YEAR = re.compile(r"((?:19|20)\d{2}|[１２][０-９]{3})\s*年")

# A paragraph that opens with one of these admits problems (我们也清醒认识到…, 但也存在…).
_PROBLEM_LEAD = re.compile(
    r"^.{0,40}?(?:清醒(?:地)?(?:看到|认识到|地看到|地认识到)|也(?:应该|要|必须)?清醒"
    r"|(?:但|但是|同时)[,，]?(?:也|还)(?:还|也)?存在|(?:还|也|仍|仍然)存在(?:着)?(?:一些|不少|许多|诸多|较多)?(?:问题|不足|困难|差距|薄弱)"
    r"|存在的(?:主要)?问题(?:是|有|主要|表现)|不足之处|问题和不足|不足和问题|困难和问题|问题和困难"
    r"|差距和不足|问题和挑战|困难和挑战|工作中(?:还)?(?:存在|有)(?:不少|一些)?(?:缺点|不足|问题))"
)
# An admission strong enough to mark a review paragraph as problem wherever it stands in it.
_ADMISSION = re.compile(r"清醒(?:地)?(?:看到|认识到)")
_LIST_ITEM = re.compile(
    r"^(?:——|[一二三四五六七八九十]是|第[一二三四五六七八九十][,，、]|其[一二三四五])"
)
# A paragraph that opens the plan part: 下半年,我局将重点做好以下几项工作:
_PLAN_LEAD = re.compile(
    r"^(?:[^。！？]{0,30}?)(?:下半年|下一步|下步|明年|今后|来年|新的一年|新年度|(?:19|20)\d{2}年)"
    r"[^。！？]{0,40}?(?:将|要|拟|计划|打算)[^。！？]*(?:以下|如下|几项|几个方面|几点)[^。！？]*[:：]$"
)
# After the problems, a paragraph that states the guiding idea or the overall requirements of
# the work (2024年,…工作的指导思想是:…; 今年政府工作的总体要求是:…) opens the plan part.
# It may follow a sentence or two of framing (新的一年是…之年。政府工作的总体要求是:…); a look-back
# (上半年,我局工作的总体思路是:… in a half-year review) states the idea of work done.
_PLAN_FRAME = re.compile(
    r"^(?:[^。！？]{0,60}[。！？]){0,2}(?![^。！？]{0,40}?(?:上半年|以来|一年来|去年|过去))[^。！？]{0,40}?"
    r"(?:指导思想|总体思路|工作思路|总体要求|总体目标|主要目标|预期目标|总的要求)(?:是|为)[:：]"
)
_FRAME_WORDS = re.compile(r"(?:思想|思路|要求|目标)(?:是|为)")

# The closing paragraph of a report or of its review part (docs/labelling.md §4) opens with a
# look back; its label is its main point: problems admitted, or work to come.
_CLOSING_OPENING = re.compile(
    r"^(?:总之|总的来看|总的来说|总的说来|总而言之|综上|同志们|尊敬的|过去的一年|一年来|半年来|回顾"
    r"|成绩属于过去|当然|在新的一年|展望)"
)
_FUTURE_FOCUS = re.compile(
    r"今后|将来|未来|展望|新的一年|新年|明年|下一步|下半年|我们将|我们要|要进一步"
)
# A paragraph that opens with a look back (过去一年…, 五年来…) and speaks of nothing to come and
# of no shortcoming reports work done (docs/labelling.md §5: the time of what is reported decides),
# even where it stands in a plan part: 过去的一年，外交工作取得新的重大成绩… closing the plans.
_LOOK_BACK = re.compile(
    r"^(?:[(（][一二三四五六七八九十]{1,3}[)）])?(?:过去(?:的)?[一二三四五几]?年|[一二三四五几]年来|去年以来)"
)
_AHEAD_OR_SHORT = re.compile(
    r"今后|将来|未来|新的一年|明年|今年|下一步|下半年|将|(?<![重主需只纲首摘概])要|拟|计划|力争"
    r"|确保|争取|不足|不够|差距|有待|不到位|薄弱|滞后"
)
_ANYWHERE_PROBLEM = re.compile(
    r"清醒(?:地)?(?:看到|认识到)|(?:但|但是)[,，]?(?:也|还)[^。]{0,8}存在|问题还比较突出|差距和不足|不足之处"
)

# A salutation or author/date line: context, not content.
_NO_LABEL_LINE = re.compile(
    r"^(?:各位代表|同志们|尊敬的[^,，。]{0,20}|各位(?:领导|同事|来宾|委员)[^,，。]{0,20})[!！:：,，]?$"
    r"|^(?:(?:时间|日期|发布时间|来源|作者|单位|报告人)[:：]|[（(]?\d{4}年\d{1,2}月\d{1,2}日[)）]?$)"
    r"|^——.{0,60}(?:会议|大会)上$|^.{0,12}(?:总理|省长|市长|县长|局长|主任|书记)\s*\S{2,4}$"
)

# A sentence end, for telling a formula standing alone from a paragraph that contains one.
_SENTENCE_END = re.compile(r"[。！？!?]+")


def _is_formula(paragraph: str) -> bool:
    """An opening or closing formula with no content (docs/labelling.md §8: 现在，我代表国务院，
    向大会报告政府工作，请予审议…): one of the lexicon's formula patterns in a paragraph of at
    most two sentences. A long paragraph that ends with 提出意见 has content of its own."""
    formula = default_lexicon().patterns["context_patterns"]["formula"]
    if not formula.search(paragraph):
        return False
    return len([s for s in _SENTENCE_END.split(paragraph) if s.strip()]) <= 2


# Cue words by role (docs/labelling.md#labels). Used to fill what structure leaves open.
_CUES = {
    SUMMARY: re.compile(r"了|已|完成|共计|累计|获得|开展了|取得|实现了|达到|\d+月\d+日"),
    PROBLEM: re.compile(
        r"不足|不够|有待|仍然|尚未|尚不|面临|薄弱|滞后|难以|欠缺|短板|差距|不强|不高|偏低|突出"
    ),
    PLAN: re.compile(r"将|要|拟|计划|力争|确保|争取|进一步|下半年|明年|今后|努力|加快|推动|着力"),
}


def heading_role(heading: str) -> str | None:
    """The role a heading gives its part, from its words; None for a neutral heading."""
    text = _STRIP_ENUMERATOR.sub("", heading.strip()).rstrip(":：")
    if _PROBLEM_HEADING.search(text):
        return PROBLEM
    if _SUMMARY_HEADING.search(text) and not re.search(
        r"下步|下一步|今后|明年|下半年|要点|计划|打算", text
    ):
        return SUMMARY
    if _PLAN_HEADING.search(text):
        return PLAN
    return None


def cue_label(paragraph: str) -> str:
    """The role whose cue words dominate a paragraph (problem cues weigh double: they are rare)."""
    counts = {label: len(pattern.findall(paragraph)) for label, pattern in _CUES.items()}
    counts[PROBLEM] *= 2
    best = max(LABELS, key=lambda label: counts[label])
    return best if counts[best] else SUMMARY


def _heading_year(heading: str) -> int | None:
    match = _YEAR.search(heading)
    if not match:
        return None
    digits = match.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return int(digits)


def _report_year(paragraphs: Sequence[str]) -> int | None:
    """The year a report is given in, from its title or date line (the first few paragraphs)."""
    for paragraph in paragraphs[:6]:
        if len(paragraph) <= 60 and (year := _heading_year(paragraph)) is not None:
            return year
    return None


def structural_roles(
    paragraphs: Sequence[str], opening: Role = SUMMARY, starts: Sequence[int] | None = None
) -> list[Role]:
    """Per paragraph: a label structure decides, None (no label: titles, salutations, dates),
    or `UNDECIDED` where structure gives no answer.

    Parts are opened by top-level headings and carry their role to the paragraphs below. A
    neutral heading (one whose words name no role) is placed by the order of parts, review →
    problems → plans: once plans or problems have come, it opens plans; a year later than the
    report's review year marks plans; after a named review part (工作回顾) it is undecided;
    otherwise it heads another item of the review. Lead-ins and closing paragraphs decide their
    own paragraph. Where a new report starts inside the text (`document_starts`), all of this
    is forgotten.

    `opening` is the role assumed before the first heading: SUMMARY reads a report the way
    reports are written (they open with a review); UNDECIDED assumes nothing, for callers that
    have other evidence, such as a classifier, and may be given a report without headings.
    `starts` are the paragraphs' `document_starts`, for a caller that has them already.
    """
    roles: list[Role] = []
    starts = set(document_starts(list(paragraphs)) if starts is None else starts)
    for i, paragraph in enumerate(paragraphs):
        if i in starts:
            part: Role = opening if i == 0 else UNDECIDED
            top_level: int | None = None
            review_year = _report_year(paragraphs[i:])
            review_named = problems_seen = seen_content = False
        if (
            _NO_LABEL_LINE.search(paragraph)
            or _is_formula(paragraph)
            or (not seen_content and _is_title(paragraph))
        ):
            roles.append(NO_LABEL)
            continue
        seen_content = True
        if is_heading(paragraph):
            level = heading_level(paragraph)
            role = heading_role(paragraph)
            year = _heading_year(paragraph)
            is_top = level is None or top_level is None or level <= top_level
            if level is not None and (top_level is None or level < top_level):
                top_level = level
            if role == SUMMARY and is_top:
                review_named = True
                review_year = year if year is not None else review_year
            if role is None and is_top:
                if part == PLAN or problems_seen:
                    role = PLAN
                elif year is not None and review_year is not None:
                    role = PLAN if year >= review_year else SUMMARY
                else:
                    role = UNDECIDED if review_named or part == UNDECIDED else SUMMARY
            if role is not None:
                part = role
            problems_seen = problems_seen or part == PROBLEM
            roles.append(part)
            continue
        if _closes_part(paragraphs, i, starts) and _CLOSING_OPENING.match(paragraph):
            if _ANYWHERE_PROBLEM.search(paragraph):
                roles.append(PROBLEM)
            elif _FUTURE_FOCUS.search(paragraph):
                roles.append(PLAN)
            else:
                roles.append(SUMMARY if part == PLAN and _is_look_back(paragraph) else part)
        elif _PLAN_LEAD.search(paragraph) or (problems_seen and _states_plan_frame(paragraph)):
            part = PLAN
            roles.append(PLAN)
        elif part != PROBLEM and (
            _PROBLEM_LEAD.search(paragraph)
            or (part in (SUMMARY, UNDECIDED) and _ADMISSION.search(paragraph))
        ):
            if paragraph.rstrip().endswith((":", "：")):
                part = PROBLEM  # 存在的问题主要表现在: introduces a list of problems
            roles.append(PROBLEM)
        elif roles and roles[-1] == PROBLEM and _LIST_ITEM.match(paragraph):
            roles.append(PROBLEM)  # 一是……二是……: the items of a list of problems
        elif part == PLAN and _is_look_back(paragraph):
            roles.append(SUMMARY)
        else:
            roles.append(part)
        problems_seen = problems_seen or roles[-1] == PROBLEM
    return roles


def own_role(paragraph: str) -> str | None:
    """The role a paragraph's own words decide when it is read alone: a heading that names its
    part (二、存在问题 → problem), a lead-in (下半年,我局将重点做好以下几项工作: → plan;
    但也存在一些问题… → problem), a look-back whose main point is work to come or a shortcoming
    (docs/labelling.md §1, §2 and §4), or a statement of the targets or requirements of the
    work ahead (今年发展主要预期目标是:… → plan). None when the words leave it open."""
    role = structural_roles([paragraph], opening=UNDECIDED, starts=(0,))[0]
    if role == UNDECIDED and _states_plan_frame(paragraph):
        # In a document a guiding idea opens the plans only after the problems, since a review
        # may state its own; read alone, every such paragraph in the reports is a plan.
        return PLAN
    return role if role in LABELS else None


def _states_plan_frame(paragraph: str) -> bool:
    # The frame words can only sit in the first 170 characters; looking for them first is
    # cheaper than running _PLAN_FRAME on every paragraph.
    return bool(_FRAME_WORDS.search(paragraph, 0, 180) and _PLAN_FRAME.search(paragraph))


def _is_look_back(paragraph: str) -> bool:
    """A review of work done: a look-back opening, nothing ahead and no shortcoming."""
    return bool(_LOOK_BACK.match(paragraph)) and not _AHEAD_OR_SHORT.search(paragraph)


def _closes_part(paragraphs: Sequence[str], i: int, starts: set[int]) -> bool:
    """Paragraph i is the last before the document ends or a top-level heading opens a part."""
    nxt = i + 1
    if nxt == len(paragraphs) or nxt in starts:
        return True
    return is_heading(paragraphs[nxt]) and heading_level(paragraphs[nxt]) in (None, 1)


def _is_title(paragraph: str) -> bool:
    """A title line before any content: short, no sentence punctuation, not numbered."""
    return (
        is_heading(paragraph)
        and heading_level(paragraph) is None
        and heading_role(paragraph)
        in (
            None,
            SUMMARY,
        )
    )


def weak_labels(paragraphs: Sequence[str]) -> list[str | None]:
    """Labels for every paragraph of one report: structure first; where it is silent, each run
    of undecided paragraphs (a part under a neutral heading) takes the role its cue words
    favour as a whole, since one paragraph's cues are too few to go by."""
    labels = structural_roles(paragraphs)
    i = 0
    while i < len(labels):
        if labels[i] != UNDECIDED:
            i += 1
            continue
        end = i
        while end < len(labels) and labels[end] == UNDECIDED:
            end += 1
        role = cue_label("".join(paragraphs[i:end]))
        labels[i:end] = [role] * (end - i)
        i = end
    return labels
