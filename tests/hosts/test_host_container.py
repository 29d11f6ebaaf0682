"""The container image, built from the Dockerfile with the real podman 4.3 (tests/hosts/
containers.py), run as a user runs it: ``podman run -i`` by hand, in KRM and in stream mode;
by kpt 1.0.0-beta.56 with ``KPT_FN_RUNTIME=podman``: ``kpt fn eval --image`` and a Kptfile
``image:`` pipeline that ``kpt fn render`` runs; and as a ``container:`` function by
standalone kustomize 5.6.0 and kubectl's kustomize, which start it with ``docker run`` (a
``docker`` that runs podman, as Debian's podman-docker package installs).

Every podman call goes through the recording podman first on PATH; each run of the image is
held against the oracle (`check_fn_run`: the ResourceList or stream that went in, with the
changes its results report, is what came out, and the same run in-process gives the same
bytes). The files kpt wrote from that output are the files it writes with ``cat`` as the
function, with the reported changes applied (test_host_kpt_corpus.assert_written), or exactly
those that the same pipeline with ``exec: apply-imagemaps`` renders (the golden package).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.oracle import load_all

from .containers import RUN, Container, podman_env
from .hostlib import FRONTEND, GOLDEN, INVALID_MAPS, REPO, assert_golden, find_tool, read_tree, run
from .test_host_kpt import package, results
from .test_host_kpt_corpus import assert_written, cat_to_sink, kpt_sink, kpt_source

BASIC = REPO / "examples" / "basic"
CONFIGPATH = REPO / "examples" / "kpt-configpath"
KRM_EXEC = REPO / "examples" / "kustomize" / "krm-exec"


def test_runs_as_the_non_root_user_with_a_read_only_root(
    podman: Path, image: str, host_env: dict[str, str]
) -> None:
    who = run([podman, *RUN, "--entrypoint", "id", image, "-u"], podman_env(host_env))
    assert (who.returncode, who.stdout) == (0, "65532\n"), who.stderr


def test_podman_run_i_rewrites_a_resource_list(
    kpt: Path, container: Container, tmp_path: Path
) -> None:
    """``kpt fn source examples/basic | podman run -i IMAGE | kpt fn sink OUT``."""
    stream = kpt_source(kpt, container.env, BASIC)
    done = run([container.recorder.path, *RUN, container.image], container.env, stdin=stream)
    assert done.returncode == 0, done.stderr
    container.recorder.check(1)
    (rl_out,) = load_all(done.stdout)
    kpt_sink(kpt, container.env, tmp_path / "out", done.stdout)
    cat_to_sink(kpt, container.env, stream, tmp_path / "cat-out")
    assert_written(tmp_path / "out", tmp_path / "cat-out", rl_out["results"], rl_out["items"])
    assert f"image: {FRONTEND}\n" in read_tree(tmp_path / "out")["resources.yaml"]


def filter_stream(container: Container, maps: Path) -> subprocess.CompletedProcess[str]:
    """``podman run -i -v MAPS:MAPS:ro IMAGE --imagemaps MAPS < examples/basic/resources.yaml``
    (mounted at the same path, so the recorder keeps a copy of the file)."""
    mount = f"{maps}:{maps}:ro"
    args: list[str | Path] = [container.recorder.path, *RUN, "--volume", mount, container.image]
    stdin = (BASIC / "resources.yaml").read_text()
    return run([*args, "--imagemaps", maps], container.env, stdin=stdin)


def test_podman_run_i_filters_a_stream_with_a_mounted_config(container: Container) -> None:
    maps = BASIC / "imagemaps.yaml"
    done = filter_stream(container, maps)
    assert done.returncode == 0, done.stderr
    (fn,) = container.recorder.check(1)
    assert fn.args == ["--imagemaps", str(maps)]
    assert f"image: {FRONTEND}\n" in done.stdout


def test_podman_run_i_failure_shows_the_reason(container: Container) -> None:
    done = filter_stream(container, INVALID_MAPS)
    container.recorder.check(1)
    assert (done.returncode, done.stdout) == (1, "")
    assert (
        f"[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selecter (in {INVALID_MAPS}):"
        ' unknown field "selecter"; did you mean "selector"?\n'
    ) in done.stderr


def test_kpt_fn_eval_image(kpt: Path, container: Container, tmp_path: Path) -> None:
    """``KPT_FN_RUNTIME=podman kpt fn eval PKG --image IMAGE -- selector=... image=...``,
    against the same eval with ``--exec cat``."""
    config = ["--", "selector=example.com/shop/frontend", f"image={FRONTEND}"]
    cat = package(tmp_path / "cat", BASIC, "imagemaps.yaml")
    ours = package(tmp_path / "ours", BASIC, "imagemaps.yaml")
    baseline = run([kpt, "fn", "eval", cat, "--exec", "cat", *config], container.env)
    assert baseline.returncode == 0, baseline.stderr
    image: list[str | Path] = ["--image", container.image, "--results-dir", tmp_path / "r"]
    evaluated = run([kpt, "fn", "eval", ours, *image, *config], container.env)
    assert evaluated.returncode == 0, evaluated.stderr
    (fn,) = container.recorder.check(1)
    (rl_out,) = load_all(fn.stdout)
    assert_written(ours, cat, rl_out["results"], rl_out["items"])
    assert f"image: {FRONTEND}\n" in read_tree(ours)["resources.yaml"]
    assert results(tmp_path / "r") == (
        0,
        [
            ("info", "Deployment/frontend", "spec.template.spec.containers[0].image"),
            ("info", "Deployment/frontend", "spec.template.spec.containers[0].imagePullPolicy"),
        ],
    )


def image_pipeline(parent: Path, image: str) -> Path:
    """A copy of examples/kpt-configpath whose pipeline runs the image, not the executable."""
    pkg = package(parent, CONFIGPATH)
    kptfile = pkg / "Kptfile"
    text = kptfile.read_text()
    assert "    - exec: apply-imagemaps\n" in text
    kptfile.write_text(text.replace("- exec: apply-imagemaps", f"- image: {image}"))
    return pkg


def test_kpt_fn_render_an_image_pipeline(kpt: Path, container: Container, tmp_path: Path) -> None:
    """``kpt fn render`` of a Kptfile ``image:`` pipeline (no --allow-exec: an image needs
    none) writes exactly the files that the same pipeline with ``exec:`` writes."""
    pkg = image_pipeline(tmp_path, container.image)
    kptfile = (pkg / "Kptfile").read_text()
    rendered = run([kpt, "fn", "render", pkg, "--results-dir", tmp_path / "r"], container.env)
    assert rendered.returncode == 0, rendered.stderr
    container.recorder.check(1)
    golden = read_tree(GOLDEN / "examples" / CONFIGPATH.name)
    assert read_tree(pkg) == {**golden, "Kptfile": kptfile}
    exit_code, rows = results(tmp_path / "r")
    assert exit_code == 0
    assert [severity for severity, _, _ in rows] == ["info"] * 3


def test_kpt_fn_render_an_image_pipeline_fails_and_leaves_the_package_alone(
    kpt: Path, container: Container, tmp_path: Path
) -> None:
    pkg = image_pipeline(tmp_path, container.image)
    shutil.copy(INVALID_MAPS, pkg / "imagemap.yaml")
    before = read_tree(pkg)
    rendered = run([kpt, "fn", "render", pkg], container.env)
    (fn,) = container.recorder.check(1)  # KRM mode writes the ResourceList back, even on error
    assert fn.status == 1 and b"kind: ResourceList" in fn.stdout
    assert rendered.returncode == 1
    assert f'[FAIL] "{container.image}"' in rendered.stderr
    assert (
        '[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selecter: unknown field "selecter";'
        ' did you mean "selector"?'
    ) in rendered.stderr
    assert read_tree(pkg) == before


def container_function(parent: Path, image: str) -> Path:
    """A copy of examples/kustomize/krm-exec whose function is the image, not the executable."""
    kustomization = shutil.copytree(KRM_EXEC, parent / KRM_EXEC.name)
    config = kustomization / "apply-imagemaps.yaml"
    text = config.read_text()
    executable = "      exec:\n        path: apply-imagemaps\n"
    assert executable in text
    config.write_text(text.replace(executable, f"      container:\n        image: {image}\n"))
    return kustomization


@pytest.mark.parametrize("host", ["kustomize", "kubectl"])
def test_kustomize_runs_the_image_as_a_container_function(
    host: str,
    container: Container,
    tmp_path: Path,
) -> None:
    """``kustomize build --enable-alpha-plugins`` and ``kubectl kustomize
    --enable-alpha-plugins`` (a container function needs no --enable-exec) give the output
    of the ``exec:`` form (test_host_kustomize_standalone.py)."""
    kustomization = container_function(tmp_path, container.image)
    command = ["build"] if host == "kustomize" else ["kustomize"]
    built = run([find_tool(host), *command, "--enable-alpha-plugins", kustomization], container.env)
    assert built.returncode == 0, built.stderr
    (fn,) = container.recorder.check(1)
    assert fn.args == []
    assert_golden(GOLDEN / "kustomize-krm-exec.yaml", built.stdout)
