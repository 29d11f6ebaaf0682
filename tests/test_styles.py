"""Property tests on manifests generated as TEXT in many styles (issue 12), every output
checked by the oracle (tests/oracle.py), in both modes.

The generator builds a small tree of each object (Pod, Deployment, StatefulSet, Job,
CronJob, a custom resource with a pod spec at some depth, a v1 List of them, a CRD and a
ConfigMap that must not change), with anchors, aliases and merge keys where YAML allows
them, then writes it out choosing the style of every node as it goes: block mappings,
compact and indented sequences, flow collections (on one line or several, with comments),
whole documents as JSON, every scalar style (plain, quoted, `!!str`, literal and folded
block scalars with any chomping, header comments), explicit keys, comments on their own
lines and after values, document markers, Helm `# Source:` lines, a BOM, CRLF line ends
and no final newline. The ImageMaps are drawn from the images used, and given through a
`--imagemaps` file, as stream documents, as a ResourceList's `functionConfig` or as its
items; the same objects are run as a stream and as a ResourceList (block YAML or JSON).

Besides the oracle, each container, image volume and env value that holds its own image
(no alias, no anchor that an alias uses) is checked against a simulation of Tilt's rule
(S4, S5, S11): its final value, and `IfNotPresent` wherever an image was matched.

The tests below `REGRESSIONS` are the minimal failing inputs the properties found.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from krm_fn.pipeline import ConfigFile, Output
from krm_fn.reference import InvalidReferenceError, Reference, parse_normalized_named
from tests.oracle import checked_run, load_all

Draw = Any  # hypothesis's draw function
Path = tuple[str | int, ...]

# --- the values ------------------------------------------------------------------------

DIGEST = "@sha256:" + "ab" * 32
NAMES = [
    "app",
    "example.com/app",
    "docker.io/library/app",
    "localhost:5000/team/api",
    "gcr.io/p/worker",
    "nginx",
]
SUFFIXES = ["", ":1.0", ":dev", DIGEST, ":1.10" + DIGEST]
UNPARSEABLE = ["Bad/Image", "app:"]
INJECTED = [
    "localhost:5000/app:tilt-1",
    "app:tilt-2",
    "example.com/app@sha256:" + "ef" * 32,
    "registry.local:5000/api:tilt-3@sha256:" + "01" * 32,
    "worker",
    "docker.io/library/nginx:tilt-4",
]
POLICIES = ["Always", "IfNotPresent", "Never"]
# Strings that need care: YAML 1.1 non-strings, indicators, newlines (for block scalars).
TEXTS = [
    "run",
    "--port=8080",
    "1.10",
    "yes",
    "0e12",
    "hello world",
    "a: b",
    "# not a comment",
    "x, y",
    "it's",
    "",
    "echo hi\n",
    "line one\nline two\n",
    "keep\n\n",
    "no\nend",
    "kind: CustomResourceDefinition",
    "example.com/app:1.0",
    "café ✓",
    "🚀 go",
]

images = st.sampled_from([n + s for n in NAMES for s in SUFFIXES] + UNPARSEABLE)


def pct(draw: Draw, p: int) -> bool:
    """True with probability p%; shrinks to False (the plainer case)."""
    return bool(draw(st.integers(0, 99)) >= 100 - p)


# --- the tree ----------------------------------------------------------------------------


@dataclass
class Str:
    value: str
    anchor: str | None = None


@dataclass
class Raw:
    """A plain scalar that is not a string (`1`, `true`)."""

    text: str


@dataclass
class Alias:
    name: str


@dataclass
class Map:
    entries: list[tuple[str, Node]]
    anchor: str | None = None


@dataclass
class Seq:
    items: list[Node]
    anchor: str | None = None


Node = Str | Raw | Alias | Map | Seq


def data_of(node: Node) -> Any:
    """The data a tree without aliases stands for."""
    if isinstance(node, Str):
        return node.value
    if isinstance(node, Raw):
        return yaml.safe_load(node.text)
    if isinstance(node, Map):
        return {k: data_of(v) for k, v in node.entries}
    if isinstance(node, Seq):
        return [data_of(i) for i in node.items]
    raise AssertionError("an alias has no data of its own")


# --- writing a tree as text, every node in a style of its own ----------------------------


@functools.cache
def plain_ok(value: str, flow: bool, tagged: bool = False) -> bool:
    """Whether `value` written plain reads back as this very string."""
    if not value or value != value.strip() or "\n" in value or "\t" in value:
        return False
    tag = "!!str " if tagged else ""
    text = f"[{tag}{value}]" if flow else f"k: {tag}{value}"
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return False
    return bool(data == ([value] if flow else {"k": value}))


class Writer:
    """Writes trees as YAML text, drawing the style of each node."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw

    def pct(self, p: int) -> bool:
        return pct(self.draw, p)

    def pick(self, options: list[Any]) -> Any:
        return self.draw(st.sampled_from(options))

    def comment(self, p: int = 15) -> str:
        """Nothing, or a comment (or trailing blanks) to end a line with."""
        if not self.pct(p):
            return ""
        return str(self.pick([" # note", "  # a: b, [c]", " #", "   "]))

    # scalars
    def inline(self, s: Str, flow: bool, col: int) -> str:
        """The scalar on the current line (a quoted one may go on over more lines, its
        continuation lines at any column: libyaml and go-yaml read them so)."""
        v = s.value
        styles = ["double"]
        if plain_ok(v, flow):
            styles.insert(0, "plain")
        if "\n" not in v:
            styles.append("single")
        if plain_ok(v, flow, tagged=True):
            styles.append("tag-plain")
        styles.append("tag-double")
        style = self.pick(styles)
        text = {
            "plain": v,
            "single": "'" + v.replace("'", "''") + "'",
            "double": json.dumps(v),
            "tag-plain": "!!str " + v,
            "tag-double": "!!str " + json.dumps(v),
        }[style]
        if style == "plain" and " " in v and self.pct(10):  # a plain scalar over lines
            i = self.pick([i for i, c in enumerate(v) if c == " "])
            text = v[:i] + "\n" + " " * (col + 2) + v[i + 1 :]
        if text.endswith(("'", '"')) and self.pct(15):  # a line break folds into a space
            start = text.index(text[-1]) + 2
            spaces = [i for i in range(start, len(text) - 2) if text[i] == " " != text[i - 1]]
            spaces = [i for i in spaces if text[i + 1] != " "]
            if spaces:
                i = self.pick(spaces)
                text = text[:i] + "\n" + " " * self.pick([col + 2, 0, col]) + text[i + 1 :]
        return (f"&{s.anchor} " if s.anchor else "") + text

    def block_scalar(self, s: Str, col: int) -> str | None:
        """` |-` and its content lines (content at more than `col`), or None when the
        value cannot be one."""
        v = s.value
        body = v.rstrip("\n")
        if (
            not body
            or body != body.lstrip(" ")
            or any(line != line.rstrip(" ") or line.startswith(" ") for line in body.split("\n"))
        ):
            return None
        ends = len(v) - len(body)
        chomp = {0: ["-"], 1: ["", "+"]}.get(ends, ["+"])
        kinds = ["|"] + ([">"] if "\n" not in body else [])
        step = self.pick([2, 4])
        header = self.pick(kinds) + self.pick(chomp)
        if self.pct(20):  # an indentation indicator, before or after the chomping one
            header = self.pick([header + str(step), header[0] + str(step) + header[1:]])
        pad = " " * (col + step)
        lines = body.split("\n") + [""] * (ends - 1 if ends > 1 else 0)
        anchor = f" &{s.anchor}" if s.anchor else ""
        content = "".join(pad + line + "\n" if line else "\n" for line in lines)
        return f"{anchor} {header}{self.comment(30)}\n{content}"

    def key(self, key: str, flow: bool) -> str:
        if key == "<<":
            return key
        return str(self.pick([key, json.dumps(key), f"'{key}'"]))

    # collections
    def flow(self, node: Node, col: int) -> str:
        """The node in flow style; continuation lines at `col`."""
        if isinstance(node, Alias):
            return f"*{node.name}"
        if isinstance(node, Raw):
            return node.text
        if isinstance(node, Str):
            return self.inline(node, flow=True, col=col)
        anchor = f"&{node.anchor} " if node.anchor else ""
        pad = " " * col
        if isinstance(node, Map):
            parts = [f"{self.key(k, True)}: {self.flow(v, col + 2)}" for k, v in node.entries]
            open_, close = "{", "}"
        else:
            parts = [self.flow(i, col + 2) for i in node.items]
            open_, close = "[", "]"
        if not parts or not self.pct(30):
            return anchor + open_ + ", ".join(parts) + close
        lines = [
            pad
            + p
            + ("," if n < len(parts) - 1 else "")
            + (self.comment(20) if n < len(parts) - 1 else "")
            for n, p in enumerate(parts)
        ]
        return anchor + open_ + "\n" + "\n".join(lines) + "\n" + pad + close

    def value(self, node: Node, col: int, dash: bool = False) -> str:
        """What follows `key:` (the key at column `col`) or `-` (the dash at `col`), up to
        and including its last newline."""
        scalar = isinstance(node, Alias | Str) or (isinstance(node, Raw) and node.text)
        if scalar and self.pct(6):  # the value on a line of its own
            pad = " " * (col + 2)
            if isinstance(node, Str):
                text = self.inline(node, flow=False, col=col + 2)
            else:
                text = self.flow(node, col + 2)
            return f"{self.comment(30)}\n{pad}{text}{self.comment()}\n"
        if isinstance(node, Alias):
            return f" *{node.name}{self.comment()}\n"
        if isinstance(node, Raw):
            return f" {node.text}{self.comment()}\n"
        if isinstance(node, Str):
            if (
                self.pct(60 if "\n" in node.value else 20)
                and (block := self.block_scalar(node, col)) is not None
            ):
                return block
            return f" {self.inline(node, flow=False, col=col)}{self.comment()}\n"
        empty = not (node.entries if isinstance(node, Map) else node.items)
        if empty or self.pct(15):
            return f" {self.flow(node, col + 2)}{self.comment()}\n"
        anchor = f" &{node.anchor}" if node.anchor else ""
        if isinstance(node, Map):
            step = 2 if dash else self.pick([2, 4])
            body = self.map_body(node, col + step)
            if dash and not anchor and self.pct(80):  # `- name: x` with the rest under it
                return " " + body.lstrip(" ")
            return f"{anchor}{self.comment()}\n{body}"
        at = col + 2 if dash else self.pick([col, col + 2, col + 4])
        return f"{anchor}{self.comment()}\n{self.seq_body(node, at)}"

    def map_body(self, m: Map, col: int) -> str:
        pad, out = " " * col, []
        for k, v in m.entries:
            if self.pct(8):  # a comment line, at any column up to the key's
                out.append(" " * self.pick([col, 0]) + f"# about {k}\n")
            flat = isinstance(v, Str | Raw | Alias) or (
                isinstance(v, Map | Seq) and not (v.entries if isinstance(v, Map) else v.items)
            )
            if k != "<<" and self.pct(10 if flat else 4):  # an explicit key
                value = self.value(v, col) if flat else self.value(v, col, dash=True)
                out.append(f"{pad}? {self.key(k, False)}\n{pad}:{value}")
            else:
                out.append(f"{pad}{self.key(k, False)}:{self.value(v, col)}")
        return "".join(out)

    def seq_body(self, s: Seq, col: int) -> str:
        pad, out = " " * col, []
        for item in s.items:
            if self.pct(5):
                out.append(f"{pad}# an item\n")
            out.append(f"{pad}-{self.value(item, col, dash=True)}")
        return "".join(out)

    def document(self, tree: Map, json_ok: bool) -> str:
        """One document's text, no markers: block, flow or JSON."""
        style = self.pick(["block", "flow", "json"] if json_ok else ["block", "flow"])
        lead = "# leading comment\n" if self.pct(10) else ""
        if style == "json":
            indent = self.pick([2, None, 4])
            return lead + json.dumps(data_of(tree), indent=indent) + "\n"
        if style == "flow":
            return lead + self.flow(tree, 2) + self.comment() + "\n"
        return lead + self.map_body(tree, 0) + ("# trailing comment\n" if self.pct(10) else "")


# --- generating objects ------------------------------------------------------------------


@dataclass
class Anchor:
    name: str
    used: bool = False


@dataclass
class Check:
    """A place whose outcome the simulation predicts: `kind` container, volume, env or same
    (must not change); `path` to the mapping in object `obj`."""

    kind: str
    obj: str
    path: Path
    anchors: list[Anchor] = field(default_factory=list)
    ok: bool = True

    def valid(self) -> bool:
        return self.ok and not any(a.used for a in self.anchors)


@dataclass
class Cont:
    node: Map
    check: Check
    image_anchors: list[Anchor]
    policy_anchors: list[Anchor]
    image_ok: bool
    policy_ok: bool
    rec: Anchor | None = None
    checks: list[Check] = field(default_factory=list)  # its own and its env values


class Gen:
    """Draws objects for one document; anchors (when allowed) are unique in the stream."""

    counter = 0

    def __init__(self, draw: Draw, anchors: bool) -> None:
        self.draw, self.anchors = draw, anchors
        self.image_anchors: list[Anchor] = []  # scalar anchors on images, usable by aliases
        self.policy_anchors: list[Anchor] = []
        self.seq_anchors: list[Anchor] = []
        self.checks: list[Check] = []
        # anchors of the container being made: its keys come in any order, so no alias in
        # it may use them
        self.pending: set[str] = set()

    def pct(self, p: int) -> bool:
        return pct(self.draw, p)

    def new_anchor(self, kind: str) -> Anchor:
        Gen.counter += 1
        return Anchor(f"{kind}{Gen.counter}")

    def maybe_anchor(self, node: Str | Seq, pool: list[Anchor], p: int = 15) -> Anchor | None:
        if not self.anchors or not self.pct(p):
            return None
        a = self.new_anchor("a")
        node.anchor = a.name
        self.pending.add(a.name)
        pool.append(a)
        return a

    def alias(self, pool: list[Anchor], p: int = 15) -> Alias | None:
        pool = [a for a in pool if a.name not in self.pending]
        if not self.anchors or not pool or not self.pct(p):
            return None
        a = self.draw(st.sampled_from(pool))
        a.used = True
        return Alias(a.name)

    def use(self, base: Cont) -> None:
        """An alias to container `base` (anchored now if it is not yet)."""
        if base.rec is None:
            base.rec = self.new_anchor("base")
            base.node.anchor = base.rec.name
            for check in base.checks:
                check.anchors.append(base.rec)
        base.rec.used = True

    def text(self) -> Str:
        return Str(self.draw(st.sampled_from(TEXTS)))

    def strings(self, pool: list[Anchor]) -> Node:
        """A command or args list (maybe empty, anchored, an alias, holding an alias)."""
        if (alias := self.alias(self.seq_anchors)) is not None:
            return alias
        items: list[Node] = [self.text() for _ in range(self.draw(st.integers(0, 2)))]
        if (img := self.alias(pool, 10)) is not None:
            items.append(img)
        seq = Seq(items)
        self.maybe_anchor(seq, self.seq_anchors)
        return seq

    def container(self, obj: str, path: Path, name: str, earlier: list[Cont], env: bool) -> Cont:
        self.pending.clear()
        entries: list[tuple[str, Node]] = [("name", Str(name))]
        check = Check("container", obj, path)
        node = Map(entries)
        cont = Cont(node, check, [], [], True, True)
        base = None
        if self.anchors and earlier and self.pct(20):
            base = self.draw(st.sampled_from(earlier))
            self.use(base)
            merged: Node = Alias(base.rec.name)
            if self.pct(30):
                merged = Seq([merged])
            entries.append(("<<", merged))
        if base is None or self.pct(30):
            image: Node | None = self.alias(self.image_anchors)
            if image is not None:
                cont.image_ok = False
            elif self.pct(3):
                image = Raw(self.draw(st.sampled_from(["null", "1.5", "true"])))
            else:
                image = Str(self.draw(images))
                if (a := self.maybe_anchor(image, self.image_anchors)) is not None:
                    cont.image_anchors.append(a)
            entries.append(("image", image))
        if base is not None:  # a merge key after the own key overrides it (go-yaml v2)
            cont.image_ok = cont.image_ok and base.image_ok
            cont.image_anchors += base.image_anchors
        has_policy = self.pct(50)
        if has_policy:
            policy: Node | None = self.alias(self.policy_anchors)
            if policy is not None:
                cont.policy_ok = False
            elif self.pct(10):  # null: as good as absent
                policy = Raw(self.draw(st.sampled_from(["null", "~", ""])))
            else:
                policy = Str(self.draw(st.sampled_from(POLICIES)))
                if (a := self.maybe_anchor(policy, self.policy_anchors)) is not None:
                    cont.policy_anchors.append(a)
            entries.append(("imagePullPolicy", policy))
        if base is not None:
            cont.policy_ok = cont.policy_ok and base.policy_ok
            cont.policy_anchors += base.policy_anchors
        for key in ("command", "args"):
            if self.pct(30):
                entries.append((key, self.strings(self.image_anchors)))
        if self.pct(30):
            before = len(self.checks)
            entries.append(("env", self.env(obj, (*path, "env"), env)))
            cont.checks += self.checks[before:]
        if self.pct(15):
            entries.append(self.draw(st.sampled_from([("ports", Seq([])), ("resources", Map([]))])))
        node.entries = self.draw(st.permutations(entries))
        if self.pct(3):  # a duplicate key: the last one counts
            node.entries.insert(0, ("image", Str(self.draw(images))))
        if base is not None:
            # A key before the merge key that the merge may give too: go-yaml v2 reads the
            # merged value, go-yaml v3 the own one, and the product leaves it (a warning).
            keys = [k for k, _ in node.entries]
            merge = keys.index("<<")
            ambiguous = {k for k in keys[:merge] if k not in keys[merge + 1 :]}
            cont.image_ok = cont.image_ok and "image" not in ambiguous
            cont.policy_ok = cont.policy_ok and "imagePullPolicy" not in ambiguous
            for env_check in cont.checks if "env" in ambiguous else []:
                env_check.ok = False
        self.pending.clear()
        check.ok = cont.image_ok and cont.policy_ok
        check.anchors = [*cont.image_anchors, *cont.policy_anchors]
        self.checks.append(check)
        cont.checks.append(check)
        return cont

    def env(self, obj: str, path: Path, env: bool) -> Seq:
        items: list[Node] = []
        for k in range(self.draw(st.integers(1, 3))):
            choice = self.draw(st.sampled_from(["image", "text", "from", "alias"]))
            value: Node
            if choice == "from":
                ref = Map([("fieldRef", Map([("fieldPath", Str("metadata.name"))]))])
                items.append(Map([("name", Str(f"E{k}")), ("valueFrom", ref)]))
                continue
            if choice == "alias" and (alias := self.alias(self.image_anchors, 100)):
                value = alias
            elif choice == "text":
                value = self.text()
            else:
                value = Str(self.draw(images))
            check = Check("env", obj, (*path, k), ok=isinstance(value, Str))
            if isinstance(value, Str) and (a := self.maybe_anchor(value, self.image_anchors)):
                check.anchors.append(a)
            self.checks.append(check)
            items.append(
                Map(self.draw(st.permutations([("name", Str(f"E{k}")), ("value", value)])))
            )
        return Seq(items)

    def volumes(self, obj: str, path: Path) -> Seq:
        items: list[Node] = []
        for k in range(self.draw(st.integers(1, 2))):
            kind = self.draw(st.sampled_from(["image", "emptyDir", "configMap"]))
            if kind == "image":
                image: list[tuple[str, Node]] = [("reference", Str(self.draw(images)))]
                if self.pct(50):
                    image.append(("pullPolicy", Str(self.draw(st.sampled_from(POLICIES)))))
                source: Node = Map(self.draw(st.permutations(image)))
                self.checks.append(Check("volume", obj, (*path, k, "image")))
            elif kind == "emptyDir":
                source = Map([])
            else:
                source = Map([("name", Str("cm"))])
            items.append(Map([("name", Str(f"v{k}")), (kind, source)]))
        return Seq(items)

    def pod_spec(self, obj: str, path: Path, env: bool) -> Map:
        keys = ["containers"]
        keys += [k for k, p in (("initContainers", 30), ("ephemeralContainers", 15)) if self.pct(p)]
        if self.pct(25):
            keys.append("volumes")
        keys = list(self.draw(st.permutations(keys)))
        entries: list[tuple[str, Node]] = []
        if self.pct(30):
            entries.append(("restartPolicy", Str("Always")))
        for key in keys:
            if key == "volumes":
                entries.append((key, self.volumes(obj, (*path, key))))
                continue
            earlier: list[Cont] = []
            items: list[Node] = []
            for i in range(self.draw(st.integers(1, 3 if key == "containers" else 1))):
                if self.anchors and earlier and self.pct(5):  # `- *base`: the same again
                    base = self.draw(st.sampled_from(earlier))
                    self.use(base)
                    items.append(Alias(base.rec.name))
                    continue
                name = f"{key[0]}{i}"
                earlier.append(self.container(obj, (*path, key, i), name, earlier, env))
                items.append(earlier[-1].node)
            entries.append((key, Seq(items)))
        return Map(entries)

    def metadata(self, name: str) -> Map:
        entries: list[tuple[str, Node]] = [("name", Str(name))]
        if self.pct(20):
            entries.append(("namespace", Str("ns")))
        notes: list[tuple[str, Node]] = []
        if self.anchors and self.pct(30):
            image = Str(self.draw(images))
            self.maybe_anchor(image, self.image_anchors, 100)
            notes.append(("example.com/image", image))
        if self.anchors and self.pct(20):
            policy = Str(self.draw(st.sampled_from(POLICIES)))
            self.maybe_anchor(policy, self.policy_anchors, 100)
            notes.append(("example.com/pull", policy))
        if self.pct(20):
            notes.append(("example.com/note", self.text()))
        if notes:
            entries.append(("annotations", Map(notes)))
        return Map(entries)

    def wrap(self, inner: Map, path: Path) -> Node:
        """`inner` at `path` (keys and list indexes) below the root."""
        node: Node = inner
        for key in reversed(path):
            node = Seq([node]) if isinstance(key, int) else Map([(key, node)])
        return node

    def obj(self, name: str, env: bool, in_list: bool = False) -> Map:
        kinds = ["Pod", "Deployment", "StatefulSet", "Job", "CronJob", "Workload"]
        extra = ["ConfigMap", "CustomResourceDefinition"] + ([] if in_list else ["List"])
        kind = self.draw(st.sampled_from(kinds + extra))
        head: list[tuple[str, Node]] = []
        api = {
            "Pod": "v1",
            "Deployment": "apps/v1",
            "StatefulSet": "apps/v1",
            "Job": "batch/v1",
            "CronJob": "batch/v1",
            "Workload": "example.com/v1",
            "ConfigMap": "v1",
            "List": "v1",
            "CustomResourceDefinition": "apiextensions.k8s.io/v1",
        }[kind]
        head = [("apiVersion", Str(api)), ("kind", Str(kind))]
        if self.pct(50):
            head.reverse()
        if kind == "List":
            items: list[Node] = [
                self.obj(f"{name}-{k}", env, True) for k in range(self.draw(st.integers(1, 2)))
            ]
            return Map([*head, ("metadata", Map([])), ("items", Seq(items))])
        defined = len(self.image_anchors) + len(self.policy_anchors)
        metadata = self.metadata(name)
        entries = [*head, ("metadata", metadata)]
        if kind == "ConfigMap":
            return Map(
                [*entries, ("data", Map([("image", Str(self.draw(images))), ("t", self.text())]))]
            )
        path: Path = {
            "Pod": ("spec",),
            "Deployment": ("spec", "template", "spec"),
            "StatefulSet": ("spec", "template", "spec"),
            "Job": ("spec", "template", "spec"),
            "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
            "CustomResourceDefinition": ("spec", "versions", 0, "example"),
        }.get(kind) or (
            "spec",
            *self.draw(
                st.lists(
                    st.sampled_from(["template", "spec", "workload", "podSpec", "runner", 0]),
                    max_size=3,
                )
            ),
        )
        before = len(self.checks)
        pod = self.pod_spec(name, path, env)
        if kind == "CustomResourceDefinition":
            for c in self.checks[before:]:
                c.kind = "same"
        spec = self.wrap(pod, path[1:])
        if kind == "Deployment" and self.pct(30):
            assert isinstance(spec, Map)
            spec.entries.insert(0, ("replicas", Raw("1")))
        entries.append(("spec", spec))
        if defined == len(self.image_anchors) + len(self.policy_anchors) and self.pct(15):
            entries.remove(("metadata", metadata))  # no anchors there: it may come last
            entries.append(("metadata", metadata))
        self.pending.clear()
        if self.pct(30):
            seen = self.alias(self.image_anchors, 50)
            entries.append(("status", Map([("seen", seen)] if seen else [])))
        return Map(entries)


# --- ImageMaps ---------------------------------------------------------------------------


@dataclass
class IMap:
    name: str
    selector: str
    exact: bool
    env: bool
    image: str
    from_cluster: str | None
    command: list[str] | None
    args: list[str] | None

    def tree(self) -> Map:
        spec: list[tuple[str, Node]] = [("selector", Str(self.selector))]
        if self.exact:
            spec.append(("matchExact", Raw("true")))
        if self.env:
            spec.append(("matchInEnvVars", Raw("true")))
        if self.command is not None:
            spec.append(
                ("overrideCommand", Map([("command", Seq([Str(c) for c in self.command]))]))
            )
        if self.args is not None:
            spec.append(("overrideArgs", Map([("args", Seq([Str(c) for c in self.args]))])))
        status: list[tuple[str, Node]] = [("image", Str(self.image))]
        if self.from_cluster:
            status.append(("imageFromCluster", Str(self.from_cluster)))
        return Map(
            [
                ("apiVersion", Str("tilt.dev/v1alpha1")),
                ("kind", Str("ImageMap")),
                ("metadata", Map([("name", Str(self.name))])),
                ("spec", Map(spec)),
                ("status", Map(status)),
            ]
        )

    @property
    def inject(self) -> Reference:
        return parse_normalized_named(self.from_cluster or self.image)


def parsed(value: Any) -> Reference | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_normalized_named(value)
    except InvalidReferenceError:
        return None


def simulate(value: Any, maps: list[IMap], env: bool) -> tuple[Any, bool]:
    """Tilt's rule (S4, S5, S11): the final value and whether any map matched."""
    matched = False
    for m in maps:
        if env and not m.env:
            continue
        ref = parsed(value)
        if ref is None:
            continue
        sel = parse_normalized_named(m.selector)
        hit = str(ref) == str(sel) if m.exact else ref.name == sel.name
        if hit or str(ref) == str(m.inject):
            matched, value = True, m.inject.familiar_string()
    return value, matched


def list_of(maps: list[IMap], kind: str, policy: str | None = None) -> Map:
    """The maps in one config object: an ImageMapList, a v1 List or ApplyImageMaps (with
    its `pullPolicy`)."""
    api = {"ImageMapList": "tilt.dev/v1alpha1", "List": "v1"}.get(kind, FN_API)
    key = "imageMaps" if kind == "ApplyImageMaps" else "items"
    entries: list[tuple[str, Node]] = [("apiVersion", Str(api)), ("kind", Str(kind))]
    if policy:
        entries.append(("pullPolicy", Str(policy)))
    return Map([*entries, (key, Seq([m.tree() for m in maps]))])


FN_API = "fn.apply-imagemaps.dev/v1alpha1"


# --- a whole case ------------------------------------------------------------------------


@dataclass
class Case:
    stream: str
    krm: str
    maps_file: str | None  # the --imagemaps file, if the maps go there
    maps: list[IMap]
    checks: list[Check]
    strict: bool
    stream_policy: str | None  # ApplyImageMaps `pullPolicy` in each mode
    krm_policy: str | None


def finish(draw: Draw, text: str) -> str:
    """BOM, CRLF, no final newline."""
    if pct(draw, 10):
        text = text.rstrip("\n")
    if pct(draw, 15):
        text = text.replace("\n", "\r\n")
    if pct(draw, 8):
        text = "\ufeff" + text
    return text


def as_item(text: str, col: int) -> str:
    """A document's text as a block sequence item, the dash at `col`."""
    lines = text.splitlines(True)
    pad = " " * (col + 2)
    return " " * col + "- " + lines[0] + "".join(pad + ln if ln.strip() else ln for ln in lines[1:])


@st.composite
def cases(draw: Draw) -> Case:
    Gen.counter = 0
    w = Writer(draw)
    n = draw(st.integers(1, 3))
    env = pct(draw, 40)
    objects, checks, json_docs, anchors = [], [], [], []
    for i in range(n):
        as_json = pct(draw, 20)
        g = Gen(draw, anchors=not as_json)
        objects.append(g.obj(f"o{i}", env))
        checks += g.checks
        json_docs.append(as_json)
        anchors += g.image_anchors
    used = [s for o in objects for s in data_of_images(o)]
    selectors = [s for s in used if parsed(s) is not None] or ["app"]
    maps = []
    for k in range(draw(st.integers(1, 3))):
        selector = draw(st.sampled_from(selectors))
        ref = parse_normalized_named(selector)
        if pct(draw, 40):
            selector = draw(st.sampled_from([ref.familiar_name(), ref.name]))
        overrides = st.none() | st.sampled_from([[], ["run"], ["a", "1.10"]])
        maps.append(
            IMap(
                f"m{k}",
                selector,
                pct(draw, 25),
                pct(draw, 60) if env else False,
                draw(st.sampled_from(INJECTED)),
                draw(st.sampled_from(INJECTED)) if pct(draw, 25) else None,
                draw(overrides) if pct(draw, 15) else None,
                draw(overrides) if pct(draw, 15) else None,
            )
        )
    bodies = [w.document(o, j) for o, j in zip(objects, json_docs, strict=True)]
    # where the maps go: a file, or in the input (stream documents, ResourceList items or
    # its functionConfig)
    place = draw(st.sampled_from(["file", "input", "config"]))
    shape = draw(st.sampled_from(["each", "ImageMapList", "List", "ApplyImageMaps"]))
    if shape == "ApplyImageMaps" and place == "input":
        shape = "each"
    policy = None
    if shape == "ApplyImageMaps":
        policy = draw(st.sampled_from([None, "matched", "all", "preserve"]))
    map_trees = [m.tree() for m in maps] if shape == "each" else [list_of(maps, shape, policy)]
    map_texts = [w.document(t, pct(draw, 20)) for t in map_trees]
    maps_file = None
    if place == "file":
        maps_file = "".join("---\n" + t for t in map_texts)
    docs = list(bodies)
    if place == "input":
        at = sorted(
            draw(
                st.lists(
                    st.integers(0, len(docs)), min_size=len(map_texts), max_size=len(map_texts)
                )
            )
        )
        for offset, (pos, t) in enumerate(zip(at, map_texts, strict=True)):
            docs.insert(pos + offset, t)
    stream_docs = list(docs)
    if place == "config":  # a stream has no functionConfig: the maps are documents there
        if shape == "ApplyImageMaps":  # which a stream does not read
            map_texts = [w.document(m.tree(), pct(draw, 20)) for m in maps]
        stream_docs += map_texts
    parts = []
    for i, body in enumerate(stream_docs):
        marker = "---" + w.comment(20) + "\n" if i or pct(draw, 50) else ""
        helm = f"# Source: chart/templates/t{i}.yaml\n" if pct(draw, 30) else ""
        end = "...\n" if pct(draw, 10) else ""
        parts.append(marker + helm + body + end)
    if pct(draw, 5):
        parts.append("---\n# nothing here\n")
    if parts[0].startswith("---") and pct(draw, 5):
        parts.insert(0, "%YAML 1.1\n")
    stream = finish(draw, "".join(parts))
    # the ResourceList
    as_json = pct(draw, 25)
    config_tree = None
    if place == "config":
        config_tree = (
            maps[0].tree()
            if len(maps) == 1 and shape == "each"
            else list_of(maps, "ImageMapList" if shape == "each" else shape, policy)
        )
    if as_json:
        try:
            items = [d for d in load_all(yaml_text(docs)) if d is not None]
        except yaml.YAMLError:
            assume(False)
        rl: dict[str, Any] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList"}
        rl["items"] = items
        if config_tree is not None:
            rl["functionConfig"] = data_of(config_tree)
        if pct(draw, 50):
            rl = dict(reversed(list(rl.items())))
        krm = json.dumps(rl, indent=draw(st.sampled_from([2, None, 1]))) + "\n"
    else:
        col = draw(st.sampled_from([0, 2]))
        items_text = "".join(as_item(d, col) for d in docs)
        if anchors and pct(draw, 20):  # an alias in another item (one YAML document)
            anchor = draw(st.sampled_from(anchors))
            anchor.used = True
            cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n"
            items_text += as_item(cm + f"data: {{image: *{anchor.name}}}\n", col)
        sections = [
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n",
            "items:" + w.comment(10) + "\n" + items_text,
        ]
        if config_tree is not None:
            sections.append("functionConfig:" + w.value(config_tree, 0))
        krm = "".join(draw(st.permutations(sections)))
    krm = finish(draw, krm)
    stream_policy = policy if place == "file" else None
    return Case(stream, krm, maps_file, maps, checks, pct(draw, 5), stream_policy, policy)


def yaml_text(docs: list[str]) -> str:
    return "".join("---\n" + d for d in docs)


def data_of_images(node: Node) -> list[str]:
    """Every string under a key `image` or `reference` or `value` (for selectors)."""
    out: list[str] = []

    def walk(n: Node, key: str | None) -> None:
        if isinstance(n, Str) and key in ("image", "reference", "value"):
            out.append(n.value)
        elif isinstance(n, Map):
            for k, v in n.entries:
                walk(v, k)
        elif isinstance(n, Seq):
            for i in n.items:
                walk(i, None)

    walk(node, None)
    return out


# --- checking ----------------------------------------------------------------------------


def by_name(objects: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        if obj.get("kind") == "List" and isinstance(obj.get("items"), list):
            out.update(by_name(obj["items"]))
        name = (obj.get("metadata") or {}).get("name")
        if isinstance(name, str):
            out[name] = obj
    return out


def at(obj: Any, path: Path) -> Any:
    for p in path:
        obj = obj[p]
    return obj


def valid_yaml(text: str) -> bool:
    try:
        list(yaml.safe_load_all(text.removeprefix("\ufeff")))
    except yaml.YAMLError:
        return False
    return True


def check_places(case: Case, text_in: str, out: Output, policy: str | None) -> None:
    """Each place the simulation predicts has its predicted value."""
    if out.exit_code != 0:
        return
    docs_in, docs_out = load_all(text_in), load_all(out.stdout)
    if out.krm:
        docs_in = next(d for d in docs_in if d is not None)["items"]
        docs_out = next(d for d in docs_out if d is not None)["items"]
    before, after = by_name(docs_in), by_name(docs_out)
    for c in case.checks:
        if not c.valid():
            continue
        old, new = at(before[c.obj], c.path), at(after[c.obj], c.path)
        where = f"{c.obj} {'.'.join(map(str, c.path))}"
        if c.kind == "same":
            assert new == old, f"{where} changed"
            continue
        key, pull_key = {
            "container": ("image", "imagePullPolicy"),
            "volume": ("reference", "pullPolicy"),
            "env": ("value", None),
        }[c.kind]
        want, matched = simulate(old.get(key), case.maps, env=c.kind == "env")
        assert new.get(key) == want, f"{where}.{key}: {new.get(key)!r}, expected {want!r}"
        if pull_key:
            blanket = (
                policy == "all" and c.kind == "container" and "ephemeralContainers" not in c.path
            )
            set_it = policy != "preserve" and (matched or blanket)
            want_policy = "IfNotPresent" if set_it else old.get(pull_key)
            assert new.get(pull_key) == want_policy, f"{where}.{pull_key}: {new.get(pull_key)!r}"


def run_case(case: Case) -> None:
    files = [ConfigFile("maps.yaml", case.maps_file.encode())] if case.maps_file else []
    for text in (case.stream, case.krm):
        assume(valid_yaml(text))
    if case.maps_file:
        assume(valid_yaml(case.maps_file))
    for text, policy in ((case.stream, case.stream_policy), (case.krm, case.krm_policy)):
        out = checked_run(text.encode(), files, strict=case.strict)
        check_places(case, text, out, policy)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # No shrinking: a run takes about 0.1 s, and shrinking a case this size takes
    # Hypothesis's full five minutes; the minimal inputs are the regressions below.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(cases())
def test_every_style_in_both_modes(case: Case) -> None:
    run_case(case)


# --- the minimal failing inputs the properties found -------------------------------------
# Each runs as a stream and as a ResourceList holding the same documents, with the maps in
# an --imagemaps file.


def imagemap(name: str, selector: str, image: str, spec: str = "") -> str:
    return (
        f"apiVersion: tilt.dev/v1alpha1\nkind: ImageMap\nmetadata:\n  name: {name}\n"
        f"spec:\n  selector: {selector}\n{spec}status:\n  image: {image}\n"
    )


POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"

BOTH_MODES: dict[str, tuple[str, str]] = {
    # A later map's injected image matches an earlier map's selector: the first run
    # writes app:tilt-2 (m1), the second run then lets m0 match it and writes
    # localhost:5000/app:tilt-1. The output is not a fixed point (README: "a run's output
    # is a fixed point"; SPEC §6: idempotent).
    "chained maps: image": (
        POD + "  - name: c\n    image: nginx\n",
        imagemap("m0", "app", "localhost:5000/app:tilt-1")
        + "---\n"
        + imagemap("m1", "nginx", "app:tilt-2"),
    ),
    # Two maps inject the same image and only the second matches the first time; the
    # second run counts m0 as matched ("already is the injected reference") and applies
    # its overrideArgs.
    "same injected image: override on the second run": (
        POD + "  - name: c\n    image: nginx\n",
        imagemap("m0", "other", "app:tilt-2", "  overrideArgs:\n    args: [a]\n")
        + "---\n"
        + imagemap("m1", "nginx", "app:tilt-2"),
    ),
}

STREAM_ONLY: dict[str, tuple[str, str | None]] = {
    # A false alarm of the oracle, not a product bug: the output keeps the BOM and the
    # first `---` and drops the ImageMap, so the JSON document comes right after
    # "\ufeff---"; tests/oracle.py `_documents` splits only at lines that begin with
    # `---`, so it reads "\ufeff---\n{...}" as one non-JSON document ("a JSON document
    # came out as YAML").
    "BOM, then a marker, then an ImageMap before a JSON document": (
        "\ufeff---\n"
        + imagemap("m0", "app", "app:tilt-2")
        + '---\n{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, '
        '"spec": {"containers": [{"name": "c", "image": "app"}]}}\n',
        None,
    ),
}


def resource_list(stream: str) -> str:
    """The stream's documents as the items of a ResourceList."""
    docs = [d for d in stream.split("---\n") if d.strip()]
    items = "".join(as_item(d, 0) for d in docs)
    return f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}"


REGRESSIONS = [
    pytest.param(text, maps, id=f"{name}-stream") for name, (text, maps) in BOTH_MODES.items()
]
REGRESSIONS += [
    pytest.param(resource_list(text), maps, id=f"{name}-krm")
    for name, (text, maps) in BOTH_MODES.items()
]
REGRESSIONS += [pytest.param(text, maps, id=name) for name, (text, maps) in STREAM_ONLY.items()]


@pytest.mark.parametrize(("text", "maps"), REGRESSIONS)
def test_regression(text: str, maps: str | None) -> None:
    assert valid_yaml(text)
    files = [ConfigFile("maps.yaml", maps.encode())] if maps else []
    checked_run(text.encode(), files)


# A merge key (`<<`) after a container's own key overrides it as Kubernetes reads the
# manifest (go-yaml v2 sets keys in order, as tests/oracle.py does), but go-yaml v3
# (kustomize) and PyYAML take the own key: readers disagree, so the key is left as it is,
# with a warning, and not matched (the lead's decision; README, "Fidelity"). Container c1
# gets its image `app` through the merge key: key -> (image, pull policy) of c1 as
# Kubernetes reads the output, and the key warned about.
_BASE = "  - &b\n    name: c0\n    image: app\n    imagePullPolicy: Always\n"
_NEW = "localhost:5000/app:tilt-1"
MERGE_AFTER_OWN_KEY = {
    # the image (merged only) is written after the merge key; the pull policy is left
    "own policy before the merge key": (
        POD + _BASE + "  - imagePullPolicy: Always\n    <<: *b\n    name: c1\n",
        (_NEW, "Always"),
        "imagePullPolicy",
    ),
    "own IfNotPresent before the merge key": (
        POD + _BASE + "  - imagePullPolicy: IfNotPresent\n    <<: *b\n    name: c1\n",
        (_NEW, "Always"),
        "imagePullPolicy",
    ),
    # Kubernetes reads `app`, which the map matches, kustomize `nginx`: c1 is left
    "own image before the merge key": (
        POD + "  - &b\n    name: c0\n    image: app\n  - image: nginx\n    <<: *b\n    name: c1\n",
        ("app", None),
        "image",
    ),
}


@pytest.mark.parametrize("mode", ["stream", "krm"])
@pytest.mark.parametrize(
    ("text", "want", "key"), MERGE_AFTER_OWN_KEY.values(), ids=list(MERGE_AFTER_OWN_KEY)
)
def test_merge_key_after_own_key(
    text: str, want: tuple[str, str | None], key: str, mode: str
) -> None:
    if mode == "krm":
        text = resource_list(text)
    maps = [ConfigFile("maps.yaml", imagemap("m0", "app", _NEW).encode())]
    out = checked_run(text.encode(), maps)
    assert out.exit_code == 0
    doc = load_all(out.stdout)[0]
    c1 = (doc["items"][0] if mode == "krm" else doc)["spec"]["containers"][1]
    assert (c1["image"], c1.get("imagePullPolicy")) == want
    warned = [
        r
        for r in out.results
        if r.field_path == f"spec.containers[1].{key}" and r.severity == "warning"
    ]
    assert len(warned) == 1
    assert "go-yaml v2" in warned[0].message and "go-yaml v3" in warned[0].message
    assert not [
        r
        for r in out.results
        if r.field_path == f"spec.containers[1].{key}" and r.severity == "info"
    ]
