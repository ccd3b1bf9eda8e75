"""Reading corpora: bad files are skipped with a warning that names them, and training goes on."""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from zongjie.corpus import PLAIN_TEXT_FOLDER, WIKISOURCE_FILE, read_government_reports

from conftest import CORPORA

pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora folder not present")


@pytest.fixture
def messy_corpora(tmp_path):
    """Two good reports, and one of each kind of bad file."""
    plain = tmp_path / PLAIN_TEXT_FOLDER
    plain.mkdir()
    for name in ("2016政府工作报告_李克强.txt", "2017政府工作报告_李克强.txt"):
        shutil.copy(CORPORA / PLAIN_TEXT_FOLDER / name, plain / name)
    (plain / "2010政府工作报告_空.txt").write_bytes(b"")
    (plain / "2011政府工作报告_二进制.txt").write_bytes(bytes(range(256)) * 8)
    (plain / "2012政府工作报告_乱码.txt").write_bytes("二、存在问题".encode() + b"\xff\xff\xff")
    (plain / "2013政府工作报告_无标题.txt").write_text(
        "过去一年，经济平稳发展。\n\n今年要继续努力。\n", encoding="utf-8"
    )
    gbk = (CORPORA / PLAIN_TEXT_FOLDER / "2015政府工作报告_李克强.txt").read_text(encoding="utf-8")
    (plain / "2015政府工作报告_GBK.txt").write_bytes(gbk.encode("gb18030"))  # fine, only GBK
    (plain / "README.txt").write_text("notes", encoding="utf-8")
    wikisource = tmp_path / WIKISOURCE_FILE
    wikisource.parent.mkdir()
    record = {
        "year": "2018",
        "content": "一、2017年工作回顾\n\n经济稳中向好。",
        "title": "",
        "url": "",
    }
    wikisource.write_text(json.dumps(record, ensure_ascii=False) + "\n{broken json\n", "utf-8")
    return tmp_path


def test_bad_files_are_skipped_and_named(messy_corpora, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        documents = read_government_reports(messy_corpora, min_year=2000, max_year=2100)
    assert [d.id for d in documents] == ["gwr-2015", "gwr-2016", "gwr-2017", "gwr-2018"]
    for name, reason in [
        ("2010政府工作报告_空.txt", "empty"),
        ("2011政府工作报告_二进制.txt", "binary"),
        ("2012政府工作报告_乱码.txt", "neither UTF-8 nor GB18030"),
        ("2013政府工作报告_无标题.txt", "no numbered headings"),
        ("README.txt", "does not start with the report's year"),
        ("government_work_reports.jsonl line 2", "not a report record"),
    ]:
        assert any(name in r.getMessage() and reason in r.getMessage() for r in caplog.records), (
            name
        )


def test_training_on_a_messy_corpus_finishes(messy_corpora, tiny_cfg) -> None:
    from zongjie.training import train

    tiny_cfg.data.use_corpora = True
    tiny_cfg.data.corpora_dir = str(messy_corpora)
    tiny_cfg.data.min_year = 2000
    tiny_cfg.eval.genre_holdout = False
    tiny_cfg.mlflow.log_model = False
    metrics = train(tiny_cfg)
    assert 0 <= metrics["isolated_gwr_macro_f1"] <= 1
