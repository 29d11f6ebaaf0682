"""Validating config objects against the JSON Schemas in schemas/ (draft 2020-12).

A valid config costs one call of a validator generated ahead of time from the schemas
(krm_fn/_validators.py). Only a config that fails is handed to jsonschema, imported then,
to list every problem with its field path; an unknown field names the nearest valid one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum

from krm_fn._validators import VALIDATORS
from krm_fn.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from jsonschema.exceptions import ValidationError

__all__ = ["Problem", "Shape", "check", "field_path"]


class Shape(StrEnum):
    """The schemas, named after their files `schemas/<shape>.schema.json`."""

    IMAGEMAP = "imagemap"
    IMAGEMAPLIST = "imagemaplist"
    APPLYIMAGEMAPS = "applyimagemaps"
    CONFIGMAP = "configmap"
    KUBERNETESAPPLY = "kubernetesapply"


class Problem(Record):
    """One reason a config is invalid: a kpt-style field path and a message."""

    __slots__ = ("path", "message")

    def __init__(self, path: str, message: str) -> None:
        self.path: Final = path
        self.message: Final = message


def check(shape: Shape, data: object) -> list[Problem]:
    """Every problem of `data` against the schema of `shape`; [] when it is valid."""
    try:
        VALIDATORS[shape](data)  # type: ignore[no-untyped-call]
    except ValueError:
        return _explain(shape, data)
    return []


def field_path(parts: Sequence[str | int]) -> str:
    """kpt-style path: `spec.containers[0].image`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _explain(shape: Shape, data: object) -> list[Problem]:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = {s: _load(s) for s in Shape}
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    validator = Draft202012Validator(schemas[shape], registry=registry)
    problems = {p for error in validator.iter_errors(data) for p in _problems(error)}
    return sorted(problems, key=lambda p: (p.path, p.message))


def _load(shape: Shape) -> dict[str, Any]:
    from importlib import resources  # only a failing config needs the schema files

    text = resources.files("krm_fn.schemas").joinpath(f"{shape}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def _problems(error: ValidationError) -> list[Problem]:
    if error.context:  # anyOf/oneOf: the branches' own errors say more
        return [p for sub in error.context for p in _problems(sub)]
    path = list(error.absolute_path)
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(schema.get("properties", {}))
        return [
            Problem(field_path([*path, key]), _unknown(key, known))
            for key in error.instance
            if key not in known
        ]
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        return [Problem(field_path([*path, missing]), "required field is missing")]
    return [Problem(field_path(path), _message(error, schema))]


def _unknown(key: str, known: list[str]) -> str:
    import difflib  # about 9 ms: only a failing config pays for it

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f'did you mean "{close[0]}"?' if close else "expected one of: " + ", ".join(known)
    return f'unknown field "{key}"; {hint}'


_TYPE_NAMES = {
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "object": "a mapping",
    "array": "a list",
    "integer": "an integer",
    "number": "a number",
}


def _message(error: ValidationError, schema: dict[str, Any]) -> str:
    found = json.dumps(error.instance)
    if error.validator == "type":
        return (
            f"expected {_TYPE_NAMES.get(str(schema.get('type')), schema.get('type'))}, got {found}"
        )
    if error.validator == "enum":
        return f"expected one of {', '.join(json.dumps(v) for v in schema['enum'])}, got {found}"
    if error.validator == "const":
        return f"expected {json.dumps(schema['const'])}, got {found}"
    if error.validator == "minLength":
        return "must not be empty"
    return str(error.message)
