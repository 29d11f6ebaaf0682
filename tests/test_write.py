"""A plan written into the text (krm_fn.write): new values, pull policies and overrides as
edits, each with the result that says what it changed, and the keys left as they are.
Every run goes through the oracle (tests/oracle.py, through `run_fn` or `assert_exact`)."""

from __future__ import annotations

import pytest

from krm_fn import edits
from krm_fn.imagemap import ImageMap, Selector
from krm_fn.inject import Injector, Target
from krm_fn.jsonpath import compile_path
from krm_fn.locators import Locator, ObjectSelector
from krm_fn.options import Options
from krm_fn.reference import parse_normalized_named
from krm_fn.results import ResourceRef
from tests.conftest import MapsFile, imagemap, run_fn
from tests.oracle import assert_exact
from tests.texts import compose

NEW = "localhost:5000/app:tilt-1"
INDENT = "\n  "
POD = "v1/Pod/p spec.containers[0]"
SET = f'[info] {POD}.image: ImageMap "app" set container image "app" to "{NEW}"'
PULL = f'[info] {POD}.imagePullPolicy: imagePullPolicy set to IfNotPresent for ImageMap "app"'
AMBIGUOUS = (
    "is left as it is: Kubernetes (go-yaml v2: kubectl) and kustomize (go-yaml v3) read it "
    "differently, as it is given both explicitly and by a merge key (<<) after that (here or "
    "in a mapping merged in), which overrides it for go-yaml v2 only; write it once, or after "
    "the merge key"
)
ALIAS = (
    "imagePullPolicy is an alias (*name) and is left as it is: setting it would change its "
    "anchor and every other use of it, or add a second key"
)


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


def _shared(key: str, anchor: str) -> str:
    return (
        f"[warning] {POD}.{key}: {key} is left as it is: it is in the anchored value &{anchor}, "
        f"which an alias (*{anchor}) uses too, and rewriting it would change every use"
    )


@pytest.mark.parametrize(
    ("text", "config", "expected", "stderr"),
    [
        pytest.param(
            "base: &b {image: app, name: c}\n" + _pod("  - <<: *b\n    imagePullPolicy: Always\n"),
            _config(),
            "base: &b {image: app, name: c}\n"
            + _pod(f"  - <<: *b\n    image: {NEW}\n    imagePullPolicy: IfNotPresent\n"),
            [SET, PULL],
            id="a merged field is set in its own mapping, after the merge key",
        ),
        pytest.param(
            BOTH.split("  sidecarImage")[0],
            _config("imageLocators:\n- path: '{.spec.image}'\n"),
            BOTH.split("  sidecarImage")[0].replace("app:1", NEW),
            [
                '[info] example.com/v1/Worker/w spec.image: ImageMap "app" set image field '
                f'"app:1" to "{NEW}" (found by imageLocators[0])'
            ],
            id="a locator's field says which one found it",
        ),
        pytest.param(
            _pod("  - image: app\n    imagePullPolicy: Always\n    <<: {imagePullPolicy: Never}\n"),
            _config(),
            _pod(f"  - image: {NEW}\n    imagePullPolicy: Always\n")
            + "    <<: {imagePullPolicy: Never}\n",
            [SET, f"[warning] {POD}.imagePullPolicy: imagePullPolicy {AMBIGUOUS}"],
            id="a pull policy the readers disagree about",
        ),
        pytest.param(
            _pod("  - image: app\n    imagePullPolicy: &q Never\n") + "y: *q\n",
            _config(),
            _pod(f"  - image: {NEW}\n    imagePullPolicy: &q Never\n") + "y: *q\n",
            [SET, _shared("imagePullPolicy", "q")],
            id="a pull policy in an anchored value an alias uses",
        ),
        pytest.param(
            _pod("  - &c {image: web, name: c}\n") + "y: *c\n",
            _config("pullPolicy: all\n"),
            _pod("  - &c {image: web, name: c}\n") + "y: *c\n",
            [
                "[warning] fn.apply-imagemaps.dev/v1alpha1/ApplyImageMaps imageMaps[0] (in MAPS): "
                'ImageMap "app" matched no image (selector "app")',
                _shared("imagePullPolicy", "c"),
            ],
            id="no pull policy added to a mapping an alias uses",
        ),
        pytest.param(
            _pod("  - {&k name: c, image: app}\n") + "y: *k\n",
            _config(),
            _pod(f"  - {{&k name: c, image: {NEW}, imagePullPolicy: IfNotPresent}}\n") + "y: *k\n",
            [SET, PULL],
            id="an anchored key at the start of the mapping is not the mapping",
        ),
        pytest.param(
            _pod("  - image: app\n    command: [a]\n    <<: {command: [b]}\n"),
            _config(overrideCommand={"command": ["run"]}),
            _pod(f"  - image: {NEW}\n    command: [a]\n    <<: {{command: [b]}}\n")
            + "    imagePullPolicy: IfNotPresent\n",
            [SET, PULL, f"[warning] {POD}.command: command {AMBIGUOUS}"],
            id="an override of a key the readers disagree about",
        ),
        pytest.param(
            _pod("  - image: app\n    <<: {command: [b]}\n"),
            _config(overrideCommand={"command": []}),
            _pod(
                f"  - image: {NEW}\n    <<: {{command: [b]}}\n    imagePullPolicy: IfNotPresent\n"
            ),
            [
                SET,
                PULL,
                f"[warning] {POD}.command: command is not removed: a merge key (<<) gives it, "
                "and that mapping is left as it is",
            ],
            id="an empty override of a key a merge key gives",
        ),
        pytest.param(
            _pod("  - image: app\n    <<: {args: [-v]}\n"),
            _config(overrideArgs={"args": ["-v"]}),
            _pod(f"  - image: {NEW}\n    <<: {{args: [-v]}}\n    imagePullPolicy: IfNotPresent\n"),
            [SET, PULL],
            id="an override a merge key gives already",
        ),
        pytest.param(
            _pod("  - image: app\n    args: [x]\n"),
            _config(overrideArgs={"args": ["-v"]}),
            _pod(f"  - image: {NEW}\n    imagePullPolicy: IfNotPresent\n    args: [-v]\n"),
            [SET, PULL, f'[info] {POD}.args: args set by ImageMap "app" overrideArgs'],
            id="an override set",
        ),
        pytest.param(
            _pod("  - image: app\n    args: &a [x]\n") + "y: *a\n",
            _config(overrideArgs={"args": ["-v"]}),
            _pod(f"  - image: {NEW}\n    imagePullPolicy: IfNotPresent\n    args: &a [x]\n")
            + "y: *a\n",
            [SET, PULL, _shared("args", "a")],
            id="an override of a list an alias uses",
        ),
    ],
)
def test_what_is_written_and_what_is_left(
    text: str, config: str, expected: str, stderr: list[str], maps_file: MapsFile
) -> None:
    path = maps_file(config)
    out = run_fn(text, "--imagemaps", path)
    assert out.exit_code == 0, out.stderr
    assert out.stdout == expected
    assert out.stderr.replace(path, "MAPS").splitlines() == stderr


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
    assert out.stderr.splitlines() == [
        SET,
        PULL,
        f'[info] {POD}.command: command removed by ImageMap "app" overrideCommand',
    ]


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
    chart = "example.com/v1/Chart/c spec.image"
    change = f'ImageMap "app" set image object "app:1" to "{NEW}@{digest}"'
    assert out.stderr.splitlines() == [  # the digest's warning first, then the fields changed
        f'[warning] {chart}: the digest of ImageMap "app"\'s image is not written: '
        "a repository and tag object has no field for it",
        f"[info] {chart}.repository: {change}: its repository field (found by imageLocators[0])",
        f"[info] {chart}.tag: {change}: its tag field (found by imageLocators[0])",
    ]


def test_an_image_object_without_a_tag_field_gets_its_repository_only() -> None:
    """A locator made without `tagField` (the schema asks for one, the records allow none):
    the repository field is set, the tag has nowhere to go."""
    text = (
        "apiVersion: example.com/v1\nkind: Chart\nmetadata:\n  name: c\n"
        "spec:\n  image:\n    repository: app\n"
    )
    locator = Locator("chart", ObjectSelector(), compile_path("{.spec.image}"), "repository")
    ref = parse_normalized_named
    app = ImageMap("app", Selector(ref("app"), exact=False), ref(NEW))
    chart = ResourceRef("example.com/v1", "Chart", "c")
    out = Injector([app], Options(locators=(locator,))).inject(
        Target(compose(text), text, chart, None)
    )
    output = edits.apply(text, out.edits)
    assert_exact(text, output, out.results)
    assert output == text.replace("repository: app", "repository: localhost:5000/app")
    assert [(r.field_path, r.current_value, r.proposed_value) for r in out.results] == [
        ("spec.image.repository", "app", "localhost:5000/app")
    ]


def test_a_pull_policy_that_is_an_alias_is_left(maps_file: MapsFile) -> None:
    text = "x: &p Always\n" + _pod("  - image: app\n    imagePullPolicy: *p\n")
    out = run_fn(text, "--imagemaps", maps_file(_config()))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == text.replace("image: app", f"image: {NEW}")
    assert out.stderr.splitlines() == [SET, f"[warning] {POD}.imagePullPolicy: {ALIAS}"]


def test_in_strict_mode_a_key_left_as_it_is_is_an_error(maps_file: MapsFile) -> None:
    text = "x: &p Always\n" + _pod("  - image: app\n    imagePullPolicy: *p\n")
    out = run_fn(text, "--imagemaps", maps_file(_config("strict: true\n")))
    assert out.exit_code == 1
    assert out.stdout == ""
    assert out.stderr.splitlines() == [SET, f"[error] {POD}.imagePullPolicy: {ALIAS}"]


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
