"""Images in custom resources: user locators (Tilt's ImageLocator), the built-in catalog,
and anyImageKey. Every catalog entry has a row with a realistic object."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml

from krm_fn import jsonpath_steps
from krm_fn.config_shapes import load
from krm_fn.locators import CATALOG, ObjectSelector, catalog, compile_locators, compile_re2
from krm_fn.schema import Problem
from tests.conftest import MapsFile, imagemap, run_fn
from tests.deadline import deadline

INJECT = "localhost:5000/app:tilt-1"


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
        "'(unclosed': missing ): (unclosed",  # RE2's message
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


# --- regexes: RE2 in Go's dialect, linear time (issue 13) -------------------------------

TILT_SPELLINGS = [
    # Tilt's k8s_kind("Project") / MustKindSelector: `^(?i)` + QuoteMeta(kind) + `$`
    ("^(?i)Project$", ["Project", "project", "PROJECT"], ["Projects", "MyProject"]),
    ("^(?i)UselessMachine$", ["UselessMachine", "uselessmachine"], ["Machine"]),
    (r"^(?i)serving\.knative\.dev/v1$", ["serving.knative.dev/v1"], ["servingXknative.dev/v1"]),
    # k8s_image_json_path(kind="KafkaConnect"): `(?i)` and unanchored (tilt-dev/tilt#5326)
    ("(?i)KafkaConnect", ["KafkaConnector", "kafkaconnect"], ["Kafka"]),
    ("(?i).*o", ["foo"], ["bar"]),  # TestK8sImageJSONPathArgs: name='.*o' matches foo
    ("Deploy(?i)MENT", ["Deployment", "DeployMENT"], ["deployment"]),  # a flag mid-pattern
    (r"^\pL+$", ["Déploiement", "Ωmega"], ["v1", "app-1"]),
    (r"^\p{Lu}", ["Élan"], ["élan"]),
    ("[[:upper:]]", ["appsV1"], ["apps"]),
    ("^[[:alpha:]]+$", ["Pod"], ["Pod2"]),
    (r"^\d+$", ["123"], ["١٢٣"]),  # `\d` is ASCII, as in Go (not Python's Unicode digits)
    ("^web$", ["web"], ["web\n"]),  # `$` is the end of the text, not before a last newline
    (r"(?U)^a+", ["aaa"], ["b"]),  # Go's ungreedy flag
    (r"^\Qa.b\E$", ["a.b"], ["axb"]),
]


@pytest.mark.parametrize(
    ("pattern", "matching", "other"), TILT_SPELLINGS, ids=[r[0] for r in TILT_SPELLINGS]
)
def test_tilt_selector_spellings(pattern: str, matching: list[str], other: list[str]) -> None:
    """Python's `re` refused the first spellings (`global flags not at the start of the
    expression`) and read `[[:upper:]]` as a set of characters (a FutureWarning)."""
    (locator,), problems = compile_locators(
        [{"objectSelector": {"nameRegexp": pattern}, "path": "{.spec.image}"}], "imageLocators"
    )
    assert problems == []
    assert [locator.selector.matches("v1", "K", name, "") for name in matching + other] == [
        True
    ] * len(matching) + [False] * len(other)


def test_tilt_uselessmachine_locator(maps_file: MapsFile) -> None:
    """Tilt's TestCRDImageObjectInjection: MustKindSelector("UselessMachine") and the
    object locator `{.spec.imageObject}` on testyaml.CRDImageObjectYAML."""
    crd = (
        "apiVersion: tilt.dev/v1alpha1\nkind: UselessMachine\nmetadata:\n  name: um\n"
        "spec:\n  imageObject:\n    repo: frontend\n"
    )
    config = _config(
        "imageLocators:\n- objectSelector: {kindRegexp: '^(?i)UselessMachine$'}\n"
        "  path: '{.spec.imageObject}'\n  object: {repoField: repo, tagField: tag}\n"
    ).replace("example.com/app", "frontend")
    out = run_fn(crd, "--imagemaps", maps_file(config))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == crd.replace(
        "repo: frontend\n", "repo: localhost:5000/app\n    tag: tilt-1\n"
    )


REFUSED = [
    ("(?P<n>a)(?P=n)", "invalid perl operator: (?P"),  # Python's named backreference
    ("a(?=b)", "invalid perl operator: (?="),
    ("(?<=a)b", "invalid perl operator: (?<="),
    ("a(?!b)", "invalid perl operator: (?!"),
    (r"(a)\1", r"invalid escape sequence: \1"),
    ("a++", "bad repetition operator: ++"),
    ("(?>a)", "invalid perl operator: (?>"),
    (r"a\Z", r"invalid escape sequence: \Z"),
    ("(?x) a", "invalid perl operator: (?x"),
    (r"\C", r"invalid escape sequence: \C (Go's regexp has no \C)"),  # RE2 alone takes it
    ("a{1001}", "invalid repetition size: {1001}"),
]


@pytest.mark.parametrize(("pattern", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_python_only_syntax_is_refused(pattern: str, message: str, capfd: Any) -> None:
    """What Go's regexp refuses is an invalid pattern, with RE2's message at its field
    (Python's `re` took all of these but the last two)."""
    config = load(
        {
            "apiVersion": "tilt.dev/v1alpha1",
            "kind": "KubernetesApply",
            "metadata": {"name": "app"},
            "spec": {
                "yaml": "kind: X\n",
                "imageLocators": [
                    {"objectSelector": {"kindRegexp": "^X$"}, "path": "{.spec.image}"},
                    {"objectSelector": {"namespaceRegexp": pattern}, "path": "{.spec.image}"},
                ],
            },
        }
    )
    assert config.problems == [
        Problem(
            "spec.imageLocators[1].objectSelector.namespaceRegexp",
            f"invalid regular expression {pattern!r}: {message}",
        )
    ]
    assert capfd.readouterr() == ("", "")  # RE2 logs nothing of its own


def test_no_backtracking_whatever_the_pattern(maps_file: MapsFile) -> None:
    """`^(a+)+$` against 30 `a`s and a `!` took Python's `re` 40 s; 32 never ended."""
    config = _config("imageLocators:\n- objectSelector: {kindRegexp: '^(a+)+$'}\n  path: '{.x}'\n")
    objects = f"kind: {'a' * 32}!\nx: example.com/app\n---\nkind: {'a' * 32}\nx: example.com/app\n"
    with deadline(10):
        out = run_fn(objects, "--imagemaps", maps_file(config))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == objects.replace(
        f"{'a' * 32}\nx: example.com/app", f"{'a' * 32}\nx: {INJECT}"
    )


def test_surrogates_in_patterns_and_values_are_not_a_crash() -> None:
    (locator,), problems = compile_locators(
        [{"objectSelector": {"nameRegexp": "^a\ud800$"}, "path": "{.a}"}], "imageLocators"
    )
    assert problems == []
    assert locator.selector.matches("v1", "K", "a\ud800", "")  # both read as U+FFFD
    assert not locator.selector.matches("v1", "K", "ab", "")


def test_catalog_patterns_mean_the_same_in_re2() -> None:
    """The catalog's patterns run on Python's `re` (a normal run never loads RE2): each one
    compiles in RE2 and decides every apiVersion and kind of the rows the same way."""
    values = {v for row in CATALOG_ROWS for v in row[1:3]}
    values |= {f"{v}s" for v in values} | {f"x{v}" for v in values} | {"v1", "Pod", "Task\n"}
    keys = {"apiVersionRegexp": "api_version", "kindRegexp": "kind"}
    for entry, locator in zip(CATALOG, catalog(), strict=True):
        for key, pattern in entry["objectSelector"].items():
            python, re2 = getattr(locator.selector, keys[key]), compile_re2(pattern)
            for value in values:
                assert (python.search(value) is None) == (re2.search(value) is None), (
                    pattern,
                    value,
                )


def test_the_catalog_compiles_nothing_for_objects_outside_its_groups() -> None:
    """Each apiVersion pattern is a prefix test and each kind pattern waits for its first
    search: a run over Deployments and Pods compiles none of the catalog's patterns."""
    built = catalog()
    for locator in built:
        for kind in ("Deployment", "Pod"):
            assert not locator.selector.matches("apps/v1", kind, "app", "")
    assert all(loc.selector.kind.compiled is None for loc in built)  # type: ignore[union-attr]
    tekton = [loc for loc in built if loc.selector.matches("tekton.dev/v1", "Task", "t", "")]
    assert [loc.name for loc in tekton] == [
        'catalog "tekton-steps"',
        'catalog "tekton-sidecars"',
        'catalog "tekton-step-template"',
    ]
    assert not built[0].selector.matches("xmonitoring.coreos.com/v1", "Prometheus", "p", "")


RE2_LOADED = """\
import io, sys
from krm_fn.cli import main
maps = sys.argv[1]
task = b"apiVersion: tekton.dev/v1\\nkind: Task\\nmetadata: {name: t}\\n"
task += b"spec:\\n  steps:\\n  - image: example.com/app\\n"
main(["--imagemaps", maps], stdin=io.BytesIO(task), stdout=io.BytesIO(), stderr=io.StringIO())
print("re2" in sys.modules)
"""


@pytest.mark.parametrize(
    ("extra", "loaded"),
    [
        ("", False),  # the catalog alone
        ("imageLocators:\n- path: '{.spec.image}'\n", False),  # a locator without a regex
        ("imageLocators:\n- objectSelector: {kindRegexp: Task}\n  path: '{.x}'\n", True),
    ],
)
def test_re2_is_loaded_only_for_a_users_regex(
    extra: str, loaded: bool, maps_file: MapsFile
) -> None:
    python = subprocess.run(
        [sys.executable, "-c", RE2_LOADED, maps_file(_config(extra))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert python.stdout == f"{loaded}\n", python.stderr


# --- JSONPath work past its limit is an error result (issue 13) -------------------------

DEEP = (
    "apiVersion: example.com/v1\nkind: Deep\nmetadata:\n  name: d\nspec:\n"
    + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(30))
    + f"{'  ' * 31}image: example.com/app\n"
)


def test_too_much_path_work_is_an_error_result(
    maps_file: MapsFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonpath_steps, "MAX_VISITS", 100)
    config = _config("imageLocators:\n- path: '{.spec.k0.k1}'\n- path: '{..*..*..*}'\n")
    path = maps_file(config)
    out = run_fn(DEEP, "--imagemaps", path)
    assert (out.exit_code, out.stdout) == (1, "")
    assert (
        "[error] example.com/v1/Deep/d: imageLocators[1].path: path '{..*..*..*}' needs more "
        "than 100 node visits on this object (the limit for one path on one object); give it "
        "fewer steps, fewer `..` and `*` in particular, or a narrower objectSelector"
    ) in out.stderr.splitlines()
    assert "Traceback" not in out.stderr
    rl = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- "
        + DEEP.replace("\n", "\n  ").rstrip()
        + "\n"
    )
    out = run_fn(rl, "--imagemaps", path)
    assert out.exit_code == 1
    (error,) = [r for r in yaml.safe_load(out.stdout)["results"] if r["severity"] == "error"]
    assert error["message"].startswith(
        "imageLocators[1].path: path '{..*..*..*}' needs more than 100 node visits"
    )
    assert error["resourceRef"] == {"apiVersion": "example.com/v1", "kind": "Deep", "name": "d"}
