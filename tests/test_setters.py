"""Setting a key of a mapping in the text (krm_fn.setters): a pull policy or tag replaced
or inserted, a command or args list set, replaced or removed, in the mapping's own syntax.
Every edit is checked as exact text, as the data it parses to, and as a fixed point."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from yaml import ScalarNode

from krm_fn import edits, nodes, render, setters
from krm_fn.edits import Edit
from krm_fn.fields import Container
from krm_fn.locate import find
from krm_fn.nodes import Entry
from krm_fn.render import ListStyle
from tests.texts import compose, data

# --- set_scalar: the pull policy, inserted or replaced ----------------------------------

PULL = {
    "block-compact": (
        "containers:\n- name: c\n  image: app\n",
        "containers:\n- name: c\n  image: app\n  imagePullPolicy: IfNotPresent\n",
    ),
    "block-indented": (
        "containers:\n    - name: c\n      image: app\n      env: []\n",
        "containers:\n    - name: c\n      image: app\n      imagePullPolicy: IfNotPresent\n"
        "      env: []\n",
    ),
    "image-first": (
        "containers:\n- image: app\n  name: c\n",
        "containers:\n- image: app\n  imagePullPolicy: IfNotPresent\n  name: c\n",
    ),
    "comment-after-value": (
        "containers:\n- image: app # built by CI\n  # about name\n  name: c\n",
        "containers:\n- image: app # built by CI\n  imagePullPolicy: IfNotPresent\n"
        "  # about name\n  name: c\n",
    ),
    "block-scalar-value": (
        "containers:\n- image: |-\n    app\n\n  name: c\n",
        "containers:\n- image: |-\n    app\n  imagePullPolicy: IfNotPresent\n\n  name: c\n",
    ),
    "crlf": (
        "containers:\r\n- name: c\r\n  image: app\r\n",
        "containers:\r\n- name: c\r\n  image: app\r\n  imagePullPolicy: IfNotPresent\r\n",
    ),
    "no-final-newline": (
        "containers:\n- name: c\n  image: app",
        "containers:\n- name: c\n  image: app\n  imagePullPolicy: IfNotPresent",
    ),
    "explicit-key": (
        "containers:\n- ? name\n  : c\n  ? image\n  : app\n",
        "containers:\n- ? name\n  : c\n  ? image\n  : app\n  imagePullPolicy: IfNotPresent\n",
    ),
    "explicit-key-first": (
        "containers:\n  - ? image\n    : app # c\n    name: c\n",
        "containers:\n  - ? image\n    : app # c\n    imagePullPolicy: IfNotPresent\n    name: c\n",
    ),
    "flow": (
        "containers: [{name: c, image: app}]\n",
        "containers: [{name: c, image: app, imagePullPolicy: IfNotPresent}]\n",
    ),
    "flow-multiline": (
        "containers: [{\n  name: c,\n  image: app\n}]\n",
        "containers: [{\n  name: c,\n  image: app,\n  imagePullPolicy: IfNotPresent\n}]\n",
    ),
    "json": (
        '{"containers": [{"name": "c", "image": "app"}]}',
        '{"containers": [{"name": "c", "image": "app", "imagePullPolicy": "IfNotPresent"}]}',
    ),
    "json-multiline": (
        '{\n  "containers": [\n    {\n      "image": "app",\n      "name": "c"\n    }\n  ]\n}\n',
        '{\n  "containers": [\n    {\n      "image": "app",\n'
        '      "imagePullPolicy": "IfNotPresent",\n      "name": "c"\n    }\n  ]\n}\n',
    ),
    "json-crlf": (
        '{\r\n "containers": [{\r\n  "image": "app"\r\n }]\r\n}',
        '{\r\n "containers": [{\r\n  "image": "app",\r\n  "imagePullPolicy": "IfNotPresent"\r\n'
        " }]\r\n}",
    ),
    "replace-plain": (
        "containers:\n- image: app\n  imagePullPolicy: Always # why\n",
        "containers:\n- image: app\n  imagePullPolicy: IfNotPresent # why\n",
    ),
    "replace-quoted": (
        "containers:\n- image: app\n  imagePullPolicy: 'Always'\n",
        "containers:\n- image: app\n  imagePullPolicy: 'IfNotPresent'\n",
    ),
    "replace-explicit": (
        "containers:\n- ? image\n  : app\n  ? imagePullPolicy\n  : Always\n",
        "containers:\n- ? image\n  : app\n  ? imagePullPolicy\n  : IfNotPresent\n",
    ),
    "replace-block-scalar": (
        "containers:\n- image: app\n  imagePullPolicy: >- # was\n    Always\n",
        'containers:\n- image: app\n  imagePullPolicy: "IfNotPresent" # was\n',
    ),
    "replace-json": (
        '{"containers": [{"image": "app", "imagePullPolicy": "Always"}]}',
        '{"containers": [{"image": "app", "imagePullPolicy": "IfNotPresent"}]}',
    ),
    "replace-json-null": (
        '{"containers": [{"image": "app", "imagePullPolicy": null}]}',
        '{"containers": [{"image": "app", "imagePullPolicy": "IfNotPresent"}]}',
    ),
    "replace-json-number": (
        '{"containers": [{"image": "app", "imagePullPolicy": 1}]}',
        '{"containers": [{"image": "app", "imagePullPolicy": "IfNotPresent"}]}',
    ),
    "replace-yaml-null": (
        "containers:\n- image: app\n  imagePullPolicy: ~\n",
        "containers:\n- image: app\n  imagePullPolicy: IfNotPresent\n",
    ),
    "replace-mapping": (
        "containers:\n- image: app\n  imagePullPolicy:\n    a: b\n  name: c\n",
        "containers:\n- image: app\n  imagePullPolicy: IfNotPresent\n  name: c\n",
    ),
    "replace-list-explicit": (
        "containers:\n- image: app\n  ? imagePullPolicy\n  : - a\n",
        "containers:\n- image: app\n  imagePullPolicy: IfNotPresent\n",
    ),
    "replace-anchored-null": (  # the value goes after the anchor, not on the next line
        "containers:\n- image: app\n  imagePullPolicy: &p\n  name: c\n",
        "containers:\n- image: app\n  imagePullPolicy: &p IfNotPresent\n  name: c\n",
    ),
    "replace-mapping-alias": (
        "x: &x b\ncontainers:\n- image: app\n  imagePullPolicy:\n    a: *x\n  name: c\n",
        "x: &x b\ncontainers:\n- image: app\n  imagePullPolicy: IfNotPresent\n  name: c\n",
    ),
    "json-style-key": (  # JSON's style by the key, whatever the value's
        'containers: [{"name": c, "image": app}]\n',
        'containers: [{"name": c, "image": app, "imagePullPolicy": "IfNotPresent"}]\n',
    ),
    "replace-json-list": (
        '{"containers": [{"image": "app", "imagePullPolicy": []}]}',
        '{"containers": [{"image": "app", "imagePullPolicy": "IfNotPresent"}]}',
    ),
}


def _container(text: str) -> Container:
    located = find(compose(text), env=False)
    assert len(located.containers) == 1
    return located.containers[0]


def _anchor(c: Container) -> Entry:
    """The entry new keys of a container go after: its image's."""
    assert c.image is not None and c.image.key is not None
    return c.image.key, c.image.node


def _set_list(text: str, c: Container, key: str, values: Sequence[str]) -> list[Edit]:
    layout = setters.list_layout(text, c.node, c.seq, c.list_key)
    return setters.set_list(text, c.node, key, values, _anchor(c), layout)


def _check(text: str, out: str, expected: str, key: str, value: object) -> None:
    assert out == expected
    expected_data = data(text)
    if value is None:
        del expected_data["containers"][0][key]
    else:
        expected_data["containers"][0][key] = value
    assert data(out) == expected_data


@pytest.mark.parametrize(("text", "expected"), PULL.values(), ids=PULL)
def test_set_scalar(text: str, expected: str) -> None:
    c = _container(text)
    edit = setters.set_scalar(text, c.node, "imagePullPolicy", "IfNotPresent", _anchor(c))
    assert edit is not None
    assert edit.rank == (0 if "imagePullPolicy" in text else 3)  # command and args go first
    out = edits.apply(text, [edit])
    _check(text, out, expected, "imagePullPolicy", "IfNotPresent")
    again = _container(out)
    assert (
        setters.set_scalar(out, again.node, "imagePullPolicy", "IfNotPresent", _anchor(again))
        is None
    )


def test_set_scalar_quotes_what_yaml_would_not_read_as_a_string() -> None:
    text = "containers:\n- image: app\n"
    c = _container(text)
    edit = setters.set_scalar(text, c.node, "tag", "1.10", _anchor(c))
    assert edit == Edit(len(text), len(text), 0, '  tag: "1.10"\n')  # a key of no rank: 0
    _check(
        text, edits.apply(text, [edit]), 'containers:\n- image: app\n  tag: "1.10"\n', "tag", "1.10"
    )


# --- set_list: command and args, set or removed ---------------------------------------

CMD = ["/bin/sh", "-c"]
LISTS: dict[str, tuple[str, str, list[str]]] = {
    "insert-compact": (
        "containers:\n- name: c\n  image: app\n",
        "containers:\n- name: c\n  image: app\n  command:\n  - /bin/sh\n  - -c\n",
        CMD,
    ),
    "insert-indented": (
        "containers:\n  - name: c\n    image: app\n",
        "containers:\n  - name: c\n    image: app\n    command:\n      - /bin/sh\n      - -c\n",
        CMD,
    ),
    "insert-explicit-key": (
        "containers:\n- ? image\n  : app\n  name: c\n",
        "containers:\n- ? image\n  : app\n  command:\n  - /bin/sh\n  - -c\n  name: c\n",
        CMD,
    ),
    "insert-explicit-key-indented": (
        "containers:\n    - name: c\n      ? image\n      : app\n",
        "containers:\n    - name: c\n      ? image\n      : app\n"
        "      command:\n          - /bin/sh\n          - -c\n",  # the containers' indent
        CMD,
    ),
    "insert-crlf": (
        "containers:\r\n- image: app\r\n  name: c\r\n",
        "containers:\r\n- image: app\r\n  command:\r\n  - /bin/sh\r\n  - -c\r\n  name: c\r\n",
        CMD,
    ),
    "insert-no-final-newline": (
        "containers:\n- name: c\n  image: app",
        "containers:\n- name: c\n  image: app\n  command:\n  - /bin/sh\n  - -c",
        CMD,
    ),
    "insert-comment-after-value": (
        "containers:\n- image: app # c\n",
        "containers:\n- image: app # c\n  command:\n  - /bin/sh\n  - -c\n",
        CMD,
    ),
    "insert-flow": (
        "containers: [{name: c, image: app}]\n",
        'containers: [{name: c, image: app, command: [/bin/sh, -c, "yes"]}]\n',
        [*CMD, "yes"],
    ),
    "insert-json": (
        '{"containers": [{"image": "app"}]}',
        '{"containers": [{"image": "app", "command": ["/bin/sh", "-c"]}]}',
        CMD,
    ),
    "insert-json-multiline": (
        '{\n  "containers": [\n    {\n      "image": "app"\n    }\n  ]\n}',
        '{\n  "containers": [\n    {\n      "image": "app",\n'
        '      "command": ["/bin/sh", "-c"]\n    }\n  ]\n}',
        CMD,
    ),
    "replace-block": (
        "containers:\n- image: app\n  command:\n    - a # c\n    - b\n  name: c\n",
        "containers:\n- image: app\n  command:\n    - /bin/sh\n    - -c\n  name: c\n",
        CMD,
    ),
    "replace-block-anchored": (
        "containers:\n- image: app\n  command: &c # unused\n    - a\n  name: c\n",
        "containers:\n- image: app\n  command: &c # unused\n    - /bin/sh\n    - -c\n  name: c\n",
        CMD,
    ),
    "replace-block-explicit-crlf": (
        "containers:\r\n- image: app\r\n  ? command\r\n  : - a\r\n    - b\r\n",
        "containers:\r\n- image: app\r\n  ? command\r\n  : - /bin/sh\r\n    - -c\r\n",
        CMD,
    ),
    "replace-flow-tagged": (
        "containers:\n- image: app\n  command: !!seq &c [a, 'b']\n",
        "containers:\n- image: app\n  command: !!seq &c [/bin/sh, -c]\n",
        CMD,
    ),
    "replace-flow-quoted": (
        "containers:\n- image: app\n  command: ['a']\n",
        "containers:\n- image: app\n  command: ['/bin/sh', '-c']\n",
        CMD,
    ),
    "replace-flow-double-quoted": (
        'containers:\n- image: app\n  command: ["a"]\n',
        'containers:\n- image: app\n  command: ["/bin/sh", "-c"]\n',
        CMD,
    ),
    "replace-json-style-single-quoted": (  # JSON's style wins over the items' quotes
        'containers: [{"image": app, "command": [\'a\']}]\n',
        'containers: [{"image": app, "command": ["/bin/sh", "-c"]}]\n',
        CMD,
    ),
    "insert-json-style-key": (
        'containers: [{"image": app}]\n',
        'containers: [{"image": app, "command": ["/bin/sh", "-c"]}]\n',
        CMD,
    ),
    "replace-mapping-alias": (
        "x: &x b\ncontainers:\n- image: app\n  command:\n    a: *x\n  name: c\n",
        "x: &x b\ncontainers:\n- image: app\n  command:\n  - /bin/sh\n  - -c\n  name: c\n",
        CMD,
    ),
    "replace-json-empty": (
        '{"containers": [{"image": "app", "command": []}]}',
        '{"containers": [{"image": "app", "command": ["/bin/sh", "-c"]}]}',
        CMD,
    ),
    "replace-json-numbers": (
        '{"containers": [{"image": "app", "command": [1]}]}',
        '{"containers": [{"image": "app", "command": ["/bin/sh", "-c"]}]}',
        CMD,
    ),
    "replace-null": (
        "containers:\n- image: app\n  command: # none\n  name: c\n",
        "containers:\n- image: app\n  command:\n  - /bin/sh\n  - -c # none\n  name: c\n",
        CMD,
    ),
    "replace-explicit-null": (
        "containers:\n- image: app\n  ? command\n  : ~\n",
        "containers:\n- image: app\n  command:\n  - /bin/sh\n  - -c\n",
        CMD,
    ),
    "replace-json-null": (
        '{"containers": [{"image": "app", "command": null}]}',
        '{"containers": [{"image": "app", "command": ["/bin/sh", "-c"]}]}',
        CMD,
    ),
    "remove-block": (
        "containers:\n- image: app\n  command:\n  - a\n  name: c\n",
        "containers:\n- image: app\n  name: c\n",
        [],
    ),
    "remove-first-on-item-line": (
        "containers:\n- command: [a] # c\n  image: app\n",
        "containers:\n- image: app\n",
        [],
    ),
    "remove-last-no-final-newline": (
        "containers:\n- image: app\n  command: [a]",
        "containers:\n- image: app\n",
        [],
    ),
    "remove-explicit": (
        "containers:\n- image: app\n  ? command\n  : - a\n  name: c\n",
        "containers:\n- image: app\n  name: c\n",
        [],
    ),
    "remove-explicit-on-item-line": (
        "containers:\n- ? command\n  : [a]\n  ? image\n  : app\n",
        "containers:\n- ? image\n  : app\n",
        [],
    ),
    "remove-crlf": (
        "containers:\r\n- image: app\r\n  command: [a]\r\n  name: c\r\n",
        "containers:\r\n- image: app\r\n  name: c\r\n",
        [],
    ),
    "remove-flow": (
        "containers: [{command: [a], image: app}]\n",
        "containers: [{image: app}]\n",
        [],
    ),
    "remove-json-last": (
        '{\n  "containers": [{\n    "image": "app",\n    "command": ["a"]\n  }]\n}',
        '{\n  "containers": [{\n    "image": "app"\n  }]\n}',
        [],
    ),
    "remove-every-duplicate": (  # else the one left would come to count
        "containers:\n- command: [a]\n  image: app\n  command: [b]\n",
        "containers:\n- image: app\n",
        [],
    ),
    "remove-json-first": (
        '{"containers": [{"command": ["a"], "image": "app"}]}',
        '{"containers": [{"image": "app"}]}',
        [],
    ),
}


@pytest.mark.parametrize(("text", "expected", "values"), LISTS.values(), ids=LISTS)
def test_set_list(text: str, expected: str, values: Sequence[str]) -> None:
    new = _set_list(text, _container(text), "command", values)
    assert [e.rank for e in new] == [0 if "command" in text else 1] * len(new)
    out = edits.apply(text, new)
    _check(text, out, expected, "command", list(values) or None)
    assert _set_list(out, _container(out), "command", values) == []


def test_set_list_and_scalar_at_one_spot_in_json() -> None:
    """command, args and the pull policy inserted after one image come out in that order."""
    text = '{"containers": [{"image": "app", "name": "c"}]}'
    c = _container(text)
    assert c.image is not None and isinstance(c.image.node, ScalarNode)
    new = [
        setters.set_scalar(text, c.node, "imagePullPolicy", "IfNotPresent", _anchor(c)),
        *_set_list(text, c, "args", ["run", "yes"]),
        *_set_list(text, c, "command", CMD),
        render.replace_scalar(text, c.image.node, "localhost:5000/app:tilt-1"),
    ]
    out = edits.apply(text, [e for e in new if e is not None])
    assert out == (
        '{"containers": [{"image": "localhost:5000/app:tilt-1", "command": ["/bin/sh", "-c"], '
        '"args": ["run", "yes"], "imagePullPolicy": "IfNotPresent", "name": "c"}]}'
    )
    assert json.loads(out)["containers"][0]["args"] == ["run", "yes"]


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("containers:\n- image: app\n", ListStyle(offset=0)),
        ("containers:\n  - image: app\n", ListStyle(offset=2)),
        ("  containers:\n      - image: app\n", ListStyle(offset=4)),
        ("? containers\n:   - image: app\n", ListStyle(offset=4)),  # from the `?`
        ("containers: [{image: app}]\n", ListStyle(flow=True)),
        ("containers:\n- {image: app}\n", ListStyle(flow=True)),  # a flow container
        ("containers: [\n  {image: app}]\n", ListStyle(flow=True)),
    ],
)
def test_list_layout(text: str, layout: ListStyle) -> None:
    c = _container(text)
    assert setters.list_layout(text, c.node, c.seq, c.list_key) == layout


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("command: [a, 'b']", ["a", "b"]),
        ("command: [a, 1, [x]]", ["a", None, None]),
        ("command: []", []),
        ("command: a", None),
        ("command:", None),
        ("other: [a]", None),
    ],
)
def test_list_value(text: str, value: list[str | None] | None) -> None:
    assert setters.list_value(nodes.get_entry(compose(text), "command")) == value
