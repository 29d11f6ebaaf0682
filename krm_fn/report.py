"""What injection reports, in words: the problems locating found, the events of a plan,
and the reasons a field is left as it is. Each is a `Note` about a field of the object
(`path`; empty for the object itself), made a Result when the object is known."""

from __future__ import annotations

import json

from yaml import Node, ScalarNode, SequenceNode

from krm_fn.fields import Located, Path, Place
from krm_fn.mapindex import References
from krm_fn.plan import Conflict, Event, Left
from krm_fn.records import Record
from krm_fn.reference import InvalidReferenceError, parse_normalized_named
from krm_fn.results import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["Note", "ambiguous", "event", "problems", "shared", "show"]


class Note(Record):
    """One result about a field: `current` and `proposed` values for a change."""

    __slots__ = ("severity", "path", "message", "current", "proposed")

    def __init__(
        self,
        severity: Severity,
        path: Path,
        message: str,
        current: str | None = None,
        proposed: str | None = None,
    ) -> None:
        self.severity: Final = severity
        self.path: Final = path
        self.message: Final = message
        self.current: Final = current
        self.proposed: Final = proposed


def problems(located: Located, refs: References, severity: Severity) -> list[Note]:
    """What locating found and leaves alone, and images that do not parse (`severity` for
    what a strict run fails on)."""
    out = [
        Note(
            severity,
            path,
            "an alias (*name) is never rewritten: that would "
            "change its anchor and every other use of it",
        )
        for path in located.aliased
    ]
    out += [
        Note(
            Severity.WARNING,
            path,
            "duplicate key: the last one counts here (go-yaml v2 reads it so), and "
            "strict YAML readers reject the object",
        )
        for path in located.duplicates
    ]
    out += [ambiguous(severity, path) for path in located.ambiguous]
    for f in located.fields:
        if f.place in (Place.ENV, Place.IMAGE_FIELD):
            continue  # not always images: Tilt skips those that do not parse (S7, S8.4)
        if f.value is None:
            out.append(Note(severity, f.path, f"{f.place} is not a string: {show(f.node)}"))
        elif refs.parse(f.value) is None:
            reason = _parse_error(f.value)
            message = f"{f.place} {json.dumps(f.value)} does not parse: {reason}"
            out.append(Note(severity, f.path, message))
    return out


def event(e: Event, severity: Severity) -> Note:
    """A plan's event, in words."""
    if isinstance(e, Left):
        return shared(severity, e.field.path, e.field.place, e.anchor)
    if isinstance(e, Conflict):
        return Note(
            Severity.WARNING,
            e.field.path,
            f'ImageMaps "{e.before.name}" and "{e.after.name}" both rewrite this field; '
            f'"{e.after.name}" comes later and wins',
        )
    m = e.map
    what = "overrideCommand" if m.override_command is not None else "overrideArgs"
    return Note(
        Severity.ERROR,
        (),
        f'ImageMap "{m.name}" has {what}, but no container here carries its '
        f"image {json.dumps(m.injected)}: it matched only env values or "
        "image volumes, and command and args belong to containers",
    )


def shared(severity: Severity, path: Path, what: str, anchor: str) -> Note:
    """`what` at `path` is left as it is: it lies in an anchored value an alias uses."""
    return Note(
        severity,
        path,
        f"{what} is left as it is: it is in the anchored value &{anchor}, which an "
        f"alias (*{anchor}) uses too, and rewriting it would change every use",
    )


def ambiguous(severity: Severity, path: Path) -> Note:
    """A key given both in its mapping and by a merge key after it (`merges.shadowed`):
    readers disagree about which counts, so it is neither rewritten nor matched."""
    return Note(
        severity,
        path,
        f"{path[-1]} is left as it is: Kubernetes (go-yaml v2: kubectl) and kustomize "
        "(go-yaml v3) read it differently, as it is given both explicitly and by a merge "
        "key (<<) after that (here or in a mapping merged in), which overrides it for "
        "go-yaml v2 only; write it once, or after the merge key",
    )


def show(node: Node | None) -> str:
    """A value for a message: a scalar's text, a list of scalars as JSON."""
    if isinstance(node, ScalarNode):
        return str(node.value)
    if isinstance(node, SequenceNode):
        return json.dumps([show(item) for item in node.value])
    return "a mapping"


def _parse_error(value: str) -> str:
    """The reference parser's message for a value that does not parse."""
    try:
        parse_normalized_named(value)
    except InvalidReferenceError as err:
        return str(err)
    raise AssertionError(f"{value!r} parses")
