"""kustomize inside kubectl 1.32 (kustomize v5.5.0): apply-imagemaps as a legacy exec plugin.

`kubectl kustomize --enable-alpha-plugins` runs
``$KUSTOMIZE_PLUGIN_HOME/tilt.dev/v1alpha1/imagemap/ImageMap CONFIG_FILE`` (or the same under
``$XDG_CONFIG_HOME/kustomize/plugin``) for each ImageMap listed under ``transformers:``, with the
resources on stdin. The KRM exec form (examples/kustomize/krm-exec) needs standalone
kustomize's ``--enable-exec``, which kubectl does not have: test_host_kustomize_standalone.py
runs it.

The plugin is installed with the recording apply-imagemaps first on PATH, so it runs that one:
each test holds what kustomize passed to it and got back against the oracle (hostlib.Recorder).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .hostlib import GOLDEN, INVALID_MAPS, REPO, Recorder, assert_golden, run

EXAMPLES = REPO / "examples" / "kustomize"
INSTALL = REPO / "scripts" / "install-kustomize-plugin"


def install_plugin(env: dict[str, str], *plugin_home: Path) -> None:
    installed = run(["bash", INSTALL, *plugin_home], env)
    assert installed.returncode == 0, installed.stderr


def kustomize(
    kubectl: Path, env: dict[str, str], directory: Path
) -> subprocess.CompletedProcess[str]:
    return run([kubectl, "kustomize", "--enable-alpha-plugins", directory], env)


@pytest.mark.parametrize("plugin_home", ["XDG_CONFIG_HOME", "KUSTOMIZE_PLUGIN_HOME"])
def test_legacy_exec_plugin_rewrites_images(
    plugin_home: str,
    kubectl: Path,
    recorded_env: dict[str, str],
    recorder: Recorder,
    tmp_path: Path,
) -> None:
    if plugin_home == "KUSTOMIZE_PLUGIN_HOME":
        recorded_env["KUSTOMIZE_PLUGIN_HOME"] = str(tmp_path / "plugins")
        install_plugin(recorded_env, tmp_path / "plugins")
    else:
        install_plugin(recorded_env)  # the default: $XDG_CONFIG_HOME/kustomize/plugin
    built = kustomize(kubectl, recorded_env, EXAMPLES / "legacy-plugin")
    assert built.returncode == 0, built.stderr
    # once for each of the two ImageMaps, the second on the first one's output
    first, second = recorder.check(2)
    assert b"tilt-" not in first.stdin and b"tilt-" in second.stdin
    assert_golden(GOLDEN / "kustomize-legacy-plugin.yaml", built.stdout)


def test_legacy_exec_plugin_failure_shows_the_reason(
    kubectl: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    install_plugin(recorded_env)
    kustomization = shutil.copytree(EXAMPLES / "legacy-plugin", tmp_path / "legacy-plugin")
    shutil.copy(INVALID_MAPS, kustomization / "imagemaps.yaml")
    built = kustomize(kubectl, recorded_env, kustomization)
    (fn,) = recorder.check(1)
    assert (fn.status, fn.stdout) == (1, b"")
    assert built.returncode == 1
    assert built.stdout == ""
    # kustomize hands the plugin its config as a temporary file, and names that file too.
    config = re.search(r"failure in plugin configured via (\S+);", built.stderr)
    assert config is not None, built.stderr
    assert (
        f"\t[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selecter (in {config[1]}):"
        ' unknown field "selecter"; did you mean "selector"?\n'
    ) in built.stderr


def test_kubectl_silently_skips_the_krm_exec_example(
    kubectl: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    # Why the README says this example needs standalone kustomize: kubectl ignores exec KRM
    # functions without a word, so nothing is rewritten.
    built = kustomize(kubectl, recorded_env, EXAMPLES / "krm-exec")
    assert built.returncode == 0, built.stderr
    recorder.check(0)  # not run at all
    assert "image: example.com/shop/api:3.2.0\n" in built.stdout


def test_legacy_exec_plugin_as_a_generator(
    kubectl: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    """An ApplyImageMaps under `generators:` emits its manifests with the ImageMaps applied
    (the plugin fn.apply-imagemaps.dev/v1alpha1/applyimagemaps/ApplyImageMaps, stdin empty)."""
    install_plugin(recorded_env)
    built = kustomize(kubectl, recorded_env, EXAMPLES / "generator")
    assert built.returncode == 0, built.stderr
    # a second run on its output would generate the manifests again: not a re-run check
    (fn,) = recorder.check(1, generated=True, stable=False)
    assert fn.stdin == b""
    assert_golden(GOLDEN / "kustomize-generator.yaml", built.stdout)
