"""The JSON Schemas: valid draft 2020-12, one copy in the package, and a generated fast
validator that is current and agrees with jsonschema."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from krm_fn._validators import VALIDATORS
from krm_fn.schema import Problem, Shape, check

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = sorted((ROOT / "schemas").glob("*.json"))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_2020_12(path: Path) -> None:
    schema = json.loads(path.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_package_copy_is_identical() -> None:
    packaged = sorted((ROOT / "krm_fn" / "schemas").glob("*.json"))
    assert [p.name for p in packaged] == [p.name for p in SCHEMAS]
    for ours, theirs in zip(SCHEMAS, packaged, strict=True):
        assert ours.read_bytes() == theirs.read_bytes(), theirs


def test_generated_validators_are_current() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_validators.py"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out == (ROOT / "krm_fn" / "_validators.py").read_text(), "run: make validators"


IMAGEMAP = {"metadata": {"name": "a"}, "spec": {"selector": "a"}, "status": {"image": "b"}}
SAMPLES = [
    (
        Shape.APPLYIMAGEMAPS,
        {
            "apiVersion": "fn.apply-imagemaps.dev/v1alpha1",
            "kind": "ApplyImageMaps",
            "catalog": False,
            "anyImageKey": True,
            "imageLocators": [
                {
                    "objectSelector": {"kindRegexp": "^A$"},
                    "path": "{.spec.image}",
                    "object": {"repoField": "r", "tagField": "t"},
                }
            ],
        },
    ),
    (
        Shape.APPLYIMAGEMAPS,
        {
            "apiVersion": "fn.apply-imagemaps.dev/v1alpha1",
            "kind": "ApplyImageMaps",
            "imageLocators": [{"path": "x", "object": {"repoField": "r"}}],
        },
    ),
    (Shape.IMAGEMAP, IMAGEMAP),
    (Shape.IMAGEMAP, {**IMAGEMAP, "apiVersion": "tilt.dev/v1alpha1", "kind": "ImageMap"}),
    (Shape.IMAGEMAP, {**IMAGEMAP, "kind": "ConfigMap"}),
    (Shape.IMAGEMAP, {"metadata": {}, "spec": {"selector": ""}}),
    (Shape.IMAGEMAP, {**IMAGEMAP, "spec": {"selector": "a", "matchExact": "true"}}),
    (Shape.IMAGEMAP, {**IMAGEMAP, "spec": {"selector": "a", "overrideArgs": {"args": [1]}}}),
    (Shape.IMAGEMAP, {**IMAGEMAP, "spec": {"selector": "a", "overrideArgs": {"args": []}}}),
    (
        Shape.IMAGEMAP,
        {**IMAGEMAP, "spec": {"selector": "a", "disableSource": {"configMap": {"name": "c"}}}},
    ),
    (Shape.IMAGEMAPLIST, {"apiVersion": "tilt.dev/v1alpha1", "kind": "ImageMapList", "items": []}),
    (
        Shape.IMAGEMAPLIST,
        {
            "apiVersion": "tilt.dev/v1alpha1",
            "kind": "ImageMapList",
            "items": [IMAGEMAP, {"spec": {}}],
        },
    ),
    (
        Shape.APPLYIMAGEMAPS,
        {
            "apiVersion": "fn.apply-imagemaps.dev/v1alpha1",
            "kind": "ApplyImageMaps",
            "imageMaps": [IMAGEMAP],
            "strict": True,
        },
    ),
    (
        Shape.APPLYIMAGEMAPS,
        {
            "apiVersion": "fn.apply-imagemaps.dev/v1alpha1",
            "kind": "ApplyImageMaps",
            "pullPolicy": "never",
        },
    ),
    (
        Shape.CONFIGMAP,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "data": {"selector": "a", "image": "b", "matchExact": "true"},
        },
    ),
    (Shape.CONFIGMAP, {"apiVersion": "v1", "kind": "ConfigMap", "data": {"selector": "a"}}),
]


@pytest.mark.parametrize(("shape", "data"), SAMPLES)
def test_fast_validator_agrees_with_jsonschema(shape: Shape, data: object) -> None:
    schemas = {s: json.loads((ROOT / "schemas" / f"{s}.schema.json").read_text()) for s in Shape}
    registry: Registry[bool | Mapping[str, Any]] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    reference = Draft202012Validator(schemas[shape], registry=registry).is_valid(data)
    try:
        VALIDATORS[shape](data)  # type: ignore[no-untyped-call]
        fast = True
    except ValueError:
        fast = False
    assert fast == reference
    assert (check(shape, data) == []) == reference


def test_every_problem_with_its_path() -> None:
    data = {"metadata": {"name": "a"}, "spec": {"selectr": "a", "matchExact": 1}, "extra": 1}
    assert check(Shape.IMAGEMAP, data) == [
        Problem(
            "extra",
            'unknown field "extra"; expected one of: apiVersion, kind, metadata, spec, status',
        ),
        Problem("spec.matchExact", "expected a boolean (true or false), got 1"),
        Problem("spec.selector", "required field is missing"),
        Problem("spec.selectr", 'unknown field "selectr"; did you mean "selector"?'),
    ]


# Helm chart templates are not YAML until rendered.
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if "templates" not in p.parts)


def test_bundled_example_configs_validate() -> None:
    import yaml

    from krm_fn.config_shapes import load

    checked = 0
    for path in EXAMPLES:
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") in ("ImageMap", "ApplyImageMaps"):
                assert load(doc).problems == [], path
                checked += 1
    assert checked
