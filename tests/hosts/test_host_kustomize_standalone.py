"""Standalone kustomize 5.6.0 (Debian 13's package: scripts/get-kustomize): apply-imagemaps as
a KRM exec function, ``kustomize build --enable-alpha-plugins --enable-exec``.

kustomize runs the function's ``exec.path`` (``apply-imagemaps``, found on PATH: the recording
one) in the kustomization's directory, with a ResourceList on stdin whose functionConfig is
the ApplyImageMaps object: under ``transformers:`` its items are the resources
(examples/kustomize/krm-exec), under ``generators:`` the config itself, marked local-config
(examples/kustomize/krm-exec-generator). Each run is held against the oracle
(hostlib.Recorder); kustomize's own output (it sorts keys and drops comments) is golden.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.oracle import load_all

from .hostlib import GOLDEN, REPO, Recorder, assert_golden, run
from .test_host_kustomize import install_plugin

EXAMPLES = REPO / "examples" / "kustomize"
ENABLE = ("--enable-alpha-plugins", "--enable-exec")


def build(
    kustomize: Path, env: dict[str, str], directory: Path, *flags: str
) -> subprocess.CompletedProcess[str]:
    return run([kustomize, "build", *flags, directory], env)


def test_krm_exec_function_rewrites_images(
    kustomize: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    built = build(kustomize, recorded_env, EXAMPLES / "krm-exec", *ENABLE)
    assert built.returncode == 0, built.stderr
    (fn,) = recorder.check(1)
    assert fn.args == [] and fn.cwd == EXAMPLES / "krm-exec"
    assert b"kind: ResourceList" in fn.stdin
    assert_golden(GOLDEN / "kustomize-krm-exec.yaml", built.stdout)


def test_krm_exec_generator_adds_the_manifests(
    kustomize: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    built = build(kustomize, recorded_env, EXAMPLES / "krm-exec-generator", *ENABLE)
    assert built.returncode == 0, built.stderr
    # a second run on its output would generate the manifests again: not a re-run check
    (fn,) = recorder.check(1, generated=True, stable=False)
    (rl_in,) = load_all(fn.stdin)
    assert [item["kind"] for item in rl_in["items"]] == ["ApplyImageMaps"]
    assert_golden(GOLDEN / "kustomize-generator.yaml", built.stdout)  # as the legacy plugin


def test_krm_exec_failure_shows_the_errors(
    kustomize: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    """kustomize shows only the function's stderr, never the ResourceList's results: the
    error results must be on stderr themselves."""
    kustomization = shutil.copytree(EXAMPLES / "krm-exec", tmp_path / "krm-exec")
    config = kustomization / "apply-imagemaps.yaml"
    config.write_text(config.read_text().replace("      selector:", "      selecter:"))
    built = build(kustomize, recorded_env, kustomization, *ENABLE)
    (fn,) = recorder.check(1)
    assert fn.status == 1
    assert (built.returncode, built.stdout) == (1, "")
    (rl_out,) = load_all(fn.stdout)
    errors = [r["message"] for r in rl_out["results"] if r["severity"] == "error"]
    assert any('unknown field "selecter"; did you mean "selector"?' in m for m in errors)
    for message in errors:
        assert message in built.stderr, f"kustomize's output lacks the error {message!r}"


def test_without_enable_exec_the_function_is_skipped(
    kustomize: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    # Why the README says `--enable-exec`: without it kustomize ignores the exec function
    # without a word, so nothing is rewritten.
    built = build(kustomize, recorded_env, EXAMPLES / "krm-exec", "--enable-alpha-plugins")
    assert built.returncode == 0, built.stderr
    recorder.check(0)  # not run at all
    assert "image: example.com/shop/api:3.2.0\n" in built.stdout


def test_legacy_exec_plugin_as_kubectl_runs_it(
    kustomize: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    """The legacy plugin (test_host_kustomize.py runs it with kubectl's kustomize) gives
    standalone kustomize the same output."""
    install_plugin(recorded_env)
    built = build(kustomize, recorded_env, EXAMPLES / "legacy-plugin", "--enable-alpha-plugins")
    assert built.returncode == 0, built.stderr
    recorder.check(2)  # once for each of the two ImageMaps
    assert_golden(GOLDEN / "kustomize-legacy-plugin.yaml", built.stdout)
