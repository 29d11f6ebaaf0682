"""New YAML text for values, and values replaced in place.

New scalars are quoted whenever YAML 1.1 (what Kubernetes reads) would not read them back
as the same string; a replaced scalar keeps its tag, anchor, quoting style and comments (a
block scalar becomes double-quoted, its header's comment kept); a replaced list keeps its
layout (flow, or block at its column). In a JSON-style mapping (`json_style`) new keys,
strings and lists are JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from yaml import MappingNode, ScalarNode, SequenceNode

from krm_fn import edits, nodes
from krm_fn.edits import Edit
from krm_fn.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = [
    "ListStyle",
    "json_style",
    "render_list",
    "render_scalar",
    "replace_list",
    "replace_scalar",
]


class ListStyle(Record):
    """How a new list is laid out: items' column relative to their key, or flow; and the
    quoting of its items (that of the items it replaces, `"` in JSON, or "" for plain where
    safe)."""

    __slots__ = ("offset", "flow", "quote")

    def __init__(self, offset: int = 0, flow: bool = False, quote: str = "") -> None:
        self.offset: Final = offset
        self.flow: Final = flow
        self.quote: Final = quote


# Characters that can start and continue a plain scalar anywhere (block or flow), chosen
# narrowly: image references, flags and paths stay plain; anything else is quoted.
_PLAIN = re.compile(r"[A-Za-z0-9_./@+=~-][A-Za-z0-9_./@+=~:-]*", re.ASCII)
# YAML 1.2 core numbers, some of which YAML 1.1 reads as strings (`0e12`, `0o17`): quoted
# too, so every reader agrees.
_YAML12_NUMBER = re.compile(
    r"[-+]?(?:0o[0-7]+|0x[0-9a-fA-F]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)",
    re.ASCII,
)
# Characters a YAML double-quoted scalar must escape that json.dumps leaves alone.
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def render_scalar(value: str, style: str = "") -> str:
    """YAML text for the string `value`, read back as the same string by YAML 1.1 and 1.2.

    `style` is the style to keep (`'`, or "" for plain); plain falls back to double quotes
    when the value would not stay a string, e.g. `"1.10"`, `"yes"`, `"0e12"`, and any other
    style (`"`, a block scalar's `|` or `>`) is double-quoted.
    """
    if style == "" and _is_plain_safe(value):
        return value
    if style == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return _UNPRINTABLE.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False)
    )


def _is_plain_safe(value: str) -> bool:
    return (
        _PLAIN.fullmatch(value) is not None
        and value not in ("-", "---", "...")
        and not value.endswith(":")
        and _YAML12_NUMBER.fullmatch(value) is None
        and nodes.tag_of(ScalarNode(nodes.PLAIN_TAG, value)) == nodes.STR_TAG
    )


def replace_scalar(text: str, node: ScalarNode, value: str, plain: str = "") -> Edit:
    """Replace a scalar's value, keeping its tag, anchor, quoting style and comments; a plain
    one takes the style `plain` (`"` in JSON, whose plain scalars are not strings)."""
    end = node.end_mark.index
    start = _value_start(text, node.start_mark.index, end)
    style = node.style or plain
    comment = ""
    if style in ("|", ">"):  # block scalar: from its indicator to its last text, in quotes
        end = edits.text_end(text, node)
        header = text[start : edits.line_end(text, start)[0]].rstrip()
        comment = header[len(header.split("#", 1)[0].rstrip()) :]  # the header's, if any
    new = render_scalar(value, style) + comment
    if start == end and start and not text[start - 1].isspace():
        new = " " + new  # an empty value right after `key:` (`key:value` would be a key)
    return Edit(start, end, 0, new)


def _value_start(text: str, pos: int, end: int) -> int:
    """Skip a node's properties (`!tag`, `&anchor`) and the space or comments after them, up
    to the node's end (an empty value, `key: &a`, starts where its properties end)."""
    while pos < end and text[pos] in "!&":
        while pos < end and not text[pos].isspace():
            pos += 1
        while pos < end and (text[pos].isspace() or text[pos] == "#"):
            pos = edits.line_end(text, pos)[0] if text[pos] == "#" else pos + 1
    return pos


def render_list(values: Sequence[str], style: ListStyle, column: int, eol: str) -> str:
    """A list value as text that follows `key:` (flow: ` [a, b]`; block: lines at column)."""
    if style.flow:
        return " [" + ", ".join(render_scalar(v, style.quote) for v in values) + "]"
    pad = " " * (column + style.offset)
    return "".join(f"{eol}{pad}- {render_scalar(v, style.quote)}" for v in values)


def replace_list(text: str, seq: SequenceNode, values: Sequence[str], quote: str) -> Edit:
    """Replace a list's items (new ones quoted with `quote` where not plain), keeping its
    tag, anchor, comments before its first item, and layout: flow, or block at its column."""
    end = edits.text_end(text, seq)
    start = _value_start(text, seq.start_mark.index, end)  # the `[`, or the first item's `-`
    eol = edits.eol_at(text, start)
    style = ListStyle(flow=bool(seq.flow_style), quote=quote)
    items = render_list(values, style, start - edits.line_start(text, start), eol)
    return Edit(start, end, 0, items.lstrip())


def json_style(mapping: MappingNode, key: ScalarNode) -> bool:
    """Whether new entries of `mapping` are written as JSON: it is a flow mapping and its
    key `key` is double-quoted (a JSON document, or JSON's style in YAML)."""
    return bool(mapping.flow_style) and key.style == '"'
