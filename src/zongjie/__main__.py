"""`python -m zongjie PATH [PATH …]` (`-` for stdin): label every paragraph, as JSON lines (the
default), CSV or one HTML page.

A directory stands for the .txt files under it. Each file is segmented, split into its reports,
and each report labelled as a whole document (`zongjie.predict_document`). A JSON line or CSV
row holds the file, the report's number in the file, the paragraph's number in its report, the
paragraph, its label and the three probabilities; with ``--explain``, also why it has that
label (`zongjie.explain_document`).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import shutil
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from zongjie.document import LABELS
from zongjie.segment import iter_documents, iter_paragraphs, iter_text

FORMATS = ("jsonl", "csv", "html")
TEXT_SUFFIXES = (".txt",)

EPILOG = """\
input:
  A directory stands for the .txt files under it, recursively, in sorted order (hidden files
  and folders skipped); - is stdin, and a FIFO or /dev/stdin is read as a file. Encodings
  read: UTF-8 (with or without a BOM), UTF-16 and UTF-32 with a BOM, GB18030, which covers
  GBK and GB2312, and Big5 (reports from Taiwan and Hong Kong; stderr says so). Shift-JIS and
  EUC-KR are refused by name, any other encoding naming the offset of its first bad byte.
  The model learned simplified Chinese: traditional text is labelled less well.

output formats (--format):
  jsonl  one JSON object per paragraph (the default): file, document, index, paragraph,
         label, probabilities
  csv    a header, then one row per paragraph: file, document, index, paragraph, label,
         p_summary, p_problem, p_plan (UTF-8)
  html   one self-contained page: paragraphs tinted by role, probabilities on hover, a digest
         per file (counts, the problem and plan paragraphs), contents for several files

  A paragraph that predict_document gives no role has label null (jsonl) or an empty label
  (csv), and is shown untinted in html.

  --explain adds why each paragraph has its label (zongjie.explain_document): its label read
  alone and in the document, and the terms of the sequence model's score (the heading above
  it, its neighbours, its place in the document …): an "explanation" object per JSON line, an
  "explanation" column of text in csv, a "why" that opens on click in html.

  On a terminal, a progress bar on stderr counts the files while the output goes elsewhere.
"""


def _lines(name: str) -> Iterator[str]:
    """The decoded text of a file (or stdin for -), streamed chunk by chunk. Anything that
    opens is read: a regular file, a FIFO, /dev/stdin."""
    if name == "-":
        yield from iter_text(sys.stdin.buffer, "stdin")
        return
    with open(name, "rb") as stream:
        yield from iter_text(stream, name)


def _text_files(directory: Path) -> list[str]:
    """The .txt files under `directory`, in sorted order of their path (folder by folder)."""
    found = []
    for folder, subfolders, files in os.walk(directory):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found.extend(
            Path(folder, name)
            for name in files
            if name.lower().endswith(TEXT_SUFFIXES) and not name.startswith(".")
        )
    found.sort(key=lambda path: path.relative_to(directory).parts)
    return [str(path) for path in found]


def _inputs(paths: Sequence[str]) -> list[str]:
    """The files to label: each path as given, a directory expanded; a bad path stops the run
    before anything is labelled."""
    names: list[str] = []
    for name in paths:
        if name == "-":
            if sys.stdin is None:  # started with descriptor 0 closed (<&-)
                raise SystemExit("zongjie: -: cannot read stdin: it is closed")
            names.append(name)
            continue
        try:
            is_dir = stat.S_ISDIR(os.stat(name).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            raise SystemExit(f"zongjie: {name}: no such file or directory") from None
        except OSError as error:  # a folder on the way that may not be searched, say
            raise SystemExit(f"zongjie: {name}: {error.strerror or error}") from None
        if is_dir:
            found = _text_files(Path(name))
            if not found:
                raise SystemExit(f"zongjie: {name}: a directory with no .txt files under it")
            names.extend(found)
        else:  # a file, and also what reads like one: a FIFO, /dev/stdin, a device
            names.append(name)
    return names


# A report: its number in the file, its paragraphs, their labels, their probabilities and
# (with --explain) their explanations.
Report = tuple[int, list[str], list[str | None], Any, list[Any] | None]


def _documents(name: str) -> Iterator[tuple[int, list[str]]]:
    """Each report of a file: its number and paragraphs. Streamed: paragraphs and reports are
    formed as the text arrives, so memory holds one report at a time whatever the size of the
    file."""
    return enumerate(iter_documents(iter_paragraphs(_lines(name))), start=1)


def _explained_reports(name: str) -> Iterator[Report]:
    """Each report of a file: its number, paragraphs, labels, probabilities and the
    `zongjie.explain_document` explanation of each paragraph."""
    from zongjie.api import predict_and_explain_document

    for number, paragraphs in _read(name):
        yield number, paragraphs, *predict_and_explain_document(paragraphs)


def _all_reports(names: Sequence[str]) -> Iterator[tuple[str, Report | None]]:
    """(file, report) of each report of each file in turn, labelled by predict_document (on
    every core when there are many, `zongjie.parallel`; a report at a time when few), and
    (file, None) as each file starts. The labels are predict_document's own, not the
    probabilities' argmax: it decides which paragraphs have a role at all."""
    from zongjie.api import predict_documents

    def documents() -> Iterator[tuple[tuple[str, int, list[str]], list[str] | None]]:
        for name in names:
            yield (name, 0, []), None
            for number, paragraphs in _read(name):
                yield (name, number, paragraphs), paragraphs

    for (name, number, paragraphs), result in predict_documents(documents()):
        yield name, None if result is None else (number, paragraphs, *result, None)


def _display_name(name: str) -> str:
    return "stdin" if name == "-" else name


class _JsonLines:
    def __init__(self, out: TextIO, explain: bool) -> None:
        self.out = out

    def add(self, name: str, report: Report) -> None:
        number, paragraphs, labels, proba, explanations = report
        for index, (paragraph, label, row) in enumerate(
            zip(paragraphs, labels, proba, strict=True)
        ):
            record: dict[str, Any] = {
                "file": name,
                "document": number,
                "index": index,
                "paragraph": paragraph,
                "label": label,
                "probabilities": {
                    role: round(float(p), 4) for role, p in zip(LABELS, row, strict=True)
                },
            }
            if explanations is not None:
                record["explanation"] = explanations[index].to_dict(digits=4)
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        pass


class _Csv:
    def __init__(self, out: TextIO, explain: bool) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        header = ["file", "document", "index", "paragraph", "label", *(f"p_{r}" for r in LABELS)]
        self.writer.writerow([*header, "explanation"] if explain else header)

    def add(self, name: str, report: Report) -> None:
        number, paragraphs, labels, proba, explanations = report
        for index, (paragraph, label, row) in enumerate(
            zip(paragraphs, labels, proba, strict=True)
        ):
            probabilities = [f"{float(p):.4f}" for p in row]
            fields = [name, number, index, paragraph, label or "", *probabilities]
            if explanations is not None:
                fields.append(str(explanations[index]))
            self.writer.writerow(fields)

    def close(self) -> None:
        pass


class _Html:
    """Collects every file, then writes one page: the digest and contents need all of it."""

    def __init__(self, out: TextIO, explain: bool) -> None:
        self.out = out
        self.explain = explain
        self.files: dict[
            str, tuple[list[str], list[str | None], list[Any], list[int], list[str]]
        ] = {}

    def add(self, name: str, report: Report) -> None:
        _, paragraphs, labels, proba, explanations = report
        collected = self.files.setdefault(name, ([], [], [], [], []))
        all_paragraphs, all_labels, rows, starts, texts = collected
        starts.append(len(all_paragraphs))
        all_paragraphs.extend(paragraphs)
        all_labels.extend(labels)
        rows.extend(proba.tolist())
        if explanations is not None:
            texts.extend(str(explanation) for explanation in explanations)

    def close(self) -> None:
        from zongjie.render import LabelledFile, render_page

        files = [
            LabelledFile(
                name,
                paragraphs,
                labels,
                rows,
                explanations=texts if self.explain else None,
                starts=starts or [0],
            )
            for name, (paragraphs, labels, rows, starts, texts) in self.files.items()
        ]
        if not files:
            raise SystemExit("zongjie: no paragraphs to show")
        self.out.write(render_page(files))


_WRITERS = {"jsonl": _JsonLines, "csv": _Csv, "html": _Html}


class _Progress:
    """A one-line bar on stderr, by bytes of input read, redrawn as each file is done. A
    dozen lines instead of a dependency that every service installing zongjie would carry."""

    def __init__(self, names: Sequence[str], stream: TextIO) -> None:
        self.stream = stream
        self.sizes = [0 if name == "-" else os.path.getsize(name) for name in names]
        self.total = max(sum(self.sizes), 1)
        self.done_bytes = 0
        self.done_files = 0

    def show(self, name: str) -> None:
        width = shutil.get_terminal_size().columns
        fraction = self.done_bytes / self.total
        bar = "#" * round(fraction * 20)
        line = f"{fraction:4.0%} [{bar:<20}] {self.done_files}/{len(self.sizes)} files  {name}"
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        self.stream.flush()

    def advance(self) -> None:
        self.done_bytes += self.sizes[self.done_files]
        self.done_files += 1

    def close(self) -> None:
        self.stream.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
        self.stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """The command. Every way it can fail ends with one line on stderr, no traceback, and the
    usual status: 1 for an error, 130 for Ctrl-C, 141 (as a shell reports a process killed
    by SIGPIPE) when the reader of the output stops early."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("zongjie: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zongjie",
        description="Label every paragraph of Chinese work reports as summary, problem or plan.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a text file, a directory of .txt files, or - for stdin",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="jsonl", help="the output (default: jsonl)"
    )
    parser.add_argument("--model", help="a model file other than the default")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="add why each paragraph has its label (zongjie.explain_document; see below)",
    )
    args = parser.parse_args(argv)

    out = sys.stdout
    if out is None:  # started with descriptor 1 closed (>&-)
        raise SystemExit("zongjie: cannot write the output: stdout is closed")
    names = _inputs(args.paths)
    from zongjie.api import load_model

    # Loaded before any input is read, --model or the default ($ZONGJIE_MODEL): a model file
    # that cannot be used is one line naming it, not a traceback from the first report.
    try:
        load_model(args.model)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"zongjie: {error}") from None
    if isinstance(out, io.TextIOWrapper):
        out.reconfigure(encoding="utf-8")  # the page declares UTF-8; JSON and CSV are UTF-8 too
    progress = None
    if len(names) > 1 and sys.stderr.isatty() and not out.isatty():
        progress = _Progress(names, sys.stderr)
    try:
        _label(names, _WRITERS[args.format](out, args.explain), progress, args.explain)
        out.flush()
    except BrokenPipeError:
        # The reader stopped early (| head): stop quietly, as a process SIGPIPE kills would.
        _discard(out)
        return 141
    except OSError as error:  # the output's own: a full disk, a closed descriptor
        _discard(out)
        raise SystemExit(f"zongjie: cannot write the output: {error.strerror or error}") from None
    return 0


def _discard(out: TextIO) -> None:
    """Point the output's descriptor at /dev/null, so that Python's own flush at exit does not
    fail a second time on what is still buffered."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())


def _label(
    names: Sequence[str], writer: Any, progress: _Progress | None, explain: bool = False
) -> None:
    try:
        if explain:
            for name in names:
                if progress:
                    progress.show(name)
                for report in _explained_reports(name):
                    writer.add(_display_name(name), report)  # an OSError here is the output's
                if progress:
                    progress.advance()
        else:
            started = False
            for name, labelled in _all_reports(names):
                if labelled is not None:
                    writer.add(_display_name(name), labelled)  # an OSError: the output's
                    continue
                if progress:  # a file starts
                    if started:
                        progress.advance()
                    progress.show(name)
                started = True
            if progress and started:
                progress.advance()
    finally:
        if progress:
            progress.close()  # an error message then starts on a clean line
    writer.close()


def _read(name: str) -> Iterator[tuple[int, list[str]]]:
    """`_documents(name)`, a failure to read the input ending the run with one line naming
    it."""
    reports = _documents(name)
    while True:
        try:
            report = next(reports)
        except StopIteration:
            return
        except ValueError as error:  # undecodable bytes
            raise SystemExit(f"zongjie: {error}") from None
        except OSError as error:  # unreadable: permissions, an I/O error, a file gone meanwhile
            raise SystemExit(f"zongjie: {name}: {error.strerror or error}") from None
        yield report


if __name__ == "__main__":
    sys.exit(main())
