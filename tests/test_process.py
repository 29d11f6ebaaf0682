"""The run as a whole (krm_fn/process.py): which documents are composed, which are config,
and how each result names its file, in stream mode and in KRM mode."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import yaml

from krm_fn.pipeline import ConfigFile, run
from krm_fn.resourcelist import as_item
from krm_fn.results import FileRef, Result
from tests.conftest import CORPUS, imagemap, run_fn

MAPS = imagemap("app", "example.com/app", "localhost:5000/app:tilt-1")
NEW = "image: localhost:5000/app:tilt-1"


def resource_list(*docs: str) -> str:
    """A ResourceList of `docs` as kpt sends it (block style), with no functionConfig."""
    items = "".join(as_item(d, 0, "\n") for d in docs)
    return f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}"


def both_modes(docs: list[str], maps_path: str) -> list[tuple[str, str, str, int]]:
    """(mode, stdout, results, exit code) of the same documents as a stream and as a
    ResourceList, with the ImageMaps of `maps_path`; the results one a line, as stream
    mode writes them to stderr (`apiVersion/kind/name path: message`)."""
    stream = run_fn("".join("---\n" + d for d in docs), "--imagemaps", maps_path)
    krm = run_fn(resource_list(*docs), "--imagemaps", maps_path)
    lines = [
        "{apiVersion}/{kind}/{name}".format(**r.get("resourceRef", {}))
        + f" {r.get('field', {}).get('path', '')}: {r['message']}"
        for r in yaml.safe_load(krm.stdout).get("results", [])
    ]
    return [
        ("stream", stream.stdout, stream.stderr, stream.exit_code),
        ("krm", krm.stdout, "\n".join(lines), krm.exit_code),
    ]


# --- class 8: the CRD rule is one rule, on the parsed object ---------------------------

_DEPLOYMENT_HEAD = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
_POD_TEMPLATE = (
    "spec:\n  template:\n    spec:\n      containers:\n      - name: web\n"
    "        image: example.com/app:1\n"
)

# A Deployment whose text has a column-0 `kind: CustomResourceDefinition` line that is
# not a key: libyaml and go-yaml read a multi-line quoted scalar's lines at any column.
# The JSON one is strictly valid YAML 1.2 (a flow document's lines need no indentation).
CRD_LINE_IN_A_STRING = {
    "double-quoted": _DEPLOYMENT_HEAD
    + '  annotations:\n    example.com/note: "a CRD is declared as\n'
    + 'kind: CustomResourceDefinition\n    elsewhere"\n'
    + _POD_TEMPLATE,
    "single-quoted": _DEPLOYMENT_HEAD
    + "  annotations:\n    example.com/note: 'see\nkind: CustomResourceDefinition\n    '\n"
    + _POD_TEMPLATE,
    "json": '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web",\n'
    '"annotations": {"example.com/note": "a CRD is declared as\n'
    "kind: CustomResourceDefinition\n"
    '"}}, "spec": {"template": {"spec": {"containers": [\n'
    '{"name": "web", "image": "example.com/app:1"}]}}}}\n',
}


@pytest.mark.parametrize("case", sorted(CRD_LINE_IN_A_STRING))
def test_a_crd_kind_line_inside_a_string_does_not_hide_a_deployment(
    case: str, maps_file: Callable[[str], str]
) -> None:
    doc = CRD_LINE_IN_A_STRING[case]
    assert re.search(r"^kind: CustomResourceDefinition$", doc, re.M)
    assert yaml.safe_load(doc)["kind"] == "Deployment"
    for mode, stdout, results, code in both_modes([doc], maps_file(MAPS)):
        assert code == 0, (mode, results)
        assert "localhost:5000/app:tilt-1" in stdout, mode
        assert 'ImageMap "app" set container image "example.com/app:1"' in results, mode


CUSTOM_KIND_NAMED_CRD = (
    "apiVersion: example.com/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: not-a-crd\n"
    + _POD_TEMPLATE
)
REAL_CRD = (
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
    "  name: apps.example.com\nspec:\n  group: example.com\n  versions:\n  - name: v1\n"
    "    schema:\n      openAPIV3Schema:\n        type: object\n        default:\n"
    "          containers:\n          - name: web\n            image: example.com/app:1\n"
)


def test_the_crd_rule_is_the_same_in_both_modes(maps_file: Callable[[str], str]) -> None:
    """A CRD is `kind: CustomResourceDefinition` of `apiextensions.k8s.io`: never searched,
    even for a pod spec in its schema; a custom kind of that name in another group is."""
    for mode, stdout, results, code in both_modes(
        [CUSTOM_KIND_NAMED_CRD, REAL_CRD], maps_file(MAPS)
    ):
        assert code == 0, (mode, results)
        assert stdout.count(NEW) == 1, mode
        assert "example.com/v1/CustomResourceDefinition/not-a-crd spec.template" in results, mode
        assert "apiextensions" not in results, mode


# --- class 9: ImageMaps inside an ImageMapList or a v1 List in the input -------------

TILT_PRINTED = CORPUS.parent / "reference" / "tilt-observed" / "imagemaps-as-tilt-prints-them.yaml"
FRONTEND = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: frontend\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: web\n        image: example.com/shop/frontend:1\n"
)
FRONTEND_BUILT = "localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2"


def _imagemap_list() -> str:
    item = imagemap("frontend", "example.com/shop/frontend", FRONTEND_BUILT)
    return "apiVersion: tilt.dev/v1alpha1\nkind: ImageMapList\nitems:\n" + as_item(item, 0, "\n")


LISTS = {
    "v1 List as tilt prints it": TILT_PRINTED.read_text() if TILT_PRINTED.exists() else "",
    "ImageMapList": _imagemap_list(),
}


@pytest.mark.parametrize("case", sorted(LISTS))
def test_a_list_of_imagemaps_in_a_stream_is_used_and_removed(case: str) -> None:
    if not LISTS[case]:
        pytest.skip(f"{TILT_PRINTED} is not there")
    result = run_fn("---\n" + LISTS[case] + "---\n" + FRONTEND)
    assert result.exit_code == 0, result.stderr
    built = FRONTEND.replace("example.com/shop/frontend:1", FRONTEND_BUILT)
    assert result.stdout == "---\n" + built + "        imagePullPolicy: IfNotPresent\n"
    assert "ImageMap" not in result.stdout


@pytest.mark.parametrize("case", sorted(LISTS))
def test_a_list_of_imagemaps_in_a_resourcelist_is_used_and_kept(case: str) -> None:
    if not LISTS[case]:
        pytest.skip(f"{TILT_PRINTED} is not there")
    result = run_fn(resource_list(LISTS[case], FRONTEND))
    assert result.exit_code == 0, result.stderr
    out = yaml.safe_load(result.stdout)
    assert out["items"][0] == yaml.safe_load(LISTS[case])
    container = out["items"][1]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == FRONTEND_BUILT


MIXED_LIST = (
    "apiVersion: v1\nkind: List\nitems:\n"
    + as_item(imagemap("frontend", "example.com/shop/frontend", FRONTEND_BUILT), 0, "\n")
    + as_item(FRONTEND, 0, "\n")
)


def test_a_list_mixing_imagemaps_and_other_objects_is_an_error_in_a_stream() -> None:
    """It can neither go on to Helm (which would install the ImageMaps) nor be dropped
    (with the Deployment)."""
    result = run_fn("---\n" + MIXED_LIST)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "[error] v1/List: this List holds ImageMaps and other objects" in result.stderr


def test_a_list_mixing_imagemaps_and_other_objects_is_used_in_a_resourcelist() -> None:
    result = run_fn(resource_list(MIXED_LIST))
    assert result.exit_code == 0, result.stderr
    items = yaml.safe_load(result.stdout)["items"][0]["items"]
    assert items[0] == yaml.safe_load(
        imagemap("frontend", "example.com/shop/frontend", FRONTEND_BUILT)
    )
    assert items[1]["spec"]["template"]["spec"]["containers"][0]["image"] == FRONTEND_BUILT


# --- class 10: Helm file indexes count every document of the file ---------------------


def _file_of(results: list[Result], message: str) -> list[FileRef | None]:
    return [r.file for r in results if message in r.message]


def test_calico_daemonset_is_document_2_of_its_template() -> None:
    data = (CORPUS / "streams" / "calico.yaml").read_bytes()
    maps = imagemap("node", "quay.io/calico/node", "localhost:5000/node:tilt-1")
    output = run(data, [ConfigFile("maps.yaml", maps.encode())])
    files = set(_file_of(output.results, 'ImageMap "node" set'))
    assert files == {FileRef("calico/templates/calico-node.yaml", 2)}


def _helm3(path: str, doc: str) -> str:
    return f"---\n# Source: {path}\n{doc}"


def _helm4(path: str, doc: str) -> str:
    return "---\n" + doc.replace(
        "metadata:\n",
        f"metadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: '{path}'\n",
        1,
    )


SERVICE_ACCOUNT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"
APP = FRONTEND.replace("example.com/shop/frontend:1", "example.com/app:1")


@pytest.mark.parametrize("helm", [_helm3, _helm4], ids=["helm3", "helm4"])
def test_helm_file_indexes_count_documents_that_hold_no_image(helm) -> None:  # type: ignore[no-untyped-def]
    """Two documents of t.yaml before the Deployment, one of them an ImageMap (removed
    from the output, but a document of the file all the same)."""
    stream = (
        helm("chart/templates/t.yaml", SERVICE_ACCOUNT)
        + helm("chart/templates/other.yaml", SERVICE_ACCOUNT)
        + helm("chart/templates/t.yaml", imagemap("unbuilt", "example.com/unbuilt", "x:1"))
        + helm("chart/templates/t.yaml", APP)
    )
    output = run(stream.encode(), [ConfigFile("maps.yaml", MAPS.encode())])
    assert _file_of(output.results, 'ImageMap "app" set') == [FileRef("chart/templates/t.yaml", 2)]
    assert _file_of(output.results, 'ImageMap "unbuilt"') == [FileRef("chart/templates/t.yaml", 1)]
    assert "kind: ImageMap" not in output.stdout.decode()


def test_krm_file_indexes_are_kpts() -> None:
    """In KRM mode the file and index are kpt's annotations, which count every object."""
    docs = [
        SERVICE_ACCOUNT.replace(
            "metadata:\n",
            f"metadata:\n  annotations:\n    config.kubernetes.io/path: t.yaml\n"
            f"    config.kubernetes.io/index: '{i}'\n",
        )
        for i in range(2)
    ] + [
        APP.replace(
            "metadata:\n",
            "metadata:\n  annotations:\n    config.kubernetes.io/path: t.yaml\n"
            "    config.kubernetes.io/index: '2'\n",
        )
    ]
    output = run(resource_list(*docs).encode(), [ConfigFile("maps.yaml", MAPS.encode())])
    assert _file_of(output.results, 'ImageMap "app" set') == [FileRef("t.yaml", 2)]
