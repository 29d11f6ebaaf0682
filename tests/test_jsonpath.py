"""Tilt's JSONPath dialect over nodes: one row per construct, and the errors."""

from __future__ import annotations

import pytest

from krm_fn.jsonpath import (
    MAX_STEPS,
    MAX_VISITS,
    JSONPathError,
    JSONPathLimitError,
    compile_path,
)
from krm_fn.schema import field_path
from tests.deadline import deadline
from tests.texts import compose

DOC = """\
spec:
  image: top
  steps:
  - {name: a, image: one}
  - {name: b}
  - {name: c, image: three}
  nested:
    deeper:
      image: deep
  kubernetes.io/name: dotted
"""
ROWS = [
    ("{.spec.image}", ["spec.image"]),
    (".spec.image", ["spec.image"]),
    ("{$.spec.image}", ["spec.image"]),
    ("{.spec.steps[*].image}", ["spec.steps[0].image", "spec.steps[2].image"]),
    ("{.spec.steps[].image}", ["spec.steps[0].image"]),  # client-go: [] is [0:1]
    ("{.spec.steps[2].image}", ["spec.steps[2].image"]),
    ("{.spec.steps[-1].image}", ["spec.steps[2].image"]),
    ("{.spec.steps[0:2].name}", ["spec.steps[0].name", "spec.steps[1].name"]),
    ("{.spec.steps[0,2].name}", ["spec.steps[0].name", "spec.steps[2].name"]),
    ("{.spec.steps[?(@.name=='c')].image}", ["spec.steps[2].image"]),
    ('{.spec.steps[?(@.name!="c")].name}', ["spec.steps[0].name", "spec.steps[1].name"]),
    ("{.spec.steps[?(@.image)].name}", ["spec.steps[0].name", "spec.steps[2].name"]),
    ("{.spec['image']}", ["spec.image"]),
    ("{.spec.kubernetes\\.io/name}", ["spec.kubernetes.io/name"]),
    (
        "{..image}",
        ["spec.image", "spec.steps[0].image", "spec.steps[2].image", "spec.nested.deeper.image"],
    ),
    ("{.spec.*.deeper.image}", ["spec.nested.deeper.image"]),
    ("{.spec.missing.image}", []),  # Tilt: "missing is not found" (tilt-dev/tilt#5958)
    ("{.spec.steps[7].image}", []),
]


@pytest.mark.parametrize(("text", "paths"), ROWS, ids=[r[0] for r in ROWS])
def test_find(text: str, paths: list[str]) -> None:
    root = compose(DOC)
    found = compile_path(text).find(root)
    assert sorted(field_path(m.path) for m in found) == sorted(paths)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{}", "path '{}' is empty"),
        ("{.spec[0}", "path '{.spec[0}': '[' at 5 is not closed"),
        ("{.spec.#x}", "path '{.spec.#x}': expected a field name at 6"),
        ("{.spec[?(x)]}", "path '{.spec[?(x)]}': cannot read [?(x)]"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(JSONPathError) as err:
        compile_path(text)
    assert str(err.value) == message


# --- bounded work (issue 13) ------------------------------------------------------------


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


def test_a_path_has_at_most_max_steps() -> None:
    assert len(compile_path("{" + ".a" * MAX_STEPS + "}").steps) == MAX_STEPS
    with pytest.raises(JSONPathError) as err:
        compile_path("{" + "..*" * (MAX_STEPS + 1) + "}")
    assert str(err.value).endswith(f"has more than {MAX_STEPS} steps")
