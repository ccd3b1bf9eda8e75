"""Checks of config values (`zongjie.checks`): what each accepts, and what it says a value must
be otherwise (the words `check_config` puts in its error)."""

from __future__ import annotations

import pytest

from zongjie.checks import boolean, integer, list_of, number, one_of, optional, text


@pytest.mark.parametrize(
    ("check", "good", "bad", "says"),
    [
        (boolean, [True, False], [1, "true", None], "true or false"),
        (text, ["a"], ["", 3, None], "a non-empty string"),
        (integer(1), [1, 7], [0, 1.5, True, "2"], "a whole number ≥ 1"),
        (integer(), [-3, 0], [2.0, False], "a whole number"),
        (number(), [0, 0.5, 3], [-0.1, True, "1"], "a number ≥ 0"),
        (number(strict=True), [1e-9, 4], [0, -1], "a number > 0"),
        (one_of("a", "b"), ["a", "b"], ["c", None], "one of 'a', 'b'"),
        (optional(integer(1)), [None, 3], [0], "null or a whole number ≥ 1"),
        (list_of(text), [[], ["x", "y"]], [["x", ""], "x", None], "a list, each item "),
        (
            list_of(text, ("p", "q")),
            [["p"], ["q", "p"]],
            [["r"]],
            "a list, each item one of 'p', 'q'",
        ),
    ],
)
def test_each_check_accepts_what_it_says_and_names_it_otherwise(check, good, bad, says) -> None:
    assert [check(value) for value in good] == [None] * len(good)
    for value in bad:
        assert check(value).startswith(says), value
