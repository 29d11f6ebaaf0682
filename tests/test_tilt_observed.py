"""What the real Tilt did, as the product must do it (testdata/tilt-observed/README.md).

For the recorded `k8s_yaml` run, what Tilt sent to the API server (applied-*.json) is this
program's output with `pullPolicy: all` (Tilt's blanket rule) over resources.yaml, once
Tilt's own labels and annotations and Go's zero-value `{}` fields are set aside; with the
ImageMaps exactly as `tilt get imagemaps -o yaml` printed them, as an --imagemaps file,
inside the stream, and through --tilt (a stand-in `tilt` that prints them, as in
tiltlib.py); and from the recorded KubernetesApply as a generator, whose disableSource
ConfigMap, when it says true, makes it generate nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import conftest
from tests.conftest import run_fn
from tests.tiltlib import OBSERVED, PRINTED, TWO_MAPS, on_path, stand_in, use_env

KUBERNETES_APPLY = OBSERVED / "kubernetesapply-as-tilt-prints-it.yaml"
RESOURCES = (OBSERVED / "resources.yaml").read_text()
# Tilt's own, not image injection: set aside before comparing.
TILT_LABELS = {"app.kubernetes.io/managed-by", "tilt.dev/pod-template-hash"}
TILT_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}
PULL_POLICY_ALL = (
    "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\npullPolicy: all\n"
)
DISABLE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: frontend-disable
data:
  isDisabled: "{value}"
"""


def _without_tilt(value: Any, key: str = "") -> Any:
    """`value` without Tilt's labels and annotations, and without empty mappings (Go writes
    its zero-value structs, `strategy: {}`, `resources: {}`)."""
    if isinstance(value, dict):
        own = TILT_LABELS if key == "labels" else TILT_ANNOTATIONS if key == "annotations" else ()
        kept = {k: _without_tilt(v, k) for k, v in value.items() if k not in own}
        return {k: v for k, v in kept.items() if v != {}}
    if isinstance(value, list):
        return [_without_tilt(item) for item in value]
    return value


def _by_object(objects: list[Any]) -> dict[tuple[str, str, str], Any]:
    out = {}
    for obj in objects:
        if obj is not None:
            metadata = obj["metadata"]
            out[obj["kind"], metadata.get("namespace", ""), metadata["name"]] = _without_tilt(obj)
    return out


APPLIED = _by_object([json.loads(p.read_text()) for p in sorted(OBSERVED.glob("applied-*.json"))])


def _assert_as_tilt_applied(stdout: str) -> None:
    assert _by_object(list(yaml.safe_load_all(stdout))) == APPLIED


def test_what_tilt_applied_has_images_env_command_and_pull_policies() -> None:
    """The comparison sees the injection: the recorded objects are not the input's."""
    assert _by_object(list(yaml.safe_load_all(RESOURCES))) != APPLIED
    assert len(APPLIED) == 2


def test_imagemaps_file_as_tilt_printed_it(maps_file: conftest.MapsFile) -> None:
    out = run_fn(RESOURCES, "--imagemaps", str(PRINTED), "--imagemaps", maps_file(PULL_POLICY_ALL))
    assert out.exit_code == 0, out.stderr
    _assert_as_tilt_applied(out.stdout)


def test_imagemaps_inside_the_stream_as_tilt_printed_them(maps_file: conftest.MapsFile) -> None:
    stream = PRINTED.read_text() + "---\n" + RESOURCES
    out = run_fn(stream, "--imagemaps", maps_file(PULL_POLICY_ALL))
    assert out.exit_code == 0, out.stderr
    assert "ImageMap" not in out.stdout
    _assert_as_tilt_applied(out.stdout)


def test_tilt_mode_with_tilt_get(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, maps_file: conftest.MapsFile
) -> None:
    use_env(monkeypatch, TWO_MAPS, on_path(stand_in(tmp_path, f"cat {PRINTED}")))
    out = run_fn(RESOURCES, "--tilt", "--imagemaps", maps_file(PULL_POLICY_ALL), environ=os.environ)
    assert out.exit_code == 0, out.stderr
    _assert_as_tilt_applied(out.stdout)


def _generate(stdin: str, maps_file: conftest.MapsFile, stable: bool = False) -> conftest.Run:
    """The recorded KubernetesApply as a generator (a stream generator run again generates
    its objects again: `stable` only for a ResourceList)."""
    args = ["--imagemaps", str(PRINTED), "--imagemaps", str(KUBERNETES_APPLY)]
    config = maps_file(PULL_POLICY_ALL)
    return run_fn(stdin, *args, "--imagemaps", config, generated=True, stable=stable)


def test_kubernetes_apply_as_tilt_printed_it(maps_file: conftest.MapsFile) -> None:
    out = _generate(DISABLE.format(value="false"), maps_file)
    assert out.exit_code == 0, out.stderr
    assert "[warning]" not in out.stderr
    generated = out.stdout.removeprefix(DISABLE.format(value="false"))
    _assert_as_tilt_applied(generated)


def test_kubernetes_apply_disabled_by_its_configmap_generates_nothing(
    maps_file: conftest.MapsFile,
) -> None:
    disabled = DISABLE.format(value="True")  # Go's ParseBool
    out = _generate(disabled, maps_file)
    assert (out.exit_code, out.stdout) == (0, disabled)
    assert out.stderr.splitlines()[0] == (
        "[info] tilt.dev/v1alpha1/KubernetesApply/frontend spec.disableSource (in "
        f'{KUBERNETES_APPLY}): disabled by ConfigMap "frontend-disable": its manifests are '
        "not generated"
    )


@pytest.mark.parametrize(
    ("stdin", "problem"),
    [
        ("", 'ConfigMap "frontend-disable" is not among the items'),
        (DISABLE.format(value="maybe"), 'ConfigMap "frontend-disable" data "isDisabled" is '
         '"maybe", not a boolean'),
    ],
)  # fmt: skip
def test_kubernetes_apply_stays_enabled_without_a_clear_configmap(
    stdin: str, problem: str, maps_file: conftest.MapsFile
) -> None:
    out = _generate(stdin, maps_file)
    assert out.exit_code == 0, out.stderr
    assert out.stderr.splitlines()[0] == (
        "[warning] tilt.dev/v1alpha1/KubernetesApply/frontend spec.disableSource (in "
        f"{KUBERNETES_APPLY}): stays enabled: {problem}"
    )
    _assert_as_tilt_applied(out.stdout.removeprefix(stdin))


def test_kubernetes_apply_in_a_resource_list_disabled(maps_file: conftest.MapsFile) -> None:
    """KRM mode: the ConfigMap is an item; the items come back, and nothing is added."""
    item = "\n".join("  " + line for line in DISABLE.format(value="1").splitlines())
    resource_list = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n-" + item[1:] + "\n"
    )
    out = _generate(resource_list, maps_file, stable=True)
    assert out.exit_code == 0, out.stderr
    assert yaml.safe_load(out.stdout)["items"] == [yaml.safe_load(DISABLE.format(value="1"))]
    assert "disabled by ConfigMap" in out.stdout


EVERY = """\
apiVersion: tilt.dev/v1alpha1
kind: KubernetesApply
metadata: {name: both}
spec:
  disableSource: {everyConfigMap: [{name: a, key: isDisabled}, {name: b, key: isDisabled}]}
  yaml: "apiVersion: v1\\nkind: Service\\nmetadata: {name: s}\\n"
"""


@pytest.mark.parametrize(("a", "b", "generated"), [("t", "1", False), ("t", "false", True)])
def test_every_configmap_must_say_true(
    a: str, b: str, generated: bool, maps_file: conftest.MapsFile
) -> None:
    stdin = "".join(
        "---\n" + DISABLE.replace("frontend-disable", n).format(value=v)
        for n, v in (("a", a), ("b", b))
    )
    config = maps_file(EVERY)
    out = run_fn(stdin, "--imagemaps", config, generated=True, stable=False)
    assert out.exit_code == 0, out.stderr
    assert ("kind: Service" in out.stdout) is generated
    disabled = (
        f"[info] tilt.dev/v1alpha1/KubernetesApply/both spec.disableSource (in {config}): "
        'disabled by ConfigMap "a", "b": its manifests are not generated\n'
    )
    assert out.stderr == ("" if generated else disabled)


def test_a_disable_source_without_its_key_is_a_config_error(maps_file: conftest.MapsFile) -> None:
    every = "everyConfigMap: [{name: a, key: isDisabled}, {name: b, key: isDisabled}]"
    config = maps_file(EVERY.replace(every, "configMap: {name: a}"))
    out = run_fn("", "--imagemaps", config)
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr == (
        f"[error] tilt.dev/v1alpha1/KubernetesApply/both spec.disableSource.configMap.key (in "
        f"{config}): required field is missing\n"
    )
