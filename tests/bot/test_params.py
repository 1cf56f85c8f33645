"""Typed text to parameter values, per the schema."""

from __future__ import annotations

from typing import Any

import pytest

from airplane_api.models.common import Parameter
from bot.params import coerce_args, coerce_value, missing_required


def param(slug: str, kind: str = "string", **extra: Any) -> Parameter:
    """A parameter as tasks/get describes it."""
    return Parameter.model_validate({"slug": slug, "name": slug.title(), "type": kind, **extra})


@pytest.mark.parametrize(
    ("parameter", "raw", "value"),
    [
        (param("n", "integer"), " 42 ", 42),
        (param("x", "float"), "2.5", 2.5),
        (param("b", "boolean"), "Yes", True),
        (param("b", "boolean"), "false", False),
        (param("d", "date"), "2024-01-31", "2024-01-31"),
        (param("t", "datetime"), "2024-01-31T09:30:00Z", "2024-01-31T09:30:00+00:00"),
        (param("j", "json"), '{"a": [1]}', {"a": [1]}),
        (param("l", "list"), "[1, 2]", [1, 2]),
        (param("s"), "  keep spaces ", "  keep spaces "),
        (param("m", "integer", multi=True), "[1, 2]", [1, 2]),
        (param("m", multi=True), "a, b", ["a", "b"]),
        (param("o", constraints={"options": ["api", "web"]}), "web", "web"),
        (param("v", constraints={"regex": r"v\d+"}), "v12", "v12"),
    ],
)
def test_values_follow_the_type(parameter: Parameter, raw: str, value: Any) -> None:
    """Each type turns its text into the JSON value Airplane expects."""
    assert coerce_value(parameter, raw) == value


@pytest.mark.parametrize(
    ("parameter", "raw", "message"),
    [
        (param("n", "integer"), "4.5", "whole number"),
        (param("x", "float"), "abc", "a number"),
        (param("b", "boolean"), "maybe", "true or false"),
        (param("d", "date"), "31/01/2024", "date like"),
        (param("j", "json"), "{a}", "expected JSON"),
        (param("o", "object"), "[1]", "JSON object"),
        (param("l", "list"), "{}", "JSON array"),
        (
            param("o", constraints={"options": [{"label": "API", "value": "api"}]}),
            "x",
            "one of: API",
        ),
        (param("v", constraints={"regex": r"v\d+"}), "1.2", r"must match v\\d\+"),
    ],
)
def test_bad_values_say_why(parameter: Parameter, raw: str, message: str) -> None:
    """A value that does not fit raises ValueError with a short reason."""
    with pytest.raises(ValueError, match=message):
        coerce_value(parameter, raw)


def test_args_collect_values_and_errors() -> None:
    """Unknown keys and bad values become errors by slug; blanks are left out."""
    params = [
        param("name"),
        param("count", "integer"),
        param("opt", constraints={"optional": True}),
    ]
    values, errors = coerce_args(params, {"name": "Ada", "count": "x", "opt": " ", "colour": "red"})
    assert values == {"name": "Ada"}
    assert errors == {
        "count": "expected a whole number",
        "colour": "unknown parameter (this one takes: count, name, opt)",
    }
    assert [p.slug for p in missing_required(params, values)] == ["count"]


def test_defaults_and_hidden_are_not_missing() -> None:
    """A parameter with a default, an optional one and a hidden one never count as missing."""
    params = [
        param("a", default="x"),
        param("b", constraints={"optional": True}),
        param("c", hidden=True),
        param("d"),
    ]
    assert [p.slug for p in missing_required(params, {})] == ["d"]
