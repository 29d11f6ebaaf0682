"""Generator mode (SPEC §2): the manifests a config names, emitted with ImageMaps applied.

ApplyImageMaps `manifests` (inline YAML, or files) are rewritten with all the run's
ImageMaps; a KubernetesApply's `spec.yaml` with the ImageMaps it names, in its order, and
with its own locators before the run's. Each generated document keeps its own results:
the mode that writes it reports them, and a document it leaves out takes them along.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from krm_fn import documents
from krm_fn.documents import ReadError
from krm_fn.imagemap import ImageMap, Manifests
from krm_fn.records import Record
from krm_fn.results import ResourceRef, Result, Severity
from krm_fn.rewrite import Rewrite
from krm_fn.sources import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["Generated", "Reader", "generate"]

# Reads a file a config names (generator `manifests`); cli.py gives the real one.
Reader = Callable[[str], bytes]


class Generated(Record):
    """A generated document: its object, its new text, and the results of rewriting it."""

    __slots__ = ("ref", "text", "results")

    def __init__(self, ref: ResourceRef | None, text: str, results: list[Result]) -> None:
        self.ref: Final = ref
        self.text: Final = text
        self.results: Final = results


def generate(
    generators: Sequence[tuple[Manifests, Source]],
    known: Collection[str],
    rewrite: Rewrite,
    read: Reader,
) -> list[Generated]:
    """The documents of each generator's manifests, in order, rewritten with `rewrite`'s
    ImageMaps (those a KubernetesApply names among them: every name must be `known`).
    Errors and the names of the ImageMaps used go into `rewrite.found`."""
    out = []
    errors = rewrite.found.errors
    for manifests, source in generators:
        text = _text(manifests, source, read, errors)
        chosen = _chosen(manifests, source, known, rewrite.maps, errors)
        if text is None or chosen is None:
            continue
        own = rewrite.options.replace(locators=(*manifests.locators, *rewrite.options.locators))
        part = Rewrite(chosen, own, rewrite.found)
        results = rewrite.found.results
        for doc in documents.split(text):
            before = len(results)
            try:
                node = doc.compose()
            except ReadError as err:
                errors.append(Result(Severity.ERROR, str(err)))
                continue
            new = part.document(doc, node, part.helm_file(doc, node, {}))
            if new.content:
                out.append(Generated(new.ref, new.text, results[before:]))
            del results[before:]
    return out


def _text(manifests: Manifests, source: Source, read: Reader, errors: list[Result]) -> str | None:
    if manifests.text is not None:
        return manifests.text
    assert manifests.path is not None
    try:
        return documents.decode(read(manifests.path))[1]
    except (OSError, ReadError) as err:
        reason = err.strerror if isinstance(err, OSError) else str(err)
        errors.append(
            Result(
                Severity.ERROR,
                f"cannot read manifests file {manifests.path!r}: {reason}",
                source.resource,
                manifests.where,
                file=source.file,
            )
        )
        return None


def _chosen(
    manifests: Manifests,
    source: Source,
    known: Collection[str],
    usable: Sequence[ImageMap],
    errors: list[Result],
) -> Sequence[ImageMap] | None:
    """The ImageMaps a KubernetesApply names, in its order; all of them otherwise. A name
    that is not `known` is an error: Tilt would wait for that ImageMap."""
    if manifests.imagemaps is None:
        return usable
    by_name = {m.name: m for m in usable}
    missing = [(i, n) for i, n in enumerate(manifests.imagemaps) if n not in known]
    for index, name in missing:
        errors.append(
            Result(
                Severity.ERROR,
                f'ImageMap "{name}" is not among the ImageMaps given (Tilt would wait for it)',
                source.resource,
                f"spec.imageMaps[{index}]",
                file=source.file,
            )
        )
    if missing:
        return None
    return [by_name[n] for n in manifests.imagemaps if n in by_name]
