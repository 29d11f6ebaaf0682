"""Reading composed nodes (krm_fn.nodes): scalars' tags as YAML 1.1 resolves them,
entries and items that are not aliases, and config objects as plain data."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yaml import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from krm_fn import nodes
from tests.texts import compose

_PYYAML = Resolver()


def _pyyaml_tag(value: str) -> str:
    return str(_PYYAML.resolve(ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("app", nodes.STR_TAG),
        ("", nodes.NULL_TAG),
        ("~", nodes.NULL_TAG),
        ("null", nodes.NULL_TAG),
        ("nginx", nodes.STR_TAG),  # starts like `no` and `null`
        ("yes", "tag:yaml.org,2002:bool"),
        ("Off", "tag:yaml.org,2002:bool"),
        ("true\n", "tag:yaml.org,2002:bool"),  # PyYAML's `$` before a final line break
        ("1_000", "tag:yaml.org,2002:int"),
        ("0x1F", "tag:yaml.org,2002:int"),
        ("1:20", "tag:yaml.org,2002:int"),  # sexagesimal
        ("-.inf", "tag:yaml.org,2002:float"),
        ("1.10", "tag:yaml.org,2002:float"),
        ("2001-01-01", "tag:yaml.org,2002:timestamp"),
        ("<<", "tag:yaml.org,2002:merge"),
        ("=", "tag:yaml.org,2002:value"),
        ("8080/tcp", nodes.STR_TAG),
    ],
)
def test_tag_of_a_plain_scalar(value: str, tag: str) -> None:
    assert nodes.tag_of(ScalarNode(nodes.PLAIN_TAG, value)) == tag == _pyyaml_tag(value)


@given(
    st.text(alphabet=st.sampled_from("0123456789abefilnorstuxyENOTY_.:+-~<=!&* \n"), max_size=12)
)
def test_tag_of_resolves_as_pyyaml_does(value: str) -> None:
    assert nodes.tag_of(ScalarNode(nodes.PLAIN_TAG, value)) == _pyyaml_tag(value)


def test_tag_of_keeps_a_given_tag() -> None:
    assert nodes.tag_of(ScalarNode("tag:yaml.org,2002:str", "yes")) == nodes.STR_TAG
    assert nodes.tag_of(ScalarNode("!custom", "app")) == "!custom"


def test_the_reader_leaves_plain_scalars_to_tag_of() -> None:
    root = compose("a: yes\nb: 'yes'\nc: !!str yes\nd: 1\n")
    assert isinstance(root, MappingNode)
    values = [v for _, v in root.value]
    assert [v.tag for v in values] == [
        nodes.PLAIN_TAG,
        nodes.STR_TAG,
        nodes.STR_TAG,
        nodes.PLAIN_TAG,
    ]
    assert [nodes.scalar_str(v) for v in values] == [None, "yes", "yes", None]


def test_scalar_str() -> None:
    root = compose("a: app\nb: [x]\nc: 'null'\nd: null\n")
    assert [nodes.scalar_str(nodes.get(root, k)) for k in "abcde"] == [
        "app",
        None,
        "null",
        None,
        None,
    ]
    assert nodes.scalar_str(None) is None


def test_entries_leave_out_aliases_and_keys_that_are_not_scalars() -> None:
    root = compose("a: &x 1\nb: *x\n[k]: 2\nc: 3\n")
    assert isinstance(root, MappingNode)
    assert [(k, v.value) for k, _, v in nodes.entries(root)] == [("a", "1"), ("c", "3")]


def test_of_duplicate_keys_only_the_last_counts() -> None:
    root = compose("a: 1\nb: &x 2\na: 3\nc: 4\nc: *x\n")
    assert isinstance(root, MappingNode)
    assert [(k, v.value) for k, _, v in nodes.counted(root)] == [("b", "2"), ("a", "3")]
    entry = nodes.get_entry(root, "a")
    assert entry is not None and entry[1].value == "3"
    assert nodes.get_entry(root, "c") is None  # the last `c` is an alias
    assert nodes.aliased(root, "c") and not nodes.aliased(root, "a")
    assert not nodes.aliased(nodes.get(root, "a"), "a")  # not a mapping


def test_get_of_what_is_not_a_mapping() -> None:
    root = compose("- a\n- b\n")
    assert nodes.get(root, "a") is None
    assert nodes.get(None, "a") is None
    assert nodes.get_entry(root, "a") is None


def test_items_leave_out_aliases_of_earlier_nodes() -> None:
    root = compose("x: &x {k: 1}\nl: [*x, {k: 2}, *x, 3]\n")
    seq = nodes.get(root, "l")
    assert isinstance(seq, SequenceNode)
    assert [(i, alias) for i, _, alias in nodes.all_items(seq)] == [
        (0, True),
        (1, False),
        (2, True),
        (3, False),
    ]
    assert [i for i, _ in nodes.items(seq)] == [1, 3]
    assert list(nodes.items(nodes.get(root, "x"))) == []  # not a sequence


def test_an_item_aliasing_an_earlier_item_of_its_list() -> None:
    seq = compose("- &a {k: 1}\n- *a\n")
    assert isinstance(seq, SequenceNode)
    assert [alias for _, _, alias in nodes.all_items(seq)] == [False, True]


def test_is_alias() -> None:
    root = compose("a: &x 1\nb: *x\n")
    assert isinstance(root, MappingNode)
    assert [nodes.is_alias(k, v) for k, v in root.value] == [False, True]


def test_to_data() -> None:
    text = "s: app\ni: 1\nf: 1.5\nb: yes\nn: ~\nt: 2001-01-01\nl: [a, 'on']\nm: {k: !x v}\n"
    assert nodes.to_data(compose(text)) == {
        "s": "app",
        "i": 1,
        "f": 1.5,
        "b": True,
        "n": None,
        "t": "2001-01-01",  # as JSON sees it: a string
        "l": ["a", "on"],
        "m": {"k": "v"},
    }


def test_to_data_of_a_number_python_cannot_read_is_its_text() -> None:
    assert nodes.to_data(compose("a: 0b\n")) == {"a": "0b"}
    assert nodes.to_data(compose("a: 1:2:3:x\n")) == {"a": "1:2:3:x"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[k]: 1\n", "line 1: a key is not a string"),
        ("a: &x 1\nb: *x\n", "line 2: aliases (*name) are not allowed in a config"),
        ("a: &x 1\nb: [*x]\n", "line 2: aliases (*name) are not allowed in a config"),
        ("a:" + " [" * 990 + "]" * 990 + "\n", "the config is nested too deeply"),
    ],
)
def test_to_data_refuses(text: str, message: str) -> None:
    with pytest.raises(nodes.ConfigDataError, match=re.escape(message)):
        nodes.to_data(compose(text))
