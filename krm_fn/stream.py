"""Stream mode: a multi-document YAML stream in (what Helm's post-renderer sends), the same
stream out without its ImageMap documents, or nothing at all when there is an error.

A large stream is held as text, not nodes: a document is composed only when it can hold
something to rewrite or report (`prefilter`), or is config; the others are
only syntax-checked. A long stream is shared out among processes (`parallel`), and what
each chunk gives back is added in document order, its Helm file indexes counted on from
the chunks before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from yaml import Node

from krm_fn import objects, parallel, prefilter
from krm_fn.documents import Document, ReadError
from krm_fn.generators import Generated
from krm_fn.records import Record
from krm_fn.results import FileRef, Result, Severity, exit_code
from krm_fn.rewrite import Findings, Rewrite
from krm_fn.sources import Source, Sources, config_objects

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final, Protocol, TypeVar

    _T = TypeVar("_T")
    _R = TypeVar("_R")

    class Workers(Protocol):
        """What shares a stream's documents out among processes: a `krm_fn.parallel.Workers`
        (one process by default), or an object with the same two methods."""

        def split(self, items: Sequence[_T], size: Callable[[_T], int]) -> list[Sequence[_T]]: ...

        def map_chunks(
            self,
            work: Callable[[Sequence[_T]], _R],
            chunks: Sequence[Sequence[_T]],
            held: Callable[[_T], object],
        ) -> list[_R]: ...


__all__ = ["Stream", "Workers"]

_MIXED_LIST = (
    "this List holds ImageMaps and other objects: it can be neither passed on (Helm would "
    "install the ImageMaps) nor left out; give the ImageMaps in documents or a List of their own"
)


class _Chunk(Record):
    """What rewriting one chunk of a stream gave."""

    __slots__ = ("texts", "errors", "results", "used", "seen")

    def __init__(
        self,
        texts: list[str],
        errors: list[Result],
        results: list[Result],
        used: set[str],
        seen: dict[str, int],
    ) -> None:
        self.texts: Final = texts
        self.errors: Final = errors
        self.results: Final = results
        self.used: Final = used
        self.seen: Final = seen


class Stream:
    """A stream's documents, and what the run learns of them: which are ImageMap config
    (left out of the output), the nodes composed to find out, and the output's pieces.
    `workers` share the documents out (one process when None)."""

    krm = False
    problems: Sequence[Result] = ()
    function_config: Node | None = None

    def __init__(self, bom: str, docs: list[Document], workers: Workers | None = None) -> None:
        self.bom, self.docs = bom, docs
        self.workers: Workers = parallel.Workers() if workers is None else workers
        # documents composed to look for config, kept for the main pass (few, and small;
        # and those before the last of them whose Helm 4 file is needed to count its own)
        self.composed: dict[int, Node | None] = {}
        self.config: set[int] = set()
        self.pieces: list[str] = []

    def gather(self, sources: Sources, found: Findings) -> None:
        """Add the ImageMaps of the stream's config documents, in order."""
        seen: dict[str, int] = {}
        last = max((d.index for d in self.docs if "ImageMap" in d.text), default=-1)
        for doc in self.docs[: last + 1]:
            node = None
            if "ImageMap" in doc.text or objects.helm4_only(doc.text):
                node = self.composed[doc.index] = _try_compose(doc, found)
            file = objects.helm_file(doc.text, node, seen)
            if "ImageMap" in doc.text and _config(node, file, sources, found):
                self.config.add(doc.index)

    def hooks_left_out(self) -> bool:
        """Whether the stream looks like what Helm 3 gives a post-renderer, which never
        holds the chart's hooks: Helm 3's `# Source:` lines, and in no document Helm 4's
        filename annotation or a hook's annotation (`helm.sh/hook`)."""
        texts = [d.text for d in self.docs]
        return any(objects.helm_source(t) for t in texts) and not any(
            objects.HELM4_FILENAME in t or objects.HELM_HOOK in t for t in texts
        )

    def config_maps(self, wanted: bool, found: Findings) -> list[Node]:
        """The stream's ConfigMaps, composed only when an ImageMap may be disabled by one."""
        for doc in self.docs if wanted else ():
            if "ConfigMap" in doc.text and doc.index not in self.composed:
                self.composed[doc.index] = _try_compose(doc, found)
        return [
            n
            for n in self.composed.values()
            if n is not None and objects.kind_of(n) == objects.CONFIG_MAP
        ]

    def rewrite(self, rewrite: Rewrite) -> None:
        """The new texts of the documents but the config ones (left out, but still counted
        in their Helm files), chunk by chunk."""
        needles = prefilter.needles(rewrite.maps)

        def work(chunk: Sequence[Document]) -> _Chunk:
            part, seen = rewrite.part(), dict[str, int]()
            texts = self._texts(chunk, part, needles, seen)
            found = part.found
            return _Chunk(texts, found.errors, found.results, found.used, seen)

        pool, before = self.workers, dict[str, int]()  # Helm file -> its documents so far
        chunks = pool.split(self.docs, lambda d: len(d.text))
        # a text left as it is comes back from a worker as the document's own, not a copy
        for chunk in pool.map_chunks(work, chunks, lambda d: d.text):
            self.pieces += chunk.texts
            rewrite.found.errors += chunk.errors
            rewrite.found.results += [_counted_on(r, before) for r in chunk.results]
            rewrite.found.used |= chunk.used
            for path, last in chunk.seen.items():
                before[path] = before.get(path, 0) + last + 1

    def add(self, generated: Sequence[Generated], found: Findings) -> None:
        """Generated documents go at the end of the stream, with their results."""
        for new in generated:
            self.pieces.append(new.text if new.text.startswith("---") else "---\n" + new.text)
            found.results += new.results

    def write(self, found: Findings, config: Sequence[Result]) -> tuple[list[str], list[Result]]:
        """The stream's text in pieces (never joined: see `pipeline.Output`), or none at all
        when any result is an error; the results."""
        results = found.all(config)
        if exit_code(results) != 0:
            return [], results
        return [self.bom, *self.pieces] if self.bom else self.pieces, results

    def _texts(
        self, chunk: Sequence[Document], part: Rewrite, needles: set[str], seen: dict[str, int]
    ) -> list[str]:
        """Each document's new text, the config ones left out. Documents that cannot hold
        an image are only syntax-checked. `seen` counts each Helm file's documents (the
        last index given), every one of them, when there are ImageMaps to apply."""
        texts = []
        for doc in chunk:
            try:
                composes = doc.index in self.composed or bool(
                    part.maps and prefilter.wanted(doc.text, needles)
                )
                node = None
                if doc.index in self.composed:
                    node = self.composed.pop(doc.index)
                elif composes:
                    node = doc.compose()
                else:
                    doc.check_syntax()
                file = part.helm_file(doc, node, seen)
                if doc.index in self.config:
                    continue
                texts.append(part.document(doc, node, file).text if composes else doc.text)
            except ReadError as err:
                part.found.errors.append(Result(Severity.ERROR, str(err)))
        return texts


def _config(node: Node | None, file: FileRef | None, sources: Sources, found: Findings) -> bool:
    """Add the ImageMaps a stream document holds, in order; whether it is config alone (and
    so left out of the output). A v1 List that also holds other objects can be neither
    passed on (Helm would install its ImageMaps) nor left out: an error."""
    held = config_objects(node)
    if node is None or not held:
        return False
    for obj in held:
        sources.add(obj, Source(objects.ref(obj), file))
    if len(held) < sum(1 for _ in objects.each(node)):
        found.errors.append(Result(Severity.ERROR, _MIXED_LIST, objects.ref(node), file=file))
        return False
    return True


def _try_compose(doc: Document, found: Findings) -> Node | None:
    try:
        return doc.compose()
    except ReadError as err:
        found.errors.append(Result(Severity.ERROR, str(err)))
        return None


def _counted_on(result: Result, before: dict[str, int]) -> Result:
    """A result of a later chunk, its Helm file index counted on from the chunks before."""
    if result.file is None or result.file.path not in before:
        return result
    index = result.file.index_in_file + before[result.file.path]
    return result.replace(file=result.file.replace(index_in_file=index))
