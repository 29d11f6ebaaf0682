"""The ConfigMap shorthand: `data` strings to one ImageMap and the options (messages verbatim)."""

from __future__ import annotations

import shlex

import pytest

from krm_fn.imagemap import Selector
from krm_fn.options import PullPolicy
from krm_fn.schema import Problem
from krm_fn.shorthand import load_configmap as load

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
    assert isinstance(m.selector, Selector)
    assert (m.name, m.selector.exact, m.match_in_env_vars) == ("gcr.io_x_app", True, False)
    assert (config.settings.pull_policy, config.settings.strict) == (PullPolicy.PRESERVE, True)


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


def test_configmap_name_is_kept_and_problems_name_the_data_key() -> None:
    config = load({**CM, "data": {"selector": "Example.com/A", "image": "x:1", "name": "n"}})
    assert [p.path for p in config.problems] == ["data.selector"]
    ok = load({**CM, "data": {"selector": "app", "image": "x:1", "name": "mine"}})
    assert [m.name for m in ok.maps] == ["mine"]


def test_configmap_settings_only_when_valid() -> None:
    bad = load({**CM, "data": {"selector": "app", "image": "x:1", "strict": "yes"}})
    assert bad.problems and bad.maps == []
    assert bad.settings.strict is None


# --- command and args: a flow list or shell words (krm_fn.shell_words) -------------------

WORDS = [
    ("a  b\tc", ["a", "b", "c"]),
    ("a'b c'd", ["ab cd"]),
    ('["x y", "z"]', ["x y", "z"]),
]


@pytest.mark.parametrize(("text", "words"), WORDS, ids=[w[0] for w in WORDS])
def test_configmap_shell_words(text: str, words: list[str]) -> None:
    config = load({**CM, "data": {"selector": "app", "image": "app:tilt-1", "args": text}})
    assert config.problems == []
    assert config.maps[0].override_args == tuple(words)


@pytest.mark.parametrize("text", ["'open", '"open', 'a "b\\"', "end\\", '"end\\'])
def test_configmap_shell_words_unclosed(text: str) -> None:
    with pytest.raises(ValueError):
        shlex.split(text)
    config = load({**CM, "data": {"selector": "app", "image": "app:tilt-1", "args": text}})
    assert config.problems == [
        Problem("data.args", "expected a YAML flow list of strings or shell words")
    ]


@pytest.mark.parametrize("text", ["[1, 2]", "[a", "[{a: b}]"])
def test_configmap_flow_list_of_strings_only(text: str) -> None:
    config = load({**CM, "data": {"selector": "app", "image": "app:tilt-1", "command": text}})
    assert config.problems == [
        Problem("data.command", "expected a YAML flow list of strings or shell words")
    ]
