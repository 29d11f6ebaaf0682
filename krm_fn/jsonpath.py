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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import nodes

__all__ = ["JSONPathError", "Match", "Path", "compile_path"]

_NAME = re.compile(r"(?:[A-Za-z0-9_/-]|\\.)+")
_INT = r"-?[0-9]+"
_SLICE = re.compile(rf"({_INT})?:({_INT})?")
_UNION = re.compile(rf"{_INT}(?:\s*,\s*{_INT})+")
_QUOTED = re.compile(r"""'([^']*)'|"([^"]*)\"""")
_FILTER = re.compile(
    r"""\?\(\s*@((?:\.(?:[A-Za-z0-9_/-]|\\.)+)+)\s*(?:(==|!=)\s*('[^']*'|"[^"]*"|-?[0-9.]+)\s*)?\)"""
)


class JSONPathError(ValueError):
    """A path that does not follow the grammar; the message says where."""


class Match(NamedTuple):
    """A node a path found: where it is, and the mapping and key holding it (if any)."""

    path: tuple[str | int, ...]
    node: Node
    parent: MappingNode | None = None
    key: ScalarNode | None = None


_Step = Callable[[Match], Iterator[Match]]


class Path(NamedTuple):
    """A compiled path: `Path.find(root)` gives every match in document order."""

    text: str
    steps: tuple[_Step, ...]

    def find(self, root: Node) -> list[Match]:
        matches = [Match((), root)]
        for step in self.steps:
            matches = [found for match in matches for found in step(match)]
        return matches


def compile_path(text: str) -> Path:
    """Parse a path. Raises JSONPathError naming the position of the problem."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1].strip()
    pos = 1 if body.startswith("$") else 0
    steps: list[_Step] = []
    while pos < len(body):
        pos = _step(body, pos, steps, text)
    if not steps:
        raise JSONPathError(f"path {text!r} is empty")
    return Path(text, tuple(steps))


def _step(body: str, pos: int, steps: list[_Step], text: str) -> int:
    recursive = body.startswith("..", pos)
    if recursive:
        pos += 2
    elif body.startswith(".", pos):
        pos += 1
    if body.startswith("[", pos):
        end = body.find("]", pos)
        if end < 0:
            raise JSONPathError(f"path {text!r}: '[' at {pos} is not closed")
        step = _selector(body[pos + 1 : end].strip(), text)
        pos = end + 1
    elif body.startswith("*", pos):
        step, pos = _all, pos + 1
    else:
        name = _NAME.match(body, pos)
        if name is None:
            raise JSONPathError(f"path {text!r}: expected a field name at {pos}")
        step, pos = _field(re.sub(r"\\(.)", r"\1", name.group())), name.end()
    steps.append(_descendants(step) if recursive else step)
    return pos


def _selector(inner: str, text: str) -> _Step:
    if inner == "*":
        return _all
    if inner == "":
        return _indexes(lambda n: [0] if n else [])
    if re.fullmatch(_INT, inner):
        index = int(inner)
        return _indexes(lambda n: [index % n] if -n <= index < n else [])
    if (union := _UNION.fullmatch(inner)) is not None:
        wanted = [int(i) for i in union.group().split(",")]
        return _indexes(lambda n: [i % n for i in wanted if -n <= i < n])
    if (sliced := _SLICE.fullmatch(inner)) is not None:
        start, stop = (int(g) if g else None for g in sliced.groups())
        return _indexes(lambda n: list(range(n))[start:stop])
    if (filtered := _FILTER.fullmatch(inner)) is not None:
        return _filter(*filtered.groups())
    keys = [a if a is not None else b for a, b in _QUOTED.findall(inner)]
    if keys and _QUOTED.sub("", inner).replace(",", "").strip() == "":
        fields = [_field(k) for k in keys]
        return lambda m: (found for f in fields for found in f(m))
    raise JSONPathError(f"path {text!r}: cannot read [{inner}]")


def _field(name: str) -> _Step:
    def step(match: Match) -> Iterator[Match]:
        node = match.node
        if isinstance(node, MappingNode):
            entry = nodes.get_entry(node, name)
            if entry is not None:
                yield Match((*match.path, name), entry[1], node, entry[0])

    return step


def _all(match: Match) -> Iterator[Match]:
    node = match.node
    if isinstance(node, SequenceNode):
        for index, item in nodes.items(node):
            yield Match((*match.path, index), item)
    elif isinstance(node, MappingNode):
        for name, key, value in nodes.entries(node):
            yield Match((*match.path, name), value, node, key)


def _indexes(pick: Callable[[int], list[int]]) -> _Step:
    def step(match: Match) -> Iterator[Match]:
        if isinstance(match.node, SequenceNode):
            usable = dict(nodes.items(match.node))
            for index in pick(len(match.node.value)):
                if index in usable:
                    yield Match((*match.path, index), usable[index])

    return step


def _filter(fields: str, op: str | None, literal: str | None) -> _Step:
    names = [re.sub(r"\\(.)", r"\1", n) for n in re.findall(r"\.((?:[^.\\]|\\.)+)", fields)]
    want = None if literal is None else literal.strip("'\"")

    def keep(item: Node) -> bool:
        node: Node | None = item
        for name in names:
            node = nodes.get(node, name)
        if node is None:
            return False
        if op is None:
            return True
        value = node.value if isinstance(node, ScalarNode) else None
        return (value == want) == (op == "==")

    def step(match: Match) -> Iterator[Match]:
        for found in _all(match):
            if isinstance(match.node, SequenceNode) and keep(found.node):
                yield found

    return step


def _descendants(step: _Step) -> _Step:
    """`..x`: apply `step` to the node and to every node below it, in document order."""

    def recursive(match: Match) -> Iterator[Match]:
        stack = [match]
        while stack:
            current = stack.pop()
            yield from step(current)
            if isinstance(current.node, MappingNode | SequenceNode):
                stack += reversed(list(_all(current)))

    return recursive
