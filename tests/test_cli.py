"""`python -m zongjie FILE …`: one JSON line per paragraph."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from zongjie import LABELS, segment

from conftest import SEEDS


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zongjie", *args], input=stdin, capture_output=True, timeout=120
    )


def test_one_json_line_per_paragraph() -> None:
    path = SEEDS / "002_354727535b141923.txt"
    result = _run(str(path))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [r["paragraph"] for r in records] == segment(path.read_text(encoding="utf-8"))
    assert {r["document"] for r in records} == set(range(1, 11))
    for record in records:
        assert record["label"] in LABELS
        assert set(record["probabilities"]) == set(LABELS)
        assert abs(sum(record["probabilities"].values()) - 1) < 1e-3
        assert record["label"] == max(record["probabilities"], key=record["probabilities"].get)


def test_stdin_with_bom() -> None:
    result = _run("-", stdin="\ufeff二、存在问题\n学校布局调整的任务仍然很重。\n".encode())
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [(r["paragraph"], r["label"]) for r in records] == [
        ("二、存在问题", "problem"),
        ("学校布局调整的任务仍然很重。", "problem"),
    ]


def test_gbk_and_utf16_files_are_read(tmp_path) -> None:
    for encoding in ("gbk", "utf-16"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes("二、存在问题\n学校布局调整的任务仍然很重。\n".encode(encoding))
        result = _run(str(path))
        assert result.returncode == 0, result.stderr
        lines = result.stdout.decode("utf-8").splitlines()
        assert [json.loads(line)["paragraph"] for line in lines] == [
            "二、存在问题",
            "学校布局调整的任务仍然很重。",
        ]


def test_missing_and_undecodable_files_are_named(tmp_path) -> None:
    result = _run(str(tmp_path / "absent.txt"))
    assert result.returncode != 0 and b"absent.txt: no such file" in result.stderr
    bad = tmp_path / "bad.txt"
    bad.write_bytes("今年完成了任务。".encode() + b"\xff\xff\xff")
    result = _run(str(bad))
    assert result.returncode != 0
    assert (
        b"bad.txt: neither UTF-8 nor GB18030: undecodable byte 0xff at offset 24" in result.stderr
    )
    assert b"Traceback" not in result.stderr


@pytest.mark.slow
def test_the_cli_decides_the_encoding_as_segment_does(tmp_path) -> None:
    big5 = tmp_path / "tw.txt"
    big5.write_bytes(
        "二、存在問題\n學校布局調整的任務仍然很重，部分學校師資力量薄弱。\n".encode("big5")
    )
    result = _run(str(big5))
    assert result.returncode == 0, result.stderr
    assert b"tw.txt: decoded as Big5" in result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert [json.loads(line)["paragraph"] for line in lines] == segment(big5.read_bytes())

    japanese = tmp_path / "jp.txt"
    japanese.write_bytes(
        "今年、私たちの部署はさまざまな業務を無事に完了しました。".encode("shift_jis")
    )
    result = _run(str(japanese))
    assert result.returncode != 0 and result.stdout == b""
    assert b"jp.txt: Shift-JIS (Japanese) text at offset 0" in result.stderr
    assert b"Traceback" not in result.stderr

    # More than the first 1 MiB chunk of ASCII, then GBK: read whole, not failed midway.
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(
        b"x" * (1 << 20) + b"y" * 1000 + "\n二、存在问题\n任务仍然很重。\n".encode("gbk")
    )
    result = _run(str(gbk))
    assert result.returncode == 0, result.stderr
    paragraphs = [json.loads(line)["paragraph"] for line in result.stdout.decode().splitlines()]
    assert paragraphs[-2:] == ["二、存在问题", "任务仍然很重。"]
