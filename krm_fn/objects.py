"""What names an object and where it came from: the one place each is read.

An object's identity is its `apiVersion`, `kind`, `metadata.name` and `metadata.namespace`
(a `ResourceRef`). A `v1 List`'s items are objects of their own. The file an object came
from is Helm 3's `# Source:` comment or Helm 4's filename annotation in a stream, and kpt's
path and index annotations in a ResourceList (a `FileRef`). Everything here reads nodes and
texts and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from yaml import MappingNode, Node

from krm_fn import nodes
from krm_fn.results import FileRef, ResourceRef

__all__ = [
    "CONFIG_MAP",
    "annotation",
    "each",
    "helm4_only",
    "helm_file",
    "helm_source",
    "kind_of",
    "krm_file",
    "name",
    "ref",
]

_LIST = ("v1", "List")
CONFIG_MAP = ("v1", "ConfigMap")
HELM4_FILENAME = "postrenderer.helm.sh/postrender-filename"
HELM_HOOK = "helm.sh/hook"  # the annotation that makes a chart's template a hook
_KRM_PATH = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
_KRM_INDEX = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")
# Helm 3 writes `# Source: <chart>/templates/<file>` on the line after each `---`.
_SOURCE = re.compile(r"---[^\n]*\n# Source: ([^\r\n]+)")


def kind_of(node: Node | None) -> tuple[str, str]:
    """(apiVersion, kind) of an object node, "" where absent or not a string."""
    if not isinstance(node, MappingNode):
        return "", ""
    return (
        nodes.scalar_str(nodes.get(node, "apiVersion")) or "",
        nodes.scalar_str(nodes.get(node, "kind")) or "",
    )


def name(node: Node | None) -> str | None:
    """`metadata.name`, when it is a string."""
    return nodes.scalar_str(nodes.get(nodes.get(node, "metadata"), "name"))


def ref(node: Node) -> ResourceRef | None:
    """The object's `ResourceRef`; None when it has no apiVersion, kind or name at all."""
    api_version, kind = kind_of(node)
    metadata = nodes.get(node, "metadata")
    object_name = nodes.scalar_str(nodes.get(metadata, "name")) or ""
    if not (api_version or kind or object_name):
        return None
    namespace = nodes.scalar_str(nodes.get(metadata, "namespace")) or ""
    return ResourceRef(api_version, kind, object_name, namespace)


def annotation(node: Node | None, *keys: str) -> str | None:
    """The first of `keys` that is a string annotation of the object."""
    annotations = nodes.get(nodes.get(node, "metadata"), "annotations")
    for key in keys:
        value = nodes.scalar_str(nodes.get(annotations, key))
        if value is not None:
            return value
    return None


def each(node: Node) -> Iterator[Node]:
    """The object, or a v1 List's items (processed like documents of their own)."""
    if kind_of(node) == _LIST:
        yield from (item for _, item in nodes.items(nodes.get(node, "items")))
    else:
        yield node


def helm_source(text: str) -> str | None:
    """The template path of a document's Helm 3 `# Source:` comment, if any."""
    match = _SOURCE.match(text)
    return match.group(1) if match else None


def helm4_only(text: str) -> bool:
    """Whether a document's Helm file can only be read from its node (Helm 4's annotation,
    with no Helm 3 `# Source:` comment)."""
    return HELM4_FILENAME in text and helm_source(text) is None


def helm_file(text: str, node: Node | None, seen: dict[str, int]) -> FileRef | None:
    """A stream document's Helm file: Helm 3's `# Source:` comment in its `text`, or Helm 4's
    filename annotation (on `node`, the root when it was composed: see `helm4_only`). `seen`
    counts the documents of each file so far, for the index: every document counts,
    whatever its content."""
    path = helm_source(text) or annotation(node, HELM4_FILENAME)
    if path is None:
        return None
    seen[path] = seen.get(path, -1) + 1
    return FileRef(path, seen[path])


def krm_file(node: Node) -> FileRef | None:
    """A ResourceList item's file: kpt's path and index annotations (index 0 when it is
    missing or not a number)."""
    path = annotation(node, *_KRM_PATH)
    if path is None:
        return None
    index = annotation(node, *_KRM_INDEX)
    return FileRef(path, int(index) if index and index.isdigit() else 0)
