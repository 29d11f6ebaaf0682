"""Gathering the run's ImageMaps from its config sources (SPEC §2.3, §5).

The sources are read in one order: the functionConfig, the `--imagemaps` files, then the
ImageMap objects among the items or documents. ImageMaps are kept by name, the first of a
name winning; every result about one points into the config object it came from. Which
of them are used is decided here too: not the disabled ones (`spec.disableSource`), not
the unbuilt ones; and those that matched nothing are reported at the end.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import NamedTuple

from yaml import Node

from krm_fn import documents, imagemap, nodes, objects, options
from krm_fn.documents import ReadError
from krm_fn.imagemap import ImageMap, Manifests
from krm_fn.options import Options, Settings
from krm_fn.results import FileRef, ResourceRef, Result, Severity, exit_code

__all__ = ["Source", "Sources", "config_objects"]

# Objects that are ImageMap config in the input (SPEC §2.3), and so never rewritten.
_CONFIG_KINDS = {(imagemap.TILT, "ImageMap"), (imagemap.TILT, "ImageMapList")}
_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


class Source(NamedTuple):
    """Where a config object came from, for its results."""

    resource: ResourceRef | None
    file: FileRef | None


def config_objects(node: Node | None) -> list[Node]:
    """The ImageMap config a stream document or a KRM item is or holds (SPEC §2.3): an
    ImageMap, an ImageMapList, or such items of a v1 List (its items are objects of their
    own)."""
    if node is None:
        return []
    return [obj for obj in objects.each(node) if objects.kind_of(obj) in _CONFIG_KINDS]


class Sources:
    """The ImageMaps gathered so far, by name, in first-seen order, with their origins; each
    source's settings and generators, in order; and the results about them."""

    __slots__ = ("generators", "maps", "origin", "results", "settings")

    def __init__(self, results: Sequence[Result] = ()) -> None:
        self.maps: dict[str, ImageMap] = {}
        self.origin: dict[str, Source] = {}
        self.settings: list[Settings] = []
        self.generators: list[tuple[Manifests, Source]] = []
        self.results = list(results)

    def add(self, node: Node, source: Source) -> None:
        """Add one config object's ImageMaps, settings and generators."""
        try:
            data = nodes.to_data(node)
        except nodes.ConfigDataError as err:
            self.results.append(Result(Severity.ERROR, str(err), source.resource, file=source.file))
            data = None
        config = imagemap.load(data)
        self.results += [
            Result(Severity.ERROR, p.message, source.resource, p.path, file=source.file)
            for p in config.problems
        ]
        for m in config.maps:
            first = self.maps.setdefault(m.name, m)
            if first is m:
                self.origin[m.name] = source
            elif first.content != m.content:
                message = (
                    f'ImageMap "{m.name}" is defined again with other contents; the first one '
                    "is used"
                )
                self.results.append(
                    Result(Severity.WARNING, message, source.resource, file=source.file)
                )
        self.settings.append(config.settings)
        self.generators += [(manifests, source) for manifests in config.manifests]

    def add_file(self, path: str, data: bytes) -> None:
        """Add the config objects of a file named on the command line, in order; a file
        that cannot be read is one error, naming it."""
        try:
            _, text = documents.decode(data)
            for doc in documents.split(text):
                node = doc.compose()
                if not documents.is_null(node):
                    assert node is not None
                    self.add(node, Source(objects.ref(node), FileRef(path, doc.index)))
        except ReadError as err:
            self.results.append(Result(Severity.ERROR, f"{path}: {err}"))

    @property
    def failed(self) -> bool:
        """Whether any source is in error (then no ImageMap is used)."""
        return exit_code(self.results) != 0

    @property
    def wants_config_maps(self) -> bool:
        """Whether an ImageMap names a ConfigMap that can disable it."""
        return any(m.disable_source for m in self.maps.values())

    def options(self, strict: bool) -> Options:
        """The run's options from the sources' settings; `strict` from the command line."""
        return options.merge(self.settings, strict)

    def usable(self, config_maps: Sequence[Node]) -> list[ImageMap]:
        """Enabled, built ImageMaps, in order; results for the ones left out. `config_maps`:
        the input's ConfigMaps, for `spec.disableSource`."""
        usable = []
        for m in self.maps.values():
            if m.disable_source and self._disabled(m, config_maps):
                continue
            if m.inject is None:
                self._report(
                    Severity.WARNING,
                    m,
                    f'ImageMap "{m.name}" has not been built (no status.imageFromCluster or '
                    "status.image); skipped",
                )
                continue
            usable.append(m)
        return usable

    def unused(self, usable: Sequence[ImageMap], used: Collection[str], strict: bool) -> None:
        """A result for each usable ImageMap whose name is not in `used`: an error if
        `strict`."""
        severity = Severity.ERROR if strict else Severity.WARNING
        for m in usable:
            if m.name not in used:
                exact = ", matchExact" if m.selector.exact else ""
                selector = json.dumps(m.selector.ref.familiar_string())
                self._report(
                    severity,
                    m,
                    f'ImageMap "{m.name}" matched no image (selector {selector}{exact})',
                )

    def _disabled(self, m: ImageMap, config_maps: Sequence[Node]) -> bool:
        """SPEC §5 disableSource: the named ConfigMap's data[key], read with Go's ParseBool."""
        assert m.disable_source is not None
        name, key = m.disable_source
        found = [c for c in config_maps if objects.name(c) == name]
        value = nodes.scalar_str(nodes.get(nodes.get(found[-1], "data"), key)) if found else None
        if value in _GO_TRUE:
            message = f'ImageMap "{m.name}" is disabled by ConfigMap "{name}"'
            self._report(Severity.INFO, m, message, "spec.disableSource")
            return True
        if value not in _GO_FALSE:
            problem = (
                f'ConfigMap "{name}" is not among the items'
                if not found
                else f'ConfigMap "{name}" has no data key "{key}"'
                if value is None
                else f'ConfigMap "{name}" data "{key}" is {json.dumps(value)}, not a boolean'
            )
            message = f'ImageMap "{m.name}" stays enabled: {problem}'
            self._report(Severity.WARNING, m, message, "spec.disableSource")
        return False

    def _report(self, severity: Severity, m: ImageMap, message: str, path: str = "") -> None:
        """A result about ImageMap `m`, pointing into the config object it came from."""
        origin = self.origin[m.name]
        where = ".".join(p for p in (m.location, path) if p)
        self.results.append(Result(severity, message, origin.resource, where, file=origin.file))
