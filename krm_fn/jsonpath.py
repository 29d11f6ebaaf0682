"""JSONPath in Tilt's dialect (its fork of client-go's jsonpath), evaluated over YAML nodes.

Grammar of a locator path (one template expression; the braces may be left out):

    template  := "{" path "}" | path
    path      := ["$"] step+
    step      := "." name | "." "*" | ".." name | "[" selector "]" | ".." "[" selector "]"
    name      := one or more of [A-Za-z0-9_/-], or any character escaped with "\\"
    selector  := "*"                     every element (or value of a mapping)
               | ""                      the first element only: client-go's `[]` is `[0:1]`
               | int                     one element; negative counts from the end
               | [int] ":" [int]         a slice
               | int ("," int)+          a union of elements
               | quoted ("," quoted)*    keys: ['a'] or ["a", "b"]
               | "?(" filter ")"         the elements a filter keeps
    filter    := "@" ("." name)+ [op literal]        no op: the field exists
    op        := "==" | "!="
    literal   := 'text' | "text" | number

A parser of our own, not a JSONPath library: the libraries work on Python dicts, while
edits need the YAML nodes (their positions, and the mapping and key around each match), and
none has client-go's `[]` or Tilt's template braces.

Departure from Tilt: a key, index or filter that finds nothing finds nothing (Tilt fails
the whole apply: `<key> is not found`, tilt-dev/tilt#5958); a path runs over many objects
of a kind, and not all of them have every optional field.

A path has at most `MAX_STEPS` steps (JSONPathError); krm_fn.jsonpath_steps runs them, its
work bounded.
"""

from __future__ import annotations

import re

from krm_fn.jsonpath_steps import Path, Select, Step, every, field, fields, filtered, indexes

__all__ = ["MAX_STEPS", "JSONPathError", "compile_path"]

MAX_STEPS = 32  # steps in one path: real ones have fewer than ten

_NAME = re.compile(r"(?:[A-Za-z0-9_/-]|\\.)+")
_INT = r"-?[0-9]+"
# The other steps of a `[...]`, as texts: `re` compiles one when a path first has it.
_SLICE = rf"({_INT})?:({_INT})?"
_UNION = rf"{_INT}(?:\s*,\s*{_INT})+"
_QUOTED = r"""'([^']*)'|"([^"]*)\""""
_FILTER = (
    r"""\?\(\s*@((?:\.(?:[A-Za-z0-9_/-]|\\.)+)+)\s*"""  # ?(@.a.b
    r"""(?:(==|!=)\s*('[^']*'|"[^"]*"|-?[0-9.]+)\s*)?\)"""  # == 'x')
)


class JSONPathError(ValueError):
    """A path that does not follow the grammar; the message says where."""


def compile_path(text: str, where: str = "") -> Path:
    """Parse a path. Raises JSONPathError naming the position of the problem. `where` is
    the config field it comes from, named by JSONPathLimitError."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1].strip()
    pos = 1 if body.startswith("$") else 0
    steps: list[Step] = []
    while pos < len(body):
        pos = _step(body, pos, steps, text)
        if len(steps) > MAX_STEPS:
            raise JSONPathError(f"path {text!r} has more than {MAX_STEPS} steps")
    if not steps:
        raise JSONPathError(f"path {text!r} is empty")
    return Path(text, tuple(steps), where)


def _step(body: str, pos: int, steps: list[Step], text: str) -> int:
    recursive = body.startswith("..", pos)
    if recursive:
        pos += 2
    elif body.startswith(".", pos):
        pos += 1
    if body.startswith("[", pos):
        end = body.find("]", pos)
        if end < 0:
            raise JSONPathError(f"path {text!r}: '[' at {pos} is not closed")
        step, width = _selector(body[pos + 1 : end].strip(), text)
        pos = end + 1
    elif body.startswith("*", pos):
        step, width, pos = every, 1, pos + 1
    else:
        name = _NAME.match(body, pos)
        if name is None:
            raise JSONPathError(f"path {text!r}: expected a field name at {pos}")
        step, width = field(_unescape(name.group())), 1
        pos = name.end()
    steps.append(Step(step, recursive, width))
    return pos


def _selector(inner: str, text: str) -> tuple[Select, int]:
    """The step of a `[...]` and its width (the keys or indexes it tries on each node)."""
    if inner == "*":
        return every, 1
    if inner == "":
        return indexes(lambda n: [0] if n else []), 1
    if re.fullmatch(_INT, inner):
        index = int(inner)
        return indexes(lambda n: [index % n] if -n <= index < n else []), 1
    if (union := re.fullmatch(_UNION, inner)) is not None:
        wanted = list(dict.fromkeys(int(i) for i in union.group().split(",")))
        return indexes(lambda n: [i % n for i in wanted if -n <= i < n]), len(wanted)
    if (sliced := re.fullmatch(_SLICE, inner)) is not None:
        start, stop = (int(g) if g else None for g in sliced.groups())
        return indexes(lambda n: list(range(n))[start:stop]), 1
    if (condition := re.fullmatch(_FILTER, inner)) is not None:
        at, op, literal = condition.groups()
        names = [_unescape(n) for n in re.findall(r"\.((?:[^.\\]|\\.)+)", at)]
        return filtered(names, op, None if literal is None else literal.strip("'\"")), 1
    keys = [a if a is not None else b for a, b in re.findall(_QUOTED, inner)]
    if keys and re.sub(_QUOTED, "", inner).replace(",", "").strip() == "":
        names = list(dict.fromkeys(keys))
        return fields(names), len(names)
    raise JSONPathError(f"path {text!r}: cannot read [{inner}]")


def _unescape(name: str) -> str:
    return re.sub(r"\\(.)", r"\1", name)
