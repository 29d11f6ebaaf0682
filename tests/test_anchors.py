"""Anchors, aliases and merge keys (SPEC §6, issue 12 classes 2, 3 and 6), in both modes.

An anchored value that an alias uses is left with a warning (rewriting it would change every
use), as is a pull policy, command or args that is an alias; a container's image, pull
policy, command or args that comes through a merge key is written in its own mapping.
Every run is checked by the oracle (tests/oracle.py, through `run_fn`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.conftest import MapsFile, imagemap, run_fn

NEW = "localhost:5000/app:tilt-1"
MAPS = imagemap("app", "example.com/app", NEW)
MODES = ["stream", "krm"]


def _pod(containers: str, extra: str = "", name: str = "web") -> str:
    """A Pod: `extra` top-level keys (anchors live there), then the containers."""
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n{extra}"
        "spec:\n  containers:\n" + containers
    )


def _krm(stream: str) -> str:
    """The stream's documents as the items of one ResourceList (one YAML document)."""
    docs = [d for d in re.split(r"(?m)^---\n", stream) if d.strip()]
    items = "".join(
        "".join(("  " if i else "- ") + line for i, line in enumerate(d.splitlines(True)))
        for d in docs
    )
    return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items


class Ran:
    def __init__(self, mode: str, stream: str, maps_file: MapsFile, maps: str) -> None:
        out = run_fn(stream if mode == "stream" else _krm(stream), "--imagemaps", maps_file(maps))
        assert out.exit_code == 0, out.stderr + out.stdout
        self.text = out.stdout
        if mode == "stream":
            self.objects = [d for d in yaml.safe_load_all(out.stdout) if d is not None]
            lines = out.stderr.splitlines()
            self.results = [re.sub(r"^(\[\w+\]) \S+ ", r"\1 ", line) for line in lines]
        else:
            rl = yaml.safe_load(out.stdout)
            self.objects = rl["items"]
            self.results = [
                f"[{r['severity']}] {r.get('field', {}).get('path', '')}: {r['message']}"
                for r in rl.get("results") or []
            ]

    def container(self, index: int = 0, obj: int = 0) -> Any:
        return self.objects[obj]["spec"]["containers"][index]

    def said(self, severity: str, path: str, *words: str) -> bool:
        return any(
            r.startswith(f"[{severity}] {path}: ") and all(w in r for w in words)
            for r in self.results
        )


# --- class 2: an anchored value that an alias uses elsewhere ---------------------------

CONTAINER = "  - name: app\n    image: &img example.com/app\n"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("extra", "more"),
    [
        ("metadata2:\n  annotations: {built: *img}\n", ""),  # after the containers
        ("", "    args: [*img]\n"),
        ("", "    env: [{name: IMAGE, value: *img}]\n"),
        ("", "  - name: side\n    image: *img\n"),
    ],
    ids=["annotation", "args", "env-value", "other-container"],
)
def test_an_anchored_image_an_alias_uses_is_left(
    mode: str, extra: str, more: str, maps_file: MapsFile
) -> None:
    ran = Ran(mode, _pod(CONTAINER + more) + extra, maps_file, MAPS)
    assert ran.container()["image"] == "example.com/app"
    assert "imagePullPolicy" not in ran.container()
    assert ran.said("warning", "spec.containers[0].image", "&img", "*img", "left as it is")
    assert not any(r.startswith("[info]") for r in ran.results)


@pytest.mark.parametrize("mode", MODES)
def test_an_anchor_no_alias_uses_is_rewritten_in_place(mode: str, maps_file: MapsFile) -> None:
    ran = Ran(mode, _pod(CONTAINER), maps_file, MAPS)
    assert f"image: &img {NEW}\n" in ran.text
    assert ran.container()["imagePullPolicy"] == "IfNotPresent"


@pytest.mark.parametrize("mode", MODES)
def test_an_anchor_an_alias_in_another_object_uses_is_left(mode: str, maps_file: MapsFile) -> None:
    """A ResourceList is one YAML document, so anchors span its items; in a stream, the
    objects of a v1 List do."""
    pod = _pod(CONTAINER)
    other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  image: *img\n"
    if mode == "krm":
        stream = pod + "---\n" + other
    else:
        stream = _krm(pod + "---\n" + other).replace(
            "config.kubernetes.io/v1\nkind: ResourceList", "v1\nkind: List"
        )
    ran = Ran(mode, stream, maps_file, MAPS)
    objects = ran.objects if mode == "krm" else ran.objects[0]["items"]
    assert objects[0]["spec"]["containers"][0]["image"] == "example.com/app"
    assert ran.said("warning", "spec.containers[0].image", "&img")


@pytest.mark.parametrize("mode", MODES)
def test_an_anchored_pull_policy_or_command_an_alias_uses_is_left(
    mode: str, maps_file: MapsFile
) -> None:
    containers = (
        "  - name: app\n    image: example.com/app\n"
        "    imagePullPolicy: &pp Always\n    command: &cmd [serve]\n"
        "  - name: side\n    image: other\n    imagePullPolicy: *pp\n    command: *cmd\n"
    )
    maps = imagemap("app", "example.com/app", NEW, overrideCommand={"command": ["run"]})
    ran = Ran(mode, _pod(containers), maps_file, maps)
    assert ran.container()["image"] == NEW
    assert ran.container()["imagePullPolicy"] == "Always"
    assert ran.container()["command"] == ["serve"]
    assert ran.said("warning", "spec.containers[0].imagePullPolicy", "&pp")
    assert ran.said("warning", "spec.containers[0].command", "&cmd")
    assert "&cmd [serve]" in ran.text  # the anchor its alias names is still there


@pytest.mark.parametrize("mode", MODES)
def test_a_container_an_alias_uses_is_left(mode: str, maps_file: MapsFile) -> None:
    containers = "  - &c {name: app, image: example.com/app}\n  - *c\n"
    ran = Ran(mode, _pod(containers), maps_file, MAPS)
    assert ran.container()["image"] == "example.com/app"
    assert ran.said("warning", "spec.containers[0].image", "&c")
    assert ran.said("warning", "spec.containers[1]", "alias")


# --- class 3: an alias as the value of a key an edit sets ------------------------------

ANCHORS = "x-defaults:\n  policy: &pp Always\n  command: &cmd [serve]\n  args: &args [-v]\n"


@pytest.mark.parametrize("mode", MODES)
def test_an_alias_pull_policy_command_or_args_is_left(mode: str, maps_file: MapsFile) -> None:
    containers = (
        "  - name: app\n    image: example.com/app\n"
        "    imagePullPolicy: *pp\n    command: *cmd\n    args: *args\n"
    )
    maps = imagemap(
        "app",
        "example.com/app",
        NEW,
        overrideCommand={"command": ["run"]},
        overrideArgs={"args": []},
    )
    ran = Ran(mode, _pod(containers, ANCHORS), maps_file, maps)
    assert ran.container()["image"] == NEW
    assert ran.container()["imagePullPolicy"] == "Always"
    assert ran.container()["command"] == ["serve"]
    assert ran.container()["args"] == ["-v"]
    container = ran.text.split("- name: app", 1)[1].split("results:")[0]
    for key in ("imagePullPolicy", "command", "args"):
        assert container.count(f"{key}:") == 1  # no second key
        assert ran.said("warning", f"spec.containers[0].{key}", "alias", "left as it is")


# --- class 6: merge keys ---------------------------------------------------------------

BASE = (
    "x-defaults: &base\n  image: example.com/app\n  imagePullPolicy: Always\n"
    "  command: [serve]\n  args: [-v]\n"
)


@pytest.mark.parametrize("mode", MODES)
def test_a_merged_image_is_written_in_the_containers_own_mapping(
    mode: str, maps_file: MapsFile
) -> None:
    maps = imagemap("app", "example.com/app", NEW, overrideCommand={"command": ["run"]})
    ran = Ran(mode, _pod("  - <<: *base\n    name: app\n", BASE), maps_file, maps)
    assert ran.container() == {
        "name": "app",
        "image": NEW,
        "imagePullPolicy": "IfNotPresent",
        "command": ["run"],
        "args": ["-v"],
    }
    assert ran.objects[0]["x-defaults"]["image"] == "example.com/app"  # left alone
    indent = "  " if mode == "stream" else "    "
    assert (
        f"{indent}- <<: *base\n{indent}  image: {NEW}\n{indent}  command:\n{indent}  - run\n"
        f"{indent}  imagePullPolicy: IfNotPresent\n{indent}  name: app\n"
    ) in ran.text
    for key in ("image", "imagePullPolicy", "command"):
        assert ran.said("info", f"spec.containers[0].{key}")


@pytest.mark.parametrize("mode", MODES)
def test_merged_keys_in_a_flow_mapping(mode: str, maps_file: MapsFile) -> None:
    ran = Ran(mode, _pod("  - {<<: *base, name: app}\n", BASE), maps_file, MAPS)
    assert f"- {{<<: *base, image: {NEW}, imagePullPolicy: IfNotPresent, name: app}}" in ran.text


@pytest.mark.parametrize("mode", MODES)
def test_a_list_of_merged_mappings_and_own_keys(mode: str, maps_file: MapsFile) -> None:
    """Which of two merged mappings wins is tested in tests/test_locate.py: PyYAML 6.0.4,
    which the oracle reads with, takes the later one for some keys (it dedups them by
    `id()` of the key string), where go-yaml and the merge-key spec take the earlier."""
    extra = (
        "x-a: &a {image: example.com/app}\nx-b: &b {imagePullPolicy: IfNotPresent, args: [-v]}\n"
    )
    containers = (
        "  - <<: [*a, *b]\n    name: first\n"
        "  - <<: *a\n    name: own\n    image: example.com/mine\n"
    )
    ran = Ran(mode, _pod(containers, extra), maps_file, MAPS)
    # the pull policy it merges is IfNotPresent already: nothing to write
    assert ran.container(0) == {
        "name": "first",
        "image": NEW,
        "imagePullPolicy": "IfNotPresent",
        "args": ["-v"],
    }
    assert ran.container(1)["image"] == "example.com/mine"
    assert ran.text.count(f"image: {NEW}") == 1
    assert "imagePullPolicy: IfNotPresent\n" not in ran.text.split("x-b")[1]


@pytest.mark.parametrize("mode", MODES)
def test_a_merged_command_is_not_removed(mode: str, maps_file: MapsFile) -> None:
    maps = imagemap("app", "example.com/app", NEW, overrideArgs={"args": []})
    ran = Ran(mode, _pod("  - <<: *base\n    name: app\n", BASE), maps_file, maps)
    assert ran.container()["image"] == NEW
    assert ran.container()["args"] == ["-v"]
    assert ran.said("warning", "spec.containers[0].args", "merge key")


@pytest.mark.parametrize("mode", MODES)
def test_env_and_pod_specs_through_merge_keys_are_left(mode: str, maps_file: MapsFile) -> None:
    extra = (
        "x-env: &env\n  env: [{name: IMAGE, value: example.com/app}]\n"
        "x-pod: &pod\n  containers: [{name: tpl, image: example.com/app}]\n"
    )
    containers = "  - <<: *env\n    name: app\n    image: example.com/app\n"
    stream = _pod(containers, extra) + "  <<: *pod\n"
    stream = stream.replace("spec:\n  containers:\n", "spec:\n  initContainers:\n")
    maps = imagemap("app", "example.com/app", NEW, matchInEnvVars=True)
    ran = Ran(mode, stream, maps_file, maps)
    spec = ran.objects[0]["spec"]
    assert spec["initContainers"][0]["image"] == NEW
    assert spec["initContainers"][0]["env"] == [{"name": "IMAGE", "value": "example.com/app"}]
    assert spec["containers"] == [{"name": "tpl", "image": "example.com/app"}]
    assert ran.said("warning", "spec.initContainers[0].env[0].value", "&env")
    assert ran.said("warning", "spec.containers[0].image", "&pod")


# --- a merge key after a key it gives too: readers disagree -----------------------------
# go-yaml v2 (Kubernetes) sets keys in order, so `<<` overrides the keys before it; go-yaml
# v3 (kustomize) and PyYAML take the own key. Such a key is left, with a warning.

DISAGREE = ("go-yaml v2", "go-yaml v3", "left as it is")


@pytest.mark.parametrize("mode", MODES)
def test_an_own_image_before_a_merge_key_is_left(mode: str, maps_file: MapsFile) -> None:
    containers = "  - image: example.com/other\n    <<: *base\n    name: app\n"
    ran = Ran(mode, _pod(containers, BASE), maps_file, MAPS)
    assert ran.container()["image"] == "example.com/other"  # as PyYAML reads it: unchanged
    assert ran.text.count(NEW) == 0
    assert ran.said("warning", "spec.containers[0].image", "image", *DISAGREE)
    assert not any(r.startswith("[info]") for r in ran.results)
    assert any('ImageMap "app" matched no image' in r for r in ran.results)


@pytest.mark.parametrize("mode", MODES)
def test_an_own_pull_policy_command_or_args_before_a_merge_key_is_left(
    mode: str, maps_file: MapsFile
) -> None:
    containers = (
        "  - imagePullPolicy: Never\n    command: [own]\n    args: [-q]\n"
        "    <<: *base\n    name: app\n"
    )
    maps = imagemap(
        "app",
        "example.com/app",
        NEW,
        overrideCommand={"command": ["run"]},
        overrideArgs={"args": []},
    )
    ran = Ran(mode, _pod(containers, BASE), maps_file, maps)
    assert ran.container() == {
        "name": "app",
        "image": NEW,  # merged only: written after the merge key, as before
        "imagePullPolicy": "Never",
        "command": ["own"],
        "args": ["-q"],
    }
    for key in ("imagePullPolicy", "command", "args"):
        assert ran.said("warning", f"spec.containers[0].{key}", key, *DISAGREE)
        assert not ran.said("info", f"spec.containers[0].{key}")
    assert ran.said("info", "spec.containers[0].image")


@pytest.mark.parametrize("mode", MODES)
def test_an_own_key_after_the_merge_key_or_one_the_merge_lacks_is_rewritten(
    mode: str, maps_file: MapsFile
) -> None:
    """An explicit key after `<<` wins for every reader; one before it that the merged
    mapping does not give is read alike too."""
    extra = BASE + "x-other: &other {resources: {}}\n"
    containers = (
        "  - <<: *base\n    image: example.com/app\n    imagePullPolicy: Never\n    name: after\n"
        "  - image: example.com/app\n    imagePullPolicy: Never\n    <<: *other\n    name: lacks\n"
    )
    ran = Ran(mode, _pod(containers, extra), maps_file, MAPS)
    for index in (0, 1):
        assert ran.container(index)["image"] == NEW
        assert ran.container(index)["imagePullPolicy"] == "IfNotPresent"
    assert not any("go-yaml" in r for r in ran.results)


@pytest.mark.parametrize("mode", MODES)
def test_a_merged_mapping_with_its_own_disagreement_is_left(mode: str, maps_file: MapsFile) -> None:
    """The container merges `&mid`, whose own image comes before a merge key that gives
    one too: Kubernetes reads the inner one, kustomize `&mid`'s."""
    extra = (
        "x-inner: &inner {image: example.com/app}\n"
        "x-mid: &mid\n  image: example.com/other\n  <<: *inner\n"
    )
    ran = Ran(mode, _pod("  - <<: *mid\n    name: app\n", extra), maps_file, MAPS)
    assert ran.text.count(NEW) == 0
    assert ran.said("warning", "spec.containers[0].image", *DISAGREE)


@pytest.mark.parametrize("mode", MODES)
def test_env_and_container_lists_before_a_merge_key_are_left(
    mode: str, maps_file: MapsFile
) -> None:
    extra = (
        "x-env: &env\n  env: [{name: IMAGE, value: example.com/other}]\n"
        "x-pod: &pod\n  containers: [{name: tpl, image: example.com/other}]\n"
    )
    containers = (
        "  - name: app\n    image: example.com/app\n"
        "    env: [{name: IMAGE, value: example.com/app}]\n    <<: *env\n"
    )
    stream = _pod(containers, extra) + "  <<: *pod\n"
    maps = imagemap("app", "example.com/app", NEW, matchInEnvVars=True)
    ran = Ran(mode, stream, maps_file, maps)
    assert ran.text.count(NEW) == 0  # the own containers' image is in a shadowed list
    assert ran.said("warning", "spec.containers", "containers", *DISAGREE)
    assert not ran.said("info", "")


@pytest.mark.parametrize("mode", MODES)
def test_own_env_before_a_merge_key_is_left(mode: str, maps_file: MapsFile) -> None:
    extra = "x-env: &env\n  env: [{name: IMAGE, value: example.com/other}]\n"
    containers = (
        "  - name: app\n    image: example.com/app\n"
        "    env: [{name: IMAGE, value: example.com/app}]\n    <<: *env\n"
    )
    maps = imagemap("app", "example.com/app", NEW, matchInEnvVars=True)
    ran = Ran(mode, _pod(containers, extra), maps_file, maps)
    assert ran.container()["image"] == NEW
    assert ran.container()["env"] == [{"name": "IMAGE", "value": "example.com/app"}]
    assert ran.said("warning", "spec.containers[0].env", "env", *DISAGREE)


@pytest.mark.parametrize("mode", MODES)
def test_an_image_volume_reference_before_a_merge_key_is_left(
    mode: str, maps_file: MapsFile
) -> None:
    extra = "x-ref: &ref {reference: example.com/other}\n"
    stream = (
        _pod("  - name: app\n    image: busybox\n", extra)
        + "  volumes:\n  - name: v\n    image:\n      reference: example.com/app\n      <<: *ref\n"
    )
    ran = Ran(mode, stream, maps_file, MAPS)
    assert ran.text.count(NEW) == 0
    assert ran.said("warning", "spec.volumes[0].image.reference", "reference", *DISAGREE)
