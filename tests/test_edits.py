"""The YAML text layer (krm_fn.edits): where a node's text ends, where new text goes, at
which column, in which syntax. Every edit is checked as exact text and as the data the
edited text parses to (YAML 1.1, or JSON where the input is JSON)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from yaml import MappingNode, Node, SequenceNode

from krm_fn import edits
from krm_fn.edits import Edit
from tests.texts import compose, data

MARK = "‸"  # where text_end must say a node's text ends (removed from the text)
Path = tuple[str | int, ...]


def _at(node: Node, path: Path) -> Node:
    """The node at `path`: mapping keys and sequence indexes, through aliases too."""
    for step in path:
        if isinstance(step, int):
            assert isinstance(node, SequenceNode)
            node = node.value[step]
        else:
            assert isinstance(node, MappingNode)
            node = next(v for k, v in node.value if k.value == step)
    return node


def _walk(node: Node, floor: int = -1) -> Iterator[Node]:
    """Every node of a document once, where it stands (aliases, which start before the
    entry or item that names them, are left out)."""
    if node.start_mark.index < floor:
        return
    yield node
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield from _walk(key, floor)
            yield from _walk(value, key.end_mark.index)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _walk(item, floor)
            floor = max(floor, item.start_mark.index)


# --- text_end ------------------------------------------------------------------------

# The last entry or item of a collection, MARK where its text ends.
TAILS = {
    "empty-flow-mapping": "status: {}‸",
    "empty-flow-sequence": "ports: []‸",
    "flow-mapping": "data: {a: 1, b: *a}‸",
    "flow-sequence-multiline": "args: [\n  a,\n  *a\n]‸",
    "alias-value": "key: *a‸",
    "alias-item": "- 1\n- *a‸",
    "alias-only-item": "- *a‸",
    "alias-items": "- *a\n- *a‸",
    "empty-flow-item": "- {}‸",
    "null-value": "key:‸",
    "comment-after-value": "image: app‸ # built by CI",
    "comment-after-alias": "key: *a‸ # shared",
    "comment-lines-after": "image: app‸\n# a comment\n  # another",
    "single-quoted": "image: 'app'‸",
    "double-quoted-multiline": 'image: "a\n  b"‸',
    "plain-multiline": "image: a\n  b‸",
    "literal-strip": "image: |-\n  app‸\n\n",
    "literal-keep": "image: |+\n  app‸\n\n",
    "literal-clip-comment": "image: | # built by CI\n  app\n  more‸\n",
    "folded-keep": "image: >+\n  app‸\n\n\n",
    "empty-literal": "image: |-‸\n",
    "explicit-key": "? image\n: app‸",
    "explicit-key-alias": "? key\n: *a‸",
}


def _nest(tail: str, shape: str) -> tuple[str, list[Path]]:
    """The tail as the last entry at every level of `shape` (m: a mapping's last entry, s: a
    compact sequence's last item, i: an indented sequence's last item), under a root mapping
    that defines the anchor `a`; and the paths of the collections that end where it does."""
    body, steps = tail, list[str | int]()
    for level, kind in enumerate(reversed(shape)):
        if kind == "m":
            body = f"before{level}: 1\nm{level}:\n" + _indent(body, "  ")
            steps[0:0] = [f"m{level}"]
        elif kind == "s":
            body = "- 0\n- " + _indent(body, "  ")[2:]
            steps[0:0] = [1]
        else:
            body = f"seq{level}:\n  - 0\n  - " + _indent(body, "    ")[4:]
            steps[0:0] = [f"seq{level}", 1]
    text = "first: &a x\nroot:\n" + (body if body.startswith("-") else _indent(body, "  "))
    path = ("root", *steps)
    return text, [path[:i] for i in range(len(path) + 1)]


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line if line.strip() else line for line in text.split("\n"))


SHAPES = ["", "m", "s", "mm", "ms", "sm", "ss", "msm", "i", "mi", "ims"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("tail", TAILS.values(), ids=TAILS)
@pytest.mark.parametrize("ending", ["\n", "\r\n", "no-final-newline", "\n# end\n"])
def test_text_end(tail: str, shape: str, ending: str) -> None:
    """A collection's text ends where its last entry's or item's does, at every level."""
    marked, paths = _nest(tail, shape)
    if ending == "\r\n":
        marked = marked.replace("\n", "\r\n") + "\r\n"
    elif ending == "no-final-newline":
        marked = marked.rstrip("\n")
    else:
        marked += ending
    text, end = marked.replace(MARK, ""), marked.index(MARK)
    root = compose(text)
    for path in paths:
        node = _at(root, path)
        assert edits.text_end(text, node) == end, (path, text[: edits.text_end(text, node)])
    for node in _walk(root):
        found = edits.text_end(text, node)
        assert node.start_mark.index <= found <= node.end_mark.index, text[node.start_mark.index :]
        if found > node.start_mark.index:
            assert not text[found - 1].isspace(), text[node.start_mark.index : found]


def test_nest_makes_what_it_says() -> None:
    text, paths = _nest("status: {}‸", "ms")
    assert text == "first: &a x\nroot:\n  before1: 1\n  m1:\n    - 0\n    - status: {}‸"
    assert paths == [(), ("root",), ("root", "m1"), ("root", "m1", 1)]
    text, paths = _nest("key: *a‸", "i")
    assert text == "first: &a x\nroot:\n  seq0:\n    - 0\n    - key: *a‸"
    assert paths == [(), ("root",), ("root", "seq0"), ("root", "seq0", 1)]


@pytest.mark.parametrize(
    "marked",
    [
        "{a: 1, b: [1, 2]}‸\n",
        '{\n  "a": 1,\n  "b": {}\n}‸',
        "[1, {a: b}]‸ # c\n",
        "key: [\n  1,\n  2,\n]‸\r\n",
    ],
)
def test_text_end_of_a_flow_collection(marked: str) -> None:
    text = marked.replace(MARK, "")
    assert edits.text_end(text, compose(text)) == marked.index(MARK)


# --- lines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: 2\n", "a: 1\nnew: x\nb: 2\n"),
        ("a: 1", "a: 1\nnew: x"),
        ("a: 1\r\nb: 2\r\n", "a: 1\r\nnew: x\r\nb: 2\r\n"),
        ("a: 1\r", "a: 1\rnew: x\r"),
    ],
)
def test_insert_lines(text: str, expected: str) -> None:
    eol = edits.eol_at(text, 0)
    if not expected.endswith(eol):
        eol = "\n"
        expected = expected.rstrip("\n")
    edit = edits.insert_lines(text, 2, "new: x" + (eol if "\r" in text else "\n"), 0)
    assert edits.apply(text, [edit]) == expected


def test_insert_lines_without_a_final_newline() -> None:
    assert edits.apply("a: 1", [edits.insert_lines("a: 1", 0, "b: 2\nc: 3\n", 0)]) == (
        "a: 1\nb: 2\nc: 3"
    )
    crlf = "x: 1\r\ny: 2"
    assert edits.apply(crlf, [edits.insert_lines(crlf, 8, "z: 3\r\n", 0)]) == crlf + "\r\nz: 3"


@pytest.mark.parametrize(
    ("text", "pos", "lines", "expected"),
    [
        ("a: 1\nb: 2\n", 2, "new: X\n", Edit(5, 5, 7, "new: X\n")),
        # only the final line break moves to the front: blanks and text stay where they are
        ("a: 1", 2, "new: X \n", Edit(4, 4, 7, "\nnew: X ")),
        ("a: 1", 2, "b: X\r\nc: X\r\n", Edit(4, 4, 7, "\r\nb: X\r\nc: X")),
    ],
)
def test_insert_lines_edit(text: str, pos: int, lines: str, expected: Edit) -> None:
    assert edits.insert_lines(text, pos, lines, 7) == expected


def test_insertions_at_one_point_come_out_by_rank() -> None:
    text = "a: 1"
    late, early = edits.insert_lines(text, 0, "b: 2\n", 2), edits.insert_lines(text, 0, "z: 1\n", 1)
    assert edits.apply(text, [late, early, Edit(0, 1, 0, "A")]) == "A: 1\nz: 1\nb: 2"


# An entry inserted after `image`, in a block mapping, a flow mapping on lines of its own
# and one on a single line; the insertion point is after `app`.
INSERTED = {
    "block": ("a: 1\nb:\n  image: app\n  name: x\n", Edit(21, 21, 5, "  new: X\n")),
    "flow-lines": ("b: {\n  image: app,\n  name: x\n}\n", Edit(17, 17, 5, ",\n  new: X")),
    "flow-lines-crlf": ("b: {\r\n  image: app\r\n}\r\n", Edit(18, 18, 5, ",\r\n  new: X")),
    "flow": ("b: {image: app, name: x}\n", Edit(14, 14, 5, ", new: X")),
}


@pytest.mark.parametrize(("text", "expected"), INSERTED.values(), ids=INSERTED)
def test_insert_after(text: str, expected: Edit) -> None:
    mapping = compose(text).value[-1][1]
    assert isinstance(mapping, MappingNode)
    key, value = next((k, v) for k, v in mapping.value if k.value == "image")
    assert edits.insert_after(text, mapping, (key, value), "new: X", 5) == expected
    # entries inserted at one point come out in the order of their ranks, not of their text
    ranked = [
        edits.insert_after(text, mapping, (key, value), entry, rank)
        for entry, rank in [("a: 2", 2), ("z: 1", 1)]
    ]
    out = edits.apply(text, ranked)
    assert out.index("z: 1") < out.index("a: 2")
    assert data(out)["b"] == {**data(text)["b"], "a": 2, "z": 1}


def test_entry_start_and_column() -> None:
    text = "- ? image\n  : app\n  ?  name\n  : c\n  plain: x\n"
    root = compose(text)
    keys = [k for k, _ in _at(root, (0,)).value]
    assert [edits.entry_start(text, k) for k in keys] == [2, 20, 36]
    assert [edits.entry_column(text, k) for k in keys] == [2, 2, 2]
    flow = '{"a": 1, "b": 2}'
    key = compose(flow).value[1][0]
    assert edits.entry_start(flow, key) == key.start_mark.index == 9
    assert "?" not in flow[: edits.entry_start(flow, key)]
    # in a flow mapping a `?` needs no blank after it
    explicit = "{?a: 1, ? b: 2}"
    assert [edits.entry_start(explicit, k) for k, _ in compose(explicit).value] == [1, 8]
    # a `?` at the end of the text is not before a key at its start
    trailing = "a: 1\n?"
    assert edits.entry_start(trailing, compose(trailing).value[0][0]) == 0


@pytest.mark.parametrize(
    ("text", "pos", "start"),
    [
        ("\nab", 2, 1),
        ("ab", 1, 0),
        ("a\r\nb\x85c\u2028d\u2029e", 6, 5),
        ("a\r\nb\x85c\u2028d\u2029e", 8, 7),
        ("a\nb\rc", 5, 4),
    ],
)
def test_line_start(text: str, pos: int, start: int) -> None:
    assert edits.line_start(text, pos) == start


def test_overlapping_edits_are_refused() -> None:
    text = "\na: 1\nb: 2\nc: 3\nd: 4\n"
    with pytest.raises(edits.OverlapError) as refused:
        edits.apply(text, [Edit(6, 10, 0, "x"), Edit(9, 11, 0, "y")])
    assert str(refused.value) == "two edits overlap at line 3; nothing in it was changed"


# --- remove_entry at the top level (a ResourceList's results) ----------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nresults: []\nb: 2\n", "a: 1\nb: 2\n"),
        ("a: 1\nresults:\n- x\n# after\n", "a: 1\n# after\n"),
        ("a: 1\r\nresults: [] # c\r\n", "a: 1\r\n"),
        ("a: 1\nresults: *x", None),
        ("? a\n: 1\n? results\n: []\n? b\n: 2\n", "? a\n: 1\n? b\n: 2\n"),
        ('{"a": 1, "results": []}', '{"a": 1}'),
        ('{"results": [], "a": 1}', '{"a": 1}'),
        # a flow mapping's entries on lines of their own: up to the next entry, or from the
        # end of the one before
        ('{\n  "results": [],\n  "a": 1\n}', '{\n  "a": 1\n}'),
        ('{\n  "a": 1,\n  "results": []\n}', '{\n  "a": 1\n}'),
        ("# YAML\n{a: 1, results: [], b: 2}", "# YAML\n{a: 1, b: 2}"),
        ("# YAML\n{a: 1,\n results: [x], # c\n b: 2}", "# YAML\n{a: 1,\n b: 2}"),
        ("# YAML\n{x: &x [1], a: *x, results: []}", "# YAML\n{x: &x [1], a: *x}"),
    ],
)
def test_remove_entry(text: str, expected: str | None) -> None:
    if expected is None:  # an alias value ends at the alias, not at its anchor
        text = "x: &x [1]\n" + text
        expected = "x: &x [1]\na: 1\n"
    root = compose(text)
    assert isinstance(root, MappingNode)
    key = next(k for k, _ in root.value if k.value == "results")
    removal = edits.remove_entry(text, root, key)
    assert (removal.rank, removal.text) == (0, "")
    out = edits.apply(text, [removal])
    assert out == expected
    with pytest.raises(edits.OverlapError):  # nothing else may change what it removes
        edits.apply(text, [removal, removal.replace(text="x")])
    expected_data = data(text)
    del expected_data["results"]
    assert data(out) == expected_data


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", []),
        ("\n", [""]),
        ("a\nb", ["a", "b"]),
        ("a\nb\n", ["a", "b"]),  # a final break ends the last line, it starts none
        ("a\n\n", ["a", ""]),
        ("a\fb\r\nc\rd\n", ["a\fb", "c", "d"]),  # a form feed is text to YAML
        ("a\x85b\u2028c\u2029", ["a", "b", "c"]),
    ],
)
def test_split_lines_at_yaml_breaks(text: str, lines: list[str]) -> None:
    assert edits.split_lines(text) == lines
