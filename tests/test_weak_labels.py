"""The weak labeller of the State Council reports: on real snippets, on the gold seeds and on
the reports themselves."""

from __future__ import annotations

from collections import Counter

import pytest

from zongjie.dataset import read_national_reports
from zongjie.weak_labels import UNDECIDED, heading_role, own_role, structural_roles, weak_labels

from conftest import CORPORA


@pytest.mark.parametrize(
    ("heading", "role"),
    [
        ("二、存在问题", "problem"),
        ("存在问题:", "problem"),
        ("三、问题与不足", "problem"),
        ("三、下步打算", "plan"),
        ("五、下步工作打算", "plan"),
        ("二、2024年工会工作要点", "plan"),
        ("三、2016年重点工作", "plan"),
        ("二、2024年经济社会发展总体要求和政策取向", "plan"),
        ("一、2015年工作回顾", "summary"),
        ("一、主要做法", "summary"),
        ("一、 基本情况", "summary"),
        ("一、坚持以满足群众教育需求为目标,高水平、高质量地普及农村义务教育", None),
        ("六、积极关心和解决学校的实际问题、确保师资队伍的稳定", None),
    ],
)
def test_heading_roles(heading: str, role: str | None) -> None:
    assert heading_role(heading) == role


def test_headings_carry_their_role_down() -> None:
    paragraphs = [
        "一、主要做法",
        "我们全年组织培训12期,参训干部560人次。",
        "二、存在问题",
        "一是培训形式单一。",
        "三、下步打算",
        "1、加强领导,明确责任。",
        "要根据工作实际,制定培训计划。",
    ]
    assert weak_labels(paragraphs) == [
        "summary",
        "summary",
        "problem",
        "problem",
        "plan",
        "plan",
        "plan",
    ]


def test_lead_in_inside_the_review_is_a_problem() -> None:
    # From the 2016 government work report: the problems are one paragraph of the review.
    paragraphs = [
        "2016政府工作报告",
        "各位代表：",
        "一、2015年工作回顾",
        "过去一年，我国发展面临多重困难和严峻挑战。经济社会发展稳中有进、稳中有好。",
        "在充分肯定去年成绩的同时，我们也清醒看到，我国发展中还存在不少困难和问题。",
        "各位代表！",
        '二、"十三五"时期主要目标任务和重大举措',
        "今后五年，要在已经确定的全面建成小康社会目标要求的基础上，努力实现以下目标。",
    ]
    assert weak_labels(paragraphs) == [
        None,
        None,
        "summary",
        "summary",
        "problem",
        None,
        "plan",
        "plan",
    ]


def test_closing_paragraphs_are_labelled_by_their_main_point() -> None:
    review = ["一、加强领导", "我们成立了领导小组,全年召开会议6次。"]
    plan_close = "同志们,成绩属于过去,希望在于未来,在今后的工作中进一步振奋精神,作出我们的努力。"
    problem_close = (
        "一年来工作取得成效,但是,也应该清醒地认识到,有些问题还比较突出,需要加以研究和改进。"
    )
    assert weak_labels([*review, plan_close])[-1] == "plan"
    assert weak_labels([*review, problem_close])[-1] == "problem"


def test_a_look_back_inside_the_plans_is_a_summary() -> None:
    plans = [
        "一、2010年工作回顾",
        "经济平稳较快发展。",
        "二、2011年工作安排",
        "要坚持扩大内需的方针。",
    ]
    review = "过去的一年，外交工作取得新的重大成绩，我国积极参加国际合作，发挥了建设性作用。"
    ahead = "过去一年，国防和军队建设取得新的成就。新的一年，要全面加强军队建设。"
    admitted = "一年来，政府自身建设取得新进展，但与人民的期待还有不小差距。"
    closing = ["三、加强政府自身建设", "要坚持依法行政。"]
    for middle, label in ((review, "summary"), (ahead, "plan")):
        assert structural_roles([*plans, middle, *closing])[4] == label
        assert weak_labels([*plans, *closing, middle])[-1] == label  # closing the report
    # An admission is not a plain review: the look-back rule leaves it to the part.
    assert structural_roles([*plans, admitted, *closing])[4] == "plan"


def test_neutral_heading_after_problems_opens_the_plans() -> None:
    paragraphs = [
        "一、过去一年工作回顾",
        "经济平稳较快发展。",
        "我们清醒地看到，经济社会发展中还存在不少问题和困难。",
        "三、继续保持经济平稳较快发展",
        "要坚持扩大内需的方针。",
    ]
    assert structural_roles(paragraphs)[3:] == ["plan", "plan"]


@pytest.mark.parametrize(
    ("paragraph", "role"),
    [
        ("二、存在问题", "problem"),
        ("三、下步打算", "plan"),
        ("一、基本情况", "summary"),
        ("下半年,我局将重点做好以下几项工作:", "plan"),
        ("虽然取得了一定成绩,但也还存在一些问题,主要表现在:", "problem"),
        ("总之,一年来工作取得了成效。在今后的工作中,我们要进一步振奋精神,争取更大成绩。", "plan"),
        ("一、加强队伍建设,提高教师素质", None),  # a neutral heading: review or plans
        ("上半年共培训干部560人次。", None),
        ("2024年工作总结", None),  # a title
        # A statement of the targets or requirements of work to come, after a framing sentence.
        (
            "新的一年是全面深化改革的关键之年。今年发展主要预期目标是:国内生产总值增长5%左右;"
            "城镇新增就业1200万人以上。",
            "plan",
        ),
        ("上半年,我局工作的总体思路是:以党建为引领,以项目为抓手。", None),  # the idea of work done
        ("各位代表:", None),
    ],
)
def test_own_role_of_a_paragraph_read_alone(paragraph: str, role: str | None) -> None:
    assert own_role(paragraph) == role


def test_a_guiding_idea_after_the_problems_opens_the_plans() -> None:
    # Seed 002's union report with its headings lost: review, problems, then the plan part.
    paragraphs = [
        "一年来,我镇工会组织建设不断加强,会员达228余人。",
        "但是,也应该清醒地认识到,我们的工作还存在一些问题和不足。",
        "2024年,教育工会工作的指导思想是:以构建和谐教育为主题,突出维护职责。",
        "对学校校务公开工作进行一次检查,召开一次经验交流会;",
    ]
    assert structural_roles(paragraphs, opening=UNDECIDED) == [UNDECIDED, "problem", "plan", "plan"]
    # Before any problem, the same words describe how the year's work was guided.
    review = ["2024年,我局工作的总体思路是:围绕中心,服务大局。", "全年完成培训120人次。"]
    assert structural_roles(review, opening=UNDECIDED) == [UNDECIDED, UNDECIDED]


def test_structure_leaves_what_it_cannot_tell_undecided() -> None:
    paragraphs = [
        "一、过去一年工作回顾",
        "经济平稳较快发展。",
        "二、加快转变发展方式",
        "要坚持扩大内需。",
    ]
    assert structural_roles(paragraphs)[2:] == [UNDECIDED, UNDECIDED]
    assert weak_labels(paragraphs)[2:] == ["plan", "plan"]  # decided by the part's cue words


def test_weak_labels_are_the_gold_labels_of_the_seeds(seed_documents) -> None:
    # Not an independent estimate: the rules were written while reading the seeds.
    for document in seed_documents:
        assert weak_labels(document.paragraphs) == list(document.labels), document.id


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora folder not present")
def test_government_reports_get_every_role() -> None:
    documents = read_national_reports(CORPORA, min_year=2014, max_year=2100)
    assert [d.id for d in documents][:2] == ["gwr-2014", "gwr-2015"]
    assert len({d.id for d in documents}) == len(documents)  # the two folders' overlap counts once
    for document in documents:
        counts = Counter(document.labels)
        assert counts["summary"] > 10 and counts["plan"] > 15, document.id
        assert not any("Public domain" in p for p in document.paragraphs)


def test_opening_and_closing_formulas_have_no_label() -> None:
    # docs/labelling.md §8: a formula with no content is null. The weak labeller gave the State
    # Council reports' 现在，我代表国务院… its part's role (summary), 33 times, and the model
    # learned it.
    paragraphs = [
        "2016年政府工作报告",
        "各位代表：",
        "现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协各位委员提出意见。",
        "一、2015年工作回顾",
        "过去一年，我国发展面临多重困难和严峻挑战，经济运行保持在合理区间。",
        "以上报告，请审阅。",
    ]
    assert structural_roles(paragraphs) == [None, None, None, "summary", "summary", None]


def test_a_paragraph_with_content_that_ends_with_a_formula_keeps_its_role() -> None:
    paragraphs = [
        "一、2015年工作回顾",
        "各位代表！全国人民非常关心的三峡工程，是一项具有综合效益的巨大工程，论证工作已经进行"
        "多年。国务院已将兴建三峡工程的议案提请本次大会审议。希望各位代表认真审议，提出意见。",
    ]
    assert structural_roles(paragraphs) == ["summary", "summary"]
