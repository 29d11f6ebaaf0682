"""Object identity and file references (krm_fn.objects): what names an object in a result,
and which file and index it came from, in a stream (Helm 3 and 4) and in a ResourceList
(kpt)."""

from __future__ import annotations

import pytest
from yaml import Node

from krm_fn import documents, objects
from krm_fn.results import FileRef, ResourceRef


def node(text: str) -> Node:
    root = documents.split(text)[0].compose()
    assert root is not None
    return root


def test_kind_of_reads_only_strings_of_a_mapping() -> None:
    assert objects.kind_of(node("apiVersion: apps/v1\nkind: Deployment\n")) == (
        "apps/v1",
        "Deployment",
    )
    assert objects.kind_of(node("apiVersion: 1\nkind: [Pod]\n")) == ("", "")
    assert objects.kind_of(node("- kind: Pod\n")) == ("", "")
    assert objects.kind_of(None) == ("", "")


def test_ref_is_apiversion_kind_name_and_namespace() -> None:
    obj = node("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n")
    assert objects.ref(obj) == ResourceRef("v1", "Pod", "web", "shop")
    assert str(objects.ref(obj)) == "v1/Pod/shop/web"
    assert objects.ref(node("kind: Pod\n")) == ResourceRef("", "Pod", "", "")
    assert objects.ref(node("metadata: {name: 7}\nspec: {}\n")) is None  # nothing names it
    assert objects.ref(node("metadata: {name: '7'}\n")) == ResourceRef("", "", "7", "")


def test_name() -> None:
    assert objects.name(node("metadata: {name: cm}\n")) == "cm"
    assert objects.name(node("metadata: {name: [cm]}\n")) is None
    assert objects.name(node("kind: Pod\n")) is None


def test_annotation_is_the_first_of_the_keys_that_is_a_string() -> None:
    obj = node("metadata:\n  annotations:\n    a: 1\n    b: two\n    c: three\n")
    assert objects.annotation(obj, "a", "b", "c") == "two"  # `1` is an int, not a string
    assert objects.annotation(obj, "c", "b") == "three"
    assert objects.annotation(obj, "z") is None
    assert objects.annotation(None, "a") is None


def test_each_is_the_object_or_a_v1_lists_items() -> None:
    one = node("apiVersion: v1\nkind: Pod\n")
    assert list(objects.each(one)) == [one]
    items = node("apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n- kind: Service\n")
    assert [objects.kind_of(i)[1] for i in objects.each(items)] == ["Pod", "Service"]
    assert list(objects.each(node("apiVersion: v1\nkind: List\nitems: 3\n"))) == []
    other = node("apiVersion: example.com/v1\nkind: List\nitems:\n- kind: Pod\n")
    assert list(objects.each(other)) == [other]  # only v1's List holds objects


def test_helm3_source_is_the_comment_after_the_marker() -> None:
    assert objects.helm_source("---\n# Source: chart/templates/a.yaml\nkind: Pod\n") == (
        "chart/templates/a.yaml"
    )
    assert objects.helm_source("---\r\n# Source: chart/a.yaml\r\nkind: Pod\r\n") == ("chart/a.yaml")
    assert objects.helm_source("# Source: chart/a.yaml\nkind: Pod\n") is None  # no marker
    assert objects.helm_source("---\nkind: Pod\n# Source: chart/a.yaml\n") is None


HELM4 = (
    "---\nkind: Pod\nmetadata:\n  annotations:\n"
    "    postrenderer.helm.sh/postrender-filename: chart/templates/b.yaml\n"
)


def test_helm4_file_is_read_from_the_node_only_without_a_helm3_comment() -> None:
    assert objects.helm4_only(HELM4)
    both = HELM4.replace("---\n", "---\n# Source: chart/templates/a.yaml\n")
    assert not objects.helm4_only(both)
    assert not objects.helm4_only("---\nkind: Pod\n")
    seen: dict[str, int] = {}
    assert objects.helm_file(both, node(both), seen) == FileRef("chart/templates/a.yaml", 0)
    assert objects.helm_file(HELM4, node(HELM4), seen) == FileRef("chart/templates/b.yaml", 0)
    assert objects.helm_file(HELM4, None, seen) is None  # not composed: not known


def test_helm_file_indexes_count_every_document_of_the_file() -> None:
    seen: dict[str, int] = {}
    texts = [
        "---\n# Source: c/a.yaml\n",  # no content: still a document of the file
        "---\n# Source: c/b.yaml\nkind: Pod\n",
        "---\nkind: Pod\n",  # no file
        "---\n# Source: c/a.yaml\nkind: Pod\n",
    ]
    files = [objects.helm_file(text, None, seen) for text in texts]
    assert files == [FileRef("c/a.yaml", 0), FileRef("c/b.yaml", 0), None, FileRef("c/a.yaml", 1)]
    assert seen == {"c/a.yaml": 1, "c/b.yaml": 0}  # the last index given


@pytest.mark.parametrize(
    ("annotations", "file"),
    [
        ("config.kubernetes.io/path: a.yaml\n    config.kubernetes.io/index: '2'\n", ("a.yaml", 2)),
        (
            "internal.config.kubernetes.io/path: new.yaml\n"
            "    config.kubernetes.io/path: old.yaml\n"
            "    internal.config.kubernetes.io/index: '1'\n    config.kubernetes.io/index: '5'\n",
            ("new.yaml", 1),
        ),
        ("config.kubernetes.io/path: a.yaml\n", ("a.yaml", 0)),
        ("config.kubernetes.io/path: a.yaml\n    config.kubernetes.io/index: x\n", ("a.yaml", 0)),
        ("config.kubernetes.io/index: '3'\n", None),
    ],
)
def test_krm_file_is_kpts_path_and_index(annotations: str, file: tuple[str, int] | None) -> None:
    item = node(f"kind: Pod\nmetadata:\n  annotations:\n    {annotations}")
    assert objects.krm_file(item) == (FileRef(*file) if file else None)
