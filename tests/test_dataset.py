"""Corpus folders → labelled Documents: the seeds, the gold folders, the State Council reports,
the prepared file, and what happens when a folder or a file is missing or broken."""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from pathlib import Path

import pytest

from zongjie.dataset import (
    NATIONAL_JSONL,
    NATIONAL_PLAIN_FOLDER,
    load_documents,
    read_gold_folder,
    read_national_reports,
    read_prepared,
    read_seeds,
    write_prepared,
    write_seeds,
)
from zongjie.document import Document
from zongjie.segment import segment, split_documents

from conftest import CORPORA, GOLD, ROOT, SEEDS, compose_config


def _data(**changes) -> dict:
    from omegaconf import OmegaConf

    data = OmegaConf.to_container(compose_config([f"data.seeds_gold={GOLD}"]).data, resolve=True)
    data.update(changes)
    return data


# ------------------------------------------------------------------------------- the seeds


def test_the_seeds_are_eleven_institutional_reports(seed_documents) -> None:
    assert [d.id for d in seed_documents] == [
        "seed-001",
        *(f"seed-002-{i:02d}" for i in range(1, 11)),
    ]
    assert {d.family for d in seed_documents} == {"institutional"}
    assert [d.group for d in seed_documents] == [d.id for d in seed_documents]
    assert {d.label_source for d in seed_documents} == {"gold"}
    assert {d.raw_path for d in seed_documents} == {
        "data/raw/seeds/001_fc0c1e1a6d6d8450.txt",
        "data/raw/seeds/002_354727535b141923.txt",
    }
    counts = Counter(label for d in seed_documents for label in d.labels)
    assert counts == {"summary": 200, "plan": 31, "problem": 6, None: 4}


def test_the_seed_gold_is_the_segmented_raw_seeds(seed_documents, seed_002: str) -> None:
    by_file: dict[str, list[str]] = {}
    for document in seed_documents:
        by_file.setdefault(document.raw_path, []).extend(document.paragraphs)
    for path in SEEDS.glob("*.txt"):
        assert by_file[f"data/raw/seeds/{path.name}"] == segment(path.read_text("utf-8"))
    reports = [list(d.paragraphs) for d in seed_documents if d.id.startswith("seed-002")]
    assert reports == split_documents(segment(seed_002))
    # Seed 001 opens with its title, date line, title again and a salutation: no content.
    assert seed_documents[0].paragraphs[:4] == (
        "教育局半年工作总结会议发言",
        "时间:2022-09-10 09:52:00",
        "教育局半年工作总结会议发言",
        "同志们:",
    )
    assert seed_documents[0].labels[:5] == (None, None, None, None, "summary")


def test_write_seeds_writes_what_read_seeds_reads_byte_for_byte(seed_documents, tmp_path) -> None:
    path = tmp_path / "gold.jsonl"
    write_seeds(seed_documents, path)
    assert path.read_bytes() == GOLD.read_bytes()
    assert read_seeds(path) == seed_documents


def test_a_seed_label_outside_the_label_set_names_its_line(tmp_path) -> None:
    rows = GOLD.read_text(encoding="utf-8").splitlines()[:3]
    bad = json.loads(rows[2])
    bad["label"] = "chrome"
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join([*rows[:2], json.dumps(bad, ensure_ascii=False)]), "utf-8")
    message = (
        rf"^{path} line 3: label 'chrome' is not one of \('summary', 'problem', 'plan'\) or null$"
    )
    with pytest.raises(ValueError, match=message):
        read_seeds(path)


def test_labels_and_paragraphs_must_pair_up() -> None:
    with pytest.raises(ValueError, match=r"^document d: 1 labels for 2 paragraphs$"):
        Document("d", "personal", "g", ("a", "b"), ("plan",))


# -------------------------------------------------------------------------- gold folders


def _gold_folder(root: Path, records: dict[str, list], groups: dict[str, str]) -> Path:
    folder = root / "reports"
    (folder / "gold").mkdir(parents=True)
    (folder / "raw").mkdir()
    for doc_id, paragraphs in records.items():
        record = {"doc": doc_id, "paragraphs": [{"text": t, "label": x} for t, x in paragraphs]}
        (folder / "gold" / f"{doc_id}.json").write_text(json.dumps(record, ensure_ascii=False))
        (folder / "raw" / f"{doc_id}.txt").write_text("\n".join(t for t, _ in paragraphs))
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "source_repo"])
        writer.writerows(groups.items())
    return folder


def test_a_gold_folder_gives_documents_grouped_by_source(tmp_path) -> None:
    folder = _gold_folder(
        tmp_path,
        {
            "b": [("# 2023年工作总结", None), ("完成了三个模块。", "summary")],
            "a": [("## 不足", "problem"), ("测试覆盖不够。", "problem")],
            "c": [("明年要学习Rust。", "plan")],
        },
        {"a": "alice/notes", "b": "alice/notes", "c": ""},
    )
    documents = read_gold_folder(folder, "personal")
    assert [(d.id, d.group) for d in documents] == [
        ("a", "alice/notes"),
        ("b", "alice/notes"),
        ("c", "c"),
    ]
    assert documents[1] == Document(
        id="b",
        family="personal",
        group="alice/notes",
        paragraphs=("# 2023年工作总结", "完成了三个模块。"),
        labels=(None, "summary"),
        raw_path=str(folder / "raw" / "b.txt"),
    )


def test_a_broken_gold_record_is_skipped_and_named(tmp_path, caplog) -> None:
    folder = _gold_folder(tmp_path, {"a": [("完成了任务。", "summary")]}, {"a": "x"})
    (folder / "gold" / "broken.json").write_text("{not json", encoding="utf-8")
    (folder / "gold" / "odd.json").write_text(
        json.dumps({"paragraphs": [{"text": "x", "label": "todo"}]}), encoding="utf-8"
    )
    with caplog.at_level(logging.WARNING):
        documents = read_gold_folder(folder, "personal")
    assert [d.id for d in documents] == ["a"]
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        m.startswith(f"skipping {folder / 'gold' / 'broken.json'}: not a gold record")
        for m in messages
    )
    assert any(
        f"{folder / 'gold' / 'odd.json'} paragraph 0: label 'todo' is not one of" in m
        for m in messages
    )


def test_a_gold_folder_of_an_unknown_family_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"family 'blog' is not one of \('institutional', "):
        read_gold_folder(tmp_path, "blog")


def test_a_missing_gold_folder_warns_and_gives_nothing(tmp_path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        assert read_gold_folder(tmp_path / "absent", "local_gov") == []
    assert (
        f"gold folder {tmp_path / 'absent' / 'gold'} not found: no local_gov documents"
        in caplog.text
    )


# ---------------------------------------------------------------- the State Council reports

REPORT_2016 = "\n".join(
    [
        "政府工作报告",
        "各位代表：",
        "一、2015年工作回顾",
        "过去一年，我国发展面临多重困难和严峻挑战。",
        "二、2016年重点工作",
        "今年要着力抓好以下几个方面工作。",
    ]
)


def _national(root: Path) -> Path:
    plain = root / NATIONAL_PLAIN_FOLDER
    plain.mkdir()
    (plain / "2016政府工作报告_李克强.txt").write_text(REPORT_2016, encoding="utf-8")
    (plain / "1990政府工作报告_李鹏.txt").write_text(REPORT_2016, encoding="utf-8")
    (plain / "2010政府工作报告_空.txt").write_bytes(b"")
    (plain / "2011政府工作报告_二进制.txt").write_bytes(bytes(range(256)) * 8)
    (plain / "2012政府工作报告_乱码.txt").write_bytes("二、存在问题".encode() + b"\xff\xff\xff")
    (plain / "README.txt").write_text("notes", encoding="utf-8")
    wikisource = root / NATIONAL_JSONL
    wikisource.parent.mkdir()
    records = [
        {"year": "2016", "content": "一、另一个版本\n\n不读。"},
        {"year": "2017", "content": REPORT_2016 + "\n本作品是中华人民共和国的政府文件，公有领域。"},
        {"year": None, "content": "关于政府工作报告的决议"},
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    wikisource.write_text("\n".join([*lines, "{broken json"]) + "\n", encoding="utf-8")
    return root


def test_state_council_reports_one_per_year_weakly_labelled(tmp_path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        documents = read_national_reports(_national(tmp_path), 1992, 2100)
    assert [d.id for d in documents] == ["gwr-2016", "gwr-2017"]
    first, second = documents
    assert first.paragraphs == tuple(REPORT_2016.split("\n"))  # the plain folder wins
    assert second.paragraphs == first.paragraphs  # the licence notice is cut off
    assert first.labels == (None, None, "summary", "summary", "plan", "plan")
    assert {(d.family, d.group, d.label_source) for d in documents} == {
        ("national_gov", "state-council", "weak")
    }
    assert first.raw_path == str(tmp_path / NATIONAL_PLAIN_FOLDER / "2016政府工作报告_李克强.txt")
    assert second.raw_path is None
    plain = tmp_path / NATIONAL_PLAIN_FOLDER
    for name, reason in [
        (plain / "2010政府工作报告_空.txt", "the file is empty"),
        (plain / "2011政府工作报告_二进制.txt", "binary data, not text"),
        (plain / "2012政府工作报告_乱码.txt", "neither UTF-8 nor GB18030"),
        (plain / "README.txt", "its name does not start with the report's year"),
        (f"{tmp_path / NATIONAL_JSONL} line 4", "not a report record"),
    ]:
        assert any(str(name) in m and reason in m for m in caplog.messages), name


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"year": "abc", "content": REPORT_2016}, "year 'abc' is not a number"),
        ({"year": "二〇一八", "content": REPORT_2016}, "year '二〇一八' is not a number"),
        ({"year": 2018.5, "content": REPORT_2016}, "year 2018.5 is not a number"),
        ({"year": True, "content": REPORT_2016}, "year True is not a number"),
        ({"year": [2018], "content": REPORT_2016}, "year [2018] is not a number"),
        ({"year": {"y": 2018}, "content": REPORT_2016}, "year {'y': 2018} is not a number"),
        ({"year": 2018, "content": None}, "content is NoneType, not text"),
        ({"year": 2018, "content": 12}, "content is int, not text"),
        ({"year": 2018}, "no content"),
        ([2018, REPORT_2016], "not a JSON object"),
        ("2018", "not a JSON object"),
    ],
    ids=[
        "letters",
        "chinese-numerals",
        "fraction",
        "bool",
        "list",
        "object",
        "null-content",
        "numeric-content",
        "no-content",
        "array",
        "string",
    ],
)
def test_a_bad_state_council_record_is_skipped_with_a_warning(
    tmp_path, caplog, record, reason
) -> None:
    # Like the other bad records: named, skipped, and the rest still load.
    wikisource = tmp_path / NATIONAL_JSONL
    wikisource.parent.mkdir(parents=True)
    good = {"year": "2016", "content": REPORT_2016}
    lines = [json.dumps(r, ensure_ascii=False) for r in (record, good)]
    wikisource.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        documents = read_national_reports(tmp_path, 1992, 2100)
    assert [d.id for d in documents] == ["gwr-2016"]
    assert f"skipping {wikisource} line 1: not a report record ({reason})" in caplog.messages


def test_no_state_council_reports_warns(tmp_path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        assert read_national_reports(tmp_path, 1992, 2100) == []
    assert f"no State Council reports found under {tmp_path}" in caplog.text


# ------------------------------------------------------------------------ load_documents


def test_data_seeds_loads_the_seeds_only(seed_documents) -> None:
    assert load_documents(_data(use_corpora=False)) == seed_documents


def test_missing_corpora_warn_and_leave_the_seeds(tmp_path, seed_documents, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        documents = load_documents(_data(corpora_dir=str(tmp_path / "absent")))
    assert documents == seed_documents
    assert (
        f"corpora folder {tmp_path / 'absent'} not found: training on the seed documents"
        in caplog.text
    )


def test_corpora_folders_and_families_as_configured(tmp_path, seed_documents) -> None:
    _gold_folder(tmp_path, {"a": [("完成了任务。", "summary")]}, {"a": "x"})
    _national(tmp_path)
    data = _data(corpora_dir=str(tmp_path), gold_corpora={"reports": "local_gov"})
    documents = load_documents(data)
    assert [d.id for d in documents] == [
        *(d.id for d in seed_documents),
        "a",
        "gwr-2016",
        "gwr-2017",
    ]
    assert documents[len(seed_documents)].family == "local_gov"
    data["national"]["use"] = False
    assert [d.id for d in load_documents(data)][-1] == "a"


# ---------------------------------------------------------------------- the prepared file


def test_prepared_file_reads_back_as_written(tmp_path, seed_documents) -> None:
    path = tmp_path / "prepared" / "paragraphs.jsonl"
    documents = [
        *seed_documents,
        Document(
            "gwr-2016",
            "national_gov",
            "state-council",
            ("一、回顾", "完成了。"),
            ("summary", "summary"),
            None,
            "weak",
        ),
    ]
    write_prepared(documents, path)
    assert read_prepared(path) == documents
    assert load_documents(_data(prepared_path=str(path))) == documents
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first == {
        "doc_id": "seed-001",
        "family": "institutional",
        "group": "seed-001",
        "raw_path": "data/raw/seeds/001_fc0c1e1a6d6d8450.txt",
        "label_source": "gold",
        "para_index": 0,
        "text": "教育局半年工作总结会议发言",
        "label": None,
    }


def test_missing_prepared_file_says_how_to_make_it(tmp_path) -> None:
    with pytest.raises(
        FileNotFoundError,
        match=r"no prepared data at .*absent\.jsonl: run `dvc repro prepare` first",
    ):
        read_prepared(tmp_path / "absent.jsonl")


# -------------------------------------------------------------------- the shared corpora


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora folder not present")
def test_every_gold_document_and_the_state_council_reports_load() -> None:
    documents = load_documents(_data(corpora_dir=str(CORPORA)))
    families = Counter(d.family for d in documents)
    assert families == {"institutional": 11, "personal": 30, "local_gov": 9, "national_gov": 33}
    assert {d.label_source for d in documents if d.family != "national_gov"} == {"gold"}
    assert {d.label_source for d in documents if d.family == "national_gov"} == {"weak"}
    assert [d.id for d in documents if d.family == "national_gov"][:2] == ["gwr-1992", "gwr-1993"]
    personal = Counter(x for d in documents if d.family == "personal" for x in d.labels)
    assert personal == {"summary": 705, "plan": 139, "problem": 79, None: 61}
    local = Counter(x for d in documents if d.family == "local_gov" for x in d.labels)
    assert local == {"plan": 436, "summary": 177, None: 51, "problem": 9}
    # A group (an author or a source) never spans two families.
    family_of_group: dict[str, set[str]] = {}
    for document in documents:
        family_of_group.setdefault(document.group, set()).add(document.family)
    assert all(len(f) == 1 for f in family_of_group.values())
    # The raw file of every gold document is there, for the raw track.
    gold = [d for d in documents if d.family in ("personal", "local_gov")]
    assert all(d.raw_path and Path(d.raw_path).is_file() for d in gold)
    for document in documents:
        if document.raw_path and not Path(document.raw_path).is_absolute():
            assert (ROOT / document.raw_path).is_file()
