"""The steps of a compiled JSONPath (krm_fn.jsonpath reads them from a path's text), run
over YAML nodes: every match in document order, each node once, the work bounded.

Bounded work, whatever the path and the object: each step's matches are de-duplicated by
node (the first, in document order, is kept: a node is found once however many ways lead
to it), a `..` step walks each node below its matches once, and a match's path is built
only at the end. A step thus costs at most about twice the object's nodes, so a path costs
at most its steps times that (the parser keeps a path to MAX_STEPS steps). Evaluating one
path on one object may visit at most `MAX_VISITS` nodes, each node a step looks at or
finds and each element of the paths of its matches counting one (past it, `find` raises
JSONPathLimitError, which names the path's config field). Tilt has no such limit;
client-go keeps every duplicate, so `{..*..*..*}` grows with the depth to the power of
the steps.
"""

from __future__ import annotations

from collections.abc import Callable

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import nodes
from krm_fn.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final, TypeAlias

__all__ = [
    "MAX_VISITS",
    "Hit",
    "JSONPathLimitError",
    "Match",
    "Path",
    "Select",
    "Step",
    "every",
    "field",
    "fields",
    "filtered",
    "indexes",
]

MAX_VISITS = 500_000  # node visits of one path on one object: about a second of work

_COLLECTIONS = (MappingNode, SequenceNode)


class JSONPathLimitError(ValueError):
    """A path that needs more than MAX_VISITS node visits on an object; the message names
    the path's config field (e.g. `imageLocators[0].path`) and the limit."""


class Match(Record):
    """A node a path found: where it is, and the mapping and key holding it (if any)."""

    __slots__ = ("path", "node", "parent", "key")

    def __init__(
        self,
        path: tuple[str | int, ...],
        node: Node,
        parent: MappingNode | None = None,
        key: ScalarNode | None = None,
    ) -> None:
        self.path: Final = path
        self.node: Final = node
        self.parent: Final = parent
        self.key: Final = key


# Where a node found on the way is: the path to its parent and its own key or index, as a
# linked list (built in constant time; made a tuple only for the matches at the end).
_Trail: TypeAlias = "tuple[_Trail, str | int] | None"


class Hit(Record):
    """A node found on the way: the node, its trail, the length of its path, and the
    mapping and key holding it (if any)."""

    __slots__ = ("node", "trail", "depth", "parent", "key")

    def __init__(
        self,
        node: Node,
        trail: _Trail,
        depth: int,
        parent: MappingNode | None = None,
        key: ScalarNode | None = None,
    ) -> None:
        self.node: Final = node
        self.trail: Final = trail
        self.depth: Final = depth
        self.parent: Final = parent
        self.key: Final = key


Select = Callable[[Hit], list[Hit]]


class Step(Record):
    """One step of a path: what it finds from each node."""

    __slots__ = ("select", "recursive", "width")

    def __init__(
        self,
        select: Select,
        recursive: bool,  # `..`: apply `select` to every node at or below each match
        width: int = 1,  # the names or indexes it tries on each node: its work per node
    ) -> None:
        self.select: Final = select
        self.recursive: Final = recursive
        self.width: Final = width


class Path(Record):
    """A compiled path: `Path.find(root)` gives every match in document order, each node
    once. `where` is its config field, for errors (e.g. `imageLocators[0].path`)."""

    __slots__ = ("text", "steps", "where")

    def __init__(self, text: str, steps: tuple[Step, ...], where: str = "") -> None:
        self.text: Final = text
        self.steps: Final = steps
        self.where: Final = where

    def find(self, root: Node) -> list[Match]:
        """Every match; raises JSONPathLimitError past MAX_VISITS node visits."""
        left = MAX_VISITS
        hits = [Hit(root, None, 0)]
        for step in self.steps:
            if step.recursive:
                hits = _below(hits)
            left -= len(hits) * step.width
            select = step.select
            seen: set[int] = set()
            found: list[Hit] = []
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


def _below(hits: list[Hit]) -> list[Hit]:
    """Every node at or below the hits, in document order, each once: a node below two of
    them (one inside the other) is walked from the first only."""
    out: list[Hit] = []
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
                children = every(current)
                children.reverse()
                stack += children
    return out


def _match(hit: Hit) -> Match:
    path: list[str | int] = []
    trail = hit.trail
    while trail is not None:
        trail, element = trail
        path.append(element)
    path.reverse()
    return Match(tuple(path), hit.node, hit.parent, hit.key)


def field(name: str) -> Select:
    """`.name` or `['name']`: a mapping's value under the key."""

    def step(hit: Hit) -> list[Hit]:
        node = hit.node
        if isinstance(node, MappingNode):
            entry = nodes.get_entry(node, name)
            if entry is not None:
                return [Hit(entry[1], (hit.trail, name), hit.depth + 1, node, entry[0])]
        return []

    return step


def fields(names: list[str]) -> Select:
    """`['a', 'b']`: each key's value, in the order of the keys."""
    steps = [field(name) for name in names]
    return lambda hit: [found for step in steps for found in step(hit)]


def every(hit: Hit) -> list[Hit]:
    """`*` or `[*]`: every element of a sequence (`nodes.items`), every value of a mapping
    (`nodes.counted`)."""
    node, trail, depth = hit.node, hit.trail, hit.depth + 1
    if isinstance(node, SequenceNode):
        return [
            Hit(item, (trail, index), depth)
            for index, item, alias in nodes.all_items(node)
            if not alias
        ]
    if isinstance(node, MappingNode):
        return [
            Hit(value, (trail, name), depth, node, key) for name, key, value in nodes.counted(node)
        ]
    return []


def indexes(pick: Callable[[int], list[int]]) -> Select:
    """`[...]` of numbers: the elements of a sequence at the indexes `pick` gives for its
    length."""

    def step(hit: Hit) -> list[Hit]:
        if not isinstance(hit.node, SequenceNode):
            return []
        usable = dict(nodes.items(hit.node))
        return [
            Hit(usable[index], (hit.trail, index), hit.depth + 1)
            for index in pick(len(hit.node.value))
            if index in usable
        ]

    return step


def filtered(names: list[str], op: str | None, want: str | None) -> Select:
    """`[?(@.a.b op want)]`: the elements whose field at `names` exists (`op` None) or
    whose scalar there is (`==`) or is not (`!=`) `want`."""

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

    def step(hit: Hit) -> list[Hit]:
        if not isinstance(hit.node, SequenceNode):
            return []
        return [found for found in every(hit) if keep(found.node)]

    return step
