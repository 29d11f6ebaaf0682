"""Applying a run's ImageMaps to its objects (krm_fn.inject): an `Injector` per run, one
`Outcome` per object, with every result naming the object and its file. What the results
say is tested with each step (test_plan, test_write, test_report); whole runs go through
the oracle there."""

from __future__ import annotations

from yaml import Node

from krm_fn import edits, nodes
from krm_fn.imagemap import ImageMap, Selector
from krm_fn.inject import Injector, Outcome, Target
from krm_fn.options import Options, PullPolicy
from krm_fn.reference import parse_normalized_named
from krm_fn.results import FileRef, ResourceRef, Severity
from tests.texts import compose

APP = ImageMap(
    "app",
    Selector(parse_normalized_named("app"), exact=False),
    parse_normalized_named("localhost:5000/app:tilt-1"),
)
REF = ResourceRef("v1", "Pod", "p")
FILE = FileRef("templates/p.yaml", 2)


def _target(text: str, node: Node | None = None) -> Target:
    return Target(node or compose(text), text, REF, FILE)


def _pod(containers: str, head: str = "") -> str:
    return (
        f"{head}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n{containers}"
    )


def test_an_outcome() -> None:
    text = _pod("  - image: app\n  - image: 8080\n")
    out = Injector([APP], Options()).inject(_target(text))
    assert edits.apply(text, out.edits) == text.replace(
        "image: app\n", "image: localhost:5000/app:tilt-1\n    imagePullPolicy: IfNotPresent\n"
    )
    assert [(r.severity, r.field_path, r.resource, r.file) for r in out.results] == [
        (Severity.WARNING, "spec.containers[1].image", REF, FILE),  # what locating found first
        (Severity.INFO, "spec.containers[0].image", REF, FILE),
        (Severity.INFO, "spec.containers[0].imagePullPolicy", REF, FILE),
    ]
    assert out.used == {"app"}


def test_the_options_of_the_run() -> None:
    text = _pod("  - image: app\n  - image: 8080\n")
    strict = Injector([APP], Options(strict=True, pull_policy=PullPolicy.PRESERVE))
    out = strict.inject(_target(text))
    assert [(r.severity, r.field_path) for r in out.results] == [
        (Severity.ERROR, "spec.containers[1].image"),
        (Severity.INFO, "spec.containers[0].image"),
    ]


def test_no_maps_no_change() -> None:
    assert Injector([], Options()).inject(_target(_pod("  - image: app\n"))) == Outcome(
        [], [], set()
    )


def test_one_injector_for_many_objects_gives_what_one_each_gives() -> None:
    """What an injector keeps between objects (parsed references, the maps' matches, the
    anchors of the text at hand) changes nothing for the next object."""
    texts = [
        _pod("  - image: app\n"),
        _pod("  - image: &a app\n") + "y: *a\n",  # left: an alias uses it
        _pod("  - image: &a app\n"),  # the same anchor name, in a text of its own
        _pod("  - image: localhost:5000/app:tilt-1\n"),
    ]
    shared = Injector([APP], Options())
    for text in texts:
        assert shared.inject(_target(text)) == Injector([APP], Options()).inject(_target(text))


def test_objects_that_share_one_text() -> None:
    """A ResourceList's items: one text, an anchor in one item that an alias in another uses."""
    text = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "- {kind: Pod, metadata: {name: a}, spec: {containers: [{image: &i app}]}}\n"
        "- {kind: Pod, metadata: {name: b}, spec: {containers: [{image: app}]}}\n"
        "- {kind: ConfigMap, data: {copy: *i}}\n"
    )
    items = nodes.get(compose(text), "items")
    injector = Injector([APP], Options())
    outcomes = [injector.inject(_target(text, item)) for _, item in nodes.items(items)]
    assert [len(o.edits) for o in outcomes] == [0, 2, 0]
    assert "in the anchored value &i" in outcomes[0].results[0].message
    assert [o.used for o in outcomes] == [{"app"}, {"app"}, set()]
