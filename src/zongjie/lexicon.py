"""The lexicon: cue words, heading words, lead-ins, context-line shapes and numbering styles,
kept as data in one file (``lexicon.yaml`` beside this module) and compiled here.

Training reads the file; a fitted model carries the lexicon's content (`Lexicon.data`) and its
hash, and prediction compiles that frozen copy, never the file: editing the file changes a
model only by retraining it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from zongjie import _wordcut

__all__ = ["DEFAULT_PATH", "Lexicon", "default_lexicon", "lexicon_hash", "read_lexicon"]

DEFAULT_PATH = Path(__file__).with_name("lexicon.yaml")

# The sections, and whether each holds word lists or regular expressions.
_WORD_SECTIONS = ("cue_words", "heading_words", "lead_ins")
_PATTERN_SECTIONS = ("context_patterns",)


def lexicon_hash(data: Mapping[str, Any]) -> str:
    """A stable hash of a lexicon's content, YAML layout aside. Order counts: the order of the
    groups is the order of the feature columns, and numbering styles are tried in order."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A compiled lexicon. `data` is its content as plain JSON values (what a model file
    stores); the rest is derived from it."""

    data: Mapping[str, Any]
    hash: str = field(init=False)
    # section → group → one alternation of the group's words (or patterns)
    words: dict[str, dict[str, re.Pattern[str]]] = field(init=False, repr=False)
    # section → group → the group's words (lowercased) in the order `words` tries them
    alternatives: dict[str, dict[str, list[str]]] = field(init=False, repr=False)
    # sections → the native matcher of their word groups (`count_words`), made on first use
    _matchers: dict[tuple[str, ...], Any] = field(init=False, repr=False)
    patterns: dict[str, dict[str, re.Pattern[str]]] = field(init=False, repr=False)
    numbering: tuple[tuple[str, re.Pattern[str]], ...] = field(init=False, repr=False)
    # Matches where any numbering style matches (None: the styles do not combine into one
    # pattern): most paragraphs open with none, and one failed match beats trying each style.
    any_numbering: re.Pattern[str] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        data = _validated(self.data)
        object.__setattr__(self, "hash", lexicon_hash(data))
        # Longest first: at each place the regex takes the first alternative that matches.
        alternatives = {
            section: {
                group: [w.lower() for w in sorted(items, key=len)[::-1]]
                for group, items in data[section].items()
            }
            for section in _WORD_SECTIONS
        }
        words = {
            section: {
                group: re.compile("|".join(map(re.escape, ordered)))
                for group, ordered in alternatives[section].items()
            }
            for section in _WORD_SECTIONS
        }
        patterns = {
            section: {
                group: re.compile("|".join(f"(?:{p})" for p in items), re.IGNORECASE)
                for group, items in data[section].items()
            }
            for section in _PATTERN_SECTIONS
        }
        numbering = tuple(
            (name, re.compile(pattern)) for name, pattern in data["numbering_styles"].items()
        )
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "alternatives", alternatives)
        object.__setattr__(self, "_matchers", {})
        object.__setattr__(self, "patterns", patterns)
        object.__setattr__(self, "numbering", numbering)
        any_numbering = None
        # Not where a style refers to its own groups by number: joined, they would renumber.
        if not any(re.search(r"\\[1-9]|\(\?P=|\(\?\(", p.pattern) for _, p in numbering):
            # (not either where a style has global inline flags, or a clash with another)
            with contextlib.suppress(re.error):
                any_numbering = re.compile("|".join(f"(?:{p.pattern})" for _, p in numbering))
        object.__setattr__(self, "any_numbering", any_numbering)

    def __reduce__(self) -> tuple[Any, ...]:
        # Everything but `data` is derived (the native matchers cannot be pickled): a process
        # pool's worker compiles its copy again.
        return (Lexicon, (self.data,))

    def groups(self, section: str) -> tuple[str, ...]:
        """The group names of a section, in the file's order (feature columns follow it)."""
        return tuple(self.data[section])

    def count_words(self, texts: Sequence[str], sections: tuple[str, ...]) -> np.ndarray:
        """(len(texts), groups) int64: how often the words of each group of `sections` (word
        sections, groups in order) occur in each text, as ``len(self.words[section][group]
        .findall(text))`` counts them; in C, all groups in one pass (~2 µs a paragraph instead
        of ~15 for the regexes)."""
        matcher = self._matchers.get(sections)
        if matcher is None:  # two threads may both make it: the same matcher either way
            matcher = self._matchers[sections] = _wordcut.build_matcher(
                [list(self.alternatives[s][g]) for s in sections for g in self.groups(s)]
            )
        counts = _wordcut.count_words(matcher, list(texts))
        width = sum(len(self.groups(s)) for s in sections)
        return np.frombuffer(counts, dtype=np.int64).reshape(len(texts), width)


def _validated(data: Mapping[str, Any]) -> dict[str, Any]:
    """The lexicon as plain JSON values, or ValueError saying what is malformed."""
    if not isinstance(data, Mapping):
        raise ValueError(f"a lexicon is a mapping of sections, not {type(data).__name__}")
    expected = {*_WORD_SECTIONS, *_PATTERN_SECTIONS, "numbering_styles"}
    if set(data) != expected:
        raise ValueError(
            f"a lexicon has the sections {sorted(expected)}; this one has {sorted(data)}"
        )
    clean: dict[str, Any] = {}
    for section in (*_WORD_SECTIONS, *_PATTERN_SECTIONS):
        groups = data[section]
        if not isinstance(groups, Mapping) or not groups:
            raise ValueError(f"lexicon section {section!r} must map group names to lists")
        clean[section] = {}
        for group, items in groups.items():
            if (
                not isinstance(items, list)
                or not items
                or not all(isinstance(item, str) and item for item in items)
            ):
                raise ValueError(f"lexicon {section}.{group} must be a non-empty list of strings")
            if section in _PATTERN_SECTIONS:
                for item in items:
                    _compile(item, f"{section}.{group}")
            clean[section][str(group)] = list(items)
    styles = data["numbering_styles"]
    if not isinstance(styles, Mapping) or not styles:
        raise ValueError("lexicon section 'numbering_styles' must map style names to patterns")
    for name, pattern in styles.items():
        if not isinstance(pattern, str):
            raise ValueError(f"lexicon numbering_styles.{name} must be a pattern string")
        _compile(pattern, f"numbering_styles.{name}")
    clean["numbering_styles"] = {str(name): pattern for name, pattern in styles.items()}
    return clean


def _compile(pattern: str, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(
            f"lexicon {where}: {pattern!r} is not a regular expression: {error}"
        ) from None


def read_lexicon(path: str | Path = DEFAULT_PATH) -> Lexicon:
    """The lexicon in the YAML file at `path`."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read the lexicon {path}: {error}") from None
    try:
        return Lexicon(_validated(data))
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


@cache
def default_lexicon() -> Lexicon:
    """The lexicon file shipped with the package (training's default)."""
    return read_lexicon(DEFAULT_PATH)
