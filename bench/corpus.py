"""Where the corpus is, and what its inventory says about a stream.

The corpus (renders of real charts and manifests) is not in the repository: it is
`../shared/corpus` beside the repository, or the directory that $APPLY_IMAGEMAPS_CORPUS names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = "APPLY_IMAGEMAPS_CORPUS"
BESIDE = ROOT.parent / "shared" / "corpus"
KPS = "kube-prometheus-stack.yaml"  # the largest stream of the corpus (5.5 MB; the next: 3.1 MB)
KPS_SELECTOR = "quay.io/kiwigrid/k8s-sidecar"  # the grafana Deployment's two sidecars


@dataclass(frozen=True)
class Corpus:
    directory: Path

    def stream(self, name: str) -> Path:
        return self.directory / "streams" / name

    def inventory(self, name: str) -> dict[str, object]:
        files = json.loads((self.directory / "inventory.json").read_text())["files"]
        entry: dict[str, object] = files[name]
        return entry

    def documents(self, name: str) -> int:
        return int(str(self.inventory(name)["documents"]))

    def expected(self, name: str, selector: str) -> int:
        """Container images named `selector` in the stream, from the inventory."""
        images = self.inventory(name)["images"]
        assert isinstance(images, list)
        return sum(
            1
            for image in images
            if image["ref"].rsplit(":", 1)[0] == selector
            and image["path"].rsplit("/", 3)[-3] in ("containers", "initContainers")
        )


def find(environ: Mapping[str, str] = os.environ) -> tuple[Corpus | None, str]:
    """The corpus, or None and why it is not there."""
    named = environ.get(ENV)
    directory = Path(named) if named else BESIDE
    if (directory / "streams" / KPS).is_file() and (directory / "inventory.json").is_file():
        return Corpus(directory), ""
    if named:
        return None, f"${ENV} is {named}, which holds no streams/{KPS} and inventory.json"
    return None, f"the corpus is not at {BESIDE} (beside the repository); set ${ENV} to it"
