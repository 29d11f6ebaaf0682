"""Inside Tilt: the rendering half of each Tiltfile's deploy in examples/tilt-helm, run for real
with the variables Tilt set for a real apply_cmd (tests/testdata/tilt-observed/
k8s-custom-deploy-env.txt), Helm 3 (3.17.2) as `helm` (and Helm 4.1.4, with the plugin), and
kubectl 1.32's kustomize.

What cannot run here is said, not faked: Tilt itself (it cannot be installed; so the
Tiltfiles are not checked as Starlark, only read for the commands they run), and the
`kubectl apply -f - -o yaml` that ends each apply_cmd (there is no cluster). The `tilt` on
PATH is a stand-in that fails as one with no Tilt to reach would: the tilt get path is
tested in tests/test_tilt.py. helm_resource runs `helm upgrade --install FLAGS --set
KEY=IMAGE RELEASE CHART`; here `helm template` takes the same flags.

Every run of apply-imagemaps goes through the recorder and the oracle (hostlib.Recorder).
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from tests.tiltlib import deploy_env, stand_in

from .hostlib import REPO, Recorder, changed_lines, run

EXAMPLE = REPO / "examples" / "tilt-helm"
IMAGE = deploy_env()["TILT_IMAGE_0"]
NO_TILT = "echo 'stand-in: no Tilt to reach' >&2; exit 1"
WARNING = (
    '[warning] --tilt: "tilt get imagemap example.com_shop_api -o yaml" gave no ImageMaps '
    "(exit status 1: stand-in: no Tilt to reach), so the ImageMaps are made from "
    "TILT_IMAGE_MAP_i and TILT_IMAGE_i alone: they match the images Tilt gives those names, "
    "and their spec (matchExact, matchInEnvVars, overrideCommand, overrideArgs) is not known, "
    "so not applied\n"
)
# The chart's rendered containers, before and after (init container, then the API's own).
CHART_CHANGES = [
    '-          image: "example.com/shop/api:1.0.0"',
    f'+          image: "{IMAGE}"',
    "+          imagePullPolicy: IfNotPresent",
    '-          image: "example.com/shop/api:1.0.0"   # built by Tilt',
    f'+          image: "{IMAGE}"   # built by Tilt',
    "+          imagePullPolicy: IfNotPresent",
]


@pytest.fixture
def tilt_env(
    recorded_env: dict[str, str], helm3: Path, kubectl: Path, tmp_path: Path
) -> dict[str, str]:
    """The host environment with Tilt's variables for the apply_cmd, `helm` (Helm 3) and
    the stand-in `tilt` first on PATH."""
    bin_dir = stand_in(tmp_path, NO_TILT)
    (bin_dir / "helm").symlink_to(helm3)
    path = os.pathsep.join([str(bin_dir), str(kubectl.parent), recorded_env["PATH"]])
    return {**recorded_env, **deploy_env(), "PATH": path}


def tiltfile(name: str) -> str:
    return (EXAMPLE / name).read_text()


def render_command(name: str) -> str:
    """The Tiltfile's `render = '...'`: what its apply_cmd pipes into `kubectl apply`."""
    (command,) = re.findall(r"^render = '([^']*)'$", tiltfile(name), re.M)
    assert isinstance(command, str)
    assert "apply_cmd=render + ' | kubectl apply -f - -o yaml'" in tiltfile(name)
    return command


def test_k8s_custom_deploy_of_a_helm_chart(tilt_env: dict[str, str], recorder: Recorder) -> None:
    command = render_command("Tiltfile")
    rendered = run(["sh", "-c", command], tilt_env, cwd=EXAMPLE)
    assert rendered.returncode == 0, rendered.stderr
    (fn,) = recorder.check(1)
    assert fn.args == ["--tilt"] and fn.stderr.decode().startswith(WARNING)
    plain = run(["sh", "-c", command.split(" --post-renderer")[0]], tilt_env, cwd=EXAMPLE)
    assert changed_lines(plain.stdout, rendered.stdout) == CHART_CHANGES


def test_k8s_custom_deploy_of_a_helm_chart_with_helm_4(
    tilt_env: dict[str, str], helm4: Path, recorder: Recorder, tmp_path: Path
) -> None:
    """Helm 4 runs the plugin (helm-plugin/) with the same environment; it re-serializes
    what the plugin gives back, so only the images are compared."""
    helm = Path(tilt_env["PATH"].split(os.pathsep)[0]) / "helm"
    helm.unlink()
    helm.symlink_to(helm4)
    plugins = tmp_path / "helm4-plugins"
    plugins.mkdir()
    (plugins / "apply-imagemaps").symlink_to(REPO / "helm-plugin", target_is_directory=True)
    env = {**tilt_env, "HELM_PLUGINS": str(plugins)}
    rendered = run(["sh", "-c", render_command("Tiltfile")], env, cwd=EXAMPLE)
    assert rendered.returncode == 0, rendered.stderr
    (fn,) = recorder.check(1)
    assert fn.args == ["--tilt"] and fn.stderr.decode().startswith(WARNING)
    assert re.findall(r"image: (.*)", rendered.stdout) == [
        f'"{IMAGE}"',
        f'"{IMAGE}" # built by Tilt',
    ]
    assert rendered.stdout.count("imagePullPolicy: IfNotPresent") == 2


def test_helm_resource_flags(tilt_env: dict[str, str], recorder: Recorder) -> None:
    text = tiltfile("Tiltfile.helm_resource")
    (flags,) = [ast.literal_eval(f) for f in re.findall(r"^    flags=(\[.*\]),$", text, re.M)]
    (keys,) = [ast.literal_eval(k) for k in re.findall(r"^    image_keys=(\[.*\]),$", text, re.M)]
    assert "image_deps=['example.com/shop/api']" in text and len(keys) == 1
    # what helm_resource's helper adds after the flags: `--set KEY=TILT_IMAGE_0`
    chart = ["template", "shop", "chart", "--set", f"{keys[0]}={IMAGE}"]
    rendered = run(["helm", *chart, *flags], tilt_env, cwd=EXAMPLE)
    assert rendered.returncode == 0, rendered.stderr
    (fn,) = recorder.check(1)
    assert fn.args == ["--tilt"] and fn.stderr.decode().startswith(WARNING)
    plain = run(["helm", *chart], tilt_env, cwd=EXAMPLE)
    assert changed_lines(plain.stdout, rendered.stdout) == CHART_CHANGES


def test_k8s_custom_deploy_of_a_kustomize_directory(
    tilt_env: dict[str, str], recorder: Recorder
) -> None:
    command = render_command("Tiltfile.kustomize")
    rendered = run(["sh", "-c", command], tilt_env, cwd=EXAMPLE)
    assert rendered.returncode == 0, rendered.stderr
    (fn,) = recorder.check(1)
    assert rendered.stderr == fn.stderr.decode() and rendered.stderr.startswith(WARNING)
    plain = run(["sh", "-c", command.split(" | ")[0]], tilt_env, cwd=EXAMPLE)
    assert changed_lines(plain.stdout, rendered.stdout) == [
        "-      - image: example.com/shop/api:1.0.0",
        f"+      - image: {IMAGE}",
        "+        imagePullPolicy: IfNotPresent",
    ]
