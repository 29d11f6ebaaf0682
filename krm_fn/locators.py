r"""Image locators: where images live in custom resources that are not pod specs.

A locator is Tilt's ImageLocator (tilt-injection.md S8): an `objectSelector` of four
regular expressions (`apiVersionRegexp`, `kindRegexp`, `nameRegexp`, `namespaceRegexp`;
each searched, not anchored, as Tilt's `MatchString` does; empty matches all; an object
without a namespace counts as `default`), a JSONPath `path` (krm_fn.jsonpath) and, for a
reference split over two fields, `object: {repoField, tagField}`.

The regexes are RE2, as Tilt compiles them with Go's `regexp`: Go's syntax (`(?i)` anywhere,
as in Tilt's own `^(?i)Project$`; `\pL`; `[[:upper:]]`) and matching in time linear in the
text whatever the pattern. They run on google-re2 (the C++ RE2 that Go's package was ported
from), imported only when a user's locator has a regex. Where the two differ, Go's rule is
kept: RE2's `\C` (any byte) is refused, as Go refuses it. One difference is left: Go also
refuses a pattern nested more than 1000 deep, which RE2 takes (and still matches in linear
time). Python's `re` syntax that RE2 lacks (lookarounds, backreferences, `(?P=name)`,
possessive and atomic groups) is an invalid pattern, as in Tilt.

The built-in catalog is data in the same shape as a user's `imageLocators`, so both go
through the same validation and the same code, except that its few fixed patterns (a
literal prefix, a list of kinds) run on Python's `re`: they mean the same in both dialects
(a test checks that), and a normal run then never loads RE2.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from krm_fn.jsonpath import JSONPathError, compile_path
from krm_fn.jsonpath_steps import Path
from krm_fn.records import Record
from krm_fn.schema import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, Protocol

    class Regexp(Protocol):
        """A compiled pattern: an RE2 one, or a catalog pattern on Python's `re`."""

        def search(self, text: str, /) -> object: ...


__all__ = [
    "CATALOG",
    "Locator",
    "ObjectSelector",
    "PatternError",
    "Regexp",
    "catalog",
    "compile_locators",
    "compile_re2",
]

_SELECTOR_KEYS = {
    "apiVersionRegexp": "api_version",
    "kindRegexp": "kind",
    "nameRegexp": "name",
    "namespaceRegexp": "namespace",
}


class PatternError(ValueError):
    """A pattern that does not compile; the message is RE2's."""


class ObjectSelector(Record):
    """Which objects a locator applies to; a None pattern matches everything."""

    __slots__ = ("api_version", "kind", "name", "namespace")

    def __init__(
        self,
        api_version: Regexp | None = None,
        kind: Regexp | None = None,
        name: Regexp | None = None,
        namespace: Regexp | None = None,
    ) -> None:
        self.api_version: Final = api_version
        self.kind: Final = kind
        self.name: Final = name
        self.namespace: Final = namespace

    def matches(self, api_version: str, kind: str, name: str, namespace: str) -> bool:
        return (
            _search(self.api_version, api_version)
            and _search(self.kind, kind)
            and _search(self.name, name)
            and _search(self.namespace, namespace or "default")
        )


def _search(pattern: Regexp | None, value: str) -> bool:
    return pattern is None or pattern.search(value) is not None


class _RE2:
    """An RE2 pattern, searched (Go's `MatchString`) in linear time."""

    __slots__ = ("_regexp",)

    def __init__(self, regexp: Any) -> None:
        self._regexp = regexp

    def search(self, text: str, /) -> object:
        try:
            return self._regexp.search(text)
        except UnicodeEncodeError:  # a lone surrogate (a YAML "\ud800"): Go reads U+FFFD
            return self._regexp.search(re.sub(_SURROGATE, "\ufffd", text))


_SURROGATE = "[\ud800-\udfff]"  # a text: `re` compiles it when first needed


def compile_re2(text: str) -> Regexp:
    """Compile a pattern as Go's `regexp.Compile` would. Raises PatternError with RE2's
    message. Imports RE2 on first use: a run with no regex of the user's never loads it."""
    import re2  # google-re2

    options = re2.Options()
    options.log_errors = False  # RE2 would log each bad pattern on stderr
    options.never_capture = True  # only "does it match": no submatch tracking
    try:
        regexp = re2.compile(re.sub(_SURROGATE, "\ufffd", text), options)
    except re2.error as err:
        message = err.args[0] if err.args else err
        raise PatternError(
            message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        ) from None
    if _escapes_any_byte(text):
        raise PatternError("invalid escape sequence: \\C (Go's regexp has no \\C)")
    return _RE2(regexp)


def _escapes_any_byte(text: str) -> bool:
    """Whether the pattern has RE2's `\\C` escape, outside a `\\Q...\\E` literal."""
    pos = text.find("\\")
    while 0 <= pos < len(text) - 1:
        escaped = text[pos + 1]
        if escaped == "C":
            return True
        if escaped == "Q":
            end = text.find("\\E", pos + 2)
            if end < 0:
                return False
            pos = end
        pos = text.find("\\", pos + 2)
    return False


class Locator(Record):
    """A compiled locator; `name` says where it came from, for results."""

    __slots__ = ("name", "selector", "path", "repo_field", "tag_field")

    def __init__(
        self,
        name: str,
        selector: ObjectSelector,
        path: Path,
        repo_field: str | None = None,
        tag_field: str | None = None,
    ) -> None:
        self.name: Final = name
        self.selector: Final = selector
        self.path: Final = path
        self.repo_field: Final = repo_field
        self.tag_field: Final = tag_field


def compile_locators(
    data: Sequence[Mapping[str, Any]],
    where: str,
    regexp: Callable[[str], Regexp] = compile_re2,
) -> tuple[list[Locator], list[Problem]]:
    """Schema-valid locator data to Locators; a bad regex or path is a Problem at its field.

    `where` names the list (`imageLocators`); each locator is `where[i]`, or its `name`.
    `regexp` compiles the selector patterns (RE2; the catalog's own are on `re`)."""
    locators, problems = [], []
    for index, item in enumerate(data):
        at = f"{where}[{index}]"
        selector, bad = _selector(item.get("objectSelector") or {}, f"{at}.objectSelector", regexp)
        problems += bad
        try:
            path = compile_path(item["path"], where=f"{at}.path")
        except JSONPathError as err:
            problems.append(Problem(f"{at}.path", str(err)))
            continue
        obj = item.get("object") or {}
        name = str(item.get("name") or at)
        locators.append(Locator(name, selector, path, obj.get("repoField"), obj.get("tagField")))
    return locators, problems


def _selector(
    data: Mapping[str, str], at: str, regexp: Callable[[str], Regexp]
) -> tuple[ObjectSelector, list[Problem]]:
    patterns: dict[str, Regexp | None] = {}
    problems = []
    for key, attribute in _SELECTOR_KEYS.items():
        text = data.get(key) or ""
        try:
            patterns[attribute] = regexp(text) if text else None
        except (PatternError, re.error) as err:
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


def _catalog_regexp(text: str) -> Regexp:
    """A catalog pattern on Python's `re`, its closing `$` made RE2's end of text (`re`'s
    `$` also matches before a last newline). A `^` and a literal (each apiVersion's) is a
    prefix test; any other (the kinds) is compiled by its first search: a run whose objects
    are in none of the catalog's groups compiles nothing."""
    assert "$" not in text[:-1], text
    literal = _LITERAL_PREFIX.fullmatch(text)
    if literal:
        return _Prefix(literal.group(1).replace("\\.", "."))
    return _Lazy(text[:-1] + r"\Z" if text.endswith("$") else text)


_LITERAL_PREFIX = re.compile(r"\^((?:[A-Za-z0-9_/-]|\\\.)*)")


class _Prefix:
    """`^` and a literal, searched as the prefix test it is."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def search(self, text: str, /) -> object:
        return True if text.startswith(self.prefix) else None


class _Lazy:
    """A pattern on `re`, compiled when first searched."""

    __slots__ = ("compiled", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.compiled: re.Pattern[str] | None = None

    def search(self, text: str, /) -> object:
        if self.compiled is None:
            self.compiled = re.compile(self.text)
        return self.compiled.search(text)


def catalog() -> tuple[Locator, ...]:
    """The catalog, compiled (its entries are tested to be valid): once per run, by the run
    that uses it."""
    locators, problems = compile_locators(CATALOG, "catalog", _catalog_regexp)
    assert not problems, problems
    return tuple(locators)
