"""The committed default model (models/zongjie.model) on short real snippets of each family of
reports, with and without their headings.

The expectations are the labels of the gold (docs/labelling.md), never what a model
happens to say: these tests measure the model that ships. Re-run them when the default model
is replaced (`pytest -m default_model`). Each snippet is a few paragraphs copied, and some of
them shortened, from the seeds or the shared corpora; the headless variant is the same
document with its headings removed, as a report reads when its headings are lost.
"""

from __future__ import annotations

import pytest

from zongjie.document import LABELS
from zongjie.model import Model
from zongjie.persistence import load_model_file

from conftest import DEFAULT_MODEL

pytestmark = pytest.mark.default_model

S, P, L, N = "summary", "problem", "plan", None

# (paragraph, gold label, is a heading). Headings carry the role of the part they open
# (docs/labelling.md §1); titles, bylines, dates, salutations and empty formulas are null
# (§6, §8).
SNIPPETS: dict[str, list[tuple[str, str | None, bool]]] = {
    # Seed 002, report 6: a town's cadre training (institutional work report).
    "institutional": [
        (
            "近年来,在县委、县政府的正确领导下,镇党委认真贯彻落实党的十七大、十八大精神,组织党员深入学习实践科学发展观,加大党员的教育培训力度,取得了一定成效。",
            S,
            False,
        ),
        ("一、主要做法", S, True),
        ("1、加强组织领导,提供组织保证", S, True),
        (
            "为促进机关干部培训工作的开展,镇党委成立了加强机关干部教育培训工作的领导小组,将机关干部教育培训工作细化分工到个人,确保了教育培训工作扎实有序地开展。",
            S,
            False,
        ),
        ("(三)依托各村支部现代远程教育接收点开展村级党员培训。", S, False),
        ("二、存在问题", P, True),
        (
            "当前我镇教育培训工作虽然取得了一定的成绩,但也存在着许多问题,其主要有:一是一些机关干部对此项工作思想认识不到位,出现了“人员难集中、教育难开展”的问题。",
            P,
            False,
        ),
        ("三、下步打算", L, True),
        (
            "1、加强领导,明确责任。镇党委结合各村、各单位实际,负责具体安排落实,调动广大党员参与的积极性,扎实开展党员教育的各项活动,认真组织好民主评议活动。",
            L,
            False,
        ),
        (
            "2、统筹兼顾,紧跟时代。要根据工作实际特点,做到有组织领导、教学计划、固定场所、教学设备、必要的活动经费和活动内容。",
            L,
            False,
        ),
    ],
    # work-reports-2007-2024: a new hire's report at a consumer-finance company's IT department.
    "personal": [
        ("工作汇报", N, True),
        (
            "时光飞驰，转眼间加入长银58信息科技部已经有四个多月了。在公司领导的正确引领和各位同事的关心下，使我能快速地适应、融入新环境。",
            S,
            False,
        ),
        (
            "入职以来，我努力实践着自己的诺言，力争做到更高、更强、更优。下面我就这四个多月的工作情况向各位领导与同事做个简要汇报，以接受大家评议：",
            S,
            False,
        ),
        ("一、工作上：", S, True),
        (
            "这四个多月里，我主要参与了对中台系统和前端中心的日常维护和新需求的开发以及铁犀牛接入nacos和spring cloud互调开发。",
            S,
            False,
        ),
        ("需求一、更新《个人征信授权书》的申请需求", S, False),  # §10: a list of work done
        ("需求二、生成合同支持合同生成背景需求", S, False),
        ("二、不足之处：", P, True),
        (
            "这四个多月的时间里，由于大部分时间都置身于铁犀牛接入nacos和spring cloud互调需求的开发，导致对中台系统和前端中心业务不够熟悉，所以处理问题相对吃力，效率也较低。",
            P,
            False,
        ),
        (
            "此外，工作中有时候处理问题时不够严谨，有时候前期考虑不足就急于开干，从而导致BUG及开发效率降低。",
            P,
            False,
        ),
        ("三、今后的工作：", L, True),
        (
            "在接下来的工作中，我将快速高质量的完成新需求的开发，从而将工作重心转移到各项目中去。计划对各系统进行全面、系统的学习，多读代码，多思考，多问，多总结。",
            L,
            False,
        ),
        ("希望在对业务和技术有一定的积累后，能往项目经理方向去发展。", L, False),
    ],
    # work-reports-2007-2024: an edtech backend developer's annual review, in Markdown.
    "personal_markdown": [
        ("# 年度总结", N, True),
        ("## 1.工作总结", S, True),
        (
            "这一年在公司主要还是使用C#和SQLServer来开发绘学霸的后台管理、绘学霸web前端页面的接口。",
            S,
            False,
        ),
        (
            "在年尾的时候就陆续参与到关于PHP、WP开发的第三方SEO页面项目中。还有也参与了APP接口的开发。",
            S,
            False,
        ),
        ("## 2.工作上的不足", P, True),
        (
            "- 团队协调方面还是差了一点，有时候信息传达不准确或者不够快。这个还是需要多沟通",
            P,
            False,
        ),
        ("- 处理问题思路简单，不够成熟。这个有待提高自己的工作水平", P, False),
        ("## 3.未来技术栈方向", L, True),
        (
            "- 主要还是向着JAVA（各种框架：spring、springboot2、mybatis、spring cloud等等）和Mysql、redis方向走",
            L,
            False,
        ),
        ("- 运维方面也可以多学习docker、linux、k8s", L, False),
    ],
    # gwr-local-2015-2024: 高阳县 2019 government work report (a county).
    "local_gov": [
        ("政 府 工 作 报 告", N, True),
        ("2019年1月17日在高阳县第十七届人民代表大会第三次会议上", N, True),
        ("高阳县人民政府县长 闫向阳", N, True),
        ("各位代表：", N, True),
        (
            "现在，我代表高阳县人民政府，向大会作工作报告，请予审议，并请县政协委员和列席会议的同志提出意见。",
            N,
            False,
        ),
        ("一、2018年工作回顾", S, True),
        (
            "2018年，在市委、市政府和县委的坚强领导下，我们坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的十九大精神和中央、省、市各项决策部署，经济社会发展取得了新的成绩。",
            S,
            False,
        ),
        (
            "一年来，我们倾力保障改善民生，全力维护社会安全稳定，人民群众获得感、幸福感、安全感得到进一步增强。全县贫困人口实现脱贫3403人，顺利通过省、市考核评估。",
            S,
            False,
        ),
        (
            "在肯定成绩的同时，我们也清醒地看到，全县经济社会发展中依然存在一些深层次矛盾和问题。一是经济发展的质量和效益还不够高，传统产业转型升级步伐需要全面加快。",
            P,
            False,
        ),
        ("二、2019年发展目标和重点工作", L, True),
        (
            "通过分析研判各方面情况，我们初步确定了今年全县经济社会发展主要预期目标：全县地区生产总值增长8%；规模以上工业增加值增长9%；固定资产投资增长6%。",
            L,
            False,
        ),
        (
            "一是在加强污染防治保护生态环境上持续用力。坚持生态优先、绿色发展，以大气污染、水污染和土壤污染综合治理为重点，持续用力，久久为功。",
            L,
            False,
        ),
    ],
    # gwr-state-council-1954-2017: the 2016 report of the State Council.
    "national_gov": [
        ("2016政府工作报告", N, True),
        ("——2016年3月5日在第十二届全国人民代表大会第四次会议上", N, True),
        ("国务院总理 李克强", N, True),
        ("各位代表：", N, True),
        (
            "现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协各位委员提出意见。",
            N,
            False,
        ),
        ("一、2015年工作回顾", S, True),
        (
            "过去一年，我国发展面临多重困难和严峻挑战。全国各族人民攻坚克难，开拓进取，经济社会发展稳中有进、稳中有好，完成了全年主要目标任务。",
            S,
            False,
        ),
        (
            "——经济运行保持在合理区间。国内生产总值达到67.7万亿元，增长6.9%，在世界主要经济体中位居前列。",
            S,
            False,
        ),
        (
            "在充分肯定去年成绩的同时，我们也清醒看到，我国发展中还存在不少困难和问题。投资增长乏力，一些行业产能过剩严重，部分企业生产经营困难。",
            P,
            False,
        ),
        ("三、2016年重点工作", L, True),
        (
            "今年发展的主要预期目标是：国内生产总值增长6.5%-7%，居民消费价格涨幅3%左右，城镇新增就业1000万人以上。",
            L,
            False,
        ),
        (
            "我们将继续高举和平、发展、合作、共赢的旗帜，践行中国特色大国外交理念，维护国家主权、安全、发展利益。",
            L,
            False,
        ),
        ("各位代表！", N, True),
        (
            "奋斗才能赢得未来。让我们凝心聚力，奋发进取，努力完成今年经济社会发展目标任务。",
            L,
            False,
        ),
    ],
}


@pytest.fixture(scope="module")
def default_model() -> Model:
    return load_model_file(DEFAULT_MODEL)


def _labels(model: Model, paragraphs: list[str]) -> list[str | None]:
    return Model.document_labels(model.document_states(paragraphs))


def _shown(paragraphs: list[str], got: list, expected: list) -> str:
    return "\n".join(
        f"{'  ' if g == e else '✗ '}{e!s:8} {g!s:8} {p[:40]}"
        for p, g, e in zip(paragraphs, got, expected, strict=True)
    )


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_a_report_with_its_headings(default_model, name: str) -> None:
    paragraphs = [p for p, _, _ in SNIPPETS[name]]
    expected = [label for _, label, _ in SNIPPETS[name]]
    got = _labels(default_model, paragraphs)
    assert got == expected, "\n" + _shown(paragraphs, got, expected)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_the_same_report_without_headings(default_model, name: str) -> None:
    kept = [(p, label) for p, label, heading in SNIPPETS[name] if not heading]
    paragraphs, expected = [p for p, _ in kept], [label for _, label in kept]
    got = _labels(default_model, paragraphs)
    assert got == expected, "\n" + _shown(paragraphs, got, expected)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_headings_read_alone(default_model, name: str) -> None:
    # predict stays three-way: a heading that names its part gets its role alone too.
    headings = [(p, label) for p, label, heading in SNIPPETS[name] if heading and label]
    proba = default_model.paragraph_proba([p for p, _ in headings])
    got = [LABELS[i] for i in proba.argmax(axis=1)]
    assert got == [label for _, label in headings]


def test_the_default_model_is_the_committed_file(default_model) -> None:
    from zongjie.api import default_model_path
    from zongjie.lexicon import lexicon_hash

    assert default_model_path() == DEFAULT_MODEL
    assert default_model.metadata["labels"] == list(LABELS)
    assert default_model.metadata["lexicon_hash"] == lexicon_hash(default_model.lexicon.data)
