"""Rewriting objects and documents (krm_fn.rewrite): each object's edits and results, a v1
List's items as objects of their own, and a document whose edits do not fit together left
as it is. Every new text is checked by the oracle against the results."""

from __future__ import annotations

from typing import Any

import yaml

from krm_fn import documents
from krm_fn.config_shapes import load
from krm_fn.imagemap import ImageMap
from krm_fn.jsonpath_steps import MAX_VISITS
from krm_fn.locators import Locator, compile_locators
from krm_fn.options import Options
from krm_fn.results import FileRef, ResourceRef, Result, Severity
from krm_fn.rewrite import Findings, Rewrite, Rewritten
from tests.conftest import imagemap
from tests.oracle import assert_exact

INJECT = "localhost:5000/app:tilt-1"
POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
    "  - name: a\n    image: example.com/app\n"
)
WEB = ResourceRef("v1", "Pod", "p")


def maps(**spec: Any) -> list[ImageMap]:
    config = load(yaml.safe_load(imagemap("app", "example.com/app", INJECT, **spec)))
    assert not config.problems
    return config.maps


def locators(*paths: str) -> tuple[Locator, ...]:
    found, problems = compile_locators([{"path": p} for p in paths], "imageLocators")
    assert not problems
    return tuple(found)


def rewritten(rewrite: Rewrite, text: str, file: FileRef | None = None) -> Rewritten:
    (doc,) = documents.split(text)
    new = rewrite.document(doc, doc.compose(), file)
    assert_exact(text, new.text, rewrite.found.results)
    return new


def test_findings_are_written_errors_first_then_config_then_objects() -> None:
    found = Findings()
    error, config, result = (
        Result(Severity.ERROR, "e"),
        Result(Severity.INFO, "c"),
        Result(Severity.INFO, "o"),
    )
    found.errors.append(error)
    found.results.append(result)
    assert found.all([config]) == [error, config, result]


def test_a_document_is_rewritten_and_its_results_name_it() -> None:
    rewrite = Rewrite(maps(), Options())
    new = rewritten(rewrite, POD, FileRef("t.yaml", 2))
    assert new == Rewritten(
        WEB, True, POD.replace("example.com/app", INJECT) + "    imagePullPolicy: IfNotPresent\n"
    )
    assert {(r.resource, r.file) for r in rewrite.found.results} == {(WEB, FileRef("t.yaml", 2))}
    assert rewrite.found.used == {"app"}
    assert rewrite.found.errors == []


def test_without_imagemaps_nothing_is_looked_at() -> None:
    rewrite = Rewrite([], Options())
    assert rewritten(rewrite, POD) == Rewritten(WEB, True, POD)
    (doc,) = documents.split(POD)
    node = doc.compose()
    assert node is not None
    assert rewrite.edits(node, WEB, POD, None) == []
    assert (rewrite.found.results, rewrite.found.used) == ([], set())


def test_an_empty_document_holds_nothing() -> None:
    rewrite = Rewrite(maps(), Options())
    assert rewritten(rewrite, "---\n# only a comment\n") == Rewritten(
        None, False, "---\n# only a comment\n"
    )
    assert rewritten(rewrite, "---\n~\n") == Rewritten(None, False, "---\n~\n")
    assert rewritten(rewrite, "---\n- a\n") == Rewritten(None, True, "---\n- a\n")


def test_a_v1_lists_items_are_named_each_by_its_own_ref() -> None:
    items = "".join(
        "- " + POD.replace("name: p", f"name: p{i}").replace("\n", "\n  ").rstrip() + "\n"
        for i in range(2)
    )
    text = f"apiVersion: v1\nkind: List\nitems:\n- just a string\n{items}"
    rewrite = Rewrite(maps(), Options())
    new = rewritten(rewrite, text)
    assert new.ref == ResourceRef("v1", "List", "")
    assert new.text.count(INJECT) == 2
    assert sorted({str(r.resource) for r in rewrite.found.results}) == ["v1/Pod/p0", "v1/Pod/p1"]


def test_edits_that_do_not_fit_together_leave_the_document_as_it_is() -> None:
    """A locator into `args` while an override replaces the list: both want that text."""
    text = POD + "    args: [example.com/app]\n"
    options = Options(locators=locators("{.spec.containers[0].args[0]}"))
    rewrite = Rewrite(maps(overrideArgs={"args": ["--dev"]}), options)
    (doc,) = documents.split(text)
    assert rewrite.document(doc, doc.compose(), None) == Rewritten(WEB, True, text)
    assert [str(e) for e in rewrite.found.errors] == [
        "[error] document 1: two edits overlap at line 8; nothing in it was changed"
    ]
    assert not [r for r in rewrite.found.results if r.is_change]  # none is claimed


def test_a_path_past_its_work_limit_is_an_error_of_that_object_only() -> None:
    wide = "{" + "".join(f"k{i}: {i}, " for i in range(400)) + "image: example.com/app}"
    keys = ",".join(f"'k{i}'" for i in range(2000))
    heavy = f"apiVersion: v1\nkind: Thing\nmetadata: {{name: heavy}}\nspec: {wide}\n"
    text = (
        "apiVersion: v1\nkind: List\nitems:\n- "
        + heavy.replace("\n", "\n  ").rstrip()
        + "\n- "
        + POD.replace("\n", "\n  ").rstrip()
        + "\n"
    )
    path = f"{{..[{keys}]}}"
    rewrite = Rewrite(maps(), Options(locators=locators(path)))
    (doc,) = documents.split(text)
    node = doc.compose()
    assert node is not None
    edits = rewrite.edits(node, None, text, FileRef("t.yaml"))
    assert edits  # the Pod's
    (error,) = [r for r in rewrite.found.results if r.severity is Severity.ERROR]
    assert error == Result(
        Severity.ERROR,
        f"imageLocators[0].path: path {path!r} needs more than {MAX_VISITS:,} node "
        "visits on this object (the limit for one path on one object); give it fewer steps, "
        "fewer `..` and `*` in particular, or a narrower objectSelector",
        ResourceRef("v1", "Thing", "heavy"),
        file=FileRef("t.yaml"),
    )
    assert rewrite.found.errors == []  # a result of the object, not a read error


def test_helm_files_are_counted_only_with_imagemaps() -> None:
    (doc,) = documents.split("---\n# Source: c/t.yaml\nkind: Pod\n")
    seen: dict[str, int] = {}
    assert Rewrite([], Options()).helm_file(doc, None, seen) is None
    assert seen == {}
    assert Rewrite(maps(), Options()).helm_file(doc, None, seen) == FileRef("c/t.yaml", 0)
    assert seen == {"c/t.yaml": 0}


def test_a_part_has_the_same_imagemaps_and_findings_of_its_own() -> None:
    rewrite = Rewrite(maps(), Options(strict=True))
    part = rewrite.part()
    assert (part.maps, part.options) == (rewrite.maps, rewrite.options)
    rewritten(part, POD)
    assert part.found.used == {"app"}
    assert rewrite.found.used == set()
