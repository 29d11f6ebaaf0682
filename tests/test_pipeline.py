"""The run as a whole (krm_fn.pipeline): one orchestration for both modes. The same rules
in stream mode and in KRM mode, the order the sources are read in and the results are
written in, and what a run is given (config files, a reader, workers). Every output goes
through the oracle (`run_fn`, `checked_run`)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import yaml

from krm_fn.pipeline import ConfigFile, Output, run
from krm_fn.resourcelist import as_item
from krm_fn.results import FileRef, Result, Severity
from tests.conftest import imagemap, run_fn
from tests.oracle import checked_run
from tests.test_stream import OnePerDocument

MAPS = imagemap("app", "example.com/app", "localhost:5000/app:tilt-1")
NEW = "image: localhost:5000/app:tilt-1"
APP = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: web\n        image: example.com/app:1\n"
)


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


# --- one orchestration ------------------------------------------------------------------


def test_input_that_cannot_be_read_is_one_error() -> None:
    output = checked_run(b"a: \xff\n")
    assert output == Output(
        [], [Result(Severity.ERROR, "input is not UTF-8: byte 3 (line 1) is 0xff")], krm=False
    )


def test_the_mode_is_decided_by_the_input_alone() -> None:
    """A stream of ImageMaps and one ResourceList is a stream: the ResourceList is passed
    on as a document, the ImageMap document left out."""
    rl = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
    output = checked_run(("---\n" + MAPS + "---\n" + rl).encode())
    assert output.krm is False
    assert output.stdout.decode() == "---\n" + rl
    assert [str(r) for r in output.results] == [
        '[warning] tilt.dev/v1alpha1/ImageMap/app: ImageMap "app" matched no image (selector '
        '"example.com/app")'
    ]


def test_sources_are_read_function_config_then_files_then_items() -> None:
    """The first ImageMap of a name wins: the functionConfig's, then a file's, then an
    item's; the later ones are each reported where they are."""
    config = MAPS.replace("tilt-1", "tilt-config")
    listed = "apiVersion: tilt.dev/v1alpha1\nkind: ImageMapList\nitems:\n"
    listed += as_item(MAPS.replace("tilt-1", "tilt-item"), 0, "\n")
    head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
    text = head + "functionConfig:\n" + "".join("  " + line for line in config.splitlines(True))
    text += "items:\n" + as_item(listed, 0, "\n") + as_item(APP, 0, "\n")
    output = checked_run(text.encode(), [ConfigFile("maps.yaml", MAPS.encode())])
    again = 'ImageMap "app" is defined again with other contents; the first one is used'
    assert [(str(r.resource), r.file, r.message) for r in output.results[:2]] == [
        ("tilt.dev/v1alpha1/ImageMap/app", FileRef("maps.yaml"), again),
        ("tilt.dev/v1alpha1/ImageMapList", None, again),
    ]
    assert "localhost:5000/app:tilt-config" in output.stdout.decode()


def test_results_are_errors_then_config_then_objects() -> None:
    unbuilt = (
        "apiVersion: tilt.dev/v1alpha1\nkind: ImageMap\nmetadata: {name: unbuilt}\n"
        "spec: {selector: example.com/unbuilt}\n"
    )
    stream = "---\n" + APP + "---\nbad: [\n"
    files = [ConfigFile("maps.yaml", (MAPS + "---\n" + unbuilt).encode())]
    output = checked_run(stream.encode(), files)
    assert [(r.severity, str(r.resource or "")) for r in output.results] == [
        (Severity.ERROR, ""),  # the document that cannot be read
        (Severity.WARNING, "tilt.dev/v1alpha1/ImageMap/unbuilt"),  # not built
        (Severity.INFO, "apps/v1/Deployment/web"),
        (Severity.INFO, "apps/v1/Deployment/web"),
    ]
    assert output.stdout == b""


def test_a_document_that_cannot_be_read_may_hold_the_match() -> None:
    """So no ImageMap is reported unused when one cannot be read."""
    output = checked_run(b"---\nimage: [\n", [ConfigFile("maps.yaml", MAPS.encode())])
    assert [r.severity for r in output.results] == [Severity.ERROR]


def test_an_imagemap_used_only_by_a_generator_is_used() -> None:
    config = (
        "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\nmanifests:\n- |\n"
        + "".join("  " + line for line in APP.splitlines(True))
        + "imageMaps:\n- "
        + MAPS.replace("\n", "\n  ").rstrip()
        + "\n"
    )
    output = checked_run(
        b"", [ConfigFile("config.yaml", config.encode())], generated=True, stable=False
    )
    assert output.exit_code == 0
    assert "matched no image" not in " ".join(r.message for r in output.results)
    assert NEW in output.stdout.decode()


def test_workers_given_to_the_run_share_the_stream_out() -> None:
    workers = OnePerDocument()
    data = ("---\n" + APP + "---\n" + APP.replace("name: web", "name: two", 1)).encode()
    files = [ConfigFile("maps.yaml", MAPS.encode())]
    shared = run(data, files, workers=workers)
    assert workers.chunks == 2
    assert shared == checked_run(data, files)
