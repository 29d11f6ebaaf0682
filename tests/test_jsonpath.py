"""Tilt's JSONPath dialect read (krm_fn.jsonpath): one row per construct, found over
nodes, and the errors."""

from __future__ import annotations

import pytest

from krm_fn.jsonpath import MAX_STEPS, JSONPathError, compile_path
from krm_fn.schema import field_path
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


def test_a_path_has_at_most_max_steps() -> None:
    assert len(compile_path("{" + ".a" * MAX_STEPS + "}").steps) == MAX_STEPS
    with pytest.raises(JSONPathError) as err:
        compile_path("{" + "..*" * (MAX_STEPS + 1) + "}")
    assert str(err.value).endswith(f"has more than {MAX_STEPS} steps")
