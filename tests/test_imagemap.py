"""Config shapes and their problems (messages verbatim)."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from krm_fn.imagemap import Selector, load, sanitize_name
from krm_fn.options import PullPolicy
from krm_fn.schema import Problem
from tests.deadline import deadline

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


# --- the shorthand's shell words: shlex's reading, in linear time (issue 13) -------------

WORDS = [
    ("a  b\tc\r\nd", ["a", "b", "c", "d"]),
    ("a'b c'd", ["ab cd"]),
    ("'' \"\"", ["", ""]),
    ('"a\\"b\\\\c\\d"', ['a"b\\c\\d']),  # in "...", only \" and \\ are escapes
    ("\\'a\\ b\\\\", ["'a b\\"]),
    ("'it''s'", ["its"]),
    ("x\\\ny", ["x\ny"]),  # an escaped newline is kept (shlex, unlike sh)
    ("a#b # c", ["a#b", "#", "c"]),  # no comments
    ("é\u00a0ü\x0b", ["é\u00a0ü\x0b"]),  # only space, tab, CR and LF separate words
]


@pytest.mark.parametrize(("text", "words"), WORDS, ids=[w[0] for w in WORDS])
def test_configmap_shell_words(text: str, words: list[str]) -> None:
    config = load({**CM, "data": {"selector": "app", "image": "app:tilt-1", "args": text}})
    assert config.problems == []
    assert config.maps[0].override_args == tuple(words) == tuple(shlex.split(text))


@pytest.mark.parametrize("text", ["'open", '"open', 'a "b\\"', "end\\", '"end\\'])
def test_configmap_shell_words_unclosed(text: str) -> None:
    with pytest.raises(ValueError):
        shlex.split(text)
    config = load({**CM, "data": {"selector": "app", "image": "app:tilt-1", "args": text}})
    assert config.problems == [
        Problem("data.args", "expected a YAML flow list of strings or shell words")
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\r\n'\"\\ab#é\x0b", max_size=40))
def test_shell_words_read_as_shlex_does(text: str) -> None:
    try:
        expected: tuple[str, ...] | None = tuple(shlex.split(text))
    except ValueError:
        expected = None
    config = load({**CM, "data": {"selector": "app", "image": "app:tilt-1", "command": text}})
    assert (config.maps[0].override_command if config.maps else None) == expected


@pytest.mark.parametrize(
    ("text", "count", "first"),
    [
        ("run " * 250_000, 250_000, "run"),
        ("x" * 1_000_000, 1, "xxx"),  # shlex: quadratic in a word's length (1 MB: 19 s)
        ("'" + "x " * 500_000 + "'", 1, "x x"),
        ('"' + 'say \\"hi\\" ' * 90_000 + '"', 1, 'say "hi" say'),
        ("a\\ b " * 200_000, 200_000, "a b"),
        ("'" + "x" * 1_000_000, 0, None),  # unclosed: an error, at once
    ],
    ids=["words", "long-word", "single", "double", "escapes", "unclosed"],
)
def test_a_long_command_is_split_in_linear_time(text: str, count: int, first: str | None) -> None:
    with deadline(10):
        config = load({**CM, "data": {"selector": "app", "image": "app:tilt-1", "command": text}})
    if first is None:
        assert [p.path for p in config.problems] == ["data.command"]
        return
    assert config.problems == []
    words = config.maps[0].override_command
    assert words is not None and len(words) == count
    assert words[0].startswith(first)
