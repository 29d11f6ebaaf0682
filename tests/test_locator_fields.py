"""Image fields outside pod specs (krm_fn.locator_fields): which objects a locator takes
(its four selector patterns against apiVersion, kind, name and namespace), the fields its
path finds, and the env values beside each one."""

from __future__ import annotations

from typing import Any

import pytest
from yaml import MappingNode

from krm_fn import nodes
from krm_fn.fields import Field, Located, Place
from krm_fn.locate import find
from krm_fn.locator_fields import add_found, located_by
from krm_fn.locators import Locator, compile_locators
from krm_fn.schema import field_path
from tests.texts import compose


def _locators(*data: dict[str, Any]) -> list[Locator]:
    found, problems = compile_locators(list(data), "imageLocators")
    assert not problems
    return found


def _object(name: str | None, namespace: str | None, kind: str = "Database") -> str:
    metadata = "".join(
        f"  {key}: {value}\n"
        for key, value in (("name", name), ("namespace", namespace))
        if value is not None
    )
    return f"apiVersion: example.com/v1\nkind: {kind}\nmetadata:\n{metadata}spec:\n  image: db:1\n"


@pytest.mark.parametrize(
    ("selector", "name", "namespace", "taken"),
    [
        ({"nameRegexp": "^db-"}, "db-1", None, True),
        ({"nameRegexp": "^db-"}, "web-1", None, False),
        ({"nameRegexp": "^db-"}, None, None, False),  # no name: the empty name
        ({"nameRegexp": "^$"}, None, None, True),
        ({"nameRegexp": "^$"}, "[1]", None, True),  # not a string: no name
        ({"nameRegexp": "-1"}, "db-1", None, True),  # searched, not anchored
        ({"namespaceRegexp": "^prod$"}, "db-1", "prod", True),
        ({"namespaceRegexp": "^prod$"}, "db-1", "dev", False),
        ({"namespaceRegexp": "^prod$"}, "prod", None, False),  # the name is not the namespace
        ({"namespaceRegexp": "^default$"}, "db-1", None, True),  # none: `default`
        ({"namespaceRegexp": "^default$"}, "db-1", "dev", False),
        ({"nameRegexp": "^db-", "namespaceRegexp": "^prod$"}, "db-1", "dev", False),
        ({"kindRegexp": "^Database$", "apiVersionRegexp": "^example\\.com/"}, "x", None, True),
        ({"kindRegexp": "^Cache$"}, "db-1", None, False),
        ({"apiVersionRegexp": "^v1$"}, "db-1", None, False),
    ],
)
def test_a_locators_selector(
    selector: dict[str, str], name: str | None, namespace: str | None, taken: bool
) -> None:
    locator = _locators({"objectSelector": selector, "path": "{.spec.image}", "name": "db"})
    found = located_by(compose(_object(name, namespace)), locator)
    assert [(f.place, field_path(f.path), f.value, f.found_by) for f in found] == (
        [(Place.IMAGE_FIELD, "spec.image", "db:1", "db")] if taken else []
    )


def test_an_object_locator_finds_mappings_and_a_string_locator_strings() -> None:
    text = (
        "apiVersion: example.com/v1\nkind: Chart\nmetadata: {name: c}\n"
        "spec:\n  a: {repository: app, tag: '1'}\n  b: app:2\n  c: 8080\n"
    )
    locators = _locators(
        {"path": "{.spec.*}", "object": {"repoField": "repository", "tagField": "tag"}},
        {"path": "{.spec.*}"},
    )
    found = located_by(compose(text), locators)
    assert [(f.place, field_path(f.path), f.value, f.object_keys) for f in found] == [
        (Place.IMAGE_OBJECT, "spec.a", "app:1", ("repository", "tag")),
        (Place.IMAGE_FIELD, "spec.b", "app:2", None),  # not 8080: not a string
    ]


TEKTON = """\
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  steps:
  - name: build
    image: app:1
    env:
    - {name: A, value: app:2}
    - {name: B, valueFrom: {secretKeyRef: {name: s, key: k}}}
    - {name: C, value: app:3}
"""


def test_the_env_values_beside_a_located_field_are_found_on_request() -> None:
    locators = _locators({"path": "{.spec.steps[*].image}", "name": "steps"})
    assert [f.place for f in find(compose(TEKTON), env=False, locators=locators).fields] == [
        Place.IMAGE_FIELD
    ]
    located = find(compose(TEKTON), env=True, locators=locators)
    assert [(f.place, field_path(f.path), f.value) for f in located.fields] == [
        (Place.IMAGE_FIELD, "spec.steps[0].image", "app:1"),
        (Place.ENV, "spec.steps[0].env[0].value", "app:2"),
        (Place.ENV, "spec.steps[0].env[2].value", "app:3"),
    ]
    env = located.fields[1]
    assert env.key is not None and env.key.value == "value"
    assert env.owner is not None and env.owner.start_mark.line == 8


def test_a_field_found_already_is_not_added_again() -> None:
    """The pod spec walk, or an earlier locator, has it; its env values too."""
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: a\n"
    again = _locators({"path": "{.spec.containers[*].image}"}, {"path": "{..image}"})
    located = find(compose(text), env=True, locators=again)
    assert [(f.place, f.found_by) for f in located.fields] == [(Place.CONTAINER, "")]


def test_add_found_keeps_the_first_of_fields_that_share_a_value() -> None:
    root = compose(TEKTON)
    first, second = (
        located_by(root, _locators({"path": "{.spec.steps[0].image}", "name": name}))[0]
        for name in ("first", "second")
    )
    located = Located()
    add_found(located, [first, second], env=True)
    assert [f.found_by for f in located.fields if f.place is Place.IMAGE_FIELD] == ["first"]
    assert len([f for f in located.fields if f.place is Place.ENV]) == 2


def test_an_env_value_found_by_a_locator_is_not_added_as_an_env_value_again() -> None:
    locators = _locators(
        {"path": "{.spec.steps[*].env[0].value}", "name": "env"},
        {"path": "{.spec.steps[*].image}", "name": "steps"},
    )
    located = find(compose(TEKTON), env=True, locators=locators)
    found: list[Field] = located.fields
    assert [(f.place, field_path(f.path)) for f in found] == [
        (Place.IMAGE_FIELD, "spec.steps[0].image"),
        (Place.IMAGE_FIELD, "spec.steps[0].env[0].value"),
        (Place.ENV, "spec.steps[0].env[2].value"),
    ]


@pytest.mark.parametrize("selector", [{"apiVersionRegexp": "^$"}, {"kindRegexp": "^$"}])
def test_no_api_version_or_kind_is_the_empty_one(selector: dict[str, str]) -> None:
    locator = _locators({"objectSelector": selector, "path": "{.spec.image}"})
    assert [f.value for f in located_by(compose("kind: [x]\nspec: {image: a:1}\n"), locator)] == [
        "a:1"
    ]


def test_a_locator_that_does_not_take_the_object_leaves_the_next_one_to_it() -> None:
    locators = _locators(
        {"objectSelector": {"kindRegexp": "^Cache$"}, "path": "{.spec.image}", "name": "cache"},
        {"path": "{.spec.image}", "name": "db"},
    )
    assert [f.found_by for f in located_by(compose(_object("db-1", None)), locators)] == ["db"]


def test_an_image_object_is_owned_by_the_mapping_that_holds_it() -> None:
    root = compose("kind: Chart\nspec:\n  a: {repository: app, tag: '1'}\n")
    locators = _locators(
        {"path": "{.spec.a}", "object": {"repoField": "repository"}, "name": "chart"}
    )
    (field,) = located_by(root, locators)
    spec = nodes.get(root, "spec")
    assert isinstance(spec, MappingNode)
    assert (field.owner, field.key, field.node) == (spec, *spec.value[0])
    assert (field.found_by, field.object_keys, field.value) == (
        "chart",
        ("repository", None),
        "app",
    )


def test_add_found_goes_on_past_a_field_found_already() -> None:
    root = compose(TEKTON)
    image, env = (
        located_by(root, _locators({"path": path, "name": path}))[0]
        for path in ("{.spec.steps[0].image}", "{.spec.steps[0].env[2].value}")
    )
    located = Located()
    add_found(located, [image, image, env], env=False)
    assert located.fields == [image, env]


def test_an_env_value_found_beside_a_field_is_not_found_again_by_a_locator() -> None:
    locators = _locators(
        {"path": "{.spec.steps[*].image}", "name": "steps"},
        {"path": "{.spec.steps[*].env[0].value}", "name": "env"},
    )
    located = find(compose(TEKTON), env=True, locators=locators)
    assert [(f.place, field_path(f.path), f.found_by) for f in located.fields] == [
        (Place.IMAGE_FIELD, "spec.steps[0].image", "steps"),
        (Place.ENV, "spec.steps[0].env[0].value", ""),
        (Place.ENV, "spec.steps[0].env[2].value", ""),
    ]
