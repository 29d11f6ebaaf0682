"""What the Tilt tests share: the recorded run's files (testdata/tilt-observed/), its
environment, and a stand-in `tilt` for the `tilt get` path (Tilt cannot be installed here:
the stand-in prints what the real one printed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

OBSERVED = Path(__file__).parent / "testdata" / "tilt-observed"
PRINTED = OBSERVED / "imagemaps-as-tilt-prints-them.yaml"
MIGRATIONS = "localhost:5000/example.com_shop_migrations:tilt-9f2c01d1b7a3e6c4"
FRONTEND = "localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2"
# The two ImageMaps of the recorded run, as Tilt would hand them to a deploy command.
TWO_MAPS = {
    "TILT_HOST": "localhost",
    "TILT_PORT": "10399",
    "TILT_IMAGE_MAP_0": "example.com_shop_migrations",
    "TILT_IMAGE_0": MIGRATIONS,
    "TILT_IMAGE_MAP_1": "example.com_shop_frontend",
    "TILT_IMAGE_1": FRONTEND,
}
API = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: example.com/shop/api:1.0.0   # the chart's default
"""


def deploy_env() -> dict[str, str]:
    """The Tilt variables in the environment of a real apply_cmd (k8s_custom_deploy)."""
    lines = (OBSERVED / "k8s-custom-deploy-env.txt").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], path: Path | str) -> None:
    """Only `env`'s Tilt variables (none from the test's own environment), and PATH."""
    for key in [k for k in os.environ if k.startswith("TILT_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PATH", str(path))


def stand_in(tmp_path: Path, body: str) -> Path:
    """A directory with a stand-in `tilt` that runs `body` (sh); it keeps its arguments in
    tmp_path/args and its TILT_ variables in tmp_path/env."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "tilt"
    script.write_text(
        "#!/bin/sh\n"
        f"printf '%s\\n' \"$@\" > {tmp_path}/args\n"
        f"env | grep '^TILT_' | sort > {tmp_path}/env\n" + body + "\n"
    )
    script.chmod(0o755)
    return bin_dir


def on_path(directory: Path) -> str:
    """A PATH: `directory`, then the system's own (for the stand-in's commands)."""
    return os.pathsep.join([str(directory), os.defpath])
