"""Results: what the function reports, in the KRM `results` shape and as stderr lines.

A `Result` says where (the resource, the field path inside it, the file it came from) and
what. Severity decides the exit status: any `error` means 1 (`exit_code`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from krm_fn.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["FileRef", "ResourceRef", "Result", "Severity", "exit_code"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class ResourceRef(Record):
    """The object a result is about, e.g. `apps/v1/Deployment/shop/web`."""

    __slots__ = ("api_version", "kind", "name", "namespace")

    def __init__(self, api_version: str, kind: str, name: str, namespace: str = "") -> None:
        self.api_version: Final = api_version
        self.kind: Final = kind
        self.name: Final = name
        self.namespace: Final = namespace

    def __str__(self) -> str:
        parts = [self.api_version, self.kind, self.namespace, self.name]
        return "/".join(p for p in parts if p)

    def to_data(self) -> dict[str, str]:
        data = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            data["namespace"] = self.namespace
        return data


class FileRef(Record):
    """Where the object came from: kpt's path/index annotations, Helm's `# Source:`.
    `index_in_file` counts the objects of the file from 0 (the KRM `file.index`)."""

    __slots__ = ("path", "index_in_file")

    def __init__(self, path: str, index_in_file: int = 0) -> None:
        self.path: Final = path
        self.index_in_file: Final = index_in_file

    def to_data(self) -> dict[str, str | int]:
        data: dict[str, str | int] = {"path": self.path}
        if self.index_in_file:
            data["index"] = self.index_in_file
        return data


class Result(Record):
    """One KRM result. `field_path` is kpt-style (`spec.containers[0].image`)."""

    __slots__ = (
        "severity",
        "message",
        "resource",
        "field_path",
        "current_value",
        "proposed_value",
        "file",
    )

    def __init__(
        self,
        severity: Severity,
        message: str,
        resource: ResourceRef | None = None,
        field_path: str = "",
        current_value: str | None = None,
        proposed_value: str | None = None,
        file: FileRef | None = None,
    ) -> None:
        self.severity: Final = severity
        self.message: Final = message
        self.resource: Final = resource
        self.field_path: Final = field_path
        self.current_value: Final = current_value
        self.proposed_value: Final = proposed_value
        self.file: Final = file

    @property
    def is_change(self) -> bool:
        """Whether it reports a change made (SPEC §6): an info result with the value before
        or after (a value set, added or removed)."""
        return self.severity is Severity.INFO and (
            self.current_value is not None or self.proposed_value is not None
        )

    def __str__(self) -> str:
        """kpt's one-line form, `[warning] apps/v1/Deployment/ns/name path: msg`, with the
        file the object came from when known: `... path (in templates/web.yaml): msg`."""
        where = " ".join(w for w in (str(self.resource or ""), self.field_path) if w)
        if self.file:
            where = f"{where} (in {self.file.path})" if where else self.file.path
        return (
            f"[{self.severity}] {where}: {self.message}"
            if where
            else (f"[{self.severity}] {self.message}")
        )

    def to_data(self) -> dict[str, object]:
        """The KRM `results[]` entry (functions-spec.md), severity always explicit."""
        data: dict[str, object] = {"message": self.message, "severity": str(self.severity)}
        if self.resource:
            data["resourceRef"] = self.resource.to_data()
        if self.field_path and self.resource:
            field: dict[str, str] = {"path": self.field_path}
            if self.current_value is not None:
                field["currentValue"] = self.current_value
            if self.proposed_value is not None:
                field["proposedValue"] = self.proposed_value
            data["field"] = field
        if self.file:
            data["file"] = self.file.to_data()
        return data


def exit_code(results: Iterable[Result]) -> int:
    """1 when any result is an error, else 0 (kyaml `Results.ExitCode`)."""
    return 1 if any(r.severity is Severity.ERROR for r in results) else 0
