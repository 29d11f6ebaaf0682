"""Setting one key of a mapping in the text: a string (a pull policy, an image object's
tag) or a list of strings (a container's command or args), replaced in place, inserted
after a given entry, or removed.

What is written follows what is there: a replaced value keeps its quoting and layout; a
new entry takes its mapping's syntax (JSON's in a JSON-style mapping), and a new list the
layout of the list that holds the mapping (flow, compact or indented).
"""

from __future__ import annotations

from collections.abc import Sequence

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import edits, nodes, render
from krm_fn.edits import Edit
from krm_fn.nodes import Entry
from krm_fn.render import ListStyle

__all__ = ["list_layout", "list_value", "set_list", "set_scalar"]

# Inserted keys that land on the same spot come out in this order.
_RANK = {"command": 1, "args": 2, "imagePullPolicy": 3, "pullPolicy": 3}


def set_scalar(text: str, mapping: MappingNode, key: str, value: str, anchor: Entry) -> Edit | None:
    """Set `key: value` in `mapping`: replace the value, or insert the entry after `anchor`;
    None when it is so already."""
    entry = nodes.get_entry(mapping, key)
    if entry is not None and nodes.scalar_str(entry[1]) == value:
        return None
    quote = '"' if render.json_style(mapping, anchor[0]) else ""
    if entry is not None and isinstance(entry[1], ScalarNode):  # JSON's null, true, 1: quoted
        return render.replace_scalar(text, entry[1], value, plain=quote)
    entry_text = f"{render.render_scalar(key, quote)}: {render.render_scalar(value, quote)}"
    if entry is None:
        return edits.insert_after(text, mapping, anchor, entry_text, _RANK.get(key, 0))
    start = edits.entry_start(text, entry[0])  # a list or mapping: the entry is rewritten
    return Edit(start, edits.text_end(text, entry[1]), 0, entry_text)


def set_list(
    text: str,
    mapping: MappingNode,
    key: str,
    values: Sequence[str],
    anchor: Entry,
    layout: ListStyle,
) -> list[Edit]:
    """Set `key` of `mapping` to the list `values`, inserted after `anchor` when missing and
    laid out as `layout` (`list_layout`) when new; an empty list removes the key (S10.3)."""
    entry = nodes.get_entry(mapping, key)
    if list_value(entry) == list(values):
        return []
    if not values:  # every entry of the key, so that no duplicate comes to count instead
        keys = [k for k, _ in mapping.value if isinstance(k, ScalarNode) and k.value == key]
        return [edits.remove_entry(text, mapping, k) for k in keys]
    json_style = render.json_style(mapping, anchor[0])
    quote = '"' if json_style else ""
    if entry is not None and isinstance(entry[1], SequenceNode):
        seq = entry[1]
        first = seq.value[0] if seq.value else None
        if not json_style and isinstance(first, ScalarNode) and first.style in ("'", '"'):
            quote = first.style
        return [render.replace_list(text, seq, values, quote)]
    style = layout.replace(quote=quote)
    name = render.render_scalar(key, quote) + ":"
    if entry is not None:  # a null, scalar or mapping where the list belongs: in its place
        key_node, value = entry
        start = edits.entry_start(text, key_node)
        new = render.render_list(
            values, style, edits.entry_column(text, key_node), edits.eol_at(text, start)
        )
        return [Edit(start, edits.text_end(text, value), 0, name + new)]
    column = edits.entry_column(text, anchor[0])
    eol = edits.eol_at(text, anchor[0].end_mark.index)
    entry_text = name + render.render_list(values, style, column, eol)
    return [edits.insert_after(text, mapping, anchor, entry_text, _RANK[key])]


def list_value(entry: tuple[ScalarNode, Node] | None) -> list[str | None] | None:
    """The strings of a list entry's items, or None when it is absent or not a list."""
    if entry is None or not isinstance(entry[1], SequenceNode):
        return None
    return [nodes.scalar_str(item) for item in entry[1].value]


def list_layout(
    text: str, mapping: MappingNode, seq: SequenceNode, seq_key: ScalarNode
) -> ListStyle:
    """How new lists in `mapping`, an item of the list `seq` under the key `seq_key`, are
    laid out: flow when either is, else at the offset of `seq`'s items from their key
    (compact: 0, indented: 2)."""
    if mapping.flow_style or seq.flow_style:
        return ListStyle(flow=True)
    offset = seq.start_mark.column - edits.entry_column(text, seq_key)
    return ListStyle(offset=max(0, offset))
