"""A chart that renders only ImageMaps (README "Helm 4"): apply-imagemaps takes them out and
exits 0 with nothing on stdout; Helm 4 rejects that empty output, Helm 3 prints an empty line.
Each run is recorded and held against the oracle (hostlib.Recorder)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .hostlib import MAPS, REPO, Recorder, run


@pytest.fixture
def maps_chart(tmp_path: Path) -> Path:
    chart = tmp_path / "maps"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: maps\nversion: 0.1.0\n")
    shutil.copy(MAPS, chart / "templates" / "imagemaps.yaml")
    return chart


def test_helm4_rejects_the_empty_output(
    helm4: Path, recorded_env: dict[str, str], recorder: Recorder, maps_chart: Path, tmp_path: Path
) -> None:
    plugins = tmp_path / "helm4-plugins"
    plugins.mkdir()
    (plugins / "apply-imagemaps").symlink_to(REPO / "helm-plugin", target_is_directory=True)
    env = {**recorded_env, "HELM_PLUGINS": str(plugins)}
    rendered = run([helm4, "template", "x", maps_chart, "--post-renderer", "apply-imagemaps"], env)
    (fn,) = recorder.check(1)
    assert (fn.status, fn.stdout) == (0, b"")
    assert (rendered.returncode, rendered.stdout) == (1, "")
    assert rendered.stderr.startswith(
        "Error: error while running post render on files:"
        ' post-renderer "apply-imagemaps" produced empty output\n'
    )


def test_helm3_prints_nothing(
    helm3: Path, recorded_env: dict[str, str], recorder: Recorder, maps_chart: Path
) -> None:
    args: list[str | Path] = [
        helm3,
        "template",
        "x",
        maps_chart,
        "--post-renderer",
        "apply-imagemaps",
    ]
    rendered = run(args, recorded_env)
    (fn,) = recorder.check(1)
    assert (fn.status, fn.stdout) == (0, b"")
    assert (rendered.returncode, rendered.stdout) == (0, "\n")  # one empty line
