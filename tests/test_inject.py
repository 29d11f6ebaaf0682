"""Applying a run's ImageMaps to its objects (krm_fn.inject): an `Injector` per run, one
`Outcome` per object, with every result naming the object and its file. What the results
say is tested with each step (test_plan, test_write, test_report); an object's edits
applied to its text go through the oracle (tests/oracle.py) here."""

from __future__ import annotations

from yaml import Node

from krm_fn import edits, nodes
from krm_fn.imagemap import ImageMap, Selector
from krm_fn.inject import Injector, Outcome, Target
from krm_fn.options import Options, PullPolicy
from krm_fn.reference import parse_normalized_named
from krm_fn.results import FileRef, ResourceRef, Severity
from tests.oracle import assert_exact
from tests.texts import compose

APP = ImageMap(
    "app",
    Selector(parse_normalized_named("app"), exact=False),
    parse_normalized_named("localhost:5000/app:tilt-1"),
)
REF = ResourceRef("v1", "Pod", "p")
FILE = FileRef("templates/p.yaml", 2)


def _target(text: str, node: Node | None = None, ref: ResourceRef = REF) -> Target:
    return Target(node or compose(text), text, ref, FILE)


def _checked(injector: Injector, text: str, ref: ResourceRef = REF) -> tuple[str, Outcome]:
    """The text of one object with its edits applied, checked by the oracle against the
    outcome's results, and the outcome."""
    out = injector.inject(_target(text, ref=ref))
    output = edits.apply(text, out.edits)
    assert_exact(text, output, out.results)
    return output, out


def _pod(containers: str, head: str = "") -> str:
    return (
        f"{head}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n{containers}"
    )


def test_an_outcome() -> None:
    text = _pod("  - image: app\n  - image: 8080\n")
    output, out = _checked(Injector([APP], Options()), text)
    assert output == text.replace(
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
    output, out = _checked(strict, text)
    assert output == text.replace("image: app\n", "image: localhost:5000/app:tilt-1\n")
    assert [(r.severity, r.field_path) for r in out.results] == [
        (Severity.ERROR, "spec.containers[1].image"),
        (Severity.INFO, "spec.containers[0].image"),
    ]


def test_env_values_are_located_for_a_match_in_env_vars_map() -> None:
    env = APP.replace(name="env", match_in_env_vars=True)
    text = _pod("  - image: web\n    env:\n    - {name: E, value: app}\n")
    output, out = _checked(Injector([env], Options()), text)
    assert output == text.replace("value: app}", "value: localhost:5000/app:tilt-1}")
    assert [(r.field_path, r.current_value, r.proposed_value) for r in out.results] == [
        ("spec.containers[0].env[0].value", "app", "localhost:5000/app:tilt-1")
    ]
    assert Injector([APP], Options()).inject(_target(text)) == Outcome([], [], set())


def test_any_image_key_finds_an_image_under_any_key() -> None:
    text = "apiVersion: example.com/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  image: app\n"
    job = ResourceRef("example.com/v1", "Job", "j")
    output, out = _checked(Injector([APP], Options(any_image_key=True)), text, job)
    assert output == text.replace("image: app", "image: localhost:5000/app:tilt-1")
    assert [(r.field_path, r.message) for r in out.results] == [
        (
            "spec.image",
            'ImageMap "app" set image field "app" to "localhost:5000/app:tilt-1" '
            "(found by anyImageKey)",
        )
    ]
    assert Injector([APP], Options()).inject(_target(text, ref=job)) == Outcome([], [], set())


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
    items = [item for _, item in nodes.items(nodes.get(compose(text), "items"))]
    refs = [
        ResourceRef("", "Pod", "a"),
        ResourceRef("", "Pod", "b"),
        ResourceRef("", "ConfigMap", ""),
    ]
    left = (
        "container image is left as it is: it is in the anchored value &i, which an alias (*i) "
        "uses too, and rewriting it would change every use"
    )
    for strict, severity in ((False, Severity.WARNING), (True, Severity.ERROR)):
        injector = Injector([APP], Options(strict=strict))
        outcomes = [
            injector.inject(Target(i, text, r, FILE)) for i, r in zip(items, refs, strict=True)
        ]
        output = edits.apply(text, [e for o in outcomes for e in o.edits])
        assert_exact(text, output, [r for o in outcomes for r in o.results])
        assert output == text.replace(
            "{image: app}", "{image: localhost:5000/app:tilt-1, imagePullPolicy: IfNotPresent}"
        )
        assert [(r.severity, r.message) for r in outcomes[0].results] == [(severity, left)]
        assert [o.used for o in outcomes] == [{"app"}, {"app"}, set()]
