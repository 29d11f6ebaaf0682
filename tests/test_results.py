"""Results (krm_fn.results): the KRM `results` entries, the stderr lines, and the exit
status they make."""

from __future__ import annotations

from krm_fn.results import FileRef, ResourceRef, Result, Severity, exit_code

WEB = ResourceRef("apps/v1", "Deployment", "web", "shop")


def test_a_resource_ref_reads_as_kpt_writes_it() -> None:
    assert str(WEB) == "apps/v1/Deployment/shop/web"
    assert str(ResourceRef("v1", "Namespace", "shop")) == "v1/Namespace/shop"
    assert str(ResourceRef("", "", "web")) == "web"
    assert WEB.to_data() == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "namespace": "shop",
    }
    assert "namespace" not in ResourceRef("v1", "Namespace", "shop").to_data()


def test_a_file_ref_leaves_out_index_0() -> None:
    assert FileRef("t.yaml").to_data() == {"path": "t.yaml"}
    assert FileRef("t.yaml", 2).to_data() == {"path": "t.yaml", "index": 2}


def test_the_line_says_where_and_what() -> None:
    path = "spec.template.spec.containers[0].image"
    assert str(Result(Severity.INFO, "set", WEB, path, file=FileRef("c/t.yaml", 1))) == (
        f"[info] apps/v1/Deployment/shop/web {path} (in c/t.yaml): set"
    )
    assert str(Result(Severity.ERROR, "bad", file=FileRef("maps.yaml"))) == (
        "[error] maps.yaml: bad"
    )
    assert str(Result(Severity.WARNING, "unused", WEB)) == (
        "[warning] apps/v1/Deployment/shop/web: unused"
    )
    assert str(Result(Severity.ERROR, "input is not UTF-8")) == "[error] input is not UTF-8"


def test_the_krm_entry_has_a_field_only_with_a_resource() -> None:
    change = Result(Severity.INFO, "set", WEB, "spec.x", "a", "b", FileRef("t.yaml", 3))
    assert change.to_data() == {
        "message": "set",
        "severity": "info",
        "resourceRef": WEB.to_data(),
        "field": {"path": "spec.x", "currentValue": "a", "proposedValue": "b"},
        "file": {"path": "t.yaml", "index": 3},
    }
    inserted = Result(Severity.INFO, "set", WEB, "spec.x", proposed_value="b")
    assert inserted.to_data()["field"] == {"path": "spec.x", "proposedValue": "b"}
    nowhere = Result(Severity.ERROR, "bad", None, "spec.x")
    assert nowhere.to_data() == {"message": "bad", "severity": "error"}


def test_any_error_makes_exit_status_1() -> None:
    assert exit_code([]) == 0
    assert exit_code([Result(Severity.WARNING, "w"), Result(Severity.INFO, "i")]) == 0
    assert exit_code([Result(Severity.INFO, "i"), Result(Severity.ERROR, "e")]) == 1


def test_a_change_is_an_info_result_with_a_value_before_or_after() -> None:
    info, warning = Severity.INFO, Severity.WARNING
    assert Result(info, "set", None, "a", "old", "new").is_change
    assert Result(info, "added", None, "a", None, "new").is_change
    assert Result(info, "removed", None, "a", '["x"]', None).is_change
    assert not Result(info, "disabled by ConfigMap", None, "spec.disableSource").is_change
    assert not Result(warning, "left as it is", None, "a", "old", "new").is_change
