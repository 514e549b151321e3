"""Payload paths for the live plots: parsing, reading a number, and hostile input."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.payload_path import PathError, PayloadPath, Skip

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=24)
ARGS = st.lists(JSON, max_size=3)
STOPS = set(".[]\"'")


def render(steps: list[str | int], from_arguments: bool) -> str:
    """Path text for ``steps``: bare keys where the grammar allows, quoted ones elsewhere."""
    text = "$" if from_arguments else ""
    for position, step in enumerate(steps):
        if isinstance(step, int):
            text += f"[{step}]"
        elif step and not (STOPS & set(step)) and not any(c.isspace() for c in step) \
                and not (position == 0 and not from_arguments and step.startswith("$")):
            text += step if position == 0 and not from_arguments else "." + step
        else:
            text += "[" + json.dumps(step) + "]"
    return text


def expected_number(value: Any) -> float | Skip:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Skip.NOT_A_NUMBER
    try:
        return float(value)
    except OverflowError:
        return Skip.NOT_A_NUMBER


@st.composite
def args_and_path(draw: st.DrawFn) -> tuple[list[Any], list[str | int], bool, Any]:
    """Arguments, a path that exists in them, and the value found there."""
    args = draw(st.lists(JSON, min_size=1, max_size=3))
    from_arguments = draw(st.booleans())
    value: Any = args if from_arguments else args[0]
    steps: list[str | int] = []
    while isinstance(value, list | dict) and value and draw(st.booleans()):
        if isinstance(value, dict):
            key = draw(st.sampled_from(sorted(value)))
            steps.append(key)
            value = value[key]
        else:
            index = draw(st.integers(-len(value), len(value) - 1))
            steps.append(index)
            value = value[index]
    if from_arguments and not steps:
        return args, steps, from_arguments, args  # "$" alone: the list, not a number
    return args, steps, from_arguments, value


# -- the examples the panel's hint gives ---------------------------------------------------

@pytest.mark.parametrize(("path", "args", "number"), [
    ("temperature", [{"temperature": 21.5}], 21.5),  # emit("reading", {"temperature": 21.5})
    (".temperature", [{"temperature": 21.5}], 21.5),
    ("data.readings[0]", [{"data": {"readings": [3, 4]}}], 3.0),
    ("data.readings[-1]", [{"data": {"readings": [3, 4]}}], 4.0),
    ("[1].value", [[{"value": 1}, {"value": 2}]], 2.0),  # the first argument is a list
    ("$[1].value", ["room", {"value": 7}], 7.0),  # emit("reading", "room", {"value": 7})
    ("", [21], 21.0),  # emit("temperature", 21)
    ('sensors["living room"].temp', [{"sensors": {"living room": {"temp": -4}}}], -4.0),
    ('["a.b"]', [{"a.b": 1e300}], 1e300),
])
def test_a_path_reads_the_number_there(path: str, args: list[Any], number: float) -> None:
    assert PayloadPath.parse(path).read(args) == number
    assert PayloadPath.parse(path).read_json(orjson.dumps(args).decode()) == number


@pytest.mark.parametrize(("args", "reason"), [
    ([{"temperature": "21.5"}], Skip.NOT_A_NUMBER),  # a string, even one of digits
    ([{"temperature": True}], Skip.NOT_A_NUMBER),
    ([{"temperature": None}], Skip.NOT_A_NUMBER),
    ([{"temperature": [21.5]}], Skip.NOT_A_NUMBER),
    ([{"temperature": {"c": 21.5}}], Skip.NOT_A_NUMBER),
    ([{"humidity": 40}], Skip.MISSING),
    ([[21.5]], Skip.MISSING),  # a list has no keys
    (["temperature"], Skip.MISSING),
    ([], Skip.MISSING),  # an event without arguments
])
def test_anything_but_a_number_is_a_skip_with_its_reason(args: list[Any],
                                                         reason: Skip) -> None:
    assert PayloadPath.parse("temperature").read(args) is reason


def test_payloads_the_journal_kept_partly_or_not_at_all_are_skipped() -> None:
    path = PayloadPath.parse("temperature")
    assert path.read_json(None) is Skip.NO_PAYLOAD
    assert path.read_json('[{"temperature": 21.5}]', truncated=True) is Skip.TRUNCATED
    assert path.read_json('[{"temperature": 2') is Skip.TRUNCATED
    assert path.read_json('{"temperature": 2}') is Skip.MISSING  # not an argument list
    huge = 10 ** 400  # the journal writes it (stdlib JSON), orjson cannot read it
    assert PayloadPath.parse("").read_json(f"[{huge}]") is Skip.NOT_A_NUMBER
    assert PayloadPath.parse("b").read_json(f'[{{"a": {huge}, "b": 5}}]') == 5.0


def test_hostile_payloads_are_skipped_not_raised() -> None:
    path = PayloadPath.parse("[0]" * 5000)
    deep = "[" * 100_000 + "]" * 100_000
    assert path.read_json(deep) is Skip.TOO_DEEP
    assert path.read_json("[" * 100_000) is Skip.TOO_DEEP
    nested: Any = 1.0
    for _ in range(5000):
        nested = [nested]
    assert path.read([nested]) == 1.0  # reading is a loop, not recursion
    assert PayloadPath.parse("a").read([{"a": float("nan")}]) is Skip.NOT_A_NUMBER
    assert PayloadPath.parse("a").read([{"a": math.inf}]) is Skip.NOT_A_NUMBER


# -- bad syntax: a clear message, never another exception ------------------------------------

@pytest.mark.parametrize(("path", "message"), [
    ("a..b", "at character 3: a key was expected, found '.'"),
    ("a.", "at character 3: a key was expected, found the end"),
    ("a[", "at character 2: this [ is never closed"),
    ("a[]", "at character 2: [] is not an index"),
    ("a[x]", "at character 2: [x] is not an index: write [0], [-1] or [\"key\"]"),
    ("a[1.5]", "[1.5] is not an index"),
    ("$x", "after $ (the list of arguments) comes an index, as in $[1]"),
    ('["a', "this quoted key is not a valid JSON string"),
    ('["a"', 'a quoted key is closed by ]'),
    ("a b", "at character 2: unexpected ' '"),
    ("[1]]", "at character 4: unexpected ']'"),
    ("a['b']", "at character 2: ['b'] is not an index"),
    ("[" + "9" * 40 + "]", "is not an index"),
])
def test_bad_syntax_says_where_and_what_to_write(path: str, message: str) -> None:
    with pytest.raises(PathError) as raised:
        PayloadPath.parse(path)
    assert message in str(raised.value)


def test_a_huge_path_is_parsed_or_refused_quickly() -> None:
    assert len(PayloadPath.parse("a." * 50_000 + "b").steps) == 50_001
    with pytest.raises(PathError, match="never closed"):
        PayloadPath.parse("[" * 100_000)
    with pytest.raises(PathError, match=r"^at character 1: \[x{20}\] is not an index"):
        PayloadPath.parse("[" + "x" * 100_000 + "]")  # the message quotes a short part


# -- properties ------------------------------------------------------------------------------

@given(args_and_path())
def test_a_rendered_path_parses_back_and_reads_what_is_there(
        case: tuple[list[Any], list[str | int], bool, Any]) -> None:
    args, steps, from_arguments, value = case
    path = PayloadPath.parse(render(steps, from_arguments))
    assert path.steps == tuple(steps)
    assert path.from_arguments == from_arguments
    assert path.read(args) == expected_number(value)
    assert path.read_json(json.dumps(args)) == expected_number(value)


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_a_path_error(text: str) -> None:
    try:
        path = PayloadPath.parse(text)
    except PathError as exc:
        assert str(exc).startswith("at character ")
    else:
        assert all(isinstance(step, str | int) for step in path.steps)


@given(st.text(alphabet='[]."$ab0-1\'', max_size=30), ARGS)
def test_any_path_over_any_arguments_gives_a_number_or_a_skip(text: str,
                                                              args: list[Any]) -> None:
    try:
        path = PayloadPath.parse(text)
    except PathError:
        return
    assert isinstance(path.read(args), float | Skip)


@given(ARGS, st.integers(min_value=0, max_value=200))
def test_any_cut_of_a_payload_gives_a_number_or_a_skip(args: list[Any], cut: int) -> None:
    text = json.dumps(args)
    for path in ("", "a", "[0]", "$[1].a"):
        assert isinstance(PayloadPath.parse(path).read_json(text[:cut]), float | Skip)
        assert isinstance(PayloadPath.parse(path).read_json(text[:cut], truncated=True), Skip)
