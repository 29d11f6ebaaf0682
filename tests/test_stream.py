"""Stream mode (krm_fn.stream): which documents are config (left out), which are composed,
how chunks are put back together, and that nothing is written when there is an error.
Every output is checked by the oracle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest
import yaml

from krm_fn import documents
from krm_fn.config_shapes import load
from krm_fn.generators import Generated
from krm_fn.locators import compile_locators
from krm_fn.options import Options
from krm_fn.pipeline import ConfigFile, run
from krm_fn.resourcelist import as_item
from krm_fn.results import FileRef, Result, Severity
from krm_fn.rewrite import Findings, Rewrite
from krm_fn.sources import Sources
from krm_fn.stream import Stream
from tests.conftest import CORPUS, corpus_file, imagemap, run_fn
from tests.oracle import assert_exact, checked_run

_T = TypeVar("_T")
_R = TypeVar("_R")
INJECT = "localhost:5000/app:tilt-1"
MAPS = imagemap("app", "example.com/app", INJECT)
APP = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: web\n        image: example.com/app:1\n"
)
SERVICE_ACCOUNT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"


class OnePerDocument:
    """Workers that make each document a chunk of its own, worked on here in order."""

    def __init__(self) -> None:
        self.chunks = 0

    def split(self, items: Sequence[_T], size: Callable[[_T], int]) -> list[Sequence[_T]]:
        return [items[i : i + 1] for i in range(len(items))] or [items]

    def map_chunks(
        self,
        work: Callable[[Sequence[_T]], _R],
        chunks: Sequence[Sequence[_T]],
        held: Callable[[_T], object],
    ) -> list[_R]:
        self.chunks += len(chunks)
        return [work(chunk) for chunk in chunks]


def _stream(text: str) -> tuple[Stream, Sources, Findings]:
    stream = Stream("", documents.split(text))
    sources, found = Sources(), Findings()
    stream.gather(sources, found)
    return stream, sources, found


def _helm3(path: str, doc: str) -> str:
    return f"---\n# Source: {path}\n{doc}"


def _helm4(path: str, doc: str) -> str:
    return "---\n" + doc.replace(
        "metadata:\n",
        f"metadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: '{path}'\n",
        1,
    )


# --- config documents ------------------------------------------------------------------


def test_imagemap_documents_are_config_and_kept_out() -> None:
    listed = "apiVersion: tilt.dev/v1alpha1\nkind: ImageMapList\nitems:\n" + as_item(
        imagemap("b", "example.com/b", INJECT), 0, "\n"
    )
    text = "---\n" + APP + "---\n" + MAPS + "---\n" + listed + "---\n" + SERVICE_ACCOUNT
    stream, sources, found = _stream(text)
    assert stream.config == {1, 2}
    assert list(sources.maps) == ["app", "b"]
    assert sorted(stream.composed) == [1, 2]  # only what can be config: not the others
    assert found.errors == []


def test_a_list_mixing_imagemaps_and_other_objects_is_an_error() -> None:
    """It can neither go on to Helm (which would install the ImageMaps) nor be dropped
    (with the Deployment); its ImageMaps are read all the same."""
    mixed = "apiVersion: v1\nkind: List\nitems:\n" + as_item(MAPS, 0, "\n") + as_item(APP, 0, "\n")
    stream, sources, found = _stream(_helm3("chart/templates/l.yaml", mixed))
    assert stream.config == set()
    assert list(sources.maps) == ["app"]
    assert [str(e) for e in found.errors] == [
        "[error] v1/List (in chart/templates/l.yaml): this List holds ImageMaps and other "
        "objects: it can be neither passed on (Helm would install the ImageMaps) nor left "
        "out; give the ImageMaps in documents or a List of their own"
    ]
    result = run_fn("---\n" + mixed)
    assert (result.exit_code, result.stdout) == (1, "")


TILT_PRINTED = CORPUS.parent / "reference" / "tilt-observed" / "imagemaps-as-tilt-prints-them.yaml"
FRONTEND = APP.replace("example.com/app:1", "example.com/shop/frontend:1")
FRONTEND_BUILT = "localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2"


def _imagemap_list() -> str:
    item = imagemap("frontend", "example.com/shop/frontend", FRONTEND_BUILT)
    return "apiVersion: tilt.dev/v1alpha1\nkind: ImageMapList\nitems:\n" + as_item(item, 0, "\n")


@pytest.mark.parametrize("case", ["v1 List as tilt prints it", "ImageMapList"])
def test_a_list_of_imagemaps_in_a_stream_is_used_and_removed(case: str) -> None:
    if case == "ImageMapList":
        lists = _imagemap_list()
    else:
        lists = corpus_file("..", "reference", "tilt-observed", TILT_PRINTED.name).read_text()
    result = run_fn("---\n" + lists + "---\n" + FRONTEND)
    assert result.exit_code == 0, result.stderr
    built = FRONTEND.replace("example.com/shop/frontend:1", FRONTEND_BUILT)
    assert result.stdout == "---\n" + built + "        imagePullPolicy: IfNotPresent\n"


def test_a_document_that_cannot_be_read_is_an_error_once() -> None:
    text = "---\n" + MAPS + "---\nkind: ImageMap\nbad: [\n---\n" + APP
    _, _, found = _stream(text)
    assert [str(e) for e in found.errors] == [
        "[error] document 2, line 14, column 1: did not find expected node content (while "
        "parsing a flow node at line 14, column 1)"
    ]
    output = run(text.encode())
    assert [str(r) for r in output.results if r.severity is Severity.ERROR] == [
        str(e) for e in found.errors
    ]
    assert output.stdout == b""


def test_config_maps_are_composed_only_when_an_imagemap_names_one() -> None:
    text = "---\n" + APP + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
    stream, _, found = _stream(text)
    assert stream.config_maps(False, found) == []
    assert stream.composed == {}
    (config_map,) = stream.config_maps(True, found)
    assert config_map.start_mark.line == 1
    assert sorted(stream.composed) == [1]


# --- rewriting: chunks, the prefilter, Helm file indexes -------------------------------


def _rewrite(text: str, workers: OnePerDocument | None = None) -> tuple[str, list[Result]]:
    stream = Stream("", documents.split(text), workers)
    found = Findings()
    sources = Sources()
    sources.add_file("maps.yaml", MAPS.encode())
    stream.gather(sources, found)
    rewrite = Rewrite(sources.usable([]), sources.options(False), found)
    stream.rewrite(rewrite)
    texts, results = stream.write(found, sources.results)
    return "".join(texts), results


@pytest.mark.parametrize("helm", [_helm3, _helm4], ids=["helm3", "helm4"])
def test_chunks_are_put_back_in_order_with_helm_indexes_counted_on(
    helm: Callable[[str, str], str],
) -> None:
    text = (
        helm("chart/templates/t.yaml", SERVICE_ACCOUNT)
        + helm("chart/templates/other.yaml", APP)
        + helm("chart/templates/t.yaml", MAPS)
        + helm("chart/templates/t.yaml", APP)
    )
    workers = OnePerDocument()
    apart = _rewrite(text, workers)
    assert workers.chunks == 4
    assert apart == _rewrite(text)  # one chunk
    stdout, results = apart
    assert_exact(text, stdout, results)
    assert [r.file for r in results if r.message.startswith('ImageMap "app" set container')] == [
        FileRef("chart/templates/other.yaml", 0),
        FileRef("chart/templates/t.yaml", 2),  # the ImageMap, left out, is document 1
    ]
    assert "kind: ImageMap" not in stdout


def test_an_image_without_the_word_image_is_found_by_its_name() -> None:
    """The prefilter composes a document that holds a mapped name, not only `image`."""
    thing = (
        "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}\n"
        "spec:\n  ref: example.com/app:1\n"
    )
    found, problems = compile_locators([{"path": "{.spec.ref}"}], "imageLocators")
    assert not problems
    config = load(yaml.safe_load(MAPS))
    stream = Stream("", documents.split(thing))
    rewrite = Rewrite(config.maps, Options(locators=tuple(found)))
    stream.rewrite(rewrite)
    texts, results = stream.write(rewrite.found, [])
    assert "".join(texts) == thing.replace("example.com/app:1", INJECT)
    assert_exact(thing, "".join(texts), results)


def test_calico_daemonset_is_document_2_of_its_template() -> None:
    data = corpus_file("streams", "calico.yaml").read_bytes()
    maps = imagemap("node", "quay.io/calico/node", "localhost:5000/node:tilt-1")
    output = checked_run(data, [ConfigFile("maps.yaml", maps.encode())])
    files = {r.file for r in output.results if 'ImageMap "node" set' in r.message}
    assert files == {FileRef("calico/templates/calico-node.yaml", 2)}


# --- writing ---------------------------------------------------------------------------


def test_nothing_is_written_when_there_is_an_error() -> None:
    stream = Stream("", documents.split(APP))
    found = Findings()
    stream.rewrite(Rewrite([], Options(), found))
    assert stream.write(found, []) == ([APP], [])
    error = Result(Severity.ERROR, "bad")
    assert stream.write(found, [error]) == ([], [error])


def test_the_bom_and_generated_documents_are_written() -> None:
    stream = Stream(documents.BOM, documents.split(APP))
    found = Findings()
    stream.rewrite(Rewrite([], Options(), found))
    info = Result(Severity.INFO, "generated")
    stream.add(
        [Generated(None, "kind: A\n", [info]), Generated(None, "--- # b\nkind: B\n", [])], found
    )
    texts, results = stream.write(found, [])
    assert texts == [documents.BOM, APP, "---\nkind: A\n", "--- # b\nkind: B\n"]
    assert results == [info]


HOOK_ONLY = imagemap("migrate", "example.com/migrate", INJECT)
SOURCE = "---\n# Source: shop/templates/web.yaml\n"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (SOURCE + APP, True),  # Helm 3's post-renderer input: no hook in it
        ("---\n" + APP, False),  # not Helm's render
        (  # Helm 4's: it passes hooks on, with its filename annotation
            "---\n"
            + APP.replace(
                "  name: web\n",
                "  name: web\n  annotations:\n"
                "    postrenderer.helm.sh/postrender-filename: shop/templates/web.yaml\n",
                1,
            ),
            False,
        ),
        (  # a whole `helm template` render piped in: it holds the hooks
            SOURCE
            + APP
            + "---\n# Source: shop/templates/hook.yaml\n"
            + SERVICE_ACCOUNT.replace(
                "  name: web\n", "  name: hook\n  annotations:\n    helm.sh/hook: pre-install\n"
            ),
            False,
        ),
    ],
)
def test_an_unused_map_on_helm3_post_renderer_input_says_hooks_never_reach_it(
    text: str, hint: bool, maps_file: Callable[[str], str]
) -> None:
    """Helm 3 keeps a chart's hooks from its post-renderer (#15): an ImageMap for an image
    that only a hook uses matches nothing, and the result says why it may be."""
    out = run_fn(text, "--imagemaps", maps_file(HOOK_ONLY))
    unused = 'ImageMap "migrate" matched no image (selector "example.com/migrate")'
    assert unused in out.stderr
    assert ("never holds the chart's hooks (helm.sh/hook)" in out.stderr) == hint
    assert Stream("", documents.split(text)).hooks_left_out() == hint
