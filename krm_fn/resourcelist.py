"""The KRM ResourceList: its items and functionConfig in, the same text with edits and
`results` out (functions-spec.md). Results already in the input are replaced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import yaml
from yaml import MappingNode, Node

from krm_fn import documents, edits, nodes
from krm_fn.documents import Document
from krm_fn.edits import Edit
from krm_fn.results import Result, Severity

__all__ = ["API_VERSIONS", "ResourceList", "read", "write"]

API_VERSIONS = ("config.kubernetes.io/v1", "v1")


@dataclass(slots=True)
class ResourceList:
    root: MappingNode
    items: list[Node] = field(default_factory=list)
    function_config: Node | None = None
    problems: list[Result] = field(default_factory=list)


def read(root: MappingNode) -> ResourceList:
    """The ResourceList's parts; a malformed part becomes an error result, not an exception."""
    rl = ResourceList(root, function_config=nodes.get(root, "functionConfig"))
    if documents.is_empty(rl.function_config):
        rl.function_config = None
    items = nodes.get(root, "items")
    if not documents.is_empty(items) and not isinstance(items, yaml.SequenceNode):
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


def write(doc: Document, rl: ResourceList, item_edits: list[Edit], results: list[Result]) -> str:
    """The ResourceList's text with the item edits and the new `results` spliced in."""
    text = doc.text
    entry = nodes.get_entry(rl.root, "results")
    data = [r.to_data() for r in results]
    if rl.root.flow_style:
        new = _flow_results(text, rl.root, entry, data)
    else:
        new = _block_results(text, rl.root, entry, data)
    return edits.apply(text, [*item_edits, *new])


def _block_results(
    text: str,
    root: MappingNode,
    entry: tuple[yaml.ScalarNode, Node] | None,
    data: list[dict[str, object]],
) -> list[Edit]:
    column = root.value[0][0].start_mark.column if root.value else 0
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
        block = "".join(" " * column + line + eol for line in dumped.splitlines())
    if entry is not None:
        remove = edits.remove_entry(text, root, entry[0])
        return [Edit(remove.start, remove.end, 0, block)]
    if not block:
        return []
    end = edits.text_end(text, root.value[-1][1]) if root.value else len(text)
    newline = text.find("\n", end)
    if newline == -1:
        return [Edit(len(text), len(text), 0, eol + block.rstrip("\r\n"))]
    return [Edit(newline + 1, newline + 1, 0, block)]


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
        return [Edit(value.start_mark.index, edits.text_end(text, value), 0, json.dumps(data))]
    if not data:
        return []
    close = root.end_mark.index - 1
    separator = ", " if root.value else ""
    return [Edit(close, close, 0, f'{separator}"results": {json.dumps(data)}')]
