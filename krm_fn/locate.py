"""Where images live in one object: every pod spec at any depth, its containers' images,
image volumes and (on request) env values. Pure: nodes in, located fields out.

A pod spec is any mapping whose `containers`, `initContainers` or `ephemeralContainers`
is a list of mappings. That covers the built-in workloads (Pod, Deployment, StatefulSet,
DaemonSet, ReplicaSet, ReplicationController, Job, CronJob's `jobTemplate`, PodTemplate)
and custom resources that embed pod specs (Argo Rollout, Knative Service, ...).
CustomResourceDefinitions are never searched: their schemas describe images, they have
none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import nodes

__all__ = ["Container", "Field", "Located", "Place", "find"]

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
Path = tuple[str | int, ...]


class Place(StrEnum):
    """The kinds of field an ImageMap can rewrite."""

    CONTAINER = "container image"
    VOLUME = "image volume"
    ENV = "env value"


@dataclass(slots=True)
class Container:
    """A container mapping, the list it sits in, and the list's key (for layout)."""

    node: MappingNode
    path: Path
    list_key: ScalarNode
    seq: SequenceNode
    image: Field | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.list_key.value == "ephemeralContainers")


@dataclass(slots=True)
class Field:
    """A located field: `owner[key] = node`, at `path` inside the object."""

    place: Place
    path: Path
    owner: MappingNode
    key: ScalarNode
    node: Node
    container: Container | None = None

    @property
    def value(self) -> str | None:
        """The string value, or None when the field is not a string scalar."""
        return nodes.scalar_str(self.node)


@dataclass(slots=True)
class Located:
    containers: list[Container] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    aliased: list[Path] = field(default_factory=list)  # image fields that are aliases
    duplicates: list[Path] = field(default_factory=list)  # keys given twice in a mapping


def find(root: Node, *, env: bool) -> Located:
    """Every container, image field and (with `env`) env value under `root`, in order."""
    located = Located()
    if is_crd(root):
        return located
    stack: list[tuple[Node, Path]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, MappingNode):
            lists: list[tuple[ScalarNode, SequenceNode]] = []
            seen: set[str] = set()
            for key, key_node, value in nodes.entries(node):
                _note_duplicate(key, seen, path, located)
                if isinstance(value, SequenceNode) and key in CONTAINER_LISTS:
                    lists.append((key_node, value))
                elif isinstance(value, MappingNode | SequenceNode):
                    stack.append((value, (*path, key)))
            if lists:
                _pod_spec(node, path, lists, located, env)
        elif isinstance(node, SequenceNode):
            stack += [
                (item, (*path, index))
                for index, item in nodes.items(node)
                if isinstance(item, MappingNode | SequenceNode)
            ]
    located.containers.sort(key=lambda c: c.node.start_mark.index)
    located.fields.sort(key=lambda f: f.node.start_mark.index)
    return located


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
) -> None:
    """Collect a pod spec's containers (from its container `lists`) and image volumes."""
    for key_node, seq in lists:
        for index, item in nodes.items(seq):
            if isinstance(item, MappingNode):
                container = Container(item, (*path, key_node.value, index), key_node, seq)
                located.containers.append(container)
                _container_fields(container, located, env)
    _volume_fields(node, path, located)


def _note_duplicate(key: str, seen: set[str], path: Path, located: Located) -> None:
    if key in seen:
        located.duplicates.append((*path, key))
    seen.add(key)


def _container_fields(container: Container, located: Located, env: bool) -> None:
    seen: set[str] = set()
    for key, _, _ in nodes.entries(container.node):
        _note_duplicate(key, seen, container.path, located)
    image = nodes.get_entry(container.node, "image")
    if nodes.aliased(container.node, "image"):
        located.aliased.append((*container.path, "image"))
    elif image:
        container.image = Field(
            Place.CONTAINER, (*container.path, "image"), container.node, *image, container
        )
        located.fields.append(container.image)
    if not env:
        return
    for index, var in nodes.items(nodes.get(container.node, "env")):
        value = nodes.get_entry(var, "value")
        if isinstance(var, MappingNode) and value:
            path = (*container.path, "env", index, "value")
            located.fields.append(Field(Place.ENV, path, var, *value, container))


def _volume_fields(pod: MappingNode, path: Path, located: Located) -> None:
    for index, volume in nodes.items(nodes.get(pod, "volumes")):
        image = nodes.get(volume, "image")
        reference = nodes.get_entry(image, "reference")
        if nodes.aliased(image, "reference"):
            located.aliased.append((*path, "volumes", index, "image", "reference"))
        elif isinstance(image, MappingNode) and reference:
            field_path = (*path, "volumes", index, "image", "reference")
            located.fields.append(Field(Place.VOLUME, field_path, image, *reference))
