"""What each host shows its user when apply-imagemaps fails, with the real binaries (README
"Hosts"): the reason must get through every one. Helm 4 drops a plugin's stderr, so there
the reason is on the terminal (a real pseudo-terminal here, tests/terminal.py) and in the
file APPLY_IMAGEMAPS_LOG names; Helm 3 and kustomize show stderr themselves, kpt the
ResourceList's results.

And each host's `--strict` recipe: Helm 3, Helm 4 and kubectl kustomize drop stderr when the
run succeeds, so an ImageMap that matched nothing (a typo in its selector) deploys the old
image without a word; strict makes that a failure, with its reason.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.terminal import Terminal

from .hostlib import CHART, INVALID_MAPS, REPO, Recorder, helm_template, post_renderer
from .test_host_kpt import BASIC, kpt_fn, package
from .test_host_kustomize import EXAMPLES, install_plugin, kustomize

# The Helm 4 plugin directory (inside the package once it ships there: krm_fn/helm-plugin).
PLUGIN = REPO / "krm_fn" / "helm-plugin"
# What a run with INVALID_MAPS says, wherever it says it.
INVALID = [
    f"[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selecter (in {INVALID_MAPS}): unknown "
    'field "selecter"; did you mean "selector"?',
    f"[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selector (in {INVALID_MAPS}): required "
    "field is missing",
]
# An ImageMap whose selector has a typo: it matches nothing in the chart.
TYPO = """\
apiVersion: tilt.dev/v1alpha1
kind: ImageMap
metadata:
  name: frontend
spec:
  selector: example.com/shop/frontent
status:
  image: localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2
"""
UNUSED = 'ImageMap "frontend" matched no image (selector "example.com/shop/frontent")'
HELM3_HOOKS = (  # what the reason adds on Helm 3's post-renderer input (#15)
    "; this looks like Helm 3's post-renderer input, which never holds the chart's hooks"
    " (helm.sh/hook): an image only a hook uses stays as it is"
)


@pytest.fixture
def helm4_env(recorded_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """HELM_PLUGINS holding the plugin; the recording apply-imagemaps first on PATH."""
    plugins = tmp_path / "helm4-plugins"
    plugins.mkdir()
    (plugins / "apply-imagemaps").symlink_to(PLUGIN, target_is_directory=True)
    return {**recorded_env, "HELM_PLUGINS": str(plugins)}


def _lines(text: str | bytes) -> list[str]:
    return (text.decode() if isinstance(text, bytes) else text).splitlines()


def _log(path: Path, maps: Path, *args: str) -> list[str]:
    """The one record of a failed run in the log: its heading checked, its lines."""
    heading, *lines = _lines(path.read_text())
    command = " ".join(["apply-imagemaps", "--imagemaps", str(maps), *args])
    assert heading.startswith("--- ") and f" {command} (pid " in heading, heading
    assert heading.endswith(": exit 1"), heading
    assert not any(line.startswith("--- ") for line in lines)
    return lines


# --- Helm 4 ------------------------------------------------------------------------------


def test_helm4_failure_is_in_the_log(
    helm4: Path, helm4_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    log = tmp_path / "apply-imagemaps.log"
    env = {**helm4_env, "APPLY_IMAGEMAPS_LOG": str(log)}
    failed = helm_template(helm4, env, *post_renderer("apply-imagemaps", INVALID_MAPS))
    (fn,) = recorder.check(1)
    assert failed.returncode == 1
    assert 'plugin "apply-imagemaps" exited with error\n' in failed.stderr
    assert "selecter" not in failed.stderr  # Helm 4 still drops stderr
    assert _lines(fn.stderr) == INVALID
    assert _log(log, INVALID_MAPS) == INVALID


def _in_a_terminal(helm: Path, env: dict[str, str], maps: Path) -> tuple[int, str, str, str]:
    """`helm template` of the chart typed into a terminal, its output piped (as into `less`):
    its exit status, stdout, stderr, and what reached the terminal."""
    terminal = Terminal()
    proc = terminal.spawn(
        [helm, "template", "shop", CHART, *post_renderer("apply-imagemaps", maps)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out.decode(), err.decode(), terminal.close()


def test_helm4_failure_is_on_the_terminal(
    helm4: Path, helm4_env: dict[str, str], recorder: Recorder
) -> None:
    code, out, err, terminal = _in_a_terminal(helm4, helm4_env, INVALID_MAPS)
    (fn,) = recorder.check(1)
    assert (code, out) == (1, "")
    assert "selecter" not in err
    assert _lines(terminal) == _lines(fn.stderr) == INVALID


def test_helm4_success_writes_nothing_more(
    helm4: Path, helm4_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    log = tmp_path / "apply-imagemaps.log"
    env = {**helm4_env, "APPLY_IMAGEMAPS_LOG": str(log)}
    code, _, err, terminal = _in_a_terminal(helm4, env, REPO / "examples/helm/imagemaps.yaml")
    recorder.check(1)
    assert code == 0, err
    assert (terminal, log.exists()) == ("", False)


# --- Helm 3 ------------------------------------------------------------------------------


def test_helm3_shows_the_reason_itself_and_only_once(
    helm3: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    code, _, err, terminal = _in_a_terminal(helm3, recorded_env, INVALID_MAPS)
    recorder.check(1)
    assert code == 1
    assert all(line in _lines(err) for line in INVALID)
    assert terminal == ""  # no copy: Helm 3 prints stderr in its own error


# --- --strict in each host ---------------------------------------------------------------


@pytest.mark.parametrize("version", ["helm3", "helm4"])
def test_helm_strict_fails_on_a_map_that_matched_nothing(
    version: str,
    request: pytest.FixtureRequest,
    recorder: Recorder,
    tmp_path: Path,
) -> None:
    helm: Path = request.getfixturevalue(version)
    env: dict[str, str] = request.getfixturevalue(
        "helm4_env" if version == "helm4" else "recorded_env"
    )
    env = {**env, "APPLY_IMAGEMAPS_LOG": str(tmp_path / "apply-imagemaps.log")}
    maps = tmp_path / "imagemaps.yaml"
    maps.write_text(TYPO)
    silent = helm_template(helm, env, *post_renderer("apply-imagemaps", maps))
    recorder.check(1)
    assert (silent.returncode, silent.stderr) == (0, "")  # not a word, and ...
    assert 'image: "example.com/shop/frontend:1.4.0"' in silent.stdout  # ... the old image
    strict = [*post_renderer("apply-imagemaps", maps), "--post-renderer-args", "--strict"]
    failed = helm_template(helm, env, *strict)
    (fn,) = recorder.check(1)
    assert (failed.returncode, failed.stdout) == (1, "")
    reason = f"[error] tilt.dev/v1alpha1/ImageMap/frontend (in {maps}): {UNUSED}"
    if version == "helm3":  # its post-renderer input has no hooks, and the reason says so
        reason += HELM3_HOOKS
    assert reason in _lines(fn.stderr)
    if version == "helm3":
        assert reason in _lines(failed.stderr)
    else:
        assert reason not in _lines(failed.stderr)
        assert reason in _log(tmp_path / "apply-imagemaps.log", maps, "--strict")


# --- kpt and kubectl kustomize -----------------------------------------------------------


def test_kpt_strict_fails_on_a_map_that_matched_nothing(
    kpt: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    """kpt shows the warning on success too; strict=true fails the run (and writes nothing)."""
    maps = ["selector=example.com/shop/frontent", "image=localhost:5000/frontend:tilt-1"]
    pkg = package(tmp_path, BASIC, "imagemaps.yaml")
    warned = kpt_fn(kpt, recorded_env, "eval", pkg, "--exec", "apply-imagemaps", "--", *maps)
    recorder.check(1)
    assert warned.returncode == 0, warned.stderr
    assert '[PASS] "apply-imagemaps"' in warned.stderr and "[warning]" in warned.stderr
    before = {p.name: p.read_text() for p in pkg.iterdir() if p.is_file()}  # as kpt wrote it
    strict = [*maps, "strict=true"]
    failed = kpt_fn(kpt, recorded_env, "eval", pkg, "--exec", "apply-imagemaps", "--", *strict)
    recorder.check(1)
    assert failed.returncode == 1
    assert '[FAIL] "apply-imagemaps"' in failed.stderr
    reason = (
        '[error] v1/ConfigMap/function-input: ImageMap "example.com_shop_frontent" matched no '
        'image (selector "example.com/shop/frontent")'
    )
    assert f"  Results:\n    {reason}\n" in failed.stderr
    assert {p.name: p.read_text() for p in pkg.iterdir() if p.is_file()} == before


STRICT_KUSTOMIZE = """\
apiVersion: fn.apply-imagemaps.dev/v1alpha1
kind: ApplyImageMaps
metadata:
  name: apply-imagemaps
strict: true
imageMaps:
  - metadata: {name: api}
    spec: {selector: example.com/shop/apii}
    status: {image: "localhost:5000/api:tilt-1"}
"""


@pytest.mark.parametrize("strict", [False, True])
def test_kubectl_kustomize_strict_fails_on_a_map_that_matched_nothing(
    strict: bool,
    kubectl: Path,
    recorded_env: dict[str, str],
    recorder: Recorder,
    tmp_path: Path,
) -> None:
    """An ApplyImageMaps under `transformers:` with `strict: true` (the legacy plugin reads
    one config object per run, so the option goes with its ImageMaps)."""
    install_plugin(recorded_env)
    kustomization = shutil.copytree(EXAMPLES / "legacy-plugin", tmp_path / "legacy-plugin")
    config = STRICT_KUSTOMIZE if strict else STRICT_KUSTOMIZE.replace("strict: true", "")
    (kustomization / "imagemaps.yaml").write_text(config)
    built = kustomize(kubectl, recorded_env, kustomization)
    (fn,) = recorder.check(1)
    if not strict:  # kubectl drops the warning: the old image, without a word
        assert (built.returncode, built.stderr) == (0, "")
        assert "image: example.com/shop/api:3.2.0\n" in built.stdout
        assert b"matched no image" in fn.stderr
        return
    assert (built.returncode, built.stdout) == (1, "")
    assert 'ImageMap "api" matched no image (selector "example.com/shop/apii")' in built.stderr
