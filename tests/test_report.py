"""What injection reports, in words (krm_fn.report): the problems locating found, a plan's
events, and the reasons a field is left as it is; messages are tested verbatim."""

from __future__ import annotations

import pytest
from yaml import MappingNode

from krm_fn import report
from krm_fn.fields import Field, Place
from krm_fn.imagemap import ImageMap, Selector
from krm_fn.locate import find
from krm_fn.mapindex import References
from krm_fn.plan import Conflict, Left, Uncarried
from krm_fn.reference import parse_normalized_named
from krm_fn.report import Note
from krm_fn.results import Severity
from krm_fn.schema import field_path
from tests.texts import compose

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def _problems(text: str, severity: Severity = WARNING) -> list[tuple[Severity, str, str]]:
    notes = report.problems(find(compose(text), env=True), References(), severity)
    return [(n.severity, field_path(n.path), n.message) for n in notes]


POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"


@pytest.mark.parametrize("severity", [WARNING, ERROR])
def test_problems_in_order(severity: Severity) -> None:
    text = (
        "x: &i a\n"
        + POD
        + (
            "  - {image: *i}\n"
            "  - {image: a, image: b}\n"
            "  - {image: c, <<: {image: d}}\n"
            "  - {image: 8080, env: [{name: E, value: Not/Valid}]}\n"
            "  - {image: [a, 1]}\n"
            "  - {image: {a: b}}\n"
            "  - {image: app/UPPER}\n"
        )
    )
    assert _problems(text, severity) == [
        (
            severity,
            "spec.containers[0].image",
            "an alias (*name) is never rewritten: that would change its anchor and every other "
            "use of it",
        ),
        (
            WARNING,
            "spec.containers[1].image",
            "duplicate key: the last one counts here (go-yaml v2 reads it so), and strict YAML "
            "readers reject the object",
        ),
        (
            severity,
            "spec.containers[2].image",
            "image is left as it is: Kubernetes (go-yaml v2: kubectl) and kustomize (go-yaml v3) "
            "read it differently, as it is given both explicitly and by a merge key (<<) after "
            "that (here or in a mapping merged in), which overrides it for go-yaml v2 only; "
            "write it once, or after the merge key",
        ),
        (severity, "spec.containers[3].image", "container image is not a string: 8080"),
        (severity, "spec.containers[4].image", 'container image is not a string: ["a", "1"]'),
        (severity, "spec.containers[5].image", "container image is not a string: a mapping"),
        (
            severity,
            "spec.containers[6].image",
            'container image "app/UPPER" does not parse: invalid reference format: repository '
            "name (app/UPPER) must be lowercase",
        ),
    ]


def test_env_values_and_locators_strings_need_not_be_images() -> None:
    """Tilt skips those that do not parse (S7, S8.4)."""
    text = POD + "  - {image: a, env: [{name: E, value: 'not an image'}]}\n"
    assert _problems(text) == []


def test_an_image_volume_that_does_not_parse() -> None:
    text = POD + "  - {image: a}\n  volumes: [{name: v, image: {reference: 'a b'}}]\n"
    assert _problems(text) == [
        (
            WARNING,
            "spec.volumes[0].image.reference",
            'image volume "a b" does not parse: invalid reference format',
        )
    ]


def _map(name: str, command: tuple[str, ...] | None = None) -> ImageMap:
    return ImageMap(
        name,
        Selector(parse_normalized_named("app"), exact=False),
        parse_normalized_named("localhost:5000/app:tilt-1"),
        override_command=command,
        override_args=None if command is not None else ("-v",),
    )


def _field() -> Field:
    node = compose("{image: app}")
    assert isinstance(node, MappingNode)
    key, value = node.value[0]
    return Field(Place.CONTAINER, ("spec", "image"), node, key, value)


def test_events() -> None:
    f = _field()
    assert report.event(Left(f, "img"), ERROR) == Note(
        ERROR,
        ("spec", "image"),
        "container image is left as it is: it is in the anchored value &img, which an alias "
        "(*img) uses too, and rewriting it would change every use",
    )
    assert report.event(Conflict(f, _map("a"), _map("b")), ERROR) == Note(
        WARNING,
        ("spec", "image"),
        'ImageMaps "a" and "b" both rewrite this field; "b" comes later and wins',
    )
    assert report.event(Uncarried(_map("c", ("run",))), WARNING) == Note(
        ERROR,
        (),
        'ImageMap "c" has overrideCommand, but no container here carries its image '
        '"localhost:5000/app:tilt-1": it matched only env values or image volumes, and '
        "command and args belong to containers",
    )
    assert "has overrideArgs," in report.event(Uncarried(_map("d")), WARNING).message


def test_shared_and_ambiguous_name_what_is_left() -> None:
    assert report.shared(WARNING, ("a", 0, "args"), "args", "x").message.startswith(
        "args is left as it is: it is in the anchored value &x,"
    )
    assert report.ambiguous(ERROR, ("spec", "env")).message.startswith("env is left as it is:")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a", "a"),
        ("'1'", "1"),
        ("[a, 1]", '["a", "1"]'),
        ("[a, [b]]", '["a", "[\\"b\\"]"]'),  # an inner list as JSON text
        ("[{a: b}]", '["a mapping"]'),
        ("{a: b}", "a mapping"),
    ],
)
def test_show(text: str, shown: str) -> None:
    node = compose(f"k: {text}\n")
    assert isinstance(node, MappingNode)
    assert report.show(node.value[0][1]) == shown
    assert report.show(None) == "a mapping"
