"""The run's options (krm_fn.options): what one config sets, and how the sources' settings
merge into one typed record, the first source that sets an option winning."""

from __future__ import annotations

import pytest

from krm_fn import config_shapes, imagemap, options
from krm_fn.locators import Locator, catalog, compile_locators
from krm_fn.options import Options, PullPolicy, Settings


def locators(*paths: str) -> tuple[Locator, ...]:
    found, problems = compile_locators([{"path": p} for p in paths], "imageLocators")
    assert not problems
    return tuple(found)


def named(found: tuple[Locator, ...]) -> list[tuple[str, str]]:
    """What tells locators apart: each one's name and path. A Locator holds compiled
    patterns and paths, equal only to themselves, and each run compiles the catalog anew."""
    return [(loc.name, loc.path.text) for loc in found]


def same(merged: Options, expected: Options) -> bool:
    """Whether two Options hold the same settings and the same locators, by `named`."""
    return merged.replace(locators=()) == expected.replace(locators=()) and named(
        merged.locators
    ) == named(expected.locators)


def test_settings_read_booleans_and_the_shorthands_strings() -> None:
    assert options.settings({}) == Settings()
    assert options.settings(
        {"strict": True, "catalog": False, "anyImageKey": True, "pullPolicy": "all"}
    ) == Settings(PullPolicy.ALL, strict=True, catalog=False, any_image_key=True)
    assert options.settings({"strict": "true", "catalog": "false", "anyImageKey": "false"}) == (
        Settings(strict=True, catalog=False, any_image_key=False)
    )
    found = locators("{.spec.image}")
    assert options.settings({"pullPolicy": "preserve"}, found) == Settings(
        PullPolicy.PRESERVE, locators=found
    )


def test_no_settings_give_the_defaults_with_the_catalog() -> None:
    assert same(options.merge([], strict=False), Options(locators=catalog()))
    assert same(options.merge([Settings(), Settings()], strict=False), Options(locators=catalog()))


def test_each_option_is_the_first_source_that_sets_it() -> None:
    first = locators("{.spec.first}")
    merged = options.merge(
        [
            Settings(strict=False),
            Settings(pull_policy=PullPolicy.PRESERVE, locators=first),
            Settings(pull_policy=PullPolicy.ALL, strict=True, any_image_key=True),
            Settings(locators=locators("{.spec.later}"), any_image_key=False),
        ],
        strict=False,
    )
    assert same(
        merged,
        Options(
            pull_policy=PullPolicy.PRESERVE,
            strict=False,  # set (to false) by the first source
            locators=(*first, *catalog()),
            any_image_key=True,
        ),
    )
    assert merged.locators[0] is first[0]


def test_an_empty_locator_list_is_set_and_wins() -> None:
    merged = options.merge([Settings(locators=()), Settings(locators=locators("{.a}"))], False)
    assert named(merged.locators) == named(catalog())


@pytest.mark.parametrize(
    ("sources", "with_catalog"),
    [
        ([Settings(catalog=True)], True),
        ([Settings(catalog=False), Settings(catalog=True)], False),
        ([Settings(), Settings(catalog=False)], False),
    ],
)
def test_the_catalog_comes_after_the_users_locators_unless_turned_off(
    sources: list[Settings], with_catalog: bool
) -> None:
    own = locators("{.spec.own}")
    merged = options.merge([Settings(locators=own), *sources], strict=False)
    assert named(merged.locators) == named((*own, *(catalog() if with_catalog else ())))


def test_strict_on_the_command_line_wins() -> None:
    assert options.merge([Settings(strict=False)], strict=True).strict
    assert options.merge([Settings(strict=True)], strict=False).strict


def test_a_config_sets_its_options_only_when_it_is_valid() -> None:
    """config_shapes.load gives each config's settings: none from a config with a problem."""
    valid = config_shapes.load(
        {"apiVersion": imagemap.FN, "kind": "ApplyImageMaps", "pullPolicy": "all"}
    )
    assert valid.settings == Settings(pull_policy=PullPolicy.ALL)
    invalid = config_shapes.load(
        {"apiVersion": imagemap.FN, "kind": "ApplyImageMaps", "pullPolicy": "all", "x": 1}
    )
    assert invalid.problems
    assert invalid.settings == Settings()
    with_locators = config_shapes.load(
        {
            "apiVersion": imagemap.FN,
            "kind": "ApplyImageMaps",
            "imageLocators": [{"path": "{.spec.image}"}],
        }
    )
    found = with_locators.settings.locators
    assert found is not None
    assert [(loc.name, loc.path.text) for loc in found] == [("imageLocators[0]", "{.spec.image}")]
    assert with_locators.settings.replace(locators=None) == Settings()
