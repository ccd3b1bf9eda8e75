"""The project's own documentation is what the code cites: the labelling guide lives in the
repository (docs/labelling.md), and every citation of one of its sections names a section
that exists."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

GUIDE = ROOT / "docs" / "labelling.md"

# What the project's files may cite: everything but data, models, reports and the virtualenv.
CITING = ("src", "scripts", "tests", "conf", "notebooks", "docs")
CITING_FILES = ("README.md", "Makefile", "dvc.yaml", "train.py", "hatch_build.py", "pyproject.toml")

# The annotation spec outside the repository, by name or as "<its name> rule N".
OUTSIDE_SPEC = re.compile(r"\bANNOTATION(?:\.md\b|\s+rules?\b)", re.IGNORECASE)

# docs/labelling.md §4 · docs/labelling.md §1, §2 and §4 · docs/labelling.md#labels
SECTIONS_CITED = re.compile(
    r"docs/labelling\.md\s*(§\d+(?:\s*(?:,|and|–|-)\s*§\d+)*)|docs/labelling\.md#([\w-]+)"
)


def _texts() -> dict[Path, str]:
    paths = [ROOT / name for name in CITING_FILES]
    for folder in CITING:
        paths += [p for p in (ROOT / folder).rglob("*") if "__pycache__" not in p.parts]
    texts = {}
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" not in data:  # images and other binary files cite nothing
            texts[path] = data.decode("utf-8", errors="replace")
    return texts


def _guide_sections() -> tuple[list[int], set[str]]:
    guide = GUIDE.read_text(encoding="utf-8")
    numbers = [int(n) for n in re.findall(r"^### §(\d+) ", guide, re.MULTILINE)]
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', guide))
    return numbers, anchors


def test_nothing_cites_the_spec_outside_the_repository() -> None:
    texts = _texts()
    assert ROOT / "src" / "zongjie" / "weak_labels.py" in texts  # the walk found the sources
    citing = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group()}"
        for path, text in texts.items()
        for match in OUTSIDE_SPEC.finditer(text)
    ]
    assert not citing, "cite docs/labelling.md instead:\n" + "\n".join(citing)


def test_the_guide_numbers_its_rules_in_order_each_with_its_anchor() -> None:
    # §1–§12 keep the numbers of the annotation spec the gold was labelled under.
    numbers, anchors = _guide_sections()
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 12
    assert {f"rule-{n}" for n in numbers} <= anchors


def test_every_citation_of_the_guide_names_a_section_it_has() -> None:
    numbers, anchors = _guide_sections()
    in_src, missing = 0, []
    for path, text in _texts().items():
        for match in SECTIONS_CITED.finditer(text):
            in_src += path.is_relative_to(ROOT / "src")
            where = f"{path.relative_to(ROOT)}: {match.group()}"
            if match.group(2):
                if match.group(2) not in anchors:
                    missing.append(where)
            elif any(int(n) not in numbers for n in re.findall(r"§(\d+)", match.group(1))):
                missing.append(where)
    assert in_src >= 10  # the pattern still finds the citations in src/
    assert not missing, "no such section in docs/labelling.md:\n" + "\n".join(missing)
