"""Where images live in one object: every pod spec at any depth, its containers' images,
image volumes and (on request) env values. Pure: nodes in, located fields out.

A pod spec is any mapping whose `containers`, `initContainers` or `ephemeralContainers`
is a list of mappings. That covers the built-in workloads (Pod, Deployment, StatefulSet,
DaemonSet, ReplicaSet, ReplicationController, Job, CronJob's `jobTemplate`, PodTemplate)
and custom resources that embed pod specs (Argo Rollout, Knative Service, ...).
Image fields elsewhere are found by locators (krm_fn.locators: the user's and the built-in
catalog) and, on request, by `anyImageKey` (any string under a key named `image`).
CustomResourceDefinitions are never searched: their schemas describe images, they have
none.

Merge keys (`<<: *base`) are applied as Kubernetes reads them: a field found through one
is `merged` when its container's own mapping takes it so (it is then written there), and
otherwise lies in the merged mapping, where it is left if an alias uses that.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import nodes
from krm_fn.locators import Locator

__all__ = ["Container", "Field", "Located", "Place", "claimed", "find"]

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_COLLECTIONS = (MappingNode, SequenceNode)
Path = tuple[str | int, ...]


class Place(StrEnum):
    """The kinds of field an ImageMap can rewrite."""

    CONTAINER = "container image"
    VOLUME = "image volume"
    ENV = "env value"
    IMAGE_FIELD = "image field"  # a string found by a locator or anyImageKey
    IMAGE_OBJECT = "image object"  # repository and tag fields found by an object locator


class Container:
    """A container mapping, the list it sits in, and the list's key (for layout); `image`
    is set once its image field is found."""

    __slots__ = ("image", "list_key", "node", "path", "seq")

    def __init__(self, node: MappingNode, path: Path, list_key: ScalarNode, seq: SequenceNode):
        self.node, self.path, self.list_key, self.seq = node, path, list_key, seq
        self.image: Field | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.list_key.value == "ephemeralContainers")


class Field(NamedTuple):
    """A located field: `owner[key] = node`, at `path` inside the object (a list item found
    by a locator has no owner). An image object's `node` is the mapping that holds its
    `object_keys` (repository field, tag field)."""

    place: Place
    path: Path
    owner: MappingNode | None
    key: ScalarNode | None
    node: Node
    found_by: str = ""  # the locator, catalog entry or anyImageKey that found it
    object_keys: tuple[str, str | None] | None = None
    merged: bool = False  # `owner` takes it through a merge key: `key` and `node` are not its

    @property
    def value(self) -> str | None:
        """The reference text: the string value (None when it is not a string), or for an
        image object `repo` or `repo:tag` (a tag that is not a string is ignored, as Tilt)."""
        if self.object_keys is None:
            return nodes.scalar_str(self.node)
        repo_key, tag_key = self.object_keys
        repo = nodes.scalar_str(nodes.get(self.node, repo_key)) or ""
        tag = nodes.scalar_str(nodes.get(self.node, tag_key)) if tag_key else None
        return f"{repo}:{tag}" if tag else repo


class Located:
    """What `find` found in one object."""

    __slots__ = ("aliased", "ambiguous", "containers", "duplicates", "fields")

    def __init__(self) -> None:
        self.containers: list[Container] = []
        self.fields: list[Field] = []
        self.aliased: list[Path] = []  # image fields and containers that are aliases
        self.duplicates: list[Path] = []  # keys given twice in a mapping
        # keys given both in a mapping and by a merge key after them (`nodes.shadowed`)
        self.ambiguous: list[Path] = []


def find(
    root: Node, *, env: bool, locators: Sequence[Locator] = (), any_image_key: bool = False
) -> Located:
    """Every container, image field and (with `env`) env value under `root`, in order."""
    located = Located()
    if is_crd(root):
        return located
    loose: dict[int, Field] = {}  # id(mapping) -> its string under `image`, for anyImageKey
    stack: list[tuple[Node, Path]] = [(root, ())]
    merged: set[int] = set()  # values walked through a merge key: once (aliases may loop)
    memo: dict[int, dict[str, nodes.Entry]] = {}  # for nodes.merged
    pod_specs: set[int] = set()  # id() of the pod specs found by their container lists
    while stack:
        node, path = stack.pop()
        if isinstance(node, MappingNode):
            lists: list[tuple[ScalarNode, SequenceNode]] = []
            entries = nodes.entries(node)
            shadowed: dict[str, nodes.Entry] = {}
            names = {key for key, _, _ in entries}
            # an alias, a duplicate key or a merge key among them (rare)
            if len(names) < len(node.value) or "<<" in names:
                entries, shadowed = _rare_entries(
                    node, path, entries, located, merged, memo, any_image_key
                )
            for key, key_node, value in entries:
                if any_image_key and key == "image" and isinstance(value, ScalarNode):
                    loose[id(node)] = Field(
                        Place.IMAGE_FIELD,
                        (*path, key),
                        node,
                        key_node,
                        value,
                        found_by="anyImageKey",
                    )
                elif isinstance(value, _COLLECTIONS):
                    if key in CONTAINER_LISTS and isinstance(value, SequenceNode):
                        lists.append((key_node, value))
                    else:
                        stack.append((value, (*path, key)))
            if lists:
                _pod_spec(node, path, lists, located, env, shadowed)
                pod_specs.add(id(node))
        elif isinstance(node, SequenceNode):
            stack += [
                (item, (*path, index))
                for index, item in nodes.items(node)
                if isinstance(item, _COLLECTIONS)
            ]
    builtin = _builtin_pod_spec(root)
    if builtin is not None and id(builtin[0]) not in pod_specs:
        _volume_fields(*builtin, located)
    _add_found(located, [*_located_by(root, locators), *loose.values()], env)
    located.containers.sort(key=lambda c: c.node.start_mark.index)
    located.fields.sort(key=lambda f: f.node.start_mark.index)
    return located


def _rare_entries(
    node: MappingNode,
    path: Path,
    entries: list[tuple[str, ScalarNode, Node]],
    located: Located,
    walked: set[int],
    memo: dict[int, dict[str, nodes.Entry]],
    any_image_key: bool,
) -> tuple[list[tuple[str, ScalarNode, Node]], dict[str, nodes.Entry]]:
    """The entries of a mapping with an alias, a duplicate key or a merge key, as Kubernetes
    reads it, and its `nodes.shadowed` keys. Of duplicate keys only the last counts (each
    repeat goes to `located.duplicates`); a key also given by a merge key after it is left
    out (to `located.ambiguous` when it is one the walk reads: a collection, or `image` for
    anyImageKey); then the entries merge keys give it that are not walked yet. Container
    lists that are aliases go to `located.aliased`."""
    last: dict[str, ScalarNode] = {}
    for k, _ in node.value:
        if isinstance(k, ScalarNode) and not nodes.is_merge(k):
            if k.value in last:
                located.duplicates.append((*path, k.value))
            last[k.value] = k
    located.aliased += [
        (*path, name)
        for name in CONTAINER_LISTS
        if name in last and nodes.get_entry(node, name) is None  # the last one is an alias
    ]
    shadowed = nodes.shadowed(node, memo)
    out = []
    given = [
        (key, key_node, value) for key, key_node, value in entries if last.get(key) is key_node
    ]
    for key, (key_node, value) in nodes.merged(node, memo).items():
        if key not in last and not nodes.is_alias(key_node, value) and id(value) not in walked:
            walked.add(id(value))
            given.append((key, key_node, value))
    for key, key_node, value in given:  # (a merge key and an earlier duplicate are out)
        if key not in shadowed:
            out.append((key, key_node, value))
        elif (
            isinstance(value, _COLLECTIONS)
            or isinstance(shadowed[key][1], _COLLECTIONS)
            or (any_image_key and key == "image")
        ):
            located.ambiguous.append((*path, key))
    return out, shadowed


def _located_by(root: Node, locators: Sequence[Locator]) -> list[Field]:
    """The fields the locators whose selector takes this object find."""
    metadata = nodes.get(root, "metadata")
    identity = [
        nodes.scalar_str(nodes.get(root, "apiVersion")) or "",
        nodes.scalar_str(nodes.get(root, "kind")) or "",
        nodes.scalar_str(nodes.get(metadata, "name")) or "",
        nodes.scalar_str(nodes.get(metadata, "namespace")) or "",
    ]
    found = []
    for locator in locators:
        if not locator.selector.matches(*identity):
            continue
        for match in locator.path.find(root):
            if locator.repo_field is not None:
                if isinstance(match.node, MappingNode):
                    keys = (locator.repo_field, locator.tag_field)
                    found.append(
                        Field(
                            Place.IMAGE_OBJECT,
                            match.path,
                            match.parent,
                            match.key,
                            match.node,
                            found_by=locator.name,
                            object_keys=keys,
                        )
                    )
            elif nodes.scalar_str(match.node) is not None:
                found.append(
                    Field(
                        Place.IMAGE_FIELD,
                        match.path,
                        match.parent,
                        match.key,
                        match.node,
                        found_by=locator.name,
                    )
                )
    return found


def claimed(f: Field) -> list[Node]:
    """The nodes a field's edits touch: its value, or an image object's two values."""
    if f.object_keys is None:
        return [f.node]
    found = (nodes.get(f.node, key) for key in f.object_keys if key)
    return [f.node, *(node for node in found if node is not None)]


def _add_found(located: Located, found: list[Field], env: bool) -> None:
    """Add fields found by locators or anyImageKey that are not found already; with `env`,
    the env values of the mapping holding each one (a container-like object: a Tekton
    step, an Argo template's container) too."""
    known = {id(f.node) for f in located.fields}
    for f in found:
        touched = {id(node) for node in claimed(f)}
        if touched & known:
            continue  # an earlier locator (or the pod spec walk) has this value already
        known |= touched
        located.fields.append(f)
        for index, var in nodes.items(nodes.get(f.owner, "env")) if env else ():
            value = nodes.get_entry(var, "value")
            if isinstance(var, MappingNode) and value and id(value[1]) not in known:
                known.add(id(value[1]))
                path = (*f.path[:-1], "env", index, "value")
                located.fields.append(Field(Place.ENV, path, var, *value))


# The built-in kinds (their API groups) and where their pod spec is. Tilt decodes these
# into client-go's types and so rewrites their image volumes even in a pod spec with no
# container list (S6.3); elsewhere a pod spec is known by its container lists.
_TEMPLATE = ("spec", "template", "spec")
_BUILTIN_POD_SPECS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "Pod"): ("spec",),
    ("", "PodTemplate"): ("template", "spec"),
    ("", "ReplicationController"): _TEMPLATE,
    **{
        (group, kind): _TEMPLATE
        for group in ("apps", "extensions")
        for kind in ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")
    },
    ("batch", "Job"): _TEMPLATE,
    ("batch", "CronJob"): ("spec", "jobTemplate", *_TEMPLATE),
}


def _builtin_pod_spec(root: Node) -> tuple[MappingNode, Path] | None:
    """A built-in kind's pod spec mapping and its path, if it has one."""
    api_version = nodes.scalar_str(nodes.get(root, "apiVersion")) or ""
    kind = nodes.scalar_str(nodes.get(root, "kind")) or ""
    group = api_version.rpartition("/")[0]
    path = _BUILTIN_POD_SPECS.get((group, kind))
    if path is None:
        return None
    node: Node | None = root
    for key in path:
        node = _value(node, key) if isinstance(node, MappingNode) else None
    return (node, path) if isinstance(node, MappingNode) else None


def is_crd(root: Node) -> bool:
    """A CustomResourceDefinition (any apiextensions version)."""
    return nodes.scalar_str(nodes.get(root, "kind")) == "CustomResourceDefinition" and (
        nodes.scalar_str(nodes.get(root, "apiVersion")) or ""
    ).startswith("apiextensions.k8s.io/")


def _pod_spec(
    node: MappingNode,
    path: Path,
    lists: list[tuple[ScalarNode, SequenceNode]],
    located: Located,
    env: bool,
    shadowed: dict[str, nodes.Entry],
) -> None:
    """Collect a pod spec's containers (from its container `lists`) and image volumes
    (unless `shadowed`: the walk has warned)."""
    for key_node, seq in lists:
        for index, item, alias in nodes.all_items(seq):
            if alias:
                located.aliased.append((*path, key_node.value, index))
            elif isinstance(item, MappingNode):
                container = Container(item, (*path, key_node.value, index), key_node, seq)
                located.containers.append(container)
                _container_fields(container, located, env)
    if "volumes" not in shadowed:
        _volume_fields(node, path, located)


def _container_fields(container: Container, located: Located, env: bool) -> None:
    seen: set[str] = set()
    for key, _, _ in nodes.entries(container.node):
        if key in seen:
            located.duplicates.append((*container.path, key))
        seen.add(key)
    shadowed = nodes.shadowed(container.node)
    image = nodes.lookup(container.node, "image")
    if "image" in shadowed:
        located.ambiguous.append((*container.path, "image"))
    elif image and nodes.is_alias(image[0], image[1]):
        located.aliased.append((*container.path, "image"))
    elif image:
        key_node, value, merged = image
        path = (*container.path, "image")
        container.image = Field(
            Place.CONTAINER, path, container.node, key_node, value, merged=merged
        )
        located.fields.append(container.image)
    if not env:
        return
    if "env" in shadowed:
        located.ambiguous.append((*container.path, "env"))
        return
    for index, var in nodes.items(_value(container.node, "env")):
        entry = nodes.get_entry(var, "value")
        if isinstance(var, MappingNode) and entry:
            path = (*container.path, "env", index, "value")
            located.fields.append(Field(Place.ENV, path, var, *entry))


def _value(mapping: MappingNode, key: str) -> Node | None:
    """The value that counts under `key`, merge keys applied; None for an alias."""
    entry = nodes.lookup(mapping, key)
    return entry[1] if entry and not nodes.is_alias(entry[0], entry[1]) else None


def _volume_fields(pod: MappingNode, path: Path, located: Located) -> None:
    for index, volume in nodes.items(_value(pod, "volumes")):
        image = nodes.get(volume, "image")
        if not isinstance(volume, MappingNode) or not isinstance(image, MappingNode):
            continue
        if "image" in nodes.shadowed(volume):
            continue  # a merge key after it gives one too: the walk has warned
        reference = nodes.get_entry(image, "reference")
        if nodes.aliased(image, "reference"):
            located.aliased.append((*path, "volumes", index, "image", "reference"))
        elif reference and "reference" in nodes.shadowed(image):
            located.ambiguous.append((*path, "volumes", index, "image", "reference"))
        elif reference:
            field_path = (*path, "volumes", index, "image", "reference")
            located.fields.append(Field(Place.VOLUME, field_path, image, *reference))
