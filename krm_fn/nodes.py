"""Read-only helpers over PyYAML's composed nodes (libyaml positions, no construction).

Nodes are never constructed into Python objects on the hot path: keys PyYAML cannot
construct (`- =`, `{{x}}: y`) must pass through, and node positions are what edits need.
Plain scalars keep the reader's `PLAIN_TAG` until `tag_of` resolves them.

An alias (`*a`) composes to the very node it names, so a node reached through one starts
before the key or item that refers to it. Such values are skipped (`is_alias`, `items`):
editing them would edit the anchor, and every other place it is used, too (see
krm_fn.shared_anchors). Merge keys are applied by krm_fn.merges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from yaml import MappingNode, Node, ScalarNode, SequenceNode
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

__all__ = [
    "NULL_TAG",
    "PLAIN_TAG",
    "STR_TAG",
    "ConfigDataError",
    "Entry",
    "aliased",
    "all_items",
    "counted",
    "entries",
    "get",
    "get_entry",
    "is_alias",
    "items",
    "scalar_str",
    "tag_of",
    "to_data",
]

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
# The tag the reader gives a plain scalar until `tag_of` resolves it.
PLAIN_TAG = "!apply-imagemaps/plain"
Entry = tuple[ScalarNode, Node]  # a mapping's (key node, value node)
_SCALARS = SafeConstructor()
# A plain scalar's first character -> PyYAML's YAML 1.1 implicit resolvers for it, in the
# order it tries them (it would try those under `None` for every value too: there are none).
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers


def tag_of(node: ScalarNode) -> str:
    """A scalar's tag, a plain one resolved as YAML 1.1 (what Kubernetes reads) would: as
    PyYAML's `Resolver.resolve` does, without its per-call overhead (most values start with
    a character no resolver is registered for, and are strings at once)."""
    if node.tag != PLAIN_TAG:
        return str(node.tag)
    value = str(node.value)
    for tag, pattern in _IMPLICIT.get(value[:1], ()):
        if pattern.match(value):
            return tag
    return STR_TAG


def scalar_str(node: Node | None) -> str | None:
    """The value of a string scalar (YAML 1.1 resolution, as Kubernetes reads it), else None."""
    if isinstance(node, ScalarNode) and tag_of(node) == STR_TAG:
        return str(node.value)
    return None


def entries(mapping: MappingNode) -> list[tuple[str, ScalarNode, Node]]:
    """(key, key node, value node) for each scalar key whose value is not an alias."""
    return [
        (key.value, key, value)
        for key, value in mapping.value
        if isinstance(key, ScalarNode) and not is_alias(key, value)
    ]


def counted(mapping: MappingNode) -> list[tuple[str, ScalarNode, Node]]:
    """`entries`, of duplicate keys only the last (the one go-yaml v2 reads; none when that
    one is an alias)."""
    found = entries(mapping)
    if len({key for key, _, _ in found}) == len(mapping.value):
        return found  # no duplicates (nor aliases): the common case
    last = {k.value: k for k, _ in mapping.value if isinstance(k, ScalarNode)}
    return [entry for entry in found if last[entry[0]] is entry[1]]


def aliased(mapping: Node | None, key: str) -> bool:
    """Whether `mapping[key]` is an alias (`key: *name`)."""
    return isinstance(mapping, MappingNode) and any(
        k.value == key and isinstance(k, ScalarNode) and is_alias(k, v) for k, v in mapping.value
    )


def is_alias(key: Node, value: Node) -> bool:
    """Whether `value`, the value of `key`, is an alias: it starts before its key ends."""
    return bool(value.start_mark.index < key.end_mark.index)


def get_entry(mapping: Node | None, key: str) -> Entry | None:
    """The last (key, value) entry named `key` (go-yaml keeps the last of duplicate keys),
    or None, also when that one is an alias."""
    found = None
    if isinstance(mapping, MappingNode):
        # the hot path: compare the name before anything else
        for k, v in mapping.value:
            if k.value == key and isinstance(k, ScalarNode):
                found = k, v
    return None if found is None or is_alias(*found) else found


def get(mapping: Node | None, key: str) -> Node | None:
    """The value node under `key`, or None."""
    entry = get_entry(mapping, key)
    return entry[1] if entry else None


def items(seq: Node | None) -> Iterator[tuple[int, Node]]:
    """(index, item) for each item of a sequence that is not an alias of an earlier node."""
    if isinstance(seq, SequenceNode):
        yield from ((index, item) for index, item, alias in all_items(seq) if not alias)


def all_items(seq: SequenceNode) -> Iterator[tuple[int, Node, bool]]:
    """(index, item, is an alias): an alias starts before the sequence or an earlier item."""
    floor = seq.start_mark.index - 1
    for index, item in enumerate(seq.value):
        alias = item.start_mark.index <= floor
        floor = max(floor, item.start_mark.index)
        yield index, item, alias


def to_data(node: Node) -> object:
    """Plain Python data for a config object: str/int/float/bool/None, lists, str-keyed dicts.

    Scalars other than bool/int/float/null (timestamps, custom tags) stay strings, as JSON
    sees them. Raises ConfigDataError for a key that is not a scalar and for an alias (which
    could expand exponentially: the "billion laughs").
    """
    try:
        return _data(node)
    except RecursionError:
        raise ConfigDataError("the config is nested too deeply") from None


def _data(node: Node) -> object:
    if isinstance(node, MappingNode):
        data: dict[str, object] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                raise ConfigDataError(f"line {key.start_mark.line + 1}: a key is not a string")
            if is_alias(key, value):
                raise _alias_error(key)
            data[str(key.value)] = _data(value)
        return data
    if isinstance(node, SequenceNode):
        out = []
        for _, item, alias in all_items(node):
            if alias:
                raise _alias_error(node)
            out.append(_data(item))
        return out
    assert isinstance(node, ScalarNode)
    return _scalar(node)


def _alias_error(near: Node) -> ConfigDataError:
    return ConfigDataError(
        f"line {near.start_mark.line + 1}: aliases (*name) are not allowed in a config; "
        "write the value out"
    )


_SCALAR_TAGS = {
    "tag:yaml.org,2002:bool": _SCALARS.construct_yaml_bool,
    "tag:yaml.org,2002:int": _SCALARS.construct_yaml_int,
    "tag:yaml.org,2002:float": _SCALARS.construct_yaml_float,
    NULL_TAG: _SCALARS.construct_yaml_null,
}


def _scalar(node: ScalarNode) -> object:
    construct = _SCALAR_TAGS.get(tag_of(node))
    if construct is None:
        return str(node.value)
    try:
        return construct(node)
    except (ConstructorError, ValueError):
        return str(node.value)


class ConfigDataError(ValueError):
    """A config object that has no JSON equivalent."""
