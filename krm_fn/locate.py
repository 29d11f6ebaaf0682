"""Where images live in one object: every pod spec at any depth, its containers' images,
image volumes and (on request) env values. Pure: nodes in, located fields out.

A pod spec is any mapping whose `containers`, `initContainers` or `ephemeralContainers`
is a list of mappings. That covers the built-in workloads (Pod, Deployment, StatefulSet,
DaemonSet, ReplicaSet, ReplicationController, Job, CronJob's `jobTemplate`, PodTemplate)
and custom resources that embed pod specs (Argo Rollout, Knative Service, ...): see
krm_fn.podspecs. Image fields elsewhere are found by locators (krm_fn.locators: the user's
and the built-in catalog) and, on request, by `anyImageKey` (any string under a key named
`image`): see krm_fn.locator_fields. CustomResourceDefinitions are never searched: their
schemas describe images, they have none.

Merge keys (`<<: *base`) are applied as Kubernetes reads them: a field found through one
is `merged` when its container's own mapping takes it so (it is then written there), and
otherwise lies in the merged mapping, where it is left if an alias uses that.
"""

from __future__ import annotations

from collections.abc import Sequence

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import merges, nodes, objects
from krm_fn.fields import Field, Located, Path, Place
from krm_fn.locator_fields import add_found, located_by
from krm_fn.locators import Locator
from krm_fn.podspecs import builtin_pod_spec, pod_spec, volume_fields

__all__ = ["find", "is_crd"]

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_COLLECTIONS = (MappingNode, SequenceNode)


def find(
    root: Node, *, env: bool, locators: Sequence[Locator] = (), any_image_key: bool = False
) -> Located:
    """Every container, image field and (with `env`) env value under `root`, in order."""
    located = Located()
    if is_crd(root):
        return located
    loose: dict[Node, Field] = {}  # mapping -> its string under `image`, for anyImageKey
    stack: list[tuple[Node, Path]] = [(root, ())]
    merged: set[Node] = set()  # values walked through a merge key: once (aliases may loop)
    memo: merges.Memo = {}
    pod_specs: set[Node] = set()  # the pod specs found by their container lists
    while stack:
        node, path = stack.pop()
        if isinstance(node, MappingNode):
            lists: list[tuple[ScalarNode, SequenceNode]] = []
            entries = nodes.entries(node)
            shadowed: dict[str, nodes.Entry] = {}
            names = {key for key, _, _ in entries}
            # an alias, a duplicate key or a merge key among them (rare)
            if len(names) != len(node.value) or "<<" in names:
                entries, shadowed = _rare_entries(
                    node, path, entries, located, merged, memo, any_image_key
                )
            for key, key_node, value in entries:
                if any_image_key and key == "image" and isinstance(value, ScalarNode):
                    loose[node] = Field(
                        Place.IMAGE_FIELD,
                        (*path, key),
                        node,
                        key_node,
                        value,
                        found_by="anyImageKey",
                    )
                elif isinstance(value, _COLLECTIONS):
                    if key in _CONTAINER_LISTS and isinstance(value, SequenceNode):
                        lists.append((key_node, value))
                    else:
                        stack.append((value, (*path, key)))
            if lists:
                pod_spec(node, path, lists, located, env, shadowed)
                pod_specs.add(node)
        elif isinstance(node, SequenceNode):
            stack += [
                (item, (*path, index))
                for index, item in nodes.items(node)
                if isinstance(item, _COLLECTIONS)
            ]
    builtin = builtin_pod_spec(root)
    if builtin is not None and builtin[0] not in pod_specs:
        volume_fields(*builtin, located)
    add_found(located, [*located_by(root, locators), *loose.values()], env)
    located.containers.sort(key=lambda c: c.node.start_mark.index)
    located.fields.sort(key=lambda f: f.node.start_mark.index)
    return located


def _rare_entries(
    node: MappingNode,
    path: Path,
    entries: list[tuple[str, ScalarNode, Node]],
    located: Located,
    walked: set[Node],
    memo: merges.Memo,
    any_image_key: bool,
) -> tuple[list[tuple[str, ScalarNode, Node]], dict[str, nodes.Entry]]:
    """The entries of a mapping with an alias, a duplicate key or a merge key, as Kubernetes
    reads it, and its `merges.shadowed` keys. Of duplicate keys only the last counts (each
    repeat goes to `located.duplicates`); a key also given by a merge key after it is left
    out (to `located.ambiguous` when it is one the walk reads: a collection, or `image` for
    anyImageKey); then the entries merge keys give it that are not walked yet. Container
    lists that are aliases go to `located.aliased`."""
    last: dict[str, ScalarNode] = {}
    for k, _ in node.value:
        if isinstance(k, ScalarNode) and not merges.is_merge(k):
            if k.value in last:
                located.duplicates.append((*path, k.value))
            last[k.value] = k
    located.aliased += [
        (*path, name)
        for name in _CONTAINER_LISTS
        if name in last and nodes.get_entry(node, name) is None  # the last one is an alias
    ]
    shadowed = merges.shadowed(node, memo)
    out = []
    given = [
        (key, key_node, value) for key, key_node, value in entries if last.get(key) is key_node
    ]
    for key, (key_node, value) in merges.merged(node, memo).items():
        if key not in last and not nodes.is_alias(key_node, value) and value not in walked:
            walked.add(value)
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


def is_crd(root: Node) -> bool:
    """A CustomResourceDefinition (any apiextensions version)."""
    api_version, kind = objects.kind_of(root)
    return kind == "CustomResourceDefinition" and api_version.startswith("apiextensions.k8s.io/")
