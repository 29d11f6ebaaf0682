"""Config shapes and their problems (messages verbatim)."""

from __future__ import annotations

import pytest

from krm_fn.imagemap import PullPolicy, load, sanitize_name
from krm_fn.schema import Problem

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('["sh", "-c", "run it"]', ("sh", "-c", "run it")),
        ("sh -c 'run it'", ("sh", "-c", "run it")),
        ("", ()),
        ("[]", ()),
    ],
)
def test_configmap_command_forms(text: str, words: tuple[str, ...]) -> None:
    config = load({**CM, "data": {"selector": "app", "image": "app:tilt-1", "command": text}})
    assert config.problems == []
    assert config.maps[0].override_command == words


def test_configmap_shorthand_fields() -> None:
    config = load(
        {
            **CM,
            "data": {
                "selector": "gcr.io/x/app",
                "image": "localhost:5000/app:tilt-1",
                "matchExact": "true",
                "matchInEnvVars": "false",
                "pullPolicy": "preserve",
                "strict": "true",
            },
        }
    )
    (m,) = config.maps
    assert (m.name, m.selector.exact, m.match_in_env_vars) == ("gcr.io_x_app", True, False)
    assert (config.pull_policy, config.strict) == (PullPolicy.PRESERVE, True)


def test_configmap_bad_command_and_image() -> None:
    config = load({**CM, "data": {"selector": "app", "image": "UP", "args": "'unclosed"}})
    assert config.problems == [
        Problem("data.args", "expected a YAML flow list of strings or shell words"),
        Problem(
            "data.image",
            'invalid image "UP": invalid reference format: repository name '
            "(library/UP) must be lowercase",
        ),
    ]


def test_empty_function_input_is_no_config() -> None:
    assert load({**CM, "data": {}}).maps == []
    assert load({**CM, "data": {}}).problems == []


def test_list_items_must_be_imagemaps() -> None:
    config = load({"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod"}, "x"]})
    assert config.problems == [
        Problem("items[0]", "expected a tilt.dev/v1alpha1 ImageMap, got 'Pod'"),
        Problem("items[1]", "expected a tilt.dev/v1alpha1 ImageMap, got 'str'"),
    ]


def test_not_a_mapping() -> None:
    (problem,) = load(["a"]).problems
    assert problem.message.startswith("unknown config a list, not a mapping; expected one of:")


def test_imagefromcluster_wins_over_image() -> None:
    config = load(
        {
            "apiVersion": "tilt.dev/v1alpha1",
            "kind": "ImageMap",
            "metadata": {"name": "a"},
            "spec": {"selector": "a"},
            "status": {"image": "local:1/a:x", "imageFromCluster": "docker.io/library/a:y"},
        }
    )
    assert config.maps[0].injected == "a:y"


def test_sanitize_name() -> None:
    assert sanitize_name("gcr.io/foo%2") == "gcr.io_foo_2"
