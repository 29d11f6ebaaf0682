"""Which located field gets which value from which ImageMap (Tilt S5-S11): pure records,
worked out before any text is written.

ImageMaps apply in order, each seeing what the ones before it wrote (S11). A field counts
as matched when its reference matches the selector, or already is the injected reference;
and the maps before the last one whose injected reference a field already holds leave it
alone: it is what a run wrote (or would write) last, so a run on its own output rewrites
nothing, however the maps chain. Those of them whose own injected reference the later maps
turn into what the field holds (a chain that ends there) count as used all the same: they
are what wrote it. Env values count for matchInEnvVars maps only. A field whose edit would
change an anchored value that an alias uses too is left as it is. A map that matched sets
the pull policy of the fields it matched (S9), and its overrides go to every container it
matched that carries its injected reference after it (S10; not one left to a later map).
"""

from __future__ import annotations

import heapq

from krm_fn.fields import Container, Field, Located, Place, claimed
from krm_fn.imagemap import ImageMap, Selector
from krm_fn.mapindex import MapIndex
from krm_fn.options import PullPolicy
from krm_fn.records import Record
from krm_fn.shared_anchors import SharedAnchors

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["Conflict", "Event", "Left", "Override", "Plan", "Pull", "Uncarried", "Write", "plan"]


class Write(Record):
    """A field's new value, and the map that wrote it (the last of them)."""

    __slots__ = ("field", "value", "map")

    def __init__(self, field: Field, value: str, map: ImageMap) -> None:
        self.field: Final = field
        self.value: Final = value
        self.map: Final = map


class Pull(Record):
    """A field whose mapping's pull policy is to be set, for the map named."""

    __slots__ = ("field", "map")

    def __init__(self, field: Field, map: ImageMap) -> None:
        self.field: Final = field
        self.map: Final = map


class Override(Record):
    """A container's `command` or `args` to set (S10): the last map's values win."""

    __slots__ = ("container", "key", "values", "map")

    def __init__(
        self, container: Container, key: str, values: tuple[str, ...], map: ImageMap
    ) -> None:
        self.container: Final = container
        self.key: Final = key
        self.values: Final = values
        self.map: Final = map


class Left(Record):
    """A matched field left as it is: it lies in the anchored value `anchor`, which an
    alias uses too."""

    __slots__ = ("field", "anchor")

    def __init__(self, field: Field, anchor: str) -> None:
        self.field: Final = field
        self.anchor: Final = anchor


class Conflict(Record):
    """Two maps rewrite one field; the later one wins."""

    __slots__ = ("field", "before", "after")

    def __init__(self, field: Field, before: ImageMap, after: ImageMap) -> None:
        self.field: Final = field
        self.before: Final = before
        self.after: Final = after


class Uncarried(Record):
    """A map with an override matched, but no container carries its injected reference."""

    __slots__ = ("map",)

    def __init__(self, map: ImageMap) -> None:
        self.map: Final = map


Event = Left | Conflict | Uncarried


class Plan(Record):
    """What the maps do to one object: new values and pull policies in text order,
    overrides, the events to report in the order the maps met them, the maps that matched."""

    __slots__ = ("writes", "pulls", "overrides", "events", "used")

    def __init__(
        self,
        writes: list[Write],
        pulls: list[Pull],
        overrides: list[Override],
        events: list[Event],
        used: set[str],
    ) -> None:
        self.writes: Final = writes
        self.pulls: Final = pulls
        self.overrides: Final = overrides
        self.events: Final = events
        self.used: Final = used


def plan(
    located: Located, index: MapIndex, anchors: SharedAnchors, pull_policy: PullPolicy
) -> Plan:
    """The plan for one object's located fields (`anchors`: of the text they are in)."""
    fields = located.fields
    values = [f.value for f in fields]
    writers: list[ImageMap | None] = [None] * len(fields)
    left: dict[int, bool] = {}  # field (by place in the list) -> whether it is left as it is
    left_by: set[str] = set()  # maps that matched a field left as it is
    pulled: dict[Field, ImageMap] = {}
    overrides: dict[tuple[Container, str], Override] = {}
    events: list[Event] = []
    used: set[str] = set()
    queue: list[tuple[int, int]] = []  # (map, field): each field waits for its next map
    matched_by: dict[int, int] = {}  # field (by place in the list) -> the last map that matched it
    for at, f in enumerate(fields):
        if f.place is not Place.ENV:
            used.update(index.maps[chained].name for chained in index.leading_to(values[at]))
        _wait(queue, index, f, values[at], at, max(index.final(values[at]), 0))
    while queue:
        number = queue[0][0]
        m = index.maps[number]
        while queue and queue[0][0] == number:  # this map's fields, in text order
            at = heapq.heappop(queue)[1]
            f = fields[at]
            matched_by[at] = number
            if values[at] != m.injected:
                if at not in left:
                    left[at] = _left(f, anchors, events)
                if left[at]:
                    left_by.add(m.name)
                else:
                    before = writers[at]
                    if before is not None and before.name != m.name:
                        events.append(Conflict(f, before, m))
                    values[at], writers[at] = m.injected, m
            # no pull policy for a field left as it is, nor an env value; S8.5: objects keep theirs
            if not left.get(at) and f.place not in (Place.ENV, Place.IMAGE_OBJECT):
                pulled[f] = m
            _wait(queue, index, f, values[at], at, number + 1)
        used.add(m.name)
        if m.has_override:
            mine = {at for at, by in matched_by.items() if by == number}
            _override(m, located, values, mine, left_by, overrides, events, index)
    writes = [
        Write(fields[at], writer.injected, writer)
        for at, writer in enumerate(writers)
        if writer is not None and writer.injected != fields[at].value
    ]
    return Plan(
        writes, _pulls(pulled, located, index, pull_policy), [*overrides.values()], events, used
    )


def _wait(
    queue: list[tuple[int, int]], index: MapIndex, f: Field, value: str | None, at: int, start: int
) -> None:
    """Queue field `at` for the first map from `start` on that matches its `value`."""
    number = index.first(value, start, env=f.place is Place.ENV)
    if number is not None:
        heapq.heappush(queue, (number, at))


def _left(f: Field, anchors: SharedAnchors, events: list[Event]) -> bool:
    """Whether a field must be left as it is: its edit would change an anchored value that
    an alias uses too (a merged field is written in its own mapping instead)."""
    touched = [f.owner] if f.merged and f.owner is not None else claimed(f)
    for node in touched:
        start = node.start_mark.index
        name = anchors.shared(start, start + 1)
        if name is not None:
            events.append(Left(f, name))
            return True
    return False


def _override(
    m: ImageMap,
    located: Located,
    values: list[str | None],
    mine: set[int],
    left_by: set[str],
    overrides: dict[tuple[Container, str], Override],
    events: list[Event],
    index: MapIndex,
) -> None:
    """Tilt S10: every container that now carries the injected reference, of those whose
    image the map matched (`mine`, by place in the list of fields)."""
    assert m.inject is not None
    carrier = Selector(m.inject, exact=m.inject.tag is not None)
    position = {f: at for at, f in enumerate(located.fields)}
    targets = [
        c
        for c in located.containers
        if c.image
        and position[c.image] in mine
        and (ref := index.refs.parse(values[position[c.image]]))
        and carrier.matches(ref)
    ]
    if not targets and m.name not in left_by:  # else the warning says why
        events.append(Uncarried(m))
    for container in targets:
        for key, given in (("command", m.override_command), ("args", m.override_args)):
            if given is not None:
                overrides[container, key] = Override(container, key, given, m)


def _pulls(
    pulled: dict[Field, ImageMap], located: Located, index: MapIndex, policy: PullPolicy
) -> list[Pull]:
    """The fields whose pull policy to set, in text order: those the maps matched, or with
    `all` every container's image (Tilt's blanket rule, S9), or none (`preserve`)."""
    if policy is PullPolicy.PRESERVE:
        return []
    if policy is PullPolicy.ALL and index.maps:
        for c in located.containers:
            if c.image and not c.ephemeral and c.image not in pulled:
                pulled[c.image] = index.maps[0]
    found = [Pull(f, m) for f, m in pulled.items()]
    return sorted(found, key=lambda p: p.field.node.start_mark.index)
