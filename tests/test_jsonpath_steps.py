"""A compiled path's steps run over nodes (krm_fn.jsonpath_steps): each match once, in
document order, with the mapping and key holding it, and the work bounded (issue 13)."""

from __future__ import annotations

import pytest

from krm_fn import nodes
from krm_fn.jsonpath import compile_path
from krm_fn.jsonpath_steps import MAX_VISITS, JSONPathLimitError, Path, Step, every, field
from krm_fn.schema import field_path
from tests.deadline import deadline
from tests.texts import compose


def test_steps_made_by_hand() -> None:
    """`{.spec..*}` as its steps: the value of `spec`, then `*` from every node at or below
    it, which finds every node below it, in document order."""
    root = compose("spec:\n  a: [x, {b: y}]\n")
    path = Path("{.spec..*}", (Step(field("spec"), recursive=False), Step(every, recursive=True)))
    assert [field_path(m.path) for m in path.find(root)] == [
        "spec.a",
        "spec.a[0]",
        "spec.a[1]",
        "spec.a[1].b",
    ]


def test_a_match_names_the_mapping_and_key_holding_it() -> None:
    root = compose("spec:\n  image: a\n  list: [b]\n")
    spec = nodes.get(root, "spec")
    (image,) = compile_path("{.spec.image}").find(root)
    assert image.key is not None
    assert (image.path, image.node.value, image.parent, image.key.value) == (
        ("spec", "image"),
        "a",
        spec,
        "image",
    )
    (item,) = compile_path("{.spec.list[0]}").find(root)
    assert (item.path, item.node.value, item.parent, item.key) == (
        ("spec", "list", 0),
        "b",
        None,
        None,
    )


def test_indexes_and_filters_find_nothing_outside_a_sequence() -> None:
    root = compose("spec:\n  image: a\n  map: {b: {c: x}}\n")
    assert compile_path("{.spec.image[0]}").find(root) == []
    assert compile_path("{.spec.map[0,1]}").find(root) == []
    assert compile_path("{.spec.map[?(@.c)]}").find(root) == []


def _nested(depth: int) -> str:
    """An object nested `depth` mappings deep: `k0: {k1: {... {leaf: x}}}`."""
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + f"{'  ' * depth}leaf: x\n"


def test_repeated_descent_on_a_deep_object_is_linear() -> None:
    """`{..*..*..*..*..*}` on an object nested 60 deep took 11 s and a MemoryError: each
    step kept every duplicate. Each node is now found once, in document order."""
    root = compose(_nested(60))
    with deadline(10):
        found = compile_path("{..*..*..*..*..*}").find(root)
    # `..*` n times: every node at depth n or more, each once
    assert [len(m.path) for m in found] == list(range(5, 62))
    assert [m.path[-1] for m in found] == [f"k{i}" for i in range(4, 60)] + ["leaf"]


def test_matches_are_deduplicated_in_document_order() -> None:
    root = compose("spec:\n  image: a\n  spec:\n    image: b\n  list: [x, y]\n")
    paths = [field_path(m.path) for m in compile_path("{..spec..image}").find(root)]
    assert paths == ["spec.image", "spec.spec.image"]  # the inner spec's image once
    paths = [field_path(m.path) for m in compile_path("{.spec.list[0,1,0,-2]}").find(root)]
    assert paths == ["spec.list[0]", "spec.list[1]"]
    paths = [field_path(m.path) for m in compile_path("{.spec['image','image']}").find(root)]
    assert paths == ["spec.image"]


def _comb(depth: int, width: int) -> str:
    """`depth` nested flow mappings, each with `width` scalar keys besides the next one."""
    levels = "".join(
        "{" + "".join(f"k{i}: {i}, " for i in range(width)) + "n: " for _ in range(depth)
    )
    return f"spec: {levels}x{'}' * depth}\n"


def test_work_past_the_limit_is_an_error_naming_the_path() -> None:
    """20,000 nodes 400 deep: `{..*..*..*}` finds them all, their paths 4 million elements
    in all. Past MAX_VISITS the path stops with an error naming its config field."""
    root = compose(_comb(400, 50))
    path = compile_path("{..*..*..*}", where="imageLocators[3].path")
    with deadline(20), pytest.raises(JSONPathLimitError) as err:
        path.find(root)
    assert str(err.value) == (
        f"imageLocators[3].path: path '{{..*..*..*}}' needs more than {MAX_VISITS:,} node "
        "visits on this object (the limit for one path on one object); give it fewer steps, "
        "fewer `..` and `*` in particular, or a narrower objectSelector"
    )


def test_a_wide_key_list_counts_its_width() -> None:
    keys = ",".join(f"'k{i}'" for i in range(2000))
    root = compose(_comb(1, 400))
    with deadline(10), pytest.raises(JSONPathLimitError):
        compile_path(f"{{..[{keys}]}}").find(root)  # 402 nodes x 2000 keys
