"""Gathering ImageMaps (krm_fn.sources): the first ImageMap of a name wins, every result
points into the config object it came from, disableSource reads a ConfigMap as Go's
ParseBool does, and the ImageMaps that matched nothing are reported."""

from __future__ import annotations

import pytest
from yaml import Node

from krm_fn import documents, objects
from krm_fn.imagemap import Selector
from krm_fn.results import FileRef, ResourceRef, Result, Severity
from krm_fn.sources import Source, Sources, config_objects
from tests.conftest import imagemap

IMAGEMAP = ResourceRef("tilt.dev/v1alpha1", "ImageMap", "a")


def node(text: str) -> Node:
    root = documents.split(text)[0].compose()
    assert root is not None
    return root


def lines(results: list[Result]) -> list[str]:
    return [str(r) for r in results]


def test_config_objects_are_imagemaps_and_lists_of_them() -> None:
    one = node(imagemap("a", "example.com/a", "x:1"))
    assert config_objects(one) == [one]
    listed = node("apiVersion: tilt.dev/v1alpha1\nkind: ImageMapList\nitems: []\n")
    assert config_objects(listed) == [listed]
    mixed = node(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: tilt.dev/v1alpha1\n  kind: ImageMap\n"
        "- apiVersion: v1\n  kind: Pod\n"
    )
    assert [objects.kind_of(o) for o in config_objects(mixed)] == [
        ("tilt.dev/v1alpha1", "ImageMap")
    ]
    assert config_objects(node("apiVersion: v1\nkind: ConfigMap\n")) == []
    assert config_objects(None) == []


def test_the_first_imagemap_of_a_name_wins() -> None:
    sources = Sources()
    first = Source(IMAGEMAP, FileRef("one.yaml"))
    sources.add(node(imagemap("a", "example.com/a", "x:1")), first)
    sources.add(node(imagemap("a", "example.com/a", "x:1")), Source(IMAGEMAP, None))  # same
    sources.add(node(imagemap("a", "example.com/b", "x:1")), Source(IMAGEMAP, FileRef("two")))
    selector = sources.maps["a"].selector
    assert isinstance(selector, Selector)
    assert selector.ref.familiar_name() == "example.com/a"
    assert sources.origin["a"] == first
    assert sources.results == [
        Result(
            Severity.WARNING,
            'ImageMap "a" is defined again with other contents; the first one is used',
            IMAGEMAP,
            file=FileRef("two"),
        )
    ]


def test_a_file_is_read_document_by_document() -> None:
    sources = Sources()
    text = (
        imagemap("a", "example.com/a", "x:1") + "---\n---\n" + imagemap("b", "example.com/b", "y:1")
    )
    sources.add_file("maps.yaml", text.encode())
    assert [(n, s.file) for n, s in sources.origin.items()] == [
        ("a", FileRef("maps.yaml", 0)),
        ("b", FileRef("maps.yaml", 2)),  # the empty document counts
    ]
    assert len(sources.settings) == 2  # one per config object
    assert not sources.failed


def test_a_file_that_cannot_be_read_is_one_error_naming_it() -> None:
    sources = Sources()
    sources.add_file("bad.yaml", imagemap("a", "example.com/a", "x:1").encode() + b"---\na: *x\n")
    sources.add_file("latin1.yaml", b"a: \xe9\n")
    assert lines(sources.results) == [
        "[error] bad.yaml: document 2, line 11, column 4: found undefined alias 'x'",
        "[error] latin1.yaml: input is not UTF-8: byte 3 (line 1) is 0xe9",
    ]
    assert list(sources.maps) == ["a"]  # what was read before the error is kept
    assert sources.failed


def test_a_config_problem_points_into_its_source() -> None:
    sources = Sources([Result(Severity.WARNING, "before")])
    bad = node(imagemap("a", "Example.com/A", "x:1"))
    sources.add(bad, Source(IMAGEMAP, FileRef("maps.yaml", 3)))
    assert sources.results[1] == Result(
        Severity.ERROR,
        'invalid selector "Example.com/A": invalid reference format: repository name '
        "(A) must be lowercase",
        IMAGEMAP,
        "spec.selector",
        file=FileRef("maps.yaml", 3),
    )
    assert sources.maps == {}


def test_a_config_with_an_alias_is_an_error() -> None:
    sources = Sources()
    text = "apiVersion: tilt.dev/v1alpha1\nkind: ImageMap\nmetadata: &m {name: c}\nx: *m\n"
    sources.add(node(text), Source(None, FileRef("alias.yaml")))
    assert str(sources.results[0]) == (
        "[error] alias.yaml: line 4: aliases (*name) are not allowed in a config; write the "
        "value out"
    )
    assert sources.maps == {}


def test_wants_config_maps_when_an_imagemap_can_be_disabled() -> None:
    sources = Sources()
    sources.add(node(imagemap("a", "example.com/a", "x:1")), Source(IMAGEMAP, None))
    assert not sources.wants_config_maps
    spec = {"disableSource": {"configMap": {"name": "cm", "key": "off"}}}
    sources.add(node(imagemap("b", "example.com/b", "x:1", **spec)), Source(IMAGEMAP, None))
    assert sources.wants_config_maps


def _disabled_by(data: str | None) -> Sources:
    sources = Sources()
    spec = {"disableSource": {"configMap": {"name": "cm", "key": "off"}}}
    sources.add(node(imagemap("a", "example.com/a", "x:1", **spec)), Source(IMAGEMAP, None))
    maps = [] if data is None else [node(f"apiVersion: v1\nkind: ConfigMap\n{data}")]
    sources.usable(maps)
    return sources


@pytest.mark.parametrize("value", ["'1'", "t", "T", "'TRUE'", "'true'", "'True'"])
def test_disable_source_is_gos_parse_bool(value: str) -> None:
    sources = _disabled_by(f"metadata: {{name: cm}}\ndata: {{off: {value}}}\n")
    assert lines(sources.results) == [
        '[info] tilt.dev/v1alpha1/ImageMap/a spec.disableSource: ImageMap "a" is disabled by '
        'ConfigMap "cm"'
    ]


@pytest.mark.parametrize("value", ["'0'", "f", "F", "'FALSE'", "'false'", "'False'"])
def test_a_false_disable_source_says_nothing(value: str) -> None:
    assert _disabled_by(f"metadata: {{name: cm}}\ndata: {{off: {value}}}\n").results == []


@pytest.mark.parametrize(
    ("config_map", "problem"),
    [
        (None, 'ConfigMap "cm" is not among the items'),
        ("metadata: {name: other}\ndata: {off: 'true'}\n", 'ConfigMap "cm" is not among the items'),
        ("metadata: {name: cm}\ndata: {on: 'true'}\n", 'ConfigMap "cm" has no data key "off"'),
        (
            "metadata: {name: cm}\ndata: {off: 'yes'}\n",
            'ConfigMap "cm" data "off" is "yes", not a boolean',
        ),
    ],
)
def test_a_disable_source_that_cannot_be_read_leaves_it_enabled(
    config_map: str | None, problem: str
) -> None:
    sources = _disabled_by(config_map)
    assert lines(sources.results) == [
        '[warning] tilt.dev/v1alpha1/ImageMap/a spec.disableSource: ImageMap "a" stays '
        f"enabled: {problem}"
    ]


def test_the_last_config_map_of_the_name_counts() -> None:
    sources = Sources()
    spec = {"disableSource": {"configMap": {"name": "cm", "key": "off"}}}
    sources.add(node(imagemap("a", "example.com/a", "x:1", **spec)), Source(IMAGEMAP, None))
    cms = [
        node(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm}}\ndata: {{off: '{v}'}}\n")
        for v in ("true", "false")
    ]
    assert [m.name for m in sources.usable(cms)] == ["a"]


def test_unbuilt_imagemaps_are_left_out_with_a_warning() -> None:
    sources = Sources()
    unbuilt = (
        "apiVersion: tilt.dev/v1alpha1\nkind: ImageMap\nmetadata: {name: u}\nspec: {selector: u}\n"
    )
    sources.add(node(unbuilt), Source(None, FileRef("maps.yaml", 1)))
    sources.add(node(imagemap("a", "example.com/a", "x:1")), Source(IMAGEMAP, None))
    assert [m.name for m in sources.usable([])] == ["a"]
    assert lines(sources.results) == [
        '[warning] maps.yaml: ImageMap "u" has not been built (no status.imageFromCluster or '
        "status.image); skipped"
    ]


@pytest.mark.parametrize("strict", [False, True])
def test_unused_imagemaps_are_reported_where_they_are_defined(strict: bool) -> None:
    sources = Sources()
    config = (
        "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\nimageMaps:\n"
        "- metadata: {name: a}\n  spec: {selector: docker.io/library/app}\n"
        "  status: {image: 'x:1'}\n"
        "- metadata: {name: b}\n  spec: {selector: 'b:2', matchExact: true}\n"
        "  status: {image: 'x:1'}\n"
    )
    ref = ResourceRef("fn.apply-imagemaps.dev/v1alpha1", "ApplyImageMaps", "")
    sources.add(node(config), Source(ref, FileRef("maps.yaml")))
    sources.unused(sources.usable([]), {"a"} if not strict else set(), strict)
    severity = "error" if strict else "warning"
    expected = [
        f"[{severity}] fn.apply-imagemaps.dev/v1alpha1/ApplyImageMaps imageMaps[1] (in "
        f'maps.yaml): ImageMap "b" matched no image (selector "b:2", matchExact)'
    ]
    if strict:
        expected.insert(
            0,
            "[error] fn.apply-imagemaps.dev/v1alpha1/ApplyImageMaps imageMaps[0] (in maps.yaml): "
            'ImageMap "a" matched no image (selector "app")',
        )
    assert lines(sources.results) == expected


def test_options_come_from_the_sources_settings() -> None:
    sources = Sources()
    preserve = (
        "apiVersion: v1\nkind: ConfigMap\ndata: {selector: a, image: 'x:1', pullPolicy: preserve}\n"
    )
    sources.add(node(preserve), Source(None, None))
    sources.add(node(preserve.replace("preserve", "all")), Source(None, None))
    options = sources.options(strict=True)
    assert (options.pull_policy, options.strict) == ("preserve", True)
