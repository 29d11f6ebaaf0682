"""Tilt mode (`--tilt`): the ImageMaps Tilt hands a deploy command, as config files.

Tilt runs the `apply_cmd` of a `k8s_custom_deploy(..., image_deps=[...])` (and so the
`helm upgrade` of tilt-extensions' `helm_resource`, and any post-renderer Helm runs from
there) with two variables per image dependency, numbered from 0 in `image_deps` order:
`TILT_IMAGE_MAP_i`, the ImageMap's name, and `TILT_IMAGE_i`, its `status.imageFromCluster`;
and with `TILT_HOST` and `TILT_PORT`, by which the tilt CLI reaches the Tilt that runs it.

`config_files` reads those variables and gives the ImageMaps as config files the run reads
like `--imagemaps` files (`pipeline.ConfigFile`): the full ImageMaps, from `tilt get imagemap
NAME... -o yaml`, when the tilt CLI answers; else ImageMaps made from the variables alone
(a name and an image, no `spec`: `imagemap.TiltName` matches them by Tilt's naming rule),
with a warning result that says why. Variables that are absent or inconsistent are a
`TiltError` naming the variable. This module reads the environment it is given and runs
`tilt`; nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence

from krm_fn import documents, nodes
from krm_fn.imagemap import TILT
from krm_fn.inputs import read_bounded
from krm_fn.pipeline import ConfigFile
from krm_fn.reference import InvalidReferenceError, parse_normalized_named
from krm_fn.results import Result, Severity

__all__ = ["TIMEOUT", "TiltError", "config_files", "images"]

TIMEOUT = 10.0  # seconds `tilt get` may take before it is given up on
_VARIABLE = re.compile(r"TILT_IMAGE_(MAP_)?([0-9]+)")
_STDERR_SHOWN = 300  # characters of tilt's stderr quoted in the warning
_LOST = (
    "so the ImageMaps are made from TILT_IMAGE_MAP_i and TILT_IMAGE_i alone: they match "
    "the images Tilt gives those names, and their spec (matchExact, matchInEnvVars, "
    "overrideCommand, overrideArgs) is not known, so not applied"
)


class TiltError(ValueError):
    """Tilt's variables are absent or inconsistent; the message names the variable."""


class _NoAnswer(Exception):
    """`tilt get` gave no ImageMaps to use; the message says why."""


def images(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(TILT_IMAGE_MAP_i, TILT_IMAGE_i) for i = 0, 1, ..., checked: numbered from 0 with no
    gap, each name with an image, each image a reference."""
    names: dict[int, str] = {}
    refs: dict[int, str] = {}
    for key, value in environ.items():
        match = _VARIABLE.fullmatch(key)
        if match is None:
            continue
        if match[2] != str(int(match[2])):
            raise TiltError(f"{key}: Tilt numbers its variables from 0, with no leading zeros")
        (names if match[1] else refs)[int(match[2])] = value
    if not names and not refs:
        raise TiltError(
            "TILT_IMAGE_MAP_0 and TILT_IMAGE_0 are not set: Tilt sets TILT_IMAGE_MAP_i and "
            "TILT_IMAGE_i for the apply_cmd of a k8s_custom_deploy (or helm_resource) with "
            "image_deps"
        )
    out = []
    for index in range(1 + max([*names, *refs])):
        name, ref = names.get(index), refs.get(index)
        if name is None and ref is None:
            later = min(i for i in [*names, *refs] if i > index)
            raise TiltError(
                f"{_variable(later, later in names)} is set but not "
                f"{_variable(index, later in names)}: Tilt numbers its variables from 0, "
                "with no gaps"
            )
        if name is None:
            raise TiltError(
                f"TILT_IMAGE_{index} is set but not TILT_IMAGE_MAP_{index} (its ImageMap's name)"
            )
        if ref is None:
            raise TiltError(
                f"TILT_IMAGE_MAP_{index}={name} is set but not TILT_IMAGE_{index} (its image)"
            )
        if not name:
            raise TiltError(f"TILT_IMAGE_MAP_{index} is empty: it should name an ImageMap")
        try:
            parse_normalized_named(ref)
        except InvalidReferenceError as err:
            raise TiltError(
                f"TILT_IMAGE_{index}={json.dumps(ref)} is not an image reference: {err}"
            ) from None
        out.append((name, ref))
    return out


def _variable(index: int, is_name: bool) -> str:
    return f"TILT_IMAGE_MAP_{index}" if is_name else f"TILT_IMAGE_{index}"


def config_files(environ: Mapping[str, str], limit: int) -> list[ConfigFile]:
    """The ImageMaps Tilt's variables in `environ` name, in their order: from `tilt get`
    (the tilt CLI found on `environ`'s PATH, its output read up to `limit` bytes), or from
    the variables alone, with a warning that says why."""
    pairs = images(environ)
    command = ["tilt", "get", "imagemap", *(name for name, _ in pairs), "-o", "yaml"]
    label = " ".join(command)
    try:
        return [_from_tilt(_run(command, environ, limit), pairs, label)]
    except _NoAnswer as why:
        warning = Result(Severity.WARNING, f'--tilt: "{label}" gave no ImageMaps ({why}), {_LOST}')
    return [
        ConfigFile(
            f"TILT_IMAGE_MAP_{index}", _imagemap(name, ref), (warning,) if index == 0 else ()
        )
        for index, (name, ref) in enumerate(pairs)
    ]


def _imagemap(name: str, ref: str) -> bytes:
    """A variables-only ImageMap: a name and an image, no spec (`imagemap.TiltName`)."""
    data = {
        "apiVersion": TILT,
        "kind": "ImageMap",
        "metadata": {"name": name},
        "status": {"imageFromCluster": ref},
    }
    return json.dumps(data).encode()


def _run(command: Sequence[str], environ: Mapping[str, str], limit: int) -> bytes:
    """The stdout of `command` (its program looked up on `environ`'s PATH, run with
    `environ`), up to `limit` bytes and TIMEOUT seconds; _NoAnswer when it cannot be run,
    fails, takes too long, or says too much."""
    missing = [v for v in ("TILT_HOST", "TILT_PORT") if not environ.get(v)]
    if missing:
        raise _NoAnswer(f"{' and '.join(missing)} not set: the tilt CLI could reach another Tilt")
    program = shutil.which(command[0], path=environ.get("PATH", os.defpath))
    if program is None:
        raise _NoAnswer(f"{command[0]} is not on PATH")
    with tempfile.TemporaryFile() as stderr:
        try:
            child = subprocess.Popen(
                [program, *command[1:]],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=dict(environ),
                start_new_session=True,  # a timeout ends what it started, too
            )
        except OSError as err:
            raise _NoAnswer(f"cannot run {program}: {err.strerror or err}") from None
        killed = threading.Event()
        timer = threading.Timer(TIMEOUT, _kill, (child, killed))
        timer.start()
        try:
            assert child.stdout is not None
            with child.stdout:
                out = read_bounded(child.stdout.fileno(), limit)
        except OSError as err:  # more than `limit` (InputTooLarge), or a failed read
            _kill(child, killed)
            raise _NoAnswer(f"its output: {err.strerror or err}") from None
        finally:
            status = child.wait()  # the timer ends it if it runs on
            timer.cancel()
            timer.join()  # no thread left behind (the run may fork workers)
        if killed.is_set():
            raise _NoAnswer(f"no answer within {TIMEOUT:g} seconds")
        if status != 0:
            stderr.seek(0)
            said = " ".join(stderr.read(4 * _STDERR_SHOWN).decode(errors="replace").split())
            raise _NoAnswer(f"exit status {status}: {said[:_STDERR_SHOWN] or 'no message'}")
    return out


def _kill(child: subprocess.Popen[bytes], killed: threading.Event) -> None:
    """End `child` and what it started (its own session), once."""
    killed.set()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)


def _from_tilt(output: bytes, pairs: list[tuple[str, str]], label: str) -> ConfigFile:
    """A v1 List of the ImageMaps named in `pairs`, in that order, as `tilt get` printed
    them (one ImageMap, or a List), each with its TILT_IMAGE_i as the image: what this
    deploy was started for, should Tilt have built the image again since. _NoAnswer when
    one is missing."""
    found: dict[str, dict[str, object]] = {}
    try:
        for doc in documents.split(documents.decode(output)[1]):
            node = doc.compose()
            data = nodes.to_data(node) if node is not None else None
            for obj in _objects(data):
                metadata = obj.get("metadata")
                name = metadata.get("name") if isinstance(metadata, dict) else None
                if (obj.get("apiVersion"), obj.get("kind")) == (TILT, "ImageMap") and name:
                    found.setdefault(str(name), obj)
    except (documents.ReadError, nodes.ConfigDataError) as err:
        raise _NoAnswer(f"its output is not YAML: {err}") from None
    items, results = [], []
    for index, (name, ref) in enumerate(pairs):
        if name not in found:
            raise _NoAnswer(f"its output has no ImageMap {json.dumps(name)}")
        obj = found[name]
        status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
        assert isinstance(status, dict)
        if status.get("imageFromCluster") != ref:
            results.append(
                Result(
                    Severity.WARNING,
                    f'--tilt: Tilt\'s ImageMap "{name}" has image '
                    f"{json.dumps(status.get('imageFromCluster'))} now; this deploy's "
                    f"TILT_IMAGE_{index} {json.dumps(ref)} is used",
                )
            )
            obj = {**obj, "status": {**status, "imageFromCluster": ref}}
        items.append(obj)
    data = {"apiVersion": "v1", "kind": "List", "items": items}
    return ConfigFile(label, json.dumps(data, indent=2).encode(), tuple(results))


def _objects(data: object) -> list[dict[str, object]]:
    """An object, or a List's items (what `tilt get` prints for several names)."""
    if not isinstance(data, dict):
        return []
    items = data.get("items") if data.get("kind") in ("List", "ImageMapList") else [data]
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
