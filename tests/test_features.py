"""Features: normalisation, tokenizers, and the numpy-applied TF-IDF against scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from zongjie.features import build_features
from zongjie.labels import load_gold
from zongjie.text import TOKENIZERS, cue_counts, cue_features, normalize, tokenize, tokenize_rjieba

from conftest import GOLD


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    return [p for d in load_gold(GOLD) for p in d.paragraphs]


def test_normalize_folds_the_genres_conventions() -> None:
    assert normalize("１９９０年，ＧＤＰ增长３．６８％。") == "0年,gdp增长0%。"
    assert normalize("我们\u3000完成了 任务\n") == "我们完成了任务"
    assert normalize("①加强领导⒈落实") == "0加强领导0.落实"
    assert normalize("ﬁ²") == "fi0"  # outside the fast table: full NFKC
    # A unit's name for itself is the government reports' 我们; the country and 自我 are not.
    assert normalize("我镇坚持德育为首,我局、我校和我国") == "我们坚持德育为首,我们、我们和我国"
    assert normalize("加强自我校正") == "加强自我校正"


@pytest.mark.parametrize("tokenizer", ["jieba", "rjieba"])
def test_numpy_tfidf_equals_scikit_learns(paragraphs: list[str], tokenizer: str) -> None:
    features = build_features(
        {
            "kind": "word",
            "tokenizer": tokenizer,
            "min_df": 2,
            "max_df": 0.9,
            "stop_words": ["的", "和", "。"],
        }
    ).fit(paragraphs)
    reference = clone(features.vectorizer).fit(paragraphs)
    unseen = ["全新的词汇组合出现在这里。", "", "Only English words here."]
    for texts in (paragraphs, unseen):
        _assert_same(features.transform(texts), reference.transform(texts))
    assert list(features.get_feature_names_out()) == list(reference.get_feature_names_out())


def _assert_same(ours, theirs) -> None:
    assert ours.shape == theirs.shape
    ours.sort_indices()
    theirs.sort_indices()
    assert (ours.indptr == theirs.indptr).all() and (ours.indices == theirs.indices).all()
    np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-6)


def test_trigrams_too(paragraphs: list[str]) -> None:
    features = build_features({"kind": "word", "ngram_range": [1, 3], "min_df": 2})
    features.fit(paragraphs[:120])
    reference = clone(features.vectorizer).fit(paragraphs[:120])
    _assert_same(features.transform(paragraphs), reference.transform(paragraphs))


def test_both_tokenizers_agree_on_most_paragraphs(paragraphs: list[str]) -> None:
    assert set(TOKENIZERS) == {"jieba", "rjieba"}
    same = sum(tokenize(normalize(p)) == tokenize_rjieba(normalize(p)) for p in paragraphs)
    assert same / len(paragraphs) >= 0.9


def test_unknown_choices_are_named() -> None:
    with pytest.raises(ValueError, match=r"features\.kind must be word, char or word\+char"):
        build_features({"kind": "bytes"})
    with pytest.raises(ValueError, match=r"features\.tokenizer must be one of"):
        build_features({"kind": "word", "tokenizer": "pkuseg"})


def test_cue_features_add_the_role_a_heading_names() -> None:
    texts = [
        "二、存在问题",
        "三、下步打算",
        "一、基本情况",
        "二、加强队伍建设,提高教师素质",  # a heading that names no role
        "针对存在的问题,我们及时进行了整改。",  # a sentence, not a heading
    ]
    features = cue_features(texts)
    np.testing.assert_array_equal(features[:, :6], cue_counts(texts))
    # Columns summary, problem, plan.
    np.testing.assert_array_equal(
        features[:, 6:], [[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 0], [0, 0, 0]]
    )
    assert cue_features([]).shape == (0, 9)


def test_unknown_cue_blocks_are_named() -> None:
    with pytest.raises(ValueError, match=r"features\.cues must be false, true or one of"):
        build_features({"kind": "word", "cues": "shapes"})
