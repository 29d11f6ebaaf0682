"""The images of a pod spec (krm_fn.podspecs): each container's image and env values, the
image volumes, the paths of each, what is left alone (aliases, keys a merge key shadows),
and where each built-in kind keeps its pod spec."""

from __future__ import annotations

import pytest
from yaml import MappingNode, SequenceNode

from krm_fn import nodes
from krm_fn.fields import Located, Place
from krm_fn.locate import find
from krm_fn.podspecs import builtin_pod_spec, volume_fields
from krm_fn.schema import field_path
from tests.texts import compose


def _found(located: Located) -> list[tuple[Place, str, str | None]]:
    return [(f.place, field_path(f.path), f.value) for f in located.fields]


@pytest.mark.parametrize(
    ("api_version", "kind", "path"),
    [
        ("v1", "Pod", ("spec",)),
        ("v1", "PodTemplate", ("template", "spec")),
        ("v1", "ReplicationController", ("spec", "template", "spec")),
        ("apps/v1", "Deployment", ("spec", "template", "spec")),
        ("apps/v1beta2", "DaemonSet", ("spec", "template", "spec")),
        ("extensions/v1beta1", "ReplicaSet", ("spec", "template", "spec")),
        ("apps/v1", "StatefulSet", ("spec", "template", "spec")),
        ("batch/v1", "Job", ("spec", "template", "spec")),
        ("batch/v1", "CronJob", ("spec", "jobTemplate", "spec", "template", "spec")),
    ],
)
def test_builtin_pod_spec(api_version: str, kind: str, path: tuple[str, ...]) -> None:
    body = (
        "".join(f"{'  ' * i}{key}:\n" for i, key in enumerate(path)) + "  " * len(path) + "x: 1\n"
    )
    root = compose(f"apiVersion: {api_version}\nkind: {kind}\n{body}")
    found = builtin_pod_spec(root)
    assert found is not None
    node, at = found
    assert at == path
    assert isinstance(node, MappingNode) and node.value[0][0].value == "x"


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: example.com/v1\nkind: Deployment\nspec: {template: {spec: {x: 1}}}\n",
        "apiVersion: v1\nkind: Deployment\nspec: {template: {spec: {x: 1}}}\n",  # no group
        "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: [x]}}\n",
        "apiVersion: apps/v1\nkind: Deployment\nspec: {template: 1}\n",
        "apiVersion: apps/v1\nkind: Deployment\n",
        "x: &s {x: 1}\napiVersion: v1\nkind: Pod\nspec: *s\n",  # an alias is not its own
    ],
)
def test_no_builtin_pod_spec(text: str) -> None:
    assert builtin_pod_spec(compose(text)) is None


def test_a_builtin_pod_spec_through_a_merge_key() -> None:
    text = "x: &t {spec: {x: 1}}\napiVersion: apps/v1\nkind: Deployment\n"
    root = compose(text + "spec:\n  template:\n    <<: *t\n")
    found = builtin_pod_spec(root)
    assert found is not None and found[1] == ("spec", "template", "spec")


POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"


def test_env_values_of_every_container_list_with_their_paths() -> None:
    text = POD + (
        "  initContainers:\n  - image: i\n    env: [{name: A, value: i-env}]\n"
        "  containers:\n  - image: c\n    env:\n    - {name: A, valueFrom: {x: y}}\n"
        "    - {name: B, value: c-env}\n    - [not, a, mapping]\n"
        "  ephemeralContainers:\n  - image: e\n    env: [{name: A, value: e-env}]\n"
    )
    assert _found(find(compose(text), env=True)) == [
        (Place.CONTAINER, "spec.initContainers[0].image", "i"),
        (Place.ENV, "spec.initContainers[0].env[0].value", "i-env"),
        (Place.CONTAINER, "spec.containers[0].image", "c"),
        (Place.ENV, "spec.containers[0].env[1].value", "c-env"),
        (Place.CONTAINER, "spec.ephemeralContainers[0].image", "e"),
        (Place.ENV, "spec.ephemeralContainers[0].env[0].value", "e-env"),
    ]


def test_env_values_through_a_merge_key_but_not_through_aliases() -> None:
    text = (
        "x: &env [{name: A, value: a-env}]\ny: &var {name: B, value: v-env}\n"
        + POD
        + "  containers:\n  - image: c\n    <<: {env: [{name: M, value: m-env}]}\n"
        + "  - image: d\n    <<: {env: *env}\n  - image: e\n    env: [*var]\n"
    )
    assert _found(find(compose(text), env=True)) == [
        (Place.CONTAINER, "spec.containers[0].image", "c"),
        (Place.ENV, "spec.containers[0].env[0].value", "m-env"),  # the merged mapping's own
        (Place.CONTAINER, "spec.containers[1].image", "d"),  # its env is an alias
        (Place.CONTAINER, "spec.containers[2].image", "e"),  # an aliased item is not its own
    ]


def test_a_container_and_its_image_as_aliases_are_left() -> None:
    text = "x: &c {image: a}\ny: &i b\n" + POD + "  containers:\n  - *c\n  - image: *i\n"
    located = find(compose(text), env=False)
    assert _found(located) == []
    assert [field_path(p) for p in located.aliased] == [
        "spec.containers[0]",
        "spec.containers[1].image",
    ]
    assert [field_path(c.path) for c in located.containers] == ["spec.containers[1]"]


def test_duplicate_keys_of_a_container() -> None:
    text = POD + "  containers:\n  - image: a\n    name: c\n    image: b\n"
    located = find(compose(text), env=False)
    assert _found(located) == [(Place.CONTAINER, "spec.containers[0].image", "b")]
    assert [field_path(p) for p in located.duplicates] == ["spec.containers[0].image"]


def test_an_image_or_env_a_merge_key_shadows_is_ambiguous() -> None:
    text = POD + (
        "  containers:\n  - {image: a, <<: {image: b}}\n"
        "  - {image: c, env: [{name: A, value: d}], <<: {env: []}}\n"
    )
    located = find(compose(text), env=True)
    assert _found(located) == [(Place.CONTAINER, "spec.containers[1].image", "c")]
    assert [field_path(p) for p in located.ambiguous] == [
        "spec.containers[0].image",
        "spec.containers[1].env",
    ]


VOLUMES = POD + "  containers: []\n  volumes:\n"


@pytest.mark.parametrize(
    ("volumes", "found", "aliased", "ambiguous"),
    [
        ("  - {name: v, image: {reference: a}}\n", ["a"], [], []),
        ("  - {name: v, image: {reference: 1}}\n", [None], [], []),  # located: it is reported
        ("  - {name: v, image: {pullPolicy: Always}}\n", [], [], []),
        ("  - {name: v, image: a}\n", [], [], []),
        ("  - {name: v, hostPath: {path: /x}}\n", [], [], []),
        ("  - [a]\n", [], [], []),
        ("  - {name: v, image: {reference: *r}}\n", [], ["spec.volumes[0].image.reference"], []),
        (
            "  - {name: v, image: {reference: a, <<: {reference: b}}}\n",
            [],
            [],
            ["spec.volumes[0].image.reference"],
        ),
        (  # the walk finds it ambiguous: a collection
            "  - {name: v, image: {reference: a}, <<: {image: {reference: b}}}\n",
            [],
            [],
            ["spec.volumes[0].image"],
        ),
        ("  - {name: v, image: {<<: {reference: a}}}\n", [], [], []),  # merged: left
        ("  - {name: v, image: *i}\n", [], [], []),  # an aliased image mapping: not its own
    ],
)
def test_image_volumes(
    volumes: str, found: list[str | None], aliased: list[str], ambiguous: list[str]
) -> None:
    text = "r: &r x\ni: &i {reference: y}\n" + VOLUMES + volumes
    located = find(compose(text), env=False)
    assert [f.value for f in located.fields if f.place is Place.VOLUME] == found
    assert [field_path(p) for p in located.aliased] == aliased
    assert [field_path(p) for p in located.ambiguous] == ambiguous


def test_volume_fields_of_a_pod_spec_with_no_container_list() -> None:
    root = compose("spec:\n  volumes:\n  - {name: v, image: {reference: a}}\n")
    spec = root.value[0][1]
    assert isinstance(spec, MappingNode)
    located = Located()
    volume_fields(spec, ("spec",), located)
    assert _found(located) == [(Place.VOLUME, "spec.volumes[0].image.reference", "a")]
    field = located.fields[0]
    assert field.owner is not None and field.key is not None and field.key.value == "reference"


def test_volumes_a_merge_key_shadows_are_left_to_the_walk() -> None:
    text = (
        POD
        + "  containers: [{image: a}]\n  volumes: [{image: {reference: b}}]\n  <<: {volumes: []}\n"
    )
    located = find(compose(text), env=False)
    assert _found(located) == [(Place.CONTAINER, "spec.containers[0].image", "a")]
    assert [field_path(p) for p in located.ambiguous] == ["spec.volumes"]


def test_an_image_a_merge_key_gives_is_merged() -> None:
    text = POD + "  containers:\n  - {<<: {image: a}}\n  - {image: b}\n"
    located = find(compose(text), env=False)
    assert [(field_path(f.path), f.value, f.merged) for f in located.fields] == [
        ("spec.containers[0].image", "a", True),
        ("spec.containers[1].image", "b", False),
    ]
    merged = located.fields[0]
    assert merged.owner is located.containers[0].node  # written into the container's own
    assert merged.key is not None and merged.key.start_mark.line == 5


def test_an_env_value_is_owned_by_its_variable() -> None:
    text = POD + "  containers:\n  - image: c\n    env: [{name: A, value: v}]\n"
    located = find(compose(text), env=True)
    env = located.fields[1]
    variable = nodes.get(located.containers[0].node, "env")
    assert isinstance(variable, SequenceNode)
    assert env.owner is variable.value[0]
    assert env.key is not None and env.key.value == "value"
    assert nodes.scalar_str(env.node) == "v"


def test_volumes_left_alone_do_not_end_the_search() -> None:
    text = POD + (
        "  containers: []\n  volumes:\n  - [a]\n  - {name: s, image: a}\n"
        "  - {name: m, image: {reference: b}, <<: {image: {reference: c}}}\n"
        "  - {name: v, image: {reference: d}}\n"
    )
    located = find(compose(text), env=False)
    assert _found(located) == [(Place.VOLUME, "spec.volumes[3].image.reference", "d")]
