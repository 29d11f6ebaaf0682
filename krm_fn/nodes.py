"""Read-only helpers over PyYAML's composed nodes (libyaml positions, no construction).

Nodes are never constructed into Python objects on the hot path: keys PyYAML cannot
construct (`- =`, `{{x}}: y`) must pass through, and node positions are what edits need.

An alias (`*a`) composes to the very node it names, so a node reached through one starts
before the key or item that refers to it. Such values are skipped: editing them would edit
the anchor, and every other place it is used, too. For the same reason an anchored node
that an alias uses (`shared_anchor`) is never edited. Merge keys (`<<: *base`) are applied
on request (`lookup`, `merged`), as Kubernetes reads them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import cast

from yaml import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingNode,
    Node,
    ScalarEvent,
    ScalarNode,
    SequenceNode,
)
from yaml._yaml import CParser
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.error import Mark
from yaml.resolver import Resolver

__all__ = [
    "NULL_TAG",
    "PLAIN_TAG",
    "STR_TAG",
    "ConfigDataError",
    "after_merges",
    "aliased",
    "all_items",
    "counted",
    "entries",
    "get",
    "get_entry",
    "is_alias",
    "is_merge",
    "items",
    "lookup",
    "merged",
    "scalar_str",
    "shadowed",
    "shared_anchor",
    "tag_of",
    "to_data",
]

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"
# The tag the reader gives a plain scalar until `tag_of` resolves it.
PLAIN_TAG = "!apply-imagemaps/plain"
_SCALARS = SafeConstructor()
_RESOLVER = Resolver()
_RESOLVED: dict[str, str] = {}


def tag_of(node: ScalarNode) -> str:
    """A scalar's tag, a plain one resolved as YAML 1.1 (what Kubernetes reads) would."""
    if node.tag != PLAIN_TAG:
        return str(node.tag)
    value = str(node.value)
    if value not in _RESOLVED:
        _RESOLVED[value] = _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return _RESOLVED[value]


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


def get_entry(mapping: Node | None, key: str) -> tuple[ScalarNode, Node] | None:
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


Entry = tuple[ScalarNode, Node]


def lookup(mapping: MappingNode, key: str) -> tuple[ScalarNode, Node, bool] | None:
    """The entry that counts for `key` as Kubernetes reads the mapping, and whether it comes
    through a merge key: its own last entry (an alias value too), else the one a merge key
    (`<<: *base`) gives it."""
    found = None
    merges = False
    for k, v in mapping.value:
        if isinstance(k, ScalarNode):
            if k.value == key:
                found = k, v
            merges = merges or is_merge(k)
    if found is not None:
        return (*found, False)
    entry = merged(mapping).get(key) if merges else None
    return (*entry, True) if entry else None


def merged(
    mapping: MappingNode, memo: dict[int, dict[str, Entry]] | None = None
) -> dict[str, Entry]:
    """The entries a mapping's merge keys (`<<: *base`, `<<: [*a, *b]`) give it, as go-yaml
    v3 and PyYAML apply them: of the merged mappings, the first to have a key gives it; their
    own merge keys count too. Its own keys override them (see `lookup`). The entries are the
    merged mappings' own (key node, value node). `memo` (id(mapping) -> all its entries)
    keeps what is worked out for the next call on the same tree. Where go-yaml v2 (which
    Kubernetes reads with) differs, the key is `shadowed`."""
    return _merges(mapping, {} if memo is None else memo, in_order=False)


def _merges(
    mapping: MappingNode, given: dict[int, dict[str, Entry]], in_order: bool
) -> dict[str, Entry]:
    """`merged` (or, `in_order`, all of a mapping's entries as go-yaml v2 sets them: each
    key and merge key in turn, a later one overriding an earlier one). Iterative: merges of
    merges may nest deep, fan out, or (through an alias of an ancestor) loop."""
    reading: set[int] = set()  # on the path from `mapping`: a source among them is a loop
    stack: list[tuple[MappingNode, bool]] = [(mapping, False)]
    while stack:
        node, sources_done = stack.pop()
        if sources_done:
            reading.discard(id(node))
            entries: dict[str, Entry] = {}
            if in_order:
                for k, v in node.value:
                    if not isinstance(k, ScalarNode):
                        continue
                    if not is_merge(k):
                        entries[k.value] = k, v
                        continue
                    for source in reversed(_sources_of(v)):  # so the earlier one wins
                        entries.update(given.get(id(source), {}))
                if node is mapping:
                    return entries
                given[id(node)] = entries
                continue
            for source in _sources(node):
                for name, entry in given.get(id(source), {}).items():
                    entries.setdefault(name, entry)
            if node is mapping:
                return entries
            given[id(node)] = {**entries, **_own(node)}
        elif node is mapping or (id(node) not in given and id(node) not in reading):
            reading.add(id(node))
            stack.append((node, True))
            stack += [(source, False) for source in reversed(_sources(node))]
    raise AssertionError("unreachable: the mapping itself is read last")


def _sources(mapping: MappingNode) -> list[MappingNode]:
    """The mappings a mapping's merge keys name, in order."""
    out = []
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and is_merge(k):
            out += _sources_of(v)
    return out


def _sources_of(value: Node) -> list[MappingNode]:
    """The mappings one merge key's value names: a mapping, or a list of them."""
    return [
        m
        for m in (value.value if isinstance(value, SequenceNode) else [value])
        if isinstance(m, MappingNode)
    ]


def after_merges(mapping: MappingNode, entry: Entry) -> Entry:
    """The entry that new keys go after: `entry`, or the mapping's last merge key when that
    comes later or `entry` is a merged one (go-yaml v2, which Kubernetes reads with, lets a
    merge key override the keys before it)."""
    pairs = mapping.value
    at = next((i for i, (k, _) in enumerate(pairs) if k is entry[0]), -1)
    last = max(
        (i for i, (k, _) in enumerate(pairs) if isinstance(k, ScalarNode) and is_merge(k)),
        default=-1,
    )
    return cast(Entry, pairs[last]) if last > at else entry


def shadowed(
    mapping: MappingNode, memo: dict[int, dict[str, Entry]] | None = None
) -> dict[str, Entry]:
    """The keys of a mapping that readers disagree about, each with the entry go-yaml v2
    (Kubernetes: kubectl, sigs.k8s.io/yaml) reads: it sets keys in order, so a merge key
    overrides the keys before it, where go-yaml v3 (kustomize's kyaml) and PyYAML take a
    mapping's own key wherever the merge key is. That is a key given both explicitly and by
    a merge key after it, here or in a mapping merged in. `memo` is `merged`'s. A single
    pass when there are no merge keys (the common case)."""
    if not any(isinstance(k, ScalarNode) and is_merge(k) for k, _ in mapping.value):
        return {}
    v3 = {**merged(mapping, memo), **_own(mapping)}
    v2 = _merges(mapping, {}, in_order=True)
    return {
        name: entry
        for name, entry in v2.items()
        if name not in v3 or v3[name][1] is not entry[1]  # (not in it: a loop cut elsewhere)
    }


def _own(mapping: MappingNode) -> dict[str, Entry]:
    """A mapping's own entries by key, the last of duplicate keys winning, merge keys out."""
    return {
        k.value: (k, v) for k, v in mapping.value if isinstance(k, ScalarNode) and not is_merge(k)
    }


def is_merge(key: ScalarNode) -> bool:
    return key.value == "<<" and tag_of(key) == MERGE_TAG


# An anchor and an alias as libyaml reads them: names of ASCII letters, digits, `_` and `-`.
_ANCHOR = re.compile(r"&([\w-]+)", re.ASCII)
_ALIAS_NAME = re.compile(r"\*([\w-]+)", re.ASCII)


def shared_anchor(text: str, start: int, end: int) -> str | None:
    """The name of an anchored node that an alias uses (`&name` ... `*name`) whose text
    overlaps text[start:end]: editing there would change the other uses of it as well (or,
    replacing it whole, leave its aliases naming nothing). None when there is none."""
    return next((name for s, e, name in _shared(text) if s < end and start < e), None)


@functools.lru_cache(maxsize=1)  # the items of a ResourceList share one text
def _shared(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, name) of each anchored node in `text` (one document) that an alias uses.
    The text is parsed (events only) just when some alias-like `*name` names an anchor
    defined in it, which is rare."""
    names = set(_ALIAS_NAME.findall(text)) & set(_ANCHOR.findall(text))
    if not names:
        return ()
    parser = CParser(text)
    spans: dict[str, tuple[int, int]] = {}
    used: set[str] = set()
    starts: list[tuple[str | None, int]] = []  # the collections being read: anchor, start
    try:
        while (event := parser.get_event()) is not None:
            at = cast(Mark, event.start_mark).index  # libyaml's marks are PyYAML's in all but name
            anchor = getattr(event, "anchor", None)
            if isinstance(event, AliasEvent):
                used.add(str(anchor))
            elif isinstance(event, CollectionStartEvent):
                starts.append((anchor, at))
            elif isinstance(event, CollectionEndEvent):
                anchor, at = starts.pop()
            if isinstance(event, CollectionEndEvent | ScalarEvent) and anchor in names:
                spans[str(anchor)] = at, cast(Mark, event.end_mark).index
    finally:
        parser.dispose()
    return tuple((*spans[name], name) for name in sorted(used & spans.keys()))


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
