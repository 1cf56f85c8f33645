"""The one parameter rule: typed text and JSON values checked against a schema."""

from __future__ import annotations

from typing import Any

import pytest

from airplane_api.models.common import Parameter
from airplane_api.params import ParamError, check_values, collect, convert, read_text, read_texts


def param(slug: str, kind: str = "string", **extra: Any) -> Parameter:
    """A parameter as tasks/get describes it."""
    return Parameter.model_validate({"slug": slug, "name": slug.title(), "type": kind, **extra})


def typed(parameter: Parameter, text: str) -> Any:
    """What the slash command and the forms make of typed text."""
    return convert(parameter, read_text(parameter, text))


@pytest.mark.parametrize(
    ("parameter", "raw", "value"),
    [
        (param("n", "integer"), " 42 ", 42),
        (param("x", "float"), "2.5", 2.5),
        (param("b", "boolean"), "Yes", True),
        (param("b", "boolean"), "off", False),
        (param("d", "date"), "2024-01-31", "2024-01-31"),
        (param("t", "datetime"), "2024-01-31T10:30:00+01:00", "2024-01-31T09:30:00Z"),
        (param("j", "json"), '{"a": [1]}', {"a": [1]}),
        (param("j", "json"), "plain words", "plain words"),
        (param("a", "any"), "[1]", [1]),
        (param("l", "list"), "[1, 2]", [1, 2]),
        (param("s"), "  keep spaces ", "  keep spaces "),
        (param("m", "integer", multi=True), "[1, 2]", [1, 2]),
        (param("m", multi=True), "a, b", ["a", "b"]),
        (param("m", multi=True), "a, b\nc", ["a, b", "c"]),
        (param("o", constraints={"options": ["api", "web"]}), "web", "web"),
        (param("v", constraints={"regex": r"v\d+"}), "v12", "v12"),
    ],
)
def test_values_follow_the_type(parameter: Parameter, raw: str, value: Any) -> None:
    """Each type turns its text into the JSON value Airplane expects."""
    assert typed(parameter, raw) == value


@pytest.mark.parametrize(
    ("parameter", "raw", "message"),
    [
        (param("n", "integer"), "4.5", "whole number"),
        (param("n", "integer"), "1e3", "whole number"),
        (param("x", "float"), "abc", "a number"),
        (param("x", "float"), "inf", "a number"),
        (param("x", "float"), "1_000", "a number"),
        (param("b", "boolean"), "maybe", "true or false"),
        (param("d", "date"), "31/01/2024", "date like"),
        (param("d", "date"), "20240131", "date like"),
        (param("t", "datetime"), "2024-01-31", "date and time like"),
        (param("o", "object"), "[1]", "JSON object"),
        (param("l", "list"), "{}", "JSON list"),
        (param("o", constraints={"options": ["api"]}), "x", 'one of "api"'),
        (param("v", constraints={"regex": r"v\d+"}), "1.2", r"must match the pattern v\\d\+"),
        (param("v", constraints={"regex": r"(unclosed"}), "x", "invalid regex"),
    ],
)
def test_bad_values_say_which_parameter_and_why(
    parameter: Parameter, raw: str, message: str
) -> None:
    """A value that does not fit raises ParamError naming the parameter, with the reason."""
    with pytest.raises(ParamError, match=message) as caught:
        typed(parameter, raw)
    assert caught.value.slug == parameter.slug
    assert f'"{parameter.slug}"' in str(caught.value)


def test_texts_collect_values_and_errors() -> None:
    """Unknown keys and bad values become errors by slug; blanks are no value."""
    params = [
        param("name"),
        param("count", "integer"),
        param("opt", constraints={"optional": True}),
    ]
    checked = read_texts(params, {"name": "Ada", "count": "x", "opt": " ", "colour": "red"})
    assert checked.values == {"name": "Ada"}
    assert set(checked.errors) == {"count", "colour"}
    assert "this one takes: count, name, opt" in str(checked.errors["colour"])


def test_defaults_fill_what_is_missing() -> None:
    """Defaults fill what is missing; a required parameter without one is reported."""
    params = [param("a", default="x"), param("b", constraints={"optional": True}), param("d")]
    checked = collect(params, {})
    assert checked.values == {"a": "x"}
    assert list(checked.errors) == ["d"]
    assert checked.errors["d"].sentence == "Is required."


def test_checked_values_check_again_unchanged() -> None:
    """What the bot sends is what airfield stores: checking a checked value is a no-op."""
    params = [param("j", "json"), param("f", "float"), param("t", "datetime")]
    first = check_values(params, {"j": '"123"', "f": "3", "t": "2024-01-31 09:30:00"})
    assert first == {"j": '"123"', "f": 3.0, "t": "2024-01-31T09:30:00Z"}
    assert check_values(params, first) == first


def test_options_compare_as_json() -> None:
    """`true` is not the option `1`."""
    options = param("j", "json", constraints={"options": [1]})
    with pytest.raises(ParamError):
        convert(options, True)
    assert convert(options, "1") == 1
