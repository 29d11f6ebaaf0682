"""KRM mode on real manifests through the real kpt 1.0.0-beta.56 (issue 12).

Every stream of ../shared/corpus (read in place, never copied into the repo), and objects
made by the real ``kubectl create ... --dry-run=client -o yaml``, as a package that
``kpt fn source PKG | apply-imagemaps --imagemaps maps.yaml | kpt fn sink OUT`` rewrites;
and a copy of examples/basic plus a kubectl-made Deployment through ``kpt fn eval --exec
apply-imagemaps`` and ``kpt fn render --allow-exec``.

Each run is held against the oracle (tests/oracle.py, SPEC §6) twice:

- the ResourceList: what kpt gave the function, with the changes its results report
  applied, is what it gave back, item for item (`check_fn_run`, which also re-runs it on
  its output; for eval and render the ResourceList comes from the recording
  apply-imagemaps first on PATH; the corpus, megabytes of it, by `assert_exact` alone);
- the files kpt wrote: the files the same kpt command writes with ``cat`` as the function
  (which changes nothing; kpt re-serializes what it writes) with the reported changes
  applied, file for file and object for object; and (but for the corpus) each file holds
  exactly the function's output items that kpt's path annotation puts there, kpt's own
  annotations aside.

And as many objects come out as went in (the bug of issue 12: 1 item of 14 came back, and
`kpt fn sink` wrote a file holding only ``apiVersion: apps/v1``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn.reference import parse_normalized_named
from tests.conftest import CORPUS, imagemap
from tests.oracle import assert_exact, load_all, with_changes
from tests.test_corpus import _inventory, _is_catalog_field, _is_container

from .hostlib import REPO, FnRun, Recorder, check_fn_run, read_tree, run

BASIC = REPO / "examples" / "basic"
FRONTEND = "localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2"  # basic's ImageMap
# The annotations kpt adds to the items it reads and takes off the files it writes (not
# config.kubernetes.io/local-config and the like, which are the user's).
KPT_ANNOTATIONS = ("config.kubernetes.io/index", "config.kubernetes.io/path", "config.k8s.io/id")
KPT_INTERNAL = "internal.config.kubernetes.io/"
PATH_ANNOTATION = "config.kubernetes.io/path"
INDEX_ANNOTATION = "config.kubernetes.io/index"


def injected(index: int) -> str:
    return f"localhost:5000/rewritten-{index}:tilt-{index:016d}"


# --- running kpt -------------------------------------------------------------------------


def kpt_source(kpt: Path, env: dict[str, str], pkg: Path) -> str:
    source = run([kpt, "fn", "source", pkg], env)
    assert source.returncode == 0, source.stderr
    return source.stdout


def kpt_sink(kpt: Path, env: dict[str, str], out: Path, stream: str) -> None:
    sink = run([kpt, "fn", "sink", out], env, stdin=stream)
    assert sink.returncode == 0, sink.stderr


def cat_to_sink(kpt: Path, env: dict[str, str], stream: str, out: Path) -> None:
    """``... | cat | kpt fn sink OUT``: the baseline, with a function that changes nothing."""
    cat = run(["cat"], env, stdin=stream)
    assert cat.returncode == 0, cat.stderr
    kpt_sink(kpt, env, out, cat.stdout)


def through_kpt(
    kpt: Path,
    env: dict[str, str],
    pkg: Path,
    tmp_path: Path,
    apply_args: Sequence[str | Path],
    *,
    thorough: bool = True,
) -> dict[str, Any]:
    """``kpt fn source PKG | apply-imagemaps ... | kpt fn sink OUT``, each stage run to
    completion on the previous one's output, and the same with ``cat`` (one source for
    both, the two run side by side), checked as the module's doc says: the function's
    output ResourceList. ``thorough``: the ResourceList by `check_fn_run` (the in-process
    run is the same; a run on the output changes nothing), and every written object against
    its item; else (the corpus: megabytes) by `assert_exact` alone, the files against cat's
    only, and only the ResourceList's ``results`` returned."""
    stream = kpt_source(kpt, env, pkg)
    with ThreadPoolExecutor(2) as pool:
        baseline = pool.submit(cat_to_sink, kpt, env, stream, tmp_path / "cat-out")
        done = run(apply_args, env, stdin=stream)
        assert done.returncode == 0, done.stderr
        sunk = pool.submit(kpt_sink, kpt, env, tmp_path / "out", done.stdout)
        if thorough:
            output = check_fn_run(FnRun.by_hand(apply_args, stream, done))
            assert output is not None and output.krm, done.stderr
        else:
            assert_exact(stream, done.stdout, None)
        baseline.result()
        sunk.result()
    if thorough:
        (rl_out,) = load_all(done.stdout)
        assert_written(tmp_path / "out", tmp_path / "cat-out", rl_out["results"], rl_out["items"])
        return dict(rl_out)
    results = results_of(done.stdout)
    assert_written(tmp_path / "out", tmp_path / "cat-out", results)
    return {"results": results}


def results_of(stdout: str) -> list[Any]:
    """A ResourceList's results, parsed from its text past the items when the block of its
    top-level ``results`` key can be cut out (megabytes of items need not be parsed again)."""
    found = re.search(r"(?m)^results:[ \t]*(?:\n(?:[ \t#-][^\n]*)?)*", stdout)
    block = load_all(found.group()) if found else load_all(stdout)
    results: list[Any] = block[0].get("results") or []
    return results


def documents(text: str) -> list[str]:
    """The texts of the documents of a file kpt wrote (it writes ``---`` lines between)."""
    return [d for d in re.split(r"(?m)^---[ \t]*\n", text) if d.strip()]


def parsed(document: str) -> Any:
    (obj,) = [d for d in load_all(document) if d is not None]
    return obj


def assert_written(
    ours: Path,
    cat: Path,
    results: list[Any],
    items: list[Any] | None = None,
    *,
    skip: Sequence[str] = (),
) -> None:
    """The files kpt wrote from the function's output (its ``results``; its ``items``,
    if given): the files it wrote with ``cat``, with the reported changes applied, file for
    file and object for object (``skip``: files compared otherwise); and each file holds the
    items of its path, kpt's annotations aside."""
    files = {path: documents(text) for path, text in sorted(read_tree(ours).items())}
    got = {path: docs for path, docs in files.items() if path not in skip}
    base = {p: documents(t) for p, t in sorted(read_tree(cat).items()) if p not in skip}
    assert list(got) == list(base), "kpt wrote other files than with cat"
    assert [len(v) for v in got.values()] == [len(v) for v in base.values()], (
        "kpt wrote other objects than with cat"
    )
    # Objects of the same text are the same data: only the others are parsed. A result that
    # claims a change to one of those fits no object, and fails.
    pairs = [(g, b) for path in got for g, b in zip(got[path], base[path], strict=True) if g != b]
    assert_same(
        [parsed(g) for g, _ in pairs],
        with_changes([parsed(b) for _, b in pairs], results),
        "the files written with cat, with the reported changes",
    )
    if items is not None:
        for_path = by_path(items)
        assert list(for_path) == list(files), "kpt wrote other files than the items' paths"
        for path, docs in files.items():
            assert_same([parsed(d) for d in docs], for_path[path], f"the items for {path}")


def by_path(items: list[Any]) -> dict[str, list[Any]]:
    """The items kpt writes to each file (its path annotation; in the order of its index
    annotation), as kpt writes them: without kpt's annotations, and without the
    ``annotations`` and ``metadata`` mappings that leaves empty."""
    files: dict[str, list[tuple[int, Any]]] = {}
    for item in items:
        annotations = item["metadata"]["annotations"]
        entry = (int(annotations.get(INDEX_ANNOTATION, "0")), without_kpt_annotations(item))
        files.setdefault(annotations[PATH_ANNOTATION], []).append(entry)
    return {
        path: [item for _, item in sorted(entries, key=lambda e: e[0])]
        for path, entries in sorted(files.items())
    }


def without_kpt_annotations(item: dict[str, Any]) -> dict[str, Any]:
    metadata = dict(item["metadata"])
    annotations = {
        k: v
        for k, v in metadata.pop("annotations").items()
        if k not in KPT_ANNOTATIONS and not k.startswith(KPT_INTERNAL)
    }
    if annotations:
        metadata["annotations"] = annotations
    rest = {k: v for k, v in item.items() if k != "metadata"}
    return {**rest, "metadata": metadata} if metadata else rest


def assert_same(got: list[Any], want: list[Any], what: str) -> None:
    """Object for object, with the first difference of the first differing object."""
    assert len(got) == len(want), f"{len(got)} objects written, {len(want)} in {what}"
    for index, (g, w) in enumerate(zip(got, want, strict=True)):
        if g != w:
            pytest.fail(f"object {index} differs from {what}: {first_difference(g, w)}")


def first_difference(got: Any, want: Any, path: str = "") -> str:
    if isinstance(got, dict) and isinstance(want, dict):
        for key in [*want, *(k for k in got if k not in want)]:
            if key not in got or key not in want:
                shown = [repr(d.get(key, "(absent)"))[:300] for d in (got, want)]
                return f"{path}.{key}: written {shown[0]}, want {shown[1]}"
            if got[key] != want[key]:
                return first_difference(got[key], want[key], f"{path}.{key}")
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            if g != w:
                return first_difference(g, w, f"{path}[{index}]")
    shown = [json.dumps(d, default=str)[:300] for d in (got, want)]
    return f"{path or '.'}: written {shown[0]}, want {shown[1]}"


def image_changes(results: list[dict[str, Any]]) -> list[str]:
    """The field paths of the info results that set an image (not a pull policy)."""
    return [
        r["field"]["path"]
        for r in results
        if r["severity"] == "info"
        and r.get("field", {}).get("currentValue") is not None
        and r["field"].get("proposedValue", "").startswith("localhost:5000/")
    ]


# --- the corpus ---------------------------------------------------------------------------

STREAMS = sorted(_inventory())


def _rewritten(name: str) -> list[dict[str, Any]]:
    """The inventory's images that an ImageMap of each of their names rewrites: container
    images and catalog fields, as tests/test_corpus.py chooses them."""
    return [i for i in _inventory()[name]["images"] if _is_container(i) or _is_catalog_field(i)]


def corpus_maps(name: str, path: Path) -> Path:
    """ImageMaps for every image name the stream's containers and catalog fields use."""
    selectors = sorted({parse_normalized_named(i["ref"]).familiar_name() for i in _rewritten(name)})
    assert selectors, f"{name}: no image to rewrite"
    path.write_text(
        "---\n".join(imagemap(f"image-{k}", s, injected(k)) for k, s in enumerate(selectors))
    )
    return path


@pytest.mark.skipif(not STREAMS, reason="../shared/corpus is not present (CI requires it)")
@pytest.mark.parametrize("name", STREAMS)
def test_corpus_stream_through_source_and_sink(
    name: str, kpt: Path, apply_imagemaps: Path, host_env: dict[str, str], tmp_path: Path
) -> None:
    """The stream as one file of a package: every image of its containers and catalog
    fields is rewritten, and the ResourceList and the files written are as checked above."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    shutil.copyfile(CORPUS / "streams" / name, pkg / name)
    maps = corpus_maps(name, tmp_path / "maps.yaml")
    rl_out = through_kpt(
        kpt, host_env, pkg, tmp_path, [apply_imagemaps, "--imagemaps", maps], thorough=False
    )
    written = [d for text in read_tree(tmp_path / "out").values() for d in documents(text)]
    assert len(written) == _inventory()[name]["objects"]  # as many as kpt gave it
    results = rl_out["results"]
    assert not [r for r in results if r["severity"] == "error"]
    assert len(image_changes(results)) == len(_rewritten(name))


# The reported streams (issue 12), as a user may keep them: a file per document.
SPLIT_STREAMS = [s for s in ("grafana.yaml", "istio-bookinfo.yaml") if s in STREAMS]


@pytest.mark.skipif(not SPLIT_STREAMS, reason="../shared/corpus is not present (CI requires it)")
@pytest.mark.parametrize("name", SPLIT_STREAMS)
def test_corpus_stream_split_into_files(
    name: str, kpt: Path, apply_imagemaps: Path, host_env: dict[str, str], tmp_path: Path
) -> None:
    """A package of one file per document (its Helm ``# Source:`` comment with it): each
    file written back with its object, rewritten."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    texts = re.split(r"(?m)^---[ \t]*$\n?", (CORPUS / "streams" / name).read_text())
    kept = [d for d in texts if [x for x in load_all(d) if x is not None]]
    for index, text in enumerate(kept):
        (pkg / f"{index:02d}.yaml").write_text(text)
    maps = corpus_maps(name, tmp_path / "maps.yaml")
    rl_out = through_kpt(kpt, host_env, pkg, tmp_path, [apply_imagemaps, "--imagemaps", maps])
    assert len(rl_out["items"]) == len(kept) == _inventory()[name]["objects"]
    assert len(read_tree(tmp_path / "out")) == len(kept)
    assert len(image_changes(rl_out["results"])) == len(_rewritten(name))


# --- objects made by kubectl --------------------------------------------------------------

NGINX, MIGRATIONS, REPORT = injected(1), injected(2), injected(3)
KUBECTL_MAPS = "---\n".join(
    [
        imagemap("nginx", "nginx", NGINX),
        imagemap(
            "migrations",
            "example.com/shop/migrations",
            MIGRATIONS,
            overrideCommand={"command": ["migrate", "--down"]},
        ),
        imagemap("report", "example.com/shop/report", REPORT, overrideArgs={"args": ["--once"]}),
    ]
)
# file name -> (kubectl create arguments, the command after `--`)
KUBECTL_OBJECTS: dict[str, tuple[list[str], list[str]]] = {
    "deployment.yaml": (["deployment", "web", "--image=nginx"], []),
    "job.yaml": (
        ["job", "migrate", "--image=example.com/shop/migrations:1.4.0"],
        ["--", "migrate", "--up"],
    ),
    "cronjob.yaml": (
        ["cronjob", "report", "--image=example.com/shop/report:2.0.1", "--schedule=0 3 * * *"],
        [],
    ),
}
# kind -> (image, command, args) of its container when rewritten (None: not there)
REWRITTEN: dict[str, tuple[str, list[str] | None, list[str] | None]] = {
    "Deployment": (NGINX, None, None),
    "Job": (MIGRATIONS, ["migrate", "--down"], None),
    "CronJob": (REPORT, None, ["--once"]),
}


def kubectl_create(kubectl: Path, env: dict[str, str], name: str) -> str:
    """The object as ``kubectl create ... --dry-run=client -o yaml`` prints it."""
    args, command = KUBECTL_OBJECTS[name]
    made = run([kubectl, "create", *args, "--dry-run=client", "-o", "yaml", *command], env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.endswith("\nstatus: {}\n"), made.stdout  # what cut ResourceLists short
    return made.stdout


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    result: list[dict[str, Any]] = spec["template"]["spec"]["containers"]
    return result


@pytest.mark.parametrize(
    "layout", ["deployment.yaml", "job.yaml", "cronjob.yaml", "three files", "one file"]
)
def test_kubectl_objects_through_source_and_sink(
    layout: str,
    kpt: Path,
    kubectl: Path,
    apply_imagemaps: Path,
    host_env: dict[str, str],
    tmp_path: Path,
) -> None:
    """Each object alone, the three as three files, and the three as one file: each image
    rewritten (with its pull policy, command and args), and checked as above."""
    names = list(KUBECTL_OBJECTS) if layout in ("three files", "one file") else [layout]
    made = {name: kubectl_create(kubectl, host_env, name) for name in names}
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    if layout == "one file":
        (pkg / "objects.yaml").write_text("---\n".join(made.values()))
    else:
        for name, text in made.items():
            (pkg / name).write_text(text)
    maps = tmp_path / "maps.yaml"
    maps.write_text(KUBECTL_MAPS)
    rl_out = through_kpt(kpt, host_env, pkg, tmp_path, [apply_imagemaps, "--imagemaps", maps])
    assert len(rl_out["items"]) == len(names)

    files = read_tree(tmp_path / "out")
    objects = [parsed(d) for _, text in sorted(files.items()) for d in documents(text)]
    assert sorted(o["kind"] for o in objects) == sorted(load_all(made[n])[0]["kind"] for n in names)
    for obj in objects:
        (container,) = containers(obj)
        assert (
            container["image"],
            container.get("command"),
            container.get("args"),
        ) == REWRITTEN[obj["kind"]]
        assert container["imagePullPolicy"] == "IfNotPresent"
        assert obj["status"] == {}
    # Nothing else: the objects as kubectl made them, with the reported changes applied.
    assert_same(
        objects,
        with_changes(
            [load_all(made[n])[0] for n in sorted_files(layout, names)], rl_out["results"]
        ),
        "kubectl's objects, with the reported changes",
    )


def sorted_files(layout: str, names: list[str]) -> list[str]:
    """The objects in the order kpt writes their files (one file: the order made)."""
    return names if layout == "one file" else sorted(names)


@pytest.mark.parametrize("command", ["eval", "render"])
def test_basic_plus_a_kubectl_deployment(
    command: str,
    kpt: Path,
    kubectl: Path,
    host_env: dict[str, str],
    recorded_env: dict[str, str],
    recorder: Recorder,
    tmp_path: Path,
) -> None:
    """examples/basic plus ``kubectl create deployment web --image=<basic's frontend>``
    (its last item, ending in ``status: {}``; render used to fail with ``resource must have
    'apiVersion'``), through ``kpt fn eval --exec apply-imagemaps`` or ``kpt fn render
    --allow-exec`` (the Kptfile's ``exec: apply-imagemaps``); ``cat`` instead for the
    baseline."""
    made = run(
        [kubectl, "create", "deployment", "web", "--image=example.com/shop/frontend:1.4.0",
         "--dry-run=client", "-o", "yaml"],
        host_env,
    )  # fmt: skip
    assert made.returncode == 0 and made.stdout.endswith("\nstatus: {}\n"), made.stderr
    pkgs = {}
    for which in ("cat", "ours"):
        pkgs[which] = shutil.copytree(BASIC, tmp_path / which / "basic")
        (pkgs[which] / "web.yaml").write_text(made.stdout)
    kptfile = pkgs["cat"] / "Kptfile"
    kptfile.write_text(kptfile.read_text().replace("exec: apply-imagemaps", "exec: cat"))
    results_dir = tmp_path / "results"
    if command == "eval":
        baseline = run([kpt, "fn", "eval", pkgs["cat"], "--exec", "cat"], host_env)
        done = run(
            [kpt, "fn", "eval", pkgs["ours"], "--exec", "apply-imagemaps",
             "--results-dir", results_dir],
            recorded_env,
        )  # fmt: skip
    else:
        baseline = run([kpt, "fn", "render", pkgs["cat"], "--allow-exec"], host_env)
        done = run(
            [kpt, "fn", "render", pkgs["ours"], "--allow-exec", "--results-dir", results_dir],
            recorded_env,
        )
    (fn,) = recorder.check(1)  # the oracle on the ResourceList kpt passed and got back
    assert baseline.returncode == 0, baseline.stderr
    assert done.returncode == 0, done.stderr
    (rl_in,) = load_all(fn.stdin)
    assert [i["kind"] for i in rl_in["items"]][-1:] == ["Deployment"]
    assert rl_in["items"][-1]["metadata"]["name"] == "web"
    (rl_out,) = load_all(fn.stdout)
    assert len(rl_out["items"]) == len(rl_in["items"])
    # The Kptfiles differ (exec: cat): compared as files, not as items.
    assert_written(pkgs["ours"], pkgs["cat"], rl_out["results"], rl_out["items"], skip=["Kptfile"])
    assert (pkgs["ours"] / "Kptfile").read_text() == (BASIC / "Kptfile").read_text()

    (web,) = load_all((pkgs["ours"] / "web.yaml").read_text())
    (container,) = containers(web)
    assert (container["image"], container["imagePullPolicy"]) == (FRONTEND, "IfNotPresent")
    assert web["status"] == {}
    kpt_results = yaml.safe_load((results_dir / "results.yaml").read_text())
    assert kpt_results["exitCode"] == 0
    (item,) = kpt_results["items"]
    assert item["results"] == rl_out["results"]  # kpt's record is the function's results
    assert "Deployment/web" in {
        f"{r['resourceRef']['kind']}/{r['resourceRef']['name']}" for r in item["results"]
    }
