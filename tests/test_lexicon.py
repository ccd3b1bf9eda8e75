"""The lexicon as data: one YAML file, validated and compiled, hashed, and frozen into every
model trained with it."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zongjie.lexicon import DEFAULT_PATH, Lexicon, default_lexicon, lexicon_hash, read_lexicon
from zongjie.persistence import load_model_file

SECTIONS = ["context_patterns", "cue_words", "heading_words", "lead_ins", "numbering_styles"]


def _data() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_shipped_lexicon_is_the_default() -> None:
    lexicon = default_lexicon()
    assert sorted(lexicon.data) == SECTIONS
    assert lexicon.hash == read_lexicon(DEFAULT_PATH).hash == lexicon_hash(_data())
    assert lexicon.groups("heading_words") == ("summary", "problem", "plan")
    assert lexicon.groups("context_patterns") == ("salutation", "formula", "byline", "date")
    assert [name for name, _ in lexicon.numbering][:3] == ["chapter", "cn", "cn_paren"]


def test_words_match_as_substrings_longest_first_and_case_blind() -> None:
    words = default_lexicon().words["heading_words"]
    assert words["problem"].search("less well".lower())
    assert words["summary"].search("well")
    assert words["plan"].search("2024年工作要点")
    assert not words["plan"].search("主要成绩")
    match = default_lexicon().words["lead_ins"]["problem"].search("我们也清醒地认识到,还存在不足")
    assert match.group(0) == "清醒地认识到"  # the longer lead-in, not 还存在 later on


def test_patterns_are_regular_expressions() -> None:
    salutation = default_lexicon().patterns["context_patterns"]["salutation"]
    assert salutation.search("各位代表！") and salutation.search("尊敬的各位领导：")
    assert not salutation.search("各位代表提出了很多意见。")


def test_the_hash_ignores_layout_and_sees_content() -> None:
    data = _data()
    # The order of the sections is layout; the order of a section's groups is content (the
    # feature columns follow it, and numbering styles are tried in it).
    sections_reordered = {key: data[key] for key in reversed(list(data))}
    assert Lexicon(sections_reordered).hash == Lexicon(data).hash
    groups_reordered = {**data, "cue_words": dict(reversed(list(data["cue_words"].items())))}
    assert Lexicon(groups_reordered).hash != Lexicon(data).hash
    data["cue_words"]["done"].append("圆满完成")
    assert lexicon_hash(data) != lexicon_hash(_data())
    assert Lexicon(data).hash == lexicon_hash(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("lead_ins"), r"a lexicon has the sections \[.*\]; this one has \["),
        (lambda d: d.update(extra={"a": ["b"]}), r"a lexicon has the sections"),
        (
            lambda d: d["cue_words"].update(done=[]),
            r"lexicon cue_words\.done must be a non-empty list of strings",
        ),
        (
            lambda d: d["cue_words"].update(done=["了", 3]),
            r"lexicon cue_words\.done must be a non-empty list",
        ),
        (
            lambda d: d.update(heading_words={}),
            r"lexicon section 'heading_words' must map group names to lists",
        ),
        (
            lambda d: d["context_patterns"].update(date=["^(unclosed"]),
            r"lexicon context_patterns\.date: '\^\(unclosed' is not a regular expression",
        ),
        (
            lambda d: d["numbering_styles"].update(cn=["^一"]),
            r"lexicon numbering_styles\.cn must be a pattern string",
        ),
    ],
    ids=[
        "missing-section",
        "extra-section",
        "empty-group",
        "not-a-string",
        "empty-section",
        "bad-regex",
        "style-not-str",
    ],
)
def test_a_malformed_lexicon_file_is_refused_naming_it(tmp_path, change, message) -> None:
    data = _data()
    change(data)
    path = tmp_path / "lexicon.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: {message}"):
        read_lexicon(path)


def test_an_unreadable_lexicon_file_is_named(tmp_path) -> None:
    with pytest.raises(
        ValueError, match=rf"^cannot read the lexicon {re.escape(str(tmp_path))}/absent\.yaml"
    ):
        read_lexicon(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("cue_words: [unclosed", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^cannot read the lexicon .*bad\.yaml"):
        read_lexicon(bad)
    with pytest.raises(ValueError, match=r"^a lexicon is a mapping of sections, not list$"):
        Lexicon(["cue_words"])


def test_a_model_keeps_its_frozen_lexicon_when_the_file_is_edited(
    tiny_folder, tiny_model_path, tiny_model, seed_documents, tmp_path
) -> None:
    # The tiny model was trained with tiny_folder/lexicon.yaml (features.lexicon). Edit that
    # file afterwards: the model file, read again, still has the lexicon it was trained with.
    source = tiny_folder / "lexicon.yaml"
    original = source.read_text(encoding="utf-8")
    paragraphs = [p for d in seed_documents for p in d.paragraphs]
    before = tiny_model.paragraph_proba(paragraphs)
    try:
        data = yaml.safe_load(original)
        data["heading_words"]["problem"] = ["完成"]  # a lexicon that would change the features
        data["context_patterns"]["date"] = ["了"]
        source.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        edited = read_lexicon(source)
        reloaded = load_model_file(tiny_model_path)
        assert reloaded.lexicon.hash == tiny_model.metadata["lexicon_hash"] != edited.hash
        assert reloaded.lexicon.data == yaml.safe_load(original)
        np.testing.assert_array_equal(reloaded.paragraph_proba(paragraphs), before)
    finally:
        source.write_text(original, encoding="utf-8")


def test_training_reads_the_configured_lexicon_file(tmp_path) -> None:
    from zongjie.training import _lexicon

    from conftest import tiny_config

    copy = tmp_path / "mine.yaml"
    shutil.copy(DEFAULT_PATH, copy)
    data = _data()
    data["cue_words"]["done"].append("圆满完成")
    copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert _lexicon(tiny_config(tmp_path, extra=[f"features.lexicon={copy}"])).hash == lexicon_hash(
        data
    )
    assert _lexicon(tiny_config(tmp_path)).hash == default_lexicon().hash


def _findall_counts(lexicon: Lexicon, texts: list[str], sections: tuple[str, ...]) -> list:
    return [
        [len(lexicon.words[s][g].findall(t)) for s in sections for g in lexicon.groups(s)]
        for t in texts
    ]


def test_count_words_counts_as_the_regexes_find() -> None:
    from conftest import PLAN, PROBLEM, SUMMARY

    lexicon = default_lexicon()
    sections = ("cue_words", "lead_ins", "heading_words")
    texts = [
        "",
        SUMMARY,
        PROBLEM,
        PLAN,
        "已经已经已已经",  # 已经 before 已 wherever both start
        "进一步进一步推进推进",
        "我们也清醒地认识到,还存在不足,仍存在问题和困难和问题",  # overlapping lead-ins
        "less well, well well",
    ]
    counts = lexicon.count_words(texts, sections)
    assert counts.shape == (len(texts), sum(len(lexicon.groups(s)) for s in sections))
    assert counts.tolist() == _findall_counts(lexicon, texts, sections)
    assert counts[4].sum() > 0 and counts[6].sum() > 0


def test_count_words_on_every_seed_line() -> None:
    from zongjie.text import normalize

    from conftest import SEEDS

    lexicon = default_lexicon()
    lines = [
        normalize(line)
        for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    sections = ("cue_words", "lead_ins")
    assert lexicon.count_words(lines, sections).tolist() == _findall_counts(
        lexicon, lines, sections
    )


def test_a_lexicon_that_has_counted_still_pickles_for_process_pools() -> None:
    import pickle

    lexicon = Lexicon(default_lexicon().data)
    before = lexicon.count_words(["还存在不足"], ("lead_ins",)).tolist()
    copy = pickle.loads(pickle.dumps(lexicon))
    assert copy.hash == lexicon.hash
    assert copy.count_words(["还存在不足"], ("lead_ins",)).tolist() == before


def test_count_words_of_no_texts_is_empty() -> None:
    assert default_lexicon().count_words([], ("cue_words", "lead_ins")).shape == (0, 6)


def test_count_words_names_a_bad_text() -> None:
    with pytest.raises(TypeError, match=r"^text 1 is NoneType, not str$"):
        default_lexicon().count_words(["完成", None], ("cue_words",))  # type: ignore[list-item]


_LEXICON_CHARS = sorted(
    {
        c
        for groups in default_lexicon().alternatives.values()
        for ws in groups.values()
        for w in ws
        for c in w
    }
)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from([*_LEXICON_CHARS[:200], "，", "a", " "]), max_size=60))
def test_count_words_counts_any_text_as_the_regexes_find(sample: str) -> None:
    lexicon = default_lexicon()
    sections = ("cue_words", "lead_ins", "heading_words")
    assert lexicon.count_words([sample], sections).tolist() == _findall_counts(
        lexicon, [sample], sections
    )


def test_word_groups_too_large_for_the_native_matcher_are_refused() -> None:
    from zongjie import _wordcut

    with pytest.raises(ValueError, match="over 2 million characters"):
        _wordcut.build_matcher([["完成任务" * 1000] * 600])
