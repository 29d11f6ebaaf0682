"""Merge keys (`<<: *base`, `<<: [*a, *b]`) as the YAML readers that matter apply them.

go-yaml v3 (kustomize's kyaml) and PyYAML let a mapping's own keys win over the merged
ones wherever the merge key stands; go-yaml v2 (Kubernetes: kubectl, sigs.k8s.io/yaml) sets
keys in order, so a merge key overrides the keys before it. `lookup` and `merged` give what
counts; `shadowed` names the keys the readers disagree about, which are never rewritten.
"""

from __future__ import annotations

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn.nodes import Entry, tag_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass

__all__ = ["Memo", "after_merges", "is_merge", "lookup", "merged", "shadowed"]

MERGE_TAG = "tag:yaml.org,2002:merge"
Memo = dict[MappingNode, dict[str, Entry]]  # what `merged` worked out, for the next call


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


def merged(mapping: MappingNode, memo: Memo | None = None) -> dict[str, Entry]:
    """The entries a mapping's merge keys (`<<: *base`, `<<: [*a, *b]`) give it, as go-yaml
    v3 and PyYAML apply them: of the merged mappings, the first to have a key gives it; their
    own merge keys count too. Its own keys override them (see `lookup`). The entries are the
    merged mappings' own (key node, value node). `memo` (mapping -> all its entries)
    keeps what is worked out for the next call on the same tree. Where go-yaml v2 (which
    Kubernetes reads with) differs, the key is `shadowed`."""
    return _merges(mapping, {} if memo is None else memo, in_order=False)


def _merges(mapping: MappingNode, given: Memo, in_order: bool) -> dict[str, Entry]:
    """`merged` (or, `in_order`, all of a mapping's entries as go-yaml v2 sets them: each
    key and merge key in turn, a later one overriding an earlier one). Iterative: merges of
    merges may nest deep, fan out, or (through an alias of an ancestor) loop."""
    reading: set[MappingNode] = set()  # on the path from `mapping`: a source among them is a loop
    stack: list[tuple[MappingNode, bool]] = [(mapping, False)]
    while stack:
        node, sources_done = stack.pop()
        if sources_done:
            reading.discard(node)
            entries: dict[str, Entry] = {}
            if in_order:
                for k, v in node.value:
                    if not isinstance(k, ScalarNode):
                        continue
                    if not is_merge(k):
                        entries[k.value] = k, v
                        continue
                    for source in reversed(_sources_of(v)):  # so the earlier one wins
                        entries.update(given.get(source, {}))
                if node is mapping:
                    return entries
                given[node] = entries
                continue
            for source in _sources(node):
                for name, entry in given.get(source, {}).items():
                    entries.setdefault(name, entry)
            if node is mapping:
                return entries
            given[node] = {**entries, **_own(node)}
        elif node not in reading and (node is mapping or node not in given):
            reading.add(node)
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
    merges = [
        (i, (k, v)) for i, (k, v) in enumerate(pairs) if isinstance(k, ScalarNode) and is_merge(k)
    ]
    return merges[-1][1] if merges and merges[-1][0] > at else entry


def shadowed(mapping: MappingNode, memo: Memo | None = None) -> dict[str, Entry]:
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
