"""Edits: which span of a document's text becomes which text, and splicing them in; and
where things are in the text (where an entry starts and ends, its column, its line).

The output is the input with edits spliced in; nothing else is re-serialized. Inserted
keys take the column of the key they follow (of its `?` when it is an explicit key), on a
line of their own in a block mapping, after a comma in a flow mapping; lines keep their
own line breaks. What new values look like is krm_fn.render's.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from operator import attrgetter

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import nodes
from krm_fn.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = [
    "BREAKS",
    "Edit",
    "OverlapError",
    "alias_end",
    "apply",
    "entry_column",
    "entry_start",
    "eol_at",
    "insert_after",
    "insert_lines",
    "line_end",
    "line_start",
    "ordered",
    "remove_entry",
    "split_lines",
    "text_end",
]


class Edit(Record):
    """Replace text[start:end] with `text`; `rank` orders insertions at one point."""

    __slots__ = ("start", "end", "rank", "text")

    def __init__(self, start: int, end: int, rank: int, text: str) -> None:
        self.start: Final = start
        self.end: Final = end
        self.rank: Final = rank
        self.text: Final = text


class OverlapError(ValueError):
    """Two edits want the same text (e.g. a locator's field inside a list an override
    replaces); the message says where."""


def ordered(text: str, edits: Iterable[Edit]) -> list[Edit]:
    """The edits in the order they apply. Raises OverlapError if two of them overlap."""
    out = sorted(edits, key=attrgetter("start", "end", "rank", "text"))
    for before, edit in itertools.pairwise(out):
        if edit.start < before.end:
            line = text.count("\n", 0, edit.start) + 1
            raise OverlapError(f"two edits overlap at line {line}; nothing in it was changed")
    return out


def apply(text: str, edits: Iterable[Edit]) -> str:
    """`text` with every edit spliced in. Raises OverlapError if two edits overlap."""
    out, pos = [], 0
    for edit in ordered(text, edits):
        out += [text[pos : edit.start], edit.text]
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


# --- entries -------------------------------------------------------------------------


def insert_after(
    text: str, mapping: MappingNode, anchor: tuple[ScalarNode, Node], entry: str, rank: int
) -> Edit:
    """Insert `key: value` text (`entry`, may span lines) after the entry `anchor`: in a
    block mapping on a line of its own at the column of the mapping's keys; in a flow
    mapping after a comma, on a line of its own when `anchor` has one (`-o json`'s layout)."""
    key, value = anchor
    end = _entry_end(text, key, value)
    start = entry_start(text, key)
    if mapping.flow_style and not _starts_line(text, start):
        return Edit(end, end, rank, ", " + entry)
    pad = " " * _column(key, start)
    if mapping.flow_style:
        return Edit(end, end, rank, "," + eol_at(text, end) + pad + entry)
    return insert_lines(text, end, pad + entry + eol_at(text, end), rank)


def entry_start(text: str, key: Node) -> int:
    """Where the entry of `key` starts: at its `?` if it is an explicit key (`? image`, or
    `{?image: app}` in a flow mapping, where no blank need follow the `?`)."""
    pos = at = key.start_mark.index
    while at and text[at - 1] in " \t":
        at -= 1
    return at - 1 if at and text[at - 1] == "?" else pos


def entry_column(text: str, key: Node) -> int:
    """The column of the entry of `key`, which its block mapping's other keys share."""
    return _column(key, entry_start(text, key))


def _column(key: Node, start: int) -> int:
    return int(key.start_mark.column) - (key.start_mark.index - start)


# YAML line breaks as libyaml reads them; new lines are written with CRLF, CR or LF.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
BREAKS = "\r\n\x85\u2028\u2029"


def line_end(text: str, pos: int) -> tuple[int, str]:
    """(where the line after `pos` starts, the line break); at the end: (len(text), "")."""
    found = _BREAK.search(text, pos)
    return (found.end(), found.group()) if found else (len(text), "")


def line_start(text: str, pos: int) -> int:
    """Where the line holding `pos` starts."""
    return max(text.rfind(c, 0, pos) for c in BREAKS) + 1


def eol_at(text: str, pos: int) -> str:
    """The line ending to write on the line holding `pos`: its own CRLF or CR, else LF."""
    brk = line_end(text, pos)[1]
    return brk if brk in ("\r\n", "\r") else "\n"


def split_lines(text: str) -> list[str]:
    """The lines of a text, split at YAML line breaks only (not at str.splitlines' others,
    such as form feeds, which YAML reads as text)."""
    lines = _BREAK.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def insert_lines(text: str, pos: int, lines: str, rank: int) -> Edit:
    """Insert `lines` (each ending with a line break) after the line holding `pos`; after a
    last line without a break, the break comes first and the final one is left out."""
    at, brk = line_end(text, pos)
    if brk:
        return Edit(at, at, rank, lines)
    body = lines.rstrip("\r\n")
    return Edit(len(text), len(text), rank, lines[len(body) :] + body)


def remove_entry(text: str, mapping: MappingNode, key: ScalarNode) -> Edit:
    """Remove the entry named by `key` node, with its line when it has a line of its own."""
    pairs = mapping.value
    index = next(i for i, (k, _) in enumerate(pairs) if k is key)
    start, end = entry_start(text, key), _entry_end(text, *pairs[index])
    if index + 1 < len(pairs) and (mapping.flow_style or not _starts_line(text, start)):
        return Edit(start, entry_start(text, pairs[index + 1][0]), 0, "")
    if mapping.flow_style:
        return Edit(_entry_end(text, *pairs[index - 1]), end, 0, "")
    return Edit(line_start(text, start), line_end(text, end)[0], 0, "")


def _starts_line(text: str, pos: int) -> bool:
    """Whether only blanks stand before `pos` on its line."""
    return text[line_start(text, pos) : pos].strip() == ""


def text_end(text: str, node: Node) -> int:
    """Where a node's text ends. A block collection's end mark runs on into the lines that
    follow; its text ends where its last entry's or item's does: an empty flow collection
    (`status: {}`) at its `}`, an alias (`key: *name`) after the alias itself, never at the
    anchor it names, which lies earlier in the text."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return _entry_end(text, *node.value[-1])
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return _item_end(text, node, list(nodes.all_items(node)), len(node.value) - 1)
    end = int(node.end_mark.index)
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        return node.start_mark.index + len(text[node.start_mark.index : end].rstrip())
    return end


def _entry_end(text: str, key: Node, value: Node) -> int:
    return (
        alias_end(text, key.end_mark.index) if nodes.is_alias(key, value) else text_end(text, value)
    )


def _item_end(text: str, seq: SequenceNode, items: list[tuple[int, Node, bool]], index: int) -> int:
    _, item, alias = items[index]
    if not alias:
        return text_end(text, item)
    before = _item_end(text, seq, items, index - 1) if index else seq.start_mark.index
    return alias_end(text, before)


# An alias value: what may stand between a key (or the text before an item) and the alias,
# then the alias token, `*` and the anchor's name, which ends at a blank or a flow indicator.
# A text: `re` compiles it when a run first edits next to an alias.
_ALIAS_VALUE = r"(?:[\s:?-]|#[^\r\n\x85\u2028\u2029]*)*\*[^\s,\[\]{}]+"


def alias_end(text: str, pos: int) -> int:
    """Where the alias that is the next value after `pos` (a key's end, or the end of the
    item before it) ends: `key: *name` and `- *name` compose to the anchored node, which
    carries no position of the alias itself."""
    found = re.compile(_ALIAS_VALUE).match(text, pos)
    assert found is not None, f"no alias after offset {pos}"
    return found.end()
