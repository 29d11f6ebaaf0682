"""What locating gives: the containers and image fields of one object, as records.

A `Field` is one place an ImageMap can rewrite (a container's image, an image volume's
reference, an env value, a locator's string or image object); a `Container` is a container
mapping, whose command and args an override sets. Both are compared by identity: two
records are the same field only when they are the same object.
"""

from __future__ import annotations

from enum import StrEnum

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import nodes

__all__ = ["Container", "Field", "Located", "Path", "Place", "claimed"]

Path = tuple[str | int, ...]


class Place(StrEnum):
    """The kinds of field an ImageMap can rewrite."""

    CONTAINER = "container image"
    VOLUME = "image volume"
    ENV = "env value"
    IMAGE_FIELD = "image field"  # a string found by a locator or anyImageKey
    IMAGE_OBJECT = "image object"  # repository and tag fields found by an object locator


class Field:
    """A located field: `owner[key] = node`, at `path` inside the object (a list item found
    by a locator has no owner). An image object's `node` is the mapping that holds its
    `object_keys` (repository field, tag field). `found_by` names the locator, catalog
    entry or anyImageKey that found it; `merged`: `owner` takes it through a merge key, and
    `key` and `node` are not its own."""

    __slots__ = ("found_by", "key", "merged", "node", "object_keys", "owner", "path", "place")

    def __init__(
        self,
        place: Place,
        path: Path,
        owner: MappingNode | None,
        key: ScalarNode | None,
        node: Node,
        found_by: str = "",
        object_keys: tuple[str, str | None] | None = None,
        merged: bool = False,
    ) -> None:
        self.place, self.path, self.owner, self.key, self.node = place, path, owner, key, node
        self.found_by, self.object_keys, self.merged = found_by, object_keys, merged

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


class Located:
    """What `locate.find` found in one object: containers and fields in text order, and the
    paths of what it left alone (and reports)."""

    __slots__ = ("aliased", "ambiguous", "containers", "duplicates", "fields")

    def __init__(self) -> None:
        self.containers: list[Container] = []
        self.fields: list[Field] = []
        self.aliased: list[Path] = []  # image fields and containers that are aliases
        self.duplicates: list[Path] = []  # keys given twice in a mapping
        # keys given both in a mapping and by a merge key after them (`merges.shadowed`)
        self.ambiguous: list[Path] = []


def claimed(f: Field) -> list[Node]:
    """The nodes a field's edits touch: its value, or an image object's two values."""
    if f.object_keys is None:
        return [f.node]
    found = (nodes.get(f.node, key) for key in f.object_keys if key)
    return [f.node, *(node for node in found if node is not None)]
