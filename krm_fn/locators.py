"""Image locators: where images live in custom resources that are not pod specs.

A locator is Tilt's ImageLocator (tilt-injection.md S8): an `objectSelector` of four
regular expressions (`apiVersionRegexp`, `kindRegexp`, `nameRegexp`, `namespaceRegexp`;
each searched, not anchored, as Tilt does; empty matches all; an object without a
namespace counts as `default`), a JSONPath `path` (krm_fn.jsonpath) and, for a reference
split over two fields, `object: {repoField, tagField}`.

The built-in catalog is data in the same shape as a user's `imageLocators`, so both go
through the same validation and the same code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from krm_fn.jsonpath import JSONPathError, Path, compile_path
from krm_fn.schema import Problem

__all__ = ["CATALOG", "Locator", "ObjectSelector", "catalog", "compile_locators"]

_SELECTOR_KEYS = {
    "apiVersionRegexp": "api_version",
    "kindRegexp": "kind",
    "nameRegexp": "name",
    "namespaceRegexp": "namespace",
}


class ObjectSelector(NamedTuple):
    """Which objects a locator applies to; a None pattern matches everything."""

    api_version: re.Pattern[str] | None = None
    kind: re.Pattern[str] | None = None
    name: re.Pattern[str] | None = None
    namespace: re.Pattern[str] | None = None

    def matches(self, api_version: str, kind: str, name: str, namespace: str) -> bool:
        return (
            _search(self.api_version, api_version)
            and _search(self.kind, kind)
            and _search(self.name, name)
            and _search(self.namespace, namespace or "default")
        )


def _search(pattern: re.Pattern[str] | None, value: str) -> bool:
    return pattern is None or pattern.search(value) is not None


class Locator(NamedTuple):
    """A compiled locator; `name` says where it came from, for results."""

    name: str
    selector: ObjectSelector
    path: Path
    repo_field: str | None = None
    tag_field: str | None = None


def compile_locators(
    data: Sequence[Mapping[str, Any]], where: str
) -> tuple[list[Locator], list[Problem]]:
    """Schema-valid locator data to Locators; a bad regex or path is a Problem at its field.

    `where` names the list (`imageLocators`); each locator is `where[i]`, or its `name`."""
    locators, problems = [], []
    for index, item in enumerate(data):
        at = f"{where}[{index}]"
        selector, bad = _selector(item.get("objectSelector") or {}, f"{at}.objectSelector")
        problems += bad
        try:
            path = compile_path(item["path"])
        except JSONPathError as err:
            problems.append(Problem(f"{at}.path", str(err)))
            continue
        obj = item.get("object") or {}
        name = str(item.get("name") or at)
        locators.append(Locator(name, selector, path, obj.get("repoField"), obj.get("tagField")))
    return locators, problems


def _selector(data: Mapping[str, str], at: str) -> tuple[ObjectSelector, list[Problem]]:
    patterns: dict[str, re.Pattern[str] | None] = {}
    problems = []
    for key, attribute in _SELECTOR_KEYS.items():
        text = data.get(key) or ""
        try:
            patterns[attribute] = re.compile(text) if text else None
        except re.error as err:
            problems.append(Problem(f"{at}.{key}", f"invalid regular expression {text!r}: {err}"))
    return ObjectSelector(**patterns), problems


def _entry(name: str, api_version: str, kinds: str, path: str) -> dict[str, Any]:
    selector = {"apiVersionRegexp": api_version, "kindRegexp": f"^(?:{kinds})$"}
    return {"name": f'catalog "{name}"', "objectSelector": selector, "path": path}


_TEKTON = (r"^tekton\.dev/", "Task|ClusterTask|Pipeline|TaskRun|PipelineRun")
_ARGO = (r"^argoproj\.io/", "Workflow|WorkflowTemplate|ClusterWorkflowTemplate|CronWorkflow")

# Image fields of well-known custom resources that are not pod specs (pod specs, e.g. a
# Prometheus's `spec.containers` or an OLM CSV's deployments, are found without help).
CATALOG: tuple[dict[str, Any], ...] = (
    _entry(
        "prometheus-operator",
        r"^monitoring\.coreos\.com/",
        "Prometheus|Alertmanager|ThanosRuler",
        "{.spec.image}",
    ),
    _entry("knative-caching-image", r"^caching\.internal\.knative\.dev/", "Image", "{.spec.image}"),
    _entry("tekton-steps", *_TEKTON, "{..steps[*].image}"),
    _entry("tekton-sidecars", *_TEKTON, "{..sidecars[*].image}"),
    _entry("tekton-step-template", *_TEKTON, "{..stepTemplate.image}"),
    _entry("argo-workflows-container", *_ARGO, "{..templates[*].container.image}"),
    _entry("argo-workflows-script", *_ARGO, "{..templates[*].script.image}"),
    _entry("argo-workflows-sidecars", *_ARGO, "{..templates[*].sidecars[*].image}"),
    _entry(
        "olm-related-images",
        r"^operators\.coreos\.com/",
        "ClusterServiceVersion",
        "{.spec.relatedImages[*].image}",
    ),
    _entry(
        "crossplane-packages",
        r"^pkg\.crossplane\.io/",
        "Provider|Configuration|Function",
        "{.spec.package}",
    ),
    _entry(
        "strimzi",
        r"^kafka\.strimzi\.io/",
        "Kafka|KafkaConnect|KafkaMirrorMaker2|KafkaBridge",
        "{..image}",
    ),
)

_COMPILED: list[Locator] = []


def catalog() -> list[Locator]:
    """The catalog, compiled once (its entries are tested to be valid)."""
    if not _COMPILED:
        locators, problems = compile_locators(CATALOG, "catalog")
        assert not problems, problems
        _COMPILED.extend(locators)
    return _COMPILED
