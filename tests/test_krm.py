"""KRM mode (krm_fn.krm): when the input is a ResourceList, where its ImageMaps come from,
which generated objects are added, and that it is always written back with its results.
Every output is checked by the oracle."""

from __future__ import annotations

import json

import pytest
import yaml

from krm_fn import documents
from krm_fn.documents import ReadError
from krm_fn.generators import Generated
from krm_fn.krm import Krm, read
from krm_fn.pipeline import ConfigFile
from krm_fn.resourcelist import as_item
from krm_fn.results import FileRef, ResourceRef, Result, Severity
from krm_fn.rewrite import Findings, Rewrite
from krm_fn.sources import Source, Sources
from tests.conftest import imagemap, run_fn
from tests.oracle import assert_exact, checked_run

INJECT = "localhost:5000/app:tilt-1"
MAPS = imagemap("app", "example.com/app", INJECT)
HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
    "  - name: a\n    image: example.com/app\n"
)


def resource_list(*docs: str, config: str = "") -> str:
    """A ResourceList of `docs` as kpt sends it (block style)."""
    items = "".join(as_item(d, 0, "\n") for d in docs)
    indented = "".join("  " + line for line in config.splitlines(True))
    function_config = "functionConfig:\n" + indented if config else ""
    return f"{HEAD}{function_config}items:\n{items}"


def _krm(text: str) -> Krm:
    found = read("", documents.split(text))
    assert found is not None
    return found


# --- which input is a ResourceList ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "items: []\n",
        "# kpt's\n---\n" + HEAD + "items: []\n---\n# after\n",
        HEAD.replace("config.kubernetes.io/v1", "v1") + "items: []\n",  # the legacy version
        '{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []}',
    ],
)
def test_a_single_resourcelist_document_is_krm_mode(text: str) -> None:
    assert read("", documents.split(text)) is not None


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "items: []\n---\n" + POD,  # two documents: a stream
        "---\n~\n---\n" + HEAD,  # a null document is content
        HEAD.replace("config.kubernetes.io/v1", "example.com/v1"),
        POD.replace("name: p", "name: ResourceList"),
    ],
)
def test_anything_else_is_a_stream(text: str) -> None:
    assert read("", documents.split(text)) is None


def test_the_documents_around_a_resourcelist_are_syntax_checked() -> None:
    with pytest.raises(ReadError, match=r"^document 2, line 5, column 4: character U\+0000 "):
        read("", documents.split(HEAD + "items: []\n---\n# a\x00b\n"))


# --- where its ImageMaps come from ------------------------------------------------------


def test_an_empty_function_input_configmap_is_no_config() -> None:
    empty = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\n"
    assert _krm(resource_list(POD, config=empty)).function_config is None
    assert _krm(resource_list(POD, config=empty + "data: {}\n")).function_config is None
    config = empty + "data: {selector: a, image: 'b:1'}\n"
    assert _krm(resource_list(POD, config=config)).function_config is not None


def test_the_function_config_is_not_read_again_as_an_item() -> None:
    """kpt's `fn render` passes a configPath ImageMap as functionConfig and as an item."""
    rl = _krm(resource_list(MAPS, imagemap("b", "example.com/b", INJECT), POD, config=MAPS))
    sources = Sources()
    rl.gather(sources, Findings())
    assert list(sources.maps) == ["b"]


def test_imagemap_items_name_their_kpt_file() -> None:
    item = MAPS.replace(
        "metadata:\n", "metadata:\n  annotations:\n    config.kubernetes.io/path: maps.yaml\n"
    )
    rl = _krm(resource_list(item, POD))
    sources = Sources()
    rl.gather(sources, Findings())
    assert sources.origin["app"].file == FileRef("maps.yaml", 0)


def test_config_maps_are_the_configmap_items() -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
    rl = _krm(resource_list(POD, cm))
    (found,) = rl.config_maps(False, Findings())
    assert found is rl.rl.items[1]


def test_krm_file_indexes_are_kpts() -> None:
    """In KRM mode the file and index are kpt's annotations, which count every object."""
    docs = [
        POD.replace(
            "metadata: {name: p}\n",
            "metadata:\n  name: p\n  annotations:\n    config.kubernetes.io/path: t.yaml\n"
            f"    config.kubernetes.io/index: '{i}'\n",
        ).replace("example.com/app", "other" if i < 2 else "example.com/app")
        for i in range(3)
    ]
    output = checked_run(resource_list(*docs).encode(), [ConfigFile("maps.yaml", MAPS.encode())])
    files = [r.file for r in output.results if 'ImageMap "app" set' in r.message]
    assert files == [FileRef("t.yaml", 2)]


def test_a_list_of_imagemaps_is_used_and_kept() -> None:
    listed = "apiVersion: tilt.dev/v1alpha1\nkind: ImageMapList\nitems:\n" + as_item(MAPS, 0, "\n")
    mixed = "apiVersion: v1\nkind: List\nitems:\n" + as_item(MAPS, 0, "\n") + as_item(POD, 0, "\n")
    for config in (listed, mixed):
        result = run_fn(resource_list(config, POD))
        assert result.exit_code == 0, result.stderr
        out = yaml.safe_load(result.stdout)
        assert out["items"][0]["items"][0] == yaml.safe_load(MAPS)
        assert out["items"][1]["spec"]["containers"][0]["image"] == INJECT
    items = yaml.safe_load(run_fn(resource_list(mixed)).stdout)["items"][0]["items"]
    assert items[1]["spec"]["containers"][0]["image"] == INJECT  # a List's own items too


# --- generated items, and writing -------------------------------------------------------


def test_a_generated_object_already_among_the_items_is_not_added_again() -> None:
    rl = _krm(resource_list(POD))
    found = Findings()
    ref = ResourceRef("v1", "Pod", "p")
    own = Result(Severity.INFO, "rewritten", ref)
    new_ref = ResourceRef("v1", "Pod", "q")
    new = Result(Severity.INFO, "rewritten too", new_ref)
    rl.add([Generated(ref, POD, [own]), Generated(new_ref, "kind: Pod\n", [new])], found)
    assert rl.new_items == ["kind: Pod\n"]
    assert found.results == [
        Result(Severity.INFO, "generated again, already among the items; the item is kept", ref),
        new,
    ]


def test_a_json_resourcelist_gets_json_items() -> None:
    text = json.dumps(
        {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []}
    )
    rl = _krm(text)
    found = Findings()
    rl.add([Generated(None, "kind: Pod\nmetadata: {name: q}\n", [])], found)
    assert rl.new_items == ['{"kind": "Pod", "metadata": {"name": "q"}}']
    rl.add([Generated(None, "kind: Pod\nmetadata: &m {name: r}\ncopy: *m\n", [])], found)
    assert [str(e) for e in found.errors] == [
        "[error] cannot write as JSON: line 3: aliases (*name) are not allowed in a config; "
        "write the value out"
    ]
    (stdout,), _ = rl.write(found, [])
    assert json.loads(stdout)["items"] == [{"kind": "Pod", "metadata": {"name": "q"}}]
    assert_exact(text, stdout, None, generated=True)


OVERLAPPING = (
    "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\n"
    "imageLocators:\n- path: '{.spec.containers[0].args[0]}'\nimageMaps:\n- "
    + imagemap("app", "example.com/app", INJECT, overrideArgs={"args": ["--dev"]})
    .replace("\n", "\n  ")
    .rstrip()
    + "\n"
)


def test_items_whose_edits_do_not_fit_together_are_not_changed() -> None:
    """A locator into `args` while an override replaces the list: an error, and the
    ResourceList written back with its items as they were."""
    text = resource_list(POD + "    args: [example.com/app]\n", config=OVERLAPPING)
    rl = _krm(text)
    sources, found = Sources(), Findings()
    assert rl.function_config is not None
    sources.add(rl.function_config, Source(None, None))
    rewrite = Rewrite(sources.usable([]), sources.options(False), found)
    rl.rewrite(rewrite)
    (stdout,), results = rl.write(found, sources.results)
    out = yaml.safe_load(stdout)
    assert out["items"] == yaml.safe_load(text)["items"]
    assert results[0] == Result(
        Severity.ERROR,
        "ResourceList items: two edits overlap at line 27; nothing in it was changed",
    )


def test_items_whose_edits_do_not_fit_together_report_no_change() -> None:
    """The changes not made are not reported (the oracle checks the results against the
    output); the error says why."""
    out = run_fn(resource_list(POD + "    args: [example.com/app]\n", config=OVERLAPPING))
    results = yaml.safe_load(out.stdout)["results"]
    assert not [r for r in results if "field" in r and r["severity"] == "info"]
    assert [r["message"] for r in results if r["severity"] == "error"] == [
        "ResourceList items: two edits overlap at line 27; nothing in it was changed"
    ]


def test_results_are_written_errors_first_and_replace_the_old_ones() -> None:
    rl = _krm(HEAD + "items: []\nresults:\n- {message: old, severity: info}\n")
    found = Findings()
    found.errors.append(Result(Severity.ERROR, "e"))
    found.results.append(Result(Severity.INFO, "o"))
    (stdout,), results = rl.write(found, [Result(Severity.WARNING, "c")])
    assert [r.message for r in results] == ["e", "c", "o"]
    assert yaml.safe_load(stdout)["results"] == [
        {"message": "e", "severity": "error"},
        {"message": "c", "severity": "warning"},
        {"message": "o", "severity": "info"},
    ]
