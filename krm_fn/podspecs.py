"""The images of a pod spec: its containers' images and (on request) env values, and its
image volumes; and where the built-in kinds keep their pod spec.

A pod spec is known by its container lists (`locate.find` finds them at any depth); the
built-in kinds' pod spec is known by kind too, so that its image volumes are found even
when it has no container list (Tilt decodes those kinds into client-go's types, S6.3).
"""

from __future__ import annotations

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import merges, nodes, objects
from krm_fn.fields import Container, Field, Located, Path, Place

__all__ = ["builtin_pod_spec", "pod_spec", "volume_fields"]

# The built-in kinds (their API groups) and where their pod spec is.
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


def builtin_pod_spec(root: Node) -> tuple[MappingNode, Path] | None:
    """A built-in kind's pod spec mapping and its path, if it has one."""
    api_version, kind = objects.kind_of(root)
    path = _BUILTIN_POD_SPECS.get((api_version.rpartition("/")[0], kind))
    if path is None:
        return None
    node: Node | None = root
    for key in path:
        node = _value(node, key) if isinstance(node, MappingNode) else None
    return (node, path) if isinstance(node, MappingNode) else None


def pod_spec(
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
        volume_fields(node, path, located)


def _container_fields(container: Container, located: Located, env: bool) -> None:
    seen: set[str] = set()
    for key, _, _ in nodes.entries(container.node):
        if key in seen:
            located.duplicates.append((*container.path, key))
        seen.add(key)
    shadowed = merges.shadowed(container.node)
    image = merges.lookup(container.node, "image")
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
    entry = merges.lookup(mapping, key)
    return entry[1] if entry and not nodes.is_alias(entry[0], entry[1]) else None


def volume_fields(pod: MappingNode, path: Path, located: Located) -> None:
    """Collect a pod spec's image volumes (`volumes[].image.reference`)."""
    for index, volume in nodes.items(_value(pod, "volumes")):
        if not isinstance(volume, MappingNode):
            continue
        image = nodes.get(volume, "image")
        if not isinstance(image, MappingNode) or "image" in merges.shadowed(volume):
            continue  # (shadowed: a merge key after it gives one too, and the walk has warned)
        reference = nodes.get_entry(image, "reference")
        where = (*path, "volumes", index, "image", "reference")
        if nodes.aliased(image, "reference"):
            located.aliased.append(where)
        elif reference and "reference" in merges.shadowed(image):
            located.ambiguous.append(where)
        elif reference:
            located.fields.append(Field(Place.VOLUME, where, image, *reference))
