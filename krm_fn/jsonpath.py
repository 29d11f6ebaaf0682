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

Bounded work, whatever the path and the object: each step's matches are de-duplicated by
node (the first, in document order, is kept: a node is found once however many ways lead
to it), a `..` step walks each node below its matches once, and a match's path is built
only at the end. A step thus costs at most about twice the object's nodes, so a path costs
at most its steps times that. Two limits make sure: a path has at most `MAX_STEPS` steps
(JSONPathError), and evaluating one path on one object may visit at most `MAX_VISITS` nodes,
each node a step looks at or finds and each element of the paths of its matches counting
one (past it, `find` raises JSONPathLimitError, which names the path's config field). Tilt
has neither limit; client-go keeps every duplicate, so `{..*..*..*}` grows with the depth
to the power of the steps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple, TypeAlias

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import nodes

__all__ = [
    "MAX_STEPS",
    "MAX_VISITS",
    "JSONPathError",
    "JSONPathLimitError",
    "Match",
    "Path",
    "compile_path",
]

MAX_STEPS = 32  # steps in one path: real ones have fewer than ten
MAX_VISITS = 500_000  # node visits of one path on one object: about a second of work

_COLLECTIONS = (MappingNode, SequenceNode)
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


class JSONPathLimitError(ValueError):
    """A path that needs more than MAX_VISITS node visits on an object; the message names
    the path's config field (e.g. `imageLocators[0].path`) and the limit."""


class Match(NamedTuple):
    """A node a path found: where it is, and the mapping and key holding it (if any)."""

    path: tuple[str | int, ...]
    node: Node
    parent: MappingNode | None = None
    key: ScalarNode | None = None


# Where a node found on the way is: the path to its parent and its own key or index, as a
# linked list (built in constant time; made a tuple only for the matches at the end).
_Trail: TypeAlias = "tuple[_Trail, str | int] | None"


class _Hit(NamedTuple):
    node: Node
    trail: _Trail
    depth: int  # the length of its path
    parent: MappingNode | None = None
    key: ScalarNode | None = None


_Select = Callable[[_Hit], list[_Hit]]


class _Step(NamedTuple):
    select: _Select
    recursive: bool  # `..`: apply `select` to every node at or below each match
    width: int = 1  # the names or indexes it tries on each node: its work per node


class Path(NamedTuple):
    """A compiled path: `Path.find(root)` gives every match in document order, each node
    once. `where` is its config field, for errors (e.g. `imageLocators[0].path`)."""

    text: str
    steps: tuple[_Step, ...]
    where: str = ""

    def find(self, root: Node) -> list[Match]:
        """Every match; raises JSONPathLimitError past MAX_VISITS node visits."""
        left = MAX_VISITS
        hits = [_Hit(root, None, 0)]
        for select, recursive, width in self.steps:
            if recursive:
                hits = _below(hits)
            left -= len(hits) * width
            seen: set[int] = set()
            found: list[_Hit] = []
            for source in hits:
                out = select(source)
                left -= len(out)
                for hit in out:
                    if id(hit.node) not in seen:
                        seen.add(id(hit.node))
                        found.append(hit)
            if left < 0:
                raise self._too_much()
            hits = found
        if left < sum(hit.depth for hit in hits):
            raise self._too_much()
        return [_match(hit) for hit in hits]

    def _too_much(self) -> JSONPathLimitError:
        where = f"{self.where}: " if self.where else ""
        return JSONPathLimitError(
            f"{where}path {self.text!r} needs more than {MAX_VISITS:,} node visits on this "
            "object (the limit for one path on one object); give it fewer steps, fewer `..` "
            "and `*` in particular, or a narrower objectSelector"
        )


def _below(hits: list[_Hit]) -> list[_Hit]:
    """Every node at or below the hits, in document order, each once: a node below two of
    them (one inside the other) is walked from the first only."""
    out: list[_Hit] = []
    walked: set[int] = set()
    for hit in hits:
        stack = [hit]
        while stack:
            current = stack.pop()
            if id(current.node) in walked:
                continue
            walked.add(id(current.node))
            out.append(current)
            if isinstance(current.node, _COLLECTIONS):
                children = _all(current)
                children.reverse()
                stack += children
    return out


def _match(hit: _Hit) -> Match:
    path: list[str | int] = []
    trail = hit.trail
    while trail is not None:
        trail, element = trail
        path.append(element)
    path.reverse()
    return Match(tuple(path), hit.node, hit.parent, hit.key)


def compile_path(text: str, where: str = "") -> Path:
    """Parse a path. Raises JSONPathError naming the position of the problem. `where` is
    the config field it comes from, named by JSONPathLimitError."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1].strip()
    pos = 1 if body.startswith("$") else 0
    steps: list[_Step] = []
    while pos < len(body):
        pos = _step(body, pos, steps, text)
        if len(steps) > MAX_STEPS:
            raise JSONPathError(f"path {text!r} has more than {MAX_STEPS} steps")
    if not steps:
        raise JSONPathError(f"path {text!r} is empty")
    return Path(text, tuple(steps), where)


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
        step, width = _selector(body[pos + 1 : end].strip(), text)
        pos = end + 1
    elif body.startswith("*", pos):
        step, width, pos = _all, 1, pos + 1
    else:
        name = _NAME.match(body, pos)
        if name is None:
            raise JSONPathError(f"path {text!r}: expected a field name at {pos}")
        step, width = _field(re.sub(r"\\(.)", r"\1", name.group())), 1
        pos = name.end()
    steps.append(_Step(step, recursive, width))
    return pos


def _selector(inner: str, text: str) -> tuple[_Select, int]:
    """The step of a `[...]` and its width (the keys or indexes it tries on each node)."""
    if inner == "*":
        return _all, 1
    if inner == "":
        return _indexes(lambda n: [0] if n else []), 1
    if re.fullmatch(_INT, inner):
        index = int(inner)
        return _indexes(lambda n: [index % n] if -n <= index < n else []), 1
    if (union := _UNION.fullmatch(inner)) is not None:
        wanted = list(dict.fromkeys(int(i) for i in union.group().split(",")))
        return _indexes(lambda n: [i % n for i in wanted if -n <= i < n]), len(wanted)
    if (sliced := _SLICE.fullmatch(inner)) is not None:
        start, stop = (int(g) if g else None for g in sliced.groups())
        return _indexes(lambda n: list(range(n))[start:stop]), 1
    if (filtered := _FILTER.fullmatch(inner)) is not None:
        return _filter(*filtered.groups()), 1
    keys = [a if a is not None else b for a, b in _QUOTED.findall(inner)]
    if keys and _QUOTED.sub("", inner).replace(",", "").strip() == "":
        fields = [_field(k) for k in dict.fromkeys(keys)]
        return (lambda hit: [found for f in fields for found in f(hit)]), len(fields)
    raise JSONPathError(f"path {text!r}: cannot read [{inner}]")


def _field(name: str) -> _Select:
    def step(hit: _Hit) -> list[_Hit]:
        node = hit.node
        if isinstance(node, MappingNode):
            entry = nodes.get_entry(node, name)
            if entry is not None:
                return [_Hit(entry[1], (hit.trail, name), hit.depth + 1, node, entry[0])]
        return []

    return step


def _all(hit: _Hit) -> list[_Hit]:
    node, trail, depth = hit.node, hit.trail, hit.depth + 1
    if isinstance(node, SequenceNode):
        return [
            _Hit(item, (trail, index), depth)
            for index, item, alias in nodes.all_items(node)
            if not alias
        ]
    if isinstance(node, MappingNode):
        return [
            _Hit(value, (trail, name), depth, node, key) for name, key, value in nodes.counted(node)
        ]
    return []


def _indexes(pick: Callable[[int], list[int]]) -> _Select:
    def step(hit: _Hit) -> list[_Hit]:
        if not isinstance(hit.node, SequenceNode):
            return []
        usable = dict(nodes.items(hit.node))
        return [
            _Hit(usable[index], (hit.trail, index), hit.depth + 1)
            for index in pick(len(hit.node.value))
            if index in usable
        ]

    return step


def _filter(fields: str, op: str | None, literal: str | None) -> _Select:
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

    def step(hit: _Hit) -> list[_Hit]:
        if not isinstance(hit.node, SequenceNode):
            return []
        return [found for found in _all(hit) if keep(found.node)]

    return step
