"""The oracle (SPEC §6): the results are an exact account of the changes.

Parse the input as Kubernetes reads it (YAML 1.1, aliases expanded, merge keys applied),
apply exactly the changes the `info` results report (field path, old value, new value; no
old value: the key was inserted; no new value: the key was removed), and the data must
equal the parsed output, object for object, in order, with nothing else different. A
result that claims a change not made, or a change without its result, fails it; so does
an output that does not parse, or that is not JSON where the input document was JSON.

`assert_exact` checks one run; `assert_stable` checks that a run on the output changes
nothing. Every test that makes an output calls them (through `tests.conftest.run_fn` or
`checked_run`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import yaml

from krm_fn.pipeline import ConfigFile, Output, run
from krm_fn.results import Result, Severity

__all__ = ["assert_exact", "assert_stable", "checked_run", "load_all", "with_changes"]

RESOURCE_LIST_VERSIONS = ("config.kubernetes.io/v1", "v1")
IMAGEMAP_VERSION = "tilt.dev/v1alpha1"


class _Loader(yaml.CSafeLoader):
    """PyYAML's YAML 1.1 reader, as Kubernetes reads manifests (go-yaml v2 through
    sigs.k8s.io/yaml): aliases expanded, merge keys applied, the last duplicate key wins.
    Values PyYAML has no type for (custom tags, `=`) are read as their plain data, and keys
    that Python cannot hash as their JSON text."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return _mapping(loader, node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping as go-yaml v2 builds it: entries in order, each setting its key, a merge
    key (`<<`) setting every key it brings (of a list of mappings, the earlier wins). A
    merge key that brings no mapping is read as a plain key."""
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or (
            isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<" and not key_node.style
        ):
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            merged = [loader.construct_object(n, deep=True) for n in reversed(sources)]
            if all(isinstance(m, dict) for m in merged):
                for m in merged:
                    out.update(m)
                continue
            # `<<: v1` merges nothing: go-yaml refuses the document; like the program, read
            # it as a plain key
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = json.dumps(key, sort_keys=True, default=str)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_multi_constructor("", _any_tag)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: node.value)


def load_all(text: str | bytes) -> list[Any]:
    """Every document's data, as Kubernetes reads it."""
    if isinstance(text, bytes):
        text = text.decode()
    return list(yaml.load_all(text.removeprefix("\ufeff"), Loader=_Loader))


# --- which objects: documents, a ResourceList's items, v1 List items -----------------


def _is_resource_list(docs: list[Any]) -> bool:
    content = [d for d in docs if d is not None]
    return (
        len(content) == 1
        and isinstance(content[0], dict)
        and content[0].get("kind") == "ResourceList"
        and content[0].get("apiVersion") in RESOURCE_LIST_VERSIONS
    )


def _is_imagemap_config(doc: Any) -> bool:
    """A stream document that is config: an ImageMap, an ImageMapList, or a v1 List that
    holds only ImageMaps (stream mode takes them out of the output)."""
    if not isinstance(doc, dict):
        return False
    version, kind = doc.get("apiVersion"), doc.get("kind")
    if (version, kind) in ((IMAGEMAP_VERSION, "ImageMap"), (IMAGEMAP_VERSION, "ImageMapList")):
        return True
    items = doc.get("items")
    return (
        (version, kind) == ("v1", "List")
        and isinstance(items, list)
        and bool(items)
        and all(_is_imagemap_config(i) and i.get("kind") == "ImageMap" for i in items)
    )


def _slots(objects: list[Any]) -> Iterator[dict[str, Any]]:
    """The objects results can point into: each object, and each item of a v1 List."""
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        if (obj.get("apiVersion"), obj.get("kind")) == ("v1", "List") and isinstance(
            obj.get("items"), list
        ):
            yield from (i for i in obj["items"] if isinstance(i, dict))
        else:
            yield obj


def _ref_of(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)

    def text(value: object) -> str:
        return value if isinstance(value, str) else ""

    return (
        text(obj.get("apiVersion")),
        text(obj.get("kind")),
        text(metadata.get("name")),
        text(metadata.get("namespace")),
    )


# --- the reported changes --------------------------------------------------------------


class _Change:
    __slots__ = ("current", "path", "proposed", "ref", "text")

    def __init__(
        self,
        ref: tuple[str, str, str, str],
        path: str,
        current: str | None,
        proposed: str | None,
        text: str,
    ) -> None:
        self.ref, self.path, self.current, self.proposed, self.text = (
            ref,
            path,
            current,
            proposed,
            text,
        )


def _is_error(result: Result | dict[str, Any]) -> bool:
    if isinstance(result, Result):
        return result.severity is Severity.ERROR
    return result.get("severity") == "error"


def _changes(results: Sequence[Result | dict[str, Any]]) -> list[_Change]:
    """The info results that report a changed field."""
    out = []
    for r in results:
        if isinstance(r, Result):
            if r.severity is not Severity.INFO or not r.field_path:
                continue
            if r.current_value is None and r.proposed_value is None:
                continue  # a note about a field, not a change
            res = r.resource
            ref = (res.api_version, res.kind, res.name, res.namespace) if res else ("",) * 4
            out.append(_Change(ref, r.field_path, r.current_value, r.proposed_value, str(r)))
        else:
            field = r.get("field") or {}
            if r.get("severity") != "info" or not field.get("path"):
                continue
            if field.get("currentValue") is None and field.get("proposedValue") is None:
                continue
            refs: dict[str, str] = r.get("resourceRef") or {}
            keys = ("apiVersion", "kind", "name", "namespace")
            api_version, kind, name, namespace = (refs.get(k, "") for k in keys)
            out.append(
                _Change(
                    (api_version, kind, name, namespace),
                    field["path"],
                    field.get("currentValue"),
                    field.get("proposedValue"),
                    json.dumps(r),
                )
            )
    return out


_INDEX = re.compile(r"\[(\d+)\]")


def _walk(data: Any, path: str) -> tuple[Any, str | int] | None:
    """(the container, its key) that a kpt-style path (`spec.containers[0].image`) names.
    Keys may hold dots, brackets or nothing at all (`a.b/c`, `.spec`, `item]`), so the path
    is matched against the keys that are there; an absent last key is where an insertion
    goes. None when the path does not fit the data."""
    if isinstance(data, list):
        at = _INDEX.match(path)
        if at is None or int(at.group(1)) >= len(data):
            return None
        index, rest = int(at.group(1)), path[at.end() :]
        if not rest:
            return data, index
        return _walk(data[index], rest.removeprefix(".") if rest[0] == "." else rest)
    if not isinstance(data, dict):
        return None
    for key in sorted((k for k in data if isinstance(k, str)), key=len, reverse=True):
        if path == key:
            return data, key
        if path.startswith(key) and path[len(key)] in ".[":
            rest = path[len(key) :]
            found = _walk(data[key], rest[1:] if rest[0] == "." else rest)
            if found is not None:
                return found
    return data, path  # an absent key, where an insertion goes


def _same(value: Any, current: str) -> bool:
    """Whether a result's currentValue shows `value`: a string as it is, a list as the JSON
    list of its items' texts, a mapping as "a mapping", another scalar as its YAML text
    (`0.00` for 0.0, `` for null)."""
    if isinstance(value, str):
        return value == current
    if isinstance(value, dict):
        return current == "a mapping"
    if isinstance(value, list):
        try:
            shown = json.loads(current)
        except ValueError:
            return False
        return (
            isinstance(shown, list)
            and len(shown) == len(value)
            and all(isinstance(t, str) and _same(v, t) for v, t in zip(value, shown, strict=True))
        )
    try:
        return bool(yaml.load(current, Loader=_Loader) == value)
    except yaml.YAMLError:
        return False


def _apply(obj: dict[str, Any], change: _Change) -> str | None:
    """Apply one change to an object; None, or why it does not fit."""
    found = _walk(obj, change.path)
    if found is None:
        return f"{change.path} does not exist"
    holder, key = found
    present = key in holder if isinstance(holder, dict) else True
    if change.current is None and present and holder[key] is not None:
        return f"{change.path} reported inserted, but it holds {holder[key]!r}"
    if change.current is not None and (not present or not _same(holder[key], change.current)):
        now = repr(holder[key]) if present else "absent"
        return f"{change.path} reported as {change.current!r}, but it is {now}"
    if change.proposed is None:
        if not present:
            return f"{change.path} reported removed, but it is absent"
        del holder[key]
    else:
        holder[key] = _proposed(change)
    return None


def _proposed(change: _Change) -> Any:
    """The new value: a string, or for command/args a JSON list."""
    last = re.split(r"[.\]]", change.path)[-1]
    if last in ("command", "args") and change.proposed is not None:
        value = json.loads(change.proposed)
        assert isinstance(value, list), change.text
        return value
    return change.proposed


# Aliases are expanded into copies, so that a change to one use of an anchored value shows
# as a change to that use only; past this many nodes (an alias bomb) they stay shared.
_EXPANSION_LIMIT = 200_000


def _unshared(data: list[Any]) -> list[Any]:
    """A copy of the data in which no two places share an object (aliases expanded)."""
    budget = [_EXPANSION_LIMIT]

    def copied(value: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise OverflowError
        if isinstance(value, dict):
            return {k: copied(v) for k, v in value.items()}
        if isinstance(value, list):
            return [copied(v) for v in value]
        return value

    try:
        return [copied(d) for d in data]
    except OverflowError:
        return copy.deepcopy(data)


def _equal(a: Any, b: Any, memo: set[tuple[int, int]]) -> bool:
    """a == b, each pair of shared objects compared once (aliases need not be expanded)."""
    if isinstance(a, dict | list) and isinstance(b, dict | list):
        pair = (id(a), id(b))
        if pair in memo:
            return True
        if type(a) is not type(b) or len(a) != len(b):
            return False
        memo.add(pair)
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(_equal(a[k], b[k], memo) for k in a)
        return all(_equal(x, y, memo) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _expected(
    inputs: list[Any], results: Sequence[Result | dict[str, Any]], generated: bool
) -> list[Any]:
    """The input objects with every reported change applied, each to the first object of
    its resource that it fits (`generated`: a change to no input object is a generated
    object's)."""
    expected = _unshared(inputs)
    slots = list(_slots(expected))
    # Objects of one name (a stream may hold several): a change goes first to the object the
    # previous change of that name went to, as an object's results come together.
    last: dict[tuple[str, str, str, str], int] = {}
    by_ref: dict[tuple[str, str, str, str], list[int]] = {}
    for i, slot in enumerate(slots):
        by_ref.setdefault(_ref_of(slot), []).append(i)
    for change in _changes(results):
        candidates = list(by_ref.get(change.ref, []))
        if generated and not candidates:
            continue
        if change.ref in last:
            candidates.sort(key=lambda i: i != last[change.ref])
        problems = []
        for i in candidates:
            problem = _apply(slots[i], change)  # changes nothing when it does not fit
            if problem is None:
                last[change.ref] = i
                break
            problems.append(problem)
        else:
            raise AssertionError(
                f"a result claims a change that does not fit the input: {change.text}: "
                + ("; ".join(problems) or "no such object")
            )
    return expected


def with_changes(
    objects: Sequence[Any],
    results: Sequence[Result | dict[str, Any]],
    *,
    generated: bool = False,
) -> list[Any]:
    """A copy of the objects (as `load_all` gives them) with exactly the changes the `info`
    results report applied, as `assert_exact` expects the output: for checking what a host
    wrote from a run's output (`kpt fn sink`, `kpt fn render`). A result that fits no
    object fails (`generated`: a change to no object is a generated object's)."""
    return _expected(list(objects), results, generated)


# --- the checks ------------------------------------------------------------------------


_COMMENTS = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*")


def _body(text: str) -> str:
    """A document's text past its comments and blank lines."""
    body = text.removeprefix("\ufeff")
    found = _COMMENTS.match(body)
    return body[found.end() if found else 0 :]


def _json(text: str) -> Any:
    """A document's data if its text is JSON (a comment may come before it), else None."""
    body = _body(text)
    if not body.startswith(("{", "[")):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _documents(text: str) -> list[str]:
    """The texts of a stream's documents, split at `---` marker lines."""
    text = text.removeprefix("\ufeff")
    return re.split(r"(?m)^---[ \t]*(?:#.*)?\r?$", text)


def assert_exact(
    stdin: str | bytes,
    stdout: str | bytes,
    results: Sequence[Result | dict[str, Any]] | None,
    *,
    generated: bool = False,
) -> None:
    """Input + the reported changes == output (SPEC §6). `results` are the run's (None: the
    output ResourceList's own); `generated`: the output may end with new objects (a
    generator's manifests), which the input does not have."""
    if not stdout and results is not None and any(r for r in results if _is_error(r)):
        return  # stream mode on error: nothing written (the caller checks the exit status)
    text_in = stdin.decode() if isinstance(stdin, bytes) else stdin
    text_out = stdout.decode() if isinstance(stdout, bytes) else stdout
    inputs = load_all(text_in)
    outputs = load_all(text_out)
    krm = _is_resource_list(inputs)
    if krm:
        assert _is_resource_list(outputs), "KRM mode must write the ResourceList back"
        rl_in = next(d for d in inputs if d is not None)
        rl_out = next(d for d in outputs if d is not None)
        if _json(text_in) is not None:
            assert _json(text_out) is not None, "a JSON ResourceList came out as YAML"
        if results is None:
            results = rl_out.get("results") or []
        items_in, items_out = rl_in.get("items") or [], rl_out.get("items") or []
        rest_in = {k: v for k, v in rl_in.items() if k not in ("items", "results")}
        rest_out = {k: v for k, v in rl_out.items() if k not in ("items", "results")}
        if not isinstance(items_in, list):  # an error result says so; nothing may change
            rest_in["items"], rest_out["items"] = items_in, items_out
            items_in = items_out = []
        assert _equal(rest_out, rest_in, set()), (
            "the ResourceList changed outside its items and results"
        )
    else:
        assert results is not None, "stream mode: give the run's results"
        json_in = [d for d in map(_json, _documents(text_in)) if d is not None]
        json_out = [d for d in map(_json, _documents(text_out)) if d is not None]
        kept = [d for d in json_in if not _is_imagemap_config(d)]
        assert len(json_out) >= len(kept), "a JSON document came out as YAML"
        items_in = [d for d in inputs if not _is_imagemap_config(d)]
        items_out = outputs
    expected = _expected(items_in, results, generated)
    if generated:
        assert len(items_out) >= len(expected), "objects were dropped"
        items_out = items_out[: len(expected)]
    assert len(items_out) == len(expected), (
        f"{len(expected)} objects in, {len(items_out)} out: objects were dropped or added"
    )
    for index, (want, got) in enumerate(zip(expected, items_out, strict=True)):
        assert _equal(got, want, set()), (
            f"object {index} differs from the input with the reported changes applied:\n"
            f"expected {json.dumps(want, default=str, sort_keys=True)}\n"
            f"got      {json.dumps(got, default=str, sort_keys=True)}"
        )


def assert_stable(first_stdout: bytes, again: Output) -> None:
    """A run on the output changes nothing: no change reported, and in stream mode the
    same bytes (a ResourceList's results are rewritten, so only its data is compared)."""
    changes = _changes(again.results)
    assert not changes, f"not idempotent: the second run changed {[c.text for c in changes]}"
    if again.krm:
        assert_exact(first_stdout, again.stdout, again.results)
    else:
        assert again.stdout == first_stdout, "not idempotent: the second run's output differs"


def checked_run(
    data: bytes,
    files: Sequence[ConfigFile] = (),
    *,
    strict: bool = False,
    generated: bool = False,
    stable: bool = True,
) -> Output:
    """`pipeline.run`, its output checked by the oracle and (when it succeeds and `stable`)
    run again to check that nothing changes."""
    first = run(data, files, strict=strict)
    assert_exact(data, first.stdout, first.results, generated=generated)
    if stable and first.exit_code == 0:
        assert_stable(first.stdout, run(first.stdout, files, strict=strict))
    return first
