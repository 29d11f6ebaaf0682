"""Properties of the whole pipeline on generated manifests (hypothesis): the output parses,
equals the input with exactly the expected fields changed, keeps every document in order,
and is a fixed point; every output passes the oracle (tests/oracle.py)."""

from __future__ import annotations

from typing import Any
from unittest import mock

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from krm_fn import parallel
from krm_fn.pipeline import ConfigFile, run
from krm_fn.reference import parse_normalized_named
from tests.oracle import checked_run

NAMES = ["app", "example.com/app", "docker.io/library/app", "example.com/app-worker", "other"]
SUFFIXES = ["", ":1.0", ":dev", "@sha256:" + "ab" * 32]
INJECTED = ["localhost:5000/app:tilt-1", "example.com/app:tilt-2", "app:tilt-3"]

images = st.builds(str.__add__, st.sampled_from(NAMES), st.sampled_from(SUFFIXES))
containers = st.lists(
    st.fixed_dictionaries(
        {
            "image": images,
            "policy": st.sampled_from([None, "Always", "IfNotPresent"]),
            "quote": st.sampled_from(["", "'", '"']),
            "comment": st.booleans(),
        }
    ),
    min_size=1,
    max_size=3,
)
documents = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["Pod", "Deployment", "CronJob"]),
            "containers": containers,
            "init": st.lists(images, max_size=2),
            "wide": st.booleans(),
        }
    ),
    min_size=1,
    max_size=4,
)

SPEC_PATH = {
    "Pod": ("v1", []),
    "Deployment": ("apps/v1", ["template", "spec"]),
    "CronJob": ("batch/v1", ["jobTemplate", "spec", "template", "spec"]),
}


def _render(index: int, doc: dict[str, Any]) -> str:
    api, path = SPEC_PATH[doc["kind"]]
    lines = [
        f"apiVersion: {api}",
        f"kind: {doc['kind']}",
        "metadata:",
        f"  name: d{index}",
        "spec:",
    ]
    indent = 2
    for key in path:
        lines.append(" " * indent + f"{key}:")
        indent += 2
    dash = " " * (indent + (2 if doc["wide"] else 0)) + "- "
    inner = " " * (len(dash))
    lines.append(" " * indent + "containers:")
    for i, c in enumerate(doc["containers"]):
        q = c["quote"]
        lines.append(f"{dash}name: c{i}")
        lines.append(f"{inner}image: {q}{c['image']}{q}" + ("  # note" if c["comment"] else ""))
        if c["policy"]:
            lines.append(f"{inner}imagePullPolicy: {c['policy']}")
    if doc["init"]:
        lines.append(" " * indent + "initContainers:")
        for i, image in enumerate(doc["init"]):
            lines += [f"{dash}name: i{i}", f"{inner}image: {image}"]
    return "\n".join(lines) + "\n"


def _expected(data: dict[str, Any], selector: str, injected: str) -> dict[str, Any]:
    wanted = parse_normalized_named(selector)
    inject = parse_normalized_named(injected)
    spec = data["spec"]
    for key in SPEC_PATH[data["kind"]][1]:
        spec = spec[key]
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        ref = parse_normalized_named(container["image"])
        if ref.name == wanted.name or str(ref) == str(inject):
            container["image"] = inject.familiar_string()
            container["imagePullPolicy"] = "IfNotPresent"
    return data


def _imagemap(selector: str, injected: str) -> str:
    return (
        "apiVersion: tilt.dev/v1alpha1\nkind: ImageMap\nmetadata: {name: m}\n"
        f"spec: {{selector: {selector}}}\nstatus: {{image: '{injected}'}}\n"
    )


@settings(max_examples=150, deadline=None)
@given(documents, st.sampled_from(NAMES[:4]), st.sampled_from(INJECTED))
def test_only_matching_fields_change(
    docs: list[dict[str, Any]], selector: str, injected: str
) -> None:
    text = "---\n".join(_render(i, d) for i, d in enumerate(docs))
    maps = ConfigFile("m.yaml", _imagemap(selector, injected).encode())
    first = checked_run(text.encode(), [maps])
    assert first.exit_code == 0
    out = first.stdout.decode()
    before = list(yaml.safe_load_all(text))
    assert list(yaml.safe_load_all(out)) == [_expected(d, selector, injected) for d in before]


@settings(max_examples=60, deadline=None)
@given(documents, st.sampled_from(NAMES[:4]), st.integers(min_value=2, max_value=4))
def test_sharing_out_among_processes_changes_nothing(
    docs: list[dict[str, Any]], selector: str, jobs: int
) -> None:
    """Every document its own chunk if need be (`MIN_CHUNK` 1): the output and results,
    Helm file indexes included, are those of one process."""
    text = "".join(
        f"---\n# Source: c/templates/t{i % 2}.yaml\n{_render(i, d)}" for i, d in enumerate(docs)
    )
    maps = ConfigFile("m.yaml", _imagemap(selector, INJECTED[0]).encode())
    with mock.patch.object(parallel, "MIN_CHUNK", 1):
        alone = checked_run(text.encode(), [maps])
        assert run(text.encode(), [maps], workers=parallel.Workers(jobs)) == alone
