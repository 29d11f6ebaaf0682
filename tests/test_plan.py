"""Planning (krm_fn.plan): which located field gets which value from which ImageMap, with
the maps in order and chained (S11), the idempotence rule, env values for matchInEnvVars
maps only, fields left as they are, pull policies and overrides (S9, S10).

The map index (krm_fn.mapindex) lets each field meet only the maps that can match it; the
property test below checks it against the loop it replaced (every map against every field,
in map order), on random objects and random chained map sets."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from krm_fn.fields import Container, Field, Located, Place, claimed
from krm_fn.imagemap import ImageMap, Selector
from krm_fn.locate import find
from krm_fn.locators import Locator, compile_locators
from krm_fn.mapindex import MapIndex, References
from krm_fn.options import PullPolicy
from krm_fn.plan import Conflict, Event, Left, Override, Plan, Pull, Uncarried, Write, plan
from krm_fn.reference import parse_normalized_named
from krm_fn.shared_anchors import SharedAnchors
from tests.texts import compose


def _map(
    name: str,
    selector: str,
    image: str,
    exact: bool = False,
    env: bool = False,
    command: tuple[str, ...] | None = None,
    args: tuple[str, ...] | None = None,
) -> ImageMap:
    return ImageMap(
        name,
        Selector(parse_normalized_named(selector), exact),
        parse_normalized_named(image),
        match_in_env_vars=env,
        override_command=command,
        override_args=args,
    )


def _pod(containers: str, extra: str = "") -> str:
    head = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
    return head + containers + extra


def _plan(
    text: str,
    maps: list[ImageMap],
    policy: PullPolicy = PullPolicy.MATCHED,
    locators: tuple[Locator, ...] = (),
) -> Plan:
    index = MapIndex(maps, References())
    located = find(compose(text), env=index.env, locators=locators)
    return plan(located, index, SharedAnchors(text), policy)


def _writes(p: Plan) -> list[tuple[str, str, str]]:
    return [(str(w.field.path[-1]), w.value, w.map.name) for w in p.writes]


A = _map("a", "app", "localhost:5000/app:tilt-1")
B = _map("b", "localhost:5000/app", "localhost:5000/app:tilt-2")  # selects what A injects


def test_each_map_sees_what_the_ones_before_wrote() -> None:
    p = _plan(_pod("  - image: app:1\n"), [A, B])
    assert [(w.value, w.map) for w in p.writes] == [("localhost:5000/app:tilt-2", B)]
    assert p.events == [Conflict(p.writes[0].field, A, B)]
    assert p.used == {"a", "b"}


def test_in_the_other_order_the_later_map_meets_nothing_it_selects() -> None:
    p = _plan(_pod("  - image: app:1\n"), [B, A])
    assert [(w.value, w.map) for w in p.writes] == [("localhost:5000/app:tilt-1", A)]
    assert (p.events, p.used) == ([], {"a"})


def test_a_field_holding_a_later_maps_injected_reference_is_left_to_it() -> None:
    """The idempotence rule: a run on its own output rewrites nothing."""
    p = _plan(_pod("  - image: localhost:5000/app:tilt-2\n"), [A, B])
    assert p.writes == []
    # b matched: the field already is its injected reference; a's leads to it (a chain)
    assert p.used == {"a", "b"}
    assert [pull.map for pull in p.pulls] == [B]


def test_a_matching_field_that_already_holds_the_value_is_used_not_written() -> None:
    p = _plan(_pod("  - image: localhost:5000/app:tilt-1\n"), [A])
    assert (p.writes, p.used, [x.map for x in p.pulls]) == ([], {"a"}, [A])


def test_env_values_for_match_in_env_vars_maps_only() -> None:
    text = _pod("  - image: other\n    env:\n    - {name: E, value: app}\n")
    assert _plan(text, [A]).writes == []
    env = _map("e", "app", "localhost:5000/app:tilt-1", env=True)
    p = _plan(text, [A, env])
    assert [(w.field.place, w.map) for w in p.writes] == [(Place.ENV, env)]
    assert p.pulls == []  # env values have no pull policy


def test_exact_selectors_compare_the_whole_reference() -> None:
    exact = _map("x", "app:1", "localhost:5000/app:tilt-1", exact=True)
    text = _pod("  - image: app:1\n  - image: app:2\n  - image: app\n")
    assert [w.field.path for w in _plan(text, [exact]).writes] == [
        ("spec", "containers", 0, "image")
    ]


def test_a_field_in_an_anchored_value_an_alias_uses_is_left() -> None:
    text = _pod("  - image: &i app:1\n", "x: *i\n")
    p = _plan(text, [A, _map("a2", "app", "localhost:5000/app:tilt-3")])
    (left,) = p.events
    assert isinstance(left, Left) and left.anchor == "i"  # once, however many maps match
    assert (p.writes, p.pulls, p.used) == ([], [], {"a", "a2"})


def test_a_merged_field_is_left_by_the_anchor_of_its_own_mapping() -> None:
    """A field a merge key gives is written in its own mapping: what an alias may share is
    that mapping, not the merged one."""
    text = _pod("  - &c\n    <<: {image: app:1}\n    name: c\n", "x: *c\n")
    p = _plan(text, [A])
    (left,) = p.events
    assert isinstance(left, Left) and left.anchor == "c"
    assert (p.writes, p.used) == ([], {"a"})
    merged = "base: &b {image: app:1}\n" + _pod("  - <<: *b\n    name: c\n")
    p = _plan(merged, [A])
    assert p.events == []
    assert _writes(p) == [("image", "localhost:5000/app:tilt-1", "a")]


def test_an_anchored_key_of_an_image_object_leaves_it_alone() -> None:
    """An image object's edits change its values: an anchored key beside them is no
    reason to leave it."""
    found, problems = compile_locators(
        [{"path": "{.spec.image}", "object": {"repoField": "repository", "tagField": "tag"}}],
        "imageLocators",
    )
    assert problems == []
    text = (
        "apiVersion: example.com/v1\nkind: Chart\nmetadata:\n  name: c\n"
        "spec:\n  image: {&k repository: app, tag: '1'}\nx: *k\n"
    )
    p = _plan(text, [A], locators=tuple(found))
    assert (p.events, [w.value for w in p.writes]) == ([], ["localhost:5000/app:tilt-1"])
    anchored = text.replace("{&k repository: app,", "{repository: &k app,")
    p = _plan(anchored, [A], locators=tuple(found))
    (left,) = p.events
    assert isinstance(left, Left) and (left.anchor, p.writes) == ("k", [])


def test_one_pull_per_field_for_the_last_map_that_matched_it() -> None:
    again = _map("again", "localhost:5000/app", "localhost:5000/app:tilt-1")
    p = _plan(_pod("  - image: app\n  - image: web\n"), [A, again])
    assert [(pull.field.path[-2], pull.map.name) for pull in p.pulls] == [(0, "again")]


def test_pull_policy_all_and_preserve() -> None:
    text = _pod("  - image: web\n  - image: app\n", "  ephemeralContainers:\n  - image: db\n")
    every = _plan(text, [A], PullPolicy.ALL).pulls
    assert [(str(pull.field.value), pull.map.name) for pull in every] == [
        ("web", "a"),
        ("app", "a"),
    ]
    assert _plan(text, [A], PullPolicy.PRESERVE).pulls == []


def test_overrides_go_to_the_containers_carrying_the_injected_reference() -> None:
    cmd = _map("c", "app", "localhost:5000/app:tilt-1", command=("run",), args=())
    later = _map("d", "web", "localhost:5000/app:tilt-1", command=("go",))
    p = _plan(_pod("  - image: app\n  - image: web\n  - image: db\n"), [cmd, later])
    assert [(o.container.path[-1], o.key, o.values, o.map.name) for o in p.overrides] == [
        (0, "command", ("go",), "d"),  # the later map's values, in the first one's place
        (0, "args", (), "c"),
        (1, "command", ("go",), "d"),
    ]


def test_an_override_skips_a_container_whose_image_is_left() -> None:
    """The container must carry the injected reference, tag and all: a left image of the
    same name does not."""
    cmd = _map("c", "localhost:5000/app", "localhost:5000/app:tilt-1", command=("run",))
    p = _plan(_pod("  - image: &i localhost:5000/app:old\n", "x: *i\n"), [cmd])
    (left,) = p.events
    assert isinstance(left, Left) and (p.overrides, p.writes) == ([], [])


def test_an_override_that_matched_only_env_values_is_an_event() -> None:
    env = _map("e", "app", "localhost:5000/app:tilt-1", env=True, command=("run",))
    p = _plan(_pod("  - image: web\n    env:\n    - {name: E, value: app}\n"), [env])
    assert p.events == [Uncarried(env)]
    assert p.overrides == []


def test_an_override_leaves_the_containers_left_to_a_later_map() -> None:
    """The idempotence rule for overrides: a container whose image holds a later map's
    injected reference is not the earlier map's, though it carries the same reference."""
    cmd = _map("c", "app", "localhost:5000/app:tilt-1", command=("run",))
    later = _map("d", "web", "localhost:5000/app:tilt-1")
    first = _plan(_pod("  - image: app\n  - image: web\n"), [cmd, later])
    assert [(o.container.path[-1], o.map.name) for o in first.overrides] == [(0, "c")]
    again = _plan(_pod("  - image: localhost:5000/app:tilt-1\n"), [cmd, later])
    assert (again.overrides, again.events, again.used) == ([], [], {"c", "d"})


def test_a_map_whose_output_a_later_map_rewrote_is_used_on_the_output() -> None:
    """A chain: the second run sees the last map's reference, and the maps before it that
    led there count as used (they are what wrote it), so strict passes again."""
    one = _map("one", "nginx:1.0", "nginx:2.0", exact=True)
    two = _map("two", "nginx:2.0", "registry/nginx:b", exact=True)
    other = _map("other", "web", "registry/nginx:b")  # injects it too, from elsewhere
    unrelated = _map("unrelated", "db", "registry/db:b")
    assert _plan(_pod("  - image: nginx:1.0\n"), [one, two]).used == {"one", "two"}
    again = _plan(_pod("  - image: registry/nginx:b\n"), [one, two, other, unrelated])
    assert again.writes == []
    assert again.used == {"one", "two", "other"}
    assert _plan(_pod("  - image: registry/db:b\n"), [one, two, unrelated]).used == {"unrelated"}


# --- the index against the loop it replaced ---------------------------------------------

NAMES = ["app", "example.com/app", "web", "localhost:5000/app", "localhost:5000/web"]
TAGS = ["", ":1", ":tilt-1", ":tilt-2"]
references = st.builds(str.__add__, st.sampled_from(NAMES), st.sampled_from(TAGS))
values = st.one_of(references, st.sampled_from(["8080", "Not/Valid", "[a]"]))
maps = st.lists(
    st.builds(
        _map,
        name=st.sampled_from(["m0", "m1", "m2", "m3"]),
        selector=references,
        image=references.filter(lambda r: r.split(":")[-1].startswith("tilt") or "/" in r),
        exact=st.booleans(),
        env=st.booleans(),
        command=st.one_of(st.none(), st.just(("run",)), st.just(())),
        args=st.one_of(st.none(), st.just(("-v",))),
    ),
    min_size=1,
    max_size=7,
)
containers = st.lists(
    st.fixed_dictionaries(
        {
            "list": st.sampled_from(["containers", "initContainers", "ephemeralContainers"]),
            "image": values,
            "anchored": st.booleans(),
            "env": st.lists(values, max_size=2),
            "volume": st.one_of(st.none(), values),
        }
    ),
    min_size=1,
    max_size=4,
)


def _render(cs: list[dict[str, Any]], aliased: list[bool]) -> str:
    """A Pod with these containers (each in its list), image volumes, and a trailing key
    that uses some of the anchored images through aliases."""
    spec = ""
    for key in ["containers", "initContainers", "ephemeralContainers"]:
        items = [(i, c) for i, c in enumerate(cs) if c["list"] == key]
        if items:
            spec += f"  {key}:\n"
        for i, c in items:
            anchor = f"&i{i} " if c["anchored"] else ""
            spec += f"  - name: c{i}\n    image: {anchor}{c['image']}\n"
            if c["env"]:
                spec += "    env:\n" + "".join(f"    - {{name: E, value: {v}}}\n" for v in c["env"])
    volumes = [(i, c["volume"]) for i, c in enumerate(cs) if c["volume"] is not None]
    if volumes:
        spec += "  volumes:\n" + "".join(
            f"  - name: v{i}\n    image: {{reference: {v}}}\n" for i, v in volumes
        )
    uses = [f"*i{i}" for i, c in enumerate(cs) if c["anchored"] and aliased[i % len(aliased)]]
    tail = f"uses: [{', '.join(uses)}]\n" if uses else ""
    return f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{spec}{tail}"


def _loop_plan(
    located: Located, ms: list[ImageMap], anchors: SharedAnchors, policy: PullPolicy
) -> Plan:
    """The plan as the loop before the index made it: every map against every field."""
    refs = References()
    value: dict[Field, str | None] = {}
    writer: dict[Field, ImageMap] = {}
    left: dict[Field, bool] = {}
    left_by: set[str] = set()
    pulled: dict[Field, ImageMap] = {}
    overrides: dict[tuple[Container, str], Override] = {}
    events: list[Event] = []
    used: set[str] = set()
    last = {str(m.inject): index for index, m in enumerate(ms)}
    final = {}
    for f in located.fields:
        ref = refs.parse(f.value)
        if ref is not None and str(ref) in last:
            final[f] = last[str(ref)]
    for f, last_map in final.items():  # the maps whose chain ends in what f holds
        for earlier in range(last_map) if f.place is not Place.ENV else ():
            current: str | None = str(ms[earlier].inject)
            for later in ms[earlier + 1 :]:
                ref = refs.parse(current)
                if ref is not None and (
                    later.selector.matches(ref) or str(ref) == str(later.inject)
                ):
                    current = later.injected
            if str(refs.parse(current)) == str(refs.parse(f.value)):
                used.add(ms[earlier].name)
    for index, m in enumerate(ms):
        hit = False
        matched: set[Field] = set()
        for f in [f for f in located.fields if final.get(f, -1) <= index]:
            if f.place is Place.ENV and not m.match_in_env_vars:
                continue
            current = value.get(f, f.value)
            ref = refs.parse(current)
            if ref is None or not (m.selector.matches(ref) or str(ref) == str(m.inject)):
                continue
            hit = True
            matched.add(f)
            if current != m.injected:
                if f not in left:
                    touched = [f.owner] if f.merged and f.owner is not None else claimed(f)
                    names = [
                        anchors.shared(n.start_mark.index, n.start_mark.index + 1) for n in touched
                    ]
                    name = next((n for n in names if n is not None), None)
                    left[f] = name is not None
                    if name is not None:
                        events.append(Left(f, name))
                if left[f]:
                    left_by.add(m.name)
                    continue
                before = writer.get(f)
                if before is not None and before.name != m.name:
                    events.append(Conflict(f, before, m))
                value[f], writer[f] = m.injected, m
            if f.place not in (Place.ENV, Place.IMAGE_OBJECT):
                pulled[f] = m
        if not hit:
            continue
        used.add(m.name)
        if not m.has_override:
            continue
        assert m.inject is not None
        carrier = Selector(m.inject, exact=m.inject.tag is not None)
        targets = [
            c
            for c in located.containers
            if c.image in matched
            and (r := refs.parse(value.get(c.image, c.image.value)))
            and carrier.matches(r)
        ]
        if not targets and m.name not in left_by:
            events.append(Uncarried(m))
        for c in targets:
            for key, given_values in (("command", m.override_command), ("args", m.override_args)):
                if given_values is not None:
                    overrides[c, key] = Override(c, key, given_values, m)
    writes = [
        Write(f, writer[f].injected, writer[f])
        for f in located.fields
        if f in writer and writer[f].injected != f.value
    ]
    if policy is PullPolicy.ALL and ms:
        for c in located.containers:
            if c.image and not c.ephemeral and c.image not in pulled:
                pulled[c.image] = ms[0]
    pulls = sorted(
        (Pull(f, m) for f, m in pulled.items()) if policy is not PullPolicy.PRESERVE else [],
        key=lambda p: p.field.node.start_mark.index,
    )
    return Plan(writes, pulls, list(overrides.values()), events, used)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(containers, min_size=1, max_size=3),
    maps,
    st.lists(st.booleans(), min_size=1, max_size=3),
    st.sampled_from(list(PullPolicy)),
    st.booleans(),
)
def test_the_index_plans_what_every_map_against_every_field_planned(
    objects: list[list[dict[str, Any]]],
    ms: list[ImageMap],
    aliased: list[bool],
    policy: PullPolicy,
    repeat: bool,
) -> None:
    """Random objects, and random map sets whose selectors and injected references chain
    into one another (names repeat too, as a generator's list of map names may); the
    objects share one index, as a run's do."""
    if repeat:
        ms = [*ms, ms[0]]  # the same map twice
    index = MapIndex(ms, References())
    for cs in objects:
        text = _render(cs, aliased)
        located = find(compose(text), env=index.env)
        assert plan(located, index, SharedAnchors(text), policy) == _loop_plan(
            located, ms, SharedAnchors(text), policy
        )
