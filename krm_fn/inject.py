"""Applying a run's ImageMaps to its objects, one at a time: locate the image fields
(krm_fn.locate), plan which field gets which value (krm_fn.plan), write the plan into the
text (krm_fn.write), and report what was done and what was not (krm_fn.report).

An `Injector` is made once for a run's maps and options; it keeps what the run's objects
share: the maps' index, the parsed references, the anchors of the text at hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from yaml import Node

from krm_fn import report
from krm_fn.edits import Edit
from krm_fn.imagemap import ImageMap
from krm_fn.locate import find
from krm_fn.mapindex import MapIndex, References
from krm_fn.options import Options
from krm_fn.plan import plan
from krm_fn.records import Record
from krm_fn.results import FileRef, ResourceRef, Result, Severity
from krm_fn.schema import field_path
from krm_fn.shared_anchors import SharedAnchors
from krm_fn.write import write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["Injector", "Outcome", "Target"]


class Target(Record):
    """One object to process: its node, the text its positions refer to, and its names."""

    __slots__ = ("node", "text", "resource", "file")

    def __init__(
        self, node: Node, text: str, resource: ResourceRef | None, file: FileRef | None
    ) -> None:
        self.node: Final = node
        self.text: Final = text
        self.resource: Final = resource
        self.file: Final = file


class Outcome(Record):
    """What processing one object gave: its edits, its results, the names of the maps
    that matched in it."""

    __slots__ = ("edits", "results", "used")

    def __init__(self, edits: list[Edit], results: list[Result], used: set[str]) -> None:
        self.edits: Final = edits
        self.results: Final = results
        self.used: Final = used


class Injector:
    """A run's ImageMaps (in order) and options, applied to one object after another."""

    __slots__ = ("_anchors", "_index", "_options", "_severity")

    def __init__(self, maps: Sequence[ImageMap], options: Options) -> None:
        self._index = MapIndex(maps, References())
        self._options = options
        self._severity = Severity.ERROR if options.strict else Severity.WARNING
        self._anchors: SharedAnchors | None = None  # of the last text: the next object may share it

    def inject(self, target: Target) -> Outcome:
        """The edits, results and used map names for one object. Raises
        JSONPathLimitError when a locator's path is too much work on it."""
        located = find(
            target.node,
            env=self._index.env,
            locators=self._options.locators,
            any_image_key=self._options.any_image_key,
        )
        if self._anchors is None or self._anchors.text is not target.text:
            self._anchors = SharedAnchors(target.text)
        planned = plan(located, self._index, self._anchors, self._options.pull_policy)
        edits, written = write(planned, target.text, self._anchors, self._severity)
        notes = [
            *report.problems(located, self._index.refs, self._severity),
            *(report.event(e, self._severity) for e in planned.events),
            *written,
        ]
        results = [
            Result(
                n.severity,
                n.message,
                target.resource,
                field_path(n.path),
                n.current,
                n.proposed,
                target.file,
            )
            for n in notes
        ]
        return Outcome(edits, results, planned.used)
