"""A plan written into the text: each field's new value, the pull policies and the
overrides as edits, each with the note that says what it changed (SPEC §6: the notes are
an exact account of the edits), or why a key is left as it is."""

from __future__ import annotations

import json

from yaml import MappingNode, Node, ScalarNode

from krm_fn import merges, nodes, render, setters
from krm_fn.edits import Edit
from krm_fn.fields import Path, Place
from krm_fn.plan import Override, Plan, Pull, Write
from krm_fn.report import Note, ambiguous, shared, show
from krm_fn.results import Severity
from krm_fn.shared_anchors import SharedAnchors

__all__ = ["IF_NOT_PRESENT", "write"]

IF_NOT_PRESENT = "IfNotPresent"


def write(
    plan: Plan, text: str, anchors: SharedAnchors, severity: Severity
) -> tuple[list[Edit], list[Note]]:
    """The edits of a plan for an object in `text`, and their notes (`severity`: of a key
    left as it is)."""
    writer = _Writer(text, anchors, severity)
    for w in plan.writes:
        writer.field(w)
    owners: set[MappingNode] = set()  # one pull policy per mapping, however many images it holds
    for pull in plan.pulls:
        owner = pull.field.owner
        if owner is not None and pull.field.key is not None and owner not in owners:
            owners.add(owner)
            writer.pull_policy(pull, owner)
    for override in plan.overrides:
        writer.override(override)
    return writer.edits, writer.notes


class _Writer:
    __slots__ = ("anchors", "edits", "notes", "severity", "text")

    def __init__(self, text: str, anchors: SharedAnchors, severity: Severity) -> None:
        self.text, self.anchors, self.severity = text, anchors, severity
        self.edits: list[Edit] = []
        self.notes: list[Note] = []

    def field(self, w: Write) -> None:
        f, new = w.field, w.value
        found_by = f" (found by {f.found_by})" if f.found_by else ""
        message = (
            f'ImageMap "{w.map.name}" set {f.place} {json.dumps(f.value)} to {json.dumps(new)}'
        )
        if f.merged:  # written in its own mapping, where it wins over the merged one
            assert f.owner is not None
            assert f.key is not None
            anchor = merges.after_merges(f.owner, (f.key, f.node))
            edit = setters.set_scalar(self.text, f.owner, str(f.key.value), new, anchor)
            assert edit is not None  # the mapping has no key of its own
            self.edits.append(edit)
        elif f.object_keys is None:
            assert isinstance(f.node, ScalarNode)
            self.edits.append(render.replace_scalar(self.text, f.node, new))
        else:
            for key, old, value in self._image_object(w):
                path = (*f.path, key)
                self.notes.append(
                    Note(Severity.INFO, path, f"{message}: its {key} field{found_by}", old, value)
                )
            return
        self.notes.append(Note(Severity.INFO, f.path, message + found_by, f.value, new))

    def _image_object(self, w: Write) -> list[tuple[str, str | None, str]]:
        """Tilt S5.2: the repository field gets the familiar name, the tag field the tag
        (inserted after the repository field when missing); a digest has no field to go to.
        Returns (key, old value, new value) for each field changed."""
        f, inject = w.field, w.map.inject
        assert f.object_keys is not None
        assert inject is not None
        assert isinstance(f.node, MappingNode)
        repo_key, tag_key = f.object_keys
        repo = nodes.get_entry(f.node, repo_key)
        assert repo is not None  # else it would not parse
        assert isinstance(repo[1], ScalarNode)
        changed: list[tuple[str, str | None, str]] = []
        name = inject.familiar_name()
        if repo[1].value != name:
            self.edits.append(render.replace_scalar(self.text, repo[1], name))
            changed.append((repo_key, str(repo[1].value), name))
        if tag_key and inject.tag is not None:
            edit = setters.set_scalar(self.text, f.node, tag_key, inject.tag, repo)
            if edit:
                self.edits.append(edit)
                changed.append((tag_key, nodes.scalar_str(nodes.get(f.node, tag_key)), inject.tag))
        if inject.digest is not None:
            self.notes.append(
                Note(
                    Severity.WARNING,
                    f.path,
                    f'the digest of ImageMap "{w.map.name}"\'s image is not written: '
                    "a repository and tag object has no field for it",
                )
            )
        return changed

    def pull_policy(self, pull: Pull, owner: MappingNode) -> None:
        f = pull.field
        assert f.key is not None
        key = "pullPolicy" if f.place is Place.VOLUME else "imagePullPolicy"
        entry = merges.lookup(owner, key)
        path = (*f.path[:-1], key)
        if key in merges.shadowed(owner):
            self.notes.append(ambiguous(self.severity, path))
            return
        if f.place is Place.IMAGE_FIELD and (entry is None or entry[2]):
            return  # Tilt S8.4: a locator's sibling pull policy is set, never added
        current = show(entry[1]) if entry else None  # the text of a non-string too
        if current == IF_NOT_PRESENT or self._entry_left(path, owner, entry):
            return
        anchor = merges.after_merges(owner, (f.key, f.node))
        edit = setters.set_scalar(self.text, owner, key, IF_NOT_PRESENT, anchor)
        if edit is not None:
            self.edits.append(edit)
            message = f'{key} set to {IF_NOT_PRESENT} for ImageMap "{pull.map.name}"'
            self.notes.append(Note(Severity.INFO, path, message, current, IF_NOT_PRESENT))

    def override(self, o: Override) -> None:
        container, key, values = o.container, o.key, o.values
        path = (*container.path, key)
        if key in merges.shadowed(container.node):
            self.notes.append(ambiguous(self.severity, path))
            return
        entry = merges.lookup(container.node, key)
        if entry is None and not values:
            return  # nothing to remove
        if entry is not None and setters.list_value(entry[:-1]) == list(values):
            return  # as it is already (through a merge key, too)
        if not values and key in merges.merged(container.node):
            self.notes.append(
                Note(
                    self.severity,
                    path,
                    f"{key} is not removed: a merge key (<<) gives it, and that mapping is "
                    "left as it is",
                )
            )
            return
        if self._entry_left(path, container.node, entry):
            return
        image = container.image
        assert image is not None  # a container's image has its key
        assert image.key is not None
        anchor = merges.after_merges(container.node, (image.key, image.node))  # new keys go here
        layout = setters.list_layout(self.text, container.node, container.seq, container.list_key)
        new = setters.set_list(self.text, container.node, key, values, anchor, layout)
        if new:
            self.edits += new
            old = entry[1] if entry else None
            self.notes.append(
                Note(
                    Severity.INFO,
                    path,
                    f'{key} {"set" if values else "removed"} by ImageMap "{o.map.name}" '
                    f"override{key.capitalize()}",
                    show(old) if old is not None else None,
                    json.dumps(list(values)) if values else None,  # None: the key is removed
                )
            )

    def _entry_left(
        self, path: Path, mapping: MappingNode, entry: tuple[ScalarNode, Node, bool] | None
    ) -> bool:
        """Whether `mapping`'s entry for a key (`merges.lookup`), which is to be set, must be
        left as it is (with a note): an alias (a second key would be a duplicate, and
        which one counts depends on the reader), or an anchored value an alias uses (all of
        it: an anchor inside would be lost). A merged or missing key is set in `mapping`."""
        key = str(path[-1])
        if entry is not None and nodes.is_alias(entry[0], entry[1]):
            self.notes.append(
                Note(
                    self.severity,
                    path,
                    f"{key} is an alias (*name) and is left as it is: setting it would change "
                    "its anchor and every other use of it, or add a second key",
                )
            )
            return True
        node: Node = mapping
        if entry is None or entry[2]:
            end = mapping.start_mark.index + 1
        else:
            node, end = entry[1], entry[1].end_mark.index
        name = self.anchors.shared(node.start_mark.index, end)
        if name is not None:
            self.notes.append(shared(self.severity, path, key, name))
        return name is not None
