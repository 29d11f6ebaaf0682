"""The records locating gives (krm_fn.fields): a field's reference text, the nodes its
edits touch, and identity."""

from __future__ import annotations

import pytest
from yaml import MappingNode, ScalarNode, SequenceNode

from krm_fn import nodes
from krm_fn.fields import Container, Field, Place, claimed
from tests.texts import compose


def _object_field(text: str, tag_key: str | None = "tag") -> Field:
    node = compose(text)
    assert isinstance(node, MappingNode)
    return Field(Place.IMAGE_OBJECT, ("spec",), None, None, node, object_keys=("repo", tag_key))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("{repo: app, tag: '1'}", "app:1"),
        ("{repo: app}", "app"),
        ("{repo: app, tag: ''}", "app"),  # an empty tag is no tag
        ("{repo: app, tag: 1}", "app"),  # a tag that is not a string is ignored, as Tilt
        ("{repo: 1, tag: x}", ":x"),  # a repository that is not a string is empty
        ("{tag: x}", ":x"),
    ],
)
def test_the_value_of_an_image_object(text: str, value: str) -> None:
    assert _object_field(text).value == value


def test_an_image_object_without_a_tag_field() -> None:
    assert _object_field("{repo: app, tag: x}", tag_key=None).value == "app"


def test_the_value_of_a_string_field_and_of_one_that_is_not() -> None:
    root = compose("a: app:1\nb: 8080\nc: [x]\n")
    values = [Field(Place.IMAGE_FIELD, (k,), None, None, v).value for k, v in root.value]
    assert values == ["app:1", None, None]


def test_claimed_nodes() -> None:
    f = _object_field("{repo: app, tag: '1', other: x}")
    repo, tag = nodes.get(f.node, "repo"), nodes.get(f.node, "tag")
    assert claimed(f) == [f.node, repo, tag]
    only_repo = _object_field("{repo: app}")
    assert claimed(only_repo) == [only_repo.node, nodes.get(only_repo.node, "repo")]
    no_tag_key = _object_field("{repo: app, tag: x}", tag_key=None)
    assert claimed(no_tag_key) == [no_tag_key.node, nodes.get(no_tag_key.node, "repo")]
    string = Field(Place.ENV, ("v",), None, None, ScalarNode(nodes.STR_TAG, "app"))
    assert claimed(string) == [string.node]


def test_fields_are_the_same_only_when_they_are_one_record() -> None:
    node = ScalarNode(nodes.STR_TAG, "app")
    one, other = (Field(Place.CONTAINER, ("image",), None, None, node) for _ in range(2))
    assert one != other and one == one
    assert len({one, other}) == 2


def test_a_container_is_ephemeral_by_its_list() -> None:
    root = compose("containers: [{image: a}]\nephemeralContainers: [{image: b}]\n")
    assert isinstance(root, MappingNode)
    found = []
    for key, seq in root.value:
        assert isinstance(seq, SequenceNode) and isinstance(seq.value[0], MappingNode)
        found.append(Container(seq.value[0], (key.value, 0), key, seq))
    assert [c.ephemeral for c in found] == [False, True]
    assert [c.image for c in found] == [None, None]  # until its image field is found
