"""scripts/get-kustomize: keeps a binary of the pinned version, replaces any other one from
the cached .deb (without the network)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .hostlib import REPO, missing, run

GET_KUSTOMIZE = REPO / "scripts" / "get-kustomize"
DEBS = REPO / ".cache" / "debs"  # where `make tools` leaves the downloaded .deb


def test_a_binary_of_the_pinned_version_is_kept(kustomize: Path, tmp_path: Path) -> None:
    (tmp_path / "kustomize").symlink_to(kustomize)
    (tmp_path / "kustomize.deb-version").write_text("5.6.0+ds-1+b2\n")
    kept = run(["bash", GET_KUSTOMIZE, tmp_path], dict(os.environ))
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout == f"get-kustomize: {tmp_path}/kustomize is 5.6.0 (cached)\n"


def test_another_version_is_replaced_from_the_cached_deb(tmp_path: Path) -> None:
    if not any(DEBS.glob("kustomize_5.6.0+*_amd64.deb")):
        missing(f"no kustomize .deb in {DEBS}: run `make tools`")
    stale = tmp_path / "kustomize"
    stale.write_text("#!/bin/sh\necho '(devel)'\n")
    stale.chmod(0o755)
    (tmp_path / "kustomize.deb-version").write_text("5.5.0+ds-1\n")

    env = {**os.environ, "GET_KUSTOMIZE_CACHE": str(DEBS)}
    replaced = run(["bash", GET_KUSTOMIZE, tmp_path], env)
    assert replaced.returncode == 0, replaced.stderr
    assert re.fullmatch(
        rf"get-kustomize: installed {tmp_path}/kustomize \(5\.6\.0\+\S+, from kustomize_\S+\)\n",
        replaced.stdout,
    ), replaced.stdout
    assert (tmp_path / "kustomize.deb-version").read_text().startswith("5.6.0+")
    flags = run([stale, "build", "--help"], dict(os.environ))
    assert "--enable-exec" in flags.stdout
