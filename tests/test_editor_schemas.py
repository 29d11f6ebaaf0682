"""The JSON Schemas in a real editor's language server: yaml-language-server (npm, installed by
`make tools` into .cache/), driven as an editor drives it, over LSP (JSON-RPC on its stdin
and stdout), with README "Editing configs"'s ``yaml.schemas`` settings and modeline.

The workspace is the repository. The faulty documents are open editor buffers under
``editor-scratch/``, a directory that does not exist: the server reads the schemas from
schemas/, never the documents from disk."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import yaml

from tests import readme
from tests.conftest import run_fn
from tests.hosts.hostlib import missing

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / ".cache" / "yaml-language-server" / "node_modules" / ".bin" / "yaml-language-server"
SCRATCH = REPO / "editor-scratch"
SECTION = "Editing configs: the JSON Schemas in an editor"
CONFIG_KINDS = {"ImageMap", "ApplyImageMaps", "KubernetesApply"}
WAIT = 60.0  # seconds for any one answer of the server

TYPO_AND_WRONG_TYPE = """\
apiVersion: tilt.dev/v1alpha1
kind: ImageMap
metadata:
  name: frontend
spec:
  selector: example.com/shop/frontend
  matchExcat: true
  matchInEnvVars: "yes"
status:
  imageFromCluster: localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2
"""
# (line, message) of each diagnostic expected for it, lines counted from 0 as LSP counts them
EXPECTED = [(6, "Property matchExcat is not allowed."), (7, 'Incorrect type. Expected "boolean".')]


def readme_block(lang: str) -> str:
    (block,) = [b for b in readme.blocks() if b.heading == SECTION and b.lang == lang]
    return block.text


class LanguageServer:
    """An LSP client of one server process: requests and notifications go to its stdin; a
    thread reads its stdout. Requests from the server are answered: workspace/configuration
    with ``settings``, anything else with null."""

    def __init__(self, program: Path, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.process = subprocess.Popen(
            [str(program), "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdin and self.process.stdout
        self.stdin: IO[bytes] = self.process.stdin
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.last_id = 0
        self.reader = threading.Thread(target=self._read, args=(self.process.stdout,))
        self.reader.start()

    def _read(self, stdout: IO[bytes]) -> None:
        while True:
            length = None
            while (header := stdout.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length is None:
                self.messages.put(None)  # the server closed its stdout
                return
            self.messages.put(json.loads(stdout.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any] | None) -> Any:
        self.last_id += 1
        self.send({"id": self.last_id, "method": method, "params": params})
        reply = self._next(lambda m: m.get("id") == self.last_id and "method" not in m)
        assert "error" not in reply, f"{method}: {reply['error']}"
        return reply.get("result")

    def wait_for_diagnostics(self, uris: set[str]) -> dict[str, list[dict[str, Any]]]:
        """The diagnostics the server publishes for each of ``uris``, once it has for all."""
        while not uris <= self.diagnostics.keys():
            self._next(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        return {uri: self.diagnostics[uri] for uri in uris}

    def _next(self, wanted: Any) -> dict[str, Any]:
        """Read messages, answering requests and keeping diagnostics, until one is wanted."""
        while True:
            try:
                message = self.messages.get(timeout=WAIT)
            except queue.Empty:
                pytest.fail(f"yaml-language-server said nothing for {WAIT:.0f} s")
            assert message is not None, "yaml-language-server exited"
            if "method" in message and "id" in message:
                self._answer(message)
            elif message.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
            if wanted(message):
                return message

    def _answer(self, request: dict[str, Any]) -> None:
        result = None
        if request["method"] == "workspace/configuration":
            result = [self.settings.get(item.get("section")) for item in request["params"]["items"]]
        self.send({"id": request["id"], "result": result})

    def close(self) -> None:
        """LSP's shutdown and exit, then the pipes closed (the process killed if it is left)."""
        try:
            self.request("shutdown", None)
            self.notify("exit", {})
            assert self.process.wait(timeout=WAIT) == 0
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.stdin.close()
            self.reader.join(timeout=WAIT)
            assert self.process.stdout
            self.process.stdout.close()


@pytest.fixture
def server() -> Iterator[LanguageServer]:
    """yaml-language-server started on the repository as its workspace, with README's
    settings."""
    program = Path(os.environ.get("YAML_LANGUAGE_SERVER") or SERVER)
    if not program.exists() or shutil.which("node") is None:
        missing(f"yaml-language-server not found ({program}, and node): run `make tools`")
    settings = {"yaml": {"schemas": json.loads(readme_block("json"))["yaml.schemas"]}}
    lsp = LanguageServer(program, settings)
    workspace = {"uri": REPO.as_uri(), "name": REPO.name}
    lsp.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": REPO.as_uri(),
            "workspaceFolders": [workspace],
            "capabilities": {"workspace": {"configuration": True}},
        },
    )
    lsp.notify("initialized", {})
    lsp.notify("workspace/didChangeConfiguration", {"settings": settings})
    yield lsp
    lsp.close()


def open_documents(lsp: LanguageServer, documents: dict[Path, str]) -> dict[Path, list[Any]]:
    """Open each document (path: text) as an editor does, and its diagnostics as (line,
    message), sorted."""
    for path, text in documents.items():
        item = {"uri": path.as_uri(), "languageId": "yaml", "version": 1, "text": text}
        lsp.notify("textDocument/didOpen", {"textDocument": item})
    published = lsp.wait_for_diagnostics({path.as_uri() for path in documents})
    return {
        path: sorted((d["range"]["start"]["line"], d["message"]) for d in published[path.as_uri()])
        for path in documents
    }


def example_files() -> list[Path]:
    """Every YAML file under examples/ (the Helm chart's templates are not YAML)."""
    return sorted(p for p in (REPO / "examples").rglob("*.yaml") if "templates" not in p.parts)


def test_readme_settings_mark_a_typo_and_a_wrong_type(server: LanguageServer) -> None:
    modeline = readme_block("yaml")
    assert modeline.startswith("# yaml-language-server: $schema=")
    diagnostics = open_documents(
        server,
        {
            SCRATCH / "imagemaps.yaml": TYPO_AND_WRONG_TYPE,  # mapped by the README's globs
            SCRATCH / "any-name.yaml": modeline + TYPO_AND_WRONG_TYPE,
        },
    )
    assert diagnostics == {
        SCRATCH / "imagemaps.yaml": EXPECTED,
        SCRATCH / "any-name.yaml": [(line + 1, message) for line, message in EXPECTED],
    }
    # apply-imagemaps finds the same two fields wrong
    ran = run_fn(TYPO_AND_WRONG_TYPE)
    assert ran.exit_code == 1
    assert [line.split(" ")[2].rstrip(":") for line in ran.stderr.splitlines()] == [
        "spec.matchExcat",
        "spec.matchInEnvVars",
    ]


def test_every_example_is_valid_and_mapped_to_its_schema(server: LanguageServer) -> None:
    """The examples have no diagnostics; each config file among them is checked against its
    schema, which a field no schema allows, put into a copy, shows."""
    examples = {path: path.read_text() for path in example_files()}
    configs = {
        SCRATCH / path.relative_to(REPO): text.replace("\nkind:", "\nbogusField: 1\nkind:", 1)
        for path, text in examples.items()
        if {doc.get("kind") for doc in yaml.safe_load_all(text) if doc} <= CONFIG_KINDS
    }
    assert len(configs) >= 8, sorted(configs)
    diagnostics = open_documents(server, {**examples, **configs})
    assert {path: found for path, found in diagnostics.items() if path in examples} == {
        path: [] for path in examples
    }
    for path in configs:
        assert [m for _, m in diagnostics[path]] == ["Property bogusField is not allowed."], path
