"""Image fields outside pod specs: what the locators (the user's and the catalog's) and
`anyImageKey` find, and, on request, the env values of the mapping that holds each one."""

from __future__ import annotations

from collections.abc import Sequence

from yaml import MappingNode, Node

from krm_fn import nodes, objects
from krm_fn.fields import Field, Located, Place, claimed
from krm_fn.locators import Locator

__all__ = ["add_found", "located_by"]


def located_by(root: Node, locators: Sequence[Locator]) -> list[Field]:
    """The fields the locators whose selector takes this object find."""
    metadata = nodes.get(root, "metadata")
    identity = [
        *objects.kind_of(root),
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


def add_found(located: Located, found: list[Field], env: bool) -> None:
    """Add fields found by locators or anyImageKey that are not found already; with `env`,
    the env values of the mapping holding each one (a container-like object: a Tekton
    step, an Argo template's container) too."""
    known = {f.node for f in located.fields}
    for f in found:
        touched = set(claimed(f))
        if touched & known:
            continue  # an earlier locator (or the pod spec walk) has this value already
        known |= touched
        located.fields.append(f)
        for index, var in nodes.items(nodes.get(f.owner, "env")) if env else ():
            value = nodes.get_entry(var, "value")
            if isinstance(var, MappingNode) and value and value[1] not in known:
                known.add(value[1])
                path = (*f.path[:-1], "env", index, "value")
                located.fields.append(Field(Place.ENV, path, var, *value))
