"""Images in custom resources: user locators (Tilt's ImageLocator), the built-in catalog,
and anyImageKey. Every catalog entry has a row with a realistic object."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from krm_fn.locators import CATALOG, ObjectSelector, catalog, compile_locators
from tests.conftest import imagemap, run_fn

INJECT = "localhost:5000/app:tilt-1"
MapsFile = Callable[[str], str]


def _config(extra: str, **spec: object) -> str:
    """An ApplyImageMaps with one ImageMap for `example.com/app` and `extra` fields."""
    body = imagemap("app", "example.com/app", INJECT, **spec).replace("\n", "\n  ").rstrip()
    return (
        "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\n"
        f"{extra}imageMaps:\n- {body}\n"
    )


def test_selector_is_searched_not_anchored() -> None:
    """Tilt S8.2: `KafkaConnect` also matches `KafkaConnector`; no namespace is `default`."""
    (locator,), _ = compile_locators(
        [
            {
                "objectSelector": {"kindRegexp": "KafkaConnect", "namespaceRegexp": "^default$"},
                "path": "{.spec.image}",
            }
        ],
        "imageLocators",
    )
    assert locator.selector.matches("kafka.strimzi.io/v1beta2", "KafkaConnector", "x", "")
    assert not locator.selector.matches("kafka.strimzi.io/v1beta2", "KafkaConnector", "x", "q")
    assert ObjectSelector().matches("", "", "", "")


def test_bad_locators_are_reported_at_their_fields(maps_file: MapsFile) -> None:
    config = _config(
        "imageLocators:\n- objectSelector: {kindRegexp: '(unclosed'}\n"
        "  path: '{.spec.image}'\n- path: '{.spec[0}'\n- pth: x\n"
    )
    path = maps_file(config)
    out = run_fn("kind: X\n", "--imagemaps", path)
    assert out.exit_code == 1
    assert out.stderr.splitlines() == [
        f"[error] fn.apply-imagemaps.dev/v1alpha1/ApplyImageMaps imageLocators[2].path (in {path}):"
        " required field is missing",
        f"[error] fn.apply-imagemaps.dev/v1alpha1/ApplyImageMaps imageLocators[2].pth (in {path}):"
        ' unknown field "pth"; did you mean "path"?',
    ]
    config = _config(
        "imageLocators:\n- objectSelector: {kindRegexp: '(unclosed'}\n"
        "  path: '{.spec.image}'\n- path: '{.spec[0}'\n"
    )
    path = maps_file(config)
    out = run_fn("kind: X\n", "--imagemaps", path)
    assert out.stderr.splitlines() == [
        "[error] fn.apply-imagemaps.dev/v1alpha1/ApplyImageMaps "
        f"imageLocators[0].objectSelector.kindRegexp (in {path}): invalid regular expression "
        "'(unclosed': missing ), unterminated subpattern at position 0",
        f"[error] fn.apply-imagemaps.dev/v1alpha1/ApplyImageMaps imageLocators[1].path (in {path}):"
        " path '{.spec[0}': '[' at 5 is not closed",
    ]


DB = """\
apiVersion: example.com/v1
kind: Database
metadata:
  name: db
spec:
  image: example.com/app:1.0
  imagePullPolicy: Always
  backups:
  - image: example.com/app:1.0
  - schedule: daily
"""


def test_string_locator(maps_file: MapsFile) -> None:
    config = _config(
        "imageLocators:\n- objectSelector: {kindRegexp: ^Database$}\n"
        "  path: '{.spec.image}'\n- path: '{.spec.backups[*].image}'\n"
    )
    out = run_fn(DB, "--imagemaps", maps_file(config))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == DB.replace("example.com/app:1.0", INJECT).replace(
        "imagePullPolicy: Always", "imagePullPolicy: IfNotPresent"
    )  # set, never added
    assert "(found by imageLocators[0])" in out.stderr
    assert "(found by imageLocators[1])" in out.stderr


def test_missing_path_skips_the_object(maps_file: MapsFile) -> None:
    """Tilt S8.3 / tilt-dev/tilt#5958: a key missing in some objects fails the apply."""
    config = _config("imageLocators:\n- path: '{.spec.runner.image}'\n")
    out = run_fn(
        DB
        + "---\n"
        + DB.replace(
            "  image: example.com/app:1.0\n  imagePull",
            "  runner: {image: example.com/app}\n  imagePull",
        ),
        "--imagemaps",
        maps_file(config),
    )
    assert out.exit_code == 0, out.stderr
    assert out.stdout.count(INJECT) == 1


OBJECT = """\
apiVersion: example.com/v1
kind: Cache
metadata:
  name: c
spec:
  server:
    repository: example.com/app
    tag: "0.9"
    port: 6379
  replica:
    repository: example.com/app
  flow: {repository: example.com/app, port: 1}
"""


def test_object_locator_inserts_a_missing_tag_in_sibling_style(maps_file: MapsFile) -> None:
    config = _config(
        "imageLocators:\n- path: '{.spec.*}'\n  object: {repoField: repository, tagField: tag}\n"
    )
    out = run_fn(OBJECT, "--imagemaps", maps_file(config.replace(INJECT, "example.com/app:1.10")))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == OBJECT.replace('tag: "0.9"', 'tag: "1.10"').replace(
        "  replica:\n    repository: example.com/app\n",
        '  replica:\n    repository: example.com/app\n    tag: "1.10"\n',
    ).replace(
        "{repository: example.com/app, port", '{repository: example.com/app, tag: "1.10", port'
    )


def test_object_locator_drops_a_digest_with_a_warning(maps_file: MapsFile) -> None:
    digest = "sha256:" + "a" * 64
    config = _config(
        "imageLocators:\n- path: '{.spec.server}'\n"
        "  object: {repoField: repository, tagField: tag}\n"
    )
    config = config.replace(INJECT, f"localhost:5000/app:tilt-1@{digest}")
    out = run_fn(OBJECT, "--imagemaps", maps_file(config))
    assert 'repository: localhost:5000/app\n    tag: "tilt-1"\n' in out.stdout
    assert "is not written: a repository and tag object has no field for it" in out.stderr


def test_override_through_a_locator_only_is_an_error(maps_file: MapsFile) -> None:
    """Tilt S10.4 kept: command and args belong to containers."""
    config = _config("imageLocators:\n- path: '{.spec.image}'\n", overrideArgs={"args": ["--dev"]})
    out = run_fn(DB, "--imagemaps", maps_file(config))
    assert (out.exit_code, out.stdout) == (1, "")
    assert 'ImageMap "app" has overrideArgs, but no container here carries' in out.stderr


def test_env_values_of_located_containers(maps_file: MapsFile) -> None:
    task = (
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n"
        "  - name: build\n    image: busybox\n    env:\n    - {name: APP, value: example.com/app}\n"
    )
    out = run_fn(task, "--imagemaps", maps_file(_config("", matchInEnvVars=True)))
    assert f"value: {INJECT}}}" in out.stdout


CATALOG_ROWS = [
    (
        "prometheus-operator",
        "monitoring.coreos.com/v1",
        "Prometheus",
        "spec:\n  image: IMG\n  replicas: 2\n",
        "spec.image",
    ),
    (
        "prometheus-operator",
        "monitoring.coreos.com/v1",
        "Alertmanager",
        "spec:\n  image: IMG\n",
        "spec.image",
    ),
    (
        "prometheus-operator",
        "monitoring.coreos.com/v1",
        "ThanosRuler",
        "spec:\n  image: IMG\n",
        "spec.image",
    ),
    (
        "knative-caching-image",
        "caching.internal.knative.dev/v1alpha1",
        "Image",
        "spec:\n  image: IMG\n",
        "spec.image",
    ),
    (
        "tekton-steps",
        "tekton.dev/v1",
        "Task",
        "spec:\n  steps:\n  - name: s\n    image: IMG\n    script: echo\n",
        "spec.steps[0].image",
    ),
    (
        "tekton-steps",
        "tekton.dev/v1",
        "Pipeline",
        "spec:\n  tasks:\n  - name: t\n    taskSpec:\n      steps:\n      - image: IMG\n",
        "spec.tasks[0].taskSpec.steps[0].image",
    ),
    (
        "tekton-steps",
        "tekton.dev/v1",
        "PipelineRun",
        "spec:\n  pipelineSpec:\n    finally:\n    - taskSpec:\n        steps:\n"
        "        - image: IMG\n",
        "spec.pipelineSpec.finally[0].taskSpec.steps[0].image",
    ),
    (
        "tekton-sidecars",
        "tekton.dev/v1",
        "TaskRun",
        "spec:\n  taskSpec:\n    sidecars:\n    - name: s\n      image: IMG\n",
        "spec.taskSpec.sidecars[0].image",
    ),
    (
        "tekton-step-template",
        "tekton.dev/v1beta1",
        "Task",
        "spec:\n  stepTemplate:\n    image: IMG\n",
        "spec.stepTemplate.image",
    ),
    (
        "argo-workflows-container",
        "argoproj.io/v1alpha1",
        "WorkflowTemplate",
        "spec:\n  templates:\n  - name: main\n    container:\n      image: IMG\n"
        "      command: [run]\n"
        "  - name: dag\n    dag: {tasks: []}\n",
        "spec.templates[0].container.image",
    ),
    (
        "argo-workflows-script",
        "argoproj.io/v1alpha1",
        "Workflow",
        "spec:\n  templates:\n  - name: s\n    script:\n      image: IMG\n      source: echo\n",
        "spec.templates[0].script.image",
    ),
    (
        "argo-workflows-sidecars",
        "argoproj.io/v1alpha1",
        "ClusterWorkflowTemplate",
        "spec:\n  templates:\n  - name: s\n    sidecars:\n    - name: db\n      image: IMG\n",
        "spec.templates[0].sidecars[0].image",
    ),
    (
        "argo-workflows-container",
        "argoproj.io/v1alpha1",
        "CronWorkflow",
        "spec:\n  workflowSpec:\n    templates:\n    - container:\n        image: IMG\n",
        "spec.workflowSpec.templates[0].container.image",
    ),
    (
        "olm-related-images",
        "operators.coreos.com/v1alpha1",
        "ClusterServiceVersion",
        "spec:\n  relatedImages:\n  - name: app\n    image: IMG\n",
        "spec.relatedImages[0].image",
    ),
    (
        "crossplane-packages",
        "pkg.crossplane.io/v1",
        "Provider",
        "spec:\n  package: IMG\n",
        "spec.package",
    ),
    (
        "strimzi",
        "kafka.strimzi.io/v1beta2",
        "Kafka",
        "spec:\n  kafka:\n    image: IMG\n  entityOperator:\n    topicOperator:\n"
        "      image: IMG\n",
        "spec.kafka.image",
    ),
]


@pytest.mark.parametrize(
    ("entry", "api", "kind", "body", "path"),
    CATALOG_ROWS,
    ids=[f"{r[0]}-{r[2]}" for r in CATALOG_ROWS],
)
def test_catalog(
    entry: str, api: str, kind: str, body: str, path: str, maps_file: MapsFile
) -> None:
    text = f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: x\n" + body.replace(
        "IMG", "example.com/app:2"
    )
    out = run_fn(text, "--imagemaps", maps_file(_config("")))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == text.replace("example.com/app:2", INJECT)
    assert f'{path}: ImageMap "app" set image field' in out.stderr
    assert f'(found by catalog "{entry}")' in out.stderr
    off = run_fn(text, "--imagemaps", maps_file(_config("catalog: false\n")))
    assert off.stdout == text


def test_every_catalog_entry_has_a_row() -> None:
    assert {f'catalog "{r[0]}"' for r in CATALOG_ROWS} == {loc.name for loc in catalog()}
    assert len(CATALOG) == len(catalog())


def test_any_image_key(maps_file: MapsFile) -> None:
    text = (
        "kind: ConfigMap\nmetadata: {name: c}\ndata:\n  image: example.com/app\n---\n"
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "spec:\n  default:\n    image: example.com/app\n"
    )
    out = run_fn(text, "--imagemaps", maps_file(_config("anyImageKey: true\n")))
    assert out.stdout == text.replace("  image: example.com/app\n---", f"  image: {INJECT}\n---", 1)
    assert "(found by anyImageKey)" in out.stderr
    assert run_fn(text, "--imagemaps", maps_file(_config(""))).stdout == text


def test_any_image_key_with_duplicate_keys(maps_file: MapsFile) -> None:
    """Found by `make fuzz`: of two `image` keys the last counts, and the mapping's pull
    policy is set once."""
    text = (
        "kind: Thing\nmetadata: {name: t}\nspec:\n  image: example.com/app\n"
        "  image: example.com/app:2\n  imagePullPolicy: Always\n"
    )
    out = run_fn(text, "--imagemaps", maps_file(_config("anyImageKey: true\n")))
    assert out.exit_code == 0, out.stderr
    expected = text.replace("  image: example.com/app:2\n", f"  image: {INJECT}\n")
    assert out.stdout == expected.replace("Always", "IfNotPresent")


def test_conflicting_edits_are_an_error_not_a_crash(maps_file: MapsFile) -> None:
    """A locator pointing into `args` while an override replaces the list: both want the
    same text, so the document is left alone with an error naming the line."""
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: a\n    image: example.com/app\n    args: [example.com/app]\n"
    )
    config = _config(
        "imageLocators:\n- path: '{.spec.containers[0].args[0]}'\n",
        overrideArgs={"args": ["--dev"]},
    )
    out = run_fn(pod, "--imagemaps", maps_file(config))
    assert (out.exit_code, out.stdout) == (1, "")
    assert "[error] document 1: two edits overlap at line 8; nothing in it was changed" in (
        out.stderr
    )
