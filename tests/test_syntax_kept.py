"""Inserted text keeps the document's syntax (SPEC §6), end to end in both modes: after an
explicit key (`? image`) at the column of the mapping's keys; in a JSON document or a JSON
ResourceList as JSON; a block scalar's header comment kept when its value is replaced.
Every run is checked by the oracle (tests.conftest.run_fn)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import yaml

from krm_fn.resourcelist import as_item
from tests.conftest import imagemap, run_fn

RL_HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
JSON_RL_HEAD = '{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": ['
MAPS = imagemap(
    "app",
    "example.com/app",
    "localhost:5000/app:tilt-1",
    overrideCommand={"command": ["/bin/app", "--dev"]},
    overrideArgs={"args": ["yes"]},
)

EXPLICIT_KEYS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - ? name
          : web
          ? image
          : example.com/app # built by CI
        - ? image
          : example.com/app
          ? imagePullPolicy
          : Always
          ? command
          : [old]
"""
EXPLICIT_KEYS_OUT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - ? name
          : web
          ? image
          : localhost:5000/app:tilt-1 # built by CI
          command:
            - /bin/app
            - --dev
          args:
            - "yes"
          imagePullPolicy: IfNotPresent
        - ? image
          : localhost:5000/app:tilt-1
          args:
            - "yes"
          ? imagePullPolicy
          : IfNotPresent
          ? command
          : [/bin/app, --dev]
"""

BLOCK_SCALARS = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: |- # built by CI
      example.com/app
  - name: b
    image: >-
      example.com/app
    imagePullPolicy: |- # pinned
      Always
"""
BLOCK_SCALARS_OUT = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: "localhost:5000/app:tilt-1" # built by CI
    command:
    - /bin/app
    - --dev
    args:
    - "yes"
    imagePullPolicy: IfNotPresent
  - name: b
    image: "localhost:5000/app:tilt-1"
    command:
    - /bin/app
    - --dev
    args:
    - "yes"
    imagePullPolicy: "IfNotPresent" # pinned
"""

JSON_POD = (
    '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {'
    '"containers": [{"name": "a", "image": "example.com/app"}], '
    '"initContainers": [{"name": "i", "image": "example.com/app", "command": null}]}}'
)
JSON_POD_OUT = (
    '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {'
    '"containers": [{"name": "a", "image": "localhost:5000/app:tilt-1", '
    '"command": ["/bin/app", "--dev"], "args": ["yes"], "imagePullPolicy": "IfNotPresent"}], '
    '"initContainers": [{"name": "i", "image": "localhost:5000/app:tilt-1", '
    '"args": ["yes"], "imagePullPolicy": "IfNotPresent", "command": ["/bin/app", "--dev"]}]}}'
)

# `kubectl get -o json`'s layout
JSON_DEPLOYMENT = """\
{
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web"
    },
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {
                        "image": "example.com/app:1.0",
                        "imagePullPolicy": "Always",
                        "name": "web"
                    }
                ]
            }
        }
    }
}"""
JSON_DEPLOYMENT_OUT = """\
{
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web"
    },
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {
                        "image": "localhost:5000/app:tilt-1",
                        "command": ["/bin/app", "--dev"],
                        "args": ["yes"],
                        "imagePullPolicy": "IfNotPresent",
                        "name": "web"
                    }
                ]
            }
        }
    }
}"""

CASES = {
    "explicit-keys": (EXPLICIT_KEYS, EXPLICIT_KEYS_OUT),
    "block-scalar-header-comment": (BLOCK_SCALARS, BLOCK_SCALARS_OUT),
    "json-one-line": (JSON_POD + "\n", JSON_POD_OUT + "\n"),
    "json-kubectl": (JSON_DEPLOYMENT + "\n", JSON_DEPLOYMENT_OUT + "\n"),
    "json-crlf": (
        JSON_DEPLOYMENT.replace("\n", "\r\n") + "\r\n",
        JSON_DEPLOYMENT_OUT.replace("\n", "\r\n") + "\r\n",
    ),
    "json-no-final-newline": (JSON_DEPLOYMENT, JSON_DEPLOYMENT_OUT),
}


@pytest.fixture
def maps(maps_file: Callable[[str], str]) -> str:
    return maps_file(MAPS)


def _is_json(text: str) -> bool:
    return text.lstrip().startswith("{")


@pytest.mark.parametrize(("doc", "expected"), CASES.values(), ids=CASES)
def test_stream(doc: str, expected: str, maps: str) -> None:
    run = run_fn(doc, "--imagemaps", maps)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == expected
    if _is_json(doc):
        assert json.loads(run.stdout) == yaml.safe_load(run.stdout)


@pytest.mark.parametrize(("doc", "expected"), CASES.values(), ids=CASES)
def test_resource_list(doc: str, expected: str, maps: str) -> None:
    """The same objects as items of a YAML ResourceList: edited as in stream mode."""
    eol = "\r\n" if "\r\n" in doc else "\n"
    wrap = RL_HEAD.replace("\n", eol) + as_item(doc, 0, eol)
    run = run_fn(wrap, "--imagemaps", maps)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith(RL_HEAD.replace("\n", eol) + as_item(expected, 0, eol))
    results = yaml.safe_load(run.stdout)["results"]
    assert {r["severity"] for r in results} == {"info"}


@pytest.mark.parametrize(
    ("doc", "expected"), [v for v in CASES.values() if _is_json(v[0])], ids=list(CASES)[2:]
)
def test_json_resource_list(doc: str, expected: str, maps: str) -> None:
    """A JSON ResourceList comes back as JSON, its items edited as JSON documents."""
    doc, expected = doc.rstrip(), expected.rstrip()
    run = run_fn(JSON_RL_HEAD + doc + "]}", "--imagemaps", maps)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith(JSON_RL_HEAD + expected + "], ")
    out = json.loads(run.stdout)
    assert out["items"] == [json.loads(expected)]
    assert {r["severity"] for r in out["results"]} == {"info"}


def test_multiline_json_resource_list_gets_results_on_a_line_of_their_own(maps: str) -> None:
    text = '{\n  "apiVersion": "config.kubernetes.io/v1",\n  "kind": "ResourceList",\n'
    text += '  "items": []\n}\n'
    run = run_fn(text, "--imagemaps", maps)
    assert run.stdout.startswith(text[: -len("\n}\n")] + ',\n  "results": [{"message": ')
    assert run.stdout.endswith("}]\n}\n")
    assert json.loads(run.stdout)["results"][0]["severity"] == "warning"  # matched nothing


def test_resource_list_with_explicit_keys_gets_results_at_their_column(maps: str) -> None:
    text = "? apiVersion\n: config.kubernetes.io/v1\n? kind\n: ResourceList\n? items\n: "
    text += as_item("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", 2, "\n").lstrip()
    run = run_fn(text, "--imagemaps", maps)
    assert run.stdout.startswith(text + "results:\n- message: ")
    assert yaml.safe_load(run.stdout)["items"] == [yaml.safe_load(text)["items"][0]]
