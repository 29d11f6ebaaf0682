"""Rewriting with ImageMaps: each object's edits, and each document's new text.

A `Rewrite` is one list of ImageMaps and the options they apply with: the run's, a chunk
of a stream's (a copy, in a worker), or a generator's own. What it finds goes into its
`Findings`: the results of each object, the errors that stop a stream from being written,
and the names of the ImageMaps used. This is the one place that calls into injection.
"""

from __future__ import annotations

from collections.abc import Sequence

from yaml import MappingNode, Node

from krm_fn import documents, objects
from krm_fn.documents import Document
from krm_fn.edits import Edit, OverlapError, apply
from krm_fn.imagemap import ImageMap
from krm_fn.inject import Injector, Target
from krm_fn.jsonpath_steps import JSONPathLimitError
from krm_fn.options import Options
from krm_fn.records import Record
from krm_fn.results import FileRef, ResourceRef, Result, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["Findings", "Rewrite", "Rewritten"]


class Findings:
    """What rewriting found: the objects' results, the errors (a stream with any is not
    written), and the names of the ImageMaps that matched."""

    __slots__ = ("errors", "results", "used")

    def __init__(self) -> None:
        self.errors: list[Result] = []
        self.results: list[Result] = []
        self.used: set[str] = set()

    def all(self, config: Sequence[Result]) -> list[Result]:
        """Every result of the run, in the order they are written: the errors, then the
        `config` ones (about the ImageMaps and their sources), then the objects'."""
        return [*self.errors, *config, *self.results]

    def withdraw_changes(self, start: int, end: int) -> None:
        """Take back the results from `start` to `end` that report a change: their edits
        are not made after all (they do not fit together), and the results are an exact
        account of the changes (SPEC §6)."""
        self.results[start:end] = [r for r in self.results[start:end] if not r.is_change]


class Rewritten(Record):
    """A document rewritten: its object, whether it holds anything, and its new text."""

    __slots__ = ("ref", "content", "text")

    def __init__(self, ref: ResourceRef | None, content: bool, text: str) -> None:
        self.ref: Final = ref
        self.content: Final = content
        self.text: Final = text


class Rewrite:
    """ImageMaps applied with options (by one `Injector`, which holds the caches of the
    objects it sees); what they find goes into `found`."""

    __slots__ = ("found", "injector", "maps", "options")

    def __init__(
        self,
        maps: Sequence[ImageMap],
        options: Options,
        found: Findings | None = None,
        injector: Injector | None = None,
    ) -> None:
        self.maps, self.options = maps, options
        self.found = Findings() if found is None else found
        self.injector = Injector(maps, options) if injector is None else injector

    def part(self) -> Rewrite:
        """The same ImageMaps, options and injector, with findings of its own (a stream's
        chunk)."""
        return Rewrite(self.maps, self.options, injector=self.injector)

    def helm_file(self, doc: Document, node: Node | None, seen: dict[str, int]) -> FileRef | None:
        """A stream document's Helm file (`objects.helm_file`), when there are ImageMaps to
        apply (else no result names it, and no document is counted)."""
        return objects.helm_file(doc.text, node, seen) if self.maps else None

    def edits(
        self, node: Node, ref: ResourceRef | None, text: str, file: FileRef | None
    ) -> list[Edit]:
        """The edits for an object (`ref` names it), or for each item of a v1 List; `text`
        is what the node's positions refer to."""
        out: list[Edit] = []
        if not self.maps:
            return out
        for obj in objects.each(node):
            if not isinstance(obj, MappingNode):
                continue
            target = Target(obj, text, ref if obj is node else objects.ref(obj), file)
            try:
                outcome = self.injector.inject(target)
            except JSONPathLimitError as err:  # a locator's path is too much work here
                self.found.results.append(
                    Result(Severity.ERROR, str(err), target.resource, file=file)
                )
                continue
            out += outcome.edits
            self.found.results += outcome.results
            self.found.used |= outcome.used
        return out

    def document(self, doc: Document, node: Node | None, file: FileRef | None) -> Rewritten:
        """A composed document rewritten (`node` is its root); edits that do not fit
        together are an error, and the text is left as it is."""
        content = not documents.is_null(node)
        ref = objects.ref(node) if node is not None and content else None
        start = len(self.found.results)
        edits = self.edits(node, ref, doc.text, file) if isinstance(node, MappingNode) else []
        try:
            return Rewritten(ref, content, apply(doc.text, edits))
        except OverlapError as err:
            self.found.withdraw_changes(start, len(self.found.results))
            self.found.errors.append(Result(Severity.ERROR, f"{doc.label()}: {err}"))
            return Rewritten(ref, content, doc.text)
