"""Gathering the run's ImageMaps from its config sources (SPEC §2.3, §5).

The sources are read in one order: the functionConfig, the `--imagemaps` files, then the
ImageMap objects among the items or documents. ImageMaps are kept by name, the first of a
name winning; every result about one points into the config object it came from. Which
of them are used is decided here too: not the disabled ones (`spec.disableSource`), not
the unbuilt ones; and those that matched nothing are reported at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence

from yaml import Node

from krm_fn import config_shapes, documents, imagemap, nodes, objects, options
from krm_fn.documents import ReadError
from krm_fn.imagemap import ImageMap, Manifests
from krm_fn.options import Options, Settings
from krm_fn.records import Record
from krm_fn.results import FileRef, ResourceRef, Result, Severity, exit_code

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["Source", "Sources", "config_objects"]

# Objects that are ImageMap config in the input (SPEC §2.3), and so never rewritten.
_CONFIG_KINDS = {(imagemap.TILT, "ImageMap"), (imagemap.TILT, "ImageMapList")}
_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_HELM3_HOOKS = (
    "; this looks like Helm 3's post-renderer input, which never holds the chart's hooks"
    " (helm.sh/hook): an image only a hook uses stays as it is"
)


class Source(Record):
    """Where a config object came from, for its results."""

    __slots__ = ("resource", "file")

    def __init__(self, resource: ResourceRef | None, file: FileRef | None) -> None:
        self.resource: Final = resource
        self.file: Final = file


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

    __slots__ = ("generators", "maps", "origin", "quiet", "results", "settings")

    def __init__(self, results: Sequence[Result] = ()) -> None:
        self.maps: dict[str, ImageMap] = {}
        self.origin: dict[str, Source] = {}
        self.settings: list[Settings] = []
        self.generators: list[tuple[Manifests, Source]] = []
        self.quiet: set[str] = set()  # named by a disabled generator: never "unused"
        self.results = list(results)

    def add(self, node: Node, source: Source) -> None:
        """Add one config object's ImageMaps, settings and generators."""
        try:
            data = nodes.to_data(node)
        except nodes.ConfigDataError as err:
            self.results.append(Result(Severity.ERROR, str(err), source.resource, file=source.file))
            data = None
        config = config_shapes.load(data)
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

    def add_file(self, path: str, data: bytes, results: Sequence[Result] = ()) -> None:
        """Add the config objects of a file named on the command line, in order, after the
        `results` that making it gave (`--tilt`); a file that cannot be read is one error,
        naming it."""
        self.results += results
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
        """Whether an ImageMap or a generator names a ConfigMap that can disable it."""
        return any(m.disable_source for m in self.maps.values()) or any(
            manifests.disable for manifests, _ in self.generators
        )

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

    def unused(
        self,
        usable: Sequence[ImageMap],
        used: Collection[str],
        strict: bool,
        hooks_left_out: Callable[[], bool] = lambda: False,
    ) -> None:
        """A result for each usable ImageMap whose name is not in `used` (nor named by a
        disabled generator): an error if `strict`. When `hooks_left_out()` (the input looks
        like Helm 3's post-renderer input), the message says that hooks never reach it."""
        severity = Severity.ERROR if strict else Severity.WARNING
        unused = [m for m in usable if m.name not in used and m.name not in self.quiet]
        hint = _HELM3_HOOKS if unused and hooks_left_out() else ""
        for m in unused:
            message = f'ImageMap "{m.name}" matched no image ({m.selector.describe()}){hint}'
            self._report(severity, m, message)

    def enabled_generators(self, config_maps: Sequence[Node]) -> list[tuple[Manifests, Source]]:
        """The generators to run, in order. A KubernetesApply whose disableSource ConfigMaps
        all say true generates nothing (SPEC §2: Tilt applies nothing), with an info result,
        and the ImageMaps it names are not reported as unused; a ConfigMap that is missing
        or says neither true nor false leaves it enabled, with a warning."""
        enabled = []
        for manifests, source in self.generators:
            if not manifests.disable:
                enabled.append((manifests, source))
                continue
            says = []
            for name, key in manifests.disable:
                true, problem = _config_map_says(name, key, config_maps)
                says.append(true)
                if problem:
                    self._result(source, Severity.WARNING, f"stays enabled: {problem}")
            if not all(says):
                enabled.append((manifests, source))
                continue
            names = ", ".join(f'"{name}"' for name, _ in manifests.disable)
            message = f"disabled by ConfigMap {names}: its manifests are not generated"
            self._result(source, Severity.INFO, message)
            self.quiet.update(manifests.imagemaps or ())
        return enabled

    def _disabled(self, m: ImageMap, config_maps: Sequence[Node]) -> bool:
        """SPEC §5 disableSource: the named ConfigMap's data[key], read with Go's ParseBool."""
        assert m.disable_source is not None
        name, key = m.disable_source
        says, problem = _config_map_says(name, key, config_maps)
        if says:
            message = f'ImageMap "{m.name}" is disabled by ConfigMap "{name}"'
            self._report(Severity.INFO, m, message, "spec.disableSource")
        elif problem:
            message = f'ImageMap "{m.name}" stays enabled: {problem}'
            self._report(Severity.WARNING, m, message, "spec.disableSource")
        return says

    def _result(self, source: Source, severity: Severity, message: str) -> None:
        """A result about a generator's `spec.disableSource`."""
        where = "spec.disableSource"
        self.results.append(Result(severity, message, source.resource, where, file=source.file))

    def _report(self, severity: Severity, m: ImageMap, message: str, path: str = "") -> None:
        """A result about ImageMap `m`, pointing into the config object it came from."""
        origin = self.origin[m.name]
        where = ".".join(p for p in (m.location, path) if p)
        self.results.append(Result(severity, message, origin.resource, where, file=origin.file))


def _config_map_says(name: str, key: str, config_maps: Sequence[Node]) -> tuple[bool, str]:
    """Whether ConfigMap `name` (the last of that name) says true at data[key], read with
    Go's ParseBool; and, when it says neither true nor false, why not."""
    found = [c for c in config_maps if objects.name(c) == name]
    value = nodes.scalar_str(nodes.get(nodes.get(found[-1], "data"), key)) if found else None
    if value in _GO_TRUE or value in _GO_FALSE:
        return value in _GO_TRUE, ""
    if not found:
        return False, f'ConfigMap "{name}" is not among the items'
    if value is None:
        return False, f'ConfigMap "{name}" has no data key "{key}"'
    return False, f'ConfigMap "{name}" data "{key}" is {json.dumps(value)}, not a boolean'
