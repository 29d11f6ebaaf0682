"""The maps' index (krm_fn.mapindex): the maps that match a reference, in order, from a
place in the list on; the last map whose injected reference a value is; and references
parsed once each."""

from __future__ import annotations

import pytest

from krm_fn.imagemap import ImageMap, Selector, TiltName
from krm_fn.mapindex import MapIndex, References
from krm_fn.reference import parse_normalized_named


def _map(selector: str, image: str, exact: bool = False, env: bool = False) -> ImageMap:
    return ImageMap(
        selector,
        Selector(parse_normalized_named(selector), exact),
        parse_normalized_named(image),
        match_in_env_vars=env,
    )


MAPS = [
    _map("app", "localhost:5000/app:tilt-1"),  # 0
    _map("web:1", "localhost:5000/web:tilt-1", exact=True),  # 1
    _map("docker.io/library/app", "localhost:5000/app:tilt-2", env=True),  # 2
    _map("localhost:5000/app", "localhost:5000/app:tilt-1"),  # 3: what 0 injects, again
    _map("db", "localhost:5000/app:tilt-1", env=True),  # 4: injects what 0 and 3 do
]


def _all(index: MapIndex, value: str | None, env: bool = False) -> list[int]:
    """Every match, by asking for the next one after each."""
    found: list[int] = []
    while (at := index.first(value, found[-1] + 1 if found else 0, env)) is not None:
        found.append(at)
    return found


@pytest.mark.parametrize(
    ("value", "matches", "env_matches"),
    [
        ("app", [0, 2], [2]),
        ("index.docker.io/library/app:1", [0, 2], [2]),  # one name, however spelled
        ("web:1", [1], []),
        ("web", [], []),  # matchExact: the tag too
        ("web:1@sha256:" + "a" * 64, [], []),
        ("localhost:5000/app:tilt-1", [0, 3, 4], [4]),  # selected by 3, injected by 0, 3, 4
        ("localhost:5000/app:tilt-2", [2, 3], [2]),
        ("db:2", [4], [4]),
        ("other", [], []),
        ("Not/Valid", [], []),
        (None, [], []),
    ],
)
def test_first(value: str | None, matches: list[int], env_matches: list[int]) -> None:
    index = MapIndex(MAPS, References())
    assert _all(index, value) == matches
    assert _all(index, value, env=True) == env_matches
    assert index.first(value, len(MAPS), env=False) is None


def test_first_from_a_place_in_the_list() -> None:
    index = MapIndex(MAPS, References())
    value = "localhost:5000/app:tilt-1"
    assert [index.first(value, start, env=False) for start in range(6)] == [0, 3, 3, 3, 4, None]


@pytest.mark.parametrize(
    ("value", "final"),
    [
        ("localhost:5000/app:tilt-1", 4),  # the last of the maps that inject it
        ("localhost:5000/app:tilt-2", 2),
        ("localhost:5000/web:tilt-1", 1),
        ("localhost:5000/app", -1),  # the name alone is not the reference
        ("app", -1),
        ("Not/Valid", -1),
        (None, -1),
    ],
)
def test_final(value: str | None, final: int) -> None:
    assert MapIndex(MAPS, References()).final(value) == final


@pytest.mark.parametrize(
    ("value", "leading"),
    [
        # 0 and 2 chain into 3, 3 into 4 (an env map: chains count every map), 4 ends it
        ("localhost:5000/app:tilt-1", [0, 2, 3]),
        ("localhost:5000/app", []),  # the name alone is not the reference
        ("localhost:5000/app:tilt-2", []),  # 2 injects it last, and 3 turns it into tilt-1
        ("localhost:5000/web:tilt-1", []),  # 1 injects it, and no map before it leads there
        ("app", []),  # no map injects it
        ("Not/Valid", []),
        (None, []),
    ],
)
def test_leading_to(value: str | None, leading: list[int]) -> None:
    assert MapIndex(MAPS, References()).leading_to(value) == leading


def test_leading_to_follows_each_chain_to_its_end() -> None:
    """The chain a -> b -> c ends as c's reference, through the very next map each time."""
    chain = [
        _map("nginx:1", "nginx:2", exact=True),
        _map("nginx:2", "nginx:3", exact=True),
        _map("nginx:3", "registry/nginx:b", exact=True),
        _map("web", "registry/nginx:b"),  # injects it too, last
    ]
    index = MapIndex(chain, References())
    assert index.leading_to("registry/nginx:b") == [0, 1, 2]
    assert index.leading_to("nginx:3") == []  # 1 injects it, and 2 goes on from there
    assert MapIndex(chain[:2], References()).leading_to("nginx:3") == [0]


def test_env_is_whether_any_map_matches_in_env_vars() -> None:
    assert MapIndex(MAPS, References()).env
    assert not MapIndex(MAPS[:2], References()).env
    empty = MapIndex([], References())
    assert not empty.env and empty.first("app", 0, env=False) is None and empty.final("app") == -1


def test_the_same_map_twice_is_found_twice() -> None:
    index = MapIndex([MAPS[0], MAPS[1], MAPS[0]], References())
    assert _all(index, "app") == [0, 2]
    assert index.final("localhost:5000/app:tilt-1") == 2


def test_references_are_parsed_once_each() -> None:
    refs = References()
    first = refs.parse("app:1")
    assert first is not None and str(first) == "docker.io/library/app:1"
    assert refs.parse("app:1") is first
    assert refs.parse("Not/Valid") is None
    assert refs.parse(None) is None
    assert refs.parse("") is None


def test_a_variables_only_map_is_found_by_the_name_tilt_gives_a_reference() -> None:
    """`--tilt` without `tilt get`: an ImageMap named as Tilt names its selector
    (`TiltName`) matches by the familiar name, or by the familiar string of a tagged build."""
    untagged = ImageMap(
        "example.com_shop_api",
        TiltName("example.com_shop_api"),
        parse_normalized_named("localhost:5000/example.com_shop_api:tilt-1"),
    )
    tagged = ImageMap("app:dev", TiltName("app:dev"), parse_normalized_named("localhost/app:t"))
    index = MapIndex([*MAPS, untagged, tagged], References())
    assert _all(index, "example.com/shop/api:1.0") == [5]
    assert _all(index, "example.com/shop/web:1.0") == []
    assert _all(index, "app:dev") == [0, 2, 6]  # maps 0 and 2 by their selectors
    assert _all(index, "app:prod") == [0, 2]
