"""ImageMaps as values: what a Selector and a TiltName match, and Tilt's name for a selector."""

from __future__ import annotations

from krm_fn.imagemap import ImageMap, Selector, TiltName, sanitize_name
from krm_fn.reference import parse_normalized_named as ref


def test_selector_matches_the_name_or_exactly() -> None:
    loose, exact = Selector(ref("my-app"), exact=False), Selector(ref("my-app"), exact=True)
    assert loose.matches(ref("docker.io/library/my-app:dev"))
    assert not loose.matches(ref("other/my-app"))
    assert exact.matches(ref("my-app")) and not exact.matches(ref("my-app:dev"))
    assert exact.describe() == 'selector "my-app", matchExact'
    assert loose.describe() == 'selector "my-app"'
    assert Selector(ref("gcr.io/x/app:1"), exact=False).needle() == "gcr.io/x/app"


def test_tilt_name_matches_what_tilt_would_name() -> None:
    untagged, tagged = TiltName("example.com_shop_api"), TiltName("app:dev")
    assert untagged.matches(ref("example.com/shop/api:1.0"))
    assert tagged.matches(ref("app:dev")) and not tagged.matches(ref("app:other"))
    assert untagged.describe() == 'no spec: the images Tilt names "example.com_shop_api"'
    assert untagged.needle() == "example.com"


def test_tilt_name_needle_of_a_cut_name_leaves_out_the_hash() -> None:
    name = sanitize_name("example.com/" + "a" * 250)
    assert len(name) == 253
    assert TiltName(name).needle() == "a" * 232


def test_imagemap_injects_the_familiar_string() -> None:
    plain = ImageMap("a", Selector(ref("a"), exact=False), ref("docker.io/library/b:1"))
    assert plain.injected == "b:1"
    assert not plain.has_override
    assert plain.replace(override_args=()).has_override


def test_sanitize_name() -> None:
    assert sanitize_name("gcr.io/foo%2") == "gcr.io_foo_2"
    assert sanitize_name("a" * 253) == "a" * 253
    assert len(sanitize_name("a" * 254)) == 253
