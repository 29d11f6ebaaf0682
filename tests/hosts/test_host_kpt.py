"""kpt 1.0.0-beta.56: ``fn eval --exec apply-imagemaps`` (ConfigMap arguments or
``--fn-config``) and a Kptfile pipeline ``exec: apply-imagemaps`` run by ``fn render``.

kpt re-serializes the files it writes (``"x"   # c`` becomes ``"x" # c``), so each run is
compared with the same kpt command running ``cat`` instead: a function that changes nothing.
kpt finds ``apply-imagemaps`` on PATH: each test puts the recording one first and holds the
ResourceList kpt passed to it and got back against the oracle (hostlib.Recorder).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from .hostlib import (
    DATA,
    FRONTEND,
    INVALID_MAPS,
    MIGRATIONS,
    REPO,
    Recorder,
    changed_lines,
    read_tree,
    run,
)

BASIC = REPO / "examples" / "basic"
CONFIGPATH = REPO / "examples" / "kpt-configpath"
REPORT = "registry.local:5000/example.com_shop_report:tilt-77a1c2e9b04d3f18"  # imageFromCluster
Row = tuple[str, str, str]


def package(parent: Path, example: Path, *without: str) -> Path:
    """A copy of an example package under parent, without the named files."""
    pkg = shutil.copytree(example, parent / example.name)
    for name in without:
        (pkg / name).unlink()
    return pkg


def kpt_fn(kpt: Path, env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run([kpt, "fn", *args], env)


def results(results_dir: Path) -> tuple[int, list[Row]]:
    """kpt's results.yaml as (exit code, [(severity, kind/name, field path)])."""
    doc: dict[str, Any] = yaml.safe_load((results_dir / "results.yaml").read_text())
    rows = [
        (
            r["severity"],
            f"{r['resourceRef']['kind']}/{r['resourceRef']['name']}",
            r["field"]["path"],
        )
        for item in doc["items"]
        for r in item.get("results") or []
    ]
    return doc["exitCode"], rows


def eval_against_cat(
    kpt: Path, env: dict[str, str], tmp_path: Path, *args: str | Path
) -> tuple[dict[str, str], dict[str, str]]:
    """``kpt fn eval PKG --exec cat ARGS`` and ``... --exec apply-imagemaps --results-dir R
    ARGS`` on two copies of examples/basic without its ImageMaps: (cat's files, ours)."""
    cat = package(tmp_path / "cat", BASIC, "imagemaps.yaml")
    ours = package(tmp_path / "ours", BASIC, "imagemaps.yaml")
    baseline = kpt_fn(kpt, env, "eval", cat, "--exec", "cat", *args)
    assert baseline.returncode == 0, baseline.stderr
    evaluated = kpt_fn(
        kpt, env, "eval", ours, "--exec", "apply-imagemaps", "--results-dir", tmp_path / "r", *args
    )
    assert evaluated.returncode == 0, evaluated.stderr
    return read_tree(cat), read_tree(ours)


def test_eval_with_configmap_arguments(
    kpt: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    cat, ours = eval_against_cat(
        kpt, recorded_env, tmp_path, "--", "selector=example.com/shop/frontend", f"image={FRONTEND}"
    )
    recorder.check(1)
    assert ours.keys() == cat.keys() == {"Kptfile", "resources.yaml"}
    assert ours["Kptfile"] == (BASIC / "Kptfile").read_text()
    assert ours["resources.yaml"].startswith("# The shop's web tier.")
    assert changed_lines(cat["resources.yaml"], ours["resources.yaml"]) == [
        "-          image: example.com/shop/frontend:1.4.0",
        "-          imagePullPolicy: Always",
        f"+          image: {FRONTEND}",
        "+          imagePullPolicy: IfNotPresent",
    ]
    assert results(tmp_path / "r") == (
        0,
        [
            ("info", "Deployment/frontend", "spec.template.spec.containers[0].image"),
            ("info", "Deployment/frontend", "spec.template.spec.containers[0].imagePullPolicy"),
        ],
    )


def test_eval_with_fn_config_file(
    kpt: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    config = DATA / "kpt" / "migrations-imagemap.yaml"
    cat, ours = eval_against_cat(kpt, recorded_env, tmp_path, "--fn-config", config)
    recorder.check(1)
    assert ours["Kptfile"] == (BASIC / "Kptfile").read_text()
    assert changed_lines(cat["resources.yaml"], ours["resources.yaml"]) == [
        '-          image: "example.com/shop/migrations:1.4.0" # rewritten, and args set',
        '-          args: ["--dry-run=true"]',
        f'+          image: "{MIGRATIONS}" # rewritten, and args set',
        '+          args: ["--dry-run=false"]',
        "+          imagePullPolicy: IfNotPresent",
        "-              value: example.com/shop/migrations:1.4.0",
        f"+              value: {MIGRATIONS}",
    ]
    _, rows = results(tmp_path / "r")
    assert [path for _, _, path in rows] == [
        "spec.template.spec.initContainers[0].image",
        "spec.template.spec.containers[0].env[0].value",
        "spec.template.spec.initContainers[0].imagePullPolicy",
        "spec.template.spec.initContainers[0].args",
    ]


def render(
    kpt: Path, env: dict[str, str], pkg: Path, results_dir: Path
) -> subprocess.CompletedProcess[str]:
    return kpt_fn(kpt, env, "render", pkg, "--allow-exec", "--results-dir", results_dir)


def test_render_a_pipeline_with_config_path(
    kpt: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    cat = package(tmp_path / "cat", CONFIGPATH)
    (cat / "Kptfile").write_text(
        (cat / "Kptfile").read_text().replace("exec: apply-imagemaps", "exec: cat")
    )
    assert render(kpt, recorded_env, cat, tmp_path / "cat-results").returncode == 0
    ours = package(tmp_path / "ours", CONFIGPATH)
    rendered = render(kpt, recorded_env, ours, tmp_path / "r")
    assert rendered.returncode == 0, rendered.stderr
    recorder.check(1)

    files = read_tree(ours)
    assert files.keys() == read_tree(CONFIGPATH).keys()
    for unchanged in ("Kptfile", "imagemap.yaml"):
        assert files[unchanged] == (CONFIGPATH / unchanged).read_text()
    assert files["cronjob.yaml"].startswith("# Builds the nightly sales report.\n")
    assert changed_lines(read_tree(cat)["cronjob.yaml"], files["cronjob.yaml"]) == [
        "-              image: example.com/shop/report:2.0.1 # built by Tilt",
        '-              command: ["report", "--nightly"]',
        f"+              image: {REPORT} # built by Tilt",
        '+              command: ["report", "--once"]',
        "+              imagePullPolicy: IfNotPresent",
    ]
    path = "spec.jobTemplate.spec.template.spec.containers[0]"
    assert results(tmp_path / "r") == (
        0,
        [
            ("info", "CronJob/report", f"{path}.image"),
            ("info", "CronJob/report", f"{path}.imagePullPolicy"),
            ("info", "CronJob/report", f"{path}.command"),
        ],
    )


def test_render_fails_on_an_error_result_and_leaves_the_package_alone(
    kpt: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    pkg = package(tmp_path, CONFIGPATH)
    shutil.copy(INVALID_MAPS, pkg / "imagemap.yaml")
    before = read_tree(pkg)
    rendered = render(kpt, recorded_env, pkg, tmp_path / "r")
    (fn,) = recorder.check(1)  # KRM mode writes the ResourceList back, even on error
    assert fn.status == 1 and b"kind: ResourceList" in fn.stdout
    assert rendered.returncode == 1
    assert '[FAIL] "apply-imagemaps"' in rendered.stderr
    assert read_tree(pkg) == before
    exit_code, rows = results(tmp_path / "r")
    assert exit_code == 1
    # kpt hands the configPath file over twice (as functionConfig and as an item): a set, so
    # the test does not depend on whether the same problems are reported once or twice.
    assert set(rows) == {
        ("error", "ImageMap/frontend", "spec.selecter"),
        ("error", "ImageMap/frontend", "spec.selector"),
    }


TILT = REPO / "examples" / "tilt"


def test_eval_generates_from_a_kubernetes_apply(
    kpt: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    """`--fn-config` a KubernetesApply exported from Tilt, the ImageMaps as package items: the
    manifests of its spec.yaml are added to the package, rewritten; a second eval adds
    nothing."""
    pkg = package(tmp_path, TILT, "Kptfile")
    config = tmp_path / "kubernetesapply.yaml"
    shutil.move(pkg / "kubernetesapply.yaml", config)
    for _ in range(2):
        evaluated = kpt_fn(
            kpt, recorded_env, "eval", pkg, "--exec", "apply-imagemaps", "--fn-config", config
        )
        assert evaluated.returncode == 0, evaluated.stderr
        recorder.check(1, generated=True)
        files = read_tree(pkg)
        assert files.keys() == {
            "imagemaps.yaml",
            "shop/deployment_frontend.yaml",
            "shop/database_orders.yaml",
        }
    assert (
        "image: localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2 # built by"
        in files["shop/deployment_frontend.yaml"]
    )
    assert files["shop/database_orders.yaml"].endswith(
        '    repository: localhost:5000/example.com_shop_db\n    tag: "tilt-5b1f3c2a9e8d7f60"\n'
    )
