"""Merge keys (krm_fn.merges) as the readers that matter apply them: what a mapping's merge
keys give it, the entry that counts for a key, where new keys go, and the keys go-yaml v2
(Kubernetes) and v3 (kustomize) read differently."""

from __future__ import annotations

import pytest
import yaml
from yaml import MappingNode

from krm_fn import merges, nodes
from tests.texts import compose

MERGES = """\
a: &a {image: A, p: a}
b: &b {image: B, p: b, q: b, <<: {r: inner, p: inner}}
c:
  <<: [*a, *b]
  p: own
"""


def _mapping(text: str, key: str) -> MappingNode:
    found = nodes.get(compose(text), key)
    assert isinstance(found, MappingNode)
    return found


def test_merge_keys_as_go_yaml_reads_them() -> None:
    """Of merged mappings the earlier wins; a mapping's own keys win over what it merges
    (and over what its merged mappings merge in turn)."""
    c = _mapping(MERGES, "c")
    given = {k: v.value for k, (_, v) in merges.merged(c).items()}
    assert given == {"image": "A", "p": "a", "q": "b", "r": "inner"}
    looked = {k: (e[1].value, e[2]) for k in ["image", "p", "r"] if (e := merges.lookup(c, k))}
    assert looked == {"image": ("A", True), "p": ("own", False), "r": ("inner", True)}
    assert merges.lookup(c, "missing") is None


def test_a_memo_keeps_what_was_worked_out() -> None:
    c = _mapping(MERGES, "c")
    memo: merges.Memo = {}
    first = merges.merged(c, memo)
    # &a, &b and the mapping &b merges in, each with all its entries
    assert sorted(sorted(entries) for entries in memo.values()) == [
        ["image", "p"],
        ["image", "p", "q", "r"],
        ["p", "r"],
    ]
    assert merges.merged(c, memo) == first


def test_lookup_gives_an_own_alias_entry_and_the_last_duplicate() -> None:
    m = _mapping("x: &x v\nm: {k: 1, k: 2, j: *x}\n", "m")
    k, j = merges.lookup(m, "k"), merges.lookup(m, "j")
    assert k is not None and (k[1].value, k[2]) == ("2", False)
    assert j is not None and nodes.is_alias(j[0], j[1]) and not j[2]


def test_a_quoted_merge_key_is_a_plain_key() -> None:
    m = _mapping("x: &x {k: 1}\nm: {'<<': *x}\n", "m")
    assert [merges.is_merge(k) for k, _ in m.value] == [False]
    assert merges.merged(m) == {}
    assert merges.lookup(m, "k") is None


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ("x: &b {p: 1}\nm: {image: a, <<: *b, n: 2}\n", "<<"),  # a merge key after it
        ("x: &b {p: 1}\nm: {<<: *b, image: a}\n", "image"),  # before it: the entry itself
        ("m: {image: a, n: 2}\n", "image"),  # no merge key
        ("x: &b {p: 1}\nm: {<<: *b, image: a, <<: *b}\n", "<<"),  # the last of them
    ],
)
def test_after_merges(text: str, after: str) -> None:
    m = _mapping(text, "m")
    image = nodes.get_entry(m, "image")
    assert image is not None
    found = merges.after_merges(m, image)
    assert found[0].value == after
    assert (
        found is image
        if after == "image"
        else found[0].start_mark.index > image[0].start_mark.index
    )


def test_after_merges_of_a_merged_entry_is_the_last_merge_key() -> None:
    m = _mapping("x: &b {image: a}\nm: {<<: *b, n: 2}\n", "m")
    merged = merges.merged(m)["image"]
    assert merges.after_merges(m, merged)[0].value == "<<"


@pytest.mark.parametrize(
    ("text", "shadowed"),
    [
        ("x: &b {k: 1}\nm: {k: 0, <<: *b}\n", {"k": "1"}),  # own key, then a merge giving it
        ("x: &b {k: 1}\nm: {<<: *b, k: 0}\n", {}),  # the own key after it wins for all
        ("x: &b {j: 1}\nm: {k: 0, <<: *b}\n", {}),  # the merge does not give it
        ("x: &b {k: 1}\nm: {k: 0, <<: [{j: 2}, *b]}\n", {"k": "1"}),
        ("x: &b {k: 1}\nm: {k: 0, <<: [{k: 2}, *b]}\n", {"k": "2"}),  # the earlier one wins
        # in a mapping merged in: Kubernetes reads the inner 1, kustomize &mid's 0
        ("x: &b {k: 1}\ny: &mid {k: 0, <<: *b}\nm: {<<: *mid}\n", {"k": "1"}),
        ("m: {k: 0}\n", {}),
    ],
)
def test_shadowed(text: str, shadowed: dict[str, str]) -> None:
    m = _mapping(text, "m")
    assert {k: v.value for k, (_, v) in merges.shadowed(m).items()} == shadowed


def test_merges_of_merges_that_loop_end() -> None:
    """An alias of an ancestor merges the mapping into itself: read once, as PyYAML does."""
    text = "a: &a\n  k: 1\n  b:\n    <<: *a\n    j: 2\n"
    b = nodes.get(_mapping(text, "a"), "b")
    assert isinstance(b, MappingNode)
    assert sorted(merges.merged(b)) == ["b", "k"]
    assert merges.shadowed(b) == {}
    assert yaml.safe_load(text)["a"]["b"]["k"] == 1  # what PyYAML reads, too


def test_a_mapping_that_merges_itself_ends() -> None:
    """`<<: *m` inside `&m` itself: the mapping is not merged into itself (PyYAML reads it so)."""
    text = "m: &m {k: 1, <<: [*m, {j: 2}]}\n"
    m = _mapping(text, "m")
    assert {k: v.value for k, (_, v) in merges.merged(m).items()} == {"j": "2"}
    assert merges.shadowed(m) == {}
    assert yaml.safe_load(text)["m"] == {"k": 1, "j": 2}
