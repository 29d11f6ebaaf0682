"""The run: input bytes and config files in; output bytes and results out (SPEC §1-§7).

One orchestration for both modes, as kyaml's `framework.Execute` (read, process, write):

1. read: a single `ResourceList` document is KRM mode (`krm`); anything else is a stream
   (`stream`);
2. gather the ImageMaps (`sources`): the functionConfig, the `--imagemaps` files, then the
   ImageMap items or documents; merge their options (`options`); leave out the disabled
   and unbuilt ImageMaps;
3. rewrite each object with them (`rewrite`, which calls into injection);
4. generate the manifests a config names (`generators`);
5. report the ImageMaps that matched nothing (`sources`), saying so when the input looks
   like Helm 3's post-renderer input, which never holds the chart's hooks;
6. write: KRM mode gives the ResourceList back with its results, always; stream mode the
   stream without its ImageMap documents, or nothing at all when there is an error.
"""

from __future__ import annotations

from collections.abc import Sequence

from yaml import Node

from krm_fn import documents, generators, krm, objects
from krm_fn.documents import ReadError
from krm_fn.generators import Generated, Reader
from krm_fn.records import Record
from krm_fn.results import Result, Severity, exit_code
from krm_fn.rewrite import Findings, Rewrite
from krm_fn.sources import Source, Sources
from krm_fn.stream import Stream

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final, Protocol

    from krm_fn.stream import Workers

    class _Mode(Protocol):
        """One shape of input, read and written back (`stream.Stream`, `krm.Krm`)."""

        @property
        def krm(self) -> bool: ...
        @property
        def problems(self) -> Sequence[Result]: ...  # what is wrong with its shape
        @property
        def function_config(self) -> Node | None: ...

        def gather(self, sources: Sources, found: Findings) -> None: ...
        def hooks_left_out(self) -> bool: ...  # Helm 3's post-renderer input (no hooks)
        def config_maps(self, wanted: bool, found: Findings) -> list[Node]: ...
        def rewrite(self, rewrite: Rewrite) -> None: ...
        def add(self, generated: Sequence[Generated], found: Findings) -> None: ...
        def write(
            self, found: Findings, config: Sequence[Result]
        ) -> tuple[list[str], list[Result]]: ...


__all__ = ["ConfigFile", "Output", "run"]


class ConfigFile(Record):
    """A config file named on the command line, already read (or made by `--tilt`, with
    the `results` that making it gave: `krm_fn.tilt`)."""

    __slots__ = ("path", "data", "results")

    def __init__(self, path: str, data: bytes, results: tuple[Result, ...] = ()) -> None:
        self.path: Final = path
        self.data: Final = data
        self.results: Final = results


class Output(Record):
    """What a run writes: stdout's text in pieces (a stream's documents, never joined into
    one more copy of the input), the results, and whether it was a ResourceList."""

    __slots__ = ("texts", "results", "krm")

    def __init__(self, texts: list[str], results: list[Result], krm: bool) -> None:
        self.texts: Final = texts
        self.results: Final = results
        self.krm: Final = krm

    @property
    def stdout(self) -> bytes:
        """stdout's bytes, joined (the console script writes the pieces instead)."""
        return "".join(self.texts).encode()

    @property
    def exit_code(self) -> int:
        return exit_code(self.results)


def _no_files(path: str) -> bytes:
    raise OSError(1, "this run reads no files")


def run(
    data: bytes,
    files: Sequence[ConfigFile] = (),
    strict: bool = False,
    read: Reader = _no_files,
    *,
    workers: Workers | None = None,
) -> Output:
    """Process one input. Never raises for bad input: it becomes error results. `read`
    reads the files generators name; `workers` share a long stream out (`parallel`)."""
    try:
        bom, text = documents.decode(data)
        docs = documents.split(text)
        del text  # the documents hold their own copies: the whole text is not kept too
        mode: _Mode = krm.read(bom, docs) or Stream(bom, docs, workers)
    except ReadError as err:
        return Output([], [Result(Severity.ERROR, str(err))], krm=False)
    found, sources = Findings(), Sources(mode.problems)
    if mode.function_config is not None:
        source = Source(objects.ref(mode.function_config), None)
        sources.add(mode.function_config, source)
    for file in files:
        sources.add_file(file.path, file.data, file.results)
    mode.gather(sources, found)
    config_maps = mode.config_maps(sources.wants_config_maps, found)
    usable = [] if sources.failed else sources.usable(config_maps)
    rewrite = Rewrite(usable, sources.options(strict), found)
    mode.rewrite(rewrite)
    generating = sources.enabled_generators(config_maps)
    mode.add(generators.generate(generating, sources.maps, rewrite, read), found)
    if not found.errors:  # a document that cannot be read may hold the match
        sources.unused(usable, found.used, rewrite.options.strict, mode.hooks_left_out)
    texts, results = mode.write(found, sources.results)
    return Output(texts, results, mode.krm)
