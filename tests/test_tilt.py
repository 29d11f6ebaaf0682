"""Tilt mode (`--tilt`): the ImageMaps from Tilt's TILT_IMAGE_MAP_i / TILT_IMAGE_i variables.

Tilt cannot be installed here, so the `tilt get` path runs against a stand-in: a small
`tilt` script put first on PATH that prints what the real Tilt printed
(testdata/tilt-observed/imagemaps-as-tilt-prints-them.yaml, `tilt get imagemaps -o yaml`
while Tilt ran) and keeps the arguments and Tilt variables it was run with. The environment
of a real `k8s_custom_deploy` apply_cmd is testdata/tilt-observed/k8s-custom-deploy-env.txt.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from krm_fn import tilt
from krm_fn.cli import Arguments, parse_args
from krm_fn.imagemap import TiltName, sanitize_name
from krm_fn.reference import parse_normalized_named
from tests.conftest import run_fn
from tests.tiltlib import (
    API,
    FRONTEND,
    MIGRATIONS,
    OBSERVED,
    PRINTED,
    TWO_MAPS,
    deploy_env,
    on_path,
    stand_in,
    use_env,
)


def test_the_recorded_environment_gives_its_image_without_tilt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert tilt.images(deploy_env()) == [
        ("example.com_shop_api", "localhost:5000/example.com_shop_api:tilt-fake0001")
    ]
    use_env(monkeypatch, deploy_env(), tmp_path)  # no tilt on PATH
    out = run_fn(API, "--tilt", environ=os.environ)
    assert out.exit_code == 0, out.stderr
    assert out.stdout == API.replace(
        "example.com/shop/api:1.0.0   # the chart's default\n",
        "localhost:5000/example.com_shop_api:tilt-fake0001   # the chart's default\n"
        "          imagePullPolicy: IfNotPresent\n",
    )
    warning = out.stderr.splitlines()[0]
    assert warning == (
        '[warning] --tilt: "tilt get imagemap example.com_shop_api -o yaml" gave no ImageMaps '
        "(tilt is not on PATH), so the ImageMaps are made from TILT_IMAGE_MAP_i and "
        "TILT_IMAGE_i alone: they match the images Tilt gives those names, and their spec "
        "(matchExact, matchInEnvVars, overrideCommand, overrideArgs) is not known, so not "
        "applied"
    )


BAD_ENVIRONMENTS = [
    ({}, "TILT_IMAGE_MAP_0 and TILT_IMAGE_0 are not set: Tilt sets TILT_IMAGE_MAP_i and "
     "TILT_IMAGE_i for the apply_cmd of a k8s_custom_deploy (or helm_resource) with image_deps"),
    ({"TILT_IMAGE_MAP_0": "a"}, "TILT_IMAGE_MAP_0=a is set but not TILT_IMAGE_0 (its image)"),
    ({"TILT_IMAGE_0": "a:1"}, "TILT_IMAGE_0 is set but not TILT_IMAGE_MAP_0 (its ImageMap's name)"),
    (
        {"TILT_IMAGE_MAP_0": "a", "TILT_IMAGE_0": "a:1", "TILT_IMAGE_2": "b:1"},
        "TILT_IMAGE_2 is set but not TILT_IMAGE_1: Tilt numbers its variables from 0, with no gaps",
    ),
    ({"TILT_IMAGE_MAP_00": "a"}, "TILT_IMAGE_MAP_00: Tilt numbers its variables from 0, "
     "with no leading zeros"),
    ({"TILT_IMAGE_MAP_0": "", "TILT_IMAGE_0": "a:1"}, "TILT_IMAGE_MAP_0 is empty: it should "
     "name an ImageMap"),
    (
        {"TILT_IMAGE_MAP_0": "a", "TILT_IMAGE_0": "Example/App:1"},
        'TILT_IMAGE_0="Example/App:1" is not an image reference: invalid reference format: '
        "repository name (App) must be lowercase",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("env", "message"), BAD_ENVIRONMENTS)
def test_absent_or_inconsistent_variables_are_an_error_naming_one(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_env(monkeypatch, env, tmp_path)
    out = run_fn(API, "--tilt", environ=os.environ)
    assert (out.exit_code, out.stdout, out.stderr) == (1, "", f"[error] --tilt: {message}\n")


def test_tilt_get_gives_the_full_imagemaps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With the full ImageMaps, the spec applies: matchInEnvVars and overrideCommand."""
    use_env(monkeypatch, TWO_MAPS, on_path(stand_in(tmp_path, f"cat {PRINTED}")))
    resources = (OBSERVED / "resources.yaml").read_text()
    out = run_fn(resources, "--tilt", environ=os.environ)
    assert out.exit_code == 0, out.stderr
    assert (tmp_path / "args").read_text().split() == [
        "get", "imagemap", "example.com_shop_migrations", "example.com_shop_frontend", "-o", "yaml"
    ]  # fmt: skip
    assert (tmp_path / "env").read_text() == "".join(
        f"{k}={v}\n" for k, v in sorted(TWO_MAPS.items())
    )
    assert "[warning]" not in out.stderr
    assert f"value: {MIGRATIONS}\n" in out.stdout
    assert "command:\n            - /migrate\n            - --now\n" in out.stdout


def fallback(out_stderr: str) -> str:
    """Why the first line of stderr says `tilt get` gave nothing."""
    first = out_stderr.splitlines()[0]
    return first.split(" gave no ImageMaps (", 1)[1].split("), so the ImageMaps", 1)[0]


@pytest.mark.parametrize(
    ("body", "env", "why"),
    [
        (
            "echo 'Error: connection refused' >&2; exit 1",
            TWO_MAPS,
            "exit status 1: Error: connection refused",
        ),
        ("exit 3", TWO_MAPS, "exit status 3: no message"),
        (
            f"cat {PRINTED}",
            {**TWO_MAPS, "TILT_IMAGE_MAP_2": "example.com_shop_api", "TILT_IMAGE_2": "api:1"},
            'its output has no ImageMap "example.com_shop_api"',
        ),
        ("echo '{'", TWO_MAPS, "its output is not YAML: document 1, line 2, column 1: did not "
         "find expected node content (while parsing a flow node at line 2, column 1)"),
        (f"cat {PRINTED}", {**TWO_MAPS, "TILT_PORT": ""}, "TILT_PORT not set: the tilt CLI could "
         "reach another Tilt"),
    ],
)  # fmt: skip
def test_tilt_get_that_gives_nothing_falls_back_to_the_variables(
    body: str, env: dict[str, str], why: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without the spec, the images are found by name: no env value, no command."""
    use_env(monkeypatch, env, on_path(stand_in(tmp_path, body)))
    out = run_fn((OBSERVED / "resources.yaml").read_text(), "--tilt", environ=os.environ)
    assert out.exit_code == 0, out.stderr
    assert fallback(out.stderr) == why
    assert f"image: {FRONTEND}\n" in out.stdout
    assert f'image: "{MIGRATIONS}"' in out.stdout
    assert "value: example.com/shop/migrations:1.4.0\n" in out.stdout
    assert "/migrate" not in out.stdout


def test_tilt_get_that_hangs_is_given_up_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tilt, "TIMEOUT", 0.5)
    # it and what it started (the sleep) are ended: the sleep would hold stdout open
    use_env(monkeypatch, TWO_MAPS, on_path(stand_in(tmp_path, "sleep 30")))
    started = time.monotonic()
    out = run_fn(
        (OBSERVED / "resources.yaml").read_text(), "--tilt", stable=False, environ=os.environ
    )
    assert time.monotonic() - started < 10
    assert out.exit_code == 0, out.stderr
    assert fallback(out.stderr) == "no answer within 0.5 seconds"


def test_tilt_get_that_says_too_much_is_given_up_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("APPLY_IMAGEMAPS_MAX_INPUT", "4K")
    use_env(monkeypatch, TWO_MAPS, on_path(stand_in(tmp_path, "yes")))
    out = run_fn((OBSERVED / "resources.yaml").read_text(), "--tilt", environ=os.environ)
    assert fallback(out.stderr) == (
        "its output: larger than the input limit of 4 KiB (raise it with "
        "APPLY_IMAGEMAPS_MAX_INPUT, e.g. APPLY_IMAGEMAPS_MAX_INPUT=8K)"
    )


def test_the_deploys_own_image_wins_over_a_newer_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    newer = FRONTEND.replace("tilt-2540b7f6d0d5c5d2", "tilt-0000000000000001")
    env = {**TWO_MAPS, "TILT_IMAGE_1": newer}
    use_env(monkeypatch, env, on_path(stand_in(tmp_path, f"cat {PRINTED}")))
    out = run_fn((OBSERVED / "resources.yaml").read_text(), "--tilt", environ=os.environ)
    assert out.stderr.splitlines()[0] == (
        f'[warning] --tilt: Tilt\'s ImageMap "example.com_shop_frontend" has image '
        f'"{FRONTEND}" now; this deploy\'s TILT_IMAGE_1 "{newer}" is used'
    )
    assert f"image: {newer}\n" in out.stdout


# --- an ImageMap without spec: Tilt's naming rule (imagemap.TiltName) ----------------------


@pytest.mark.parametrize(
    ("name", "matching", "other"),
    [
        ("example.com_shop_api", ["example.com/shop/api", "example.com/shop/api:1@sha256:"
         + "a" * 64], ["example.com/shop/web", "example.com/shop/api/x"]),
        ("app:dev", ["app:dev", "docker.io/library/app:dev"], ["app", "app:other"]),
        ("localhost:5000_foo", ["localhost:5000/foo:1"], ["localhost:5001/foo"]),
        ("a_b", ["a/b", "a_b:1"], ["a/c"]),  # `_` is also `/`: lost when only the name is known
    ],
)  # fmt: skip
def test_tilt_name_matches_the_images_tilt_names_so(
    name: str, matching: list[str], other: list[str]
) -> None:
    selector = TiltName(name)
    refs = [parse_normalized_named(r) for r in matching + other]
    assert [selector.matches(r) for r in refs] == [True] * len(matching) + [False] * len(other)


def test_sanitize_name_cuts_long_names_with_a_hash() -> None:
    selector = "example.com/" + "a" * 250
    # FNV-1a 32 of the selector (the function gives e40c292c for "a", bf9cf968 for "foobar")
    assert sanitize_name(selector) == "example.com_" + "a" * 232 + "-60bc48a5"
    assert TiltName(sanitize_name(selector)).matches(parse_normalized_named(selector + ":1"))


def test_an_imagemap_file_without_spec(tmp_path: Path) -> None:
    """A custom resource whose image field has no `image` key in its text (a Crossplane
    package) is still looked at: the name's parts are what its text must contain."""
    maps = tmp_path / "maps.yaml"
    data = {"metadata": {"name": "example.com_shop_api"}, "status": {"image": "registry/api:2"}}
    maps.write_text(json.dumps({"apiVersion": "tilt.dev/v1alpha1", "kind": "ImageMap", **data}))
    provider = (
        "apiVersion: pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n  name: p\n"
        "spec:\n  package: example.com/shop/api:1\n"
    )
    out = run_fn(provider, "--imagemaps", str(maps))
    assert out.stdout == provider.replace("example.com/shop/api:1", "registry/api:2")
    out = run_fn(API.replace("shop/api", "shop/web"), "--imagemaps", str(maps))
    assert out.stderr == (
        f"[warning] tilt.dev/v1alpha1/ImageMap/example.com_shop_api (in {maps}): ImageMap "
        '"example.com_shop_api" matched no image (no spec: the images Tilt names '
        '"example.com_shop_api")\n'
    )


def test_the_flag() -> None:
    assert parse_args(["--tilt", "maps.yaml"]) == Arguments(
        ["maps.yaml"], strict=False, help=False, tilt=True
    )
    assert not parse_args(["maps.yaml"]).tilt
