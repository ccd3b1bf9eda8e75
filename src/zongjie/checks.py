"""Checks of config values: each takes a value and returns None when it fits, else what the
value must be ("a number > 0"). The module that reads a group of keys says what each must be
with these (`zongjie.classifier.PARAMETERS`); `zongjie.config` checks the composed config.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "Check",
    "boolean",
    "integer",
    "is_int",
    "is_number",
    "list_of",
    "number",
    "one_of",
    "optional",
    "text",
]

# A check takes a value and returns None when it fits, else what the key must be.
Check = Callable[[Any], str | None]


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "a non-empty string"


def optional(check: Check) -> Check:
    def optional_check(value: Any) -> str | None:
        return None if value is None else (f"null or {what}" if (what := check(value)) else None)

    return optional_check


def integer(low: int | None = None) -> Check:
    def integer_check(value: Any) -> str | None:
        if is_int(value) and (low is None or value >= low):
            return None
        return "a whole number" + (f" ≥ {low}" if low is not None else "")

    return integer_check


def number(low: float = 0.0, strict: bool = False) -> Check:
    def number_check(value: Any) -> str | None:
        if is_number(value) and (value > low if strict else value >= low):
            return None
        return f"a number {'>' if strict else '≥'} {low:g}"

    return number_check


def one_of(*choices: Any) -> Check:
    def one_of_check(value: Any) -> str | None:
        return None if value in choices else f"one of {', '.join(map(repr, choices))}"

    return one_of_check


def list_of(check: Check, allowed: tuple[Any, ...] | None = None) -> Check:
    def list_check(value: Any) -> str | None:
        if (
            isinstance(value, list)
            and not any(check(item) for item in value)
            and (allowed is None or all(item in allowed for item in value))
        ):
            return None
        items = f"one of {', '.join(map(repr, allowed))}" if allowed else check(None)
        return f"a list, each item {items}"

    return list_check
