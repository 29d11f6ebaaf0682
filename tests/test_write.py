"""A plan written into the text (krm_fn.write): new values, pull policies and overrides as
edits, each with the result that says what it changed, and the keys left as they are.
Every run goes through the oracle (tests/oracle.py, through `run_fn`)."""

from __future__ import annotations

import pytest

from tests.conftest import MapsFile, imagemap, run_fn

NEW = "localhost:5000/app:tilt-1"
INDENT = "\n  "


def _config(extra: str = "", **spec: object) -> str:
    """An ApplyImageMaps with one ImageMap for `app` and `extra` fields."""
    body = imagemap("app", "app", NEW, **spec).replace("\n", INDENT).rstrip()
    head = "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\n"
    return f"{head}{extra}imageMaps:\n- {body}\n"


def _pod(containers: str) -> str:
    return f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n{containers}"


BOTH = """\
apiVersion: example.com/v1
kind: Worker
metadata:
  name: w
spec:
  image: app:1
  sidecarImage: app:2
  imagePullPolicy: Always
"""


def test_one_pull_policy_per_mapping_however_many_images_it_holds(maps_file: MapsFile) -> None:
    locators = "imageLocators:\n- {path: '{.spec.image}'}\n- {path: '{.spec.sidecarImage}'}\n"
    out = run_fn(BOTH, "--imagemaps", maps_file(_config(locators)))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == BOTH.replace("app:1", NEW).replace("app:2", NEW).replace(
        "Always", "IfNotPresent"
    )
    assert out.stderr.count("imagePullPolicy set to IfNotPresent") == 1


def test_a_locators_pull_policy_is_set_never_added(maps_file: MapsFile) -> None:
    text = BOTH.replace("  imagePullPolicy: Always\n", "")
    out = run_fn(
        text, "--imagemaps", maps_file(_config("imageLocators:\n- path: '{.spec.image}'\n"))
    )
    assert out.exit_code == 0, out.stderr
    assert out.stdout == text.replace("app:1", NEW)


@pytest.mark.parametrize(
    ("containers", "expected"),
    [
        (
            "  - {command: [x], image: app, name: c}\n",
            "  - {image: localhost:5000/app:tilt-1, imagePullPolicy: IfNotPresent, name: c}\n",
        ),
        (  # the last entry of a flow mapping: from the end of the one before it
            "  - {image: app, name: c, command: [x]}\n",
            "  - {image: localhost:5000/app:tilt-1, imagePullPolicy: IfNotPresent, name: c}\n",
        ),
        (  # a flow mapping's entries each on a line of their own
            "  - {\n    command: [x],\n    image: app\n  }\n",
            f"  - {{\n    image: {NEW},\n    imagePullPolicy: IfNotPresent\n  }}\n",
        ),
        (
            "  - {\n    image: app,\n    command: [x]\n  }\n",
            f"  - {{\n    image: {NEW},\n    imagePullPolicy: IfNotPresent\n  }}\n",
        ),
    ],
)
def test_an_empty_override_removes_the_key_of_a_flow_mapping(
    containers: str, expected: str, maps_file: MapsFile
) -> None:
    maps = maps_file(_config(overrideCommand={"command": []}))
    out = run_fn(_pod(containers), "--imagemaps", maps)
    assert out.exit_code == 0, out.stderr
    assert out.stdout == _pod(expected)
    assert "command removed by ImageMap" in out.stderr


def test_an_override_set_as_it_is_already_is_no_change(maps_file: MapsFile) -> None:
    maps = maps_file(_config(overrideArgs={"args": ["-v"]}))
    text = _pod(
        "  - image: localhost:5000/app:tilt-1\n    imagePullPolicy: IfNotPresent\n    args: [-v]\n"
    )
    out = run_fn(text, "--imagemaps", maps)
    assert (out.exit_code, out.stdout, out.stderr) == (0, text, "")


def test_a_digest_has_no_field_in_an_image_object(maps_file: MapsFile) -> None:
    digest = "sha256:" + "a" * 64
    text = (
        "apiVersion: example.com/v1\nkind: Chart\nmetadata:\n  name: c\n"
        "spec:\n  image:\n    repository: app\n    tag: '1'\n"
    )
    body = imagemap("app", "app", f"{NEW}@{digest}").replace("\n", INDENT).rstrip()
    config = (
        "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\n"
        "imageLocators:\n- path: '{.spec.image}'\n"
        "  object: {repoField: repository, tagField: tag}\n"
        f"imageMaps:\n- {body}\n"
    )
    out = run_fn(text, "--imagemaps", maps_file(config))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == text.replace("repository: app", "repository: localhost:5000/app").replace(
        "tag: '1'", "tag: 'tilt-1'"
    )
    lines = out.stderr.splitlines()
    assert [line.split(": ", 1)[0].rsplit(" ", 1)[-1] for line in lines] == [
        "spec.image",  # the digest's warning first, then the fields changed
        "spec.image.repository",
        "spec.image.tag",
    ]
    assert "is not written: a repository and tag object has no field for it" in lines[0]


def test_a_pull_policy_that_is_an_alias_is_left(maps_file: MapsFile) -> None:
    text = "x: &p Always\n" + _pod("  - image: app\n    imagePullPolicy: *p\n")
    out = run_fn(text, "--imagemaps", maps_file(_config()))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == text.replace("image: app", f"image: {NEW}")
    assert "imagePullPolicy is an alias (*name) and is left as it is" in out.stderr


def test_in_strict_mode_a_key_left_as_it_is_is_an_error(maps_file: MapsFile) -> None:
    text = "x: &p Always\n" + _pod("  - image: app\n    imagePullPolicy: *p\n")
    out = run_fn(text, "--imagemaps", maps_file(_config("strict: true\n")))
    assert out.exit_code == 1
    assert out.stdout == ""
    assert "[error]" in out.stderr and "is an alias (*name) and is left as it is" in out.stderr


def test_results_come_in_order_fields_pull_policies_overrides(maps_file: MapsFile) -> None:
    maps = maps_file(_config(overrideArgs={"args": ["-v"]}))
    out = run_fn(_pod("  - image: app\n  - image: app\n"), "--imagemaps", maps)
    assert out.exit_code == 0, out.stderr
    assert [line.split(" ", 2)[2].split(":")[0] for line in out.stderr.splitlines()] == [
        "spec.containers[0].image",
        "spec.containers[1].image",
        "spec.containers[0].imagePullPolicy",
        "spec.containers[1].imagePullPolicy",
        "spec.containers[0].args",
        "spec.containers[1].args",
    ]
