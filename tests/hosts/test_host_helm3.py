"""Helm 3 (3.17.2) runs apply-imagemaps as a ``--post-renderer`` executable found on PATH:
``helm template|install CHART --post-renderer apply-imagemaps
--post-renderer-args --imagemaps --post-renderer-args maps.yaml``.

Each test runs Helm with the recording apply-imagemaps first on PATH and holds what Helm passed
to it and got back against the oracle (hostlib.Recorder)."""

from __future__ import annotations

from pathlib import Path

from .hostlib import (
    DATA,
    FRONTEND,
    GOLDEN,
    INVALID_MAPS,
    MAPS,
    MIGRATIONS,
    FnRun,
    Recorder,
    assert_golden,
    changed_lines,
    check_fn_run,
    helm_document,
    helm_template,
    post_renderer,
    run,
)


def test_template_rewrites_images_and_keeps_every_other_byte(
    helm3: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    plain = helm_template(helm3, recorded_env)
    rendered = helm_template(helm3, recorded_env, *post_renderer("apply-imagemaps", MAPS))
    assert rendered.returncode == 0, rendered.stderr
    (fn,) = recorder.check(1)
    # Helm 3 prints the post-renderer's stdout as it is: `# Source:` lines, the template's
    # comments and quotes, and its indentation all come through.
    assert fn.stdout.decode() in rendered.stdout
    assert changed_lines(plain.stdout, rendered.stdout) == [
        '-          image: "example.com/shop/frontend:1.4.0"   # built by Tilt',
        f'+          image: "{FRONTEND}"   # built by Tilt',
        "+          imagePullPolicy: IfNotPresent",
        "-              value: example.com/shop/migrations:1.4.0",
        f"+              value: {MIGRATIONS}",
    ]
    assert_golden(GOLDEN / "helm3-template.yaml", rendered.stdout)


def test_hooks_are_not_post_rendered(
    helm3: Path, recorded_env: dict[str, str], recorder: Recorder
) -> None:
    # Helm 3 splits hooks off before it runs the post-renderer (README "Helm 3").
    plain = helm_template(helm3, recorded_env)
    rendered = helm_template(helm3, recorded_env, *post_renderer("apply-imagemaps", MAPS))
    assert rendered.returncode == 0, rendered.stderr
    (fn,) = recorder.check(1)
    assert b"migrate-hook.yaml" not in fn.stdin
    hook = helm_document(rendered.stdout, "shop/templates/migrate-hook.yaml")
    assert hook == helm_document(plain.stdout, "shop/templates/migrate-hook.yaml")
    assert "image: example.com/shop/migrations:1.4.0\n" in hook


def test_a_map_for_a_hook_only_image_says_that_hooks_never_reach_it(
    helm3: Path, recorded_env: dict[str, str], recorder: Recorder, host_env: dict[str, str]
) -> None:
    """The image only the pre-install hook uses: Helm 3 keeps the hook from the
    post-renderer, and the result says so (#15); the same render piped in whole holds the
    hook, and the map matches it there."""
    maps = DATA / "imagemaps-hook-only.yaml"
    strict = ["--post-renderer-args", "--strict"]
    failed = helm_template(helm3, recorded_env, *post_renderer("apply-imagemaps", maps), *strict)
    (fn,) = recorder.check(1)
    assert (failed.returncode, fn.status, fn.stdout) == (1, 1, b"")
    assert fn.stderr.decode() == (
        f"[error] tilt.dev/v1alpha1/ImageMap/example.com_shop_migrations (in {maps}):"
        ' ImageMap "example.com_shop_migrations" matched no image'
        ' (selector "example.com/shop/migrations"); this looks like Helm 3\'s post-renderer'
        " input, which never holds the chart's hooks (helm.sh/hook): an image only a hook"
        " uses stays as it is\n"
    )
    assert fn.stderr.decode() in failed.stderr
    args = ["apply-imagemaps", "--imagemaps", str(maps), "--strict"]
    rendered = helm_template(helm3, host_env).stdout
    by_hand = run(args, host_env, stdin=rendered)
    check_fn_run(FnRun.by_hand(args, rendered, by_hand))
    assert by_hand.returncode == 0, by_hand.stderr
    assert f"image: {MIGRATIONS}\n" in by_hand.stdout


def test_failure_shows_our_reason(
    helm3: Path, recorded_env: dict[str, str], recorder: Recorder, host_env: dict[str, str]
) -> None:
    failed = helm_template(helm3, recorded_env, *post_renderer("apply-imagemaps", INVALID_MAPS))
    (fn,) = recorder.check(1)
    # by hand: the real apply-imagemaps, on the whole render
    args = ["apply-imagemaps", "--imagemaps", str(INVALID_MAPS)]
    rendered = helm_template(helm3, host_env).stdout
    by_hand = run(args, host_env, stdin=rendered)
    check_fn_run(FnRun.by_hand(args, rendered, by_hand))
    assert (by_hand.returncode, by_hand.stdout) == (1, "")
    assert (fn.status, fn.stdout, fn.stderr.decode()) == (1, b"", by_hand.stderr)
    assert by_hand.stderr == (
        f"[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selecter (in {INVALID_MAPS}):"
        ' unknown field "selecter"; did you mean "selector"?\n'
        f"[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selector (in {INVALID_MAPS}):"
        " required field is missing\n"
    )
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr == (
        "Error: error while running post render on files: error while running command"
        f" {recorder.path}. error output:\n{by_hand.stderr}: exit status 1\n\n"
        "Use --debug flag to render out invalid YAML\n"
    )
