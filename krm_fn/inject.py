"""Applying ImageMaps to one object: which located fields change, and to what (Tilt S5-S11).

ImageMaps apply in order, each seeing what the ones before it wrote (S11). A field counts
as matched when its reference matches the selector, or already is the injected reference,
so that running the function on its own output finds the same matches and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from krm_fn import edits, nodes
from krm_fn.edits import Edit, ListStyle
from krm_fn.imagemap import ImageMap, Options, PullPolicy, Selector
from krm_fn.locate import Container, Field, Place, claimed, find
from krm_fn.reference import InvalidReferenceError, Reference, parse_normalized_named
from krm_fn.results import FileRef, ResourceRef, Result, Severity
from krm_fn.schema import field_path

__all__ = ["Outcome", "Target", "inject"]

IF_NOT_PRESENT = "IfNotPresent"
Path = tuple[str | int, ...]
# Inserted keys that land on the same spot come out in this order.
_RANK = {"command": 1, "args": 2, "imagePullPolicy": 3, "pullPolicy": 3}


class Target(NamedTuple):
    """One object to process: its node, the text its positions refer to, and its names."""

    node: Node
    text: str
    resource: ResourceRef | None
    file: FileRef | None


class Outcome:
    """What processing one object gave: its edits, its results, the maps it used."""

    __slots__ = ("edits", "results", "used")

    def __init__(self) -> None:
        self.edits: list[Edit] = []
        self.results: list[Result] = []
        self.used: set[str] = set()


def inject(target: Target, maps: Sequence[ImageMap], options: Options) -> Outcome:
    """Edits, results and used map names for one object."""
    return _Injection(target, maps, options).run()


class _Injection:
    def __init__(self, target: Target, maps: Sequence[ImageMap], options: Options) -> None:
        self.target, self.maps, self.options = target, maps, options
        self.located = find(
            target.node,
            env=any(m.match_in_env_vars for m in maps),
            locators=options.locators,
            any_image_key=options.any_image_key,
        )
        self.out = Outcome()
        self.severity = Severity.ERROR if options.strict else Severity.WARNING
        self.left: dict[int, bool] = {}  # id(field) -> left as it is (shared), once warned
        self.left_by: set[str] = set()  # maps that matched a field left as it is
        self.value: dict[int, str] = {}  # id(field) -> value after the maps so far
        self.writer: dict[int, ImageMap] = {}  # id(field) -> the map that wrote it
        self.pulled: dict[int, tuple[Field, ImageMap]] = {}  # fields whose pull policy to set
        # (id(container), key) -> (container, key, values, map): later maps replace earlier
        self.overrides: dict[tuple[int, str], tuple[Container, str, tuple[str, ...], ImageMap]] = {}

    def run(self) -> Outcome:
        self._check_images()
        final = self._final()
        for index, imagemap in enumerate(self.maps):
            fields = [f for f in self.located.fields if final.get(id(f), -1) <= index]
            self._apply(imagemap, fields)
        self._field_edits()
        self._pull_policy_edits()
        self._override_edits()
        return self.out

    # -- matching --------------------------------------------------------------------

    def _check_images(self) -> None:
        severity = self.severity
        for path in self.located.aliased:
            self._result(
                severity,
                path,
                "an alias (*name) is never rewritten: that would "
                "change its anchor and every other use of it",
            )
        for path in self.located.duplicates:
            self._result(
                Severity.WARNING,
                path,
                "duplicate key: the last one counts here (go-yaml v2 reads it so), and "
                "strict YAML readers reject the object",
            )
        for path in self.located.ambiguous:
            self._ambiguous(path)
        for f in self.located.fields:
            if f.place in (Place.ENV, Place.IMAGE_FIELD):
                continue  # not always images: Tilt skips those that do not parse (S7, S8.4)
            if f.value is None:
                self._result(severity, f.path, f"{f.place} is not a string: {_show(f.node)}")
            elif _parse(f.value) is None:
                reason = _parse_error(f.value)
                self._result(
                    severity, f.path, f"{f.place} {json.dumps(f.value)} does not parse: {reason}"
                )

    def _final(self) -> dict[int, int]:
        """id(field) -> the last map whose injected reference the field already holds. The
        maps before that one leave the field alone: it is what a run wrote (or would write)
        last, so a run on its own output rewrites nothing, however the maps chain (S11)."""
        last = {str(m.inject): index for index, m in enumerate(self.maps)}
        final: dict[int, int] = {}
        for f in self.located.fields:
            ref = _parse(f.value)
            if ref is not None and str(ref) in last:
                final[id(f)] = last[str(ref)]
        return final

    def _apply(self, imagemap: ImageMap, fields: list[Field]) -> None:
        hit = False
        for f in fields:
            if f.place is Place.ENV and not imagemap.match_in_env_vars:
                continue
            current = self.value.get(id(f), f.value)
            ref = _parse(current)
            if ref is None or not _matches(imagemap, ref):
                continue
            hit = True
            if current != imagemap.injected:
                if self._field_left(f):
                    self.left_by.add(imagemap.name)
                    continue
                self._write(f, imagemap)
            if f.place not in (Place.ENV, Place.IMAGE_OBJECT):  # S8.5: objects keep theirs
                self.pulled[id(f)] = f, imagemap
        if hit:
            self.out.used.add(imagemap.name)
            if imagemap.has_override:
                self._override(imagemap)

    def _write(self, f: Field, imagemap: ImageMap) -> None:
        before = self.writer.get(id(f))
        if before is not None and before.name != imagemap.name:
            self._result(
                Severity.WARNING,
                f.path,
                f'ImageMaps "{before.name}" and "{imagemap.name}" both rewrite this field; '
                f'"{imagemap.name}" comes later and wins',
            )
        self.value[id(f)] = imagemap.injected
        self.writer[id(f)] = imagemap

    def _override(self, imagemap: ImageMap) -> None:
        """Tilt S10: every container that now carries the injected reference."""
        assert imagemap.inject is not None
        carrier = Selector(imagemap.inject, exact=imagemap.inject.tag is not None)
        targets = [
            c
            for c in self.located.containers
            if c.image
            and (ref := _parse(self.value.get(id(c.image), c.image.value)))
            and carrier.matches(ref)
        ]
        if not targets and imagemap.name not in self.left_by:  # else the warning says why
            what = "overrideCommand" if imagemap.override_command is not None else "overrideArgs"
            self.out.results.append(
                Result(
                    Severity.ERROR,
                    f'ImageMap "{imagemap.name}" has {what}, but no container here carries its '
                    f"image {json.dumps(imagemap.injected)}: it matched only env values or "
                    "image volumes, and command and args belong to containers",
                    self.target.resource,
                    file=self.target.file,
                )
            )
        for container in targets:
            for key, values in (
                ("command", imagemap.override_command),
                ("args", imagemap.override_args),
            ):
                if values is not None:
                    self.overrides[id(container), key] = container, key, values, imagemap

    # -- edits -----------------------------------------------------------------------

    def _field_edits(self) -> None:
        for f in self.located.fields:
            new = self.value.get(id(f))
            if new is None or new == f.value:
                continue
            imagemap = self.writer[id(f)]
            found_by = f" (found by {f.found_by})" if f.found_by else ""
            message = (
                f'ImageMap "{imagemap.name}" set {f.place} '
                f"{json.dumps(f.value)} to {json.dumps(new)}"
            )
            if f.merged:  # written in its own mapping, where it wins over the merged one
                assert f.owner is not None and f.key is not None
                anchor = nodes.after_merges(f.owner, (f.key, f.node))
                edit = _set_scalar(self.target.text, f.owner, str(f.key.value), new, anchor)
                assert edit is not None  # the mapping has no key of its own
                self.out.edits.append(edit)
                self._result(Severity.INFO, f.path, message + found_by, f.value, new)
                continue
            if f.object_keys is None:
                assert isinstance(f.node, ScalarNode)
                self.out.edits.append(edits.replace_scalar(self.target.text, f.node, new))
                self._result(Severity.INFO, f.path, message + found_by, f.value, new)
                continue
            for key, old, value in self._object_edits(f, imagemap):
                self._result(
                    Severity.INFO,
                    (*f.path, key),
                    f"{message}: its {key} field{found_by}",
                    old,
                    value,
                )

    def _object_edits(self, f: Field, imagemap: ImageMap) -> list[tuple[str, str | None, str]]:
        """Tilt S5.2: the repository field gets the familiar name, the tag field the tag
        (inserted after the repository field when missing); a digest has no field to go to.
        Returns (key, old value, new value) for each field changed."""
        assert f.object_keys is not None and imagemap.inject is not None
        assert isinstance(f.node, MappingNode)
        repo_key, tag_key = f.object_keys
        inject, text = imagemap.inject, self.target.text
        repo = nodes.get_entry(f.node, repo_key)
        assert repo is not None and isinstance(repo[1], ScalarNode)  # else it would not parse
        changed: list[tuple[str, str | None, str]] = []
        name = inject.familiar_name()
        if repo[1].value != name:
            self.out.edits.append(edits.replace_scalar(text, repo[1], name))
            changed.append((repo_key, str(repo[1].value), name))
        if tag_key and inject.tag is not None:
            edit = _set_scalar(text, f.node, tag_key, inject.tag, repo)
            if edit:
                self.out.edits.append(edit)
                changed.append((tag_key, nodes.scalar_str(nodes.get(f.node, tag_key)), inject.tag))
        if inject.digest is not None:
            self._result(
                Severity.WARNING,
                f.path,
                f'the digest of ImageMap "{imagemap.name}"\'s image is not written: '
                "a repository and tag object has no field for it",
            )
        return changed

    def _pull_policy_edits(self) -> None:
        policy = self.options.pull_policy
        if policy is PullPolicy.PRESERVE:
            return
        pulled = dict(self.pulled)
        if policy is PullPolicy.ALL and self.maps:
            for c in self.located.containers:
                if c.image and not c.ephemeral and id(c.image) not in pulled:
                    pulled[id(c.image)] = c.image, self.maps[0]
        owners: set[int] = set()  # one pull policy per mapping, however many images it holds
        for f, imagemap in sorted(pulled.values(), key=lambda p: p[0].node.start_mark.index):
            key = "pullPolicy" if f.place is Place.VOLUME else "imagePullPolicy"
            if f.owner is None or f.key is None or id(f.owner) in owners:
                continue
            owners.add(id(f.owner))
            entry = nodes.lookup(f.owner, key)
            path = (*f.path[:-1], key)
            if key in nodes.shadowed(f.owner):
                self._ambiguous(path)
                continue
            if f.place is Place.IMAGE_FIELD and (entry is None or entry[2]):
                continue  # Tilt S8.4: a locator's sibling pull policy is set, never added
            current = _show(entry[1]) if entry else None  # the text of a non-string too
            if current == IF_NOT_PRESENT or self._entry_left(path, f.owner, entry):
                continue
            anchor = nodes.after_merges(f.owner, (f.key, f.node))
            edit = _set_scalar(self.target.text, f.owner, key, IF_NOT_PRESENT, anchor)
            if edit is not None:
                self.out.edits.append(edit)
                self._result(
                    Severity.INFO,
                    path,
                    f'{key} set to {IF_NOT_PRESENT} for ImageMap "{imagemap.name}"',
                    current,
                    IF_NOT_PRESENT,
                )

    def _override_edits(self) -> None:
        for container, key, values, imagemap in self.overrides.values():
            path = (*container.path, key)
            if key in nodes.shadowed(container.node):
                self._ambiguous(path)
                continue
            entry = nodes.lookup(container.node, key)
            if entry is None and not values:
                continue  # nothing to remove
            if entry is not None and _list_value(entry[:2]) == list(values):
                continue  # as it is already (through a merge key, too)
            if not values and key in nodes.merged(container.node):
                self._result(
                    self.severity,
                    path,
                    f"{key} is not removed: a merge key (<<) gives it, and that mapping is "
                    "left as it is",
                )
                continue
            if self._entry_left(path, container.node, entry):
                continue
            new = _set_list(self.target.text, container, key, values)
            if new:
                self.out.edits += new
                old = entry[1] if entry else None
                self._result(
                    Severity.INFO,
                    (*container.path, key),
                    f'{key} {"set" if values else "removed"} by ImageMap "{imagemap.name}" '
                    f"override{key.capitalize()}",
                    _show(old) if old is not None else None,
                    json.dumps(list(values)) if values else None,  # None: the key is removed
                )

    # -- what is left as it is (SPEC §6) -----------------------------------------------

    def _field_left(self, f: Field) -> bool:
        """Whether a field must be left as it is: its edit would change an anchored value
        that an alias uses too (a merged field is written in its own mapping instead)."""
        if id(f) not in self.left:
            touched = [f.owner] if f.merged and f.owner is not None else claimed(f)
            self.left[id(f)] = any(self._shared(f.path, f.place, node) for node in touched)
        return self.left[id(f)]

    def _entry_left(
        self, path: Path, mapping: MappingNode, entry: tuple[ScalarNode, Node, bool] | None
    ) -> bool:
        """Whether `mapping`'s entry for a key (`nodes.lookup`), which is to be set, must be
        left as it is (with a warning): an alias (a second key would be a duplicate, and
        which one counts depends on the reader), or an anchored value an alias uses (all of
        it: an anchor inside would be lost). A merged or missing key is set in `mapping`."""
        key = str(path[-1])
        if entry is not None and nodes.is_alias(entry[0], entry[1]):
            self._result(
                self.severity,
                path,
                f"{key} is an alias (*name) and is left as it is: setting it would change "
                "its anchor and every other use of it, or add a second key",
            )
            return True
        if entry is None or entry[2]:
            return self._shared(path, key, mapping)
        return self._shared(path, key, entry[1], whole=True)

    def _shared(self, path: Path, what: str, node: Node, whole: bool = False) -> bool:
        """Whether editing `node` (inside it, or `whole`: replacing all of it) would change
        an anchored value (`&name`) that an alias (`*name`) uses; if so, a warning."""
        start = node.start_mark.index
        end = node.end_mark.index if whole else start + 1
        name = nodes.shared_anchor(self.target.text, start, end)
        if name is not None:
            self._result(
                self.severity,
                path,
                f"{what} is left as it is: it is in the anchored value &{name}, which an "
                f"alias (*{name}) uses too, and rewriting it would change every use",
            )
        return name is not None

    def _ambiguous(self, path: Path) -> None:
        """A key given both in its mapping and by a merge key after it (`nodes.shadowed`):
        readers disagree about which counts, so it is neither rewritten nor matched."""
        self._result(
            self.severity,
            path,
            f"{path[-1]} is left as it is: Kubernetes (go-yaml v2: kubectl) and kustomize "
            "(go-yaml v3) read it differently, as it is given both explicitly and by a merge "
            "key (<<) after that (here or in a mapping merged in), which overrides it for "
            "go-yaml v2 only; write it once, or after the merge key",
        )

    # -- results ---------------------------------------------------------------------

    def _result(
        self,
        severity: Severity,
        path: Path,
        message: str,
        current: str | None = None,
        proposed: str | None = None,
    ) -> None:
        self.out.results.append(
            Result(
                severity,
                message,
                self.target.resource,
                field_path(path),
                current,
                proposed,
                self.target.file,
            )
        )


def _matches(imagemap: ImageMap, ref: Reference) -> bool:
    assert imagemap.inject is not None
    return imagemap.selector.matches(ref) or str(ref) == str(imagemap.inject)


_PARSED: dict[str, Reference | None] = {}


def _parse(value: str | None) -> Reference | None:
    """The reference a string holds, or None; memoized, as the same images recur a lot."""
    if value is None:
        return None
    if value not in _PARSED:
        try:
            _PARSED[value] = parse_normalized_named(value)
        except InvalidReferenceError:
            _PARSED[value] = None
    return _PARSED[value]


def _parse_error(value: str) -> str:
    """The reference parser's message for a value `_parse` found invalid."""
    try:
        parse_normalized_named(value)
    except InvalidReferenceError as err:
        return str(err)
    raise AssertionError(f"{value!r} parses")


def _show(node: Node | None) -> str:
    """A value for a message: a scalar's text, a list of scalars as JSON."""
    if isinstance(node, ScalarNode):
        return str(node.value)
    if isinstance(node, SequenceNode):
        return json.dumps([_show(item) for item in node.value])
    return "a mapping"


def _set_scalar(
    text: str, mapping: MappingNode, key: str, value: str, anchor: tuple[ScalarNode, Node]
) -> Edit | None:
    """Set `key: value` in `mapping`: replace the value, or insert the entry after `anchor`."""
    entry = nodes.get_entry(mapping, key)
    if entry is not None and nodes.scalar_str(entry[1]) == value:
        return None
    quote = '"' if edits.json_style(mapping, anchor[0]) else ""
    if entry is not None and isinstance(entry[1], ScalarNode):  # JSON's null, true, 1: quoted
        return edits.replace_scalar(text, entry[1], value, plain=quote)
    entry_text = f"{edits.render_scalar(key, quote)}: {edits.render_scalar(value, quote)}"
    if entry is None:
        return edits.insert_after(text, mapping, anchor, entry_text, _RANK.get(key, 0))
    start = edits.entry_start(text, entry[0])  # a list or mapping: the entry is rewritten
    return Edit(start, edits.text_end(text, entry[1]), 0, entry_text)


def _set_list(text: str, container: Container, key: str, values: Sequence[str]) -> list[Edit]:
    """Set a container's `command` or `args` list; an empty list removes the key (S10.3)."""
    image = container.image
    assert image is not None and image.key is not None  # a container's image has its key
    after = nodes.after_merges(container.node, (image.key, image.node))  # new keys go here
    entry = nodes.get_entry(container.node, key)
    if _list_value(entry) == list(values):
        return []
    if not values:  # every entry of the key, so that no duplicate comes to count instead
        keys = [k for k, _ in container.node.value if isinstance(k, ScalarNode) and k.value == key]
        return [edits.remove_entry(text, container.node, k) for k in keys]
    json_style = edits.json_style(container.node, after[0])
    quote = '"' if json_style else ""
    if entry is not None and isinstance(entry[1], SequenceNode):
        seq = entry[1]
        first = seq.value[0] if seq.value else None
        if not json_style and isinstance(first, ScalarNode) and first.style in ("'", '"'):
            quote = first.style
        return [edits.replace_list(text, seq, values, quote)]
    style = _list_style(text, container, quote)
    name = edits.render_scalar(key, quote) + ":"
    if entry is not None:  # a null, scalar or mapping where the list belongs: in its place
        key_node, value = entry
        start = edits.entry_start(text, key_node)
        new = edits.render_list(
            values, style, edits.entry_column(text, key_node), edits.eol_at(text, start)
        )
        return [Edit(start, edits.text_end(text, value), 0, name + new)]
    column = edits.entry_column(text, after[0])
    eol = edits.eol_at(text, after[0].end_mark.index)
    entry_text = name + edits.render_list(values, style, column, eol)
    return [edits.insert_after(text, container.node, after, entry_text, _RANK[key])]


def _list_value(entry: tuple[ScalarNode, Node] | None) -> list[str | None] | None:
    """The strings of a list entry's items, or None when it is absent or not a list."""
    if entry is None or not isinstance(entry[1], SequenceNode):
        return None
    return [nodes.scalar_str(item) for item in entry[1].value]


def _list_style(text: str, container: Container, quote: str) -> ListStyle:
    """New lists follow the container list's own layout: flow, compact or indented; their
    items are quoted with `quote` (`"` in JSON) where not plain."""
    if container.node.flow_style or container.seq.flow_style:
        return ListStyle(flow=True, quote=quote)
    offset = container.seq.start_mark.column - edits.entry_column(text, container.list_key)
    return ListStyle(offset=max(0, offset), quote=quote)
