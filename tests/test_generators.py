"""Generator mode (krm_fn.generators): ApplyImageMaps `manifests` and Tilt's KubernetesApply
emit manifests with the ImageMaps applied, besides the input. The unit tests of `generate`
check each generated document against its own results with the oracle."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from krm_fn.config_shapes import load
from krm_fn.generators import Generated, generate
from krm_fn.imagemap import Manifests
from krm_fn.locators import compile_locators
from krm_fn.options import Options
from krm_fn.results import FileRef, ResourceRef, Result, Severity
from krm_fn.rewrite import Rewrite
from krm_fn.sources import Source
from tests import conftest
from tests.conftest import MapsFile, imagemap
from tests.oracle import assert_exact

# The output ends with new objects; a stream generator run again generates them again.
run_fn = functools.partial(conftest.run_fn, generated=True, stable=False)

INJECT = "localhost:5000/app:tilt-1"
DEPLOY = """\
# the app, kept byte for byte
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: "example.com/app:dev"   # built by Tilt
"""
REWRITTEN = DEPLOY.replace('"example.com/app:dev"', f'"{INJECT}"').replace(
    "# built by Tilt\n", "# built by Tilt\n          imagePullPolicy: IfNotPresent\n"
)
MAP = imagemap("app", "example.com/app", INJECT)


def _apply(manifests: list[str]) -> str:
    items = "".join(f"- {m!r}\n" if "\n" not in m else f"- |\n{_indent(m)}" for m in manifests)
    body = MAP.replace("\n", "\n  ").rstrip()
    return (
        "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\n"
        f"manifests:\n{items}imageMaps:\n- {body}\n"
    )


def _indent(text: str) -> str:
    return "".join("  " + line for line in text.splitlines(True))


def test_stream_generator_inline_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps_file: MapsFile
) -> None:
    monkeypatch.chdir(tmp_path)  # paths are relative to the working directory
    Path("app.yaml").write_text(DEPLOY)
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n"
    out = run_fn("", maps_file(_apply(["app.yaml", service])))  # positional: kustomize's way
    assert out.exit_code == 0, out.stderr
    assert out.stdout == "---\n" + REWRITTEN + "---\n" + service
    given = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    out = run_fn(given, "--imagemaps", maps_file(_apply(["app.yaml"])))
    assert out.stdout == given + "---\n" + REWRITTEN


def test_unreadable_manifests_file(maps_file: MapsFile, tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    config = maps_file(_apply([missing]))
    out = run_fn("", "--imagemaps", config)
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr == (
        f"[error] fn.apply-imagemaps.dev/v1alpha1/ApplyImageMaps manifests[0] (in {config}): "
        f"cannot read manifests file {missing!r}: No such file or directory\n"
    )


KUBERNETES_APPLY = f"""\
apiVersion: tilt.dev/v1alpha1
kind: KubernetesApply
metadata:
  name: app
  labels: {{app.kubernetes.io/managed-by: tilt}}
spec:
  yaml: |
{_indent(_indent(DEPLOY))}    ---
    apiVersion: example.com/v1
    kind: Database
    metadata:
      name: db
    spec:
      engineImage: example.com/db:1
  imageMaps: [app, db]
  imageLocators:
  - objectSelector: {{kindRegexp: ^Database$}}
    path: "{{.spec.engineImage}}"
  discoveryStrategy: selectors-only
  timeout: 30s
status:
  resultYAML: ignored
"""
TILT_IMAGEMAPS = """\
apiVersion: v1
kind: List
items:
- apiVersion: tilt.dev/v1alpha1
  kind: ImageMap
  metadata: {name: app, uid: 0b5c, creationTimestamp: "2026-11-26T10:00:00Z"}
  spec: {selector: example.com/app}
  status:
    buildStartTime: "2026-11-26T10:00:00.000000Z"
    image: localhost:5000/app:tilt-1
    imageFromCluster: localhost:5000/app:tilt-1
    imageFromLocal: localhost:5000/app:tilt-1
- apiVersion: tilt.dev/v1alpha1
  kind: ImageMap
  metadata: {name: db}
  spec: {selector: example.com/db}
  status: {image: "localhost:5000/db:tilt-2"}
- apiVersion: tilt.dev/v1alpha1
  kind: ImageMap
  metadata: {name: unrelated}
  spec: {selector: example.com/app}
  status: {image: "elsewhere/app:tilt-3"}
"""


def test_kubernetes_apply_from_tilt(maps_file: MapsFile) -> None:
    """What `tilt get kubernetesapply app -o yaml` and `tilt get imagemap -o yaml` give:
    spec.yaml with the ImageMaps it names, in its order, and its locators."""
    out = run_fn(
        "", "--imagemaps", maps_file(TILT_IMAGEMAPS), "--imagemaps", maps_file(KUBERNETES_APPLY)
    )
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith("---\n" + REWRITTEN + "---\n")
    assert "engineImage: localhost:5000/db:tilt-2\n" in out.stdout
    assert "elsewhere" not in out.stdout
    assert "(found by spec.imageLocators[0])" in out.stderr
    assert 'ImageMap "unrelated" matched no image' in out.stderr


def test_kubernetes_apply_names_a_missing_imagemap(maps_file: MapsFile) -> None:
    config = maps_file(KUBERNETES_APPLY)
    out = run_fn("", "--imagemaps", config)
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr.splitlines()[:2] == [
        f"[error] tilt.dev/v1alpha1/KubernetesApply/app spec.imageMaps[0] (in {config}): "
        'ImageMap "app" is not among the ImageMaps given (Tilt would wait for it)',
        f"[error] tilt.dev/v1alpha1/KubernetesApply/app spec.imageMaps[1] (in {config}): "
        'ImageMap "db" is not among the ImageMaps given (Tilt would wait for it)',
    ]


def _resource_list(items: str, config: str) -> str:
    return (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
        + items
        + "functionConfig:\n"
        + _indent(config)
    )


@pytest.mark.parametrize(
    "items",
    ["items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n", "items: []\n", ""],
    ids=["after-items", "empty-flow-items", "no-items"],
)
def test_krm_generator_appends_items(items: str) -> None:
    inline = DEPLOY.replace('"example.com/app:dev"', "example.com/app:dev")
    out = run_fn(_resource_list(items, _apply([inline])))
    assert out.exit_code == 0, out.stdout
    generated = REWRITTEN.replace(f'"{INJECT}"', INJECT)
    as_item = "".join(
        ("  " if i else "- ") + line for i, line in enumerate(generated.splitlines(True))
    )
    assert as_item in out.stdout  # indented as an item, bytes kept otherwise
    generated_items = yaml.safe_load(out.stdout)["items"]
    assert [i["kind"] for i in generated_items][-1] == "Deployment"
    again = run_fn(out.stdout)  # kpt renders its own output again: nothing is added twice
    assert [i["kind"] for i in yaml.safe_load(again.stdout)["items"]].count("Deployment") == 1
    assert "generated again, already among the items; the item is kept" in again.stdout


def test_krm_generator_into_a_json_resource_list() -> None:
    config = '{"apiVersion": "fn.apply-imagemaps.dev/v1alpha1", "kind": "ApplyImageMaps", '
    config += '"manifests": ["apiVersion: v1\\nkind: Pod\\nmetadata: {name: p}\\n"]}'
    text = '{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [], '
    out = run_fn(text + f'"functionConfig": {config}}}\n')
    assert out.exit_code == 0, out.stdout
    assert '"items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}]' in out.stdout


def test_kustomize_krm_generator_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ResourceList standalone kustomize sends a KRM exec generator (krm-hosts.md §1.5,
    §2.3): the config, marked local-config, as functionConfig and as the only item, from the
    kustomization's directory. Built here by hand: standalone kustomize is not available."""
    example = Path(__file__).resolve().parent.parent / "examples" / "kustomize"
    monkeypatch.chdir(example / "krm-exec-generator")
    config = (
        Path("generate.yaml")
        .read_text()
        .replace(
            "  annotations:\n", '  annotations:\n    config.kubernetes.io/local-config: "true"\n'
        )
    )
    body = _indent(config).lstrip()
    out = run_fn(
        f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {body}"
        f"functionConfig:\n{_indent(config)}"
    )
    assert out.exit_code == 0, out.stdout
    items = yaml.safe_load(out.stdout)["items"]
    assert [i["kind"] for i in items] == ["ApplyImageMaps", "Deployment"]
    image = items[1]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "localhost:5000/example.com_shop_worker:tilt-c0ffee0123456789"


# --- generate: the unit -----------------------------------------------------------------

SOURCE = Source(ResourceRef("tilt.dev/v1alpha1", "KubernetesApply", "app"), FileRef("k.yaml"))
DB = (
    "apiVersion: example.com/v1\nkind: Database\nmetadata: {name: db}\n"
    "spec: {engine: example.com/db:1}\n"
)


def _rewrite(*names: str) -> Rewrite:
    maps = [
        m
        for n in names
        for m in load(
            yaml.safe_load(imagemap(n, f"example.com/{n}", f"localhost:5000/{n}:tilt-1"))
        ).maps
    ]
    return Rewrite(maps, Options())


def _no_files(path: str) -> bytes:
    raise OSError(2, "No such file or directory")


def _checked(generated: list[Generated], originals: list[str]) -> None:
    """Each generated document is its original with exactly the changes its results report."""
    assert len(generated) == len(originals)
    for new, original in zip(generated, originals, strict=True):
        assert_exact(original, new.text, new.results)


def test_each_generated_document_keeps_its_own_results() -> None:
    rewrite = _rewrite("app")
    text = "---\n" + DEPLOY + "---\n# nothing\n---\n" + DB
    generated = generate(
        [(Manifests("manifests[0]", text=text), SOURCE)], {"app"}, rewrite, _no_files
    )
    assert [g.ref for g in generated] == [
        ResourceRef("apps/v1", "Deployment", "app"),
        ResourceRef("example.com/v1", "Database", "db"),  # the empty document is left out
    ]
    assert generated[0].text == "---\n" + REWRITTEN
    assert generated[1].results == []
    _checked(generated, [DEPLOY, DB])
    assert rewrite.found.results == []  # the mode that writes a document reports them
    assert rewrite.found.used == {"app"}


def test_a_file_is_read_with_the_reader() -> None:
    rewrite = _rewrite("app")
    read = {"deploy/app.yaml": DEPLOY.encode()}.__getitem__
    manifests = Manifests("manifests[1]", path="deploy/app.yaml")
    (generated,) = generate([(manifests, SOURCE)], {"app"}, rewrite, read)
    assert generated.text == REWRITTEN
    missing = generate(
        [(Manifests("manifests[2]", path="x.yaml"), SOURCE)], {"app"}, rewrite, _no_files
    )
    assert missing == []
    assert rewrite.found.errors == [
        Result(
            Severity.ERROR,
            "cannot read manifests file 'x.yaml': No such file or directory",
            SOURCE.resource,
            "manifests[2]",
            file=FileRef("k.yaml"),
        )
    ]


def test_a_kubernetes_apply_uses_the_imagemaps_it_names_with_its_own_locators() -> None:
    rewrite = _rewrite("app", "db")
    found, problems = compile_locators([{"path": "{.spec.engine}"}], "spec.imageLocators")
    assert not problems
    only_db = Manifests("spec.yaml", DEPLOY + "---\n" + DB, None, ("db",), tuple(found))
    generated = generate([(only_db, SOURCE)], {"app", "db", "unbuilt"}, rewrite, _no_files)
    assert [g.text.count("tilt-1") for g in generated] == [0, 1]
    assert rewrite.found.used == {"db"}
    _checked(generated, [DEPLOY, DB])
    unbuilt = Manifests("spec.yaml", DEPLOY, None, ("unbuilt",))
    (kept,) = generate([(unbuilt, SOURCE)], {"unbuilt"}, rewrite, _no_files)
    assert kept.text == DEPLOY  # known, but not usable: nothing to apply


def test_a_kubernetes_apply_naming_an_unknown_imagemap_generates_nothing() -> None:
    rewrite = _rewrite("app")
    names = Manifests("spec.yaml", DEPLOY, None, ("app", "gone"))
    assert generate([(names, SOURCE)], {"app"}, rewrite, _no_files) == []
    assert [(e.field_path, e.message) for e in rewrite.found.errors] == [
        (
            "spec.imageMaps[1]",
            'ImageMap "gone" is not among the ImageMaps given (Tilt would wait for it)',
        )
    ]


def test_a_document_that_cannot_be_read_is_an_error_and_the_others_are_generated() -> None:
    rewrite = _rewrite("app")
    text = "a: [\n---\n" + DEPLOY
    generated = generate(
        [(Manifests("manifests[0]", text=text), SOURCE)], {"app"}, rewrite, _no_files
    )
    assert [g.ref for g in generated] == [ResourceRef("apps/v1", "Deployment", "app")]
    assert [str(e) for e in rewrite.found.errors] == [
        "[error] document 1, line 2, column 1: did not find expected node content (while "
        "parsing a flow node at line 2, column 1)"
    ]
