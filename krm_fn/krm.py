"""KRM mode: a single ResourceList document in, the same ResourceList out with its items
rewritten, new items from generators, and its `results`, always, even on error.

ImageMap items stay among the items (kpt writes items back to files; dropping one would
delete a file). The ResourceList's parts and text are `resourcelist`'s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import yaml
from yaml import MappingNode, Node

from krm_fn import documents, nodes, objects, resourcelist
from krm_fn.documents import Document
from krm_fn.edits import Edit, OverlapError, ordered
from krm_fn.generators import Generated
from krm_fn.results import Result, Severity
from krm_fn.rewrite import Findings, Rewrite
from krm_fn.sources import Source, Sources, config_objects

__all__ = ["Krm", "read"]


def read(bom: str, docs: list[Document]) -> Krm | None:
    """The input as a ResourceList, when its only document is one (the comments and
    markers around it come out too: they are syntax-checked as well); else None."""
    content = [d for d in docs if not d.is_blank()]
    if len(content) != 1 or "ResourceList" not in content[0].text:
        return None
    root = content[0].compose()
    api_version, kind = objects.kind_of(root)
    if kind != "ResourceList" or api_version not in resourcelist.API_VERSIONS:
        return None
    assert isinstance(root, MappingNode)
    for doc in docs:
        if doc is not content[0]:
            doc.check_syntax()
    return Krm(bom, content[0], root)


class Krm:
    """A ResourceList, its items' edits, and the new items to append."""

    krm = True

    def __init__(self, bom: str, doc: Document, root: MappingNode) -> None:
        self.bom, self.doc = bom, doc
        self.rl = resourcelist.read(root)
        self.problems = self.rl.problems
        config = self.rl.function_config
        self.config_ref = objects.ref(config) if config is not None else None
        self.function_config = config if config is not None and not _empty(config) else None
        self.edits: list[Edit] = []
        self.item_results = (0, 0)  # where the items' results are among the findings
        self.new_items: list[str] = []

    def gather(self, sources: Sources, found: Findings) -> None:
        """Add the ImageMaps of the config items, in order (not the functionConfig's again:
        kpt's `fn render` passes a configPath ImageMap as functionConfig and as an item)."""
        for item in self.rl.items:
            if objects.ref(item) == self.config_ref:
                continue
            for obj in config_objects(item):
                sources.add(obj, Source(objects.ref(obj), objects.krm_file(item)))

    def hooks_left_out(self) -> bool:
        """A ResourceList is not Helm's: no hooks were left out of it."""
        return False

    def config_maps(self, wanted: bool, found: Findings) -> list[Node]:
        """The ConfigMap items (for `spec.disableSource`)."""
        return [i for i in self.rl.items if objects.kind_of(i) == objects.CONFIG_MAP]

    def rewrite(self, rewrite: Rewrite) -> None:
        """Every item's edits, in the ResourceList's text (one document: never shared out)."""
        start = len(rewrite.found.results)
        for item in self.rl.items:
            self.edits += rewrite.edits(
                item, objects.ref(item), self.doc.text, objects.krm_file(item)
            )
        self.item_results = (start, len(rewrite.found.results))

    def add(self, generated: Sequence[Generated], found: Findings) -> None:
        """Generated documents that are not among the items already (a kpt pipeline renders
        its own output again, and a generator must not add its objects twice); as JSON for a
        JSON ResourceList. The results of a document left out are left out with it."""
        present = {objects.ref(item) for item in self.rl.items}
        for document in generated:
            ref, text, results = document.ref, document.text, document.results
            if ref is not None and ref in present:
                message = "generated again, already among the items; the item is kept"
                found.results.append(Result(Severity.INFO, message, ref))
                continue
            present.add(ref)
            found.results += results
            if not self.rl.flow:
                self.new_items.append(text)
                continue
            try:
                root = yaml.compose(text, Loader=yaml.CSafeLoader)
                self.new_items.append(json.dumps(nodes.to_data(root) if root is not None else None))
            except nodes.ConfigDataError as err:
                found.errors.append(Result(Severity.ERROR, f"cannot write as JSON: {err}", ref))

    def write(self, found: Findings, config: Sequence[Result]) -> tuple[list[str], list[Result]]:
        """The ResourceList's text (one piece) with the edits, new items and results; the
        results. The items' edits alone must fit together, else none is made (an error), and
        the results of their changes are taken back."""
        try:
            edits = ordered(self.doc.text, self.edits)
        except OverlapError as err:
            found.withdraw_changes(*self.item_results)
            found.errors.append(Result(Severity.ERROR, f"ResourceList items: {err}"))
            edits = []
        results = found.all(config)
        text = resourcelist.write(self.doc, self.rl, edits, results, self.new_items)
        return [self.bom + text], results


def _empty(config: Node) -> bool:
    """kpt's `function-input` ConfigMap with no data stands for no config at all."""
    data = nodes.get(config, "data")
    empty = documents.is_null(data) or (isinstance(data, MappingNode) and not data.value)
    return objects.kind_of(config) == objects.CONFIG_MAP and empty
