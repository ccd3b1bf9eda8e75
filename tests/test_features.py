"""What the models read: the lexicon cue block of the paragraph classifier, and the attributes
of each paragraph of a document for the sequence model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zongjie.features import (
    CueFeatures,
    WordTfidf,
    build_paragraph_features,
    cue_block,
    cue_columns,
    sequence_attributes,
)
from zongjie.lexicon import default_lexicon

LEXICON = default_lexicon()
# The sequence attributes without the paragraph's own words.
NO_WORDS = {"words": None, "stop_words": (), "word_value": 1.0}


def _cues(paragraph: str) -> dict[str, float]:
    row = cue_block([paragraph], LEXICON)[0]
    return {c: round(float(v), 3) for c, v in zip(cue_columns(LEXICON), row, strict=True) if v}


def test_cue_columns_follow_the_lexicon_groups() -> None:
    assert cue_columns(LEXICON) == [
        "cue_log_done", "cue_log_future", "cue_log_problem",
        "cue_share_done", "cue_share_future", "cue_share_problem",
        "lead_in_problem", "lead_in_plan", "lead_in_summary",
        "heading_word_summary", "heading_word_problem", "heading_word_plan",
        "label_word_summary", "label_word_problem", "label_word_plan",
        "heading",
        "context_salutation", "context_formula", "context_byline", "context_date",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("paragraph", "cues"),
    [
        # A heading naming its part (docs/labelling.md §1): its words count as heading words.
        (
            "二、存在问题",
            {
                "cue_log_problem": 1.099,
                "cue_share_problem": 1.0,
                "heading_word_problem": 1.0,
                "heading": 1.0,
            },
        ),
        # A lead-in of the plans (docs/labelling.md §2).
        (
            "下半年，我局将重点做好以下几项工作：",
            {"cue_log_future": 1.386, "cue_share_future": 1.0, "lead_in_plan": 1.0},
        ),
        # A salutation standing alone (docs/labelling.md §8).
        ("各位代表！", {"context_salutation": 1.0}),
        # An inline label naming a role (不足之处：…) is not a heading.
        (
            "不足之处：测试写得太少。",
            {
                "cue_log_problem": 0.693,
                "cue_share_problem": 1.0,
                "lead_in_problem": 1.0,
                "label_word_problem": 1.0,
            },
        ),
        (
            "上半年共完成了培训120人次。",
            {"cue_log_done": round(math.log1p(4), 3), "cue_share_done": 1.0},
        ),
        # A byline is context, not a heading: it opens no part.
        ("时间:2022-09-10 09:52:00", {"context_byline": 1.0}),
    ],
)
def test_cue_block_of_real_paragraphs(paragraph: str, cues: dict[str, float]) -> None:
    assert _cues(paragraph) == cues


def test_cue_block_shape_and_type() -> None:
    block = cue_block(["一、主要成绩", "经费不足。"], LEXICON)
    assert block.shape == (2, 20) and block.dtype == np.float32
    assert cue_block([], LEXICON).shape == (0, 20)
    np.testing.assert_array_equal(
        CueFeatures(LEXICON).fit(["x"]).transform(["经费不足。"]), block[1:]
    )


def test_paragraph_features_are_tfidf_then_cues() -> None:
    params = {
        "tokenizer": "chars",
        "ngram_range": [1, 2],
        "min_df": 1,
        "max_df": 1.0,
        "max_features": None,
        "sublinear_tf": True,
        "stop_words": [],
        "cues": True,
    }
    blocks = build_paragraph_features(params, LEXICON)
    assert [type(b) for b in blocks] == [WordTfidf, CueFeatures]
    assert [type(b) for b in build_paragraph_features({**params, "cues": False}, LEXICON)] == [
        WordTfidf
    ]
    with pytest.raises(
        ValueError,
        match=r"features\.tokenizer must be one of \['chars', 'jieba', 'rjieba'\], not 'pkuseg'",
    ):
        build_paragraph_features({**params, "tokenizer": "pkuseg"}, LEXICON)


def test_word_tfidf_transforms_to_a_sparse_matrix() -> None:
    tfidf = WordTfidf("rjieba", (1, 1), 1, 1.0, None, False, ["的"]).fit(
        ["我们完成了任务", "我们将完成任务", "问题的原因"]
    )
    matrix = tfidf.transform(["完成任务", "没有已知的词"])
    assert matrix.shape == (2, tfidf.table_.n_features)
    assert matrix[1].nnz == 0 and matrix[0].nnz == 2
    assert sorted(tfidf.table_.feature_names()) == sorted(
        ["我们", "完成", "了", "任务", "将", "问题", "原因"]
    )


# ---------------------------------------------------------------------- sequence attributes

DOCUMENT = ["一、主要成绩", "上半年共完成了培训120人次。", "二、存在问题", "经费不足。"]
PROBA = np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1]])


def test_each_paragraph_reads_its_enclosing_heading() -> None:
    attributes = sequence_attributes(DOCUMENT, PROBA, LEXICON, **NO_WORDS)
    assert len(attributes) == 4
    first, item, heading, problem = attributes
    assert first["p_summary"] == 0.9 and first["logp_summary"] == pytest.approx(math.log(0.9001))
    assert {
        "heading",
        "heading_word_summary",
        "numbering_cn",
        "no_heading_above",
        "from_start_0",
        "next-1_none",
    } <= set(first)
    assert item["outer_heading_word_summary"] == 1.0 and item["outer_role_summary"] == 1.0
    assert item["inner_p_summary"] == 0.9 and item["next-1_heading"] == 1.0
    assert "no_heading_above" not in item
    # The second part's heading closes the first: its item reads 存在问题, not 主要成绩.
    assert "no_heading_above" in heading
    assert problem["outer_heading_word_problem"] == 1.0 and problem["outer_role_problem"] == 1.0
    assert "outer_heading_word_summary" not in problem
    assert problem["to_end_0"] == 1.0 and problem["next1_none"] == 1.0
    assert not any(key.startswith("word:") for a in attributes for key in a)


def test_words_of_the_paragraph_and_of_its_headings() -> None:
    attributes = sequence_attributes(
        DOCUMENT, PROBA, LEXICON, words="rjieba", stop_words=["。"], word_value=1.0
    )
    problem = attributes[3]
    assert {k for k in problem if k.startswith(("word:", "heading_above:"))} == {
        "word:经费不足",
        "heading_above:存在",
        "heading_above:问题",
    }


def test_an_inline_label_names_the_role_of_its_paragraph() -> None:
    proba = np.full((1, 3), 1 / 3)
    (attributes,) = sequence_attributes(
        ["改进措施：加强学习，提高能力。"], proba, LEXICON, **{**NO_WORDS, "words": "rjieba"}
    )
    assert attributes["label"] == 1.0
    assert {"label:改进", "label:措施"} <= set(attributes)
    (attributes,) = sequence_attributes(["不足之处：测试写得太少。"], proba, LEXICON, **NO_WORDS)
    assert attributes["label_word_problem"] == 1.0


def test_salutations_and_formulas_are_marked() -> None:
    paragraphs = ["各位代表！", "现在，我代表市人民政府向大会报告工作，请予审议。"]
    salutation, formula = sequence_attributes(
        paragraphs, np.full((2, 3), 1 / 3), LEXICON, **NO_WORDS
    )
    assert salutation["context_salutation"] == 1.0
    assert formula["context_formula"] == 1.0
