"""One row for every place an image can live, and the places it must not be looked for.

(kpt-functions-catalog's set-image shipped an `iniContainers` typo and a PodTemplate path
that does not exist, because no test covered them: every location gets a row here.)
"""

from __future__ import annotations

import pytest
from yaml import MappingNode

from krm_fn import nodes
from krm_fn.fields import Place
from krm_fn.locate import find, is_crd
from krm_fn.schema import field_path
from tests.conftest import imagemap, run_fn
from tests.texts import compose

POD_SPEC = """\
    containers:
    - name: app
      image: app:1
"""


def _obj(api_version: str, kind: str, body: str) -> str:
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: x\n{body}"


def _indent(text: str, by: int) -> str:
    return "".join(" " * by + line if line.strip() else line for line in text.splitlines(True))


TEMPLATE = "spec:\n  template:\n    spec:\n" + _indent(POD_SPEC, 2)
ROWS = [
    ("Pod containers", _obj("v1", "Pod", "spec:\n" + POD_SPEC), ["spec.containers[0].image"]),
    (
        "Pod initContainers",
        _obj("v1", "Pod", "spec:\n    initContainers:\n    - name: i\n      image: app:1\n"),
        ["spec.initContainers[0].image"],
    ),
    (
        "Pod ephemeralContainers",
        _obj("v1", "Pod", "spec:\n    ephemeralContainers:\n    - name: e\n      image: app:1\n"),
        ["spec.ephemeralContainers[0].image"],
    ),
    *[
        (kind, _obj(api, kind, TEMPLATE), ["spec.template.spec.containers[0].image"])
        for api, kind in [
            ("apps/v1", "Deployment"),
            ("apps/v1", "StatefulSet"),
            ("apps/v1", "DaemonSet"),
            ("apps/v1", "ReplicaSet"),
            ("v1", "ReplicationController"),
            ("batch/v1", "Job"),
            ("extensions/v1beta1", "Deployment"),
            ("argoproj.io/v1alpha1", "Rollout"),
        ]
    ],
    (
        "CronJob jobTemplate",
        _obj(
            "batch/v1",
            "CronJob",
            "spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
            + _indent(POD_SPEC, 6),
        ),
        ["spec.jobTemplate.spec.template.spec.containers[0].image"],
    ),
    (
        "PodTemplate template.spec",
        _obj("v1", "PodTemplate", "template:\n  spec:\n" + _indent(POD_SPEC, 0)),
        ["template.spec.containers[0].image"],
    ),
    (
        "Knative Service (CRD embedding a pod spec)",
        _obj("serving.knative.dev/v1", "Service", TEMPLATE),
        ["spec.template.spec.containers[0].image"],
    ),
    (
        "image volume",
        _obj(
            "v1",
            "Pod",
            "spec:\n" + POD_SPEC + "    volumes:\n    - name: v\n      image:\n"
            "        reference: data:1\n",
        ),
        ["spec.containers[0].image", "spec.volumes[0].image.reference"],
    ),
    (
        "env value",
        _obj(
            "v1",
            "Pod",
            "spec:\n" + POD_SPEC + "      env:\n      - name: E\n        value: app:1\n"
            "      - name: F\n        valueFrom: {secretKeyRef: {name: s, key: k}}\n",
        ),
        ["spec.containers[0].image", "spec.containers[0].env[0].value"],
    ),
    (
        "v1 List item (found by the caller per item; the walk itself goes everywhere)",
        _obj("v1", "List", "items:\n- kind: Pod\n  spec:\n" + _indent(POD_SPEC, 0)),
        ["items[0].spec.containers[0].image"],
    ),
    (
        "CustomResourceDefinition is never searched",
        _obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "spec:\n" + POD_SPEC),
        [],
    ),
    (
        "containers that is not a list",
        _obj("v1", "Pod", "spec:\n  containers: {image: app:1}\n"),
        [],
    ),
    (
        "container without an image",
        _obj("v1", "Pod", "spec:\n  containers:\n  - name: a\n"),
        [],
    ),
    (
        "image reached through an alias is not an edit target",
        "a: &img app:1\nspec:\n  containers:\n  - name: a\n    image: *img\n",
        [],
    ),
]


@pytest.mark.parametrize(("text", "paths"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_find(text: str, paths: list[str]) -> None:
    located = find(compose(text), env=True)
    assert [field_path(f.path) for f in located.fields] == paths


def test_env_only_on_request() -> None:
    text = "spec:\n  containers:\n  - image: a\n    env:\n    - {name: E, value: a}\n"
    located = find(compose(text), env=False)
    assert [f.place for f in located.fields] == [Place.CONTAINER]


def test_non_string_image_is_located_but_has_no_value() -> None:
    text = "spec:\n  containers:\n  - image: 8080\n"
    (field,) = find(compose(text), env=False).fields
    assert field.value is None


def test_a_pod_spec_through_a_merge_key_is_found() -> None:
    text = "x: &pod {containers: [{image: a:1}]}\nspec:\n  <<: *pod\n"
    paths = [field_path(f.path) for f in find(compose(text), env=False).fields]
    assert sorted(paths) == ["spec.containers[0].image", "x.containers[0].image"]


def test_recursive_merges_end() -> None:
    text = "a: &a\n  b:\n    <<: *a\n    containers: [{image: a:1}]\n"
    assert [f.value for f in find(compose(text), env=False).fields] == ["a:1", "a:1"]


def test_of_duplicate_keys_only_the_last_counts() -> None:
    text = (
        "spec:\n  containers: [{image: a:1}]\n  volumes: []\n"
        "spec:\n  initContainers: [{image: a:2}]\n"
    )
    located = find(compose(text), env=False)
    assert [(field_path(f.path), f.value) for f in located.fields] == [
        ("spec.initContainers[0].image", "a:2")
    ]
    assert located.duplicates == [("spec",)]


def test_an_inline_merge_key_is_merged_not_walked() -> None:
    text = "spec:\n  <<: {containers: [{image: a:1}]}\n"
    paths = [field_path(f.path) for f in find(compose(text), env=False).fields]
    assert paths == ["spec.containers[0].image"]


def test_a_key_before_a_merge_key_that_gives_it_is_ambiguous() -> None:
    text = (
        "x: &pod {containers: [{image: a:1}]}\n"
        "spec:\n  containers: [{image: a:2}]\n  <<: *pod\n"
        "  initContainers:\n  - {image: a:3, <<: {image: a:4}}\n"
        "  - {<<: {image: a:5}, image: a:6}\n"
    )
    located = find(compose(text), env=False)
    assert sorted(field_path(f.path) for f in located.fields) == [
        "spec.initContainers[1].image",
        "x.containers[0].image",
    ]
    assert [field_path(p) for p in located.ambiguous] == [
        "spec.containers",
        "spec.initContainers[0].image",
    ]


def test_a_pod_spec_merged_from_a_mapping_that_disagrees_is_ambiguous() -> None:
    text = (
        "x: &in {containers: [{image: a:1}]}\ny: &mid {containers: [{image: a:2}], <<: *in}\n"
        "spec:\n  <<: *mid\n"
    )
    located = find(compose(text), env=False)
    assert [field_path(f.path) for f in located.fields] == ["x.containers[0].image"]
    assert [field_path(p) for p in located.ambiguous] == ["spec.containers", "y.containers"]


VOLUME_ONLY = "volumes:\n- name: data\n  image: {reference: app:1, pullPolicy: Always}\n"


@pytest.mark.parametrize(
    ("api_version", "kind", "at"),
    [
        ("v1", "Pod", ["spec"]),
        ("v1", "PodTemplate", ["template", "spec"]),
        ("v1", "ReplicationController", ["spec", "template", "spec"]),
        ("apps/v1", "Deployment", ["spec", "template", "spec"]),
        ("apps/v1", "StatefulSet", ["spec", "template", "spec"]),
        ("apps/v1", "DaemonSet", ["spec", "template", "spec"]),
        ("extensions/v1beta1", "ReplicaSet", ["spec", "template", "spec"]),
        ("batch/v1", "Job", ["spec", "template", "spec"]),
        ("batch/v1", "CronJob", ["spec", "jobTemplate", "spec", "template", "spec"]),
    ],
)
def test_image_volumes_of_builtin_pod_specs_without_containers(
    api_version: str, kind: str, at: list[str]
) -> None:
    """SPEC §4, Tilt S6.3: a built-in kind's pod spec is known by its place, so its image
    volumes are found even when it has no container list."""
    body = "".join(f"{'  ' * i}{key}:\n" for i, key in enumerate(at))
    text = _obj(api_version, kind, body + _indent(VOLUME_ONLY, 2 * len(at)))
    located = find(compose(text), env=False)
    assert [(f.place, field_path(f.path), f.value) for f in located.fields] == [
        (Place.VOLUME, field_path([*at, "volumes", 0, "image", "reference"]), "app:1")
    ]


def test_image_volumes_without_containers_elsewhere_are_not_pod_specs() -> None:
    """A custom resource's `spec.volumes` with no container list is not known to be a pod
    spec (Tilt does not decode custom resources into pod specs either)."""
    text = _obj("example.com/v1", "Thing", "spec:\n" + _indent(VOLUME_ONLY, 2))
    assert find(compose(text), env=False).fields == []


@pytest.mark.parametrize("krm", [False, True], ids=["stream", "krm"])
def test_a_pod_with_only_an_image_volume_is_rewritten(krm: bool) -> None:
    pod = _obj("v1", "Pod", "spec:\n" + _indent(VOLUME_ONLY, 2))
    maps = imagemap("app", "app", "localhost:5000/app:tilt-1")
    if krm:
        items = _indent(f"- {_indent(pod, 2)[2:]}", 0)
        config = _indent(maps, 2)
        text = f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}"
        out = run_fn(f"{text}functionConfig:\n{config}")
    else:
        out = run_fn(f"{maps}---\n{pod}")
    assert out.exit_code == 0, out.stderr
    assert "image: {reference: localhost:5000/app:tilt-1, pullPolicy: IfNotPresent}" in out.stdout


def test_any_image_key_finds_strings_under_image_keys_only_on_request() -> None:
    text = "spec:\n  tool:\n    image: tool:1\n    tag: x\n  other: {picture: a:1, image: [a]}\n"
    assert find(compose(text), env=False).fields == []
    root = compose(text)
    (field,) = find(root, env=False, any_image_key=True).fields
    tool = nodes.get(nodes.get(root, "spec"), "tool")
    assert isinstance(tool, MappingNode)
    assert (field.place, field.path, field.found_by) == (
        Place.IMAGE_FIELD,
        ("spec", "tool", "image"),
        "anyImageKey",
    )
    assert (field.owner, field.key, field.node) == (tool, *tool.value[0])
    assert field.value == "tool:1"
    assert (field.object_keys, field.merged) == (None, False)


def test_a_mapping_and_a_list_beside_it_are_both_walked() -> None:
    text = "a: {containers: [{image: a:1}]}\nb: [{containers: [{image: b:1}]}, 1]\n"
    paths = [field_path(f.path) for f in find(compose(text), env=False).fields]
    assert paths == ["a.containers[0].image", "b[0].containers[0].image"]


def test_each_duplicate_key_is_reported_once() -> None:
    text = "a: 1\nb: {containers: [{image: a:1}]}\nb: {containers: [{image: a:2}]}\nc: 1\n"
    located = find(compose(text), env=False)
    assert located.duplicates == [("b",)]
    assert [f.value for f in located.fields] == ["a:2"]


def test_a_container_list_that_is_an_alias_is_left() -> None:
    text = "x: &c [{image: a:1}]\nspec:\n  containers: *c\n  initContainers: [{image: a:2}]\n"
    located = find(compose(text), env=False)
    assert located.aliased == [("spec", "containers")]
    assert [field_path(f.path) for f in located.fields] == ["spec.initContainers[0].image"]


@pytest.mark.parametrize(
    ("pairs", "ambiguous"),
    [
        ("a: 1, <<: {a: [1]}", ["x.a"]),  # only the merged value is a collection
        ("a: [1], <<: {a: 1}", ["x.a"]),  # only its own value is
        ("a: 1, <<: {a: 2}", []),  # scalars: no field here either way
        ("image: a:1, <<: {image: a:2}", []),  # an image string only with anyImageKey
    ],
)
def test_a_key_a_merge_key_shadows_is_ambiguous_when_the_walk_reads_it(
    pairs: str, ambiguous: list[str]
) -> None:
    located = find(compose(f"x: {{{pairs}}}\n"), env=False)
    assert [field_path(p) for p in located.ambiguous] == ambiguous
    assert located.fields == []


def test_with_any_image_key_an_image_string_a_merge_key_shadows_is_ambiguous() -> None:
    text = "x: {image: a:1, name: n, <<: {image: a:2, name: m}}\n"
    located = find(compose(text), env=False, any_image_key=True)
    assert located.ambiguous == [("x", "image")]
    assert located.fields == []


@pytest.mark.parametrize(
    ("api_version", "kind", "crd"),
    [
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition", True),
        ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", True),
        ("example.com/v1", "CustomResourceDefinition", False),
        ("apiextensions.k8s.io/v1", "Pod", False),
        ("apiextensions.k8s.io", "CustomResourceDefinition", False),  # no version: no group
    ],
)
def test_is_crd(api_version: str, kind: str, crd: bool) -> None:
    text = _obj(api_version, kind, "spec:\n" + POD_SPEC)
    assert is_crd(compose(text)) is crd
    assert [field_path(f.path) for f in find(compose(text), env=False).fields] == (
        [] if crd else ["spec.containers[0].image"]
    )


def test_a_pod_spec_that_merges_itself_is_walked_once() -> None:
    text = "spec: &s\n  <<: [*s, {initContainers: [{image: a:2}]}]\n  containers: [{image: a:1}]\n"
    located = find(compose(text), env=False)
    assert [field_path(f.path) for f in located.fields] == [
        "spec.initContainers[0].image",
        "spec.containers[0].image",
    ]
