"""One ImageMap object read into a Config: its semantic problems by field path, then its value."""

from __future__ import annotations

from typing import Any

from krm_fn.config import Config, add_imagemap
from krm_fn.imagemap import Selector, TiltName
from krm_fn.reference import parse_normalized_named
from krm_fn.schema import Problem


def _added(obj: dict[str, Any], valid: bool = True) -> Config:
    config = Config()
    add_imagemap(config, obj, ["imageMaps", 1], valid=valid)
    return config


def test_a_valid_imagemap_becomes_a_value() -> None:
    spec = {
        "selector": "app",
        "matchExact": True,
        "matchInEnvVars": True,
        "overrideCommand": {"command": ["run"]},
        "overrideArgs": {"args": []},
        "disableSource": {"configMap": {"name": "c", "key": "k"}},
    }
    (m,) = _added({"metadata": {"name": "a"}, "spec": spec, "status": {"image": "b:1"}}).maps
    assert m.selector == Selector(parse_normalized_named("app"), exact=True)
    assert (m.name, m.injected, m.match_in_env_vars) == ("a", "b:1", True)
    assert (m.override_command, m.override_args, m.disable_source) == (("run",), (), ("c", "k"))
    assert m.location == "imageMaps[1]"
    assert m.content == (
        '{"spec": {"disableSource": {"configMap": {"key": "k", "name": "c"}}, "matchExact": '
        'true, "matchInEnvVars": true, "overrideArgs": {"args": []}, "overrideCommand": '
        '{"command": ["run"]}, "selector": "app"}, "status": {"image": "b:1"}}'
    )


def test_imagefromcluster_wins_over_image() -> None:
    status = {"image": "local:1/a:x", "imageFromCluster": "docker.io/library/a:y"}
    (m,) = _added({"metadata": {"name": "a"}, "spec": {"selector": "a"}, "status": status}).maps
    assert m.injected == "a:y"


def test_no_spec_is_a_tilt_name_and_no_status_no_inject() -> None:
    (m,) = _added({"metadata": {"name": "example.com_app"}}).maps
    assert (m.selector, m.inject) == (TiltName("example.com_app"), None)


def test_every_bad_reference_is_reported_even_when_the_schema_failed() -> None:
    obj = {"metadata": {"name": "a"}, "spec": {"selector": "A"}, "status": {"image": "::"}}
    config = _added(obj, valid=False)
    assert config.maps == []
    assert config.problems == [
        Problem(
            "imageMaps[1].spec.selector",
            'invalid selector "A": invalid reference format: repository name (library/A) '
            "must be lowercase",
        ),
        Problem("imageMaps[1].status.image", 'invalid image "::": invalid reference format'),
    ]


def test_an_invalid_object_adds_no_map() -> None:
    assert _added({"metadata": {"name": "a"}, "spec": {"selector": "a"}}, valid=False).maps == []
