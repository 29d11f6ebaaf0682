"""Helm 4 (4.1.4) runs post-renderers as plugins: helm-plugin/ is the plugin ``apply-imagemaps``
(``postrenderer/v1``), found through ``HELM_PLUGINS`` or installed with ``helm plugin install``.

The plugin's command, ``apply-imagemaps``, is found on PATH: each test puts the recording one
first and holds what Helm passed to it and got back against the oracle (hostlib.Recorder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .hostlib import (
    FRONTEND,
    GOLDEN,
    INVALID_MAPS,
    MAPS,
    MIGRATIONS,
    REPO,
    Recorder,
    assert_golden,
    changed_lines,
    helm_template,
    post_renderer,
    read_tree,
    run,
)

# A post-renderer that changes nothing: what Helm 4 itself makes of the chart when it
# post-renders (it re-serializes every document), to compare ours with.
PASSTHROUGH = """\
apiVersion: v1
type: postrenderer/v1
name: passthrough
version: 0.1.0
runtime: subprocess
runtimeConfig:
  platformCommand:
    - command: cat
"""


def plugin_dir(root: Path, name: str, plugin_yaml: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "plugin.yaml").write_text(plugin_yaml)


@pytest.fixture
def plugins_env(recorded_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """HELM_PLUGINS holding our plugin (a link to helm-plugin/) and the pass-through one;
    the recording apply-imagemaps first on PATH."""
    plugins = tmp_path / "helm4-plugins"
    plugin_dir(plugins, "passthrough", PASSTHROUGH)
    (plugins / "apply-imagemaps").symlink_to(REPO / "helm-plugin", target_is_directory=True)
    return {**recorded_env, "HELM_PLUGINS": str(plugins)}


def test_plugin_rewrites_images_including_hooks(
    helm4: Path, plugins_env: dict[str, str], recorder: Recorder
) -> None:
    passthrough = helm_template(helm4, plugins_env, "--post-renderer", "passthrough")
    rendered = helm_template(helm4, plugins_env, *post_renderer("apply-imagemaps", MAPS))
    assert rendered.returncode == 0, rendered.stderr
    (fn,) = recorder.check(1)
    assert b"shop/templates/migrate-hook.yaml" in fn.stdin  # the hook was post-rendered
    assert changed_lines(passthrough.stdout, rendered.stdout) == [
        '-        image: "example.com/shop/frontend:1.4.0" # built by Tilt',
        f'+        image: "{FRONTEND}" # built by Tilt',
        "+        imagePullPolicy: IfNotPresent",
        "-          value: example.com/shop/migrations:1.4.0",
        f"+          value: {MIGRATIONS}",
        # the pre-install hook: Helm 4 post-renders hooks too
        "-        image: example.com/shop/migrations:1.4.0",
        f"+        image: {MIGRATIONS}",
        "+        imagePullPolicy: IfNotPresent",
    ]
    assert_golden(GOLDEN / "helm4-template.yaml", rendered.stdout)


def test_templates_stay_in_their_files(
    helm4: Path, plugins_env: dict[str, str], tmp_path: Path, recorder: Recorder
) -> None:
    # Helm 4 files each document by its postrender-filename annotation: one that lost it
    # would come back as generated-by-postrender-N.yaml.
    out = tmp_path / "out"
    rendered = helm_template(
        helm4, plugins_env, "--output-dir", out, *post_renderer("apply-imagemaps", MAPS)
    )
    assert rendered.returncode == 0, rendered.stderr
    recorder.check(1)
    files = read_tree(out)
    assert sorted(files) == [
        "shop/templates/deployment.yaml",
        "shop/templates/migrate-hook.yaml",
        "shop/templates/service.yaml",
    ]
    assert f'image: "{FRONTEND}"' in files["shop/templates/deployment.yaml"]
    assert f"image: {MIGRATIONS}" in files["shop/templates/migrate-hook.yaml"]
    assert not any("postrenderer.helm.sh" in text for text in files.values())


def test_plugin_install_into_a_helm4_only_data_home(
    helm4: Path, recorded_env: dict[str, str], tmp_path: Path, recorder: Recorder
) -> None:
    env = {**recorded_env, "HELM_DATA_HOME": str(tmp_path / "helm4-data")}
    installed = run([helm4, "plugin", "install", REPO / "helm-plugin"], env)
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.splitlines()[-1] == "Installed plugin: apply-imagemaps"
    listed = run([helm4, "plugin", "list"], env)
    assert listed.stdout.splitlines()[1].split()[:4] == [
        "apply-imagemaps", "0.1.0", "postrenderer/v1", "v1"
    ]  # fmt: skip
    rendered = helm_template(helm4, env, *post_renderer("apply-imagemaps", MAPS))
    assert rendered.returncode == 0, rendered.stderr
    recorder.check(1)
    assert f'image: "{FRONTEND}"' in rendered.stdout


def test_helm3_loses_its_plugins_when_it_finds_ours(
    helm3: Path, host_env: dict[str, str], tmp_path: Path
) -> None:
    # Why README "Helm 4" keeps the plugin out of Helm 3's plugin directory.
    plugins = tmp_path / "plugins"
    plugin_dir(plugins, "hello", "name: hello\nversion: 0.1.0\ncommand: echo hello\n")
    env = {**host_env, "HELM_PLUGINS": str(plugins)}
    assert run([helm3, "hello"], env).stdout == "hello\n"

    (plugins / "apply-imagemaps").symlink_to(REPO / "helm-plugin", target_is_directory=True)
    broken = run([helm3, "hello"], env)
    assert broken.returncode == 1
    assert broken.stderr.splitlines() == [
        f'failed to load plugins: failed to load plugin at "{plugins}/apply-imagemaps/plugin.yaml":'
        ' error unmarshaling JSON: while decoding JSON: json: unknown field "apiVersion"',
        'Error: unknown command "hello" for "helm"',
        "Run 'helm --help' for usage.",
    ]


def test_failure_reason_is_lost_and_the_readme_recipe_finds_it(
    helm4: Path, plugins_env: dict[str, str], recorder: Recorder
) -> None:
    failed = helm_template(
        helm4, plugins_env, "--debug", *post_renderer("apply-imagemaps", INVALID_MAPS)
    )
    (fn,) = recorder.check(1)
    assert (fn.status, fn.stdout) == (1, b"")
    assert b'unknown field "selecter"' in fn.stderr  # what Helm throws away
    assert (failed.returncode, failed.stdout.strip()) == (1, "")
    assert failed.stderr.endswith(
        "Error: error while running post render on files: failed to invoke post-renderer plugin"
        ' "apply-imagemaps": plugin "apply-imagemaps" exited with error\n'
    )
    # --debug shows the command line, and that our stderr was thrown away ...
    command = f"{recorder.path} --imagemaps {INVALID_MAPS}"
    assert f'msg="executing plugin command" pluginName=apply-imagemaps command="{command}"' in (
        failed.stderr
    )
    assert 'msg="plugin execution failed" pluginName=apply-imagemaps' in failed.stderr
    assert 'stderr=""' in failed.stderr
    # ... so README "Helm 4" says: render without it, and pipe into that command by hand.
    by_hand = run(command.split(), plugins_env, stdin=helm_template(helm4, plugins_env).stdout)
    recorder.check(1)
    assert (by_hand.returncode, by_hand.stdout) == (1, "")
    assert (
        f'spec.selecter (in {INVALID_MAPS}): unknown field "selecter"; did you mean "selector"?'
    ) in by_hand.stderr
