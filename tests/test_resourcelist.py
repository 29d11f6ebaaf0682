"""The ResourceList in and out (krm_fn.resourcelist): its parts read with a problem for
each malformed one; results and new items go after the whole of the last item, however
that item's text ends, and nothing of it is lost.

Every run here is checked by the oracle (tests/oracle.py through run_fn): the items that
come out are the items that went in, with exactly the reported changes.
"""

from __future__ import annotations

import json

import pytest
import yaml

from krm_fn import documents, resourcelist
from krm_fn.documents import Document
from krm_fn.resourcelist import ResourceList, as_item
from krm_fn.results import Result, Severity
from tests.conftest import MapsFile, imagemap, run_fn
from tests.oracle import assert_exact

MAP = imagemap("web", "nginx", "localhost:5000/nginx:tilt-1")
POD = """\
- apiVersion: v1
  kind: Pod
  metadata:
    name: web
    annotations:
      note: &note kept
  spec:
    containers:
    - name: web
      image: nginx
"""
# How the last item (or functionConfig) of a ResourceList can end; each once cut the
# output short: the results went in after the first line of the last item.
ENDINGS = {
    "empty-flow-mapping": "  status: {}\n",
    "empty-flow-sequence": "  ports: []\n",
    "nested-empty-mapping": "  status:\n    conditions:\n      last: {}\n",
    "alias": "  copy: *note\n",
    "alias-in-a-list": "  copies:\n  - *note\n",
    "alias-in-a-nested-list": "  copies:\n  - [a]\n  - - *note\n",
    "flow-mapping-with-comment": "  status: {}  # from kubectl\n",
    "block-scalar": "  notes: |\n    one\n\n",
}


CONFIG = "functionConfig:\n" + "".join(f"  {line}\n" for line in MAP.splitlines())


def _resource_list(items: str) -> str:
    """A ResourceList with the ImageMap as functionConfig, `items` last."""
    return f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n{CONFIG}items:\n{items}"


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_results_follow_the_whole_last_item(ending: str) -> None:
    """KRM mode: the last item ends in `{}`, `[]` or an alias, and `items` is the last key."""
    out = run_fn(_resource_list(POD + ending))
    assert out.exit_code == 0, out.stderr
    data = yaml.safe_load(out.stdout)
    assert len(data["items"]) == 1
    assert data["items"][0]["spec"]["containers"][0]["image"] == "localhost:5000/nginx:tilt-1"
    assert [r["severity"] for r in data["results"]] == ["info", "info"]


@pytest.mark.parametrize("ending", ["labels: {}", "annotations: {}", "finalizers: []"])
def test_results_follow_a_function_config_that_is_last(ending: str) -> None:
    """The functionConfig is the last key and ends in `{}` or `[]` (a config may hold no
    alias: that is an error of its own)."""
    config = (
        "functionConfig:\n  apiVersion: tilt.dev/v1alpha1\n  kind: ImageMap\n"
        "  spec: {selector: nginx}\n  status: {image: 'localhost:5000/nginx:tilt-1'}\n"
        f"  metadata:\n    name: web\n    {ending}\n"
    )
    head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
    out = run_fn(f"{head}items:\n{POD}{config}")
    assert out.exit_code == 0, out.stderr
    data = yaml.safe_load(out.stdout)
    assert data["functionConfig"]["kind"] == "ImageMap"
    assert len(data["results"]) == 2


def test_kubectl_made_objects_all_come_back() -> None:
    """Objects as `kubectl create ... --dry-run=client -o yaml` writes them (each ends in
    `status: {}`), several in a row: every item comes back, in order."""
    deployment = """\
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    creationTimestamp: null
    labels:
      app: web
    name: web
  spec:
    replicas: 1
    selector:
      matchLabels:
        app: web
    strategy: {}
    template:
      metadata:
        creationTimestamp: null
        labels:
          app: web
      spec:
        containers:
        - image: nginx
          name: nginx
          resources: {}
  status: {}
"""
    job = deployment.replace("Deployment", "Job").replace("apps/v1", "batch/v1")
    job = job.replace("name: web\n", "name: job\n", 1)
    out = run_fn(_resource_list(deployment + job))
    assert out.exit_code == 0, out.stderr
    names = [i["metadata"]["name"] for i in yaml.safe_load(out.stdout)["items"]]
    assert names == ["web", "job"]


def test_json_resource_list_ending_in_an_empty_object() -> None:
    item = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]},
        "status": {},
    }
    config = yaml.safe_load(MAP)
    text = json.dumps(
        {
            "apiVersion": "config.kubernetes.io/v1",
            "kind": "ResourceList",
            "functionConfig": config,
            "items": [item],
        }
    )
    out = run_fn(text)
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["items"][0]["status"] == {}
    assert len(data["results"]) == 2


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_stream_mode_document_ending_the_same_way(ending: str, maps_file: MapsFile) -> None:
    """Stream mode: the same objects as documents; what follows the last one is kept."""
    doc = "".join(line[2:] + "\n" for line in (POD + ending).splitlines())
    text = "---\n" + doc + "---\n" + doc.replace("name: web\n", "name: two\n", 1)
    out = run_fn(text, "--imagemaps", maps_file(MAP))
    assert out.exit_code == 0, out.stderr
    docs = list(yaml.safe_load_all(out.stdout))
    assert [d["metadata"]["name"] for d in docs] == ["web", "two"]


# --- the unit: read, write, as_item ----------------------------------------------------


def _read(text: str) -> tuple[Document, ResourceList]:
    (doc,) = documents.split(text)
    root = doc.compose()
    assert isinstance(root, yaml.MappingNode)
    return doc, resourcelist.read(root)


def test_read_gives_a_problem_for_each_malformed_part() -> None:
    _, rl = _read(
        "apiVersion: v1\nkind: ResourceList\nfunctionConfig: ~\nitems: [a, {kind: Pod}]\n"
    )
    assert rl.function_config is None  # null: no config
    assert [i.value[0][1].value for i in rl.items] == ["Pod"]
    assert [str(p) for p in rl.problems] == [
        "[error] ResourceList items[0]: expected an object (a mapping)"
    ]
    _, rl = _read("apiVersion: v1\nkind: ResourceList\nitems: {}\n")
    assert [str(p) for p in rl.problems] == [
        "[error] ResourceList items: expected a list of objects"
    ]
    _, rl = _read("apiVersion: v1\nkind: ResourceList\n")
    assert (rl.items, rl.problems, rl.flow) == ([], [], False)


RESULT = Result(Severity.INFO, "new")


@pytest.mark.parametrize(
    ("text", "results", "written"),
    [
        (
            "kind: ResourceList\nitems: []\nresults:\n- {message: old}\n",
            [],
            "kind: ResourceList\nitems: []\n",
        ),
        (
            "kind: ResourceList\nitems: []\nresults:\n- {message: old}\n",
            [RESULT],
            "kind: ResourceList\nitems: []\nresults:\n- message: new\n  severity: info\n",
        ),
        (
            '{"kind": "ResourceList", "items": [], "results": [{"message": "old"}]}',
            [],
            '{"kind": "ResourceList", "items": []}',
        ),
        (
            '{"kind": "ResourceList", "items": []}',
            [RESULT],
            '{"kind": "ResourceList", "items": [], "results": [{"message": "new", "severity": '
            '"info"}]}',
        ),
    ],
)
def test_write_replaces_the_results(text: str, results: list[Result], written: str) -> None:
    doc, rl = _read(text)
    assert resourcelist.write(doc, rl, [], results) == written


def test_write_appends_new_items_in_the_lists_style() -> None:
    doc, rl = _read('{"kind": "ResourceList", "items": [{"kind": "Pod"}]}')
    assert resourcelist.write(doc, rl, [], [], ['{"kind": "Service"}']) == (
        '{"kind": "ResourceList", "items": [{"kind": "Pod"}, {"kind": "Service"}]}'
    )
    text = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - kind: Pod\n"
    doc, rl = _read(text)
    out = resourcelist.write(doc, rl, [], [], ["---\nkind: Service\n"])
    assert out == text + "  - kind: Service\n"
    assert_exact(text, out, None, generated=True)


def test_as_item_indents_a_document_as_an_item() -> None:
    doc = "--- # c\nkind: Pod\nmetadata:\n  name: p\n\n\n"
    assert as_item(doc, 2, "\n") == "  - # c\n    kind: Pod\n    metadata:\n      name: p\n"
    assert as_item("---\n", 0, "\r\n") == "- {}\r\n"
    assert yaml.safe_load("items:\n" + as_item(doc, 2, "\n")) == {
        "items": [{"kind": "Pod", "metadata": {"name": "p"}}]
    }
