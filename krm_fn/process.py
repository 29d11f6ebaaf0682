"""The run: input bytes and config files in; output bytes and results out (SPEC §1-§7).

KRM mode (a single `ResourceList` document) always gives the ResourceList back, with its
results. Stream mode (anything else, e.g. Helm's post-renderer input) gives the stream
back without its ImageMap documents, or nothing at all when there is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence, Set
from typing import Any, NamedTuple

import yaml
from yaml import MappingNode, Node

from krm_fn import documents, imagemap, locators, nodes, parallel, resourcelist
from krm_fn.documents import Document, ReadError
from krm_fn.edits import Edit, OverlapError, apply, ordered
from krm_fn.imagemap import ImageMap, Options
from krm_fn.inject import Injector, Target
from krm_fn.jsonpath import JSONPathLimitError
from krm_fn.results import FileRef, ResourceRef, Result, Severity, exit_code

__all__ = ["ConfigFile", "Output", "Reader", "run"]

# Reads a file a config names (generator `manifests`); cli.py gives the real one.
Reader = Callable[[str], bytes]

_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_HELM4_FILENAME = "postrenderer.helm.sh/postrender-filename"
# Objects that are ImageMap config in the input (SPEC §2.3), and so never rewritten.
_CONFIG_KINDS = {(imagemap.TILT, "ImageMap"), (imagemap.TILT, "ImageMapList")}


class ConfigFile(NamedTuple):
    """A config file named on the command line, already read."""

    path: str
    data: bytes


class Output(NamedTuple):
    """What a run writes: stdout's bytes, the results, and whether it was a ResourceList."""

    stdout: bytes
    results: list[Result]
    krm: bool

    @property
    def exit_code(self) -> int:
        return exit_code(self.results)


class _Source(NamedTuple):
    """Where a config object came from, for its results."""

    resource: ResourceRef | None
    file: FileRef | None


class _Maps:
    """The ImageMaps gathered so far, by name, in first-seen order, with their origins."""

    __slots__ = ("generators", "maps", "options", "origin", "results")

    def __init__(self, results: Sequence[Result] = ()) -> None:
        self.maps: dict[str, ImageMap] = {}
        self.origin: dict[str, _Source] = {}
        self.options: list[imagemap.Config] = []  # each source's, in order
        self.generators: list[tuple[imagemap.Manifests, _Source]] = []
        self.results = list(results)

    def report(self, severity: Severity, m: ImageMap, message: str, path: str = "") -> None:
        """A result about ImageMap `m`, pointing into the config object it came from."""
        origin = self.origin[m.name]
        where = ".".join(p for p in (m.location, path) if p)
        self.results.append(Result(severity, message, origin.resource, where, file=origin.file))

    def add(self, data: object, source: _Source) -> None:
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
                self.results.append(
                    Result(
                        Severity.WARNING,
                        f'ImageMap "{m.name}" is defined again with other contents; the first one '
                        "is used",
                        source.resource,
                        file=source.file,
                    )
                )
        self.options.append(config)
        self.generators += [(manifests, source) for manifests in config.manifests]

    def first(self, attribute: str) -> Any:
        """An option as the first source that sets it sets it, or None."""
        values = (getattr(c, attribute) for c in self.options)
        return next((v for v in values if v is not None), None)


def _name(node: Node) -> str | None:
    return nodes.scalar_str(nodes.get(nodes.get(node, "metadata"), "name"))


def _no_files(path: str) -> bytes:
    raise OSError(1, "this run reads no files")


def run(
    data: bytes,
    files: Sequence[ConfigFile] = (),
    strict: bool = False,
    read: Reader = _no_files,
) -> Output:
    """Process one input. Never raises for bad input: it becomes error results."""
    try:
        bom, text = documents.decode(data)
        docs = documents.split(text)
        krm = _resource_list(docs)
    except ReadError as err:
        return Output(b"", [Result(Severity.ERROR, str(err))], krm=False)
    if krm is not None:
        return _run_krm(bom, *krm, files, strict, read)
    return _run_stream(bom, docs, files, strict, read)


def _resource_list(docs: list[Document]) -> tuple[Document, MappingNode] | None:
    """The only document and its root, if it is a ResourceList; else None."""
    content = [d for d in docs if _has_content(d.text)]
    if len(content) != 1 or "ResourceList" not in content[0].text:
        return None
    root = content[0].compose()
    api_version, kind = documents.kind_of(root)
    if kind == "ResourceList" and api_version in resourcelist.API_VERSIONS:
        assert isinstance(root, MappingNode)
        for doc in docs:  # the comments and markers around it come out too: YAML as well
            if doc is not content[0]:
                doc.check_syntax()
        return content[0], root
    return None


_CONTENT = re.compile(r"^(?!---[ \t]*(?:#.*)?\r?$|\.\.\.|[ \t]*#|[ \t]*\r?$)", re.M)


def _has_content(text: str) -> bool:
    return _CONTENT.search(text) is not None


# --- config ----------------------------------------------------------------------------


def _gather(files: Sequence[ConfigFile], maps: _Maps) -> None:
    for config in files:
        try:
            _, text = documents.decode(config.data)
            file_docs = documents.split(text)
            for doc in file_docs:
                node = doc.compose()
                if not documents.is_empty(node):
                    assert node is not None
                    source = _Source(_ref(node), FileRef(config.path, doc.index))
                    maps.add(_data(node, source, maps), source)
        except ReadError as err:
            maps.results.append(Result(Severity.ERROR, f"{config.path}: {err}"))


def _data(node: Node, source: _Source, maps: _Maps) -> object:
    try:
        return nodes.to_data(node)
    except nodes.ConfigDataError as err:
        maps.results.append(Result(Severity.ERROR, str(err), source.resource, file=source.file))
        return None


def _config_objects(node: Node | None) -> list[Node]:
    """The ImageMap config a stream document or a KRM item is or holds (SPEC §2.3): an
    ImageMap, an ImageMapList, or such items of a v1 List (its items are objects of their
    own)."""
    if node is None:
        return []
    return [obj for obj in _objects(node) if documents.kind_of(obj) in _CONFIG_KINDS]


def _options(maps: _Maps, strict: bool) -> Options:
    catalog = locators.catalog() if maps.first("catalog") in (None, True) else ()
    return Options(
        pull_policy=maps.first("pull_policy") or imagemap.PullPolicy.MATCHED,
        strict=strict or bool(maps.first("strict")),
        locators=(*(maps.first("locators") or ()), *catalog),
        any_image_key=bool(maps.first("any_image_key")),
    )


def _usable(maps: _Maps, config_maps: list[Node]) -> list[ImageMap]:
    """Enabled, built ImageMaps, in order; results for the ones left out."""
    usable = []
    for m in maps.maps.values():
        if m.disable_source and _disabled(m, config_maps, maps):
            continue
        if m.inject is None:
            maps.report(
                Severity.WARNING,
                m,
                f'ImageMap "{m.name}" has not been built (no status.imageFromCluster or '
                "status.image); skipped",
            )
            continue
        usable.append(m)
    return usable


def _disabled(m: ImageMap, config_maps: list[Node], maps: _Maps) -> bool:
    """SPEC §5 disableSource: the named ConfigMap's data[key], read with Go's ParseBool."""
    assert m.disable_source is not None
    name, key = m.disable_source
    found = [c for c in config_maps if _name(c) == name]
    value = nodes.scalar_str(nodes.get(nodes.get(found[-1], "data"), key)) if found else None
    if value in _GO_TRUE:
        maps.report(
            Severity.INFO,
            m,
            f'ImageMap "{m.name}" is disabled by ConfigMap "{name}"',
            "spec.disableSource",
        )
        return True
    if value not in _GO_FALSE:
        problem = (
            f'ConfigMap "{name}" is not among the items'
            if not found
            else f'ConfigMap "{name}" has no data key "{key}"'
            if value is None
            else f'ConfigMap "{name}" data "{key}" is {json.dumps(value)}, not a boolean'
        )
        maps.report(
            Severity.WARNING,
            m,
            f'ImageMap "{m.name}" stays enabled: {problem}',
            "spec.disableSource",
        )
    return False


def _unused(maps: _Maps, usable: list[ImageMap], used: set[str], options: Options) -> None:
    severity = Severity.ERROR if options.strict else Severity.WARNING
    for m in usable:
        if m.name not in used:
            exact = ", matchExact" if m.selector.exact else ""
            selector = json.dumps(m.selector.ref.familiar_string())
            maps.report(
                severity, m, f'ImageMap "{m.name}" matched no image (selector {selector}{exact})'
            )


def _needles(usable: list[ImageMap]) -> set[str]:
    """Text every spelling of a matching reference contains: the familiar names."""
    out = set()
    for m in usable:
        assert m.inject is not None
        out |= {m.selector.ref.familiar_name(), m.inject.familiar_name()}
    return out


# --- objects ---------------------------------------------------------------------------


def _ref(node: Node) -> ResourceRef | None:
    api_version, kind = documents.kind_of(node)
    metadata = nodes.get(node, "metadata")
    name = nodes.scalar_str(nodes.get(metadata, "name")) or ""
    if not (api_version or kind or name):
        return None
    namespace = nodes.scalar_str(nodes.get(metadata, "namespace")) or ""
    return ResourceRef(api_version, kind, name, namespace)


def _annotation(node: Node | None, *keys: str) -> str | None:
    annotations = nodes.get(nodes.get(node, "metadata"), "annotations")
    for key in keys:
        value = nodes.scalar_str(nodes.get(annotations, key))
        if value is not None:
            return value
    return None


def _objects(node: Node) -> Iterator[Node]:
    """The object, or a v1 List's items (processed like documents of their own)."""
    if documents.kind_of(node) == ("v1", "List"):
        yield from (item for _, item in nodes.items(nodes.get(node, "items")))
    else:
        yield node


def _process(
    node: Node,
    ref: ResourceRef | None,
    text: str,
    file: FileRef | None,
    injector: Injector,
    used: set[str],
    results: list[Result],
) -> list[Edit]:
    """The edits for a document's object (`ref` names it), or for each item of a v1 List."""
    out: list[Edit] = []
    for obj in _objects(node):
        if not isinstance(obj, MappingNode):
            continue
        target = Target(obj, text, ref if obj is node else _ref(obj), file)
        try:
            outcome = injector.inject(target)
        except JSONPathLimitError as err:  # a locator's path is too much work here
            results.append(Result(Severity.ERROR, str(err), target.resource, file=file))
            continue
        out += outcome.edits
        results += outcome.results
        used |= outcome.used
    return out


# --- stream mode -----------------------------------------------------------------------


def _run_stream(
    bom: str, docs: list[Document], files: Sequence[ConfigFile], strict: bool, read: Reader
) -> Output:
    maps, errors = _Maps(), list[Result]()
    _gather(files, maps)
    config_docs = set()
    seen: dict[str, int] = {}
    # documents composed to look for config, kept for the main pass (few, and small; and
    # those before the last of them whose Helm 4 file is needed to count its documents)
    composed: dict[int, Node | None] = {}
    last = max((d.index for d in docs if "ImageMap" in d.text), default=-1)
    for doc in docs[: last + 1]:
        node = None
        if "ImageMap" in doc.text or _helm4(doc):
            node = composed[doc.index] = _try_compose(doc, errors)
        file = _helm_file(doc, node, seen)
        if "ImageMap" in doc.text and _stream_config(node, file, maps, errors):
            config_docs.add(doc.index)
    wants_config_maps = any(m.disable_source for m in maps.maps.values())
    for doc in docs:
        if wants_config_maps and "ConfigMap" in doc.text and doc.index not in composed:
            composed[doc.index] = _try_compose(doc, errors)
    config_maps = [
        n
        for n in composed.values()
        if n is not None and documents.kind_of(n) == ("v1", "ConfigMap")
    ]
    usable = _usable(maps, config_maps) if not _has_error(maps.results) else []
    rewrite = _Rewrite(_options(maps, strict), errors)
    pieces = rewrite.stream(docs, usable, composed, config_docs)
    for generated in rewrite.generated(maps, usable, read):
        pieces.append(_separated(generated.text))
        rewrite.results += generated.results
    if not errors:  # a document that cannot be read may hold the match
        _unused(maps, usable, rewrite.used, rewrite.options)
    all_results = errors + maps.results + rewrite.results
    if _has_error(all_results):
        return Output(b"", all_results, krm=False)
    return Output((bom + "".join(pieces)).encode(), all_results, krm=False)


def _stream_config(
    node: Node | None, file: FileRef | None, maps: _Maps, errors: list[Result]
) -> bool:
    """Add the ImageMaps a stream document holds, in order; whether it is config alone (and
    so left out of the output). A v1 List that also holds other objects can be neither
    passed on (Helm would install its ImageMaps) nor left out: an error."""
    found = _config_objects(node)
    if node is None or not found:
        return False
    for obj in found:
        source = _Source(_ref(obj), file)
        maps.add(_data(obj, source, maps), source)
    if len(found) < sum(1 for _ in _objects(node)):
        message = (
            "this List holds ImageMaps and other objects: it can be neither passed on (Helm "
            "would install the ImageMaps) nor left out; give the ImageMaps in documents or a "
            "List of their own"
        )
        errors.append(Result(Severity.ERROR, message, _ref(node), file=file))
        return False
    return True


class _Chunk(NamedTuple):
    """What rewriting one chunk of a stream gave (`_Rewrite.stream`)."""

    texts: list[str]
    errors: list[Result]
    results: list[Result]
    used: set[str]
    seen: dict[str, int]


def _counted_on(result: Result, before: dict[str, int]) -> Result:
    """A result of a later chunk, its Helm file index counted on from the chunks before."""
    if result.file is None or result.file.path not in before:
        return result
    index = result.file.index_in_file + before[result.file.path]
    return result._replace(file=result.file._replace(index_in_file=index))


def _separated(text: str) -> str:
    """A generated document's text, starting with a `---` marker line."""
    return text if text.startswith("---") else "---\n" + text


class _Generated(NamedTuple):
    """A generated document: its object, its new text, and the results of rewriting it."""

    ref: ResourceRef | None
    text: str
    results: list[Result]


class _Rewrite:
    """One run's rewriting of documents: its options, and what it found and reported."""

    def __init__(self, options: Options, errors: list[Result]) -> None:
        self.options, self.errors = options, errors
        self.used: set[str] = set()
        self.results: list[Result] = []

    def stream(
        self,
        docs: Sequence[Document],
        usable: list[ImageMap],
        composed: dict[int, Node | None],
        config: Set[int],
    ) -> list[str]:
        """The new texts of a stream's documents but the `config` ones (left out, but still
        counted in their Helm files). A long stream is shared out among processes
        (`parallel`); what each gives back is added here in document order, its Helm file
        indexes counted on from the chunks before it."""

        def work(chunk: Sequence[Document]) -> _Chunk:
            part, seen = _Rewrite(self.options, []), dict[str, int]()
            found = part.documents(chunk, usable, composed, seen=seen, skip=config)
            texts = [text for _, _, text in found]
            return _Chunk(texts, part.errors, part.results, part.used, seen)

        texts: list[str] = []
        before: dict[str, int] = {}  # Helm file -> its documents in the chunks so far
        for chunk in parallel.map_chunks(work, parallel.split(docs, lambda d: len(d.text))):
            texts += chunk.texts
            self.errors += chunk.errors
            self.results += [_counted_on(r, before) for r in chunk.results]
            self.used |= chunk.used
            for path, last in chunk.seen.items():
                before[path] = before.get(path, 0) + last + 1
        return texts

    def documents(
        self,
        docs: Sequence[Document],
        usable: list[ImageMap],
        composed: dict[int, Node | None] | None = None,
        options: Options | None = None,
        compose_all: bool = False,
        seen: dict[str, int] | None = None,
        skip: Set[int] = frozenset(),
    ) -> list[tuple[ResourceRef | None, bool, str]]:
        """Each document's object (when composed), whether it has content, and its new text;
        the `skip` ones are only counted. Documents that cannot hold an image are only
        syntax-checked. Nodes are not kept: a large stream is held in memory as text only.
        `seen` counts each Helm file's documents (the last index given), every one of them,
        when there are ImageMaps to apply (else no result names a document's file)."""
        composed, options = composed or {}, options or self.options
        needles, out = _needles(usable), list[tuple[ResourceRef | None, bool, str]]()
        injector = Injector(usable, options)
        seen = {} if seen is None else seen
        for doc in docs:
            try:
                composes = (
                    compose_all or doc.index in composed or bool(usable and _wanted(doc, needles))
                )
                node = None
                if composes:
                    node = composed.pop(doc.index) if doc.index in composed else doc.compose()
                else:
                    doc.check_syntax()
                file = _helm_file(doc, node, seen) if usable else None
                if doc.index in skip:
                    continue
                if not composes:
                    out.append((None, True, doc.text))
                    continue
                content = not documents.is_empty(node)
                ref = _ref(node) if node is not None and content else None
                edits = []
                if usable and isinstance(node, MappingNode):
                    edits = _process(node, ref, doc.text, file, injector, self.used, self.results)
                try:
                    out.append((ref, content, apply(doc.text, edits)))
                except OverlapError as err:
                    self.errors.append(Result(Severity.ERROR, f"{doc.label()}: {err}"))
                    out.append((ref, content, doc.text))
            except ReadError as err:
                self.errors.append(Result(Severity.ERROR, str(err)))
        return out

    def generated(self, maps: _Maps, usable: list[ImageMap], read: Reader) -> list[_Generated]:
        """The generators' manifests (SPEC §2), each document rewritten with its ImageMaps;
        each one's results are kept with it, for the caller to report if it writes it."""
        out = []
        for manifests, source in maps.generators:
            text = self._text(manifests, source, read)
            chosen = self._chosen(manifests, source, maps, usable)
            if text is None or chosen is None:
                continue
            options = self.options._replace(locators=(*manifests.locators, *self.options.locators))
            for doc in documents.split(text):
                before = len(self.results)
                for ref, content, new in self.documents(
                    [doc], chosen, options=options, compose_all=True
                ):
                    if content:
                        out.append(_Generated(ref, new, self.results[before:]))
                del self.results[before:]
        return out

    def _text(self, manifests: imagemap.Manifests, source: _Source, read: Reader) -> str | None:
        if manifests.text is not None:
            return manifests.text
        assert manifests.path is not None
        try:
            return documents.decode(read(manifests.path))[1]
        except (OSError, ReadError) as err:
            reason = err.strerror if isinstance(err, OSError) else str(err)
            self.errors.append(
                Result(
                    Severity.ERROR,
                    f"cannot read manifests file {manifests.path!r}: {reason}",
                    source.resource,
                    manifests.where,
                    file=source.file,
                )
            )
            return None

    def _chosen(
        self, manifests: imagemap.Manifests, source: _Source, maps: _Maps, usable: list[ImageMap]
    ) -> list[ImageMap] | None:
        """The ImageMaps a KubernetesApply names, in its order; all of them otherwise."""
        if manifests.imagemaps is None:
            return usable
        by_name = {m.name: m for m in usable}
        missing = [(i, n) for i, n in enumerate(manifests.imagemaps) if n not in maps.maps]
        for index, name in missing:
            self.errors.append(
                Result(
                    Severity.ERROR,
                    f'ImageMap "{name}" is not among the ImageMaps given (Tilt would wait for it)',
                    source.resource,
                    f"spec.imageMaps[{index}]",
                    file=source.file,
                )
            )
        if missing:
            return None
        return [by_name[n] for n in manifests.imagemaps if n in by_name]


def _try_compose(doc: Document, errors: list[Result]) -> Node | None:
    try:
        return doc.compose()
    except ReadError as err:
        errors.append(Result(Severity.ERROR, str(err)))
        return None


def _wanted(doc: Document, needles: set[str]) -> bool:
    """Whether a document must be composed: it can hold anything to rewrite or report, or
    its Helm file is named by Helm 4's annotation (else: syntax check only). Which kinds
    are searched is decided on the object (`locate.find`: never a CRD)."""
    text = doc.text
    return "image" in text or any(n in text for n in needles) or _helm4(doc)


def _helm4(doc: Document) -> bool:
    """Whether a document's Helm file can only be read from its node (Helm 4's annotation,
    with no Helm 3 `# Source:` comment)."""
    return _HELM4_FILENAME in doc.text and doc.helm_source is None


def _helm_file(doc: Document, node: Node | None, seen: dict[str, int]) -> FileRef | None:
    """Helm 3's `# Source:` comment, or Helm 4's filename annotation (on `node`, the root
    when it was composed: see `_helm4`); `seen` counts the documents of each file so far,
    for the index. Every document counts, whatever its content."""
    path = doc.helm_source or _annotation(node, _HELM4_FILENAME)
    if path is None:
        return None
    seen[path] = seen.get(path, -1) + 1
    return FileRef(path, seen[path])


def _has_error(results: list[Result]) -> bool:
    return exit_code(results) != 0


# --- KRM mode --------------------------------------------------------------------------


def _run_krm(
    bom: str,
    doc: Document,
    root: MappingNode,
    files: Sequence[ConfigFile],
    strict: bool,
    read: Reader,
) -> Output:
    rl = resourcelist.read(root)
    maps = _Maps(rl.problems)
    config_ref = _ref(rl.function_config) if rl.function_config is not None else None
    if rl.function_config is not None and not _empty_config(rl.function_config):
        source = _Source(config_ref, None)
        maps.add(_data(rl.function_config, source, maps), source)
    _gather(files, maps)
    for item in rl.items:
        # kpt's `fn render` passes a configPath ImageMap as functionConfig and as an item
        for obj in _config_objects(item) if _ref(item) != config_ref else ():
            source = _Source(_ref(obj), _krm_file(item))
            maps.add(_data(obj, source, maps), source)
    config_maps = [i for i in rl.items if documents.kind_of(i) == ("v1", "ConfigMap")]
    usable = _usable(maps, config_maps) if not _has_error(maps.results) else []
    rewrite = _Rewrite(_options(maps, strict), errors=[])
    edits: list[Edit] = []
    if usable:
        injector = Injector(usable, rewrite.options)
        for item in rl.items:
            edits += _process(
                item,
                _ref(item),
                doc.text,
                _krm_file(item),
                injector,
                rewrite.used,
                rewrite.results,
            )
    new_items = _new_items(rewrite.generated(maps, usable, read), rl, rewrite)
    if not rewrite.errors:
        _unused(maps, usable, rewrite.used, rewrite.options)
    try:
        edits = ordered(doc.text, edits)  # the items' edits alone must fit together
    except OverlapError as err:
        rewrite.errors.append(Result(Severity.ERROR, f"ResourceList items: {err}"))
        edits = []
    all_results = rewrite.errors + maps.results + rewrite.results
    text = resourcelist.write(doc, rl, edits, all_results, new_items)
    return Output((bom + text).encode(), all_results, krm=True)


def _new_items(
    generated: list[_Generated],
    rl: resourcelist.ResourceList,
    rewrite: _Rewrite,
) -> list[str]:
    """Generated documents that are not among the items already (a kpt pipeline renders
    its own output again, and a generator must not add its objects twice); as JSON for a
    JSON ResourceList. The results of a document left out are left out with it."""
    present = {_ref(item) for item in rl.items}
    out = []
    for ref, text, results in generated:
        if ref is not None and ref in present:
            message = "generated again, already among the items; the item is kept"
            rewrite.results.append(Result(Severity.INFO, message, ref))
            continue
        present.add(ref)
        rewrite.results += results
        if not rl.flow:
            out.append(text)
            continue
        try:
            root = yaml.compose(text, Loader=yaml.CSafeLoader)
            out.append(json.dumps(nodes.to_data(root) if root is not None else None))
        except nodes.ConfigDataError as err:
            rewrite.errors.append(Result(Severity.ERROR, f"cannot write as JSON: {err}", ref))
    return out


def _empty_config(node: Node) -> bool:
    """kpt's `function-input` ConfigMap with no data stands for no config at all."""
    data = nodes.get(node, "data")
    empty = documents.is_empty(data) or (isinstance(data, MappingNode) and not data.value)
    return documents.kind_of(node) == ("v1", "ConfigMap") and empty


def _krm_file(node: Node) -> FileRef | None:
    path = _annotation(node, "internal.config.kubernetes.io/path", "config.kubernetes.io/path")
    if path is None:
        return None
    index = _annotation(node, "internal.config.kubernetes.io/index", "config.kubernetes.io/index")
    return FileRef(path, int(index) if index and index.isdigit() else 0)
