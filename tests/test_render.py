"""New YAML text for values (krm_fn.render): strings as YAML 1.1 and 1.2 read them back,
lists in flow or block layout, a scalar's or a list's value replaced in place, and JSON's
syntax where the mapping is JSON's. Every edit is checked as exact text and as the data it
parses to."""

from __future__ import annotations

import json

import pytest
import yaml
from yaml import MappingNode, ScalarNode, SequenceNode

from krm_fn import edits, render
from krm_fn.render import ListStyle, render_scalar
from tests.texts import compose, data


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("nginx", "nginx"),
        ("localhost:5000/app:tilt-1", "localhost:5000/app:tilt-1"),
        ("--dry-run=false", "--dry-run=false"),
        ("-c", "-c"),
        ("yes", '"yes"'),
        ("on", '"on"'),
        ("1.10", '"1.10"'),
        ("0e12", '"0e12"'),
        ("1:20", '"1:20"'),
        ("0o17", '"0o17"'),
        ("2001-01-01", '"2001-01-01"'),
        ("~", '"~"'),
        ("", '""'),
        ("-", '"-"'),
        ("---", '"---"'),  # plain, a document marker at a line start
        ("...", '"..."'),
        ("key:", '"key:"'),  # plain, a mapping's key
        ("a b", '"a b"'),
        ("x: y", '"x: y"'),
        ("[::1]:5000/a", '"[::1]:5000/a"'),
        ("tab\there", '"tab\\there"'),
        ("line\u2028break", '"line\\u2028break"'),
        ("é", '"é"'),
    ],
)
def test_render_scalar(value: str, text: str) -> None:
    assert render_scalar(value) == text
    assert yaml.safe_load(f"k: {text}") == {"k": value}  # YAML 1.1 reads it back


def test_single_quotes_kept() -> None:
    assert render_scalar("it's", "'") == "'it''s'"
    assert render_scalar("tab\there", "'") == '"tab\\there"'  # not printable: double


@pytest.mark.parametrize("value", ["app", "yes", "a\u2028b\x85", 'q"\\', "é\x7f"])
def test_double_quotes_are_json(value: str) -> None:
    text = render_scalar(value, '"')
    assert json.loads(text) == value
    assert yaml.safe_load(text) == value


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("image: app\n", "new", "image: new\n"),
        ("image: 'app' # c\n", "it's", "image: 'it''s' # c\n"),
        ('image: "app"\n', "yes", 'image: "yes"\n'),
        ("image: app\n", "yes", 'image: "yes"\n'),
        ("image: !!str app\n", "new", "image: !!str new\n"),
        ("image: &img app\n", "new", "image: &img new\n"),
        # a tag or anchor, then a comment (and comment lines), then the value
        ("image: !!str # c\n  app\n", "new", "image: !!str # c\n  new\n"),
        ("image: &a # c\n  app\n", "new", "image: &a # c\n  new\n"),
        ("image: !!str &a # c\n  # d\n  app\n", "new", "image: !!str &a # c\n  # d\n  new\n"),
        ("image: &a\n  app\n", "new", "image: &a\n  new\n"),
        ("- &a # c\n  'app'\n", "it's", "- &a # c\n  'it''s'\n"),
        ("image:\n", "new", "image: new\n"),
        ("image: |-\n  app\nnext: 1\n", "new", 'image: "new"\nnext: 1\n'),
        (
            "image: |- # built by CI\n  app\nnext: 1\n",
            "new",
            'image: "new" # built by CI\nnext: 1\n',
        ),
        ("image: >-   #c\r\n  a\r\n  b\r\n", "new", 'image: "new"   #c\r\n'),
        ("image: |+ # keep\n  app\n\n\n", "new", 'image: "new" # keep\n\n\n'),
        ("- |2- # indented\n   app\n- x\n", "new", '- "new" # indented\n- x\n'),
        ("image: !!str |-\n  app", "new", 'image: !!str "new"'),
        ("? image\n: |- # c\n  app\n", "new", '? image\n: "new" # c\n'),
        ('{"image": "app"}', "new", '{"image": "new"}'),
        ('{"image":"app"}', "new", '{"image":"new"}'),
        ("[app]", "new", "[new]"),
        ("image: Xapp\n", "new", "image: new\n"),
        # an empty value with properties starts where they end, not on the next line
        ("image: &a\n", "new", "image: &a new\n"),
        ("image: &a", "new", "image: &a new"),
        ("image: !!str # c\nnext: 1\n", "new", "image: !!str new # c\nnext: 1\n"),
        ("-\n", "new", "- new\n"),
    ],
)
def test_replace_scalar(text: str, value: str, expected: str) -> None:
    root = compose(text)
    node = root.value[0] if isinstance(root, SequenceNode) else root.value[0][1]
    assert isinstance(node, ScalarNode)
    edit = render.replace_scalar(text, node, value)
    assert edit.rank == 0
    out = edits.apply(text, [edit])
    assert out == expected
    found = data(out)
    assert (found[0] if isinstance(found, list) else found["image"]) == value


# --- lists ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "style", "eol", "expected"),
    [
        (["/bin/sh", "-c"], ListStyle(), "\n", "\n    - /bin/sh\n    - -c"),
        (["a", "yes"], ListStyle(offset=2), "\r\n", '\r\n      - a\r\n      - "yes"'),
        (["a", "it's"], ListStyle(quote="'"), "\n", "\n    - 'a'\n    - 'it''s'"),
        (["/bin/sh", "1.10"], ListStyle(flow=True), "\n", ' [/bin/sh, "1.10"]'),
        (["a, b", "c"], ListStyle(flow=True), "\n", ' ["a, b", c]'),
        (["a", "b"], ListStyle(flow=True, quote='"'), "\n", ' ["a", "b"]'),
    ],
)
def test_render_list(values: list[str], style: ListStyle, eol: str, expected: str) -> None:
    text = render.render_list(values, style, 4, eol)
    assert text == expected
    assert yaml.safe_load("k:" + text) == {"k": values}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"name": "c", "image": "app"}', True),
        ("{name: c, image: app}", False),
        ('{name: c, "image": app}', True),
        ('"name": c\n"image": app\n', False),  # a block mapping: YAML's syntax
    ],
)
def test_json_style(text: str, expected: bool) -> None:
    root = compose(text)
    assert isinstance(root, MappingNode)
    assert render.json_style(root, root.value[1][0]) is expected


@pytest.mark.parametrize(
    ("text", "quote", "expected"),
    [
        ("command: [a, b]\n", "", 'command: [x, "yes"]\n'),
        ("command: !!seq &c [a]\n", "'", "command: !!seq &c ['x', 'yes']\n"),
        ("command: # c\n  - a\n  - b\nnext: 1\n", "", 'command: # c\n  - x\n  - "yes"\nnext: 1\n'),
        ("command:\n- a\n", "", 'command:\n- x\n- "yes"\n'),
        ("command: &c\r\n    - a\r\n", '"', 'command: &c\r\n    - "x"\r\n    - "yes"\r\n'),
        ('{"command": ["a"]}', '"', '{"command": ["x", "yes"]}'),
        ("command:\n  - a\n  - |-\n    b\nnext: 1\n", "", 'command:\n  - x\n  - "yes"\nnext: 1\n'),
    ],
)
def test_replace_list(text: str, quote: str, expected: str) -> None:
    root = compose(text)
    assert isinstance(root, MappingNode)
    seq = root.value[0][1]
    assert isinstance(seq, SequenceNode)
    edit = render.replace_list(text, seq, ["x", "yes"], quote)
    assert edit.rank == 0
    out = edits.apply(text, [edit])
    assert out == expected
    assert data(out)["command"] == ["x", "yes"]
