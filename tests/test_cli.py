"""`python -m zongjie PATH …`: one JSON line per paragraph, or CSV, or one HTML page. The CLI
runs with the session's tiny model (ZONGJIE_MODEL), and its labels are compared with
`predict_document`'s in this process, on the same model."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import signal
import subprocess
import sys
import threading
from html.parser import HTMLParser

import pytest

from zongjie import LABELS, predict_document, segment
from zongjie.segment import split_documents

from conftest import SEEDS

pytestmark = pytest.mark.usefixtures("use_tiny_model")


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
        assert set(record["probabilities"]) == set(LABELS)
        assert abs(sum(record["probabilities"].values()) - 1) < 1e-3
    # The labels are predict_document's, report by report (None where it gives no role).
    documents = split_documents(segment(path.read_text(encoding="utf-8")))
    expected = [label for document in documents for label in predict_document(document)]
    assert [r["label"] for r in records] == expected


def test_stdin_with_bom() -> None:
    result = _run("-", stdin="\ufeff二、存在问题\n学校布局调整的任务仍然很重。\n".encode())
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    paragraphs = ["二、存在问题", "学校布局调整的任务仍然很重。"]
    assert [r["paragraph"] for r in records] == paragraphs
    assert [r["label"] for r in records] == predict_document(paragraphs)


def test_labels_none_where_predict_document_gives_no_role() -> None:
    result = _run(str(SEEDS / "001_fc0c1e1a6d6d8450.txt"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8"))))
    assert [row["label"] for row in rows[:5]] == ["", "", "", "", "summary"]
    jsonl = _run(str(SEEDS / "001_fc0c1e1a6d6d8450.txt"))
    first = json.loads(jsonl.stdout.decode("utf-8").splitlines()[0])
    assert first["paragraph"] == "教育局半年工作总结会议发言" and first["label"] is None


def test_another_model_file(tmp_path, tiny_model_path) -> None:
    text = "二、存在问题\n学校布局调整的任务仍然很重。\n".encode()
    with_option = _run("-", "--model", str(tiny_model_path), stdin=text)
    assert with_option.returncode == 0, with_option.stderr
    assert with_option.stdout == _run("-", stdin=text).stdout
    missing = _run("-", "--model", str(tmp_path / "absent.model"), stdin=text)
    assert missing.returncode == 1
    assert missing.stderr.decode() == f"zongjie: no model file at {tmp_path / 'absent.model'}\n"
    foreign = tmp_path / "notes.model"
    foreign.write_text("not a model", encoding="utf-8")
    refused = _run("-", "--model", str(foreign), stdin=text)
    assert refused.stderr.decode().startswith(f"zongjie: {foreign} is not a readable zongjie model")
    assert b"Traceback" not in refused.stderr


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


def test_csv_holds_what_jsonl_holds() -> None:
    path = str(SEEDS / "001_fc0c1e1a6d6d8450.txt")
    records = [json.loads(line) for line in _run(path).stdout.decode("utf-8").splitlines()]
    result = _run(path, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8"))))
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert row["file"] == record["file"] and row["paragraph"] == record["paragraph"]
        assert (int(row["document"]), int(row["index"])) == (record["document"], record["index"])
        assert row["label"] == (record["label"] or "")
        for label in LABELS:
            assert abs(float(row[f"p_{label}"]) - record["probabilities"][label]) < 1e-4


def test_csv_quotes_commas_quotes_and_newlines_in_paragraphs() -> None:
    text = '他说:"好,很好。"\n下半年,我们将继续努力。\n'
    result = _run("-", "--format", "csv", stdin=text.encode())
    rows = list(csv.reader(io.StringIO(result.stdout.decode("utf-8"))))
    assert [row[3] for row in rows[1:]] == segment(text)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_page_of_two_files_with_contents_and_nothing_executable(tmp_path) -> None:
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "<script>window.pwned=1</script>\n<img src=x onerror=window.pwned=2>\n", encoding="utf-8"
    )
    seed = str(SEEDS / "001_fc0c1e1a6d6d8450.txt")
    result = _run(seed, str(hostile), "--format", "html")
    assert result.returncode == 0, result.stderr
    page = result.stdout.decode("utf-8")
    parser = _Tags()
    parser.feed(page)
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags and "img" not in tags
    for _, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs)
        assert all(not (attrs.get(a) or "").startswith(("http", "//")) for a in ("href", "src"))
    text = "".join(parser.text)
    assert "<script>window.pwned=1</script>" in text  # shown as text
    # Contents: one link per file, to its section.
    links = [attrs["href"] for tag, attrs in parser.tags if tag == "a"]
    assert links[:2] == ["#f1", "#f2"]
    ids = {attrs["id"] for _, attrs in parser.tags if "id" in attrs}
    assert {"f1", "f2"} <= ids and all(link[1:] in ids for link in links)
    paragraphs = [attrs for tag, attrs in parser.tags if "para" in (attrs.get("class") or "")]
    seed_text = (SEEDS / "001_fc0c1e1a6d6d8450.txt").read_text(encoding="utf-8")
    hostile_text = hostile.read_text(encoding="utf-8")
    assert len(paragraphs) == len(segment(seed_text)) + len(segment(hostile_text))


def test_a_directory_is_its_txt_files_recursively_in_sorted_order(tmp_path) -> None:
    for relative in ("b/z.txt", "b/a/y.TXT", "a.txt", "c.txt", ".hidden/x.txt", "notes.md"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"上半年完成了{relative}的任务。\n", encoding="utf-8")
    result = _run(str(tmp_path))
    assert result.returncode == 0, result.stderr
    files = [json.loads(line)["file"] for line in result.stdout.decode("utf-8").splitlines()]
    assert [os.path.relpath(f, tmp_path) for f in files] == [
        "a.txt",
        "b/a/y.TXT",
        "b/z.txt",
        "c.txt",
    ]


def test_a_directory_without_text_files_is_named(tmp_path) -> None:
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    result = _run(str(tmp_path))
    assert result.returncode != 0
    assert f"{tmp_path}: a directory with no .txt files under it".encode() in result.stderr
    assert b"Traceback" not in result.stderr


def test_help_lists_the_encodings_and_the_formats() -> None:
    result = _run("--help")
    assert result.returncode == 0
    help_text = result.stdout.decode("utf-8")
    for word in (
        "UTF-8",
        "UTF-16",
        "UTF-32",
        "GB18030",
        "GBK",
        "Big5",
        "Shift-JIS",
        "jsonl",
        "csv",
        "html",
    ):
        assert word in help_text


def test_a_progress_bar_on_a_terminal_only(tmp_path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("上半年完成了任务。\n", encoding="utf-8")
    primary, secondary = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "zongjie", str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=secondary,
            timeout=120,
        )
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(primary)
    assert result.returncode == 0
    assert b"0/2 files" in shown and b"1/2 files" in shown
    assert len(result.stdout.decode("utf-8").splitlines()) == 2
    # Not a terminal: no bar.
    assert _run(str(tmp_path)).stderr == b""


def test_a_reader_that_stops_early_ends_it_quietly_as_sigpipe_would() -> None:
    # `| head -1`: no traceback, nothing on stderr, and the status a process killed by SIGPIPE
    # gets from a shell (128 + 13). Several copies of the seeds: far more than a pipe holds.
    process = subprocess.Popen(
        [sys.executable, "-m", "zongjie", *[str(SEEDS)] * 4, "--format", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr == b""


def _one_line(stderr: bytes) -> str:
    """The single line the CLI wrote on stderr (no traceback, nothing else)."""
    text = stderr.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, text
    return text.rstrip("\n")


def _shell(command: str, *args: str) -> subprocess.CompletedProcess:
    """`command` run by bash with $0 the Python and $1… `args`: for redirections Python's
    subprocess cannot make (a closed descriptor)."""
    return subprocess.run(
        ["bash", "-c", command, sys.executable, *args], capture_output=True, timeout=120
    )


def test_a_closed_stdout_is_one_line_and_status_1() -> None:
    seed = str(SEEDS / "001_fc0c1e1a6d6d8450.txt")
    result = _shell('exec "$0" -m zongjie "$1" >&-', seed)
    assert result.returncode == 1
    assert _one_line(result.stderr) == "zongjie: cannot write the output: stdout is closed"


def test_a_closed_stdin_is_one_line_and_status_1() -> None:
    result = _shell('exec "$0" -m zongjie - <&-')
    assert result.returncode == 1
    assert _one_line(result.stderr) == "zongjie: -: cannot read stdin: it is closed"
    assert result.stdout == b""


def test_a_full_disk_is_one_line_and_status_1() -> None:
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "zongjie", str(SEEDS)],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert result.returncode == 1
    # The output's error, not blamed on the file being read.
    assert _one_line(result.stderr) == "zongjie: cannot write the output: No space left on device"


def test_an_unreadable_file_is_one_line_and_status_1(tmp_path) -> None:
    # /proc/self/mem is a file whose first read fails (EIO), even for root.
    result = _run("/proc/self/mem")
    assert result.returncode == 1
    assert _one_line(result.stderr) == "zongjie: /proc/self/mem: Input/output error"
    if os.geteuid() != 0:  # root reads through any permissions
        locked = tmp_path / "locked.txt"
        locked.write_text("上半年完成了任务。\n", encoding="utf-8")
        locked.chmod(0)
        result = _run(str(locked))
        assert result.returncode == 1
        assert _one_line(result.stderr) == f"zongjie: {locked}: Permission denied"


def test_ctrl_c_is_one_line_and_status_130(tmp_path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes((SEEDS / "002_354727535b141923.txt").read_bytes() * 200)  # minutes of work
    process = subprocess.Popen(
        [sys.executable, "-m", "zongjie", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A shell starts a background job with SIGINT ignored, and Python keeps an ignored
        # SIGINT ignored: run as `make test &`, the CLI never saw the Ctrl-C and ended with 0.
        # Give it the disposition a terminal's foreground process has.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout.readline().startswith(b"{")  # labelling has started
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert _one_line(stderr) == "zongjie: interrupted"


def test_a_fifo_and_dev_stdin_are_read_as_files(tmp_path) -> None:
    text = "二、存在问题\n学校布局调整的任务仍然很重。\n"
    expected = _run("-", stdin=text.encode()).stdout
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(text, encoding="utf-8"), daemon=True)
    writer.start()
    result = _run(str(fifo))
    if writer.is_alive():  # the CLI never opened the FIFO: open it here, so the writer ends
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    writer.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.replace(b'"file": "stdin"', f'"file": "{fifo}"'.encode())
    result = _run("/dev/stdin", stdin=text.encode())
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.replace(b'"file": "stdin"', b'"file": "/dev/stdin"')
    # What is not there is still named as such.
    missing = _run(str(tmp_path / "absent.txt"))
    assert (
        _one_line(missing.stderr)
        == f"zongjie: {tmp_path / 'absent.txt'}: no such file or directory"
    )


# ------------------------------------------------------------------------------ --explain


def test_explain_adds_the_document_explanation_to_each_json_line() -> None:
    from zongjie import explain_document

    path = SEEDS / "001_fc0c1e1a6d6d8450.txt"
    plain = [json.loads(line) for line in _run(str(path)).stdout.decode("utf-8").splitlines()]
    result = _run(str(path), "--explain")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    # The same labels and probabilities as without --explain, and the explanation beside them.
    assert [{k: v for k, v in r.items() if k != "explanation"} for r in records] == plain
    (document,) = split_documents(segment(path.read_text(encoding="utf-8")))
    expected = [e.to_dict(digits=4) for e in explain_document(document)]
    assert [r["explanation"] for r in records] == expected
    title = records[0]["explanation"]
    assert (title["label"], title["alone"]["label"], title["next_state"]) == (
        None,
        "summary",
        "null",
    )


def test_explain_adds_an_explanation_column_of_text_to_csv() -> None:
    from zongjie import explain_document

    text = "二、存在问题\n经费不足,师资力量薄弱。\n三、下一步工作打算\n1、加强领导,明确责任。\n"
    result = _run("-", "--format", "csv", "--explain", stdin=text.encode())
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8"))))
    assert list(rows[0])[-1] == "explanation"
    assert [row["explanation"] for row in rows] == [str(e) for e in explain_document(segment(text))]
    assert rows[3]["explanation"].startswith("alone: plan (")


def test_explain_in_html_opens_on_click(tmp_path) -> None:
    from zongjie import explain_document

    path = SEEDS / "001_fc0c1e1a6d6d8450.txt"
    result = _run(str(path), "--format", "html", "--explain")
    assert result.returncode == 0, result.stderr
    parser = _Tags()
    parser.feed(result.stdout.decode("utf-8"))
    tags = [tag for tag, _ in parser.tags]
    paragraphs = segment(path.read_text(encoding="utf-8"))
    assert tags.count("details") == len(paragraphs)  # one "why" per paragraph
    text = "".join(parser.text)
    for explanation in explain_document(paragraphs)[:5]:
        assert str(explanation) in text
    # Without --explain, no "why".
    page = _run(str(path), "--format", "html").stdout.decode("utf-8")
    assert "<details" not in page


def test_help_names_explain() -> None:
    help_text = _run("--help").stdout.decode("utf-8")
    assert "--explain" in help_text and "explain_document" in help_text
