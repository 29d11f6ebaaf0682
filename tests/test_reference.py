"""Tests for krm_fn.reference: the distribution/reference v0.6.0 grammar and normalization.

The expected values and messages are those of the Go code (distribution/reference v0.6.0 and
go-digest v1.0.0); every message is asserted verbatim.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from krm_fn.reference import InvalidReferenceError, Reference, parse, parse_normalized_named

HEX64 = "0123456789abcdef" * 4
SHA256 = "sha256:" + HEX64
SHA384 = "sha384:" + HEX64 + HEX64[:32]
SHA512 = "sha512:" + HEX64 * 2

INVALID_FORMAT = "invalid reference format"
NAME_UPPERCASE = "repository name must be lowercase"
NAME_EMPTY = "repository name must have at least one component"
NAME_TOO_LONG = "repository name must not be more than 255 characters"
DIGEST_FORMAT = "invalid checksum digest format"
DIGEST_LENGTH = "invalid checksum digest length"
DIGEST_UNSUPPORTED = "unsupported digest algorithm"


def case_id(value: str) -> str:
    """A short, ASCII-only test id that stays unique for long inputs. Its node id must name
    it again (mutmut runs tests by node id): no `::`, and escapes as `~xe9`, not `\\xe9`."""
    text = value.encode("unicode_escape").decode("ascii") or "<empty>"
    text = text.replace("::", ":-:").replace("\\", "~")
    return text if len(text) <= 40 else f"{text[:28]}...len{len(value)}"


def must_be_lowercase(remote: str) -> str:
    return f"invalid reference format: repository name ({remote}) must be lowercase"


def identifier_refused(value: str) -> str:
    return f"invalid repository name ({value}), cannot specify 64-byte hexadecimal strings"


def assert_refused(parser: Callable[[str], Reference], value: str, message: str) -> None:
    with pytest.raises(InvalidReferenceError) as info:
        parser(value)
    assert str(info.value) == message
    assert info.value.value == value


# --- parse_normalized_named: accepted inputs ----------------------------------------------

# (input, domain, path, tag, digest)
NORMALIZED_ROWS: list[tuple[str, str, str, str | None, str | None]] = [
    ("nginx", "docker.io", "library/nginx", None, None),
    ("nginx:1.25", "docker.io", "library/nginx", "1.25", None),
    ("nginx:Tag_1.0-rc", "docker.io", "library/nginx", "Tag_1.0-rc", None),
    ("nginx@" + SHA256, "docker.io", "library/nginx", None, SHA256),
    ("nginx:latest@" + SHA256, "docker.io", "library/nginx", "latest", SHA256),
    ("nginx@" + SHA384, "docker.io", "library/nginx", None, SHA384),
    ("nginx@" + SHA512, "docker.io", "library/nginx", None, SHA512),
    ("foo/bar", "docker.io", "foo/bar", None, None),
    ("foo/bar/baz:v1", "docker.io", "foo/bar/baz", "v1", None),
    ("myregistry/foo", "docker.io", "myregistry/foo", None, None),
    ("my_registry/foo", "docker.io", "my_registry/foo", None, None),
    ("docker.io/library/foo/bar", "docker.io", "library/foo/bar", None, None),
    ("localhost", "docker.io", "library/localhost", None, None),
    ("localhost/foo", "localhost", "foo", None, None),
    ("localhost:5000", "docker.io", "library/localhost", "5000", None),
    ("localhost:5000/foo:dev", "localhost:5000", "foo", "dev", None),
    ("registry:5000/foo", "registry:5000", "foo", None, None),
    ("127.0.0.1:5000/foo", "127.0.0.1:5000", "foo", None, None),
    ("gcr.io/foo:1.0@" + SHA256, "gcr.io", "foo", "1.0", SHA256),
    ("gcr.io/project/app", "gcr.io", "project/app", None, None),
    ("Example.com/app", "Example.com", "app", None, None),
    ("Foo/bar", "Foo", "bar", None, None),
    ("[::1]/foo", "[::1]", "foo", None, None),
    ("[::1]:5000/foo", "[::1]:5000", "foo", None, None),
    ("[FE80::1]:5000/foo", "[FE80::1]:5000", "foo", None, None),
    # A bracketed first element is a registry only through the "." / ":" / upper-case rules.
    ("[ABC]/foo", "[ABC]", "foo", None, None),
    (
        "[2001:db8::1]:5000/repo:tag@" + SHA256,
        "[2001:db8::1]:5000",
        "repo",
        "tag",
        SHA256,
    ),
    ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", None),
    ("8080", "docker.io", "library/8080", None, None),
    ("true", "docker.io", "library/true", None, None),
    ("info", "docker.io", "library/info", None, None),
    ("1.2.3", "docker.io", "library/1.2.3", None, None),
    ("a__b/c---d/e.f", "docker.io", "a__b/c---d/e.f", None, None),
    (HEX64[:63], "docker.io", "library/" + HEX64[:63], None, None),
    (HEX64 + "0", "docker.io", "library/" + HEX64 + "0", None, None),
    (HEX64 + ":tag", "docker.io", "library/" + HEX64, "tag", None),
    ("gcr.io/" + HEX64, "gcr.io", HEX64, None, None),
    ("docker.io/library/" + HEX64, "docker.io", "library/" + HEX64, None, None),
    ("a" * 247, "docker.io", "library/" + "a" * 247, None, None),
    ("gcr.io/" + "a" * 255, "gcr.io", "a" * 255, None, None),
    ("nginx:" + "t" * 128, "docker.io", "library/nginx", "t" * 128, None),
]


@pytest.mark.parametrize(
    ("value", "domain", "path", "tag", "digest"),
    NORMALIZED_ROWS,
    ids=[case_id(row[0]) for row in NORMALIZED_ROWS],
)
def test_parse_normalized_named_accepts(
    value: str, domain: str, path: str, tag: str | None, digest: str | None
) -> None:
    assert parse_normalized_named(value) == Reference(domain, path, tag, digest)


# --- parse_normalized_named: refused inputs -----------------------------------------------

# (input, exact Go error message)
NORMALIZED_ERROR_ROWS: list[tuple[str, str]] = [
    ("", INVALID_FORMAT),
    # Upper case is diagnosed before the grammar is checked, so the templated forms in the
    # worked table get the longer "must be lowercase" message.
    ("${IMAGE}", must_be_lowercase("library/${IMAGE}")),
    ("$(IMAGE)", must_be_lowercase("library/$(IMAGE)")),
    ("${image}", INVALID_FORMAT),
    ("$(image)", INVALID_FORMAT),
    ("{{ .image }}", INVALID_FORMAT),
    ("http://x/y", INVALID_FORMAT),
    ("a b", INVALID_FORMAT),
    ("nginx:", INVALID_FORMAT),
    (":justtag", INVALID_FORMAT),
    ("@" + SHA256, INVALID_FORMAT),
    ("/foo", INVALID_FORMAT),
    ("foo/", INVALID_FORMAT),
    ("foo//bar", INVALID_FORMAT),
    ("-foo", INVALID_FORMAT),
    ("foo-", INVALID_FORMAT),
    ("foo..bar", INVALID_FORMAT),
    ("foo___bar", INVALID_FORMAT),
    ("-bad.com/foo", INVALID_FORMAT),
    ("nginx:.tag", INVALID_FORMAT),
    ("nginx:" + "t" * 129, INVALID_FORMAT),
    ("MyApp", must_be_lowercase("library/MyApp")),
    ("MyApp:Tag", must_be_lowercase("library/MyApp")),
    ("example/App", must_be_lowercase("example/App")),
    ("docker.io/Library/nginx", must_be_lowercase("Library/nginx")),
    ("localhost:5000/Foo", must_be_lowercase("Foo")),
    ("Example.com/App", must_be_lowercase("App")),
    (HEX64, identifier_refused(HEX64)),
    (HEX64.upper(), must_be_lowercase("library/" + HEX64.upper())),
    ("a" * 248, NAME_TOO_LONG),
    ("gcr.io/" + "a" * 256, NAME_TOO_LONG),
    ("nginx@sha256:" + HEX64[:31], INVALID_FORMAT),
    ("nginx@sha256:" + HEX64[:63], DIGEST_LENGTH),
    ("nginx@sha256:" + HEX64 + "0", DIGEST_LENGTH),
    ("nginx@sha256:" + HEX64.upper(), DIGEST_FORMAT),
    ("nginx@sha512:" + HEX64, DIGEST_LENGTH),
    ("nginx@sha384:" + HEX64, DIGEST_LENGTH),
    ("nginx@md5:" + HEX64[:32], DIGEST_UNSUPPORTED),
    ("nginx@sha256+b64:" + HEX64, DIGEST_UNSUPPORTED),
    ("gcr.io/foo:v1@SHA256:" + HEX64, DIGEST_FORMAT),
    # Without a tag, the text before the digest's ":" is the "remote" of the lowercase check.
    ("nginx@Sha256:" + HEX64, must_be_lowercase("library/nginx@Sha256")),
    ("[::1]", INVALID_FORMAT),
    ("[::1]:5000", INVALID_FORMAT),
    ("[fe80::1%eth0]/foo", INVALID_FORMAT),
    ("[fe80::1%eth0]:5000/foo", INVALID_FORMAT),
    ("[::ffff:1.2.3.4]/foo", INVALID_FORMAT),
    ("[abc]/foo", INVALID_FORMAT),
    # Go lower-cases U+0130 to a plain "i"; the retry then fits the grammar.
    ("\u0130/foo", NAME_UPPERCASE),
]


@pytest.mark.parametrize(
    ("value", "message"),
    NORMALIZED_ERROR_ROWS,
    ids=[case_id(row[0]) for row in NORMALIZED_ERROR_ROWS],
)
def test_parse_normalized_named_refuses(value: str, message: str) -> None:
    assert_refused(parse_normalized_named, value, message)


# --- the worked table of tilt-injection.md S3.6 ---------------------------------------------

# (input, Name(), String(), FamiliarString)
WORKED_ROWS: list[tuple[str, str, str, str]] = [
    ("nginx", "docker.io/library/nginx", "docker.io/library/nginx", "nginx"),
    ("nginx:1.25", "docker.io/library/nginx", "docker.io/library/nginx:1.25", "nginx:1.25"),
    ("docker.io/nginx", "docker.io/library/nginx", "docker.io/library/nginx", "nginx"),
    ("index.docker.io/nginx", "docker.io/library/nginx", "docker.io/library/nginx", "nginx"),
    ("library/nginx", "docker.io/library/nginx", "docker.io/library/nginx", "nginx"),
    ("docker.io/library/nginx", "docker.io/library/nginx", "docker.io/library/nginx", "nginx"),
    ("foo/bar", "docker.io/foo/bar", "docker.io/foo/bar", "foo/bar"),
    (
        "docker.io/library/foo/bar",
        "docker.io/library/foo/bar",
        "docker.io/library/foo/bar",
        "library/foo/bar",
    ),
    ("localhost/foo", "localhost/foo", "localhost/foo", "localhost/foo"),
    (
        "localhost:5000/foo:dev",
        "localhost:5000/foo",
        "localhost:5000/foo:dev",
        "localhost:5000/foo:dev",
    ),
    (
        "localhost:5000",
        "docker.io/library/localhost",
        "docker.io/library/localhost:5000",
        "localhost:5000",
    ),
    (
        "gcr.io/foo:1.0@" + SHA256,
        "gcr.io/foo",
        "gcr.io/foo:1.0@" + SHA256,
        "gcr.io/foo:1.0@" + SHA256,
    ),
    ("Example.com/app", "Example.com/app", "Example.com/app", "Example.com/app"),
    ("8080", "docker.io/library/8080", "docker.io/library/8080", "8080"),
    ("true", "docker.io/library/true", "docker.io/library/true", "true"),
    ("info", "docker.io/library/info", "docker.io/library/info", "info"),
    ("1.2.3", "docker.io/library/1.2.3", "docker.io/library/1.2.3", "1.2.3"),
]


@pytest.mark.parametrize(
    ("value", "name", "full", "familiar"), WORKED_ROWS, ids=[case_id(row[0]) for row in WORKED_ROWS]
)
def test_worked_table(value: str, name: str, full: str, familiar: str) -> None:
    ref = parse_normalized_named(value)
    assert (ref.name, str(ref), ref.familiar_string()) == (name, full, familiar)


WORKED_ERROR_ROWS: list[tuple[str, str]] = [
    ("MyApp", must_be_lowercase("library/MyApp")),
    ("example/App", must_be_lowercase("example/App")),
    ("", INVALID_FORMAT),
    # The table says "invalid reference format"; Go's message starts with those words and,
    # because of the upper case, goes on to the lowercase diagnosis.
    ("${IMAGE}", must_be_lowercase("library/${IMAGE}")),
    ("$(IMAGE)", must_be_lowercase("library/$(IMAGE)")),
    ("http://x/y", INVALID_FORMAT),
    ("a b", INVALID_FORMAT),
]


@pytest.mark.parametrize(
    ("value", "message"), WORKED_ERROR_ROWS, ids=[case_id(row[0]) for row in WORKED_ERROR_ROWS]
)
def test_worked_table_errors(value: str, message: str) -> None:
    assert_refused(parse_normalized_named, value, message)


def test_registry_host_case_is_kept_and_significant() -> None:
    upper = parse_normalized_named("Example.com/app")
    lower = parse_normalized_named("example.com/app")
    assert upper.domain == "Example.com"
    assert upper != lower
    assert upper.name != lower.name


# --- equivalence classes: every spelling of one repository -----------------------------------

# (familiar name, full name, other spellings of the same name)
EQUIVALENCE_ROWS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "nginx",
        "docker.io/library/nginx",
        (
            "docker.io/library/nginx",
            "index.docker.io/library/nginx",
            "library/nginx",
            "docker.io/nginx",
            "index.docker.io/nginx",
        ),
    ),
    ("foo/bar", "docker.io/foo/bar", ("docker.io/foo/bar", "index.docker.io/foo/bar")),
    ("library/foo/bar", "docker.io/library/foo/bar", ("docker.io/library/foo/bar",)),
    ("localhost/foo", "localhost/foo", ()),
    ("localhost:5000/foo", "localhost:5000/foo", ()),
    ("gcr.io/foo/bar", "gcr.io/foo/bar", ()),
    ("Example.com/app", "Example.com/app", ()),
    ("[::1]:5000/foo", "[::1]:5000/foo", ()),
]


@pytest.mark.parametrize(
    ("familiar", "full", "spellings"),
    EQUIVALENCE_ROWS,
    ids=[case_id(row[0]) for row in EQUIVALENCE_ROWS],
)
def test_equivalent_spellings(familiar: str, full: str, spellings: tuple[str, ...]) -> None:
    for spelling in (familiar, full, *spellings):
        ref = parse_normalized_named(spelling)
        assert (ref.name, str(ref), ref.familiar_name()) == (full, full, familiar), spelling
        tagged = parse_normalized_named(spelling + ":v1")
        assert (str(tagged), tagged.familiar_string()) == (full + ":v1", familiar + ":v1")


# --- parse (Go reference.Parse): no Docker Hub defaulting ----------------------------------

# (input, domain, path, tag, digest)
PARSE_ROWS: list[tuple[str, str, str, str | None, str | None]] = [
    ("nginx", "", "nginx", None, None),
    ("test_com", "", "test_com", None, None),
    ("test.com:tag", "", "test.com", "tag", None),
    ("test.com:5000", "", "test.com", "5000", None),
    ("lowercase:Uppercase", "", "lowercase", "Uppercase", None),
    # The optional domain is tried first, so any first element that fits it is the domain.
    ("foo/bar", "foo", "bar", None, None),
    ("test:5000/repo", "test:5000", "repo", None, None),
    ("test:5000/repo:tag@" + SHA256, "test:5000", "repo", "tag", SHA256),
    ("Uppercase/lowercase:tag", "Uppercase", "lowercase", "tag", None),
    ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", None),
    ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", None, None),
    ("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", None, None),
    ("docker.io/library/nginx:1.25", "docker.io", "library/nginx", "1.25", None),
    # reference.Parse has no 64-hex identifier check; only ParseNormalizedNamed does.
    (HEX64, "", HEX64, None, None),
    ("a" * 255, "", "a" * 255, None, None),
    ("example.com/" + "a" * 255 + ":tag", "example.com", "a" * 255, "tag", None),
    ("a/" * 127 + "a:tag", "a", "a/" * 126 + "a", "tag", None),
]


@pytest.mark.parametrize(
    ("value", "domain", "path", "tag", "digest"),
    PARSE_ROWS,
    ids=[case_id(row[0]) for row in PARSE_ROWS],
)
def test_parse_accepts(
    value: str, domain: str, path: str, tag: str | None, digest: str | None
) -> None:
    ref = parse(value)
    assert ref == Reference(domain, path, tag, digest)
    assert str(ref) == value


PARSE_ERROR_ROWS: list[tuple[str, str]] = [
    ("", NAME_EMPTY),
    (":justtag", INVALID_FORMAT),
    ("@" + SHA256, INVALID_FORMAT),
    ("aa/asdf$$^/aa", INVALID_FORMAT),
    ("Uppercase:tag", NAME_UPPERCASE),
    ("test:5000/Uppercase/lowercase:tag", NAME_UPPERCASE),
    ("\u0130", NAME_UPPERCASE),
    ("repo@sha256:" + "f" * 34, DIGEST_LENGTH),
    ("validname@invaliddigest:" + "f" * 64, DIGEST_UNSUPPORTED),
    ("[2001:db8::1]", INVALID_FORMAT),
    ("[2001:db8::1]:5000", INVALID_FORMAT),
    ("[fe80::1%eth0]:5000/repo", INVALID_FORMAT),
    ("[fe80::1%@invalidzone]:5000/repo", INVALID_FORMAT),
    ("a" * 256, NAME_TOO_LONG),
    ("domain/" + "a" * 256 + ":tag", NAME_TOO_LONG),
    ("a/" * 128 + "aa:tag", NAME_TOO_LONG),
]


@pytest.mark.parametrize(
    ("value", "message"), PARSE_ERROR_ROWS, ids=[case_id(row[0]) for row in PARSE_ERROR_ROWS]
)
def test_parse_refuses(value: str, message: str) -> None:
    assert_refused(parse, value, message)


# --- one test per sub-pattern ------------------------------------------------------------


def _parsed_or_none(value: str) -> Reference | None:
    try:
        return parse(value)
    except InvalidReferenceError:
        return None


DOMAIN_ROWS: list[tuple[str, bool]] = [
    ("gcr.io", True),
    ("localhost", True),
    ("localhost:5000", True),
    ("127.0.0.1:5000", True),
    ("Example.com", True),
    ("a-b.example.com", True),
    ("a--b.com", True),
    ("xn--n3h.com:18080", True),
    ("host:0", True),
    ("[::1]", True),
    ("[::1]:5000", True),
    ("[2001:db8:1:2:3:4:5:6]", True),
    ("[FE80::1]:443", True),
    ("-a.com", False),
    ("a-.com", False),
    ("a..com", False),
    (".a.com", False),
    ("a.com:", False),
    ("a.com:port", False),
    ("a_b.com", False),
    ("[]", False),
    ("[fe80::1%eth0]", False),
    ("[::ffff:1.2.3.4]", False),
    ("::1", False),
    ("h\u00e9.com", False),
]


@pytest.mark.parametrize(
    ("domain", "valid"), DOMAIN_ROWS, ids=[case_id(row[0]) for row in DOMAIN_ROWS]
)
def test_domain_pattern(domain: str, valid: bool) -> None:
    ref = _parsed_or_none(domain + "/foo")
    accepted = ref is not None and (ref.domain, ref.path) == (domain, "foo")
    assert accepted is valid


PATH_COMPONENT_ROWS: list[tuple[str, bool]] = [
    ("a", True),
    ("a0", True),
    ("0", True),
    ("a.b", True),
    ("a_b", True),
    ("a__b", True),
    ("a-b", True),
    ("a---b", True),
    ("a.b_c-d", True),
    ("xn--n3h", True),
    ("", False),
    ("A", False),
    ("aB", False),
    ("a___b", False),
    ("a..b", False),
    ("a._b", False),
    ("_a", False),
    ("a_", False),
    ("-a", False),
    ("a-", False),
    (".a", False),
    ("a b", False),
    ("\u00e9", False),
]


@pytest.mark.parametrize(
    ("component", "valid"),
    PATH_COMPONENT_ROWS,
    ids=[case_id(row[0]) for row in PATH_COMPONENT_ROWS],
)
def test_path_component_pattern(component: str, valid: bool) -> None:
    ref = _parsed_or_none(f"example.com/{component}/x")
    accepted = ref is not None and ref.path == f"{component}/x"
    assert accepted is valid


TAG_ROWS: list[tuple[str, bool]] = [
    ("latest", True),
    ("1.25", True),
    ("V1", True),
    ("_x", True),
    ("x.y-z_W", True),
    ("t" * 128, True),
    ("", False),
    ("t" * 129, False),
    (".x", False),
    ("-x", False),
    ("a+b", False),
    ("a:b", False),
    ("t\u00e0g", False),
    ("x\u0660", False),
]


@pytest.mark.parametrize(("tag", "valid"), TAG_ROWS, ids=[case_id(row[0]) for row in TAG_ROWS])
def test_tag_pattern(tag: str, valid: bool) -> None:
    ref = _parsed_or_none(f"example.com/app:{tag}")
    accepted = ref is not None and ref.tag == tag
    assert accepted is valid


# (digest, fits the reference grammar). A digest that fits may still be refused by the
# go-digest check, but never with "invalid reference format".
DIGEST_GRAMMAR_ROWS: list[tuple[str, bool]] = [
    (SHA256, True),
    ("sha256:" + HEX64.upper(), True),
    ("SHA256:" + HEX64, True),
    ("md5:" + HEX64[:32], True),
    ("sha256+b64:" + HEX64, True),
    ("a.b-c_d+e:" + HEX64[:32], True),
    ("sha256:" + HEX64[:31], False),
    ("256:" + HEX64, False),
    ("sha_256:" + HEX64, False),
    ("sha256:" + "g" * 64, False),
    ("sha256" + HEX64, False),
    (":" + HEX64, False),
]


@pytest.mark.parametrize(
    ("digest", "fits"), DIGEST_GRAMMAR_ROWS, ids=[case_id(row[0]) for row in DIGEST_GRAMMAR_ROWS]
)
def test_digest_pattern(digest: str, fits: bool) -> None:
    try:
        parse(f"example.com/app@{digest}")
    except InvalidReferenceError as err:
        assert (str(err) != INVALID_FORMAT) is fits
    else:
        assert fits


# (digest, go-digest error or None when valid)
DIGEST_VALIDATION_ROWS: list[tuple[str, str | None]] = [
    (SHA256, None),
    (SHA384, None),
    (SHA512, None),
    ("sha256:" + HEX64[:63], DIGEST_LENGTH),
    ("sha256:" + HEX64 + "a", DIGEST_LENGTH),
    ("sha256:" + HEX64.upper(), DIGEST_FORMAT),
    ("sha256:" + HEX64[:63] + "A", DIGEST_FORMAT),
    ("sha256:" + HEX64.upper()[:63], DIGEST_LENGTH),
    ("sha384:" + HEX64, DIGEST_LENGTH),
    ("sha512:" + HEX64, DIGEST_LENGTH),
    ("sha512:" + HEX64 * 2 + "00", DIGEST_LENGTH),
    ("md5:" + HEX64[:32], DIGEST_UNSUPPORTED),
    ("sha256+b64:" + HEX64, DIGEST_UNSUPPORTED),
    ("SHA256:" + HEX64, DIGEST_FORMAT),
    ("Sha512:" + HEX64 * 2, DIGEST_FORMAT),
]


@pytest.mark.parametrize(
    ("digest", "message"),
    DIGEST_VALIDATION_ROWS,
    ids=[case_id(row[0]) for row in DIGEST_VALIDATION_ROWS],
)
def test_digest_validation(digest: str, message: str | None) -> None:
    value = f"example.com/app:v1@{digest}"
    if message is None:
        assert parse(value).digest == digest
        assert parse_normalized_named(value).digest == digest
    else:
        assert_refused(parse, value, message)
        assert_refused(parse_normalized_named, value, message)


# --- porting traps -------------------------------------------------------------------------

TRAP_ROWS: list[tuple[str, str]] = [
    ("nginx\n", INVALID_FORMAT),
    ("nginx:tag\n", INVALID_FORMAT),
    ("gcr.io/foo\n", INVALID_FORMAT),
    ("\nnginx", INVALID_FORMAT),
    ("nginx:t\u00e0g", INVALID_FORMAT),
    ("nginx:\u0662", INVALID_FORMAT),
    ("gcr.io/app@sha256:" + "\u0661" * 64, INVALID_FORMAT),
]


@pytest.mark.parametrize(
    ("value", "message"), TRAP_ROWS, ids=[case_id(row[0]) for row in TRAP_ROWS]
)
def test_porting_traps(value: str, message: str) -> None:
    assert_refused(parse, value, message)
    assert_refused(parse_normalized_named, value, message)


def test_upper_case_is_named_only_when_the_lower_case_retry_fits() -> None:
    """Go retries a refused reference lower-cased (`strings.ToLower`: U+0130 becomes one
    `i`) and says "must be lowercase" only when the retry fits the grammar."""
    assert_refused(parse, "Uppercase:tag!", INVALID_FORMAT)
    longest_tag = "\u0130" + "a" * 127  # lower-cased, 128 characters: the most a tag holds
    assert_refused(parse, "repo:" + longest_tag, NAME_UPPERCASE)
    assert_refused(parse, "repo:" + longest_tag + "a", INVALID_FORMAT)


def test_identifier_is_refused_only_as_a_whole_bare_name() -> None:
    assert_refused(parse_normalized_named, HEX64, identifier_refused(HEX64))
    assert parse_normalized_named(HEX64[:63]).path == "library/" + HEX64[:63]
    assert parse_normalized_named("gcr.io/" + HEX64).name == "gcr.io/" + HEX64
    assert parse_normalized_named("docker.io/library/" + HEX64).path == "library/" + HEX64


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("a" * 247, True),
        ("a" * 248, False),
        ("foo/" + "a" * 251, True),
        ("foo/" + "a" * 252, False),
        ("gcr.io/" + "a" * 255, True),
        ("gcr.io/" + "a" * 256, False),
        ("a-very-long-registry-name." * 20 + "io/" + "a" * 255, True),
    ],
    ids=["bare-247", "bare-248", "hub-255", "hub-256", "gcr-255", "gcr-256", "long-domain"],
)
def test_path_length_limit_boundary(value: str, valid: bool) -> None:
    if valid:
        assert len(parse_normalized_named(value).path) == 255
    else:
        assert_refused(parse_normalized_named, value, NAME_TOO_LONG)


def test_length_is_checked_before_the_digest() -> None:
    value = "gcr.io/" + "a" * 256 + "@md5:" + HEX64[:32]
    assert_refused(parse_normalized_named, value, NAME_TOO_LONG)


@pytest.mark.parametrize(
    ("value", "domain"),
    [("[::1]:5000/foo", "[::1]:5000"), ("[::1]/foo", "[::1]"), ("[2001:db8::]/x", "[2001:db8::]")],
    ids=["loopback-port", "loopback", "prefix"],
)
def test_ipv6_domains(value: str, domain: str) -> None:
    ref = parse_normalized_named(value)
    assert ref.domain == domain
    assert ref.familiar_name() == ref.name


def test_familiar_string_is_not_always_reparsed_to_the_same_reference() -> None:
    # Go's FamiliarString drops "docker.io/" even when the first remaining path component
    # would then be read as a registry, or the result would be a bare 64-hex identifier.
    dotted = parse_normalized_named("docker.io/foo.bar/baz")
    assert dotted.familiar_string() == "foo.bar/baz"
    assert parse_normalized_named(dotted.familiar_string()).domain == "foo.bar"
    local = parse_normalized_named("docker.io/localhost/foo")
    assert parse_normalized_named(local.familiar_string()).name == "localhost/foo"
    hexed = parse_normalized_named("docker.io/library/" + HEX64)
    assert_refused(parse_normalized_named, hexed.familiar_string(), identifier_refused(HEX64))


def test_reference_value_semantics() -> None:
    ref = Reference("docker.io", "library/nginx", "1.25")
    assert ref == parse_normalized_named("nginx:1.25")
    assert hash(ref) == hash(parse_normalized_named("nginx:1.25"))
    if TYPE_CHECKING:  # its fields are Final (krm_fn.records): mypy refuses to set one
        ref.tag = "2"  # type: ignore[misc]
    assert Reference("", "a/b").name == "a/b"
    assert str(Reference("gcr.io", "app", None, SHA256)) == "gcr.io/app@" + SHA256


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^invalid reference format$"):
        parse_normalized_named("a b")


# --- properties ----------------------------------------------------------------------------

_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}

domain_labels = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True)
hosts = st.one_of(
    st.lists(domain_labels, min_size=1, max_size=3).map(".".join),
    # Real IPv6 addresses have a ":"; without one, "[abc]" is not a registry when normalizing.
    st.from_regex(r"\[[a-fA-F0-9]{0,4}:[a-fA-F0-9:]{0,10}\]", fullmatch=True),
    st.just("localhost"),
)
ports = st.one_of(st.just(""), st.integers(min_value=0, max_value=99999).map(":{}".format))
domains = st.builds("{}{}".format, hosts, ports)
path_components = st.from_regex(
    r"[a-z0-9]{1,6}(?:(?:[._]|__|-{1,3})[a-z0-9]{1,6}){0,2}", fullmatch=True
)
paths = st.lists(path_components, min_size=1, max_size=4).map("/".join)
tags = st.none() | st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", fullmatch=True)
digests = st.none() | st.sampled_from(sorted(_HEX_LENGTHS)).flatmap(
    lambda algorithm: st.text(
        "0123456789abcdef", min_size=_HEX_LENGTHS[algorithm], max_size=_HEX_LENGTHS[algorithm]
    ).map(f"{algorithm}:{{}}".format)
)
references = st.builds(Reference, domain=domains, path=paths, tag=tags, digest=digests)
prefixes = st.one_of(
    st.just(""),
    st.sampled_from(["docker.io/", "index.docker.io/", "library/", "docker.io/library/"]),
    domains.map("{}/".format),
)
familiar_inputs = st.builds(
    "{}{}{}{}".format,
    prefixes,
    paths,
    tags.map(lambda tag: f":{tag}" if tag else ""),
    digests.map(lambda digest: f"@{digest}" if digest else ""),
)

PROPERTY_SETTINGS = settings(max_examples=300, database=None)


@PROPERTY_SETTINGS
@given(references)
def test_parse_round_trips_str(ref: Reference) -> None:
    assert parse(str(ref)) == ref


def _reads_back_differently(ref: Reference) -> bool:
    """The Go cases where the familiar string names a different reference."""
    familiar = ref.familiar_name()
    first = familiar.partition("/")[0]
    looks_like_registry = "/" in familiar and (first == "localhost" or "." in first)
    is_identifier = len(familiar) == 64 and all(c in "0123456789abcdef" for c in familiar)
    return ref.domain == "docker.io" and (looks_like_registry or is_identifier)


@PROPERTY_SETTINGS
@given(familiar_inputs)
def test_normalized_references_round_trip(value: str) -> None:
    ref = parse_normalized_named(value)
    assert parse_normalized_named(str(ref)) == ref
    assert parse(str(ref)) == ref
    assume(not _reads_back_differently(ref))
    assert parse_normalized_named(ref.familiar_string()) == ref


REFERENCE_ALPHABET = "aAzZ09._-:/@[]%$ \n\u0130\u00e0+"


@PROPERTY_SETTINGS
@given(st.one_of(st.text(), st.text(REFERENCE_ALPHABET)))
def test_arbitrary_text_parses_or_raises_invalid_reference(value: str) -> None:
    for parser in (parse, parse_normalized_named):
        try:
            ref = parser(value)
        except InvalidReferenceError as err:
            assert str(err)
            continue
        assert isinstance(ref, Reference)
        assert ref.path
