"""The KRM ResourceList: its items and functionConfig in, the same text with edits and
`results` out (functions-spec.md). Results already in the input are replaced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import yaml
from yaml import MappingNode, Node

from krm_fn import documents, edits, nodes
from krm_fn.documents import Document
from krm_fn.edits import Edit
from krm_fn.results import Result, Severity

__all__ = ["API_VERSIONS", "ResourceList", "as_item", "read", "write"]

API_VERSIONS = ("config.kubernetes.io/v1", "v1")
# Where edits meet at one spot (the end of the last item), the items' own insertions come
# first, then new items, then the results.
_ITEMS_RANK, _RESULTS_RANK = 8, 9


class ResourceList:
    """A ResourceList's root node, its items and functionConfig, and what is wrong with it."""

    __slots__ = ("function_config", "items", "problems", "root")

    def __init__(self, root: MappingNode, function_config: Node | None) -> None:
        self.root, self.function_config = root, function_config
        self.items: list[Node] = []
        self.problems: list[Result] = []

    @property
    def flow(self) -> bool:
        """A flow (JSON) ResourceList: new items go in as JSON, not as YAML documents."""
        return bool(self.root.flow_style)


def read(root: MappingNode) -> ResourceList:
    """The ResourceList's parts; a malformed part becomes an error result, not an exception."""
    rl = ResourceList(root, function_config=nodes.get(root, "functionConfig"))
    if documents.is_null(rl.function_config):
        rl.function_config = None
    items = nodes.get(root, "items")
    if not documents.is_null(items) and not isinstance(items, yaml.SequenceNode):
        rl.problems.append(_problem("items", "expected a list of objects"))
        return rl
    for index, item in nodes.items(items):
        if isinstance(item, MappingNode):
            rl.items.append(item)
        else:
            rl.problems.append(_problem(f"items[{index}]", "expected an object (a mapping)"))
    return rl


def _problem(path: str, message: str) -> Result:
    return Result(Severity.ERROR, f"ResourceList {path}: {message}")


def write(
    doc: Document,
    rl: ResourceList,
    item_edits: list[Edit],
    results: list[Result],
    new_items: Sequence[str] = (),
) -> str:
    """The ResourceList's text with the item edits, the new items (documents' texts,
    appended to `items`) and the new `results` spliced in."""
    text = doc.text
    entry = nodes.get_entry(rl.root, "results")
    data = [r.to_data() for r in results]
    if rl.flow:
        new = _flow_results(text, rl.root, entry, data)
        new += _flow_items(text, rl.root, new_items)
    else:
        new = _block_results(text, rl.root, entry, data)
        new += _block_items(text, rl.root, new_items)
        if not text.endswith(tuple(edits.BREAKS)) and any(e.start == len(text) for e in new):
            new += _strip_last_block_scalar(text, rl.root, item_edits)
    return edits.apply(text, [*item_edits, *new])


def _strip_last_block_scalar(text: str, root: MappingNode, item_edits: list[Edit]) -> list[Edit]:
    """A block scalar (`|`, `>`) that ends the text with no line break after it holds no
    final newline; the lines appended after it would give it one, unless its header says to
    strip it (`|-`): the same value, so the same data."""
    node: yaml.Node = root
    while isinstance(node, MappingNode | yaml.SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    if not (isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")):
        return []
    start = node.start_mark.index
    if text[start] not in "|>" or any(e.start <= start < e.end for e in item_edits):
        return []  # an alias's anchor elsewhere, or a value an item edit replaces
    header = re.match(r"[|>]([1-9]?[+-]?[1-9]?)", text[start:])
    assert header is not None
    indicators = header.group(1)
    if "-" in indicators:
        return []
    if "+" in indicators:
        plus = start + 1 + indicators.index("+")
        return [Edit(plus, plus + 1, 0, "-")]
    return [Edit(start + 1, start + 1, 0, "-")]


def _block_items(text: str, root: MappingNode, new_items: Sequence[str]) -> list[Edit]:
    """Documents appended to a block `items` list, each indented as an item of it."""
    if not new_items:
        return []
    entry = nodes.get_entry(root, "items")
    eol = "\r\n" if "\r\n" in text else "\n"
    items = entry[1] if entry else None
    if isinstance(items, yaml.SequenceNode) and items.value and not items.flow_style:
        column = items.start_mark.column
        body = "".join(as_item(doc, column, eol) for doc in new_items)
        return [edits.insert_lines(text, edits.text_end(text, items), body, _ITEMS_RANK)]
    body = "".join(as_item(doc, 0, eol) for doc in new_items)
    if entry is None:  # no items at all: add the key after the last entry
        end = edits.text_end(text, root) if root.value else len(text)
        return [edits.insert_lines(text, end, "items:" + eol + body, _ITEMS_RANK)]
    # `items: []` or `items:` (null): the value becomes the block list
    start = entry[0].end_mark.index
    return [
        Edit(start, edits.text_end(text, entry[1]), _ITEMS_RANK, ":" + eol + body.rstrip("\r\n"))
    ]


def as_item(doc: str, column: int, eol: str) -> str:
    """A document's text as an item of a block list at `column` (its `---` line dropped)."""
    lines = edits.split_lines(doc)
    if lines and lines[0].startswith("---"):
        rest = lines[0][3:].strip()
        lines = ([rest] if rest else []) + lines[1:]
    while lines and not lines[-1].strip():
        lines.pop()
    pad = " " * column
    first, *others = lines or ["{}"]
    return "".join(
        [pad + "- " + first + eol] + [(pad + "  " + line if line else "") + eol for line in others]
    )


def _flow_items(text: str, root: MappingNode, new_items: Sequence[str]) -> list[Edit]:
    """Items (as JSON text: see `ResourceList.flow`) appended to a flow `items` list."""
    entry = nodes.get_entry(root, "items")
    if not new_items or entry is None or not isinstance(entry[1], yaml.SequenceNode):
        return []
    close = entry[1].end_mark.index - 1
    separator = ", " if entry[1].value else ""
    return [Edit(close, close, _ITEMS_RANK, separator + ", ".join(new_items))]


def _block_results(
    text: str,
    root: MappingNode,
    entry: tuple[yaml.ScalarNode, Node] | None,
    data: list[dict[str, object]],
) -> list[Edit]:
    column = edits.entry_column(text, root.value[0][0]) if root.value else 0
    eol = "\r\n" if "\r\n" in text else "\n"
    block = ""
    if data:
        dumped = yaml.dump(
            {"results": data},
            Dumper=yaml.CSafeDumper,
            default_flow_style=False,
            sort_keys=False,
            allow_unicode=True,
            width=2**31 - 1,
        )
        block = "".join(" " * column + line + eol for line in edits.split_lines(dumped))
    if entry is not None:
        remove = edits.remove_entry(text, root, entry[0])
        return [Edit(remove.start, remove.end, _RESULTS_RANK, block)]
    if not block:
        return []
    end = edits.text_end(text, root) if root.value else len(text)
    return [edits.insert_lines(text, end, block, _RESULTS_RANK)]


def _flow_results(
    text: str,
    root: MappingNode,
    entry: tuple[yaml.ScalarNode, Node] | None,
    data: list[dict[str, object]],
) -> list[Edit]:
    if entry is not None:
        value = entry[1]
        if not data:
            return [edits.remove_entry(text, root, entry[0])]
        return [
            Edit(
                value.start_mark.index, edits.text_end(text, value), _RESULTS_RANK, json.dumps(data)
            )
        ]
    if not data:
        return []
    new = f'"results": {json.dumps(data)}'
    last = root.value[-1] if root.value else None
    if last is not None and isinstance(last[0], yaml.ScalarNode):  # with the others' layout
        return [edits.insert_after(text, root, (last[0], last[1]), new, _RESULTS_RANK)]
    close = root.end_mark.index - 1
    return [Edit(close, close, _RESULTS_RANK, (", " if root.value else "") + new)]
